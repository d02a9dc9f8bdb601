"""Loudness: level every unit to one target, with a peak limiter, before it is encoded.

Each unit is measured on its own (ITU-R BS.1770 integrated loudness with libebur128, through
pyebur128 — it imports in milliseconds, where scipy-based meters take most of a second, which
would dominate a one-paragraph re-render) and brought to the target, so a unit's gain depends
on nothing but the unit: an edit re-levels only the units it touches, every speaker ends up at
the same level, and the episode's integrated loudness (pauses are gated out) is the target too.

Peaks are held under the ceiling by a look-ahead limiter (``limit()``) whose gain glides
down before a peak and recovers after it, so no sample can pass the ceiling and the gain
never jumps. Its gains are worked out per 5 ms block from the blocks' peaks, and only the
blocks it turns down are touched.

``level()`` measures a unit once. Integrated loudness scales with gain (BS.1770's absolute
gate aside, and speech is far above it), so when the limiter has nothing to do at the gain
that brings the measured loudness to the target, that gain is exact and nothing more is done.
When the limiter engages it costs loudness, and that cost is estimated instead of measured
again (``_LimitedLoudness``): the unit is K-weighted once, approximately (a 5-tap FIR fit to
the K-weighting curve for the rate, ``_k_fir()``, after taking out the DC offset, as the
curve's high-pass would), and its weighted energy summed over the pieces that the limiter's
blocks and BS.1770's 100 ms segments cut it into. For a given gain, the limiter's block gains
say how much of each piece's energy is left (the gain is taken as constant over the weighting
filter's short memory, and a piece's energy as spread evenly along the limiter's glide), and
BS.1770's gating over the segments turns that into LU. The gain is solved on the estimate
(Newton steps, each on arrays of blocks rather than samples), then the unit is limited once.
On speech (a whole episode's units) and synthetic music at 22,050 Hz, the engine's rate, the
estimate came within about 0.1 LU of a real measurement (the short FIR fits the curve less
closely at other rates: about 0.2 LU at 8 kHz). When the estimated cost passes
``TRUSTED_LOSS``, the limited unit is measured after all and the gain corrected on
measurements.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

METHOD = 2                  # the leveling method's version, part of every MP3 unit's key: a unit
                            # leveled another way is encoded again, not mixed with new ones
MIN_SECONDS = 0.45          # BS.1770 needs at least one 400 ms block
LIMITER_HEADROOM_DB = 1.5   # samples are limited this far below the true-peak ceiling (resampling
                            # and encoding add inter-sample overs of up to about 1 dB)
LOOKAHEAD_S = 0.005         # the limiter starts pulling this long before a peak
RELEASE_S = 0.050           # and holds for this long after it
MAX_BOOST_DB = 24.0
SOLVE_TOLERANCE = 0.02      # LU: how closely the gain is solved on the loss estimate
SOLVE_STEPS = 20
TRUSTED_LOSS = 6.0          # LU: a larger estimated limiting loss is checked by measuring
CHECK_TOLERANCE = 0.1       # LU: a checked unit further off than this is corrected
CHECK_PASSES = 6            # at most this many measured corrections
K_FIR_TAPS = 5              # the FIR standing in for the K-weighting (see _k_fir())
DC_STRIDE = 16              # the DC offset is estimated from every 16th sample
ABSOLUTE_GATE = -70.0       # LUFS  (BS.1770's gates)
RELATIVE_GATE = -10.0       # LU


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
    """``samples`` (float, [-1, 1]) with every sample at most ``ceiling`` in magnitude
    (``samples`` itself when none is above it).

    Works in blocks of ``LOOKAHEAD_S``: a block's gain is the least any sample needs from the
    block before it to ``RELEASE_S`` after it, and within a block the gain glides linearly from
    the previous block's gain to its own (a moving average over one block). Both ends of the
    glide are at most what the block's samples need (but in the first block, which glides from
    1), and the blocks turned down are clipped at the ceiling too, so no sample passes it.
    """
    size = _block_size(rate)
    if len(samples) == 0:
        return samples
    previous, held = _glide(_block_peaks(samples, size), ceiling, rate)
    if min(previous.min(), held.min()) >= 1.0:
        return samples
    out = samples.copy()
    _apply(out, previous, held, ceiling, size)
    return out


def level(samples: np.ndarray, rate: int, target: float, true_peak: float) -> np.ndarray:
    """``samples`` (float32 in [-1, 1]) brought to ``target`` LUFS with peaks under the ceiling.

    One measurement; when the limiter engages, the gain that makes up for what it takes is
    solved on an estimate of that loss (see the module docstring), and checked by measuring
    only when the loss is large.
    """
    ceiling = 10 ** ((true_peak - LIMITER_HEADROOM_DB) / 20)
    measured = measure(samples, rate)
    if measured is None:
        return limit(samples, ceiling, rate)
    size = _block_size(rate)
    peaks = _block_peaks(samples, size)
    one = samples.dtype.type
    gain = _clamp(target - measured)
    scale = one(10 ** (gain / 20))
    previous, held = _glide(peaks * scale, ceiling, rate)
    if min(previous.min(), held.min()) >= 1.0:
        return samples * scale              # the limiter has nothing to do: exactly measured + gain
    estimate = _LimitedLoudness(samples, rate, peaks, ceiling)
    estimate.glides[scale] = previous, held

    def limited(gain: float) -> np.ndarray:
        scale = one(10 ** (gain / 20))
        out = samples * scale
        _apply(out, *estimate.glide(scale), ceiling, size)
        return out

    gain, louder = _solve(estimate, target - measured, gain)
    out = limited(gain)
    if gain - louder <= TRUSTED_LOSS:
        return out
    # a large loss: measure, and correct the gain until on target (first by shifting the
    # estimate by its error, then by secant steps on the measurements)
    tried: list[tuple[float, float]] = []
    for _ in range(CHECK_PASSES):
        after = measure(out, rate)
        if after is None or abs(target - after) <= CHECK_TOLERANCE:
            break
        tried.append((gain, after))
        if len(tried) == 1:
            retry, _ = _solve(estimate, target - measured - (after - measured - louder), gain)
        else:
            (g0, l0), (g1, l1) = tried[-2:]
            slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 1.0
            retry = _clamp(gain + (target - after) / min(1.0, max(0.05, slope)))
        if retry == gain:         # clamped: as near as the gain can get
            break
        gain = retry
        out = limited(gain)
    return out


def _solve(estimate, wanted: float, gain: float) -> tuple[float, float]:
    """The gain (dB, clamped) at which ``estimate(gain)`` (the change in loudness, nondecreasing
    in the gain; it returns that and its slope, roughly) is ``wanted``, starting from ``gain``:
    Newton steps, kept inside the bracket once there is one. Returns the best gain tried, with
    ``estimate`` there."""
    low = high = best = None           # gains found short of / past the target; (gain, miss)
    for _ in range(SOLVE_STEPS):
        value, slope = estimate(gain)
        miss = value - wanted
        if best is None or abs(miss) < abs(best[1]):
            best = (gain, miss)
        if abs(miss) <= SOLVE_TOLERANCE:
            break
        if miss < 0:
            low = gain
        else:
            high = gain
        step = _clamp(gain - miss / min(1.0, max(0.05, slope)))
        if low is not None and high is not None and not low < step < high:
            step = (low + high) / 2
        if step == gain:
            break
        gain = step
    return best[0], best[1] + wanted


class _LimitedLoudness:
    """How much louder ``samples`` get from a gain and the limiter after it (see the module
    docstring), estimated from the unit's K-weighted energy without touching its samples
    again."""

    def __init__(self, samples: np.ndarray, rate: int, peaks: np.ndarray, ceiling: float):
        import numpy as np

        self.rate, self.peaks, self.ceiling = rate, peaks, ceiling
        self.glides: dict = {}
        size = _block_size(rate)
        n = len(samples)
        x = samples.astype(np.float32, copy=False)
        # w = (K-weighted samples)^2, the K-weighting by a short FIR; the DC offset is taken out,
        # as the K-weighting's high-pass would
        taps = np.array(_k_fir(rate), dtype=np.float32)
        w = np.convolve(x, taps)[:n]
        dc = float(x[::DC_STRIDE].sum(dtype=np.float64)) / len(x[::DC_STRIDE])
        w -= np.float32(dc * float(taps.sum()))
        np.square(w, out=w)
        # BS.1770 segments (libebur128's 100 ms; its blocks are 4 of them, one apart) cut across
        # the limiter's blocks: sum w over the pieces both cut the unit into. Within a piece the
        # energy is taken as spread evenly, so the sums of w r and w r^2 (r = (k + 1) / size at a
        # block's k-th sample, the glide's ramp) follow from the piece's place in its block.
        segment = (rate + 5) // 10
        self.count = n // segment                             # whole segments
        cuts = np.sort(np.concatenate([np.arange(0, n, size), np.arange(0, n, segment)]))
        cuts = cuts[np.concatenate([[True], cuts[1:] != cuts[:-1]])]
        self.block = cuts // size                             # each piece's limiter block
        self.segment = cuts // segment                        # and segment
        self.energy = np.add.reduceat(w, cuts).astype(np.float64)
        start = cuts - self.block * size                      # the piece is k = start .. end - 1
        end = np.minimum(np.append(cuts[1:], n) - self.block * size, size)
        length = (end - start) * 1.0
        self.first = self.energy * (_power_sum(end, 1) - _power_sum(start, 1)) / length / size
        self.second = self.energy * (_power_sum(end, 2) - _power_sum(start, 2)) / length / size**2
        self.segments = self._per_segment(self.energy)
        self.block_samples = 4 * segment
        self.before = self._gated_mean(self.segments)         # unlimited, at gain 0 dB

    def _per_segment(self, values: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.bincount(self.segment, weights=values)[: self.count]

    def glide(self, scale) -> tuple[np.ndarray, np.ndarray]:
        """The limiter's gains (``_glide()``) for samples scaled by ``scale``, kept for reuse."""
        if scale not in self.glides:
            self.glides[scale] = _glide(self.peaks * scale, self.ceiling, self.rate)
        return self.glides[scale]

    def __call__(self, gain: float) -> tuple[float, float]:
        """The loudness (LU) the unit gains from ``gain`` (dB) and the limiter, and (roughly) how
        fast that grows with the gain: the share of the energy the limiter leaves alone."""
        import numpy as np

        previous, held = self.glide(self.peaks.dtype.type(10 ** (gain / 20)))
        p = previous[self.block].astype(float)
        d = held[self.block] - p
        # sum over a piece of w (1 - (p + d r)^2): what the glide from p to p + d takes
        lost = self.energy * (1 - p * p) - 2 * p * d * self.first - d * d * self.second
        left = self.energy - lost
        after = self._gated_mean((self.segments - self._per_segment(lost)) * 10 ** (gain / 10))
        if self.before <= 0 or after <= 0:
            return gain, 1.0
        untouched = np.minimum(p, held[self.block]) >= 1.0
        free = float(left[untouched].sum()) / max(float(left.sum()), 1e-300)
        return 10 * math.log10(after / self.before), free

    def _gated_mean(self, segments: np.ndarray) -> float:
        """BS.1770's gated mean power over blocks of 4 segments, one segment apart."""
        import numpy as np

        if len(segments) < 4:
            blocks = np.array([segments.sum() / max(1, len(segments)) * 4 / self.block_samples])
        else:
            sums = np.cumsum(segments)
            blocks = np.concatenate([sums[3:4], sums[4:] - sums[:-4]]) / self.block_samples
        blocks = blocks[blocks > 10 ** ((ABSOLUTE_GATE + 0.691) / 10)]
        if not len(blocks):
            return 0.0
        blocks = blocks[blocks > blocks.mean() * 10 ** (RELATIVE_GATE / 10)]
        return float(blocks.mean())


