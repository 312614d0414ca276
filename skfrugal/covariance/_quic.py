"""A Newton (QUIC-like) graphical-lasso solver with connected-component screening.

Solves, for a symmetric ``S`` with a positive diagonal and ``alpha >= 0``,

    min_{Θ ≻ 0}  -log det Θ + tr(S Θ) + alpha Σ_{i≠j} |Θ_ij|,

the problem of :func:`sklearn.covariance.graphical_lasso` (the diagonal is not
penalised), by the quadratic-approximation method of Hsieh et al. (QUIC, JMLR 2014):

1. the problem splits into the connected components of the graph ``|S_ij| > alpha``
   (Witten, Friedman & Simon 2011; Mazumder & Hastie 2012): isolated variables get
   ``Θ_ii = 1 / S_ii`` in closed form and each block is solved on its own;
2. on a block, each outer iteration computes the Newton direction ``D`` of the smooth
   part by cyclic coordinate descent on the lasso-like quadratic model, restricted
   to the *free set* (current non-zeros and entries violating optimality), keeping
   ``U = D W`` up to date so that a coordinate update costs ``O(p)``;
3. an Armijo line search keeps ``Θ + t D`` positive definite (checked by Cholesky)
   and decreases the objective; ``W = Θ^{-1}`` comes from the same factorisation.

Convergence is declared on the duality gap of scikit-learn,
``tr(S Θ) - p + alpha ||Θ||_{1,off}``, so that ``tol`` means the same thing as in
:class:`sklearn.covariance.GraphicalLasso`.

The coordinate-descent sweep is the only numba kernel; the factorisations are LAPACK
calls from Python, which costs nothing next to them.
"""

import warnings

import numpy as np
from numba import njit
from scipy.linalg import lapack
from sklearn.exceptions import ConvergenceWarning


