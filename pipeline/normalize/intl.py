"""Numbers read in languages other than English: ``read_numbers(text, language)``.

The English normalizer (the rest of this package) must never see another language's text: its
rules know English words and English number formats. For German, French, Spanish, Italian,
Portuguese, Dutch, Polish and Russian the number words come from num2words; Japanese from
num2words' kana readings; Chinese from a small reader here (num2words has no Chinese). Any other
language is returned unchanged, to eSpeak NG's own number reading, which follows the voice's
language.

What is read, from a table per language (``LOCALES``): cardinals and decimals written in the
language's way, negative numbers, ranges ("2-3 Jahre", "2 – 3 Jahre": "zwei bis drei Jahre";
the typography pass writes a dash with spaces around it), percent, money
with € $ £ before or after the number (cents too), years where their reading differs from a
count, and ordinals where the written form says so. Everything else that holds digits (dates,
times, versions with two dots, telephone numbers, codes with a leading zero, digits glued to
letters as in "MP3") is left as written, for eSpeak.

Decisions:
- The decimal comma. In de/fr/es/it/pt/nl/pl/ru a comma is the decimal sign and a dot or a
  space groups thousands. "1,000" is read as those readers read it: a decimal ("eins Komma
  null null null"), as eSpeak's voices for these languages also read it. Forms that cannot be
  the language's own are read the English way: "1,000,000" (two comma groups) and "1,234.5"
  (comma then dot). A single dot before anything but exactly three digits ("Version 3.11") is
  said with the language's word for a dot, as version numbers are ("drei Punkt elf"), except
  in money and percent, where it is the decimal point of an amount written the English way
  ("3.5 %": "drei Komma fünf Prozent").
- Space grouping ("1 000 000", also with a no-break or narrow no-break space) is one number when
  every group after the first has three digits; "10 100" in running text is ten thousand one
  hundred.
- Years. In German and Dutch a year from 1100 to 1999 is said in hundreds ("neunzehnhundert-
  neunundneunzig", num2words' to="year"); a count of that size is said that way as often as not
  ("fünfzehnhundert Menschen"), so every bare 1100-1999 is. The other languages say a year as
  the cardinal (French "mille neuf cent...", the same as num2words' year), so there is nothing
  to decide; Polish and Russian say years as ordinals declined by case, which no table can do:
  they get the cardinal, as eSpeak says them.
- Ordinals only where the written form says so: French 1er, 1re, 2e, 2nde; Spanish, Italian and
  Portuguese 1º, 1ª (1.º; Spanish 1er, 3er); Dutch 1e, 3de, 8ste. German and Polish write an
  ordinal "3." and a sentence can end in a number: a number below 1000 before a full stop is
  left as written (years and large numbers before a full stop are read). Russian writes the case
  ending ("3-й", "3-го"): left as written; before a month or год/года/году the case is known and
  the ordinal is said in it ("1 марта": "первого марта", "в 2023 году": "...двадцать третьем году").
- A number before a word takes the form said before a noun where the count word differs:
  "eins" -> "ein", Spanish "uno"/"veintiuno" -> "un"/"veintiún", Italian "uno" -> "un"; not
  before "y", "o", "por", "per"... ("uno por ciento"). The noun's gender is not known: "1 Woche"
  is "ein Woche" and "1 semana" "un semana" (eSpeak alone says "eins", "uno").
- Japanese. eSpeak NG's Japanese voice reads kana but no kanji (each kanji is read out in
  English as "Chinese letter"), and reads Arabic digits dropping the decimal point and the minus
  ("3.5" is "san go"). num2words' kanji numerals would be read as kanji, so its kana reading is
  used ("3.5" -> "さんてんご", "-5" -> "マイナスご"), and the kanji 万 億 兆 and the counters 年 円 人
  時 月 日 right after a number are read with it, with their changed sounds ("2024年" -> "にせんにじゅう
  よねん", "4月" -> "しがつ", "2人" -> "ふたり", "3月1日" -> "さんがつついたち", "1日" alone "いちにち").
  This runs before the kanji of the rest of the text are written in kana (japanese.py).
- Chinese. eSpeak NG's Mandarin voice reads "3.5" and "两千零二十四" well, but numbers from
  10 000 up wrongly ("12345" as "十二千三百四十五", "1000000" as "一万"), drops the minus and reads
  "%" in English. ``_chinese`` writes the numerals: 万/亿 groups, 零 for skipped places, 两 for
  a leading 2 before 千/万/亿 and for 2 before a measure word ("2个" -> "两个"), "百分之" for
  percent, "负" for minus; a four-digit year before 年 is said digit by digit ("二零二四年").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from num2words import num2words

from ..language import base
from . import SPAN

# Per language. num2words: its language code (none: Chinese, read here). point: said for the
# decimal sign; dot: for a dot that is not one ("3.11"); fraction: how the digits after the
# sign are said ("digits" one by one, "number" as a number when at most three, "num2words").
# range: said between two numbers ("-": joined by a hyphen, said as a pause). plural: "one"
# (singular for 1), "fr" (for 0 to 2), "ru", "pl" (one|few|many). percent and money (symbol ->
# "one|other|after a scale word", or one|few|many) are such forms; cents: the subunit, said after
# the whole units with cents_join; scale: number words that take money's third form ("un million
# d'euros"). year: 1100-1999 read by to="year". ordinal_dot: "3." may be an ordinal;
# case_suffix: "3-й" is an ordinal with its case ending (both left as written). ordinals:
# written suffix -> what it says (m/f: gender; "1", "2": only that number; apocope: "primer").
# noun: (number-word ending, form before a noun); not_before: words before which it stays.
# ordinal_before: word after -> (lowest, highest, case, gender) of an ordinal said instead
# ("1 марта": "первого марта", "в 2023 году": "в две тысячи двадцать третьем году").
# counters: kanji after a number -> (reading, {number: whole reading}, (ending, replaced)...);
# a (date, count) pair is said as the date after 月 ("3月1日": ついたち, "1日": いちにち).
LOCALES: dict[str, dict] = {
    "de": {"num2words": "de", "point": "Komma", "dot": "Punkt", "fraction": "digits", "minus": "minus",
           "range": "bis", "percent": "Prozent", "plural": "one", "cents": "Cent|Cent", "cents_join": " ",
           "money": {"€": "Euro|Euro", "$": "Dollar|Dollar", "£": "Pfund|Pfund"},
           "year": True, "ordinal_dot": True, "noun": ((r"\beins$", "ein"),)},
    "fr": {"num2words": "fr", "point": "virgule", "dot": "point", "fraction": "number", "minus": "moins",
           "range": "à", "percent": "pour cent", "plural": "fr", "cents": "centime|centimes", "cents_join": " ",
           "money": {"€": "euro|euros|d'euros", "$": "dollar|dollars|de dollars", "£": "livre|livres|de livres"},
           "scale": r"(?:millions?|milliards?)$",
           "ordinals": {"er": "m1", "re": "f1", "ère": "f1", "e": "m", "ème": "m", "nd": "m2", "nde": "f2"}},
    "es": {"num2words": "es", "point": "coma", "dot": "punto", "fraction": "number", "minus": "menos",
           "range": "a", "percent": "por ciento", "plural": "one", "cents": "céntimo|céntimos",
           "cents_join": " con ", "money": {"€": "euro|euros|de euros", "$": "dólar|dólares|de dólares",
                                            "£": "libra|libras|de libras"},
           "scale": r"(?:millón|millones|billón|billones)$",
           "ordinals": {"º": "m", ".º": "m", "ª": "f", ".ª": "f", "er": "apocope", ".er": "apocope"},
           "noun": ((r"\bveintiuno$", "veintiún"), (r"\buno$", "un")),
           "not_before": "y e o u a de del al por en más menos"},
    "it": {"num2words": "it", "point": "virgola", "dot": "punto", "fraction": "number", "minus": "meno",
           "range": "-", "percent": "per cento", "plural": "one", "cents": "centesimo|centesimi",
           "cents_join": " e ", "money": {"€": "euro|euro|di euro", "$": "dollaro|dollari|di dollari",
                                          "£": "sterlina|sterline|di sterline"},
           "scale": r"(?:milion[ei]|miliard[oi])$", "ordinals": {"º": "m", "ª": "f"},
           "noun": ((r"^uno$", "un"),), "not_before": "e ed o od a ad di da su per più meno"},
    "pt": {"num2words": "pt", "point": "vírgula", "dot": "ponto", "fraction": "number", "minus": "menos",
           "range": "a", "percent": "por cento", "plural": "one", "cents": "cêntimo|cêntimos",
           "cents_join": " e ", "money": {"€": "euro|euros|de euros", "$": "dólar|dólares|de dólares",
                                          "£": "libra|libras|de libras"},
           "scale": r"(?:milhão|milhões|bilião|biliões|bilhão|bilhões)$",
           "ordinals": {"º": "m", ".º": "m", "ª": "f", ".ª": "f"}},
    "nl": {"num2words": "nl", "point": "komma", "dot": "punt", "fraction": "digits", "minus": "min",
           "range": "tot", "percent": "procent", "plural": "one", "cents": "cent|cent", "cents_join": " ",
           "money": {"€": "euro|euro", "$": "dollar|dollar", "£": "pond|pond"},
           "year": True, "ordinals": {"e": "m", "de": "m", "ste": "m"}},
    "pl": {"num2words": "pl", "point": "przecinek", "dot": "kropka", "fraction": "number", "minus": "minus",
           "range": "-", "percent": "procent", "plural": "pl", "cents": "cent|centy|centów", "cents_join": " ",
           "money": {"€": "euro|euro|euro", "$": "dolar|dolary|dolarów", "£": "funt|funty|funtów"},
           "ordinal_dot": True, "case_suffix": True},
    "ru": {"num2words": "ru", "point": "запятая", "dot": "точка", "fraction": "num2words", "minus": "минус",
           "range": "-", "percent": "процент|процента|процентов", "plural": "ru", "cents": "цент|цента|центов",
           "cents_join": " ", "money": {"€": "евро|евро|евро", "$": "доллар|доллара|долларов",
                                        "£": "фунт|фунта|фунтов"}, "case_suffix": True,
           "ordinal_before": {**dict.fromkeys("января февраля марта апреля мая июня июля августа сентября "
                                              "октября ноября декабря".split(), (1, 31, "g", "n")),
                              "год": (1000, 2100, "n", "m"), "года": (1000, 2100, "g", "m"),
                              "году": (1000, 2100, "p", "m"), "годом": (1000, 2100, "i", "m")}},
    "ja": {"num2words": "ja", "decimal": ".", "groups": ",", "minus": "マイナス", "range": "から",
           "percent": "パーセント", "money": {"€": "ユーロ", "$": "ドル", "£": "ポンド", "¥": "えん"},
           "multipliers": {"万": 10**4, "億": 10**8, "兆": 10**12},
           "counters": {"年": ("ねん", {}, (("よん", "よ"),)), "円": ("えん", {}, (("よん", "よ"),)),
                        "人": ("にん", {1: "ひとり", 2: "ふたり"}, (("よん", "よ"),)),
                        "時": ("じ", {}, (("よん", "よ"), ("なな", "しち"), ("きゅう", "く"))),
                        "月": ("がつ", {}, (("よん", "し"), ("なな", "しち"), ("きゅう", "く"))),
                        "日": ("にち", {1: ("ついたち", "いちにち"), 2: "ふつか", 3: "みっか", 4: "よっか",
                                       5: "いつか", 6: "むいか", 7: "なのか", 8: "ようか", 9: "ここのか",
                                       10: "とおか", 14: "じゅうよっか", 20: "はつか", 24: "にじゅうよっか"},
                               (("なな", "しち"), ("きゅう", "く")))}},
    "zh": {"decimal": ".", "groups": ",", "minus": "负", "range": "到", "percent": "百分之{}",
           "money": {"€": "欧元", "$": "美元", "£": "英镑", "¥": "元"}, "counters": {"年": ()}},
}
LOCALES["pt-br"] = {**LOCALES["pt"], "num2words": "pt_BR", "cents": "centavo|centavos"}

COMMA_DECIMAL = {"decimal": ",", "groups": ". \u00a0\u202f", "plural": "one"}
CJK = "\u3000-\u9fff\uff00-\uffef"                  # ideographs, kana, full-width forms: not glue
LETTER = re.compile(rf"[^\W\d_{CJK}]")               # a letter that sticks to a number ("MP3", "3D")
FREE_BEFORE_SIGN = " \t\n\r([{\"'„“«‘/=<>~"
CURRENCY = "€$£¥"
SLAVIC = ("ru", "pl")                               # plural rules with one|few|many
SPACE = "\u0020\u00a0\u202f"
MEASURE_WORDS = tuple("个位名次种天周年岁倍项件份本张台部辆家只条点分秒层座") + ("小时", "分钟")
ZH_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Number:
    whole: int
    fraction: str | None = None     # the digits after the decimal sign, as written
    dotted: bool = False            # "3.5" in a language whose decimal sign is a comma
    grouped: bool = False           # written with a thousands separator

    @property
    def value(self) -> Decimal:
        return Decimal(f"{self.whole}.{self.fraction}") if self.fraction else Decimal(self.whole)


@functools.lru_cache(maxsize=None)
def _locale(language: str) -> dict | None:
    tag = (language or "").strip().lower().replace("_", "-")
    for key in (tag, "-".join(tag.split("-")[:2]), base(language)):
        if key in LOCALES:
            return {**COMMA_DECIMAL, **LOCALES[key]}
    return None


@functools.lru_cache(maxsize=None)
def _pattern(language: str) -> re.Pattern:
    loc = _locale(language)
    dec, groups = re.escape(loc["decimal"]), "".join(re.escape(g) for g in loc["groups"])
    def end(group: str) -> str:                  # one number: grouped thousands, or digits and signs
        grouped = rf"\d{{1,3}}(?P<{group}>[{groups}])\d{{3}}(?:(?P={group})\d{{3}})*(?:{dec}\d+)?(?!\d)"
        return rf"(?:{grouped}|\d+(?:[.,:/'’]\d+)*)"
    dash = rf"[{SPACE}]?[-–][{SPACE}]?"          # "2-3", "2–3", "2 - 3" (a range, or a date's parts)
    compound = rf"{end('g1')}(?:{dash}{end('g2')})?(?:{dash}\d+(?:[.,:/'’]\d+)*)*"
    ordinals = "|".join(re.escape(s) for s in sorted(loc.get("ordinals", ()), key=len, reverse=True))
    words = "|".join(re.escape(s) for s in (*loc.get("multipliers", ()), *loc.get("counters", ())))
    post = rf"[{SPACE}]?%|[{SPACE}]?[{CURRENCY}]"
    post += (rf"|(?P<ord>{ordinals})(?!\w)" if ordinals else "") + (f"|(?:{words})+" if words else "")
    return re.compile(rf"(?P<pre>[{CURRENCY}][{SPACE}]?)?(?P<sign>[-−])?(?P<num>{compound})(?P<post>{post})?")


def read_numbers(text: str, language: str) -> str:
    """Numbers in ``text`` said in words of ``language`` (an ISO 639-1 code or a tag such as
    "de-AT"); text in a language with no table here comes back unchanged. ``[[...]]`` phoneme
    spans are kept as they are. Never raises; reading the result again changes nothing."""
    loc = _locale(language) if isinstance(language, str) else None
    if loc is None or not isinstance(text, str) or not re.search(r"\d", text):
        return text
    pattern = _pattern(language)
    pieces = SPAN.split(text)
    for i in range(0, len(pieces), 2):
        pieces[i] = pattern.sub(lambda m: _safe(m, loc), pieces[i])
    return "".join(pieces)


def _safe(m: re.Match, loc: dict) -> str:
    """A reading that fails leaves the match as written."""
    try:
        spoken = _say(m, loc, m.group("sign") or "")
    except (ArithmeticError, LookupError, ValueError, TypeError, NotImplementedError):
        return m.group(0)
    return m.group(0) if spoken is None else spoken


def _say(m: re.Match, loc: dict, sign: str) -> str | None:
    """The words for one match, or None to leave it as written."""
    pre, post = (m.group("pre") or "").strip(SPACE), (m.group("post") or "").strip(SPACE)
    start = m.start("sign") if sign else m.start("num")
    before, after = m.string[start - 1:start], m.string[m.end():]
    if sign and not pre and before and before not in FREE_BEFORE_SIGN:
        rest = _say(m, loc, "")                    # "GPT-4", "a-5": a hyphen, not a minus
        return None if rest is None else sign + rest
    numbers = _numbers(m.group("num"), loc)
    if numbers is None or not _stands_alone(numbers, loc, pre or sign, before, post, after):
        return None
    minus = loc["minus"] + ("" if _no_spaces(loc) else " ") if sign else ""
    ordinal = m.groupdict().get("ord")
    if ordinal:
        return None if len(numbers) > 1 or numbers[0].fraction else _ordinal(numbers[0].whole, ordinal, loc)
    currency = pre or (post if post and post in CURRENCY else "")
    if currency:
        return minus + _money(numbers, loc["money"][currency], loc) if currency in loc["money"] else None
    if post == "%":
        if "{}" in loc["percent"]:                # Chinese: 百分之二十五
            return minus + loc["percent"].format(_numbers_said(numbers, loc, "", amount=True))
        said = _numbers_said(numbers, loc, loc["percent"], amount=True)
        return minus + said + ("" if _no_spaces(loc) else " ") + _form(loc["percent"], numbers[-1].value, loc)
    if post:
        return minus + _counted(numbers, post, loc, before)
    return minus + _numbers_said(numbers, loc, _next_word(after), amount=False)


def _stands_alone(numbers: list[Number], loc: dict, left: str, before: str, post: str, after: str) -> bool:
    """Whether the number is a number of its own: not glued to letters or to more digits ("MP3",
    "3D", "10:30"), not an ordinal ending ("3-й"), not "3." that may be an ordinal."""
    if not left and before and (LETTER.match(before) or before in "_.,:/'’"):
        return False
    if post:
        return not (left and left in CURRENCY)     # "€5€", "€5%": not an amount
    if LETTER.match(after[:1]) or re.match(r"[.,:/]\d", after):
        return False
    if loc.get("case_suffix") and re.match(r"[-–]\w", after):
        return False                               # Russian "3-й", Polish "3-ci": an ordinal's ending
    if loc.get("ordinal_dot") and not left and after[:1] == "." and not after[1:2].isdigit():
        return not any(n.dotted or n.fraction is None and n.whole < 1000 for n in numbers)
    return True


def _no_spaces(loc: dict) -> bool:
    return loc.get("num2words") in (None, "ja")


def _next_word(after: str) -> str:
    found = re.match(rf"[{SPACE}]+([^\W\d_]+)", after)
    return found.group(1) if found else (after[:2] if after[:1] and not after[:1].isspace() else "")


def _numbers(written: str, loc: dict) -> list[Number] | None:
    """One number, or the two ends of a range; None when the form is not one read here."""
    ends = re.split(rf"[{SPACE}]?[-–][{SPACE}]?", written)
    if len(ends) == 2 and all(ends):
        pair = [_number(e, loc) for e in ends]
        return None if None in pair else pair
    single = _number(written, loc) if len(ends) == 1 else None
    return None if single is None else [single]


def _number(written: str, loc: dict) -> Number | None:
    dec = loc["decimal"]
    whole, sep, fraction = written.partition(dec)
    groups = re.split(f"[{re.escape(loc['groups'])}]", whole)
    if len(groups) > 1 and 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
        if len(set(re.findall(f"[{re.escape(loc['groups'])}]", whole))) == 1 and (not sep or fraction.isdigit()):
            return Number(int("".join(groups)), fraction or None, grouped=True)
    if dec == "," and re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?|\d{1,3}(?:,\d{3})+\.\d+", written):
        whole, _, fraction = written.replace(",", "").partition(".")
        return Number(int(whole), fraction or None, grouped=True)
    plain = re.fullmatch(rf"(0|[1-9]\d*)(?:{re.escape(dec)}(\d+))?", written)
    if plain:
        return Number(int(plain.group(1)), plain.group(2))
    dotted = re.fullmatch(r"(0|[1-9]\d*)\.(\d{1,2}|\d{4,})", written) if dec == "," else None
    if dotted:
        return Number(int(dotted.group(1)), dotted.group(2), dotted=True)
    return None


def _numbers_said(numbers: list[Number], loc: dict, next_word: str, amount: bool) -> str:
    """The words of a number or a range; ``amount``: money or percent (a dot is a decimal point)."""
    if len(numbers) == 1:
        return _said(numbers[0], loc, next_word, amount)
    low, high = numbers
    link = loc["range"]
    if _no_spaces(loc):
        return _said(low, loc, next_word, amount) + link + _said(high, loc, next_word, amount)
    if link == "-":                               # "1-3 марта": "первого-третьего марта"
        first = _case_ordinal(low, loc, next_word) or _said(low, loc, "", amount)
    else:
        first = _said(low, loc, link, amount)
    return first + ("-" if link == "-" else f" {link} ") + _said(high, loc, next_word, amount)


def _said(number: Number, loc: dict, next_word: str, amount: bool) -> str:
    """One number in words; ``next_word`` is the word after it (a noun takes "ein", "un")."""
    if "num2words" not in loc:
        return _chinese_said(number, next_word)
    lang = loc["num2words"]
    if lang == "ja":
        return num2words(number.value, lang="ja", reading=True)
    if number.fraction is None:
        ordinal = _case_ordinal(number, loc, next_word)
        if ordinal:
            return ordinal
        if loc.get("year") and not number.grouped and 1100 <= number.whole <= 1999:
            words = num2words(number.whole, lang=lang, to="year").replace(" ", "")
        else:
            words = num2words(number.whole, lang=lang)
        word = re.match(r"[^\W\d_]+", next_word)
        if word and word.group(0).lower() not in loc.get("not_before", "").split():
            for ending, form in loc.get("noun", ()):
                words = re.sub(ending, form, words)
        return words
    if loc["fraction"] == "num2words" and not (number.dotted and not amount):
        return num2words(number.value, lang=lang)
    version = number.dotted and not amount          # "3.11" is said as versions are: "drei Punkt elf"
    point, digits = loc["dot"] if version else loc["point"], number.fraction
    if (loc["fraction"] == "number" or version) and len(digits) <= 3:
        zeros = len(digits) - len(digits.lstrip("0"))
        rest = [num2words(int(digits), lang=lang)] if digits.strip("0") else []
        said = [num2words(0, lang=lang)] * zeros + rest
    else:
        said = [num2words(int(d), lang=lang) for d in digits]
    return " ".join([num2words(number.whole, lang=lang), point, *said])


def _case_ordinal(number: Number, loc: dict, next_word: str) -> str | None:
    """The ordinal a word after the number asks for ("1 марта": "первого"), or None."""
    low, high, case, gender = loc.get("ordinal_before", {}).get(next_word.lower(), (1, 0, "", ""))
    if number.fraction is None and low <= number.whole <= high:
        return num2words(number.whole, lang=loc["num2words"], to="ordinal", case=case, gender=gender)
    return None


def _form(forms: str, value: Decimal, loc: dict) -> str:
    """The form of a word after ``value``: "one|other" or "one|few|many" by the language's rule."""
    choices = forms.split("|")
    if len(choices) == 1:
        return choices[0]
    rule, whole = loc["plural"], int(value)
    if rule in SLAVIC:
        if value != whole:
            return choices[1]
        if (whole == 1) if rule == "pl" else (whole % 10 == 1 and whole % 100 != 11):
            return choices[0]
        return choices[1] if whole % 10 in (2, 3, 4) and whole % 100 not in (12, 13, 14) else choices[2]
    return choices[0] if (value == 1 if rule == "one" else 0 <= value < 2) else choices[1]


