"""Podcast-grade output of the rendered seed: cover, sidecars aligned with audio, feed, serving."""

from __future__ import annotations

import io
import json
import threading
import urllib.request

import feedparser
import pytest
import srt
import webvtt
from mutagen.id3 import ID3
from PIL import Image

from conftest import speech_onset_ms
from pipeline.feed import write_feed
from pipeline.serve import make_server
from pipeline.sidecars import sidecar_path


def _ms(clock: str) -> int:
    h, m, s = clock.split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def test_cover_embedded_and_written(seed_render):
    result, _, _ = seed_render
    apic = ID3(str(result.output)).getall("APIC")
    assert len(apic) == 1 and apic[0].type == 3 and apic[0].mime == "image/jpeg"
    image = Image.open(io.BytesIO(apic[0].data))
    image.load()
    assert image.size[0] == image.size[1] >= 1400
    assert result.output.with_suffix(".jpg").read_bytes() == apic[0].data


def test_vtt_cues_match_speech_onsets(seed_render, seed_audio):
    result, _, _ = seed_render
    captions = webvtt.read(str(sidecar_path(result.output, "vtt")))
    assert len(captions) >= len(result.timeline.segments)
    for cue in captions:
        for line in cue.text.splitlines():
            assert len(line) <= 65, line
    assert "<v Ella Hu>" in sidecar_path(result.output, "vtt").read_text(encoding="utf-8")
    # the first cue of every segment starts with its speech; check a spread of them
    starts = {_ms(c.start) for c in captions}
    segments = result.timeline.segments
    checked = 0
    for seg in segments[:: max(1, len(segments) // 10)]:
        assert any(abs(s - seg.start_ms) <= 1 for s in starts), seg.start_ms
        onset = speech_onset_ms(seed_audio, seg.start_ms)
        assert abs(onset - seg.start_ms) <= 50, (seg.speaker, seg.start_ms, onset)
        checked += 1
    assert checked >= 8


def test_srt_parses_and_names_speakers(seed_render):
    result, _, _ = seed_render
    subs = list(srt.parse(sidecar_path(result.output, "srt").read_text(encoding="utf-8")))
    assert len(subs) >= len(result.timeline.segments)
    assert subs[0].content.startswith("Narrator: ")
    assert any(s.content.startswith("Ella Hu: ") for s in subs)
    assert all(a.start <= b.start for a, b in zip(subs, subs[1:]))


def test_chapters_and_transcript_json(seed_render):
    result, _, _ = seed_render
    chapters = json.loads(sidecar_path(result.output, "chapters").read_text(encoding="utf-8"))
    assert chapters["version"] == "1.2.0"
    starts = [c["startTime"] for c in chapters["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0
    assert [round(s * 1000) for s in starts] == [c.start_ms for c in result.timeline.chapters]
    assert [c["title"] for c in chapters["chapters"]] == [c.title for c in result.timeline.chapters]
    transcript = json.loads(sidecar_path(result.output, "transcript").read_text(encoding="utf-8"))
    segs = transcript["segments"]
    assert len(segs) == len(result.timeline.segments)
    assert all({"speaker", "startTime", "endTime", "body"} <= set(s) for s in segs)
    assert all(s["startTime"] < s["endTime"] for s in segs)


@pytest.fixture(scope="module")
def published(seed_render):
    result, _, _ = seed_render
    feed_path = write_feed(result.output.parent, "http://127.0.0.1:8000/show/")
    return result, feed_path


def test_feed_parsed_by_feedparser(published):
    result, feed_path = published
    parsed = feedparser.parse(feed_path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title.startswith("Standing at the Gate")
    (item,) = parsed.entries
    enclosure = item.enclosures[0]
    assert enclosure.href == "http://127.0.0.1:8000/show/seed.mp3"
    assert int(enclosure.length) == result.output.stat().st_size
    assert enclosure.type == "audio/mpeg"
    seconds = 0
    for part in item.itunes_duration.split(":"):  # "SS" or "HH:MM:SS"
        seconds = seconds * 60 + int(part)
    assert abs(seconds * 1000 - result.timeline.duration_ms) <= 1000
    raw = feed_path.read_text(encoding="utf-8")
    assert 'type="application/json+chapters"' in raw and "seed.chapters.json" in raw
    assert "podcast:transcript" in raw and "seed.captions.vtt" in raw
    guid = item.id
    write_feed(result.output.parent, "http://127.0.0.1:8000/show/")
    assert feedparser.parse(feed_path.read_bytes()).entries[0].id == guid


def test_served_with_ranges(published):
    result, _ = published
    server = make_server(result.output.parent, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        req = urllib.request.Request(base + "seed.mp3", headers={"Range": "bytes=1000-1999"})
        with urllib.request.urlopen(req) as resp:
            body = resp.read()
            assert resp.status == 206
            assert resp.headers["Content-Type"] == "audio/mpeg"
            size = result.output.stat().st_size
            assert resp.headers["Content-Range"] == f"bytes 1000-1999/{size}"
        assert body == result.output.read_bytes()[1000:2000]
        with urllib.request.urlopen(base + "seed.chapters.json") as resp:
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
            assert json.loads(resp.read())["version"] == "1.2.0"
    finally:
        server.shutdown()
        server.server_close()
