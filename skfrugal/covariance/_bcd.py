"""Block coordinate descent for the graphical lasso (Friedman, Hastie & Tibshirani 2008).

The covariance ``W = Θ^{-1}`` is updated one row/column at a time: for column ``j``,
with ``W11`` the other rows and columns, the lasso

    min_β  ½ βᵀ W11 β - s12ᵀ β + Σ_k A_jk |β_k|

(``A`` the penalty matrix; ``A_jk = alpha`` for scikit-learn's scalar penalty) is
solved, then ``w12 = W11 β``, ``θ22 = 1 / (s22 - w12ᵀ β)``, ``θ12 = -β θ22``. The
diagonal is not penalised (a diagonal penalty is a shift of ``S``, applied by the
caller), so ``W_jj = S_jj`` throughout. This is the algorithm of
:func:`sklearn.covariance.graphical_lasso` (``mode="cd"``), compiled as one numba call
instead of a Python loop over columns that copies a ``(p-1)²`` block per column, with
two changes that make it converge where scikit-learn's stops with a non-SPD matrix:

* each column's lasso is solved exactly, by an active-set method (feature-sign
  search: Cholesky solves of the lasso restricted to the current support and signs);
  coordinate descent alone needs many passes when ``W11`` is ill-conditioned, and
  inexact column solves stall the sweeps. The first sweeps may solve loosely
  (coordinate descent to ``1e-2``, ``1e-3``, ...: faster on well-conditioned
  problems); when that leaves the positive-definite cone (a narrow dual box on an
  ill-conditioned ``S``), the caller restarts with exact solves from the first sweep;
* the start ``W0 = (1 - t) S + t diag(S)``, ``t = min(0.05, min_ij A_ij / |S_ij|)``,
  lies in the dual box ``|W_ij - S_ij| <= A_ij``; from there every exact column update
  maximises ``log det W`` over the box (Banerjee, El Ghaoui & d'Aspremont 2008), so
  ``W`` stays positive definite.

The kernel still reports a breakdown (non-positive Schur complement, non-finite values)
and a stall, and the caller then falls back to the Newton solver.
"""

import numpy as np
from numba import njit

from skfrugal.covariance._linalg import cholesky, inverse_from_cholesky

# kernel status codes
CONVERGED = 0
MAX_SWEEPS = 1
BREAKDOWN = 2
STALLED = 3


@njit(cache=True, nogil=True)
def _soft(r, alpha, w):
    """``soft_threshold(r, alpha) / w``: the minimiser of ``½ w b² - r b + alpha |b|``."""
    if r > alpha:
        return (r - alpha) / w
    if r < -alpha:
        return (r + alpha) / w
    return 0.0


@njit(cache=True, nogil=True)
def _cholesky_solve(A, a, x):
    """Solve ``A[:a, :a] y = x[:a]`` in place (``x <- y``) from the lower triangle of
    ``A``, which is overwritten by the Cholesky factor; return False when
    ``A[:a, :a]`` is not positive definite.

    (Row-by-row dot-product form: 1.3x faster at ``a = 25`` than the right-looking
    form, whose short ``axpy`` loops do not pay for their vectorisation.)
    """
    for c in range(a):
        s = A[c, c]
        for k in range(c):
            s -= A[c, k] * A[c, k]
        if not s > 0.0:
            return False
        d = np.sqrt(s)
        A[c, c] = d
        for r in range(c + 1, a):
            s = A[r, c]
            for k in range(c):
                s -= A[r, k] * A[c, k]
            A[r, c] = s / d
    for r in range(a):  # L y = x
        s = x[r]
        for k in range(r):
            s -= A[r, k] * x[k]
        x[r] = s / A[r, r]
    for r in range(a - 1, -1, -1):  # Lᵀ z = y
        s = x[r]
        for k in range(r + 1, a):
            s -= A[k, r] * x[k]
        x[r] = s / A[r, r]
    return True


@njit(cache=True, nogil=True)
def _set_v(W, j, beta, v):
    """``v = W11 β`` (``v[j]`` is not used), ``O(p · nnz(β))``."""
    p = W.shape[0]
    v[:] = 0.0
    for k in range(p):
        b = beta[k]
        if k != j and b != 0.0:
            for t in range(p):
                v[t] += b * W[k, t]


@njit(cache=True, nogil=True)
def _lasso_cd(S, W, j, A, beta, v, inner_tol, max_passes):
    """Cyclic coordinate descent on column ``j``'s lasso (the robust fallback).

    ``A`` is the penalty matrix (row ``j`` holds the weights of the column's lasso).

    Keeps ``v = W11 β``; stops when a pass moves no coordinate by more than
    ``inner_tol`` times the largest ``|β_k|``.
    """
    p = S.shape[0]
    for _ in range(max_passes):
        dmax = 0.0
        bmax = 0.0
        for k in range(p):
            if k == j:
                continue
            old = beta[k]
            new = _soft(S[j, k] - v[k] + W[k, k] * old, A[j, k], W[k, k])
            if new != old:
                d = new - old
                beta[k] = new
                for t in range(p):
                    v[t] += d * W[k, t]
                dmax = max(dmax, abs(d))
            bmax = max(bmax, abs(new))
        if dmax <= inner_tol * bmax:
            break


