"""WebVTT and SRT: voice spans, name prefixes, carried speakers, sorting, cleaning."""

from __future__ import annotations

from pipeline.transcript import parse_text

VTT_VOICES = """WEBVTT
Kind: captions

NOTE written by hand for this test

1
00:00:05.000 --> 00:00:07.000
<v.loud Mira Sol>Morning, everyone.</v>

2
00:00:01.000 --> 00:00:04.000
[door creaks]

3
00:00:07.500 --> 00:00:09.000
We start with the tide tables.

4
00:00:09.000 --> 00:00:11.000
<v Tom>Already printed them.</v> <v Mira Sol>Good &amp; thanks.</v>

5
00:00:11.000 --> 00:00:12.000
<v Mira>Let's go.
"""


def test_vtt_voice_spans_carry_and_merge():
    script = parse_text(VTT_VOICES, source="t.vtt")
    assert script.format == "vtt"
    assert [s.name for s in script.speakers] == ["Mira Sol", "Tom"]
    assert script.speaker("Mira Sol").aliases == ("Mira",)
    assert [(t.speaker, t.paragraphs) for t in script.turns] == [
        ("Mira Sol", ("Morning, everyone. We start with the tide tables.",)),
        ("Tom", ("Already printed them.",)),
        ("Mira Sol", ("Good & thanks.", "Let's go.")),   # two labels: two paragraphs
    ]
    assert script.turns[0].line == 7                    # the timing line of cue 1


def test_vtt_cues_are_sorted_by_start_time():
    text = ("WEBVTT\n\n00:00:03.000 --> 00:00:04.000\n<v Ann>second</v>\n\n"
            "00:00:01.000 --> 00:00:02.000\n<v Bo>first</v>\n")
    script = parse_text(text)
    assert [t.speaker for t in script.turns] == ["Bo", "Ann"]


def test_vtt_with_name_prefixes_and_crlf():
    text = ("WEBVTT\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.000\r\nkai: Shall we begin?\r\n\r\n"
            "2\r\n00:00:02.000 --> 00:00:03.000\r\nkai: I think so.\r\n\r\n"
            "3\r\n00:00:03.000 --> 00:00:05.000\r\nRosa Lind: Yes: two items today.\r\n")
    script = parse_text(text)
    assert [(t.speaker, t.paragraphs) for t in script.turns] == [
        ("kai", ("Shall we begin? I think so.",)), ("Rosa Lind", ("Yes: two items today.",))]


def test_vtt_without_speakers_is_one_narrator():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nJust captions here.\n"
    script = parse_text(text)
    assert [s.name for s in script.speakers] == ["Narrator"]
    assert script.warnings


SRT = """1
00:00:01,000 --> 00:00:03,000
Noor Hale: Welcome to the
evening shipping report.

2
00:00:03,000 --> 00:00:05,000
Winds are light from the west.

3
00:00:05,500 --> 00:00:07,000
Pip: Thanks, Noor. <i>(laughs)</i>

4
00:00:07,000 --> 00:00:08,000
Any fog?
"""


def test_srt_names_only_where_the_speaker_changes():
    script = parse_text(SRT, source="report.srt")
    assert script.format == "srt"
    assert [(t.speaker, t.paragraphs) for t in script.turns] == [
        ("Noor Hale", ("Welcome to the evening shipping report. Winds are light from the west.",)),
        ("Pip", ("Thanks, Noor. Any fog?",)),
    ]
