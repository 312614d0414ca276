"""Column scans of a dense design in one pass, without temporaries.

The per-fit checks and the Newton-step curvatures read the whole design; done in numpy
they allocate a copy of it (``X[rows]``, ``np.abs(X)``, ``X * X``), which at 500 x 10 000
cost more than the solve itself.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def max_abs(a):
    """Largest magnitude of the entries of a 1-D array (0 when empty; NaN ignored).

    Four independent running maxima (the compiler pipelines them: 3x faster than one).
    """
    m0 = 0.0
    m1 = 0.0
    m2 = 0.0
    m3 = 0.0
    n = a.shape[0]
    i = 0
    while i + 4 <= n:
        v0 = abs(a[i])
        v1 = abs(a[i + 1])
        v2 = abs(a[i + 2])
        v3 = abs(a[i + 3])
        m0 = v0 if v0 > m0 else m0
        m1 = v1 if v1 > m1 else m1
        m2 = v2 if v2 > m2 else m2
        m3 = v3 if v3 > m3 else m3
        i += 4
    while i < n:
        v = abs(a[i])
        m0 = v if v > m0 else m0
        i += 1
    return max(max(m0, m1), max(m2, m3))


@njit(cache=True)
def constant_dense_columns(X, w):
    """Whether each column of ``X`` is constant over the rows of positive ``w``.

    Stops at the first differing entry of a column (the second row, on most data).
    """
    n, p = X.shape
    out = np.ones(p, dtype=np.bool_)
    first = -1
    for i in range(n):
        if w[i] > 0:
            first = i
            break
    if first < 0:
        return out
    for j in range(p):
        v = X[first, j]
        for i in range(first + 1, n):
            if w[i] > 0 and X[i, j] != v:
                out[j] = False
                break
    return out


# the sums may be reordered (SIMD); no assumption on NaN / inf
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}


@njit(cache=True, fastmath=_FASTMATH)
def weighted_sq_norms(X, h):
    """``sum_i h_i X_ij^2`` for each column ``j`` of a dense ``X``."""
    n, p = X.shape
    out = np.zeros(p)
    for j in range(p):
        acc = 0.0
        for i in range(n):
            v = X[i, j]
            acc += h[i] * v * v
        out[j] = acc
    return out


@njit(cache=True, fastmath=_FASTMATH)
def weighted_moments(X, h, g, center, mean, sq, xg):
    """Per column of a dense ``X``: the ``h``-weighted mean (0 without ``center``), the
    ``h``-weighted squared norm about it and ``X^T g`` (in place).

    Two passes over each column, the second from cache: the squared norm is summed
    about the mean (no cancellation when the mean is large).
    """
    n, p = X.shape
    hs = 0.0
    for i in range(n):
        hs += h[i]
    for j in range(p):
        a1 = 0.0
        a3 = 0.0
        for i in range(n):
            x = X[i, j]
            a1 += h[i] * x
            a3 += g[i] * x
        m = a1 / hs if center else 0.0
        a2 = 0.0
        for i in range(n):
            v = X[i, j] - m
            a2 += h[i] * v * v
        mean[j] = m
        sq[j] = a2
        xg[j] = a3


@njit(cache=True, fastmath=_FASTMATH)
def dense_matvec_cols(X, cols, vals, out):
    """``out = X[:, cols] @ vals`` for a dense ``X`` without copying the columns."""
    n = X.shape[0]
    for i in range(n):
        out[i] = 0.0
    for k in range(cols.shape[0]):
        j = cols[k]
        v = vals[k]
        for i in range(n):
            out[i] += v * X[i, j]


@njit(cache=True, fastmath=_FASTMATH)
def centered_matvec(X, beta, xmean, center, out):
    """``out = X beta - (xmean . beta)`` (centred columns; no shift without ``center``)
    for a dense ``X``, over the non-zero entries of ``beta`` only."""
    n = X.shape[0]
    for i in range(n):
        out[i] = 0.0
    shift = 0.0
    for j in range(beta.shape[0]):
        v = beta[j]
        if v == 0.0:
            continue
        shift += xmean[j] * v
        for i in range(n):
            out[i] += v * X[i, j]
    if center:
        for i in range(n):
            out[i] -= shift