def _money(numbers: list[Number], forms: str, loc: dict) -> str:
    """An amount: "5,50 €" -> "fünf Euro fünfzig", "0,99 €" -> "neunundneunzig Cent"."""
    if _no_spaces(loc):
        return _numbers_said(numbers, loc, "", amount=True) + forms
    last, choices = numbers[-1], forms.split("|")
    if len(numbers) == 1 and last.fraction and len(last.fraction) <= 2:
        cents = int(last.fraction.ljust(2, "0"))
        if last.whole == 0:
            return f"{_said(Number(cents), loc, loc['cents'], True)} {_form(loc['cents'], Decimal(cents), loc)}"
        whole = _money([Number(last.whole, grouped=last.grouped)], forms, loc)
        return whole + (loc["cents_join"] + _said(Number(cents), loc, "", True) if cents else "")
    words = _numbers_said(numbers, loc, choices[0], amount=True)
    if loc["plural"] in SLAVIC:
        return f"{words} {_form(forms, last.value, loc)}"
    if len(choices) == 3 and re.search(loc.get("scale") or "$^", words):
        return f"{words} {choices[2]}"
    return f"{words} {_form('|'.join(choices[:2]), last.value, loc)}"


def _ordinal(whole: int, suffix: str, loc: dict) -> str | None:
    kind = loc["ordinals"][suffix]
    if kind[-1:].isdigit() and whole != int(kind[-1]):
        return None                                # "3er": not a French ordinal
    if kind == "apocope":
        if whole % 10 not in (1, 3) or whole % 100 in (11, 13):
            return None
        return re.sub(r"(primer|tercer)o$", r"\1", num2words(whole, lang=loc["num2words"], to="ordinal"))
    if loc["num2words"] == "fr" and whole == 2 and kind[-1:] == "2":
        return "second" if kind[0] == "m" else "seconde"
    words = num2words(whole, lang=loc["num2words"], to="ordinal")
    if kind[0] == "f":
        words = "première" if words == "premier" else re.sub(r"o\b", "a", words)
    return words


