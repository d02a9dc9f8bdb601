"""Assemble: encode each unit to MP3 (in parallel), then join the units at frame level.

Each unit is leveled and encoded once, on its own, as bare MPEG-1 Layer III frames (no ID3
tag, no Xing frame) and cached. The episode is an Info frame (for duration and seeking)
followed by the units' frames, so an edit re-encodes only the units it touches. Timings
come from frame counts (see ``mp3.py``), never from PCM lengths. The whole episode is never
held in memory: one unit per worker at a time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import wave
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import loudness, mp3
from .cache import Cache, UnitAudio
from .config import AudioSettings
from .engines import extra_headroom_db
from .errors import EngineError, InputError
from .fsutil import atomic_path, temp_path
from .plan import Unit
from .tools import run_ffmpeg

# numpy (and the audio libraries) are imported where audio is processed, not at start-up:
# a render with nothing to do should not pay for them.
if TYPE_CHECKING:
    import numpy as np

SPEECH_THRESHOLD = 328  # |sample| above 1% of full scale counts as sound
PART_SECONDS = 10.0     # a unit is encoded in parts of about this length, cut in pauses, in parallel
PAUSE_SECONDS = 0.12    # a part boundary is the middle of a pause at least this long (a comma's, in eSpeak)
PAUSE_LEVEL = 10 ** (-50 / 20)   # ... in which no 10 ms block peaks above -50 dBFS
BITEXACT = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]


def encoder_identity() -> dict:
    """What, besides the settings, decides the encoded bytes: the leveling method and the
    libraries that make them."""
    from .dists import version

    return {"leveling": loudness.METHOD, "parts": [PART_SECONDS, PAUSE_SECONDS, PAUSE_LEVEL],
            **{name: version(name) for name in ("lameenc", "soxr", "pyebur128", "numpy")}}


def convert_jingle(unit: Unit, target: Path) -> None:
    """Bring an intro/outro audio file into the engine's format (16-bit mono WAV at 22,050 Hz),
    so it is leveled, encoded and joined like any unit: ffmpeg decodes whatever the file is,
    pydub converts channels, rate and sample width."""
    import warnings

    with warnings.catch_warnings():  # pydub warns at import (no ffmpeg on PATH; audioop)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment

    if not unit.audio_file or not Path(unit.audio_file).is_file():
        raise InputError(f"{unit.audio_file}: audio file not found")
    with temp_path(target, suffix=".wav") as decoded, atomic_path(target, suffix=".wav") as tmp:
        try:
            run_ffmpeg(["-y", "-i", unit.audio_file, "-vn", "-c:a", "pcm_s16le", *BITEXACT, "-f", "wav",
                        str(decoded)], what=unit.audio_file)
        except EngineError as exc:
            raise InputError(f"{unit.audio_file}: not a readable audio file ({exc})") from None
        sound = AudioSegment.from_wav(str(decoded)).set_channels(1).set_frame_rate(22050).set_sample_width(2)
        sound.export(str(tmp), format="wav")


def speech_bounds(samples: np.ndarray, threshold: int = SPEECH_THRESHOLD) -> tuple[int, int]:
    """(first, last) index of a 16-bit sample louder than ``threshold``; (0, 0) if none is."""
    loud = (samples > threshold) | (samples < -threshold)
    if not loud.any():
        return 0, 0
    return int(loud.argmax()), int(len(loud) - 1 - loud[::-1].argmax())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV as an int16 array (no float copies: memory stays a few MB a unit)."""
    import numpy as np

    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise EngineError(f"{path}: expected 16-bit mono audio")
            return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getframerate()
    except (wave.Error, EOFError) as exc:
        raise EngineError(f"{path}: unreadable WAV ({exc})") from None


def leveled(raw: np.ndarray, in_rate: int, pause_ms: int, audio: AudioSettings, headroom_db: float = 0.0
            ) -> np.ndarray:
    """The unit's speech and pause as float32 at the engine's rate, leveled (there are fewer
    samples to work on before resampling); peaks are kept ``headroom_db`` further under the
    ceiling for an engine whose audio gains larger overs in resampling and encoding."""
    import numpy as np

    speech = np.zeros(len(raw) + round(pause_ms * in_rate / 1000), dtype=np.float32)
    speech[: len(raw)] = raw
    speech /= 32768
    if audio.loudness is not None:
        speech = loudness.level(speech, in_rate, audio.loudness, audio.true_peak - headroom_db)
    return speech


