"""Random input for every parser and loader: whatever text a transcript parser is given, it
returns a Script or raises ParseError; whatever bytes or Unicode a transcript, config, cast,
lexicon, speaker map or cover file holds, loading it gives a result or a clean one-line error,
never another exception. ``PANELCAST_FUZZ_EXAMPLES`` sets how many examples the loaders get."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import load_cast, load_config, load_lexicon
from pipeline.cover import load_cover
from pipeline.errors import InputError, ParseError
from pipeline.model import Script
from pipeline.transcript import FORMATS, load_speaker_map, parse, parse_text

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
PER_FORMAT = settings(SETTINGS, max_examples=100)

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


@pytest.mark.parametrize("fmt", FORMATS + (None,))
@PER_FORMAT
@given(source_text=text)
def test_any_text_with_each_parser(fmt, source_text):
    _check(source_text, fmt)


def _wrap(fmt: str, rows: list[tuple[str, str, str]]) -> str:
    """Names, times and text laid out in the syntax of ``fmt``."""
    if fmt == "ownline":
        return "\n".join(f"{n}:\n{t}" for n, _, t in rows)
    if fmt in ("inline", "qa", "plain"):
        return "\n".join(f"{n}: {t}" for n, _, t in rows)
    if fmt == "markdown":
        return "\n\n".join(f"**{n}:** {t}" if i % 2 else f"### {n}\n{t}"
                            for i, (n, _, t) in enumerate(rows))
    if fmt == "otter":
        return "\n\n".join(f"{n}  {s}  \n{t}" for n, s, t in rows)
    if fmt == "bracket":
        return "\n".join(f"[{n}] [{s}] {t}" for n, s, t in rows)
    if fmt == "vtt":
        return "WEBVTT\n\n" + "\n\n".join(f"{s} --> {s}\n<v {n}>{t}</v>" for n, s, t in rows)
    if fmt == "srt":
        return "\n\n".join(f"{i}\n{s} --> {s}\n{n}: {t}" for i, (n, s, t) in enumerate(rows))
    return json.dumps([{"speaker": n, "text": t, "start": s} for n, s, t in rows])


@pytest.mark.parametrize("fmt", FORMATS)
@PER_FORMAT
@given(rows=st.lists(st.tuples(names, stamps, line), min_size=1, max_size=6),
       header=st.sampled_from(["", "---\ntitle: x\n---\n", "Title: x\nSpeakers\nAnn Lee\n"]),
       forced=st.booleans())
def test_format_syntax_with_arbitrary_content(fmt, rows, header, forced):
    _check(header + _wrap(fmt, rows), fmt if forced else None)


@SETTINGS
@given(records=st.lists(st.dictionaries(
    st.sampled_from(["speaker", "text", "start", "start_ms", "voice", "words", "segments"]),
    st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
              st.lists(st.integers(), max_size=2))), max_size=5))
def test_json_with_arbitrary_values(records):
    _check(json.dumps(records), "json")
    _check("\n".join(json.dumps(r) for r in records), "json")
    _check(json.dumps({"segments": records, "speakers": {"0": "Ann"}}), None)


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".vtt", ".json", ".md"]))
def test_any_file_bytes(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"prop{suffix}"
        path.write_bytes(data)
        try:
            script = parse(path)
        except ParseError as err:
            assert str(err).startswith(str(path))
        else:
            assert script.source == str(path) and script.turns


# --- every parser and loader, fed random bytes and random text: a result or a clean error ---

LOADERS = {
    "transcript.txt": parse, "transcript.vtt": parse, "transcript.json": parse, "transcript.md": parse,
    "episode.yaml": load_config, "cast.yaml": load_cast, "lexicon.yaml": load_lexicon, "names.json": load_speaker_map,
    "names.yaml": load_speaker_map, "cover.png": load_cover,
}
fuzz = settings(max_examples=int(os.environ.get("PANELCAST_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LABELLED = st.lists(st.sampled_from(["Ann:", "**Bob:**", "<v Cy>", "00:01 --> 00:02", "WEBVTT", "{", "}", "[",
                                     "]", '"speaker":', "- ", "*a", "&a", "\n", "\n\n", "：", "🎙️", "\x00"])
                    | st.text(), max_size=12).map("".join)


@fuzz
@given(data=st.binary(max_size=600) | LABELLED.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_every_loader_gives_a_result_or_a_clean_error(tmp_path, data):
    for name, load in LOADERS.items():
        path = tmp_path / name
        path.write_bytes(data)
        try:
            load(path)
        except InputError as err:
            assert str(err) and "\n" not in str(err)


@fuzz
@given(text=LABELLED | st.text(max_size=300), fmt=st.sampled_from([None, *FORMATS]))
def test_every_transcript_format_gives_a_result_or_a_clean_error(text, fmt):
    try:
        script = parse_text(text, "t.txt", fmt=fmt)
    except InputError as err:
        assert str(err) and "\n" not in str(err)
    else:
        assert all(t.paragraphs for t in script.turns)
