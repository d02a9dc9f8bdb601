"""Loudness: per-unit gains that bring every unit, and so the episode, to one target.

Each unit is measured on its own (ITU-R BS.1770 integrated loudness, with pyloudnorm) and
brought to the target, so the gain of a unit depends on nothing but the unit: an edit
re-encodes only the units it touches, and every speaker ends up at the same level. The
episode's integrated loudness (pauses are gated out) is then the target too. A limiter
in the encoder chain keeps peaks under the true-peak ceiling. Limiting costs loudness, so
the first gain aims ``OVERSHOOT_DB`` above the target, and a second gain after the limiter,
measured on the limited audio, brings the unit back to the target exactly (a cut, which
cannot cross the ceiling; a boost is capped below it).
"""

from __future__ import annotations

import math

import numpy as np

MIN_SECONDS = 0.45          # BS.1770 needs at least one 400 ms block
LIMITER_HEADROOM_DB = 1.0   # the limiter works this far below the true-peak ceiling
MAX_BOOST_DB = 24.0
OVERSHOOT_DB = 2.0          # what the limiter typically takes from eSpeak's peaky speech, and then some


def integrated_lufs(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness of mono float samples in [-1, 1]; None when too short or silent."""
    if len(samples) < MIN_SECONDS * rate:
        return None
    import pyloudnorm

    value = pyloudnorm.Meter(rate).integrated_loudness(samples)
    return value if math.isfinite(value) else None


def gain_to(target: float, measured: float | None) -> float:
    """dB to apply to reach ``target`` (0 when unmeasurable), within sane bounds."""
    if measured is None:
        return 0.0
    return max(-MAX_BOOST_DB, min(MAX_BOOST_DB, target - measured))


def makeup_gain(target: float, measured: float | None, peak: float, ceiling_db: float) -> float:
    """The make-up gain after limiting, capped so the sample peak stays 0.5 dB under the ceiling."""
    wanted = gain_to(target, measured)
    if peak <= 0:
        return wanted
    room = ceiling_db - 0.5 - 20 * math.log10(peak)
    return min(wanted, max(0.0, room))


def pcm_to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def float_to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()
