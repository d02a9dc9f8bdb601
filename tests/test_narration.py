"""The narrator's phrases per language: complete, English as panelcast has always said it, and read
by eSpeak NG in the language's own voice without switching to another language mid-text."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from pipeline import language, narration
from pipeline.chapters import chapter_marks
from pipeline.config import ChapterSettings
from pipeline.model import Script, Speaker, Turn
from pipeline.plan import Plan, Unit, intro_paragraphs, outro_paragraphs
from pipeline.transcript import parse
from pipeline.voicepitch import MEASURE_TEXT
from phonemes import phonemes_many

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REQUIRED = {"title", "panel", "conversation", "hosts", "outro", "person", "person_role", "role_semicolon",
            "sep", "last", "sep_roles", "last_roles", "stop", "chapter_intro", "chapter_outro", "measure"}
FIELDS = {"title", "title_stop", "people", "name", "role"}

# The eSpeak NG voice of each language (``espeak-ng --voices``; "zh" has no voice of that name).
VOICES = {"en": "en-us", "de": "de", "fr": "fr", "es": "es", "it": "it", "pt": "pt", "nl": "nl", "pl": "pl",
          "ru": "ru", "zh": "cmn", "ja": "ja"}

# A panel in each language: (title, guests, hosts), names and roles as a transcript of that
# language would give them. Japanese in kana, as eSpeak's Japanese voice reads no kanji.
PANELS = {
    "de": ("Die Zukunft der Energie", [("Anna Schmidt", "Professorin; Universität Köln"), ("Jörg Weber", ""),
                                       ("Ines Vogel", "Journalistin")], [("Petra Braun", "")]),
    "fr": ("L'avenir de l'énergie", [("Claire Dubois", "chercheuse; université de Lyon"), ("Jean Martin", ""),
                                     ("Hélène Petit", "journaliste")], [("Marc Lefèvre", "")]),
    "es": ("El futuro de la energía", [("Lucía García", "investigadora; Universidad de Sevilla"),
                                       ("Javier López", ""), ("Inés Romero", "periodista")], [("Pablo Ruiz", "")]),
    "it": ("Il futuro dell'energia", [("Giulia Rossi", "ricercatrice; Università di Bologna"),
                                      ("Marco Bianchi", ""), ("Chiara Romano", "giornalista")], [("Luca Ferri", "")]),
    "pt": ("O futuro da energia", [("Ana Costa", "investigadora; Universidade do Porto"), ("João Silva", ""),
                                   ("Inês Santos", "jornalista")], [("Pedro Alves", "")]),
    "nl": ("De toekomst van energie", [("Sanne de Vries", "onderzoeker; Universiteit Utrecht"),
                                       ("Pieter Jansen", ""), ("Eva Bakker", "journalist")], [("Thijs Visser", "")]),
    "pl": ("Przyszłość energii", [("Anna Nowak", "badaczka; Uniwersytet Warszawski"), ("Piotr Kowalski", ""),
                                  ("Ewa Wiśniewska", "dziennikarka")], [("Tomasz Zieliński", "")]),
    "ru": ("Будущее энергетики", [("Анна Иванова", "исследователь; МГУ"), ("Сергей Петров", ""),
                                  ("Ольга Смирнова", "журналист")], [("Дмитрий Козлов", "")]),
    "zh": ("人工智能的未来", [("田渊栋", "研究员; 清华大学"), ("吴翼", ""), ("李娜", "记者")], [("张伟", "")]),
    "ja": ("みらいの エネルギー", [("たなか ひろし", "けんきゅういん"), ("すずき はなこ", ""),
                                 ("やまだ たろう", "きしゃ")], [("さとう けん", "")]),
}
SWITCH = re.compile(r"\((\w\w\w?(?:-\w+)?)\)")     # "(en)" where eSpeak switches language


def test_every_language_has_every_phrase_and_each_formats():
    assert set(narration.LANGUAGES) >= {"en", "de", "fr", "es", "it", "pt", "nl", "zh", "ja", "ru", "pl"}
    for language, phrases in narration.PHRASES.items():
        assert REQUIRED <= set(phrases), (language, REQUIRED - set(phrases))
        for key, value in phrases.items():
            for template in (value if isinstance(value, tuple) else (value,)):
                fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
                assert fields <= FIELDS, (language, key, fields)
        title, guests, hosts = PANELS.get(language, ("Title", [("A", "r; s"), ("B", "")], [("H", "")]))
        for people in (guests, guests[:1], guests[1:2]):
            for paragraph in narration.intro(title, people, hosts + hosts, language):
                assert paragraph and "{" not in paragraph and "}" not in paragraph, (language, paragraph)
        assert narration.outro(title, language) and narration.measure_text(language)
        assert narration.chapter_title("intro", language) != narration.chapter_title("outro", language)


def _scripts():
    """Real transcripts: the test data, the seed and the corpus (those that are here)."""
    paths = sorted((ROOT / "tests" / "data" / "transcripts").glob("*.txt"))
    paths += sorted(p for p in (SHARED / "corpus" / "real").glob("*") if p.name != "SOURCES.md"
                    and "companion" not in p.name)
    paths += sorted((SHARED / "seed").glob("*.txt"))
    return [parse(p) for p in paths]


def _intro_before(script: Script, title: str) -> list[str]:
    """The English intro as panelcast said it before the templates (kept here as the reference)."""
    paragraphs = [f"{title}."]
    guests = [s for s in script.speakers if not s.moderator]
    hosts = [s for s in script.speakers if s.moderator]

    def who(s) -> str:
        return f"{s.name}, {s.role.replace(';', ',')}" if s.role else s.name

    if guests:
        kind = "panel discussion" if len(guests) > 1 else "conversation"
        paragraphs.append(f"A {kind} with " + "; ".join(who(s) for s in guests) + ".")
    if hosts:
        paragraphs.append("Moderated by " + "; ".join(who(s) for s in hosts) + ".")
    return paragraphs


def test_english_is_what_panelcast_said_before():
    """Byte for byte the English intro and outro from before the templates, except that a title
    ending in sentence punctuation gets no second full stop ("ATTACK!." was said before); and
    the plan reads its intro and outro from the templates."""
    scripts = _scripts()
    assert len(scripts) >= 3
    punctuated = 0
    for script in scripts:
        title = script.title or "Untitled"
        plain = Script(title=script.title, speakers=script.speakers, turns=script.turns)
        guests = [(s.name, s.role) for s in script.speakers if not s.moderator]
        hosts = [(s.name, s.role) for s in script.speakers if s.moderator]
        ours, today = narration.intro(title, guests, hosts, "en"), _intro_before(plain, title)
        ours_outro, today_outro = narration.outro(title, "en"), f"That was {title}. Thanks for listening."
        assert intro_paragraphs(plain, title) == ours and outro_paragraphs(plain, title) == [ours_outro]
        if re.search(r"[.!?]$", title):
            punctuated += 1
            assert today[0] == ours[0] + "." and today[1:] == ours[1:]
            assert today_outro == ours_outro.replace(title, title + ".")
        else:
            assert ours == today, script.source
            assert ours_outro == today_outro
    for title in ("Talk", "Standing at the Gate of AGI Era: the Opportunities for Entrepreneurs"):
        for guests in ([("A", "")], [("A", "x; y;z"), ("B", "")], [("A", "r"), ("B", "s"), ("C", "")]):
            for hosts in ([], [("H", "")], [("H", "host; chair"), ("K", "")]):
                speakers = tuple(Speaker(n, r) for n, r in guests) + tuple(Speaker(n, r, moderator=True)
                                                                         for n, r in hosts)
                script = Script(title=title, speakers=speakers, turns=())
                assert narration.intro(title, guests, hosts, "en") == intro_paragraphs(script, title)
    assert narration.intro("Why?", [], [], "en") == ["Why?"]
    assert narration.outro("Why?", "en") == "That was Why? Thanks for listening."


def test_english_chapter_titles_and_measure_text_are_todays():
    script = Script(title="T", speakers=(Speaker("A"),), turns=(Turn("A", ("Hello there.",)),))
    units = tuple(Unit(index=i, ident=kind, kind=kind, speaker="A", text="x", spoken="x", voice=None, pause_ms=0,
                       turn=0 if kind == "turn" else None) for i, kind in enumerate(("intro", "turn", "outro")))
    marks, _ = chapter_marks(script, Plan("T", units), ChapterSettings(mode="turns"), None)
    assert (marks[0].title, marks[-1].title) == (narration.chapter_title("intro", "en"),
                                                  narration.chapter_title("outro", "en"))
    assert narration.measure_text("en") == MEASURE_TEXT
    with pytest.raises(ValueError):
        narration.chapter_title("turn", "en")


@pytest.mark.parametrize("tag, base", [("de", "de"), ("de-DE", "de"), ("de_AT", "de"), ("DE", "de"),
                                       ("zh-Hans", "zh"), ("zh_TW", "zh"), ("cmn", "zh"), ("pt-BR", "pt"),
                                       ("ja-JP", "ja"), (" fr ", "fr"), ("", ""), ("xx-YY", "xx"),
                                       ("deu", "de"), ("ger", "de"), ("jpn", "ja"), ("eng", "en"), ("yue", "yue")])
def test_language_tags_normalize_to_the_base_code(tag, base):
    assert language.base(tag) == base
    assert narration.has_templates(tag) is (base in narration.LANGUAGES)


def test_unknown_language_reads_english():
    guests = [("A", "r"), ("B", "")]
    assert not narration.has_templates("sw")
    assert narration.intro("T", guests, [], "sw") == narration.intro("T", guests, [], "en")
    assert narration.outro("T", "sw") == narration.outro("T", "en")
    assert narration.chapter_title("outro", "sw") == "Outro"
    assert narration.measure_text("sw") == MEASURE_TEXT


def test_lists_join_the_languages_way():
    three = [("A", ""), ("B", ""), ("C", "")]
    assert narration.intro("T", three, [], "de")[1] == "Eine Podiumsdiskussion mit A, B und C."
    assert narration.intro("T", three, [], "fr")[1] == "Une table ronde avec A, B et C."
    assert narration.intro("T", [("Ana", ""), ("Inés", "")], [], "es")[1] == "Una mesa redonda con Ana e Inés."
    assert narration.intro("T", [("Ana", ""), ("Hierro", "")], [], "es")[1] == "Una mesa redonda con Ana y Hierro."
    assert narration.intro("T", [("A", "")], [("H", ""), ("K", "")], "es")[2] == "Moderan H y K."
    assert narration.intro("标题", [("田渊栋", ""), ("吴翼", ""), ("李娜", "")], [], "zh") == [
        "标题。", "本期圆桌讨论的嘉宾有田渊栋、吴翼和李娜。"]
    assert narration.intro("T", [("A", "x; y"), ("B", "")], [], "de")[1] == (
        "Eine Podiumsdiskussion mit A, x, y; und B.")
    assert narration.intro("T", [("田渊栋", "研究员; 清华大学"), ("吴翼", "")], [], "zh")[1] == (
        "本期圆桌讨论的嘉宾有田渊栋，研究员，清华大学；以及吴翼。")
    assert narration.intro("Was nun?", [], [], "de") == ["Was nun?"]
    assert narration.intro("人工智能？", [], [], "zh") == ["人工智能？"]
    assert narration.outro("Was nun?", "de") == "Das war Was nun? Danke fürs Zuhören."


@pytest.mark.parametrize("language", ["zh", "ja"])
def test_chinese_and_japanese_lists_have_no_spaces_and_full_width_stops(language):
    title, guests, hosts = PANELS[language]
    for people in (guests, [(n, "") for n, _ in guests], guests[:2], guests[:1]):
        paragraphs = narration.intro(title, people, hosts, language)
        listed = paragraphs[1]
        for name, _ in people:
            at = listed.index(name)
            around = listed[at - 1:at] + listed[at + len(name):at + len(name) + 1]
            assert " " not in around, (listed, name)
        assert not re.search(r"[,;.] |[,;.]$", listed), listed
        assert all(p.endswith("。") for p in paragraphs), paragraphs
    assert narration.outro(title, language).endswith("。")
    assert narration.measure_text(language).endswith("。")


# -- the sound: eSpeak NG in the language's own voice -------------------------------------------

def _texts(language):
    title, guests, hosts = PANELS[language]
    return [*narration.intro(title, guests, hosts, language), *narration.intro(title, guests[:1], [], language)[1:],
            narration.outro(title, language), narration.measure_text(language)]


def test_german_intro_sounds_german():
    texts = _texts("de")
    german, english = phonemes_many(texts, "de"), phonemes_many(texts, "en-us")
    assert all(g != e for g, e in zip(german, english))
    assert "tsu:k" in german[0] and "tsu:k" not in english[0]      # the "Z" of "Zukunft" is German "ts"


@pytest.mark.parametrize("language", [lang for lang in VOICES if lang != "en"])
def test_espeak_reads_the_narration_in_the_languages_own_voice(language):
    """eSpeak marks a switch of language in its phonemes ("(en)...(de)"): none may occur."""
    texts = _texts(language)
    for text, heard in zip(texts, phonemes_many(texts, VOICES[language])):
        assert heard.strip(), text
        assert not SWITCH.search(heard), f"{VOICES[language]} switches language in {text!r}: {heard}"


def test_a_switch_of_language_is_seen():
    """The check above can fail: Latin letters in the Mandarin voice are read as English."""
    heard = phonemes_many(["主持人是Harry Yeh。"], "cmn")[0]
    assert SWITCH.search(heard), heard