def _counted(numbers: list[Number], post: str, loc: dict, before: str) -> str:
    """A number with the kanji after it: Japanese 万 億 兆 and counters (年 円 人 時 月 日), Chinese 年."""
    if "num2words" not in loc:                    # Chinese: a four-digit year is said digit by digit
        if all(n.fraction is None and 1000 <= n.whole <= 2999 for n in numbers):
            return loc["range"].join("".join(ZH_DIGITS[int(d)] for d in str(n.whole)) for n in numbers) + post
        return _numbers_said(numbers, loc, post, amount=False) + post
    scale = 1
    for ch in post:
        scale *= loc["multipliers"].get(ch, 1)
    if any(n.value * scale % 1 for n in numbers):
        return _numbers_said(numbers, loc, "", amount=False) + post    # "1.23456万": left to the kanji
    numbers = [Number(int(n.value * scale)) for n in numbers]
    words = _numbers_said(numbers, loc, "", amount=False)
    if post[-1] not in loc["counters"]:
        return words
    reading, whole_readings, endings = loc["counters"][post[-1]]
    said = whole_readings.get(numbers[-1].whole) if len(numbers) == 1 else None
    if said:
        return said if isinstance(said, str) else said[0 if before == "月" else 1]
    for ending, replaced in endings:
        if words.endswith(ending):
            words = words[:-len(ending)] + replaced
            break
    return words + reading


