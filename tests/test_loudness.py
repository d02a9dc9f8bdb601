"""Per-unit gain arithmetic, and the meter on known signals."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.loudness import LIMITER_MAKEUP, measure, unit_gain


def tone(db_fs: float, seconds: float = 2.0, rate: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return np.round(32767 * 10 ** (db_fs / 20) * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)


def test_meter_on_a_1khz_tone():
    # a full-scale 1 kHz sine reads about -3 LUFS on a BS.1770 meter (mono)
    lufs, peak = measure(tone(-20.0), 22050)
    assert lufs == pytest.approx(-23.0, abs=0.3)
    assert peak == pytest.approx(0.1, abs=0.001)


def test_too_short_or_silent_is_unmeasured():
    assert measure(tone(-20.0, seconds=0.2), 22050)[0] is None
    assert measure(np.zeros(22050, dtype=np.int16), 22050)[0] is None
    assert unit_gain(-16.0, (None, 0.5)) == 0.0


def test_gain_without_limiting_is_exact():
    assert unit_gain(-16.0, (-20.0, 0.1), ceiling_db=-2.0) == pytest.approx(4.0)  # peak -20 + 4 < -2


def test_gain_adds_back_what_the_limiter_takes():
    # peak at -1 dBFS, +4 dB would put it at +3 dBFS: 5 dB over a -2 dB limiter
    assert unit_gain(-16.0, (-20.0, 10 ** (-1 / 20)), ceiling_db=-2.0) == pytest.approx(4.0 + 5 * LIMITER_MAKEUP)
