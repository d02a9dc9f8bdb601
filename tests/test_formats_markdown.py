"""Markdown transcripts: bold labels, bold labels with times, and speaker headings."""

from __future__ import annotations

from pipeline.transcript import parse_text

BOLD_TIMED = """# Garden Hour

**Ivy Moss** [0:05] Welcome to *Garden Hour*.

**Rohan Patel** [0:09] Glad to be here. \\[laughs\\]

**Ivy Moss** [1:02] Let's talk compost &amp; worms.
"""


def test_bold_label_with_timestamp():
    script = parse_text(BOLD_TIMED)
    assert script.format == "markdown"
    assert script.title == "Garden Hour"
    assert [(t.speaker, t.paragraphs) for t in script.turns] == [
        ("Ivy Moss", ("Welcome to Garden Hour.",)),
        ("Rohan Patel", ("Glad to be here.",)),
        ("Ivy Moss", ("Let's talk compost & worms.",)),
    ]


HEADINGS = """## Opening

### Ivy Moss
Welcome back.

### Rohan Patel
Thanks. I brought seeds.

## Seeds

### Ivy Moss
Which kind?

### Rohan Patel
Tomatoes, mostly.
"""


def test_speaker_headings_and_chapter_headings():
    script = parse_text(HEADINGS)
    assert [(t.speaker, t.heading, t.paragraphs[0]) for t in script.turns] == [
        ("Ivy Moss", "Opening", "Welcome back."),
        ("Rohan Patel", None, "Thanks. I brought seeds."),
        ("Ivy Moss", "Seeds", "Which kind?"),
        ("Rohan Patel", None, "Tomatoes, mostly."),
    ]


def test_bold_label_with_colon_outside():
    text = "**Ann**: One.\n\n**Bo**: Two.\n\n**Ann**: Three.\n"
    script = parse_text(text)
    assert [t.speaker for t in script.turns] == ["Ann", "Bo", "Ann"]
