"""QUIC: a Newton method for the graphical lasso (Hsieh et al., JMLR 2014).

On one block, each outer iteration computes the Newton direction ``D`` of the smooth
part of ``-log det Θ + tr(S Θ) + alpha ||Θ||_{1,off}`` by cyclic coordinate descent on
the lasso-like quadratic model, restricted to the *free set* (current non-zeros and
entries violating optimality), keeping ``U = D W`` up to date so that a coordinate
update costs ``O(p)``; an Armijo line search keeps ``Θ + t D`` positive definite
(checked by Cholesky) and decreases the objective; ``W = Θ^{-1}`` comes from the same
factorisation. Every iterate is positive definite, which makes QUIC the fallback of
:mod:`skfrugal.covariance._solver` when block coordinate descent breaks down.

The coordinate-descent sweep is the numba kernel; the factorisations are LAPACK calls.
"""

import numpy as np
from numba import njit

from skfrugal.covariance._linalg import cholesky, inverse_from_cholesky
from skfrugal.covariance._objective import objective


@njit(cache=True, nogil=True)
def _newton_direction(S, W, X, A, free_i, free_j, max_sweeps, sweep_tol, D, U):
    """Coordinate descent on the QUIC quadratic model; updates ``D`` and ``U = D W``.

    Parameters
    ----------
    S, W, X : ndarray of shape (p, p), float64, C-contiguous
        Empirical covariance, current ``Θ^{-1}``, current ``Θ``.
    A : ndarray of shape (p, p), float64
        Penalty matrix (zero diagonal; ``inf`` keeps an entry at zero).
    free_i, free_j : ndarray of shape (n_free,), int64
        Coordinates of the free set, ``i <= j``.
    max_sweeps : int
        Maximum number of cyclic sweeps over the free set.
    sweep_tol : float
        Stop when a sweep changes ``D`` by less than ``sweep_tol`` times its size
        (sum of absolute values over the free set).
    D, U : ndarray of shape (p, p), float64
        Newton direction (symmetric) and ``D @ W``, updated in place.

    Returns
    -------
    n_sweeps : int
        Number of sweeps done.
    """
    p = S.shape[0]
    n_free = free_i.shape[0]
    p4 = p - p % 4
    n_sweeps = 0
    for n_sweeps in range(1, max_sweeps + 1):  # noqa: B007 (returned)
        change = 0.0
        size = 0.0
        for k in range(n_free):
            i = free_i[k]
            j = free_j[k]
            # w_iᵀ D w_j = W[i, :] · U[:, j], four partial sums (the single-sum
            # loop is bound by the latency of the additions: 1.4x slower)
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            for t in range(0, p4, 4):
                s0 += W[i, t] * U[t, j]
                s1 += W[i, t + 1] * U[t + 1, j]
                s2 += W[i, t + 2] * U[t + 2, j]
                s3 += W[i, t + 3] * U[t + 3, j]
            for t in range(p4, p):
                s0 += W[i, t] * U[t, j]
            wdw = (s0 + s1) + (s2 + s3)
            if i == j:
                a = W[i, i] * W[i, i]
                b = S[i, i] - W[i, i] + wdw
                mu = -b / a
                change += abs(mu)
                size += abs(D[i, i] + mu)
                if mu != 0.0:
                    D[i, i] += mu
                    for t in range(p):
                        U[i, t] += mu * W[i, t]
            else:
                a = W[i, j] * W[i, j] + W[i, i] * W[j, j]
                b = S[i, j] - W[i, j] + wdw
                c = X[i, j] + D[i, j]
                z = c - b / a
                thr = A[i, j] / a
                if z > thr:
                    mu = z - thr - c
                elif z < -thr:
                    mu = z + thr - c
                else:
                    mu = -c
                change += abs(mu)
                size += abs(D[i, j] + mu)
                if mu != 0.0:
                    D[i, j] += mu
                    D[j, i] += mu
                    for t in range(p):
                        U[i, t] += mu * W[j, t]
                        U[j, t] += mu * W[i, t]
        if change <= sweep_tol * size:
            break
    return n_sweeps


@njit(cache=True, nogil=True)
def _free_set(S, W, X, A, free_i, free_j):
    """Write the free set (``i <= j``, by columns) into ``free_i``, ``free_j``; return its size.

    The free set is the diagonal, the non-zeros of ``Θ`` and the zeros whose gradient
    ``|S_ij - W_ij|`` exceeds ``A_ij`` (the others stay zero in the Newton model).
    """
    p = S.shape[0]
    n = 0
    # column by column: consecutive coordinates share j, so the strided column
    # U[:, j] read by the sweep stays in cache (20% faster sweeps at p = 200)
    for j in range(p):
        for i in range(j + 1):
            if i == j or X[i, j] != 0.0 or abs(S[i, j] - W[i, j]) > A[i, j]:
                free_i[n] = i
                free_j[n] = j
                n += 1
    return n