@njit(cache=True, nogil=True)
def _restricted_objective(S, W, j, A, act, a, x):
    """``½ xᵀ W_AA x - s_Aᵀ x + Σ_r A_j,act[r] |x_r|`` on the active coordinates."""
    f = 0.0
    for r in range(a):
        kr = act[r]
        xr = x[r]
        if xr == 0.0:
            continue
        q = 0.5 * W[kr, kr] * xr
        for c in range(r):
            q += W[kr, act[c]] * x[c]
        f += xr * (q - S[j, kr]) + A[j, kr] * abs(xr)
    return f


@njit(cache=True, nogil=True)
def _lasso_column(S, W, j, A, beta, v, act, sgn, Wa, xa, xo, inner_tol, max_rounds,
                  feature_sign=True):
    """Solve column ``j``'s lasso ``min ½ βᵀ W11 β - s12ᵀ β + Σ_k A_jk |β_k|`` in place.

    Feature-sign search (Lee, Battle, Raina & Ng 2007), an active-set method: the lasso
    restricted to the support of ``β`` with fixed signs is solved exactly,
    ``W_AA x = s_A - a_A sign_A``, by a Cholesky factorisation of the ``a x a`` block
    (``a³/3`` flops for ``a`` non-zeros, fewer than the passes coordinate descent
    needs when ``W_AA`` is ill-conditioned). When ``x`` changes a sign, ``β`` moves to
    the point of lowest objective among ``x`` and the zero crossings of the segment
    from ``β`` to ``x`` (the objective decreases), and the signs and support are
    updated. Otherwise the coordinate violating optimality most,
    ``|s_k - (W11 β)_k| > A_jk`` (by more than ``inner_tol`` times the size of the two
    terms, for rounding), joins the set with the sign of its gradient; the method ends
    when there is none (the solution is then exact). Until the first sign change,
    all the violating coordinates join at once (fewer factorisations). A cold start (empty support)
    first runs coordinate descent to ``1e-2`` for a support. Coordinate descent to
    ``inner_tol`` takes over when ``W_AA`` is not numerically positive definite and
    after ``max_rounds`` rounds. On return ``v = W11 β``. ``act``, ``sgn``, ``Wa``,
    ``xa``, ``xo`` are work arrays of sizes ``p``, ``p``, ``(p, p)``, ``p``, ``p``.
    """
    p = S.shape[0]
    a = 0
    for k in range(p):
        if k != j and beta[k] != 0.0:
            act[a] = k
            sgn[a] = 1.0 if beta[k] > 0.0 else -1.0
            a += 1
    if a == 0:
        _set_v(W, j, beta, v)
        _lasso_cd(S, W, j, A, beta, v, max(inner_tol, 1e-2), 1000)
        if not feature_sign:
            return
        for k in range(p):
            if k != j and beta[k] != 0.0:
                act[a] = k
                sgn[a] = 1.0 if beta[k] > 0.0 else -1.0
                a += 1
    # all violators join at once, until a sign flips; then one at a time (the
    # feature-sign rule; joining together, they flipped and left forever on
    # ill-conditioned columns)
    one_at_a_time = False
    for _ in range(max_rounds):
        for r in range(a):
            kr = act[r]
            xa[r] = S[j, kr] - A[j, kr] * sgn[r]
            for c in range(r + 1):
                Wa[r, c] = W[kr, act[c]]
        if not _cholesky_solve(Wa, a, xa):
            break
        crossing = False
        for r in range(a):
            if xa[r] * sgn[r] <= 0.0:
                crossing = True
                break
        if crossing:
            if not feature_sign:
                break
            one_at_a_time = True
            # line search over the zero crossings of the segment β -> x and x itself
            for r in range(a):
                xo[r] = beta[act[r]]
            best_t = 1.0
            best_f = _restricted_objective(S, W, j, A, act, a, xa)
            for r in range(a):
                b0 = xo[r]
                if xa[r] * sgn[r] <= 0.0 and b0 != xa[r]:
                    t = b0 / (b0 - xa[r])
                    for c in range(a):  # the candidate point (v is free until _set_v)
                        v[c] = xo[c] + t * (xa[c] - xo[c])
                    v[r] = 0.0
                    f = _restricted_objective(S, W, j, A, act, a, v)
                    if f < best_f:
                        best_f = f
                        best_t = t
            n_kept = 0
            for r in range(a):
                kr = act[r]
                value = xo[r] + best_t * (xa[r] - xo[r])
                b0 = xo[r]
                if b0 != xa[r] and abs(best_t - b0 / (b0 - xa[r])) <= 1e-14:
                    value = 0.0  # the coordinate whose crossing was chosen
                beta[kr] = value
                if value != 0.0:
                    act[n_kept] = kr
                    sgn[n_kept] = 1.0 if value > 0.0 else -1.0
                    n_kept += 1
            a = n_kept
            if best_t < 1.0:
                continue
        else:
            for r in range(a):
                beta[act[r]] = xa[r]
        _set_v(W, j, beta, v)
        a_old = a
        worst = 0.0
        for k in range(p):
            if k != j and beta[k] == 0.0:
                g = S[j, k] - v[k]
                # relative to the terms of g, not to A_jk: with a tiny penalty and an
                # ill-conditioned W11 the rounding of v exceeds inner_tol * A_jk
                excess = abs(g) - A[j, k] - inner_tol * (abs(S[j, k]) + abs(v[k]))
                if excess > 0.0:
                    if not one_at_a_time:
                        act[a] = k
                        sgn[a] = 1.0 if g > 0.0 else -1.0
                        a += 1
                    elif excess > worst:
                        worst = excess
                        act[a_old] = k
                        sgn[a_old] = 1.0 if g > 0.0 else -1.0
                        a = a_old + 1
        if a == a_old:
            return
    _set_v(W, j, beta, v)
    _lasso_cd(S, W, j, A, beta, v, inner_tol, 1000)


