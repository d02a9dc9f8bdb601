"""Frame arithmetic on real encoder output: counting, corruption, and where joined units land."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from pipeline import mp3, tools


def encode_tone(path, start_s: float, seconds: float = 1.0) -> int:
    """A unit: silence then a 1 kHz tone from ``start_s``; returns the tone's first sample (44.1 kHz)."""
    subprocess.run([tools.ffmpeg().path, "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=1000:duration={seconds}:sample_rate=44100", "-af",
                    f"adelay={int(start_s * 1000)}", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k",
                    "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", str(path)], check=True)
    return int(start_s * 44100)


def test_count_frames_and_detect_damage(tmp_path):
    encode_tone(tmp_path / "a.mp3", 0.2)
    data = (tmp_path / "a.mp3").read_bytes()
    frames = mp3.count_frames(data)
    assert frames > 30
    with pytest.raises(mp3.FrameError):
        mp3.count_frames(data[:-10])
    with pytest.raises(mp3.FrameError):
        mp3.count_frames(b"ID3" + data)


def test_joined_units_land_where_the_frame_counts_say(tmp_path):
    starts, units = [], []
    for i, delay in enumerate((0.3, 0.55, 0.8)):
        starts.append(encode_tone(tmp_path / f"u{i}.mp3", delay, seconds=1.0 + i * 0.1))
        units.append((tmp_path / f"u{i}.mp3").read_bytes())
    spans = [(mp3.count_frames(u), len(u)) for u in units]
    info = mp3.info_frame(units[0][:4], sum(f for f, _ in spans), sum(b for _, b in spans), spans)
    joined = tmp_path / "joined.mp3"
    joined.write_bytes(info + b"".join(units))
    raw = subprocess.run([tools.ffmpeg().path, "-v", "error", "-i", str(joined), "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True).stdout
    x = np.frombuffer(raw, dtype="<i2")
    assert len(x) == mp3.decoded_length(sum(f for f, _ in spans))
    frames_before = 0
    for (frames, _), tone_start in zip(spans, starts):
        expected = mp3.unit_start_sample(frames_before) + tone_start
        window = x[expected - 2000: expected + 2000]
        onset = expected - 2000 + int(np.flatnonzero(np.abs(window.astype(np.int32)) > 2000)[0])
        assert abs(onset - expected) <= 8, (onset, expected)  # the sine needs a few samples to cross 2000
        frames_before += frames