def lame_encode(samples: np.ndarray, in_rate: int, audio: AudioSettings) -> bytes:
    """Resample (soxr) and encode (LAME) float samples, a second at a time so memory stays
    small, into bare MPEG-1 Layer III frames (no tag, no Xing frame)."""
    import lameenc
    import numpy as np
    import soxr

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(audio.bitrate)
    encoder.set_in_sample_rate(audio.sample_rate)
    encoder.set_out_sample_rate(audio.sample_rate)
    encoder.set_channels(audio.channels)
    encoder.set_quality(audio.quality)
    stream = soxr.ResampleStream(in_rate, audio.sample_rate, 1, dtype="float32") \
        if in_rate != audio.sample_rate else None
    out = bytearray()
    for start in range(0, max(len(samples), 1), in_rate):
        chunk = samples[start:start + in_rate]
        if stream is not None:
            chunk = stream.resample_chunk(chunk, last=start + in_rate >= len(samples))
        pcm = np.clip(np.rint(chunk * 32768), -32768, 32767).astype(np.int16)
        out += encoder.encode(np.repeat(pcm, audio.channels) if audio.channels > 1 else pcm)
    out += encoder.flush()
    return bytes(out)


def part_cuts(samples: np.ndarray, rate: int) -> list[tuple[int, int]]:
    """Where a leveled unit is cut into parts that are encoded on their own: (sample index of
    the cut, samples of silence after it).

    A unit of N x ``PART_SECONDS`` or more gets N parts, each boundary in the middle of the
    interior pause (``PAUSE_SECONDS`` or longer, quieter than ``PAUSE_LEVEL``) nearest to
    where an even split would cut; fewer when there are fewer pauses. The cuts depend on the
    audio alone, so the unit's bytes do not depend on the machine that encodes it.
    """
    import numpy as np

    count = int(len(samples) / rate // PART_SECONDS)
    block = max(1, rate // 100)
    usable = len(samples) // block * block
    if count < 2 or usable == 0:
        return []
    quiet = np.abs(samples[:usable]).reshape(-1, block).max(axis=1) < PAUSE_LEVEL
    edges = np.flatnonzero(np.diff(np.concatenate(([0], quiet.view(np.int8), [0]))))
    runs = edges.reshape(-1, 2)                       # [start, end) of each quiet run, in blocks
    needed = PAUSE_SECONDS * rate / block
    pauses = {int((a + b) // 2 * block): int((b - (a + b) // 2) * block) for a, b in runs
              if b - a >= needed and a > 0 and b < len(quiet)}    # interior pauses only
    cuts: list[int] = []
    for k in range(1, count):
        ideal = len(samples) * k // count
        after = [c for c in pauses if c > (cuts[-1] if cuts else 0)]
        if after:
            cuts.append(min(after, key=lambda c: abs(c - ideal)))
    return [(cut, pauses[cut]) for cut in sorted(set(cuts))]


def part_spans(cuts: list[tuple[int, int]], length: int, in_rate: int, audio: AudioSettings
               ) -> list[tuple[int, int]]:
    """(start, end) of each part. A part after the first starts a little after its cut: LAME
    primes every stream and pads its last frame, so joining encoded parts would lengthen the
    pause by that much; as much silence is left out instead (the frame count of the part
    before is foreseen from its length; a wrong guess costs a pause a frame, never speech)."""
    scale = audio.sample_rate / in_rate
    spans, start = [], 0
    for cut, room in cuts:
        encoded = round((cut - start) * scale)
        frames = -(-(encoded + mp3.ENCODER_DELAY) // mp3.SAMPLES_PER_FRAME)
        added = frames * mp3.SAMPLES_PER_FRAME - encoded
        spans.append((start, cut))
        start = cut + min(room, round(added / scale))
    return [*spans, (start, length)]


def encode_parts(samples: np.ndarray, in_rate: int, audio: AudioSettings, spans: list[tuple[int, int]]
                 ) -> list[bytes]:
    """``lame_encode`` each part: the first in this thread, the others on threads of their
    own (LAME releases the GIL), so one long unit uses every core."""
    parts = [samples[a:b] for a, b in spans]
    if len(parts) == 1:
        return [lame_encode(parts[0], in_rate, audio)]
    with ThreadPoolExecutor(max_workers=len(parts) - 1) as pool:
        rest = [pool.submit(lame_encode, part, in_rate, audio) for part in parts[1:]]
        return [lame_encode(parts[0], in_rate, audio), *(f.result() for f in rest)]


def encode_unit(unit: Unit, wav_path: Path, audio: AudioSettings, cache: Cache) -> UnitAudio:
    """Level and encode one unit (+ its trailing pause) into a cached MP3 unit.

    Resampling (soxr), leveling (numpy, libebur128) and encoding (LAME) run in this process,
    in C code that releases the GIL, so a thread per core encodes in parallel with no
    process start-up per unit. A long unit is encoded in parts (``part_cuts``, ``part_spans``),
    joined at frame level like units; speech bounds are placed by the parts' frame counts.
    """
    raw, in_rate = read_wav(wav_path)
    first, last = speech_bounds(raw)
    headroom = extra_headroom_db(unit.voice.engine if unit.voice else None)
    samples = leveled(raw, in_rate, unit.pause_ms, audio, headroom)
    spans = part_spans(part_cuts(samples, in_rate), len(samples), in_rate, audio)
    parts = encode_parts(samples, in_rate, audio, spans)
    try:
        counts = [mp3.count_frames(part) for part in parts]
    except mp3.FrameError as exc:
        raise EngineError(f"encoder output for unit {unit.ident} is not clean MP3: {exc}") from None
    data = b"".join(parts)
    scale = audio.sample_rate / in_rate

    def placed(sample: int) -> int:
        """Where an input sample (of speech: never one left out) decodes, counted from the
        unit's first decoded sample."""
        home = max(0, sum(start <= sample for start, _ in spans) - 1)   # the part that holds it
        return (sum(counts[:home]) * mp3.SAMPLES_PER_FRAME + round(sample * scale)
                - round(spans[home][0] * scale))

    entry = UnitAudio(frames=sum(counts), size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                      onset=placed(first), end=placed(last))
    with temp_path(cache.mp3_path(unit.key), suffix=".mp3") as tmp:
        tmp.write_bytes(data)
        cache.store_unit(unit.key, tmp, entry)
    return entry


def _load_audio_libraries() -> None:
    import lameenc  # noqa: F401
    import numpy  # noqa: F401
    import pyebur128  # noqa: F401
    import soxr  # noqa: F401


class EncodePool:
    """Encodes units on a thread pool (leveling, resampling and LAME release the GIL) as their
    WAVs become ready, so encoding overlaps synthesis. Completions are reported by ``drain()`` in
    the calling thread; the first failure is re-raised there. Leaving the ``with`` block
    early (an error, Ctrl-C) cancels what has not started."""

    def __init__(self, audio: AudioSettings, cache: Cache, workers: int,
                 on_done: Callable[[Unit, UnitAudio], None]):
        self.audio, self.cache, self.on_done = audio, cache, on_done
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers))
        self.pending: dict = {}
        self.pool.submit(_load_audio_libraries)  # while the first speech is being synthesized

    def __enter__(self) -> EncodePool:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, unit: Unit) -> None:
        wav = self.cache.wav_path(unit.synth_key)
        self.pending[self.pool.submit(encode_unit, unit, wav, self.audio, self.cache)] = unit

    def drain(self, block: bool = False) -> None:
        """Report finished encodes; with ``block``, wait until all are finished."""
        while self.pending:
            done, _ = wait(self.pending, timeout=None if block else 0, return_when=FIRST_EXCEPTION)
            if not done:
                return
            for future in done:
                unit = self.pending.pop(future)
                self.on_done(unit, future.result())


def join_units(keys: Sequence[str], entries: Sequence[UnitAudio], cache: Cache, out_path: Path) -> None:
    """Append the cached MP3 units to ``out_path`` (which may already hold an ID3 tag), behind a
    Xing Info frame: a frame-level join, no re-encoding, streamed so memory stays flat."""
    with open(cache.mp3_path(keys[0]), "rb") as first:
        first_header = first.read(4)
    spans = [(e.frames, e.size) for e in entries]
    info = mp3.info_frame(first_header, sum(f for f, _ in spans), sum(b for _, b in spans), spans)
    fd = os.open(out_path, os.O_RDWR | os.O_CREAT, 0o666)   # not "ab": copy_file_range refuses O_APPEND
    with open(fd, "r+b") as out:
        out.seek(0, os.SEEK_END)
        out.write(info)
        out.flush()
        try:   # the blocks at once: fewer extents, and no delayed allocation to settle when it replaces the old file
            os.posix_fallocate(fd, 0, out.tell() + sum(b for _, b in spans))
        except (AttributeError, OSError):
            pass
        for key in keys:
            with open(cache.mp3_path(key), "rb") as unit:
                _append(unit, out)


def _append(src, dst) -> None:
    """Append all of ``src`` to ``dst`` (both unbuffered or flushed): in the kernel with
    ``copy_file_range`` where it can, else through a buffer."""
    size = os.fstat(src.fileno()).st_size
    done = 0
    try:
        while done < size:
            n = os.copy_file_range(src.fileno(), dst.fileno(), size - done)
            if n == 0:
                break
            done += n
    except (AttributeError, OSError):
        pass                      # no copy_file_range here (or not across these file systems)
    if done < size:
        src.seek(done)
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
