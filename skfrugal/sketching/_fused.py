"""The fused sketching kernel: projection, float32 sine and cosine, float64 sums.

One pass over a batch of centred samples computes, for every frequency ``j``,
``Σ_i cos(ω_jᵀ x̃_i)`` and ``Σ_i sin(ω_jᵀ x̃_i)``:

* the rows are processed in **tiles** of :data:`TILE` rows; each tile's sums are
  written to its own row of a partial-sum array, and the partial sums are added in tile
  order afterwards. Tiles are independent, so they can run on several threads (the
  kernel releases the GIL) and the result is the same bit for bit whatever the number
  of threads;
* inside a tile, four rows share each load of a frequency row (the projection of
  :mod:`skfrugal.sketching._projection`: every row is the same sequence
  ``x_0 ω_0 + x_1 ω_1 + ...`` whatever batch, tile or group it falls in, so a
  sample's phases, hence its features, do not depend on the batching);
* the phases of a row stay in L1 cache (4 × ``m`` floats) while a branch-free float32
  sine-cosine (Cody–Waite reduction to ``[-π/4, π/4]`` with ``π/2`` in three parts,
  then minimax polynomials of degrees 7 and 8) turns them into features, which
  are added to float64 accumulators. LLVM vectorises this loop over the frequencies
  (16 lanes with AVX-512).

:func:`quantized_feature_sums` is the same pass for 1-bit quantized features (Schellekens
and Jacques 2018): the dither ``ξ_j`` is added to each phase and the sine and cosine are
replaced by their signs, ``±1`` (a zero counts as ``+1``). The sums of ``±1`` are
integers, exact in float64: quantized sketches of any batching are the same bit for bit.

Accuracy of the float32 sine-cosine, against NumPy's float64 ``sin`` and ``cos`` of the
same float32 input: absolute error at most 1.1e-7 for phases up to ``1e6`` (measured
over 2·10⁶ points per range; tested). The float32 rounding of the phase itself,
``6e-8 · |phase|``, is the larger error from ``|phase| ≈ 2`` on.
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


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def sincos32(x, sin_out, cos_out):
    """Elementwise float32 sine and cosine of a 1-D float32 array (for tests)."""
    for j in range(x.shape[0]):
        s, c = _sincos32(x[j])
        sin_out[j] = s
        cos_out[j] = c


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


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _project4(x, i, w, r0, r1, r2, r3):
    # phases of rows i .. i + 3: each the sequence x_0 ω_0 + x_1 ω_1 + ... (as in
    # _projection.project_rows), four rows per load of a frequency row
    d = x.shape[1]
    w0 = w[0]
    a0, a1, a2, a3 = x[i, 0], x[i + 1, 0], x[i + 2, 0], x[i + 3, 0]
    for j in range(w.shape[1]):
        wj = w0[j]
        r0[j] = a0 * wj
        r1[j] = a1 * wj
        r2[j] = a2 * wj
        r3[j] = a3 * wj
    for k in range(1, d):
        wk = w[k]
        a0, a1, a2, a3 = x[i, k], x[i + 1, k], x[i + 2, k], x[i + 3, k]
        for j in range(w.shape[1]):
            wj = wk[j]
            r0[j] += a0 * wj
            r1[j] += a1 * wj
            r2[j] += a2 * wj
            r3[j] += a3 * wj


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _project1(x, r, w, r0):
    w0 = w[0]
    a0 = x[r, 0]
    for j in range(w.shape[1]):
        r0[j] = a0 * w0[j]
    for k in range(1, x.shape[1]):
        wk = w[k]
        a0 = x[r, k]
        for j in range(w.shape[1]):
            r0[j] += a0 * wk[j]


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
    n = x.shape[0]
    m = w.shape[1]
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
            _project4(x, i, w, r0, r1, r2, r3)
            _accumulate4(r0, r1, r2, r3, c_acc, s_acc)
            i += 4
        for r in range(i, stop):
            _project1(x, r, w, r0)
            _accumulate(r0, c_acc, s_acc)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _signs32(x):
    """``(sign sin x, sign cos x)`` of a float32 ``x`` as ``±1`` (zero counts as +1).

    The reduction of :func:`_sincos32` without its polynomials: on ``[-π/4, π/4]``
    the sine has the sign of ``r`` and the cosine is positive, so the quadrant and the
    sign of ``r`` decide (the same signs as those of :func:`_sincos32`'s values).
    """
    q = np.rint(x * _TWO_OVER_PI)
    r = ((x - q * _P1) - q * _P2) - q * _P3
    k = q - _FOUR * np.floor(q * _QUARTER)
    sr = _ONE if r >= _ZERO else -_ONE
    # quadrant 0: (sign r, +); 1: (+, -sign r); 2: (-sign r, -); 3: (-, sign r)
    odd = (k == _ONE) | (k == _THREE)
    sin_x = _ONE if odd else sr
    cos_x = sr if odd else _ONE
    sin_x = sin_x if k < _TWO else -sin_x
    cos_x = cos_x if (k == _ZERO) | (k == _THREE) else -cos_x
    return sin_x, cos_x


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def quantize32(x, dither, sin_out, cos_out):
    """Signs of the sine and cosine of ``x + dither`` (rows of ``x``; for transform).

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_frequencies), float32
        Phases.
    dither : ndarray of shape (n_frequencies,), float32
        Dither added to every row.
    sin_out, cos_out : ndarray of shape (n_rows, n_frequencies), float32
        Receive ``sign(sin(x + dither))`` and ``sign(cos(x + dither))``.
    """
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            s, c = _signs32(x[i, j] + dither[j])
            sin_out[i, j] = s
            cos_out[i, j] = c


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _accumulate_q(phase, dither, cos_acc, sin_acc):
    for j in range(phase.shape[0]):
        s, c = _signs32(phase[j] + dither[j])
        cos_acc[j] += np.float64(c)
        sin_acc[j] += np.float64(s)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _accumulate4_q(r0, r1, r2, r3, dither, cos_acc, sin_acc):
    for j in range(r0.shape[0]):
        xi = dither[j]
        s0, c0 = _signs32(r0[j] + xi)
        s1, c1 = _signs32(r1[j] + xi)
        s2, c2 = _signs32(r2[j] + xi)
        s3, c3 = _signs32(r3[j] + xi)
        cos_acc[j] += np.float64((c0 + c1) + (c2 + c3))  # small integers: exact
        sin_acc[j] += np.float64((s0 + s1) + (s2 + s3))


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def quantized_feature_sums(x, w, dither, first_tile, last_tile, cos_part, sin_part, phases):
    """:func:`feature_sums` of 1-bit quantized features.

    Each phase ``ω_jᵀx̃`` is shifted by the dither ``ξ_j`` and the tile sums are of
    ``sign cos(ω_jᵀx̃ + ξ_j)`` and ``sign sin(ω_jᵀx̃ + ξ_j)`` (``±1``; zero counts as
    ``+1``). The sums are integers, exact whatever the tiling.

    Parameters
    ----------
    x, w, first_tile, last_tile, cos_part, sin_part, phases
        As for :func:`feature_sums`.
    dither : ndarray of shape (n_frequencies,), float32
        The dither ``ξ``.
    """
    n = x.shape[0]
    m = w.shape[1]
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
            _project4(x, i, w, r0, r1, r2, r3)
            _accumulate4_q(r0, r1, r2, r3, dither, c_acc, s_acc)
            i += 4
        for r in range(i, stop):
            _project1(x, r, w, r0)
            _accumulate_q(r0, dither, c_acc, s_acc)