@lru_cache(maxsize=8)
def _k_fir(rate: int) -> tuple[float, ...]:
    """A short FIR whose power response is a least-squares fit of BS.1770's K-weighting
    (high shelf and high-pass, as libebur128 builds them for ``rate``) up to ``rate``/2."""
    import numpy as np

    omega = np.linspace(0, np.pi, 2048)
    z = np.exp(-1j * omega)
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (((vh + vb * k / q + k * k) + 2 * (k * k - vh) * z + (vh - vb * k / q + k * k) * z * z)
             / (a0 + 2 * (k * k - 1) * z + (1 - k / q + k * k) * z * z))
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    high_pass = (1 - 2 * z + z * z) / (1 + 2 * (k * k - 1) / a0 * z + (1 - k / q + k * k) / a0 * z * z)
    power = np.abs(shelf * high_pass) ** 2
    # power response of an FIR with autocorrelation c: c0 + 2 sum_m c_m cos(m omega)
    basis = np.stack([np.ones_like(omega)] + [2 * np.cos(m * omega) for m in range(1, K_FIR_TAPS)], 1)
    c = np.linalg.lstsq(basis, power, rcond=None)[0]
    # spectral factorization: the minimum-phase taps whose autocorrelation is c
    roots = np.roots(np.concatenate([c[::-1], c[1:]]))
    inside = roots[np.abs(roots) < 1]
    if len(inside) != K_FIR_TAPS - 1:
        return (1.0,)
    taps = np.atleast_1d(np.real(np.poly(inside)))
    taps *= math.sqrt(float(c @ np.r_[1.0, 2 * np.ones(K_FIR_TAPS - 1)]) / float(np.sum(taps) ** 2))
    return tuple(float(t) for t in taps)


