"""Property tests: whatever text a parser is given, it returns a Script or raises ParseError."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.model import Script
from pipeline.transcript import FORMATS, parse_text

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

text = st.text(max_size=300)
line = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
               max_size=40)
names = st.sampled_from(["Ann Lee", "Bo", "Speaker 0", "SPEAKER_01", "Dr. Kim", "Q", "A",
                         "Shaun Apps（SA）", "Boon's mom", "?Ella", "", ":", "<v", "**"])
stamps = st.sampled_from(["00:00:01.000", "0:22", "12:34", "1:02:03", "99:99", "", "00:00:01,500"])


def _check(source_text: str, fmt: str | None) -> None:
    try:
        script = parse_text(source_text, source="prop.txt", fmt=fmt)
    except ParseError as err:
        assert str(err).startswith("prop.txt")
        return
    assert isinstance(script, Script)
    assert script.turns and all(t.paragraphs for t in script.turns)
    assert {t.speaker for t in script.turns} == {s.name for s in script.speakers}
    assert all(p.strip() for t in script.turns for p in t.paragraphs)


@SETTINGS
@given(source_text=text, fmt=st.sampled_from(FORMATS + (None,)))
def test_any_text_with_any_parser(source_text, fmt):
    _check(source_text, fmt)


@st.composite
def wrapped(draw):
    """Arbitrary names, times and text in the syntax of one format."""
    fmt = draw(st.sampled_from(FORMATS))
    rows = draw(st.lists(st.tuples(names, stamps, line), min_size=1, max_size=6))
    if fmt == "ownline":
        body = "\n".join(f"{n}:\n{t}" for n, _, t in rows)
    elif fmt in ("inline", "qa", "plain"):
        body = "\n".join(f"{n}: {t}" for n, _, t in rows)
    elif fmt == "markdown":
        body = "\n\n".join(f"**{n}:** {t}" if i % 2 else f"### {n}\n{t}"
                           for i, (n, _, t) in enumerate(rows))
    elif fmt == "otter":
        body = "\n\n".join(f"{n}  {s}  \n{t}" for n, s, t in rows)
    elif fmt == "bracket":
        body = "\n".join(f"[{n}] [{s}] {t}" for n, s, t in rows)
    elif fmt == "vtt":
        body = "WEBVTT\n\n" + "\n\n".join(f"{s} --> {s}\n<v {n}>{t}</v>" for n, s, t in rows)
    elif fmt == "srt":
        body = "\n\n".join(f"{i}\n{s} --> {s}\n{n}: {t}" for i, (n, s, t) in enumerate(rows))
    else:
        body = json.dumps([{"speaker": n, "text": t, "start": s} for n, s, t in rows])
    header = draw(st.sampled_from(["", "---\ntitle: x\n---\n", "Title: x\nSpeakers\nAnn Lee\n"]))
    return header + body, draw(st.sampled_from([fmt, None]))


@SETTINGS
@given(case=wrapped())
def test_format_syntax_with_arbitrary_content(case):
    source_text, fmt = case
    _check(source_text, fmt)


@SETTINGS
@given(records=st.lists(st.dictionaries(
    st.sampled_from(["speaker", "text", "start", "start_ms", "voice", "words", "segments"]),
    st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
              st.lists(st.integers(), max_size=2))), max_size=5))
def test_json_with_arbitrary_values(records):
    _check(json.dumps(records), "json")
    _check("\n".join(json.dumps(r) for r in records), "json")
    _check(json.dumps({"segments": records, "speakers": {"0": "Ann"}}), None)
