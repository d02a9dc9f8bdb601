"""End to end on the seed: a real render, checked with ffmpeg, ffprobe, eyeD3 and mutagen."""

from __future__ import annotations

import json
import math
import subprocess
from datetime import datetime, timezone

import eyed3
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audio_utils import median_pitch_hz
from conftest import SEED, decode, speech_onset_ms
from pipeline import mp3, tools
from pipeline.cache import Cache
from pipeline.render import Options, render

RATE = 44100


def test_decodes_without_errors(seed_render):
    result, _, _ = seed_render
    proc = subprocess.run([tools.ffmpeg().path, "-v", "error", "-i", str(result.output), "-f", "null", "-"],
                          capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stderr.strip() == ""


def test_seed_episode_shape(seed_render):
    result, reporter, _ = seed_render
    t = result.timeline
    assert 25 * 60_000 < t.duration_ms < 40 * 60_000
    # Intro + one chapter per moderator question (12 Ella Hu turns) + outro
    assert len(t.chapters) == 14
    assert t.chapters[0].title == "Intro" and t.chapters[-1].title == "Outro"
    assert all(len(c.title) <= 60 for c in t.chapters)
    assert reporter.done["synthesize"] == reporter.stages["synthesize"] > 40


def _ffprobe_chapters(path):
    probe = tools.ffprobe()
    if probe is None:
        pytest.skip("ffprobe not available")
    out = subprocess.run([probe.path, "-v", "error", "-show_chapters", "-of", "json", str(path)],
                         capture_output=True, check=True, text=True).stdout
    return [(c["tags"]["title"], round(float(c["start_time"]) * 1000)) for c in json.loads(out)["chapters"]]


def test_three_readers_agree_on_chapters(seed_render):
    result, _, _ = seed_render
    expected = [(c.title, c.start_ms) for c in result.timeline.chapters]

    by_ffprobe = _ffprobe_chapters(result.output)

    tag = eyed3.load(str(result.output)).tag
    assert tag.version == (2, 3, 0)
    toc = list(tag.table_of_contents)
    assert len(toc) == 1 and toc[0].toplevel and toc[0].ordered
    chaps = {c.element_id: c for c in tag.chapters}
    by_eyed3 = [(chaps[cid].title, chaps[cid].times[0]) for cid in toc[0].child_ids]

    id3 = ID3(str(result.output))
    assert id3.version[:2] == (2, 3)
    ctoc = id3.getall("CTOC")[0]
    chap_frames = {f.element_id: f for f in id3.getall("CHAP")}
    by_mutagen = [(chap_frames[e].sub_frames["TIT2"].text[0], chap_frames[e].start_time)
                  for e in ctoc.child_element_ids]
    assert ctoc.flags == 3  # TOP_LEVEL | ORDERED

    assert by_ffprobe == by_eyed3 == by_mutagen == expected
    assert [s for _, s in expected] == sorted(s for _, s in expected)


def test_tags(seed_render):
    result, _, _ = seed_render
    id3 = ID3(str(result.output))
    assert id3["TIT2"].text[0].startswith("Standing at the Gate of AGI Era")
    # ID3v2.3 has no multi-value frames: the speakers are joined with "/"
    assert set(id3["TPE1"].text[0].split("/")) == {"Tian Yuandong", "Wu Yi", "Zhu Xiaoyong", "Shen Libin", "Ella Hu"}
    assert id3["TCON"].text == ["Podcast"]
    assert id3.getall("COMM") and id3.getall("TALB")
    # the date as v2.3 frames (TYER year, TDAT DDMM): eyeD3 shows it, and mutagen reads it as TDRC
    day = datetime.fromtimestamp(SEED.stat().st_mtime, timezone.utc).date()
    assert str(id3["TDRC"].text[0]) == day.isoformat()
    raw = result.output.read_bytes()[:4096]
    assert b"TYER" in raw and b"TDAT" in raw and b"TDRC" not in raw
    tag = eyed3.load(str(result.output)).tag
    assert tag.version == (2, 3, 0)
    best = tag.getBestDate()
    assert (best.year, best.month, best.day) == (day.year, day.month, day.day)


def test_chapter_starts_at_speech_onsets(seed_render, seed_audio):
    """Each chapter (after the intro at 0) starts within 50 ms of speech in the decoded audio."""
    result, _, _ = seed_render
    for chapter in result.timeline.chapters[1:]:
        onset = speech_onset_ms(seed_audio, chapter.start_ms)
        assert abs(onset - chapter.start_ms) <= 50, (chapter.title, chapter.start_ms, onset)


def test_segment_starts_match_audio(seed_render, seed_audio):
    result, _, _ = seed_render
    segments = result.timeline.segments
    for seg in segments[:: max(1, len(segments) // 12)]:
        onset = speech_onset_ms(seed_audio, seg.start_ms)
        assert abs(onset - seg.start_ms) <= 50, (seg.speaker, seg.start_ms, onset)


def test_duration_is_sum_of_units(seed_render, seed_audio):
    result, _, base = seed_render
    cache = Cache(base / "cache")
    episode = cache.load_episode(result.output)
    frames = sum(cache.unit(u["key"])[0].frames for u in episode["units"])
    expected_ms = mp3.ms(mp3.decoded_length(frames), RATE)
    assert result.timeline.duration_ms == expected_ms
    assert abs(len(seed_audio) * 1000 / RATE - expected_ms) <= 1
    assert abs(MP3(str(result.output)).info.length * 1000 - expected_ms) <= 30


def test_two_cold_renders_are_byte_identical(seed_render, tmp_path):
    result, _, _ = seed_render
    again = render(SEED, Options(output=tmp_path / "again.mp3", cache_root=str(tmp_path / "cache")))
    assert again.output.read_bytes() == result.output.read_bytes()


def test_speakers_have_distinct_pitch(seed_render, seed_audio):
    result, _, _ = seed_render
    by_speaker: dict[str, list] = {}
    for seg in result.timeline.segments:
        a, b = int(seg.start_ms * RATE / 1000), int(seg.end_ms * RATE / 1000)
        by_speaker.setdefault(seg.speaker, []).append(seed_audio[a:b])
    pitches = {}
    import numpy as np

    for name, parts in by_speaker.items():
        if name == "Narrator":
            continue
        samples = np.concatenate(parts)[: RATE * 60].astype(np.float64) / 32768
        pitches[name] = median_pitch_hz(samples, RATE)
    assert len(pitches) == 5
    names = sorted(pitches, key=pitches.get)
    for low, high in zip(names, names[1:]):
        semitones = 12 * math.log2(pitches[high] / pitches[low])
        assert semitones >= 1.5, (low, pitches[low], high, pitches[high])


def _ebur128(path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a file, measured by ffmpeg's ebur128 meter."""
    import re

    err = subprocess.run([tools.ffmpeg().path, "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    return (float(re.findall(r"I:\s+(-?[\d.]+) LUFS", err)[-1]),
            float(re.findall(r"Peak:\s+(-?[\d.]+) dBFS", err)[-1]))


def test_loudness_and_true_peak(seed_render):
    result, _, _ = seed_render
    integrated, true_peak = _ebur128(result.output)
    assert abs(integrated - (-16.0)) <= 1.0, integrated
    assert true_peak <= -1.0, true_peak


def test_speakers_are_level_matched(seed_render, seed_audio):
    import numpy as np
    import pyloudnorm

    result, _, _ = seed_render
    meter = pyloudnorm.Meter(RATE)
    parts: dict[str, list] = {}
    for seg in result.timeline.segments:
        a, b = int(seg.start_ms * RATE / 1000), int(seg.end_ms * RATE / 1000)
        parts.setdefault(seg.speaker, []).append(seed_audio[a:b])
    levels = {name: meter.integrated_loudness(np.concatenate(p).astype(np.float64) / 32768)
              for name, p in parts.items()}
    assert len(levels) == 6  # five speakers and the narrator
    assert max(levels.values()) - min(levels.values()) <= 1.0, levels


def test_jingles_are_converted_and_joined(tmp_path):
    """A stereo 48 kHz MP3 jingle before the intro and after the outro, from the config."""
    from conftest import SAMPLE
    from pipeline.config import load_config

    jingle = tmp_path / "jingle.mp3"
    subprocess.run([tools.ffmpeg().path, "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=660:duration=1.5:sample_rate=48000", "-ac", "2", "-b:a", "128k", str(jingle)],
                   check=True)
    (tmp_path / "episode.yaml").write_text("intro: {audio: jingle.mp3}\noutro: {audio: jingle.mp3}\n")
    config = load_config(tmp_path / "episode.yaml")
    plain = render(SAMPLE, Options(output=tmp_path / "plain.mp3", cache_root=str(tmp_path / "cache")))
    result = render(SAMPLE, Options(output=tmp_path / "j.mp3", cache_root=str(tmp_path / "cache"), config=config))
    # two 1.5 s jingles, a pause after the first, and up to a few frames of encoder padding each
    assert abs(result.timeline.duration_ms - plain.timeline.duration_ms - (3000 + 450)) < 150
    audio = decode(result.output)
    # the intro's speech now starts after the 1.5 s jingle and a pause, and the tone is before it
    first_speech = result.timeline.segments[0].start_ms
    assert first_speech >= 1500 + 400
    assert abs(speech_onset_ms(audio, first_speech) - first_speech) <= 50
    assert abs(audio[: RATE]).max() > 3000
    assert result.timeline.chapters[0].start_ms == 0
    proc = subprocess.run([tools.ffmpeg().path, "-v", "error", "-i", str(result.output), "-f", "null", "-"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == ""
