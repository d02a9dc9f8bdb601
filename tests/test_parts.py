"""A long unit is encoded in parts on several threads: cut in pauses, joined without adding
silence, its speech placed by the parts' frame counts (checked by decoding with ffmpeg)."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from pipeline import assemble, mp3, tools
from pipeline.cache import Cache
from pipeline.config import AudioSettings
from pipeline.plan import Unit

RATE = 22050


def bursts(seconds: float = 31.0, seed: int = 7) -> tuple[np.ndarray, list[int]]:
    """Tone bursts (0.4-2.5 s) separated by silences of 130-400 ms, as float samples at the
    engine's rate; also the first sample of every burst."""
    rng = np.random.default_rng(seed)
    out, starts, pos = [], [], 0
    out.append(np.zeros(int(0.05 * RATE), np.float32))
    pos += len(out[-1])
    while pos < seconds * RATE:
        n = int(rng.uniform(0.4, 2.5) * RATE)
        t = np.arange(n) / RATE
        starts.append(pos)
        out.append((0.3 * np.sin(2 * np.pi * rng.uniform(200, 900) * t)).astype(np.float32))
        gap = np.zeros(int(rng.uniform(0.13, 0.4) * RATE), np.float32)
        out += [gap]
        pos += n + len(gap)
    return np.concatenate(out), starts


def decode(data: bytes, tmp_path: Path, name: str) -> np.ndarray:
    path = tmp_path / name
    path.write_bytes(data)
    raw = subprocess.run([tools.ffmpeg().path, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, "<i2")


def onsets(samples: np.ndarray, threshold: int = 3000, gap: int = 2000) -> list[int]:
    """First loud sample of each burst (bursts are at least ``gap`` samples apart)."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    return [int(x) for i, x in enumerate(loud) if i == 0 or x - loud[i - 1] > gap]


def test_cuts_fall_in_the_middle_of_pauses_and_depend_on_the_audio_only():
    samples, _ = bursts()
    cuts = assemble.part_cuts(samples, RATE)
    assert len(cuts) == int(len(samples) / RATE // assemble.PART_SECONDS) - 1 == 2
    for cut, room in cuts:
        assert room >= assemble.PAUSE_SECONDS / 2 * RATE - RATE // 100
        assert not samples[cut - room:cut + room].any()          # silence on both sides of the cut
    assert assemble.part_cuts(samples.copy(), RATE) == cuts
    assert assemble.part_cuts(samples[: int(1.9 * assemble.PART_SECONDS * RATE)], RATE) == []   # short: one part
    tone = (0.3 * np.sin(np.arange(25 * RATE) / 7)).astype(np.float32)
    assert assemble.part_cuts(tone, RATE) == []                   # no pause: one part


def test_parts_decode_like_one_stream(tmp_path):
    samples, _ = bursts()
    audio = AudioSettings()
    spans = assemble.part_spans(assemble.part_cuts(samples, RATE), len(samples), RATE, audio)
    assert len(spans) == 3
    parts = assemble.encode_parts(samples, RATE, audio, spans)
    joined = decode(b"".join(parts), tmp_path, "parts.mp3")
    whole = decode(assemble.lame_encode(samples, RATE, audio), tmp_path, "whole.mp3")
    assert abs(len(joined) - len(whole)) <= mp3.SAMPLES_PER_FRAME      # no silence added at the cuts
    a, b = onsets(joined), onsets(whole)
    assert len(a) == len(b) > 15
    assert max(abs(x - y) for x, y in zip(a, b)) <= 3                 # every burst where it was


def test_a_long_unit_places_its_speech_by_the_parts_frame_counts(tmp_path):
    samples, starts = bursts(seed=11)
    wav = tmp_path / "unit.wav"
    pcm = np.round(samples * 32767).astype("<i2")
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    unit = Unit(index=0, ident="turn:0:0:0", kind="turn", speaker="A", text="t", spoken="t", voice=None,
                pause_ms=450, synth_key="s" * 40, key="k" * 40)
    cache = Cache(tmp_path / "cache")
    entry = assemble.encode_unit(unit, wav, AudioSettings(), cache)
    leveled = assemble.leveled(pcm, RATE, unit.pause_ms, AudioSettings())
    assert len(assemble.part_cuts(leveled, RATE)) >= 2                # it was encoded in parts
    data = cache.mp3_path(unit.key).read_bytes()
    assert mp3.count_frames(data) == entry.frames
    decoded = decode(data, tmp_path, "unit.mp3")
    assert len(decoded) == entry.frames * mp3.SAMPLES_PER_FRAME
    loud = np.flatnonzero(np.abs(decoded.astype(np.int32)) > assemble.SPEECH_THRESHOLD)
    assert abs(int(loud[0]) - (mp3.ENCODER_DELAY + entry.onset)) <= 45      # about 1 ms
    assert abs(int(loud[-1]) - (mp3.ENCODER_DELAY + entry.end)) <= 45
    assert abs(entry.onset - 2 * starts[0]) <= 45