@njit(cache=True, nogil=True)
def _model_decrease(S, W, X, D, A):
    """``<S - W, D> + Σ_ij A_ij (|Θ + D|_ij - |Θ|_ij)`` (Armijo's delta)."""
    p = S.shape[0]
    lin = 0.0
    l1 = 0.0
    for i in range(p):
        for j in range(p):
            lin += (S[i, j] - W[i, j]) * D[i, j]
            if i != j:
                d = abs(X[i, j] + D[i, j]) - abs(X[i, j])
                if d != 0.0:  # inf * 0 counts as 0
                    l1 += A[i, j] * d
    return lin + l1


@njit(cache=True, nogil=True)
def _trial_point(X, D, t, S, A, out):
    """``out = Θ + t D``; return ``tr(S out) + Σ_ij A_ij |out_ij|``."""
    p = S.shape[0]
    lin = 0.0
    l1 = 0.0
    for i in range(p):
        for j in range(p):
            v = X[i, j] + t * D[i, j]
            out[i, j] = v
            lin += S[i, j] * v
            if i != j and v != 0.0:
                l1 += A[i, j] * abs(v)
    return lin + l1


_MAX_SWEEPS = 50
_SWEEP_TOL = 1e-3


def quic_block(S, A, X0, max_iter, tol, stop_on_stall=False):
    """QUIC on one block (``A`` the penalty matrix, zero diagonal).

    Returns (Θ, W, n_iter, gap, converged, stalled).
    """
    p = S.shape[0]
    S = np.ascontiguousarray(S, dtype=np.float64)
    A = np.ascontiguousarray(A, dtype=np.float64)
    X = np.array(X0, dtype=np.float64, order="C")
    c, ok = cholesky(X)
    if not ok:
        X = np.diag(1.0 / np.diag(S))
        c, _ = cholesky(X)
    W = inverse_from_cholesky(c)
    f = objective(S, X, 2.0 * np.log(np.diag(c)).sum(), A)
    free_i = np.empty(p * (p + 1) // 2, dtype=np.int64)
    free_j = np.empty(p * (p + 1) // 2, dtype=np.int64)
    D = np.empty((p, p))
    U = np.empty((p, p))
    X_new = np.empty((p, p))
    gap = np.inf
    n_iter = 0
    decreases = []
    accepted = True
    for n_iter in range(1, max_iter + 1):
        n_free = _free_set(S, W, X, A, free_i, free_j)
        D[:] = 0.0
        U[:] = 0.0
        # inexact Newton: few sweeps while far from the optimum, 1 + k/2 at iteration
        # k (QUIC's 1 + k/3 took 1.8x the total CPU time over 42 problems, p = 50-200,
        # mostly by stalling into the ADMM fallback on blocks Newton then solves)
        _newton_direction(S, W, X, A, free_i[:n_free], free_j[:n_free],
                          min(_MAX_SWEEPS, 1 + n_iter // 2), _SWEEP_TOL, D, U)
        delta = _model_decrease(S, W, X, D, A)
        t = 1.0
        accepted = False
        for _ in range(40):
            lin_new = _trial_point(X, D, t, S, A, X_new)
            c, ok = cholesky(X_new)
            if ok:
                f_new = lin_new - 2.0 * np.log(np.diag(c)).sum()
                if f_new <= f + 1e-3 * t * delta or abs(f_new - f) <= 1e-15 * abs(f):
                    accepted = True
                    break
            t *= 0.5
        if not accepted:
            break
        X, X_new = X_new, X
        f = f_new
        W = inverse_from_cholesky(c)
        gap = lin_new - p  # duality_gap(S, X, A)
        if abs(gap) <= tol:
            return X, W, n_iter, gap, True, False
        decreases.append(-delta)
        # the decrease predicted by the Newton model shrinks at least linearly (fast)
        # when the inner coordinate descent solves the model: less than 3x in four
        # iterations means it does not (ill-conditioned block). (Not the gap: it
        # changes sign near the optimum, so its size is no measure of progress.)
        if stop_on_stall and n_iter >= 8 and decreases[-1] > 0.3 * decreases[-5]:
            return X, W, n_iter, gap, False, True
    return X, W, n_iter, gap, abs(gap) <= tol, not accepted