@njit(cache=True, nogil=True)
def _schur(S, j, beta, v):
    """``s_jj - βᵀ W11 β`` (``v = W11 β``): positive iff the updated W is positive
    definite, given a positive-definite ``W11``."""
    schur = S[j, j]
    for k in range(S.shape[0]):
        if k != j:
            schur -= v[k] * beta[k]
    return schur


@njit(cache=True, nogil=True)
def glasso_bcd(S, A, W, B, Theta, max_sweeps, tol, inner_tol, gaps, loose=True):
    """Run block coordinate descent sweeps in place until ``|gap| <= tol``.

    Parameters
    ----------
    S : ndarray of shape (p, p), float64, C-contiguous
        Empirical covariance (symmetric, positive diagonal).
    A : ndarray of shape (p, p), float64, C-contiguous
        Penalty matrix: symmetric, non-negative (``inf`` forces ``Θ_ij = 0``), zero
        diagonal.
    W : ndarray of shape (p, p)
        Covariance iterate, symmetric positive definite with ``diag(W) = diag(S)``;
        updated in place.
    B : ndarray of shape (p, p)
        Row ``j`` holds the lasso coefficients ``β`` of column ``j`` (``B[j, j]``
        unused): the warm start, updated in place.
    Theta : ndarray of shape (p, p)
        Output: the precision assembled from the last update of each column.
    max_sweeps : int
        Maximum number of sweeps over the columns.
    tol : float
        Duality-gap tolerance, ``|tr(S Θ) - p + Σ_ij A_ij |Θ_ij|| <= tol``.
    inner_tol : float
        Relative tolerance of the column lassos.
    gaps : ndarray of shape (max_sweeps,)
        Output: the gap after each sweep.
    loose : bool, default=True
        Solve the column lassos of the first sweeps loosely (to ``1e-2``, ``1e-3``,
        ...). Loose solves can leave the positive-definite cone when the dual box is
        narrow and ``S`` ill-conditioned (a tiny ``alpha``): the caller then restarts
        with ``loose=False``.

    Returns
    -------
    n_sweeps : int
    status : int
        ``CONVERGED``, ``MAX_SWEEPS``, ``BREAKDOWN`` (a non-positive Schur complement
        or a non-finite value: the problem is too ill-conditioned for this method)
        or ``STALLED`` (the best gap did not halve in 20 sweeps).
    """
    p = S.shape[0]
    v = np.empty(p)
    act = np.empty(p, dtype=np.int64)
    Wa = np.empty((p, p))
    xa = np.empty(p)
    xo = np.empty(p)
    sgn = np.empty(p)
    best = np.inf
    best_at = 0
    for sweep in range(max_sweeps):
        # loose column solves while far from the optimum (loose=True): coordinate
        # descent from a cold start to 1e-2, 1e-3, ... (the active-set solves are
        # exact anyway); 1.3x less time than inner_tol from the first sweep (p = 200)
        sweep_tol = max(inner_tol, 10.0 ** -(sweep + 2)) if loose else inner_tol
        for j in range(p):
            beta = B[j]
            _lasso_column(S, W, j, A, beta, v, act, sgn, Wa, xa, xo, sweep_tol, 50,
                          sweep_tol <= inner_tol)
            schur = _schur(S, j, beta, v)
            if not schur > 0.0 or not np.isfinite(schur):
                return sweep + 1, BREAKDOWN
            for k in range(p):
                if k != j:
                    W[j, k] = v[k]
                    W[k, j] = v[k]
            t22 = 1.0 / schur
            Theta[j, j] = t22
            for k in range(p):
                if k != j:
                    Theta[j, k] = -beta[k] * t22
                    Theta[k, j] = -beta[k] * t22
        lin = 0.0
        l1 = 0.0
        for i in range(p):
            for k in range(p):
                t = Theta[i, k]
                lin += S[i, k] * t
                if i != k and t != 0.0:  # inf * 0 counts as 0
                    l1 += A[i, k] * abs(t)
        gap = lin - p + l1
        gaps[sweep] = gap
        if not np.isfinite(gap):
            return sweep + 1, BREAKDOWN
        if abs(gap) <= tol:
            return sweep + 1, CONVERGED
        if abs(gap) < 0.5 * best:
            best = abs(gap)
            best_at = sweep
        elif sweep - best_at >= 20:
            return sweep + 1, STALLED
    return max_sweeps, MAX_SWEEPS


