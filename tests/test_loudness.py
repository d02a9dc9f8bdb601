"""Leveling: the meter on known signals, the limiter's guarantee, and level() hitting its target."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from pipeline.loudness import level, limit, measure, sliding_min


def tone(db_fs: float, seconds: float = 2.0, rate: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (10 ** (db_fs / 20) * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)


def test_meter_on_a_1khz_tone():
    # a 1 kHz sine at -20 dBFS peak reads about -23 LUFS on a BS.1770 meter (mono)
    assert measure(tone(-20.0), 22050) == pytest.approx(-23.0, abs=0.3)
    pcm = np.round(tone(-20.0) * 32767).astype(np.int16)
    assert measure(pcm, 22050) == pytest.approx(-23.0, abs=0.3)


def test_too_short_or_silent_is_unmeasured():
    assert measure(tone(-20.0, seconds=0.2), 22050) is None
    assert measure(np.zeros(22050, dtype=np.float32), 22050) is None


@pytest.mark.parametrize("n, before, after", [(10, 2, 1), (1000, 30, 5), (997, 0, 0), (5, 10, 10)])
def test_sliding_min_matches_the_definition(n, before, after):
    values = np.random.default_rng(n).random(n)
    expected = [values[max(0, i - before): i + after + 1].min() for i in range(n)]
    assert np.allclose(sliding_min(values, before, after), expected)


@pytest.mark.parametrize("n", [0, 1, 219, 220, 221, 44100])
def test_limiter_never_passes_the_ceiling(n):
    x = (np.random.default_rng(n).standard_normal(n) * 0.5).astype(np.float32)
    y = limit(x, 0.5, 44100)
    assert len(y) == n and y.dtype == np.float32
    assert n == 0 or np.abs(y).max() <= 0.5 + 1e-6
    quiet = x * 0.1
    assert np.array_equal(limit(quiet, 0.9, 44100), quiet)  # nothing to limit: untouched


def test_level_hits_the_target_by_an_independent_meter():
    rng = np.random.default_rng(1)
    # a peaky signal: quiet noise with loud bursts, like speech the limiter must work on
    x = (rng.standard_normal(22050 * 10) * 0.02).astype(np.float32)
    x[::2205] = 0.9
    y = level(x, 22050, target=-16.0, true_peak=-1.0)
    assert np.abs(y).max() <= 10 ** (-2.5 / 20) + 1e-6
    independent = pyloudnorm.Meter(22050).integrated_loudness(y.astype(np.float64))
    assert independent == pytest.approx(-16.0, abs=0.3)
