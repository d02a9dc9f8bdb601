"""Loudness: per-unit gains that bring every unit, and so the episode, to one target.

Each unit is measured on its own (ITU-R BS.1770 integrated loudness, with libebur128 through
pyebur128 — it imports in milliseconds, where scipy-based meters take most of a second,
which would dominate a one-paragraph re-render) and brought to the target, so the gain of a
unit depends on nothing but the unit: an edit re-encodes only the units it touches, and every
speaker ends up at the same level. The episode's integrated loudness (pauses are gated out)
is then the target too. A limiter in the encoder chain keeps peaks under the true-peak
ceiling; limiting costs loudness, in proportion to how far the gain pushes the unit's peaks
past the limiter, so the gain adds that back (``LIMITER_MAKEUP`` of it, measured on eSpeak
speech) — one ffmpeg run per unit, no second pass.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MIN_SECONDS = 0.45          # BS.1770 needs at least one 400 ms block
LIMITER_HEADROOM_DB = 1.0   # the limiter works this far below the true-peak ceiling
MAX_BOOST_DB = 24.0
LIMITER_MAKEUP = 0.35       # loudness lost per dB of limiting, measured on eSpeak speech


def measure(samples: np.ndarray, rate: int) -> tuple[float | None, float]:
    """(integrated LUFS, or None when too short or silent; sample peak in [0, 1]) of mono
    16-bit samples."""
    import numpy as np
    import pyebur128

    if len(samples) == 0:
        return None, 0.0
    peak = max(int(samples.max()), -int(samples.min())) / 32768
    if len(samples) < MIN_SECONDS * rate:
        return None, peak
    state = pyebur128.R128State(1, rate, pyebur128.MeasurementMode.MODE_I)
    state.add_frames(np.ascontiguousarray(samples, dtype=np.int16), len(samples))
    value = float(pyebur128.get_loudness_global(state))
    return (value if math.isfinite(value) else None), peak


def unit_gain(target: float, level: tuple[float | None, float], ceiling_db: float = -2.0) -> float:
    """dB that bring a unit measured at ``level`` to ``target``, allowing for the limiter."""
    lufs, peak = level
    if lufs is None:
        return 0.0
    gain = target - lufs
    if peak > 0:
        over = 20 * math.log10(peak) + gain - ceiling_db   # how far the limiter will have to pull
        if over > 0:
            gain += LIMITER_MAKEUP * over
    return max(-MAX_BOOST_DB, min(MAX_BOOST_DB, gain))
