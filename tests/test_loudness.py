"""Leveling: the meter on known signals, the limiter's guarantee, and level() hitting its target
(with one measurement, unless its estimate of what the limiter costs is too large to trust)."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from pipeline import loudness
from pipeline.loudness import level, limit, measure, sliding_min

RATE = 22050
CEILING = 10 ** ((-1.0 - loudness.LIMITER_HEADROOM_DB) / 20)   # true_peak -1.0


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


def speechlike(seconds: float = 12.0, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """Syllables of voiced harmonics (F0 90-220 Hz) and noise, with pauses: peaky like speech,
    so at -16 LUFS the limiter takes 1-4 LU from it."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * rate))
    at = 0
    while at < len(out) - rate // 2:
        m = int(rng.uniform(0.12, 0.3) * rate)
        t = np.arange(m) / rate
        f0 = rng.uniform(90, 220)
        if rng.random() < 0.25:
            syllable = rng.standard_normal(m) * 0.15
        else:
            syllable = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k for k in range(1, 12))
        out[at:at + m] += syllable * np.sin(np.pi * t / t[-1]) ** 2 * rng.uniform(0.2, 1.0)
        at += m + (int(rng.uniform(0.2, 0.6) * rate) if rng.random() < 0.15 else 0)
    return (out / np.abs(out).max() * 0.7).astype(np.float32)


def reference_limit(x: np.ndarray, ceiling: float, rate: int) -> np.ndarray:
    """limit() as its docstring defines it, sample by sample."""
    size = int(loudness.LOOKAHEAD_S * rate)
    hold = -(-int(loudness.RELEASE_S * rate) // size)
    blocks = -(-len(x) // size)
    need = [min(1.0, ceiling / max(float(np.abs(x[b * size:(b + 1) * size]).max()), 1e-12))
            for b in range(blocks)]
    held = [min(need[max(0, b - hold): b + 2]) for b in range(blocks)]
    previous = [1.0] + held[:-1]
    gain = np.ones(len(x))
    for b in range(blocks):
        k = np.arange(min(size, len(x) - b * size))
        gain[b * size: b * size + len(k)] = previous[b] + (held[b] - previous[b]) * (k + 1) / size
    return x * np.minimum(gain, ceiling / np.maximum(np.abs(x), 1e-12))   # (the first block)


@pytest.fixture
def measures(monkeypatch):
    """The lengths of the units level() measures (pyebur128), one per call."""
    calls: list[int] = []

    def counted(samples, rate):
        calls.append(len(samples))
        return measure(samples, rate)

    monkeypatch.setattr(loudness, "measure", counted)
    return calls


@pytest.mark.parametrize("rate, n, dtype", [(22050, 22050 * 3 + 17, np.float32), (44100, 44100 * 2, np.float64),
                                            (8000, 8000 * 2 + 39, np.float32)])
def test_limiter_follows_its_definition_and_stays_under_the_ceiling(rate, n, dtype):
    x = speechlike(n / rate, rate, seed=n).astype(dtype) * dtype(2.5)      # peaks at 1.75
    x[: int(0.003 * rate)] = dtype(-0.9)              # a peak in the first block: no glide into it
    y = limit(x, CEILING, rate)
    assert y.dtype == dtype and len(y) == n
    assert np.abs(y).max() <= CEILING                                   # strictly, no rounding over
    assert np.allclose(y, reference_limit(x.astype(np.float64), CEILING, rate), rtol=0, atol=1e-6)


def test_level_without_limiting_is_one_measurement_and_exactly_the_gain(measures):
    x = speechlike(seed=1)
    before = measure(x, RATE)
    y = level(x, RATE, target=-23.0, true_peak=-1.0)          # peaks stay well under the ceiling
    assert measures == [len(x)]
    assert np.array_equal(y, x * np.float32(10 ** ((-23.0 - before) / 20)))
    assert measure(y, RATE) == pytest.approx(-23.0, abs=0.01)


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_level_with_limiting_is_one_measurement_and_on_target(seed, measures):
    x = speechlike(seed=seed)
    gain = -16.0 - measure(x, RATE)
    assert np.abs(limit(x * np.float32(10 ** (gain / 20)), CEILING, RATE)).max() < np.abs(x).max() * 10 ** (gain / 20)
    y = level(x, RATE, target=-16.0, true_peak=-1.0)
    assert measures == [len(x)]
    assert np.abs(y).max() <= CEILING
    assert measure(y, RATE) == pytest.approx(-16.0, abs=0.15)
    independent = pyloudnorm.Meter(RATE).integrated_loudness(y.astype(np.float64))
    assert independent == pytest.approx(-16.0, abs=0.3)
    assert np.array_equal(level(x, RATE, target=-16.0, true_peak=-1.0), y)     # deterministic


@pytest.mark.parametrize("extra", [-30.0, 0.0, 2.0, 4.0])
def test_the_estimate_of_limited_loudness_follows_the_meter(extra):
    x = speechlike(seed=2) + np.float32(0.01)                    # with a DC offset, as TTS has
    before = measure(x, RATE)
    gain = -16.0 - before + extra
    estimate = loudness._LimitedLoudness(x, RATE, loudness._block_peaks(x, int(loudness.LOOKAHEAD_S * RATE)),
                                         CEILING)
    limited = limit(x * np.float32(10 ** (gain / 20)), CEILING, RATE)
    louder, _ = estimate(gain)
    assert louder == pytest.approx(measure(limited, RATE) - before, abs=0.1)
    if extra == -30.0:                                          # nothing limited: exactly the gain
        assert louder == pytest.approx(gain, abs=1e-9)


def test_a_large_estimated_loss_is_checked_by_measuring(monkeypatch, measures):
    # every loss is "large", and the estimate made to put the limiter's cost 1 LU too high: the
    # measurements must catch that and bring the unit onto the target anyway
    monkeypatch.setattr(loudness, "TRUSTED_LOSS", 0.0)
    estimated = loudness._LimitedLoudness.__call__

    def pessimistic(self, gain):
        louder, slope = estimated(self, gain)
        return louder - 1.0, slope

    monkeypatch.setattr(loudness._LimitedLoudness, "__call__", pessimistic)
    x = speechlike(seed=5)
    y = level(x, RATE, target=-16.0, true_peak=-1.0)
    assert len(measures) >= 2
    assert np.abs(y).max() <= CEILING
    assert measure(y, RATE) == pytest.approx(-16.0, abs=loudness.CHECK_TOLERANCE + 0.01)


def test_too_short_or_silent_units_are_only_limited():
    short = tone(3.0, seconds=0.2)                              # peaks at 1.41: over the ceiling
    y = level(short, RATE, target=-16.0, true_peak=-1.0)
    assert np.abs(y).max() <= CEILING
    assert np.array_equal(y, limit(short, CEILING, RATE))
    silent = np.zeros(RATE * 2, dtype=np.float32)
    assert np.array_equal(level(silent, RATE, target=-16.0, true_peak=-1.0), silent)