def _chinese(n: int) -> str:
    """A whole number in Chinese numerals, as said: 12345 -> 一万两千三百四十五."""
    if n == 0:
        return "零"
    if n >= 10**16:
        raise ValueError("too large to say in Chinese numerals")
    groups, said = [], []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    for index in range(len(groups) - 1, -1, -1):
        group, unit = groups[index], ("", "万", "亿", "万亿")[index]
        if group == 0:
            if said and said[-1] != "零":
                said.append("零")
            continue
        if said and (group < 1000 or groups[index + 1] % 10 == 0) and said[-1] != "零":
            said.append("零")                      # zeros between said places: 一百万零两千
        said.append(_chinese_group(group, leading=not said) + unit)
    text = "".join(said).rstrip("零")
    return re.sub(r"^二(?=[千万亿])|(?<=[万亿零])二(?=千)", "两", text)


def _chinese_group(group: int, leading: bool) -> str:
    digits, out = str(group), []
    for place, d in zip(range(len(digits) - 1, -1, -1), digits):
        if d == "0":
            if out and out[-1] != "零":
                out.append("零")
            continue
        out.append(ZH_DIGITS[int(d)] + ("", "十", "百", "千")[place])
    text = "".join(out).rstrip("零")
    return text[1:] if leading and text.startswith("一十") else text


def _chinese_said(number: Number, next_word: str) -> str:
    words = _chinese(number.whole)
    if number.fraction:
        words += "点" + "".join(ZH_DIGITS[int(d)] for d in number.fraction)
    elif number.whole == 2 and next_word.startswith(MEASURE_WORDS):
        words = "两"
    return words
