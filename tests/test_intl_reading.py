"""Numbers in other languages: eSpeak NG's phonemes, in the language's own voice, for the text
``read_numbers`` gives must equal its phonemes for what a person says.

Each case also records what eSpeak makes of the written form alone: "differs" when its sounds
(stress aside) are not those of the person's reading (a dropped minus, "zwei Strich drei",
"dollar cinq", a Chinese number above 10 000, or only a vowel of a compound), "same" when eSpeak
already reads it so and the reading must keep it so.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.normalize import intl
from pipeline.normalize.intl import read_numbers
from phonemes import clauses_many, phonemes_many

VOICES = {"de": "de", "fr": "fr", "es": "es", "it": "it", "pt": "pt", "nl": "nl", "pl": "pl", "ru": "ru",
          "ja": "ja", "zh": "cmn"}

# language: [(written, what a person says, eSpeak alone on the written form: "same" / "differs")]
CASES = {
    "de": [
        ("1.000.000 Menschen", "eine Million Menschen", "same"),
        ("10 000 Menschen", "zehntausend Menschen", "same"),
        ("1.500 Menschen", "eintausendfünfhundert Menschen", "same"),
        ("3,5 Prozent", "drei Komma fünf Prozent", "same"),
        ("1,000,000 Menschen", "eine Million Menschen", "differs"),
        ("Python 3.11", "Python drei Punkt elf", "same"),
        ("25 %", "fünfundzwanzig Prozent", "same"),
        ("3.5 % mehr", "drei Komma fünf Prozent mehr", "differs"),
        ("-5 Grad", "minus fünf Grad", "same"),
        ("2-3 Jahre", "zwei bis drei Jahre", "differs"),
        ("1-2 Tage", "ein bis zwei Tage", "differs"),
        ("5 – 10 Jahre", "fünf bis zehn Jahre", "differs"),
        ("1990 - 2000", "neunzehnhundertneunzig bis zweitausend", "differs"),
        ("5 €", "fünf Euro", "same"),
        ("€5", "fünf Euro", "differs"),
        ("5,50 €", "fünf Euro fünfzig", "differs"),
        ("0,99 €", "neunundneunzig Cent", "differs"),
        ("$5", "fünf Dollar", "differs"),
        ("1 €", "ein Euro", "differs"),
        ("1.000.000 €", "eine Million Euro", "same"),
        ("im Jahr 1999", "im Jahr neunzehnhundertneunundneunzig", "differs"),
        ("seit 2017", "seit zweitausendsiebzehn", "differs"),
        ("1 Jahr", "ein Jahr", "differs"),
        ("GPT-4", "GPT-vier", "same"),
        ("bzw. $25.", "bzw. fünfundzwanzig Dollar.", "differs"),
    ],
    "fr": [
        ("1 000 000 €", "un million d'euros", "differs"),
        ("10 000 habitants", "dix mille habitants", "same"),
        ("le 1er mai", "le premier mai", "same"),
        ("la 1re fois", "la première fois", "differs"),
        ("le 21e siècle", "le vingt et unième siècle", "differs"),
        ("3,5 %", "trois virgule cinq pour cent", "same"),
        ("25 %", "vingt-cinq pour cent", "same"),
        ("1,50 €", "un euro cinquante", "differs"),
        ("0,50 €", "cinquante centimes", "differs"),
        ("2 €", "deux euros", "differs"),
        ("$5", "cinq dollars", "differs"),
        ("-3 degrés", "moins trois degrés", "differs"),
        ("5-10 ans", "cinq à dix ans", "differs"),
        ("en 1999", "en mille neuf cent quatre-vingt-dix-neuf", "differs"),
    ],
    "es": [
        ("el 1.º de mayo", "el primero de mayo", "differs"),
        ("la 1.ª vez", "la primera vez", "differs"),
        ("el 3er piso", "el tercer piso", "differs"),
        ("21 años", "veintiún años", "differs"),
        ("1 año", "un año", "differs"),
        ("1 %", "uno por ciento", "same"),
        ("25 %", "veinticinco por ciento", "same"),
        ("1.000.000 €", "un millón de euros", "differs"),
        ("5,50 €", "cinco euros con cincuenta", "differs"),
        ("$5", "cinco dólares", "differs"),
        ("3,14", "tres coma catorce", "same"),
        ("2-3 años", "dos a tres años", "differs"),
        ("-5 grados", "menos cinco grados", "differs"),
        ("en 1999", "en mil novecientos noventa y nueve", "same"),
    ],
    "it": [
        ("il 1º maggio", "il primo maggio", "same"),
        ("la 1ª volta", "la prima volta", "same"),
        ("1 anno", "un anno", "differs"),
        ("5,50 €", "cinque euro e cinquanta", "differs"),
        ("1.000.000 €", "un milione di euro", "differs"),
        ("$5", "cinque dollari", "differs"),
        ("25 %", "venticinque per cento", "differs"),
        ("3,5", "tre virgola cinque", "same"),
        ("-5 gradi", "meno cinque gradi", "same"),
        ("2-3 anni", "due-tre anni", "same"),
    ],
    "pt": [
        ("o 1º lugar", "o primeiro lugar", "differs"),
        ("a 1ª vez", "a primeira vez", "same"),
        ("5,50 €", "cinco euros e cinquenta", "differs"),
        ("1.000.000 €", "um milhão de euros", "differs"),
        ("$5", "cinco dólares", "differs"),
        ("2-3 anos", "dois a três anos", "differs"),
        ("25 %", "vinte e cinco por cento", "differs"),
        ("-5 graus", "menos cinco graus", "differs"),
        ("16 anos", "dezasseis anos", "differs"),
    ],
    "nl": [
        ("de 1e keer", "de eerste keer", "differs"),
        ("de 3de plaats", "de derde plaats", "differs"),
        ("in 1999", "in negentienhonderdnegenennegentig", "differs"),
        ("5,50 €", "vijf euro vijftig", "differs"),
        ("$5", "vijf dollar", "differs"),
        ("2-3 jaar", "twee tot drie jaar", "differs"),
        ("25 %", "vijfentwintig procent", "differs"),
        ("-5 graden", "min vijf graden", "same"),
        ("1.000.000 inwoners", "een miljoen inwoners", "differs"),
    ],
    "pl": [
        ("2 $", "dwa dolary", "differs"),
        ("5 $", "pięć dolarów", "differs"),
        ("5 €", "pięć euro", "differs"),
        ("25 %", "dwadzieścia pięć procent", "differs"),
        ("3,5", "trzy przecinek pięć", "same"),
        ("-7 stopni", "minus siedem stopni", "differs"),
        ("1 000 000 $", "milion dolarów", "differs"),
    ],
    "ru": [
        ("1 $", "один доллар", "differs"),
        ("5 $", "пять долларов", "differs"),
        ("5 €", "пять евро", "differs"),
        ("21 %", "двадцать один процент", "differs"),
        ("25 %", "двадцать пять процентов", "differs"),
        ("3,5 %", "три целых пять десятых процента", "differs"),
        ("-7 градусов", "минус семь градусов", "differs"),
        ("1 000 000 $", "один миллион долларов", "differs"),
        ("в 2023 году", "в две тысячи двадцать третьем году", "differs"),
        ("с 2020 года", "с две тысячи двадцатого года", "differs"),
        ("2 года", "два года", "same"),
        ("1 марта", "первого марта", "differs"),
        ("1-3 мая", "первого-третьего мая", "differs"),
    ],
    "ja": [
        ("2024年", "にせんにじゅうよねん", "differs"),
        ("100万円", "ひゃくまんえん", "differs"),
        ("3.5", "さんてんご", "differs"),
        ("-5", "マイナスご", "differs"),
        ("25%", "にじゅうごパーセント", "differs"),
        ("$5", "ごドル", "differs"),
        ("1,000", "せん", "differs"),
        ("12345", "いちまんにせんさんびゃくよんじゅうご", "differs"),
        ("3月1日", "さんがつついたち", "differs"),
        ("1日3回", "いちにちさん回", "differs"),
        ("4月4日", "しがつよっか", "differs"),
        ("9時", "くじ", "differs"),
        ("2人", "ふたり", "differs"),
        ("250人", "にひゃくごじゅうにん", "differs"),
    ],
    "zh": [
        ("12345", "一万两千三百四十五", "differs"),
        ("1000000", "一百万", "differs"),
        ("1,000,000", "一百万", "differs"),
        ("10005", "一万零五", "differs"),
        ("2024年", "二零二四年", "differs"),
        ("2个人", "两个人", "differs"),
        ("25%", "百分之二十五", "differs"),
        ("-5", "负五", "differs"),
        ("$5", "五美元", "differs"),
        ("3.14", "三点一四", "differs"),
        ("第3章", "第三章", "same"),
    ],
}
ALL = [(language, *case) for language, cases in CASES.items() for case in cases]

# Left as written, for eSpeak: dates, times, codes, ordinals that may be a sentence's end.
LEFT = {
    "de": ["am 3. Mai", "am 3.5.", "12.03.2024", "um 10:30 Uhr", "MP3", "007", "Platz 3.", "2024-03-01",
           "1/2", "0171-1234567", "3D", "v1.2.3"],
    "fr": ["à 10:30", "XXe siècle", "1/2", "5G", "B2B"],
    "es": ["a las 10:30", "1/2", "3D"],
    "pl": ["3. miejsce", "3-ci raz", "12.03.2024"],
    "ru": ["3-й этап", "21-го мая", "12.03.2024"],
    "nl": ["1e10", "om 10:30"],
    "ja": ["10:30"],
    "zh": ["10:30", "H2O"],
}
_MARKS = re.compile(r"_:|[',; _!|]|(?<=A@)r")


def sounds(ph: str) -> str:
    return _MARKS.sub("", ph)


@pytest.fixture(scope="module")
def heard():
    """Phonemes of every written form, reading and spoken text, one round trip per language."""
    found = {}
    for language, cases in CASES.items():
        texts = sorted({t for w, r, _ in cases for t in (w, r, read_numbers(w, language))})
        found[language] = dict(zip(texts, phonemes_many(texts, VOICES[language])))
    return found


@pytest.mark.parametrize("language, written, reading, alone", ALL, ids=[f"{c[0]}:{c[1]}" for c in ALL])
def test_reading(heard, language, written, reading, alone):
    spoken = read_numbers(written, language)
    ph = heard[language]
    assert ph[spoken] == ph[reading], (
        f"{written!r} is spoken as {spoken!r} ({ph[spoken]}), a person says {reading!r} ({ph[reading]})")
    same = sounds(ph[written]) == sounds(ph[reading])
    assert ("same" if same else "differs") == alone, f"eSpeak alone reads {written!r} as {ph[written]}"


def test_pauses_are_where_a_person_makes_them():
    for language, cases in CASES.items():
        spoken = clauses_many([read_numbers(w, language) for w, _, _ in cases], VOICES[language])
        wanted = clauses_many([r for _, r, _ in cases], VOICES[language])
        wrong = [(w, s, h) for (w, _, _), s, h in zip(cases, spoken, wanted) if len(s) != len(h)]
        assert not wrong, (language, wrong)


@pytest.mark.parametrize("language", sorted(LEFT))
def test_what_is_not_read_is_left_as_written(language):
    for written in LEFT[language]:
        assert read_numbers(written, language) == written, language


def test_the_english_rules_are_not_applied():
    """English forms a German text may hold stay for eSpeak's German voice, never English words."""
    text = "Dr. Müller sah 1/10 um 3pm, vs. 5M und 10x."
    assert read_numbers(text, "de") == text
    assert read_numbers("$5M", "fr") == "$5M"


