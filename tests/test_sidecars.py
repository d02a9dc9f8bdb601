"""Sidecars, read back with independent parsers (webvtt-py, srt) and checked against the specs."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from datetime import timedelta

import pytest
import srt
import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.model import Chapter, Segment, Timeline
from pipeline.sidecars import (
    LINE_WIDTH,
    cues,
    split_text,
    to_chapters_json,
    to_srt,
    to_transcript_json,
    to_vtt,
    write_sidecars,
)

LONG = (
    "Welcome to the panel. Today we talk about large language models, reinforcement learning "
    "from human feedback, and whether AGI is 2 to 3 years away or much further away than the "
    "optimists believe, which is a question nobody here can answer with any confidence at all. "
    "Tian, you first?"
)
NO_PUNCTUATION = " ".join(["word"] * 80)


def make_timeline(segments=None, chapters=None) -> Timeline:
    segments = segments if segments is not None else (
        Segment("Ella Hu", LONG, 1_000, 21_000),
        Segment("Tian Yuandong", "Sure. <Thanks> & hello, everyone.", 21_500, 24_000),
        Segment("Tian Yuandong", NO_PUNCTUATION, 24_000, 40_000),
        Segment("Ella Hu", "Thank you.", 40_200, 41_000),
    )
    chapters = chapters if chapters is not None else (
        Chapter("Introductions", 0, 21_000),
        Chapter("Tian on scaling", 21_000, 40_000, url="https://example.org/tian",
                image="https://example.org/tian.jpg"),
        Chapter("Wrap-up", 40_000, 41_000, image="local/wrap.png"),
    )
    return Timeline(
        title="Panel on AGI",
        author="Ella Hu",
        speakers=("Ella Hu", "Tian Yuandong"),
        duration_ms=41_500,
        segments=tuple(segments),
        chapters=tuple(chapters),
    )


def vtt_ms(stamp: str) -> int:
    h, m, s = stamp.split(":")
    sec, ms = s.split(".")
    return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000 + int(ms)


def parse_vtt(text: str):
    return webvtt.from_string(text).captions


# ----------------------------------------------------------------------------- WebVTT

def test_vtt_parses_and_carries_voice_tags():
    captions = parse_vtt(to_vtt(make_timeline()))
    voices = [c.voice for c in captions]
    assert set(voices) == {"Ella Hu", "Tian Yuandong"}
    assert voices[0] == "Ella Hu" and voices[-1] == "Ella Hu"
    for c in captions:
        assert c.raw_text.startswith(f"<v {c.voice}>")


def test_vtt_lines_at_most_65_characters():
    captions = parse_vtt(to_vtt(make_timeline()))
    for c in captions:
        lines = c.text.split("\n")
        assert 1 <= len(lines) <= 2
        for line in lines:
            shown = line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            assert len(shown) <= LINE_WIDTH, line


def test_vtt_long_segment_split_with_proportional_times():
    timeline = make_timeline()
    captions = parse_vtt(to_vtt(timeline))
    first_seg = timeline.segments[0]
    ella = [c for c in captions if vtt_ms(c.start) < first_seg.end_ms]
    assert len(ella) >= 3
    # the first cue of a segment starts exactly at the segment, the last ends exactly at its end
    assert vtt_ms(ella[0].start) == first_seg.start_ms
    assert vtt_ms(ella[-1].end) == first_seg.end_ms
    # contiguous cues, time shared in proportion to characters
    span = first_seg.end_ms - first_seg.start_ms
    total_chars = sum(len(c.text.replace("\n", " ")) for c in ella)
    for a, b in zip(ella, ella[1:]):
        assert vtt_ms(a.end) == vtt_ms(b.start)
    for c in ella:
        share = (vtt_ms(c.end) - vtt_ms(c.start)) / span
        assert share == pytest.approx(len(c.text.replace("\n", " ")) / total_chars, abs=0.02)
    # nothing lost or reordered
    joined = " ".join(c.text.replace("\n", " ") for c in ella)
    assert joined == LONG


def test_vtt_cuts_fall_at_sentence_or_clause_ends():
    captions = parse_vtt(to_vtt(make_timeline()))
    ella_texts = [c.text.replace("\n", " ") for c in captions if vtt_ms(c.start) < 21_000]
    assert ella_texts[-1].endswith("Tian, you first?")
    # this text has punctuation often enough that no cue has to end mid-clause
    assert all(t[-1] in ",.?!" for t in ella_texts)


def test_vtt_cue_starts_non_decreasing_and_each_segment_starts_a_cue():
    timeline = make_timeline()
    captions = parse_vtt(to_vtt(timeline))
    starts = [vtt_ms(c.start) for c in captions]
    assert starts == sorted(starts)
    for seg in timeline.segments:
        assert seg.start_ms in starts


def test_vtt_escapes_markup_characters():
    text = to_vtt(make_timeline())
    assert "&lt;Thanks&gt; &amp; hello" in text
    assert "<Thanks>" not in text


def test_vtt_header_and_timestamp_format():
    text = to_vtt(make_timeline())
    assert text.startswith("WEBVTT\nLanguage: en\n\n")
    assert "00:00:01.000 --> " in text


def test_vtt_header_names_the_language_and_parsers_still_read_it():
    text = to_vtt(replace(make_timeline(), language="de"))
    assert text.startswith("WEBVTT\nLanguage: de\n\n")
    cues = webvtt.from_buffer(io.StringIO(text))
    assert [c.text for c in cues] == [c.text for c in webvtt.from_buffer(io.StringIO(to_vtt(make_timeline())))]
    assert len(cues) > 1


def test_vtt_of_empty_timeline_is_valid():
    text = to_vtt(make_timeline(segments=(), chapters=()))
    assert parse_vtt(text) == []


def test_very_long_word_and_long_name_still_fit():
    seg = Segment("A Speaker With An Extraordinarily Long Display Name", "https://example.org/"
                  + "x" * 150 + " is the link.", 0, 5_000)
    timeline = make_timeline(segments=(seg,), chapters=())
    for c in parse_vtt(to_vtt(timeline)):
        assert all(len(line) <= LINE_WIDTH for line in c.text.split("\n"))
    for sub in srt.parse(to_srt(timeline)):
        assert all(len(line) <= LINE_WIDTH for line in sub.content.split("\n"))


def test_split_text_packs_short_sentences_together():
    assert split_text("Yes. I agree. Go on.") == [["Yes. I agree. Go on."]]
    assert split_text("") == []


def test_abbreviations_and_initials_do_not_end_sentences():
    text = ("Tian leads the project, and Dr. Tian Yuandong is its first author; "
            "J. Smith reviewed it, e.g. the appendix, with Prof. Wu. Then we went on to talk "
            "about something else entirely for quite a while.")
    chunks = [" ".join(c) for c in split_text(text)]
    assert not any(c.endswith(("Dr.", "J.", "e.g.", "Prof.")) for c in chunks)


_words = st.text(alphabet=st.sampled_from("abcdefgh.,;:!? "), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(words=st.lists(_words, max_size=60), prefix=st.sampled_from(["", "Wu Yi: "]))
def test_split_text_keeps_every_word_in_order_within_limits(words, prefix):
    text = " ".join(words)
    chunks = split_text(text, prefix=prefix)
    for chunk in chunks:
        assert 1 <= len(chunk) <= 2
        assert all(0 < len(line) <= LINE_WIDTH for line in chunk)
    joined = " ".join(" ".join(chunk) for chunk in chunks)
    if prefix and chunks:
        assert joined.startswith(prefix)
        joined = joined[len(prefix):]
    assert joined.split() == text.split()


def test_split_text_prefix_counts_towards_the_first_line():
    chunks = split_text(NO_PUNCTUATION, prefix="Tian Yuandong: ")
    assert chunks[0][0].startswith("Tian Yuandong: ")
    assert all(len(line) <= LINE_WIDTH for chunk in chunks for line in chunk)
    assert not any(line.startswith("Tian") for chunk in chunks[1:] for line in chunk)


def test_zero_length_segment_gives_zero_length_cues():
    timeline = make_timeline(segments=(Segment("A", "Hi.", 500, 500),), chapters=())
    (cue,) = cues(timeline)
    assert (cue.start_ms, cue.end_ms) == (500, 500)


def test_segment_ending_before_it_starts_is_an_input_error():
    timeline = make_timeline(segments=(Segment("A", "Hi.", 900, 500),), chapters=())
    with pytest.raises(InputError, match="segment 1 .*before start"):
        to_vtt(timeline)


# ----------------------------------------------------------------------------- SubRip

def test_srt_parses_and_prefixes_name_on_speaker_change():
    timeline = make_timeline()
    subs = list(srt.parse(to_srt(timeline)))
    assert [s.index for s in subs] == list(range(1, len(subs) + 1))
    assert subs[0].start == timedelta(milliseconds=1_000)
    prefixed = [s.content for s in subs if ": " in s.content.split("\n")[0][:20]]
    assert subs[0].content.startswith("Ella Hu: Welcome")
    tian = [s for s in subs if s.content.startswith("Tian Yuandong: ")]
    assert len(tian) == 1  # two Tian segments in a row: the name only once
    assert subs[-1].content == "Ella Hu: Thank you."
    assert len(prefixed) == 3
    for s in subs:
        assert all(len(line) <= LINE_WIDTH for line in s.content.split("\n"))
        assert s.end >= s.start


def test_srt_and_vtt_share_cue_boundaries_per_segment():
    timeline = make_timeline()
    subs = list(srt.parse(to_srt(timeline)))
    captions = parse_vtt(to_vtt(timeline))
    srt_starts = {int(s.start.total_seconds() * 1000) for s in subs}
    vtt_starts = {vtt_ms(c.start) for c in captions}
    for seg in timeline.segments:
        assert seg.start_ms in srt_starts and seg.start_ms in vtt_starts
    assert max(int(s.end.total_seconds() * 1000) for s in subs) == 41_000


# ----------------------------------------------------------------------------- chapters JSON

def test_chapters_json_follows_podcasting20_spec():
    doc = to_chapters_json(make_timeline())
    assert doc["version"] == "1.2.0"
    assert doc["title"] == "Panel on AGI"
    chapters = doc["chapters"]
    assert [c["title"] for c in chapters] == ["Introductions", "Tian on scaling", "Wrap-up"]
    starts = [c["startTime"] for c in chapters]
    assert all(isinstance(s, (int, float)) for s in starts)
    assert starts == sorted(starts) == [0.0, 21.0, 40.0]
    assert chapters[0]["endTime"] == 21.0
    assert chapters[1]["url"] == "https://example.org/tian"
    assert chapters[1]["img"] == "https://example.org/tian.jpg"
    assert "img" not in chapters[2]  # a local path is no address a podcast app can fetch
    assert "url" not in chapters[0]
    json.dumps(doc)  # serialisable


def test_chapters_sorted_and_fractional_seconds():
    timeline = make_timeline(chapters=(Chapter("B", 61_234, 62_000), Chapter("A", 0, 0)))
    doc = to_chapters_json(timeline)
    assert [c["title"] for c in doc["chapters"]] == ["A", "B"]
    assert doc["chapters"][1]["startTime"] == 61.234
    assert "endTime" not in doc["chapters"][0]


# ----------------------------------------------------------------------------- transcript JSON

def test_transcript_json_fields():
    doc = to_transcript_json(make_timeline())
    assert doc["version"] == "1.0.0"
    segs = doc["segments"]
    assert len(segs) == 4
    assert segs[0] == {"speaker": "Ella Hu", "startTime": 1.0, "endTime": 21.0, "body": LONG}
    for s in segs:
        assert set(s) == {"speaker", "startTime", "endTime", "body"}
        assert s["endTime"] >= s["startTime"]


# ----------------------------------------------------------------------------- writing

def test_write_sidecars_writes_all_five_next_to_the_mp3(tmp_path):
    mp3 = tmp_path / "episode.mp3"
    written = write_sidecars(make_timeline(), mp3)
    assert [p.name for p in written] == [
        "episode.captions.vtt", "episode.captions.srt", "episode.chapters.json", "episode.transcript.json", "episode.html"]
    assert 'src="episode.mp3"' in (tmp_path / "episode.html").read_text("utf-8")
    assert json.loads((tmp_path / "episode.chapters.json").read_text("utf-8"))["version"] == "1.2.0"
    assert parse_vtt((tmp_path / "episode.captions.vtt").read_text("utf-8"))
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in written)  # no temp files left


def test_write_sidecars_subset_and_unknown_kind(tmp_path):
    mp3 = tmp_path / "ep.mp3"
    assert [p.name for p in write_sidecars(make_timeline(), mp3, kinds=["srt"])] == ["ep.captions.srt"]
    assert sorted(os.listdir(tmp_path)) == ["ep.captions.srt"]
    with pytest.raises(InputError, match="unknown sidecar kind 'pdf'"):
        write_sidecars(make_timeline(), mp3, kinds=["vtt", "pdf"])
    assert sorted(os.listdir(tmp_path)) == ["ep.captions.srt"]


def test_write_sidecars_missing_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        write_sidecars(make_timeline(), tmp_path / "nope" / "ep.mp3")


def test_non_ascii_is_written_as_utf8(tmp_path):
    timeline = make_timeline(
        segments=(Segment("沈立斌", "你好，世界。“Quotes” too.", 0, 1_000),),
        chapters=(Chapter("开场", 0, 1_000),),
    )
    write_sidecars(timeline, tmp_path / "ep.mp3")
    assert "<v 沈立斌>你好，世界。“Quotes” too." in (tmp_path / "ep.captions.vtt").read_text("utf-8")
    doc = json.loads((tmp_path / "ep.chapters.json").read_bytes().decode("utf-8"))
    assert doc["chapters"][0]["title"] == "开场"


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.text(alphabet="abcdefghij,.", min_size=1, max_size=70), min_size=0, max_size=40),
       width=st.integers(min_value=10, max_value=70), prefix=st.sampled_from(["", "Ann: ", "A long name here: "]))
def test_line_count_agrees_with_textwrap(words, width, prefix):
    from pipeline.sidecars import _line_count, _wrap

    text = " ".join(words)
    assert _line_count(text, width, prefix) == len(_wrap(text, width, prefix))