@njit(cache=True, nogil=True)
def _newton_direction(S, W, X, alpha, free_i, free_j, max_sweeps, sweep_tol, D, U):
    """Coordinate descent on the QUIC quadratic model; updates ``D`` and ``U = D W``.

    Parameters
    ----------
    S, W, X : ndarray of shape (p, p), float64, C-contiguous
        Empirical covariance, current ``Θ^{-1}``, current ``Θ``.
    alpha : float
        Off-diagonal penalty.
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
                thr = alpha / a
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
def _threshold_components(S, alpha, labels):
    """Connected components of the graph ``|S_ij| > alpha`` (``i != j``).

    Breadth-first search on the dense matrix, ``O(p²)``. Writes the component of each
    variable into ``labels`` (numbered in order of their smallest variable) and returns
    the number of components.
    """
    p = S.shape[0]
    labels[:] = -1
    queue = np.empty(p, dtype=np.int64)
    n_comp = 0
    for root in range(p):
        if labels[root] >= 0:
            continue
        labels[root] = n_comp
        queue[0] = root
        head = 0
        tail = 1
        while head < tail:
            i = queue[head]
            head += 1
            for j in range(p):
                if labels[j] < 0 and j != i and abs(S[i, j]) > alpha:
                    labels[j] = n_comp
                    queue[tail] = j
                    tail += 1
        n_comp += 1
    return n_comp


@njit(cache=True, nogil=True)
def _free_set(S, W, X, alpha, free_i, free_j):
    """Write the free set (``i <= j``, by columns) into ``free_i``, ``free_j``; return its size.

    The free set is the diagonal, the non-zeros of ``Θ`` and the zeros whose gradient
    ``|S_ij - W_ij|`` exceeds ``alpha`` (the others stay zero in the Newton model).
    """
    p = S.shape[0]
    n = 0
    # column by column: consecutive coordinates share j, so the strided column
    # U[:, j] read by the sweep stays in cache (20% faster sweeps at p = 200)
    for j in range(p):
        for i in range(j + 1):
            if i == j or X[i, j] != 0.0 or abs(S[i, j] - W[i, j]) > alpha:
                free_i[n] = i
                free_j[n] = j
                n += 1
    return n


@njit(cache=True, nogil=True)
def _model_decrease(S, W, X, D, alpha):
    """``<S - W, D> + alpha (||Θ + D||_{1,off} - ||Θ||_{1,off})`` (Armijo's delta)."""
    p = S.shape[0]
    lin = 0.0
    l1 = 0.0
    for i in range(p):
        for j in range(p):
            lin += (S[i, j] - W[i, j]) * D[i, j]
            if i != j:
                l1 += abs(X[i, j] + D[i, j]) - abs(X[i, j])
    return lin + alpha * l1


@njit(cache=True, nogil=True)
def _trial_point(X, D, t, S, alpha, out):
    """``out = Θ + t D``; return ``tr(S out) + alpha ||out||_{1,off}``."""
    p = S.shape[0]
    lin = 0.0
    l1 = 0.0
    for i in range(p):
        for j in range(p):
            v = X[i, j] + t * D[i, j]
            out[i, j] = v
            lin += S[i, j] * v
            if i != j:
                l1 += abs(v)
    return lin + alpha * l1


@njit(cache=True, nogil=True)
def _fill_upper(A):
    """Copy the lower triangle of ``A`` onto its upper triangle, in place."""
    p = A.shape[0]
    for i in range(p):
        for j in range(i + 1, p):
            A[i, j] = A[j, i]


_MAX_SWEEPS = 50
_SWEEP_TOL = 1e-3


def _cholesky(A):
    """Return (lower Cholesky factor, True) or (None, False) when A is not PD."""
    c, info = lapack.dpotrf(A, lower=1, clean=1, overwrite_a=0)
    if info != 0 or not np.all(np.isfinite(c)):
        return None, False
    return c, True


def _inverse_from_cholesky(c):
    inv, info = lapack.dpotri(c, lower=1)
    if info != 0:  # pragma: no cover - c comes from a successful dpotrf
        raise np.linalg.LinAlgError("matrix inversion failed")
    _fill_upper(inv)
    # symmetric: the transpose of a Fortran-ordered result is the same matrix in C order
    return np.ascontiguousarray(inv.T if inv.flags.f_contiguous else inv)


def _off_l1(X):
    return np.abs(X).sum() - np.abs(np.diag(X)).sum()


def duality_gap(S, precision, alpha):
    """Duality gap of the graphical lasso as scikit-learn computes it.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance.
    precision : ndarray of shape (p, p)
        A positive-definite precision matrix ``Θ``.
    alpha : float
        Off-diagonal penalty.

    Returns
    -------
    gap : float
        ``tr(S Θ) - p + alpha ||Θ||_{1,off}``: zero at the optimum (it is the gap
        between the primal objective at ``Θ`` and the dual objective at ``Θ^{-1}``).
    """
    p = S.shape[0]
    return float(np.sum(S * precision) - p + alpha * _off_l1(precision))


def _objective(S, X, logdet, alpha):
    return -logdet + float(np.sum(S * X)) + alpha * _off_l1(X)


def _admm_block(S, alpha, X0, max_iter, tol):
    """ADMM on the standardised block (robust when QUIC's inner problem is too ill-posed).

    The problem is rewritten in correlation units, ``Θ' = D Θ D`` with
    ``D = diag(sqrt(S_ii))``, where the penalty becomes ``alpha / (d_i d_j)``; this
    makes the ADMM penalty parameter ``rho`` scale-free. ``rho`` is adapted by residual
    balancing (Boyd et al. 2011, §3.4.1). Returns (Θ, W, n_iter, gap, converged).
    """
    p = S.shape[0]
    d = np.sqrt(np.diag(S))
    dd = np.outer(d, d)
    R = S / dd
    A = alpha / dd
    np.fill_diagonal(A, 0.0)
    Z = np.asarray(X0, dtype=np.float64) * dd
    rho = 1.0
    c, ok = _cholesky(Z)
    U = (_inverse_from_cholesky(c) - R) / rho if ok else np.zeros((p, p))
    if not ok:
        Z = np.eye(p)
    best = (None, None, np.inf)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        w, Q = np.linalg.eigh(rho * (Z - U) - R)
        theta = (w + np.sqrt(w * w + 4.0 * rho)) / (2.0 * rho)
        T = (Q * theta) @ Q.T
        V = T + U
        Z_old = Z
        Z = np.sign(V) * np.maximum(np.abs(V) - A / rho, 0.0)
        U = V - Z
        if n_iter % 5 == 0 or n_iter == max_iter:
            P = Z / dd
            c, ok = _cholesky(P)
            if ok:
                gap = duality_gap(S, P, alpha)
                if abs(gap) < abs(best[2]):
                    best = (P, c, gap)
                if abs(gap) <= tol:
                    break
        r = np.linalg.norm(T - Z)
        s = rho * np.linalg.norm(Z - Z_old)
        if r > 10.0 * s:
            rho *= 2.0
            U *= 0.5
        elif s > 10.0 * r:
            rho *= 0.5
            U *= 2.0
    P, c, gap = best
    if P is None:  # Z never positive definite: return the (dense, PD) Θ iterate
        P = T / dd
        P = 0.5 * (P + P.T)
        c, ok = _cholesky(P)
        if not ok:
            raise FloatingPointError("ADMM did not produce a positive-definite matrix")
        gap = duality_gap(S, P, alpha)
    return P, _inverse_from_cholesky(c), n_iter, gap, abs(gap) <= tol


def _solve_block(S, alpha, X0, max_iter, tol, solver="auto"):
    """Solve one connected block. Returns (Θ, W, n_iter, gap, converged).

    ``solver="auto"`` runs QUIC and switches to ADMM (warm-started) when QUIC's
    coordinate descent stalls, which happens on very ill-conditioned blocks.
    """
    if solver == "admm":
        return _admm_block(S, alpha, X0, 50 * max_iter, tol)
    X, W, n_iter, gap, converged, stalled = _quic_block(S, alpha, X0, max_iter, tol,
                                                        stop_on_stall=solver == "auto")
    if converged or not stalled:
        return X, W, n_iter, gap, converged
    Xa, Wa, it_a, gap_a, conv_a = _admm_block(S, alpha, X, 50 * max_iter, tol)
    if abs(gap_a) < abs(gap):
        return Xa, Wa, n_iter + it_a, gap_a, conv_a
    return X, W, n_iter + it_a, gap, converged


def _quic_block(S, alpha, X0, max_iter, tol, stop_on_stall=False):
    """QUIC on one block. Returns (Θ, W, n_iter, gap, converged, stalled)."""
    p = S.shape[0]
    S = np.ascontiguousarray(S, dtype=np.float64)
    X = np.array(X0, dtype=np.float64, order="C")
    c, ok = _cholesky(X)
    if not ok:
        X = np.diag(1.0 / np.diag(S))
        c, _ = _cholesky(X)
    W = _inverse_from_cholesky(c)
    f = _objective(S, X, 2.0 * np.log(np.diag(c)).sum(), alpha)
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
        n_free = _free_set(S, W, X, alpha, free_i, free_j)
        D[:] = 0.0
        U[:] = 0.0
        # inexact Newton: few sweeps while far from the optimum, 1 + k/2 at iteration
        # k (QUIC's 1 + k/3 took 1.8x the total CPU time over 42 problems, p = 50-200,
        # mostly by stalling into the ADMM fallback on blocks Newton then solves)
        _newton_direction(S, W, X, alpha, free_i[:n_free], free_j[:n_free],
                          min(_MAX_SWEEPS, 1 + n_iter // 2), _SWEEP_TOL, D, U)
        delta = _model_decrease(S, W, X, D, alpha)
        t = 1.0
        accepted = False
        for _ in range(40):
            lin_new = _trial_point(X, D, t, S, alpha, X_new)
            c, ok = _cholesky(X_new)
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
        W = _inverse_from_cholesky(c)
        gap = lin_new - p  # duality_gap(S, X, alpha)
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


def graphical_lasso_quic(S, alpha, *, precision_init=None, max_iter=100, tol=1e-4,
                         solver="auto", verbose=False):
    """Solve the graphical lasso by a Newton method with component screening.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Symmetric matrix with a positive diagonal (an empirical covariance, or the
        positive-definite surrogate of a decoder step).
    alpha : float
        Off-diagonal ℓ1 penalty, as ``alpha`` of
        :func:`sklearn.covariance.graphical_lasso`.
    precision_init : ndarray of shape (p, p), default=None
        Warm start (used block by block where it is positive definite); default
        ``diag(1 / S_ii)``.
    max_iter : int, default=100
        Maximum number of Newton iterations per block.
    tol : float, default=1e-4
        Stop when the duality gap of the whole problem falls below ``tol``
        (the gap splits additively over blocks; each block gets a share ``tol`` times
        its size over ``p``).
    solver : {"auto", "quic", "admm"}, default="auto"
        ``"quic"``: Newton iterations only; ``"admm"``: ADMM only (up to
        ``50 * max_iter`` iterations); ``"auto"``: QUIC, switching to ADMM
        warm-started from the current iterate when the Newton direction stops
        converging (ill-conditioned blocks).
    verbose : bool, default=False
        Print the blocks and their iterations.

    Returns
    -------
    covariance : ndarray of shape (p, p)
        ``Θ^{-1}``.
    precision : ndarray of shape (p, p)
        ``Θ``, positive definite.
    n_iter : int
        Largest number of Newton iterations over the blocks.
    gap : float
        Duality gap of the returned ``Θ``.
    converged : bool
        Whether the gap reached ``tol``.
    """
    S = np.asarray(S, dtype=np.float64)
    p = S.shape[0]
    diag = np.diag(S).copy()
    if np.any(diag <= 0):
        raise ValueError("S must have a positive diagonal (no constant feature)")
    labels = np.empty(p, dtype=np.int64)
    n_comp = _threshold_components(np.ascontiguousarray(S), float(alpha), labels)
    precision = np.zeros((p, p))
    covariance = np.zeros((p, p))
    n_iter_max = 0
    converged = True
    for comp in range(n_comp):
        idx = np.flatnonzero(labels == comp)
        if idx.size == 1:
            i = idx[0]
            precision[i, i] = 1.0 / diag[i]
            covariance[i, i] = diag[i]
            continue
        Sb = np.ascontiguousarray(S[np.ix_(idx, idx)])
        if precision_init is not None:
            X0 = np.asarray(precision_init)[np.ix_(idx, idx)]
        else:
            X0 = np.diag(1.0 / diag[idx])
        Xb, Wb, it, gap_b, conv = _solve_block(Sb, alpha, X0, max_iter,
                                               tol * idx.size / p, solver)
        if verbose:
            print(f"block of {idx.size}: {it} iterations, gap {gap_b:.2e}")
        precision[np.ix_(idx, idx)] = Xb
        covariance[np.ix_(idx, idx)] = Wb
        n_iter_max = max(n_iter_max, it)
        converged &= conv
    gap = duality_gap(S, precision, alpha)
    return covariance, precision, n_iter_max, gap, converged and abs(gap) <= tol * 1.01


def check_graphical_lasso_result(precision, max_iter, gap, tol, converged, warn=True):
    """Raise when Θ is not SPD; warn when the gap did not reach ``tol``."""
    if not np.all(np.isfinite(precision)) or not _cholesky(precision)[1]:
        raise FloatingPointError(
            "The graphical-lasso solver returned a matrix that is not positive "
            "definite; the problem is too ill-conditioned at this alpha"
        )
    if warn and not converged:
        warnings.warn(
            f"graphical lasso did not reach the duality gap tol={tol:g} in "
            f"max_iter={max_iter} Newton iterations (gap {gap:.3g}); increase max_iter",
            ConvergenceWarning,
            stacklevel=3,
        )