@pytest.mark.parametrize("language", ["en", "en-US", "sv", "sw", "xx", "", "tlh"])
def test_languages_without_a_table_are_unchanged(language):
    text = "In 1999, 25 % of 1.000 people paid 5,50 € — $5, -3, 2-3."
    assert read_numbers(text, language) == text


def test_language_tags():
    assert read_numbers("25 %", "de-AT") == read_numbers("25 %", "de_CH") == "fünfundzwanzig Prozent"
    assert read_numbers("16", "pt") == "dezasseis" and read_numbers("16", "pt-BR") == "dezesseis"
    assert read_numbers("0,05 €", "pt_BR") == "cinco centavos"
    assert read_numbers("25%", "zh-Hans") == read_numbers("25%", "cmn") == "百分之二十五"


def test_chinese_numerals():
    said = {0: "零", 10: "十", 12: "十二", 20: "二十", 100: "一百", 110: "一百一十", 1010: "一千零一十",
            2000: "两千", 2222: "两千二百二十二", 10005: "一万零五", 20000: "两万", 100500: "十万零五百",
            120000: "十二万", 1002000: "一百万零两千", 100000001: "一亿零一", 200000000: "两亿",
            10**12: "一万亿"}
    assert {n: intl._chinese(n) for n in said} == said
    assert read_numbers("共10000000000000000个", "zh") == "共10000000000000000个"     # past 万亿: as written


