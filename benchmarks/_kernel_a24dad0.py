"""The first fused float32 kernel (commit a24dad0), kept as a baseline of bench_sketch.

Projection by four rows (each row the same sequence of FMAs), a branch-free float32
sine-cosine after a three-part Cody-Waite reduction by pi/2 and a quadrant selected in
floats, float64 sums per tile of 256 rows added in tile order. Replaced in
``skfrugal/sketching/_fused.py`` by the half-turn kernel with exact integer sums.
"""

import numpy as np
from numba import njit

TILE = 256

_F = np.float32
_TWO_OVER_PI = _F(2.0 / np.pi)
# π/2 = _P1 + _P2 + _P3 with _P1 and _P2 exact in few bits (Cody-Waite)
_P1 = _F(1.5703125)
_P2 = _F(4.837512969970703125e-4)
_P3 = _F(7.54978995489188216e-8)
# minimax polynomials on [-π/4, π/4] for float32 (the classic single-precision
# coefficients): sin r ≈ r + r³ (S3 + r² (S5 + r² S7)), cos r ≈ 1 - r²/2 + r⁴ (C4 +
# r² (C6 + r² C8)); about 1 float32 ulp each
_S3, _S5, _S7 = _F(-1.6666654611e-1), _F(8.3321608736e-3), _F(-1.9515295891e-4)
_C4, _C6, _C8 = _F(4.166664568298827e-2), _F(-1.388731625493765e-3), \
    _F(2.443315711809948e-5)
_HALF = _F(0.5)
# 'contract' lets LLVM fuse a * b + c into one FMA (no reordering of sums: every
# row's phase is still the same sequence of operations whatever batch it falls in)
_FASTMATH = {"contract"}
_ZERO, _ONE, _TWO, _THREE, _FOUR = _F(0.0), _F(1.0), _F(2.0), _F(3.0), _F(4.0)
_QUARTER = _F(0.25)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _sincos32(x):
    """``(sin x, cos x)`` of a float32 ``x``, branch-free."""
    q = np.rint(x * _TWO_OVER_PI)
    r = ((x - q * _P1) - q * _P2) - q * _P3
    r2 = r * r
    s = r + r * r2 * (_S3 + r2 * (_S5 + r2 * _S7))
    c = (_ONE - _HALF * r2) + r2 * r2 * (_C4 + r2 * (_C6 + r2 * _C8))
    # quadrant k = q mod 4, in floats: compares and selects vectorise, int64 lanes
    # (what integer arithmetic on a float32 becomes) would not fit 16 to a register
    k = q - _FOUR * np.floor(q * _QUARTER)
    odd = (k == _ONE) | (k == _THREE)
    sin_x = c if odd else s
    cos_x = s if odd else c
    sin_x = sin_x if k < _TWO else -sin_x
    cos_x = cos_x if (k == _ZERO) | (k == _THREE) else -cos_x
    return sin_x, cos_x


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _accumulate(phase, cos_acc, sin_acc):
    for j in range(phase.shape[0]):
        s, c = _sincos32(phase[j])
        cos_acc[j] += np.float64(c)
        sin_acc[j] += np.float64(s)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _accumulate4(r0, r1, r2, r3, cos_acc, sin_acc):
    # the same float64 additions, in the same order, as four calls of _accumulate
    # (so a row's contribution does not depend on its group), with one load and store
    # of the accumulators per four rows instead of per row
    for j in range(r0.shape[0]):
        s0, c0 = _sincos32(r0[j])
        s1, c1 = _sincos32(r1[j])
        s2, c2 = _sincos32(r2[j])
        s3, c3 = _sincos32(r3[j])
        cos_acc[j] = (((cos_acc[j] + np.float64(c0)) + np.float64(c1)) + np.float64(c2)) \
            + np.float64(c3)
        sin_acc[j] = (((sin_acc[j] + np.float64(s0)) + np.float64(s1)) + np.float64(s2)) \
            + np.float64(s3)


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def feature_sums(x, w, first_tile, last_tile, cos_part, sin_part, phases):
    """Fill ``cos_part[t]`` and ``sin_part[t]`` for the tiles ``first_tile .. last_tile - 1``.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), float32, C-contiguous
        Centred samples.
    w : ndarray of shape (n_features, n_frequencies), float32, C-contiguous
        Frequency matrix.
    first_tile, last_tile : int
        Tiles of :data:`TILE` rows to process (``0 <= first_tile <= last_tile <=
        ceil(n_rows / TILE)``).
    cos_part, sin_part : ndarray of shape (n_tiles, n_frequencies), float64
        Receive each tile's sums of ``cos`` and ``sin`` of the phases.
    phases : ndarray of shape (4, n_frequencies), float32
        Work space (one per thread).
    """
    n, d = x.shape
    m = w.shape[1]
    w0 = w[0]
    r0, r1, r2, r3 = phases[0], phases[1], phases[2], phases[3]
    for t in range(first_tile, last_tile):
        start = t * TILE
        stop = min(n, start + TILE)
        c_acc = cos_part[t]
        s_acc = sin_part[t]
        for j in range(m):
            c_acc[j] = 0.0
            s_acc[j] = 0.0
        i = start
        while i + 4 <= stop:
            a0, a1, a2, a3 = x[i, 0], x[i + 1, 0], x[i + 2, 0], x[i + 3, 0]
            for j in range(m):
                wj = w0[j]
                r0[j] = a0 * wj
                r1[j] = a1 * wj
                r2[j] = a2 * wj
                r3[j] = a3 * wj
            for k in range(1, d):
                wk = w[k]
                a0, a1, a2, a3 = x[i, k], x[i + 1, k], x[i + 2, k], x[i + 3, k]
                for j in range(m):
                    wj = wk[j]
                    r0[j] += a0 * wj
                    r1[j] += a1 * wj
                    r2[j] += a2 * wj
                    r3[j] += a3 * wj
            _accumulate4(r0, r1, r2, r3, c_acc, s_acc)
            i += 4
        for r in range(i, stop):
            a0 = x[r, 0]
            for j in range(m):
                r0[j] = a0 * w0[j]
            for k in range(1, d):
                wk = w[k]
                a0 = x[r, k]
                for j in range(m):
                    r0[j] += a0 * wk[j]
            _accumulate(r0, c_acc, s_acc)


def sketch_a24dad0(X, weights, mean, batch=16384):
    """The complex sketch (mean of the features) with this kernel, one thread."""
    w = np.ascontiguousarray(weights, dtype=np.float32)
    m = w.shape[1]
    cos_sum, sin_sum = np.zeros(m), np.zeros(m)
    work = np.empty((4, m), dtype=np.float32)
    for start in range(0, X.shape[0], batch):
        x32 = np.ascontiguousarray(X[start:start + batch] - mean, dtype=np.float32)
        n_tiles = -(-x32.shape[0] // TILE)
        cos_part, sin_part = np.empty((n_tiles, m)), np.empty((n_tiles, m))
        feature_sums(x32, w, 0, n_tiles, cos_part, sin_part, work)
        cos_sum += cos_part.sum(axis=0)
        sin_sum += sin_part.sum(axis=0)
    return (cos_sum - 1j * sin_sum) / X.shape[0]
