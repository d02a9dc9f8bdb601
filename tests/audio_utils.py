"""Small audio measurements for tests (numpy only)."""

from __future__ import annotations

import wave

import numpy as np

from pipeline.pitch import median_pitch_hz  # noqa: F401  (tests import it from here)


def read_wav(path) -> tuple[np.ndarray, int]:
    """Samples of a 16-bit mono WAV as float64 in [-1, 1), and its sample rate."""
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2), "expected 16-bit mono"
        rate = w.getframerate()
        data = w.readframes(w.getnframes())
    return np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0, rate


def duration_s(path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()
