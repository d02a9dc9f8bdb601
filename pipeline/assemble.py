"""Assemble: encode each unit to MP3 (in parallel), then join the units at frame level.

Each unit is encoded once, on its own, as bare MPEG-1 Layer III frames (no ID3 tag, no
Xing frame) and cached. The episode is the frame-level join of the units through ffmpeg's
concat demuxer with ``-c copy`` (which writes the Info frame players need for duration and
seeking), so an edit re-encodes only the units it touches. Timings come from frame counts
(see ``mp3.py``), never from PCM lengths. The whole episode is never held in memory.
"""

from __future__ import annotations

import hashlib
import wave
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import loudness, mp3
from .cache import Cache, UnitAudio
from .config import AudioSettings
from .errors import EngineError, InputError
from .fsutil import atomic_path, temp_path
from .plan import Unit
from .tools import run_ffmpeg

SPEECH_THRESHOLD = 328  # |sample| above 1% of full scale counts as sound
BITEXACT = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]


def encoder_identity() -> dict:
    """What, besides the settings, decides the encoded bytes: the encoder build."""
    from .tools import ffmpeg

    return {"ffmpeg": ffmpeg().version}


def convert_jingle(unit: Unit, target: Path) -> None:
    """Decode an intro/outro audio file into a mono WAV for encoding like any unit."""
    if not unit.audio_file or not Path(unit.audio_file).is_file():
        raise InputError(f"{unit.audio_file}: audio file not found")
    with atomic_path(target, suffix=".wav") as tmp:
        try:
            run_ffmpeg(["-y", "-i", unit.audio_file, "-vn", "-ac", "1", "-ar", "22050", "-c:a", "pcm_s16le",
                        *BITEXACT, "-f", "wav", str(tmp)], what=unit.audio_file)
        except EngineError as exc:
            raise InputError(f"{unit.audio_file}: not a readable audio file ({exc})") from None


def speech_bounds(samples: np.ndarray, threshold: float = SPEECH_THRESHOLD) -> tuple[int, int]:
    """(first, last) sample louder than ``threshold``; (0, 0) if there is none."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return (int(loud[0]), int(loud[-1])) if len(loud) else (0, 0)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV as float samples in [-1, 1], and its rate."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise EngineError(f"{path}: expected 16-bit mono audio")
            return loudness.pcm_to_float(w.readframes(w.getnframes())), w.getframerate()
    except (wave.Error, EOFError) as exc:
        raise EngineError(f"{path}: unreadable WAV ({exc})") from None


def process_unit(unit: Unit, wav_path: Path, audio: AudioSettings) -> bytes:
    """The unit's final PCM (16-bit mono at the output rate): leveled, limited, with its pause.

    ffmpeg applies the first gain, adds the pause, resamples and limits peaks; the make-up
    gain after the limiter is applied here, where the limited audio can be measured.
    """
    raw, in_rate = read_wav(wav_path)
    target = audio.loudness
    chain = []
    if target is not None:
        first_gain = loudness.gain_to(target + loudness.OVERSHOOT_DB, loudness.integrated_lufs(raw, in_rate))
        chain.append(f"volume={first_gain:.2f}dB")
    chain += [f"apad=pad_dur={unit.pause_ms / 1000:.3f}", f"aresample={audio.sample_rate}"]
    if target is not None:
        ceiling = 10 ** ((audio.true_peak - loudness.LIMITER_HEADROOM_DB) / 20)
        chain.append(f"alimiter=limit={ceiling:.4f}:level=disabled:latency=1")
    pcm = run_ffmpeg(["-i", str(wav_path), "-af", ",".join(chain), "-ac", "1", "-c:a", "pcm_s16le",
                      *BITEXACT, "-f", "s16le", "-"], what=f"unit {unit.ident}")
    if target is None:
        return pcm
    samples = loudness.pcm_to_float(pcm)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    makeup = loudness.makeup_gain(target, loudness.integrated_lufs(samples, audio.sample_rate), peak,
                                  audio.true_peak - loudness.LIMITER_HEADROOM_DB / 2)
    return loudness.float_to_pcm(samples * 10 ** (makeup / 20)) if makeup else pcm


def encode_unit(unit: Unit, wav_path: Path, audio: AudioSettings, cache: Cache) -> UnitAudio:
    """Process and encode one unit (+ its trailing pause) into a cached MP3 unit."""
    pcm = process_unit(unit, wav_path, audio)
    first, last = speech_bounds(np.frombuffer(pcm, dtype="<i2").astype(np.int32))
    with temp_path(cache.mp3_path(unit.key), suffix=".mp3") as tmp:
        run_ffmpeg(
            ["-y", "-f", "s16le", "-ar", str(audio.sample_rate), "-ac", "1", "-i", "-",
             "-ac", str(audio.channels), "-c:a", "libmp3lame", "-b:a", f"{audio.bitrate}k",
             "-compression_level", str(audio.quality),
             "-write_xing", "0", "-id3v2_version", "0", *BITEXACT, "-f", "mp3", str(tmp)],
            what=f"unit {unit.ident}", stdin=pcm,
        )
        data = tmp.read_bytes()
        try:
            frames = mp3.count_frames(data)
        except mp3.FrameError as exc:
            raise EngineError(f"encoder output for unit {unit.ident} is not clean MP3: {exc}") from None
        entry = UnitAudio(frames=frames, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          onset=first, end=last)
        cache.store_unit(unit.key, tmp, entry)
    return entry


def run_parallel(items: Sequence, work: Callable, workers: int, on_done: Callable | None = None) -> list:
    """Run ``work(item)`` on a thread pool (the work is in child processes); results in order.

    The first failure cancels what has not started and is re-raised; so is Ctrl-C.
    """
    if not items:
        return []
    results: list = [None] * len(items)
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        futures = {pool.submit(work, item): i for i, item in enumerate(items)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
            for f in done:
                results[futures[f]] = f.result()
                if on_done:
                    on_done(items[futures[f]])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def join_units(keys: Sequence[str], cache: Cache, out_path: Path) -> None:
    """Join cached MP3 units at frame level into ``out_path`` (no re-encoding)."""
    with temp_path(cache.dir / "join.txt", suffix=".txt") as listing:
        lines = []
        for key in keys:
            path = str(cache.mp3_path(key)).replace("'", "'\\''")
            lines.append(f"file '{path}'\n")
        listing.write_text("".join(lines), encoding="utf-8")
        run_ffmpeg(["-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
                    *BITEXACT, "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3", str(out_path)],
                   what="joining the episode")