@njit(cache=True, nogil=True)
def _box_start(S, A):
    """``t`` of the start ``W0 = (1 - t) S + t diag(S)``: the largest ``t <= 0.05`` with
    ``t |S_ij| <= A_ij`` wherever ``A_ij > 0`` (entries with a zero penalty have a box
    of width zero, which no such start can respect). No temporary arrays."""
    p = S.shape[0]
    t = 0.05
    for i in range(p):
        for j in range(p):
            s = abs(S[i, j])
            if i != j and s > 0.0 and A[i, j] > 0.0 and A[i, j] < t * s:
                t = A[i, j] / s
    return t


def _start(S, A, X0):
    """The first iterate ``(W, B)``: from the warm start ``X0`` when it is positive
    definite and its covariance, clipped into the dual box, is too; else the box
    start."""
    diag = np.diag(S).copy()
    if X0 is not None:
        X0 = np.asarray(X0, dtype=np.float64)
        c, ok = cholesky(X0)
        if ok:
            W = inverse_from_cholesky(c)
            W -= S
            np.clip(W, -A, A, out=W)
            W += S
            np.fill_diagonal(W, diag)
            if cholesky(W)[1]:
                B = -X0 / np.diag(X0)[:, None]
                np.fill_diagonal(B, 0.0)
                B[np.isinf(A)] = 0.0
                return W, np.ascontiguousarray(B)
    # starts inside the dual box |W_ij - S_ij| <= A_ij (module docstring);
    # scikit-learn's start, 0.95 S off the diagonal, leaves it when |S_ij| > 20 alpha
    # and broke down on 9 of 90 ill-conditioned problems
    W = (1.0 - _box_start(S, A)) * S
    np.fill_diagonal(W, diag)
    return W, np.zeros_like(W)


def bcd_block(S, A, X0, max_iter, tol, inner_tol=1e-8):
    """Block coordinate descent on one block, warm-started from ``X0`` when it is
    positive definite.

    ``A`` is the penalty matrix (symmetric, non-negative, possibly infinite, zero
    diagonal).

    Returns
    -------
    precision, covariance : ndarray of shape (p, p) or None
        ``Θ`` and ``Θ^{-1}``; None when the method broke down or its last iterate is
        not positive definite.
    n_sweeps : int
    gap : float
        Duality gap of ``Θ`` (``inf`` when None).
    converged : bool
    """
    p = S.shape[0]
    S = np.ascontiguousarray(S, dtype=np.float64)
    A = np.ascontiguousarray(A, dtype=np.float64)
    W, B = _start(S, A, X0)
    Theta = np.zeros((p, p))
    gaps = np.empty(max_iter)
    n_sweeps, status = glasso_bcd(S, A, W, B, Theta, max_iter, tol, inner_tol, gaps, True)
    n_loose = 0
    if status == BREAKDOWN:
        # loose first sweeps left the cone (breast_cancer standardised, cond 1e5,
        # alpha <= 1e-3 broke down on the first sweep): again with exact column solves
        del W, B
        W, B = _start(S, A, X0)
        n_loose = n_sweeps
        n_sweeps, status = glasso_bcd(S, A, W, B, Theta, max_iter, tol, inner_tol, gaps,
                                      False)
        if status == BREAKDOWN:
            return None, None, n_loose + n_sweeps, np.inf, False
    del W, B  # before the factorisations: peak memory
    c, ok = cholesky(Theta)
    if not ok:
        return None, None, n_loose + n_sweeps, np.inf, False
    return (Theta, inverse_from_cholesky(c), n_loose + n_sweeps, float(gaps[n_sweeps - 1]),
            status == CONVERGED)
