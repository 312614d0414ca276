"""1-bit quantized features on the fused kernel's half-turn phases.

A 1-bit universally quantized feature (Schellekens and Jacques 2018) is
``sign cos(θ + ξ) - i sign sin(θ + ξ)`` of the phase ``θ = ωᵀx̃`` and a dither ``ξ``.
The fused kernel of :mod:`skfrugal.sketching._fused` computes phases in half-turns,
``t = θ / π``; with the dither in half-turns too, ``δ = ξ / π``, the dithered phase is
``v = t + δ`` (one float32 addition) and its reduction ``q = rint(v)``, ``u = v - q``
(``|u| <= 1/2``) gives the signs without any polynomial:

* ``cos(π v) = (-1)^q cos(π u)`` and ``cos(π u) >= 0``: ``sign cos(π v) = (-1)^q``;
* ``sin(π v) = (-1)^q sin(π u)`` and ``sin(π u)`` has the sign of ``u``:
  ``sign sin(π v) = (-1)^q sign(u)``.

Zeros of ``cos(π u)`` (``u = ±1/2``) and of ``sin(π u)`` (``u = 0``) count as positive
(a convention on a set of measure zero). Each row's phases are the very FMAs of the
exact kernel (:func:`skfrugal.sketching._fused.half_turn_phases`), so a sample's
quantized features do not depend on its batch. The features are ``±1`` integers, summed
in int32 over tiles of :data:`~skfrugal.sketching._fused.TILE` rows and then in int64:
the quantized sketch is the same bit for bit whatever the batching, the chunking or the
number of threads.
"""

import numpy as np
from numba import njit

from ._fused import (
    _FASTMATH,
    TILE,
    _add4_rows4,
    _first,
    _phases,
    _split,
    check_work_space,
    padded_width,
)

_ONE = np.int32(1)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _signs(t, delta):
    """``(sign sin(π(t + δ)), sign cos(π(t + δ)))`` as int32 ``±1``."""
    v = t + delta
    q = np.rint(v)
    u = v - q
    # parity of q; beyond 2^31 (u = 0 there) the conversion saturates, which is harmless
    c = -_ONE if (np.int32(q) & _ONE) != 0 else _ONE
    s = c if u >= 0 else -c
    return s, c


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def quantized_signs(t, delta, sin_out, cos_out):
    """Signs of the sine and cosine of the dithered phases ``π (t + δ)``, row by row.

    Parameters
    ----------
    t : ndarray of shape (n_rows, m), float32
        Phases in half-turns (:func:`~skfrugal.sketching._fused.half_turn_phases`).
    delta : ndarray of shape (>= m,), float32
        Dither in half-turns.
    sin_out, cos_out : ndarray of shape (n_rows, m), float32
        Receive ``±1``.
    """
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            s, c = _signs(t[i, j], delta[j])
            sin_out[i, j] = s
            cos_out[i, j] = c


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def quantized_feature_sums(x, w3, delta, m, start, stop, cos_acc, sin_acc, phases, counts):
    """Add the 1-bit quantized features of rows ``start .. stop - 1`` to the accumulators.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), float32, C-contiguous
        Centred samples.
    w3 : ndarray of shape (n_blocks, n_features, BLOCK), float32, C-contiguous
        Frequency matrix in half-turns, block by block
        (:func:`~skfrugal.sketching._fused.half_turn_blocks`).
    delta : ndarray of shape (n_blocks * BLOCK,), float32
        Dither in half-turns (:func:`half_turn_dither`).
    m : int
        Number of frequencies.
    start, stop : int
        Rows to add.
    cos_acc, sin_acc : ndarray of shape (m,), int64
        Receive ``Σ_i sign cos(π(t_ij + δ_j))`` and the same for ``sin``.
    phases : ndarray of shape (4, w3.shape[2]), float32
        Work space (one per thread).
    counts : ndarray of shape (2, w3.shape[2]), int32
        Work space (one per thread).
    """
    width = w3.shape[2]
    check_work_space(w3, phases, counts)
    d = x.shape[1]
    f = _split(d)
    ci, si = counts[0], counts[1]
    p0, p1, p2, p3 = phases[0], phases[1], phases[2], phases[3]
    for t0 in range(start, stop, TILE):
        t1 = min(stop, t0 + TILE)
        for b in range(w3.shape[0]):
            wb = w3[b]
            j0 = b * width
            nb = min(m, j0 + width) - j0
            db = delta[j0:j0 + width]
            nv = padded_width(nb, width)  # whole registers (the padding is dropped)
            for j in range(nv):
                ci[j] = 0
                si[j] = 0
            i = t0
            while i + 4 <= t1:
                x0, x1, x2, x3 = x[i], x[i + 1], x[i + 2], x[i + 3]
                _first(p0, x0, wb, nv, f)
                _first(p1, x1, wb, nv, f)
                _first(p2, x2, wb, nv, f)
                _first(p3, x3, wb, nv, f)
                for k in range(f, d, 4):  # the FMAs of _phases, four rows at once
                    _add4_rows4(phases, x0, x1, x2, x3, wb, k, nv)
                for j in range(nv):
                    dj = db[j]
                    s0, c0 = _signs(p0[j], dj)
                    s1, c1 = _signs(p1[j], dj)
                    s2, c2 = _signs(p2[j], dj)
                    s3, c3 = _signs(p3[j], dj)
                    ci[j] += (c0 + c1) + (c2 + c3)
                    si[j] += (s0 + s1) + (s2 + s3)
                i += 4
            while i < t1:
                _phases(x[i], wb, nv, p0)
                for j in range(nv):
                    s, c = _signs(p0[j], db[j])
                    ci[j] += c
                    si[j] += s
                i += 1
            for j in range(nb):
                cos_acc[j0 + j] += ci[j]
                sin_acc[j0 + j] += si[j]


def half_turn_dither(dither, w3):
    """The dither ``ξ`` (radians) in half-turns, float32, padded like ``w3``'s blocks.

    Parameters
    ----------
    dither : ndarray of shape (m,)
        Dither in radians.
    w3 : ndarray of shape (n_blocks, n_features, BLOCK)
        The frequency blocks it goes with.

    Returns
    -------
    delta : ndarray of shape (n_blocks * BLOCK,), float32
        ``ξ / π`` (zero past ``m``).
    """
    dither = np.asarray(dither, dtype=np.float64)
    delta = np.zeros(w3.shape[0] * w3.shape[2], dtype=np.float32)
    delta[:dither.shape[0]] = dither / np.pi
    return delta


def signs64(phases, dither):
    """``(sign sin, sign cos)`` of ``phases + dither`` in float64 (zero counts as +1).

    Parameters
    ----------
    phases : ndarray of shape (n_rows, m), float64
        Phases in radians (modified: the dither is added in place).
    dither : ndarray of shape (m,)

    Returns
    -------
    sin_sign, cos_sign : ndarray of shape (n_rows, m), float64
    """
    phases += dither
    return (np.where(np.sin(phases) >= 0, 1.0, -1.0),
            np.where(np.cos(phases) >= 0, 1.0, -1.0))
