"""Loudness: level every unit to one target, with a peak limiter, before it is encoded.

Each unit is measured on its own (ITU-R BS.1770 integrated loudness with libebur128, through
pyebur128 — it imports in milliseconds, where scipy-based meters take most of a second, which
would dominate a one-paragraph re-render) and brought to the target, so a unit's gain depends
on nothing but the unit: an edit re-levels only the units it touches, every speaker ends up at
the same level, and the episode's integrated loudness (pauses are gated out) is the target too.

Peaks are held under the ceiling by a look-ahead limiter (``limit()``) whose gain glides
down before a peak and recovers after it, so no sample can pass the ceiling and the gain
never jumps. Limiting costs loudness, so the unit is measured
again after limiting and the gain corrected until it is on target (``level()``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MIN_SECONDS = 0.45          # BS.1770 needs at least one 400 ms block
LIMITER_HEADROOM_DB = 1.5   # samples are limited this far below the true-peak ceiling (resampling
                            # and encoding add inter-sample overs of up to about 1 dB)
LOOKAHEAD_S = 0.005         # the limiter starts pulling this long before a peak
RELEASE_S = 0.050           # and holds for this long after it
MAX_BOOST_DB = 24.0
LEVEL_PASSES = 6            # corrections after limiting (each: limit and measure again)
LEVEL_TOLERANCE = 0.3       # LU
LIMITED_SLOPE = 0.4         # LU gained per dB of gain once the limiter works (first guess)


def measure(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness (LUFS) of mono samples (int16, or float in [-1, 1]); None when too
    short or silent to measure."""
    import numpy as np
    import pyebur128

    if len(samples) < MIN_SECONDS * rate:
        return None
    state = pyebur128.R128State(1, rate, pyebur128.MeasurementMode.MODE_I)
    if samples.dtype not in (np.int16, np.float32, np.float64):
        samples = samples.astype(np.float64)
    state.add_frames(np.ascontiguousarray(samples), len(samples))
    value = float(pyebur128.get_loudness_global(state))
    return value if math.isfinite(value) else None


def sliding_min(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[i] = min(values[i - before : i + after + 1]) (edges padded with 1), in O(n)
    (van Herk / Gil-Werman: running minima within blocks, forwards and backwards)."""
    import numpy as np

    width = before + after + 1
    n = len(values)
    blocks = -(-(n + width - 1) // width)
    padded = np.ones(blocks * width + width, dtype=values.dtype)
    padded[before:before + n] = values
    grid = padded[: blocks * width].reshape(blocks, width)
    forward = np.minimum.accumulate(grid, axis=1).ravel()
    backward = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    forward = np.concatenate([forward, np.ones(width, dtype=values.dtype)])
    return np.minimum(backward[:n], forward[width - 1: width - 1 + n])


def limit(samples: np.ndarray, ceiling: float, rate: int) -> np.ndarray:
    """``samples`` (float, [-1, 1]) with every sample at most ``ceiling`` in magnitude.

    Works in blocks of ``LOOKAHEAD_S``: a block's gain is the least any sample needs from the
    block before it to ``RELEASE_S`` after it, and within a block the gain glides linearly from
    the previous block's gain to its own (a moving average over one block). Both ends of the
    glide are at most what the block's samples need, so no sample passes the ceiling.
    """
    import numpy as np

    n = len(samples)
    size = max(1, int(LOOKAHEAD_S * rate))
    blocks = -(-n // size)
    need = np.ones(blocks * size, dtype=samples.dtype)
    need[:n] = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-12))
    if n == 0 or need.min() >= 1.0:
        return samples
    block_need = need.reshape(blocks, size).min(axis=1)
    held = sliding_min(block_need, before=-(-int(RELEASE_S * rate) // size), after=1)
    previous = np.concatenate([[1.0], held[:-1]]).astype(samples.dtype)
    ramp = (np.arange(size, dtype=samples.dtype) + 1) / size
    grid = need.reshape(blocks, size)
    np.minimum(grid, previous[:, None] + (held - previous)[:, None] * ramp, out=grid)  # the gain, in place
    return samples * need[:n]


def level(samples: np.ndarray, rate: int, target: float, true_peak: float) -> np.ndarray:
    """``samples`` (float32 in [-1, 1]) brought to ``target`` LUFS with peaks under the ceiling.

    The loudness after limiting grows more slowly than the gain, so the gain is found by the
    secant method: at most ``LEVEL_PASSES`` limit-and-measure rounds, typically two.
    """
    ceiling = 10 ** ((true_peak - LIMITER_HEADROOM_DB) / 20)
    measured = measure(samples, rate)
    if measured is None:
        return limit(samples, ceiling, rate)
    tried: list[tuple[float, float]] = []
    gain = _clamp(target - measured)
    out = limit(samples * 10 ** (gain / 20), ceiling, rate)
    for _ in range(LEVEL_PASSES):
        after = measure(out, rate)
        if after is None or abs(target - after) <= LEVEL_TOLERANCE:
            break
        tried.append((gain, after))
        slope = LIMITED_SLOPE
        if len(tried) > 1:
            (g0, l0), (g1, l1) = tried[-2:]
            slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 1.0
        gain = _clamp(gain + (target - after) / min(1.0, max(0.2, slope)))
        out = limit(samples * 10 ** (gain / 20), ceiling, rate)
    return out


def _clamp(gain: float) -> float:
    return max(-MAX_BOOST_DB, min(MAX_BOOST_DB, gain))