def _power_sum(k: np.ndarray, power: int) -> np.ndarray:
    """1^power + 2^power + ... + k^power (power 1 or 2), as floats."""
    k = k.astype(float)
    return k * (k + 1) / 2 if power == 1 else k * (k + 1) * (2 * k + 1) / 6


def _block_size(rate: int) -> int:
    return max(1, int(LOOKAHEAD_S * rate))


def _block_peaks(samples: np.ndarray, size: int) -> np.ndarray:
    """The largest magnitude in each block of ``size`` samples (the last may be shorter)."""
    import numpy as np

    return np.maximum.reduceat(np.abs(samples), np.arange(0, len(samples), size))


def _glide(peaks: np.ndarray, ceiling: float, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The limiter's gain at the start (the previous block's) and end of each block."""
    import numpy as np

    size = _block_size(rate)
    block_need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    held = sliding_min(block_need, before=-(-int(RELEASE_S * rate) // size), after=1)
    previous = np.concatenate([[1.0], held[:-1]]).astype(peaks.dtype)
    return previous, held


def _apply(out: np.ndarray, previous: np.ndarray, held: np.ndarray, ceiling: float, size: int) -> None:
    """Multiply ``out`` in place by the limiter's gain, in the blocks where it is below 1, and
    clip those blocks at the ceiling (only a peak in the first block, or rounding, reaches it;
    the bound is the float nearest the ceiling from below)."""
    import numpy as np

    turned = np.flatnonzero(np.minimum(previous, held) < 1.0)
    if not len(turned):
        return
    bound = out.dtype.type(ceiling)
    if bound > ceiling:
        bound = np.nextafter(bound, out.dtype.type(0))
    n = len(out)
    full = n // size
    ramp = (np.arange(size, dtype=out.dtype) + 1) / size
    glide = held - previous
    rows = turned[turned < full]
    if len(rows):
        grid = out[: full * size].reshape(full, size)
        gain = np.multiply(glide[rows, None], ramp)
        gain += previous[rows, None]
        gain *= grid[rows]
        np.clip(gain, -bound, bound, out=gain)
        grid[rows] = gain
    if turned[-1] == full and n > full * size:       # the short last block
        tail = out[full * size:]
        tail *= previous[full] + glide[full] * ramp[: len(tail)]
        np.clip(tail, -bound, bound, out=tail)


def _clamp(gain: float) -> float:
    return max(-MAX_BOOST_DB, min(MAX_BOOST_DB, gain))