def test_phoneme_spans_pass_through():
    text = "[[ts'vaI 5]] 5 € und [[ 25 % ]]"
    assert read_numbers(text, "de") == "[[ts'vaI 5]] fünf Euro und [[ 25 % ]]"


def test_a_failing_reading_leaves_the_text_as_written(monkeypatch):
    def broken(*args, **kwargs):
        raise NotImplementedError("no")
    monkeypatch.setattr(intl, "num2words", broken)
    assert read_numbers("Es kostet 5 € und 3 %.", "de") == "Es kostet 5 € und 3 %."


# -- properties -------------------------------------------------------------------------------------

WORDS = {"de": ["und", "Jahre", "Menschen", "Euro", "Mai", "über"], "fr": ["et", "ans", "habitants", "mai"],
         "es": ["y", "años", "por", "mayo"], "it": ["e", "anni", "per", "maggio"],
         "pt": ["e", "anos", "lugar"], "nl": ["en", "jaar", "keer"], "pl": ["i", "lat", "miejsce"],
         "ru": ["и", "лет", "года"], "ja": ["ねん", "えん", "ひと"], "zh": ["年", "个", "人", "第"]}
LANGUAGE = st.sampled_from(sorted(VOICES) + ["pt-BR", "de-AT"])
PIECES = st.one_of(
    st.sampled_from([w for words in WORDS.values() for w in words]),
    st.sampled_from(["1.000", "1,000", "1 000", "3,5", "3.5", "-5", "2-3", "25 %", "25%", "5 €", "€5", "$5",
                     "5,50 €", "2 - 3", "1er", "1.º", "1ª", "3de", "3.", "3-й", "2024年", "100万", "12.03.2024",
                     "10:30", "[[h@l'oU 5]]", "%", "€", "-", ".", ",", "年", "\u00a0", "\u202f"]),
    st.from_regex(r"[-−€$]?[0-9]{1,7}([.,:/ -][0-9]{1,4})?(%|€|年|er|e|º|ª)?", fullmatch=True),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LANGUAGE, st.lists(PIECES, min_size=1, max_size=10), st.sampled_from([" ", "  ", ", ", "", "\n"]))
def test_properties_on_mixed_text(language, pieces, gap):
    text = gap.join(pieces)
    once = read_numbers(text, language)
    assert read_numbers(once, language) == once, (text, once)
    at = 0
    for piece in pieces:                       # every word survives, in order
        if language == "ja" and piece in "年円万億兆":
            continue                           # a Japanese counter is read with its number
        if piece.isalpha() or piece.startswith("[["):
            found = once.find(piece, at)
            assert found >= 0, (text, once, piece)
            at = found + len(piece)


@settings(max_examples=300, deadline=None)
@given(LANGUAGE, st.text(max_size=80))
def test_never_raises_and_is_idempotent(language, text):
    once = read_numbers(text, language)
    assert isinstance(once, str)
    assert read_numbers(once, language) == once


@settings(max_examples=200, deadline=None)
@given(LANGUAGE, st.text(max_size=30), st.text(max_size=20).filter(lambda t: "]]" not in t and "[[" not in t),
       st.text(max_size=30))
def test_phoneme_spans_are_untouched(language, before, inside, after):
    if "[[" in before + after or "]]" in before + after:
        return
    span = f"[[{inside}]]"
    once = read_numbers(f"{before} {span} {after}", language)
    assert span in once
    assert read_numbers(once, language) == once
