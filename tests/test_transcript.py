"""Tests for pipeline.transcript: the seed, the inline sample, errors and fallbacks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.errors import ParseError
from pipeline.transcript import FORMATS, parse, parse_text

SEED = Path("/work/shared/seed/000_113eec2d62c53610.txt")
DATA = Path(__file__).parent / "data" / "transcripts"
EXAMPLE = Path(__file__).parent.parent / "examples" / "sample.txt"

needs_seed = pytest.mark.skipif(not SEED.exists(), reason="seed transcript not available")


@pytest.fixture(scope="module")
def seed():
    return parse(SEED)


# --- the seed -----------------------------------------------------------------------------

@needs_seed
def test_seed_is_ownline_with_title(seed):
    assert seed.format == "ownline"
    assert seed.source == str(SEED)
    assert seed.title == "Standing at the Gate of AGI Era: the Opportunities for Entrepreneurs"
    assert seed.intro == ""


@needs_seed
def test_seed_speakers_in_header_order(seed):
    assert [s.name for s in seed.speakers] == [
        "Tian Yuandong", "Wu Yi", "Zhu Xiaoyong", "Shen Libin", "Ella Hu"]


@needs_seed
def test_seed_turn_counts(seed):
    assert len(seed.turns) == 40
    assert Counter(t.speaker for t in seed.turns) == {
        "Ella Hu": 12, "Tian Yuandong": 11, "Shen Libin": 6, "Wu Yi": 6, "Zhu Xiaoyong": 5}


@needs_seed
def test_seed_label_variants_are_aliases(seed):
    ella = seed.speaker("Ella Hu")
    assert set(ella.aliases) == {"Ella", "?Ella Hu"}
    assert seed.speaker("Tian Yuandong").aliases == ()
    assert seed.unresolved == ()


@needs_seed
def test_seed_header_roles_and_moderator(seed):
    ella = seed.speaker("Ella Hu")
    assert ella.moderator is True
    assert ella.role == "Executive Director of Sky9 Capital"
    tian = seed.speaker("Tian Yuandong")
    assert tian.moderator is False
    assert tian.role == ("Researcher and Senior Manager at Meta AI; "
                         "Project leader for Long-Form Story Generation")
    assert seed.speaker("Shen Libin").role == "Founder and CEO of Leyan Technologies"


@needs_seed
def test_seed_turn_lines_and_first_turn(seed):
    first = seed.turns[0]
    assert (first.speaker, first.line) == ("Ella Hu", 17)
    assert first.paragraphs[0].startswith("From a technical perspective")
    assert seed.turns[1].line == 19
    assert len(seed.turns[1].paragraphs) == 7
    assert all(p.strip() == p and p for t in seed.turns for p in t.paragraphs)


@needs_seed
def test_seed_postscript_is_outro_not_speech(seed):
    assert seed.outro.startswith("ChatGPT has opened the door")
    assert "Executive Director, Sky9 Capital" in seed.outro
    assert seed.outro.endswith("on this panel discussion!")
    assert "\n\n" in seed.outro
    last = seed.turns[-1]
    assert last.speaker == "Wu Yi"
    text = " ".join(last.paragraphs)
    assert "Postscrip" not in text and "ChatGPT has opened" not in text


@needs_seed
def test_seed_stage_direction_dropped(seed):
    text = " ".join(p for t in seed.turns for p in t.paragraphs)
    assert "(laughs)" not in text
    assert "(note: AlexNet" in text


# --- the inline sample and the README example ---------------------------------------------

def test_inline_sample():
    script = parse(DATA / "inline_sample.txt")
    assert script.format == "inline"
    assert script.title == "The Lighthouse Keepers' Radio Hour"
    assert [s.name for s in script.speakers] == ["Marta Quill", "Jonas Ferro"]
    assert script.speaker("Marta Quill").aliases == ("Marta",)
    assert [t.speaker for t in script.turns] == ["Marta Quill", "Jonas Ferro"] * 3 + ["Marta Quill"]
    # an unlabelled paragraph continues the previous turn; the full-width colon is a label
    assert script.turns[3].paragraphs[1] == "That quiet is the part nobody warns you about."
    assert script.turns[5].paragraphs[0].startswith("Less than you would think.")
    assert script.turns[5].paragraphs[0].endswith("terrible gossips.")
    assert script.turns[5].line == 11


def test_example_sample_has_three_speakers():
    script = parse(EXAMPLE)
    assert script.format == "ownline"
    assert [s.name for s in script.speakers] == ["Ines Valdoro", "Tomasz Kreel", "Amara Osei"]
    assert script.speaker("Amara Osei").moderator
    assert script.outro.startswith("This conversation was recorded")


def test_inline_paragraph_before_first_label_is_intro():
    text = ("A short preface, with no speaker, that sets the scene for the talk.\n\n"
            "Ann Lee: Hello there.\nBo Chen: Hi Ann.\nAnn Lee: Shall we start?\n")
    script = parse_text(text)
    assert script.intro.startswith("A short preface")
    assert [t.speaker for t in script.turns] == ["Ann Lee", "Bo Chen", "Ann Lee"]


def test_consecutive_turns_of_one_speaker_are_merged():
    text = "Ann Lee:\nOne.\nAnn:\nTwo.\nBo Chen:\nThree.\nAnn Lee:\nFour.\n"
    script = parse_text(text)
    assert [(t.speaker, t.paragraphs) for t in script.turns] == [
        ("Ann Lee", ("One.", "Two.")), ("Bo Chen", ("Three.",)), ("Ann Lee", ("Four.",))]


def test_speaker_map_renames_and_merges():
    text = "A:\nOne.\nB:\nTwo.\nA:\nThree.\nC:\nFour.\n"
    script = parse_text(text, speakers={"A": "Ann Lee", "C": "Ann Lee", "B": "Bo Chen"})
    assert [s.name for s in script.speakers] == ["Ann Lee", "Bo Chen"]
    assert [t.speaker for t in script.turns] == ["Ann Lee", "Bo Chen", "Ann Lee"]


def test_two_people_with_one_first_name_are_not_merged():
    text = "Ann Lee:\nOne.\nAnn Park:\nTwo.\nAnn:\nThree.\nAnn Lee:\nFour.\n"
    script = parse_text(text)
    assert [s.name for s in script.speakers] == ["Ann Lee", "Ann Park", "Ann"]


# --- fallbacks and errors -----------------------------------------------------------------

def test_text_without_labels_is_read_by_a_narrator(tmp_path):
    path = tmp_path / "essay.txt"
    path.write_text("The sea was calm that morning.\n\nBy noon the wind had turned.\n")
    script = parse(path)
    assert [s.name for s in script.speakers] == ["Narrator"]
    assert script.turns[0].paragraphs == ("The sea was calm that morning.",
                                          "By noon the wind had turned.")
    assert script.warnings and "Narrator" in script.warnings[0]
    assert script.title == "essay"


@pytest.mark.parametrize("content", [b"", b"   \n\n  \n"])
def test_empty_file_is_a_parse_error(tmp_path, content):
    path = tmp_path / "empty_talk.txt"
    path.write_bytes(content)
    with pytest.raises(ParseError, match="empty_talk.txt"):
        parse(path)


def test_binary_file_is_a_parse_error(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ParseError, match="noise.txt"):
        parse(path)


def test_non_utf8_file_is_a_parse_error(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Ann:\nCaf\u00e9 au lait.\n".encode("latin-1"))
    with pytest.raises(ParseError, match=r"latin.txt:2: not UTF-8"):
        parse(path)


def test_missing_file_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError, match="nowhere.txt"):
        parse(tmp_path / "nowhere.txt")


def test_text_without_words_is_undetectable():
    with pytest.raises(ParseError, match="tried: .*ownline.*inline"):
        parse_text("--- *** ---\n::::\n", source="marks.txt")


def test_fmt_override():
    text = "Ann Lee: Hello.\nBo Chen: Hi.\n"
    assert parse_text(text).format == "inline"
    forced = parse_text(text, fmt="plain")
    assert forced.format == "plain" and [s.name for s in forced.speakers] == ["Narrator"]


def test_unknown_fmt_lists_valid_names():
    with pytest.raises(ParseError) as info:
        parse_text("Ann: Hi.\n", source="talk.txt", fmt="docx")
    message = str(info.value)
    assert message.startswith("talk.txt: unknown transcript format 'docx'")
    for name in FORMATS:
        assert name in message


def test_formats_names():
    assert FORMATS[:2] == ("ownline", "inline")
    assert len(set(FORMATS)) == len(FORMATS)


def test_postscript_word_inside_the_talk_is_speech():
    text = "Ann Lee:\nWe met.\nAfterwards.\nBo Chen:\nPostscript\nAnd then?\nAnn Lee:\nDone.\n"
    script = parse_text(text)
    assert script.outro == ""
    assert script.turns[0].paragraphs == ("We met.", "Afterwards.")
    assert script.turns[1].paragraphs == ("Postscript", "And then?")


def test_header_with_plural_sections_and_inline_roles():
    text = ("Tide Talk\r\nPanelists:\r\nProf. Ann Lee, Oceanographer\r\nBo Chen\r\nSailor\r\n"
            "Host:\r\nCy Diaz\r\nCy:\r\nWelcome.\r\nAnn Lee:\r\nHello.\r\nBo Chen:\r\nHi.\r\n"
            "P.S.\r\nThanks for listening.\r\n")
    script = parse_text(text)
    assert script.title == "Tide Talk"
    assert [(s.name, s.role, s.moderator) for s in script.speakers] == [
        ("Ann Lee", "Oceanographer", False), ("Bo Chen", "Sailor", False), ("Cy Diaz", "", True)]
    assert script.speaker("Cy Diaz").aliases == ("Cy",)
    assert script.outro == "Thanks for listening."


def test_preface_after_the_header_is_the_moderators_not_a_role():
    """A file that names its moderator: the words before the first label are theirs."""
    text = ("Tide Talk\nSpeakers\nAnn Lee\nOceanographer\nModerator\nCy Diaz\n\n"
            "This conversation was recorded on the pier at dawn, with the gulls as our only "
            "audience and the tide coming in.\n\n"
            "Cy Diaz:\nWelcome.\nAnn Lee:\nHello.\nCy Diaz:\nBye.\n")
    script = parse_text(text)
    assert script.speaker("Cy Diaz").role == ""
    assert script.intro == ""
    assert script.turns[0].speaker == "Cy Diaz"
    assert script.turns[0].paragraphs[0].startswith("This conversation was recorded on the pier")


def test_preface_without_a_named_moderator_is_the_intro():
    text = ("Tide Talk\nSpeakers\nAnn Lee\nOceanographer\nCy Diaz\n\n"
            "This conversation was recorded on the pier at dawn, with the gulls as our only "
            "audience and the tide coming in.\n\n"
            "Cy Diaz:\nWelcome.\nAnn Lee:\nHello.\nCy Diaz:\nBye.\n")
    assert parse_text(text).intro.startswith("This conversation was recorded on the pier")


def test_hard_wrapped_inline_text_without_blank_lines_is_rejoined():
    text = ("Ann Lee: The survey boat left at six and we spent the whole morning counting\n"
            "seals on the outer banks.\nThat was the plan.\n"
            "Bo Chen: How many did you count\nin the end?\nAnn Lee: Forty-one.\n")
    script = parse_text(text)
    assert [t.paragraphs for t in script.turns] == [
        ("The survey boat left at six and we spent the whole morning counting seals on the "
         "outer banks.", "That was the plan."),
        ("How many did you count", "in the end?"),          # a short line is its own paragraph
        ("Forty-one.",),
    ]


def test_label_variants_of_one_person_merge_but_different_people_do_not():
    text = ("Jane Roe | Acme Corp:\nHello.\nSpeaker 0:\nHi.\nSpeaker 1:\nHey.\n"
            "JANE ROE:\nAgain.\nUnknown Speaker:\nWho?\nJane Roe:\nMe.\n")
    script = parse_text(text)
    assert [s.name for s in script.speakers] == [
        "Jane Roe", "Speaker 0", "Speaker 1", "Unknown Speaker"]
    assert set(script.speaker("Jane Roe").aliases) == {"Jane Roe | Acme Corp", "JANE ROE"}
    assert set(script.unresolved) == {"Speaker 0", "Speaker 1", "Unknown Speaker"}


def test_otter_export_footer_and_front_matter_names_as_text():
    text = ("---\nspeakers: Ann Lee, Bo Chen\n---\n"
            "Ann  0:01  \nHello there.\n\nBo  0:04  \nHi Ann.\n\nAnn  0:06  \nBye.\n\n"
            "Transcribed by https://otter.ai\n")
    script = parse_text(text)
    assert script.format == "otter"
    assert [(s.name, s.aliases) for s in script.speakers] == [
        ("Ann Lee", ("Ann",)), ("Bo Chen", ("Bo",))]
    assert script.turns[-1].paragraphs == ("Bye.",)


LABELS_IN_ANY_SCRIPT = ["محمد الأحمد", "משה כהן", "Анна Петрова", "राहुल शर्मा", "김민준"]


@pytest.mark.parametrize("layout", ["ownline", "inline", "markdown"])
def test_labels_in_any_script_with_latin_ones_and_emoji(layout):
    """Arabic, Hebrew, Cyrillic, Devanagari and Hangul names, an emoji before a label, and Latin
    labels between them: every line is a turn of its own speaker, none dropped or merged."""
    names = [*LABELS_IN_ANY_SCRIPT, "🎙️ Host"]
    turns = []
    for i, name in enumerate(names):
        turns += [(name, f"Line number {i} of the talk."), ("John Smith", f"Reply number {i}.")]
    form = {"ownline": "{}:\n{}\n", "inline": "{}: {}\n", "markdown": "**{}:** {}\n\n"}[layout]
    text = "A talk\n\n" + "\n".join(form.format(name, line) for name, line in turns)
    script = parse_text(text, "talk.txt")
    assert script.format == layout
    expected = [("Host" if "Host" in name else name, line) for name, line in turns]
    assert [(t.speaker, " ".join(t.paragraphs)) for t in script.turns] == expected



def test_a_bulleted_participant_list_names_roles_moderator_and_nicknames():
    script = parse(DATA / "participants_bulleted.txt")
    assert [(s.name, s.role, s.moderator) for s in script.speakers] == [
        ("Harry Yeh", "Binary Financial", True), ("Joshua Lim", "Galaxy", False),
        ("Daniel Park", "CTO, Northwind", False), ("Alexandra Stone", "Acme", False)]
    assert [t.speaker for t in script.turns] == [
        "Harry Yeh", "Joshua Lim", "Daniel Park", "Harry Yeh", "Joshua Lim", "Alexandra Stone", "Daniel Park",
        "Harry Yeh", "Joshua Lim"]
    assert script.intro == ""                 # the opening words are the moderator's, not the narrator's
    assert script.turns[0].paragraphs[0].startswith("Welcome everyone")
    assert "label 'Josh' read as Joshua Lim (a short form of their first name)" in script.warnings
    assert "label 'Dan' read as Daniel Park (a short form of their first name)" in script.warnings


def test_one_line_participant_sections_and_an_ambiguous_nickname():
    text = (DATA / "participants_inline.txt").read_text(encoding="utf-8").replace(
        "Panelists: Joshua Lim (Galaxy), Daniel Park (Northwind), Alexandra Stone (Acme)",
        "Panelists: Joshua Lim (Galaxy), Daniel Park (Northwind), Danielle Wu (Acme)")
    script = parse_text(text, "panel.txt")
    names = {s.name: (s.role, s.moderator) for s in script.speakers}
    assert names["Harry Yeh"] == ("Binary Financial", True) and names["Joshua Lim"] == ("Galaxy", False)
    assert "Dan" in names and "Daniel Park" not in names          # Dan could be Daniel or Danielle
    assert any(w.startswith("label 'Dan' could be Daniel Park or Danielle Wu: kept as a speaker of its own")
               for w in script.warnings)
    assert [t.speaker for t in script.turns][:3] == ["Harry Yeh", "Joshua Lim", "Dan"]


def test_a_turn_that_starts_like_a_section_is_still_a_turn():
    script = parse_text("Host: Thanks, Bob.\nBob: Glad to be here.\nHost: Great, Bob.\n", "t.txt")
    assert [t.speaker for t in script.turns] == ["Host", "Bob", "Host"]


@pytest.mark.parametrize("short, first", [("Josh", "Joshua"), ("Dan", "Daniel"), ("Alex", "Alexandra"),
                                          ("Bob", "Robert"), ("Bill", "William"), ("Liz", "Elizabeth")])
def test_nicknames(short, first):
    from pipeline.formats.identity import nickname_of

    assert nickname_of(short, first) and not nickname_of(short, "Maria") and not nickname_of(first, first)
