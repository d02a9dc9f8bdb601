"""Median pitch of speech: how far apart two voices sound (numpy only).

Used to spread a cast over voices by measured pitch, and by tests to check that speakers sound
different.
"""

from __future__ import annotations

import numpy as np


def median_pitch_hz(samples: np.ndarray, rate: int, fmin: float = 50.0,
                    fmax: float = 500.0) -> float:
    """Median fundamental frequency of the voiced parts of ``samples``, in Hz.

    Frame-wise normalized autocorrelation (40 ms frames, 10 ms hop); a frame counts as
    voiced when it is loud enough and its best autocorrelation peak in the ``fmin``-``fmax``
    range is strong.  Returns ``nan`` when no frame is voiced.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("expected mono samples")
    frame = int(0.040 * rate)
    hop = int(0.010 * rate)
    lag_min = max(1, int(rate / fmax))
    lag_max = min(frame - 1, int(rate / fmin))
    if len(x) < frame or lag_min >= lag_max:
        return float("nan")
    starts = np.arange(0, len(x) - frame + 1, hop)
    frames = np.stack([x[s:s + frame] for s in starts])
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = np.sqrt((frames ** 2).mean(axis=1))
    loud = energy > 0.1 * np.percentile(energy, 95)
    window = np.hanning(frame)
    w_spec = np.fft.rfft(window, 2 * frame)
    w_ac = np.fft.irfft(w_spec * np.conj(w_spec))[:frame]
    w_ac = w_ac / w_ac[0]  # the window's own autocorrelation, divided out (Boersma 1993)
    pitches = []
    for f in frames[loud] * window:
        spectrum = np.fft.rfft(f, 2 * frame)
        ac = np.fft.irfft(spectrum * np.conj(spectrum))[:frame]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0] / np.maximum(w_ac, 1e-3)
        region = ac[lag_min:lag_max + 1]
        lag = int(np.argmax(region)) + lag_min
        if ac[lag] < 0.5:
            continue
        # parabolic interpolation around the peak for sub-sample precision
        if lag_min < lag < lag_max:
            a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
            denom = a - 2 * b + c
            shift = 0.5 * (a - c) / denom if denom else 0.0
        else:
            shift = 0.0
        pitches.append(rate / (lag + shift))
    return float(np.median(pitches)) if pitches else float("nan")


def semitones(f1: float, f2: float) -> float:
    """How many semitones ``f2`` is above ``f1``."""
    return float(12 * np.log2(f2 / f1))
