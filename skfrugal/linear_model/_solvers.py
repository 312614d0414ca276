"""Solvers for sorted-penalty generalised linear models.

- :func:`solve_hybrid`: SLOPE (convex sorted L1 penalty) for the squared, logistic
  and Poisson losses by proximal Newton with hybrid coordinate descent inner solves
  (Larsson, Klopfenstein, Massias and Wallin, AISTATS 2023) on a working set of
  features. Each Newton step minimises the quadratic model of the loss (weights: the
  Hessian diagonal ``h``; for least squares the model is the loss and one step is one
  round) plus the penalty by rounds of: one proximal gradient step (exact PAV prox,
  backtracking) that lets features enter, leave, split and merge clusters, then
  epochs of cluster-wise coordinate descent (:mod:`._cd`) that move whole clusters.
  The step is then damped by an Armijo line search on the true objective (Tseng and
  Yun); an accepted full step is halved while that lowers the objective (the
  multinomial model, diagonal per class, can miss half the curvature of a direction
  and overshoot by up to 2x while still passing Armijo), unless the objective's left
  derivative at the full step is provably <= 0 (then no halving can lower it). The
  loss, its dual point and its slope at the full step come from one pass over the
  samples, reused by the duality gap. With more than ``WS_ALL`` features, the working
  set starts from the strong screening rule (Larsson, Bogdan and Wallin 2020), capped
  at cold starts, and grows (at most doubling) by the features that violate the
  optimality conditions of the full problem; the fit stops on the relative duality
  gap of the full problem.
- :func:`solve_prox_grad`: monotone (accelerated) proximal gradient with
  backtracking for any loss (multinomial included) and any sorted penalty (the
  non-convex ones warm-started from SLOPE), stopped on the relative duality gap
  (convex) or on the fixed-point residual (non-convex).

The intercept is profiled out of each quadratic model (columns centred by their
``h``-weighted means) in the hybrid solver, and is an unpenalised coordinate in the
proximal gradient solver. Every loop is bounded, and non-finite values raise.
"""

import numpy as np
import scipy.sparse as sp

from skfrugal.linear_model._cd import cd_epochs_dense, cd_epochs_sparse
from skfrugal.linear_model._columns import (
    centered_matvec,
    dense_matvec_cols,
    weighted_moments,
    weighted_sq_norms,
)
from skfrugal.linear_model._pgd import MOVED, NO_DECREASE, NO_MOVE, pgd_step_dense
from skfrugal.proximal._norms import dual_norm_unchecked, sorted_l1_unchecked
from skfrugal.proximal._pava import key_shift
from skfrugal.proximal._prox import SMALL_PROX

# bounds of the loops (each also bounded by max_iter where it applies)
MAX_BACKTRACK = 80  # doublings of the Lipschitz estimate / halvings of a step
MAX_WORKING_SETS = 100
N_CD_EPOCHS = 10
MAX_INNER_ROUNDS = 30
# working sets: at most WS_MIN features, or twice the support, at a cold start; each
# growth at most doubles the set (the largest violators first); each working-set
# problem is solved to WS_C times the gap of the full problem before the set grows
WS_MIN = 100
# no working set up to WS_ALL features (2 * WS_MIN saves 5-13% on yeast, p = 103, where
# a first set of 100 is most of the features, but changes its iterates: kept at WS_MIN)
WS_ALL = WS_MIN
WS_C = 0.3
# inexact Newton: each quadratic model is solved to a gap of INNER_C times the true gap
INNER_C = 0.3
# least squares: after PATTERN_AFTER rounds (a slow solve: an ill-conditioned design,
# where cluster CD converges linearly at a poor rate), each round ends with an exact
# solve over the current pattern when it has at most PATTERN_MAX clusters
PATTERN_AFTER = 10
PATTERN_MAX = 200


_EMPTY = np.empty(0)


class NonFiniteError(ValueError):
    """The objective or the iterates became non-finite."""


def non_finite(what):
    """The error raised when a solver meets NaN or inf."""
    return NonFiniteError(
        f"non-finite values during the fit ({what}): the data or the regularisation "
        "are outside the range the solver can handle in float64 (values near 1e+-300, "
        "a target far outside the loss's domain); rescale X and y"
    )


class Design:
    """A dense (Fortran-ordered) or CSC design with the products the solvers need.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design.
    """

    def __init__(self, X):
        self.sparse = sp.issparse(X)
        if self.sparse:
            X = sp.csc_matrix(X, dtype=np.float64)
            X.sort_indices()
            self.data = np.ascontiguousarray(X.data, dtype=np.float64)
            self.indices = np.ascontiguousarray(X.indices, dtype=np.int64)
            self.indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
        else:
            X = np.asfortranarray(X, dtype=np.float64)
        self.X = X
        # X^T once (a CSR view of the CSC data for sparse X: scipy's .T builds a new
        # matrix object on every call)
        self.XT = sp.csr_matrix((X.data, X.indices, X.indptr), shape=X.shape[::-1]) \
            if self.sparse else X.T
        self.n_samples, self.n_features = X.shape

    def subset(self, cols):
        """The design restricted to the columns ``cols`` (self when all of them)."""
        if cols.size == self.n_features:
            return self
        return Design(self.X[:, cols])

    def matvec(self, beta):
        """Return ``X beta`` (``beta`` of shape (p,) or (p, K)) using non-zero rows only."""
        if beta.ndim == 2:
            return np.asarray(self.X @ beta)
        nz = np.flatnonzero(beta)
        if nz.size == 0:
            return np.zeros(self.n_samples)
        if nz.size > self.n_features // 4:
            v = self.X @ beta
        elif not self.sparse:
            v = np.empty(self.n_samples)
            dense_matvec_cols(self.X, nz, beta[nz], v)
            return v
        else:
            v = self.X[:, nz] @ beta[nz]
        return np.asarray(v).ravel()

    def rmatvec(self, r):
        """Return ``X^T r`` (``r`` of shape (n,) or (n, K))."""
        out = np.asarray(self.XT @ r)
        return out.ravel() if r.ndim == 1 else out

    def wmean(self, h):
        """Column means weighted by ``h`` (per column of ``h`` when it is 2-D)."""
        return self.rmatvec(h) / h.sum(axis=0)

    def wmoments(self, h, g, center):
        """For 1-D ``h`` and ``g`` on a dense design, in one pass over X: the column means
        weighted by ``h`` (zeros without ``center``), ``wcol_sq(h, means)`` (summed about
        the means) and ``X^T g``; None otherwise."""
        if self.sparse or h.ndim != 1:
            return None
        p = self.n_features
        xmean, sq, xg = np.empty(p), np.empty(p), np.empty(p)
        weighted_moments(self.X, h, g, center, xmean, sq, xg)
        return xmean, sq, xg

    def wcol_sq(self, h, xmean):
        """``sum_i h_i (x_ij - xmean_j)^2`` (per column of ``h`` when it is 2-D)."""
        if self.sparse:
            if not hasattr(self, "_XT_sq"):
                self._XT_sq = self.XT.multiply(self.XT).tocsr()
            sq = np.asarray(self._XT_sq @ h)
        elif h.ndim == 1:
            sq = weighted_sq_norms(self.X, h)
        else:
            sq = (self.X * self.X).T @ h
        sq = sq.ravel() if h.ndim == 1 else sq
        return np.maximum(sq - h.sum(axis=0) * xmean**2, 0.0)

    def cd(self, r, beta, lam, n_epochs, tol, h, xmean, center, n_out=1, curv=None):
        """Run cluster coordinate descent epochs in place; return the epoch count.

        ``curv``: the coordinates' curvatures when known (dense designs)."""
        if self.sparse:
            return cd_epochs_sparse(self.data, self.indices, self.indptr, xmean, center, r,
                                    beta, lam, n_epochs, tol, h, n_out, True)
        return cd_epochs_dense(self.X, xmean, center, r, beta, lam, n_epochs, tol, h, n_out,
                               _EMPTY if curv is None else curv, True)


def cluster_labels(beta):
    """Labels of the coefficients: 0 for zeros, 1..K by decreasing magnitude.

    Parameters
    ----------
    beta : ndarray of shape (p,) or (K, p)
        Coefficients; a 2-D array is one sorted-L1 vector (multinomial: one set of
        clusters over all its entries).

    Returns
    -------
    labels : ndarray of int64, same shape as ``beta``
    n_clusters : int
        Number of non-zero clusters.
    """
    beta = np.asarray(beta)
    mags = np.abs(beta).ravel()
    uniq = np.unique(mags[mags > 0])[::-1]
    labels = np.zeros(mags.shape[0], dtype=np.int64)
    nz = mags > 0
    labels[nz] = uniq.size - np.searchsorted(uniq[::-1], mags[nz])
    return labels.reshape(beta.shape), int(uniq.size)


def sorted_l1(beta, lam):
    """The sorted L1 norm of ``beta`` (any shape) for validated weights."""
    return sorted_l1_unchecked(beta, lam)


def null_model(loss, fit_intercept):
    """Intercept and linear predictor of the model without features."""
    if loss.multi:
        K = loss.y.shape[1]
        b = loss.null_intercept() if fit_intercept else np.zeros(K)
        return b, np.tile(b, (loss.y.shape[0], 1))
    b = loss.null_intercept() if fit_intercept else 0.0
    return b, np.full(loss.y.shape[0], b)


def gap_at(design, loss, lam, beta, z, fit_intercept, fnull, fu=None):
    """Primal value, duality gap, its scale and the dual point's correlations.

    ``fu`` is ``loss.value_dual_point(z, fit_intercept)`` when the caller has it.

    Returns
    -------
    primal : float
    gap : float
        When ``lam`` is zero (no penalty, no dual ball), the first-order bound
        ``||X^T u||_inf * max(||beta||_1, 1)`` instead (not a certificate).
    scale : float
        Positive normaliser of the relative gap: the primal minus the saturated loss,
        floored at 1e-12 times the null model's (so that a perfect fit stops).
    corr : ndarray
        ``X^T u`` for the balanced dual point ``u`` (the gradient when optimal).
    """
    f, u = loss.value_dual_point(z, fit_intercept) if fu is None else fu
    primal = f + sorted_l1(beta, lam)
    corr = design.rmatvec(u)
    if lam[0] > 0:
        s = max(1.0, dual_norm_unchecked(corr.ravel(), lam))
        gap = primal - loss.scaled_dual_value(u, s)
    else:
        # no penalty: no dual ball; first-order bound ||grad||_inf ||beta||_1 instead
        gap = float(np.abs(corr).max()) * max(float(np.abs(beta).sum()), 1.0) \
            if corr.size else 0.0
    sat = loss.saturated()
    scale = max(primal - sat, 1e-12 * max(fnull - sat, 1e-300))
    if not (np.isfinite(primal) and np.isfinite(scale) and not np.isnan(gap)):
        raise non_finite("objective")
    return primal, max(gap, 0.0), scale, corr


def strong_set_size(grad_abs_sorted, lam_new, lam_prev):
    """Size of the active set predicted by the strong rule for SLOPE.

    Larsson, Bogdan and Wallin (NeurIPS 2020), Algorithm 1 with
    ``c = |grad|_(.) + lam_prev - lam_new``: the predicted set is the top ``k``
    features by gradient magnitude, ``k`` the last index where the partial sums of
    ``c - lam_new`` reach their running maximum (when it is >= 0).
    """
    s = np.cumsum(grad_abs_sorted + (lam_prev - lam_new) - lam_new)
    s = np.concatenate([[0.0], s])
    top = s.max()
    return int(np.flatnonzero(s >= top)[-1])


def kkt_violators(grad, beta, lam, tol):
    """Zero coefficients whose subgradient condition fails (full gradient ``grad``)."""
    zero = np.flatnonzero(beta == 0)
    if zero.size == 0:
        return zero
    nnz = beta.size - zero.size
    g = np.abs(grad[zero])
    order = np.argsort(-g)
    s = np.cumsum(g[order] - lam[nnz:])
    k = int(np.argmax(s))
    if s[k] <= tol:
        return np.empty(0, dtype=np.int64)
    return zero[order[: k + 1]]


def initial_working_set(corr, beta, lam):
    """Strong-rule working set of features at the current point, plus the support.

    ``corr`` and ``beta`` are (p,) or (p, K): a feature is in when one of its entries is.
    """
    K = 1 if corr.ndim == 1 else corr.shape[1]
    a = np.abs(corr).ravel()
    order = np.argsort(-a)
    ratio = max(1.0, dual_norm_unchecked(a, lam)) if lam[0] > 0 else 1.0
    size = strong_set_size(a[order], lam, ratio * lam)
    supp = support(beta)
    size = min(size, max(WS_MIN, 2 * supp.size) * K)
    return np.union1d(order[: max(size, 1)] // K, supp)


def support(beta):
    """Features with a non-zero coefficient (in any output)."""
    return np.flatnonzero(beta if beta.ndim == 1 else np.any(beta != 0, axis=1))


class _Quadratic:
    """State of one quadratic model ``1/2 sum h (r - X_c d)^2 + J(beta + d)``.

    ``h`` and ``r0`` are (n,) or (n, K) (one diagonal Hessian block per output: the
    cross-output terms of the multinomial Hessian are left out, the line search
    damps the step); the residual ``r`` and the weights are kept flat for the kernel,
    coefficients are flat C-ordered (p, K).
    """

    def __init__(self, design, h, r0, fit_intercept, g):
        self.design = design
        self.K = 1 if h.ndim == 1 else h.shape[1]
        self.center = fit_intercept
        # diag: the curvatures (h-weighted squared norms of the centred columns);
        # corr0: corr() at r0 when known (h r = -g - h r_shift: X_c^T h r = -X^T g -
        # r_shift X^T h, the centred columns summing to 0 against h)
        moments = design.wmoments(h, g, fit_intercept)
        self.corr0 = None
        self.curv = None  # the coordinates' curvatures for the CD kernel, when exact
        if fit_intercept:
            self.r_shift = (h * r0).sum(axis=0) / h.sum(axis=0)
            r = r0 - self.r_shift
        else:
            self.r_shift = np.zeros(h.shape[1:]) if h.ndim == 2 else 0.0
            r = r0
        if moments is not None:
            self.xmean, self.diag, xg = moments
            self.curv = self.diag
            self.corr0 = -xg - (self.r_shift * h.sum()) * self.xmean if fit_intercept \
                else -xg
        elif fit_intercept:
            self.xmean = design.wmean(h)
            self.diag = design.wcol_sq(h, self.xmean)
        else:
            self.xmean = np.zeros((design.n_features,) + h.shape[1:])
            self.diag = design.wcol_sq(h, self.xmean)
        self.r = np.array(r, dtype=np.float64).ravel()
        self.h = np.ascontiguousarray(h, dtype=np.float64).ravel()
        self.xflat = np.ascontiguousarray(self.xmean).ravel()

    def matrix(self, d):
        """A flat coefficient vector as (p,) or (p, K)."""
        return d if self.K == 1 else d.reshape(-1, self.K)

    def apply(self, d):
        """``X_c d`` (flat) for a flat coefficient change ``d``."""
        if self.K == 1 and not self.design.sparse:
            v = np.empty(self.design.n_samples)
            centered_matvec(self.design.X, d, self.xmean, self.center, v)
            return v
        D = self.matrix(d)
        v = self.design.matvec(D)
        if self.center:
            v = v - (self.xmean * D).sum(axis=0)
        return v.ravel()

    def intercept_change(self, d):
        """Change of the (profiled) intercept for the coefficient change ``d``."""
        if not self.center:
            return self.r_shift
        if self.K == 1:
            return self.r_shift - float(self.xmean @ d)
        return self.r_shift - (self.xmean * self.matrix(d)).sum(axis=0)

    def corr(self):
        """``X_c^T (h r)`` (flat)."""
        hr = self.h * self.r
        return self.design.rmatvec(hr if self.K == 1 else hr.reshape(-1, self.K)).ravel()

    def value(self, r):
        return 0.5 * float(self.h @ (r * r))


def _pgd_step(q, beta, lam, L, g):
    """One proximal gradient step on the quadratic model from its gradient ``-g``.

    Returns ``(beta, L)``; ``q.r`` is updated. A dense one-output model of at most
    ``SMALL_PROX`` coefficients runs the whole backtracking in one kernel call.
    """
    p = beta.shape[0]
    if q.K == 1 and not q.design.sparse and 0 < p <= SMALL_PROX:
        new, r_new = np.empty(p), np.empty(q.r.shape[0])
        status, L = pgd_step_dense(q.design.X, q.xflat, q.center, q.r, q.h, beta, g, lam,
                                   float(L), key_shift(p), MAX_BACKTRACK, new, r_new)
        if status == MOVED:
            q.r = r_new
            return new, L
        if status == NO_MOVE:
            return beta, L
        if status == NO_DECREASE:
            raise non_finite("proximal gradient step of the quadratic model")
        # NEAR_TIES: the prox needs the exact sort, from this L on
    r = q.r
    grad = -g
    f = q.value(r)
    for _ in range(MAX_BACKTRACK):
        new = prox_l1(beta - grad / L, lam / L)
        d = new - beta
        if not d.any():
            return beta, L
        r_new = r - q.apply(d)
        f_new = q.value(r_new)
        if f_new <= f + grad @ d + 0.5 * L * (d @ d) + 1e-14 * abs(f):
            q.r = r_new
            return new, L
        L *= 2.0
    raise non_finite("proximal gradient step of the quadratic model")


def prox_l1(y, lam):
    """Sorted L1 prox on validated arrays (imported late: the proximal package's kernel)."""
    from skfrugal.proximal._prox import prox_sorted_unchecked

    return prox_sorted_unchecked(y, lam, 0, 1.0, 0.0)


def _quadratic_gap(q, beta, lam, g):
    """Duality gap of the quadratic model's SLOPE problem at ``beta`` (``g = X_c^T h r``).

    With the dual point ``h r / s``, ``s = max(1, J*(g))``: ``1/2 ||r||_h^2 (1 - 1/s)^2
    + J(beta) - beta^T g / s``.
    """
    if lam[0] == 0:  # no penalty: the first-order bound of gap_at
        return float(np.abs(g).max()) * max(float(np.abs(beta).sum()), 1.0)
    s = max(1.0, dual_norm_unchecked(g, lam))
    rr = float(q.h @ (q.r * q.r))
    return 0.5 * rr * (1.0 - 1.0 / s) ** 2 + sorted_l1(beta, lam) - float(beta @ g) / s


def _solve_quadratic(q, beta, lam, L, rounds, target, cd_tol, n_epochs=None,
                     pattern=False):
    """Rounds of (proximal gradient step, CD epochs) on a quadratic model, in place.

    Stops when the model's duality gap is at most ``target`` (checked at the start of
    each round after the first, where the gradient is computed anyway), or after
    ``rounds`` rounds. With
    ``pattern``, each round ends with :func:`_pattern_newton`.
    """
    n_epochs = N_CD_EPOCHS if n_epochs is None else n_epochs
    n_rounds = 0
    for n_rounds in range(1, rounds + 1):
        g = q.corr0 if n_rounds == 1 and q.corr0 is not None else q.corr()
        # (not at the first round: the model's gap at d = 0 is about the true gap, and a
        # Newton step must move)
        if target > 0 and n_rounds > 1 and _quadratic_gap(q, beta, lam, g) <= target:
            break
        beta, L = _pgd_step(q, beta, lam, L, g)
        q.design.cd(q.r, beta, lam, n_epochs, cd_tol, q.h, q.xflat, q.center, q.K, q.curv)
        if pattern:
            beta = _pattern_newton(q, beta, lam)
    return beta, L, n_rounds


def _pattern_newton(q, beta, lam):
    """Exact minimisation of the quadratic model over the pattern of ``beta``, damped.

    On the set of coefficients with the pattern of ``beta`` (its clusters, their order
    and signs) the model is a quadratic in the ``k`` cluster values ``c`` plus the linear
    ``Lambda . c`` (``Lambda_i`` the sum of the weights of cluster ``i``'s ranks): with
    ``A = X_c U`` (``U`` the signed cluster indicators), its minimiser is ``c + dc``,
    ``A^T H A dc = A^T H r - Lambda``. The step is cut where the pattern ends (two values
    meet: they merge; the last reaches 0: it leaves), so the model decreases; it is kept
    only if it does (rounding), which coordinate descent alone reaches slowly on
    ill-conditioned designs.
    """
    if q.K != 1:
        return beta
    labels, k = cluster_labels(beta)
    if k == 0 or k > PATTERN_MAX:
        return beta
    nz = np.flatnonzero(labels)
    lab = labels[nz] - 1
    sgn = np.sign(beta[nz])
    cols = q.design.X[:, nz]
    cols = cols.toarray() if q.design.sparse else cols
    if q.center:
        cols = cols - q.xmean[nz]
    A = np.zeros((cols.shape[0], k))
    np.add.at(A.T, lab, (cols * sgn).T)
    sizes = np.bincount(lab, minlength=k)
    ends = np.cumsum(sizes)
    cum = np.concatenate([[0.0], np.cumsum(lam)])
    Lam = cum[ends] - cum[ends - sizes]
    HA = A * q.h[:, None]
    G = A.T @ HA
    rhs = HA.T @ q.r - Lam
    try:
        dc = np.linalg.solve(G, rhs)
    except np.linalg.LinAlgError:
        return beta
    if not np.all(np.isfinite(dc)):
        return beta
    c = np.zeros(k)
    c[lab] = np.abs(beta[nz])
    # largest step keeping c decreasing and positive
    t, bind = 1.0, -1
    gaps = c[:-1] - c[1:]
    closing = dc[1:] - dc[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        tt = np.where(closing > 0, gaps / closing, np.inf)
    if tt.size and tt.min() < t:
        bind = int(np.argmin(tt))
        t = float(tt[bind])
    if dc[-1] < 0 and -c[-1] / dc[-1] < t:
        t, bind = -c[-1] / dc[-1], k - 1
    if t <= 0:
        return beta
    new_c = c + t * dc
    if bind == k - 1 and dc[-1] < 0 and t == -c[-1] / dc[-1]:
        new_c[-1] = 0.0
    elif bind >= 0:
        new_c[bind + 1] = new_c[bind]
    if np.any(new_c[:-1] < new_c[1:]) or new_c[-1] < 0:
        return beta
    new_beta = beta.copy()
    new_beta[nz] = sgn * new_c[lab]
    r_new = q.r - A @ (new_c - c)
    if q.value(r_new) + sorted_l1(new_beta, lam) > q.value(q.r) + sorted_l1(beta, lam):
        return beta
    q.r = r_new
    return new_beta


def solve_hybrid(design, loss, lam, beta, intercept, fit_intercept, max_iter, tol,
                 working_set=True, ws=None):
    """SLOPE for any loss of :mod:`._losses` by hybrid proximal Newton.

    Parameters
    ----------
    design : Design
        The design (all features).
    loss : a loss of :mod:`._losses`
        The loss (with its targets and normalised sample weights); the multinomial
        loss takes ``beta`` of shape (n_features, K) and a vector intercept.
    lam : ndarray of shape (n_features,)
        Scaled weights ``alpha * lambdas``.
    beta : ndarray of shape (n_features,)
        Starting point (copied).
    intercept : float
        Starting intercept (ignored without ``fit_intercept``).
    fit_intercept : bool
        Whether the intercept is fitted.
    max_iter : int
        Maximum number of Newton steps (each one round of proximal gradient + CD for
        least squares) over all working sets.
    tol : float
        Tolerance on the relative duality gap of the full problem.
    working_set : bool, default=True
        Solve on a working set of features grown by the violators of the optimality
        conditions; False solves on all features.
    ws : ndarray of int, default=None
        Initial working set (the path passes its strong-rule set); None computes it.

    Returns
    -------
    beta : ndarray of shape (n_features,)
    intercept : float
    n_iter : int
    gap : float
        Absolute duality gap of the full problem.
    rel_gap : float
        Relative duality gap (``gap`` over the primal minus the saturated loss).
    """
    p = design.n_features
    n = design.n_samples
    K = loss.y.shape[1] if loss.multi else 1
    beta = np.array(beta, dtype=np.float64)
    b0, znull = null_model(loss, fit_intercept)
    fnull = loss.value(znull)
    b = np.array(intercept, dtype=np.float64) if fit_intercept else np.zeros_like(b0)
    if not beta.any():
        b = np.array(b0, dtype=np.float64)
    z = design.matvec(beta) + b
    quadratic = loss.name == "squared"
    primal, gap, scale, corr = gap_at(design, loss, lam, beta, z, fit_intercept, fnull)
    if gap <= tol * scale:
        return beta, _scalar(b), 0, gap, gap / scale
    if not working_set or p <= WS_ALL or lam[0] == 0:
        work = np.arange(p)
    elif ws is not None:
        work = np.union1d(ws, support(beta))
    else:
        work = initial_working_set(corr, beta, lam)
    n_iter = 0
    L = 1.0
    sub_tol = tol
    stalled = False
    gap_full = gap
    tight = False
    sub_cols = None
    for _ in range(MAX_WORKING_SETS):
        if work is not sub_cols:  # (a set that did not grow keeps its copy)
            sub, sub_cols = design.subset(work), work
        lam_w = lam[: work.size * K]
        bw = beta[work].ravel()
        fresh = False  # whether (primal, gap_w, scale, corr_w) are those of the last z
        while n_iter < max_iter:
            n_iter += 1
            fresh = False
            fu = None  # (loss, dual point) at z when known
            g, h = loss.grad_hess(z)
            if quadratic:
                r0 = loss.y - z
            else:
                h = np.maximum(h, 1e-12 * h.max())
                r0 = -g / h
            q = _Quadratic(sub, h, r0, fit_intercept, g)
            diag = q.diag
            L = max(float(diag.max()) if diag.size else 0.0, 0.5 * L, 1e-300)
            cd_tol = 1e-3 * np.sqrt(max(gap, 0.0) / n + 1e-300)
            if quadratic:
                rounds, target = 1, 0.0
            else:
                # inexact Newton: the model is solved to a gap that follows the true gap
                rounds, target = MAX_INNER_ROUNDS, INNER_C * gap
            old = bw.copy()
            bw, L, _ = _solve_quadratic(q, bw, lam_w, L, rounds, target, cd_tol,
                                        pattern=quadratic and n_iter > PATTERN_AFTER)
            d = bw - old
            db = q.intercept_change(d)
            if quadratic:
                z = loss.y - q.r  # the model is the loss: its residual is the loss's
                b = b + db
            else:
                # X d + db = X_c d + r_shift (one output: one kernel call)
                dz = q.apply(d) + q.r_shift if K == 1 else sub.matvec(q.matrix(d)) + db
                j0 = sorted_l1(old, lam_w)
                f0 = primal - j0  # the loss at z (primal: the last gap_at, at this z)
                j1 = sorted_l1(bw, lam_w)
                delta = float(np.sum(g * dz)) + j1 - j0
                # the full step first, with the dual point there (kept for the gap when
                # the step is taken) and the loss's slope along dz
                f1, u1, slope1 = loss.value_dual_point_slope(z + dz, fit_intercept, dz)
                t = 1.0
                accepted = False
                for _ls in range(MAX_BACKTRACK):
                    bt = old + t * d
                    f_t = f1 if t == 1.0 else loss.value_along(z, dz, t)
                    F_t = f_t + sorted_l1(bt, lam_w)
                    if F_t <= f0 + j0 + 1e-4 * t * min(delta, 0.0) + 1e-15 * abs(f0 + j0):
                        accepted = True
                        break
                    t *= 0.5
                if not accepted:
                    bw = old  # no decrease along the Newton direction: numerical optimum
                    stalled = True
                    break
                # a full step that overshoots (the model's curvature too low along
                # it: the multinomial diagonal misses the cross-class terms) still
                # passes Armijo; keep halving while that lowers the objective. Not
                # needed when the objective still decreases at t = 1: its left
                # derivative there is at most slope1 + J(old + 2d) - J(old + d) (J
                # convex along the line), and when that is <= 0, F(1/2) >= F(1)
                if t == 1.0 and slope1 + sorted_l1(old + 2.0 * d, lam_w) - j1 > 0:
                    for _ls in range(MAX_BACKTRACK):
                        F_h = loss.value_along(z, dz, 0.5 * t) + sorted_l1(old + 0.5 * t * d,
                                                                          lam_w)
                        if not F_h < F_t:
                            break
                        t, F_t = 0.5 * t, F_h
                    bt = old + t * d
                bw = bt
                z = z + t * dz
                b = b + t * db
                if t == 1.0:
                    fu = (f1, u1)
            if not np.all(np.isfinite(z)):
                raise non_finite("linear predictor")
            if lam[0] == 0 and loss.separated(z):
                stalled = True  # separable classes: no minimiser, stop (the caller warns)
                break
            # gap of the working-set problem (cheap: |work| columns)
            if fu is None:
                fu = loss.value_dual_point(z, fit_intercept)
            primal, gap_w, scale, corr_w = gap_at(sub, loss, lam_w, bw, z, fit_intercept,
                                                  fnull, fu)
            fresh = True
            gap = gap_w
            tight = gap_w <= sub_tol * scale
            if tight or (work.size < p and gap_w <= WS_C * gap_full):
                break
        beta = np.zeros_like(beta)
        beta[work] = bw if K == 1 else bw.reshape(-1, K)
        if fresh and sub is design:
            gap, corr = gap_w, corr_w  # the working set is the full problem
        else:
            primal, gap, scale, corr = gap_at(design, loss, lam, beta, z, fit_intercept,
                                              fnull, fu if fresh else None)
        gap_full = gap
        if gap <= tol * scale or n_iter >= max_iter or stalled:
            break
        if work.size == p:
            continue  # all features in: keep iterating on the full problem
        flat = kkt_violators(corr.ravel(), beta.ravel(), lam, 1e-12 * max(lam[0], 1e-300))
        # violators in decreasing order of |corr| (kkt_violators' order), at most doubling
        _, first = np.unique(flat // K, return_index=True)
        viol = (flat // K)[np.sort(first)]
        viol = viol[~np.isin(viol, work)][: max(work.size, WS_MIN)]
        if viol.size == 0 and tight:
            sub_tol *= 0.1  # the restricted problem needs a tighter solve
            if sub_tol < 1e-16:
                break
        if viol.size:
            work = np.union1d(work, viol)
    return beta, _scalar(b), n_iter, gap, gap / scale


def _scalar(b):
    """A float for a 0-d intercept, the array otherwise."""
    b = np.asarray(b, dtype=np.float64)
    return float(b) if b.ndim == 0 else b


def solve_prox_grad(design, loss, lam, penalty, beta, intercept, fit_intercept, max_iter,
                    tol, accelerate=True, use_gap=None, gap_every=10):
    """Proximal gradient on ``loss(X beta + b) + penalty(beta; lam)``.

    Monotone: a step is accepted only if it decreases the objective; with
    ``accelerate``, FISTA momentum is used and dropped (restart) whenever the
    extrapolated step does not decrease the objective (monotone FISTA, which keeps
    the descent property needed by non-convex penalties). The step size is capped by
    ``penalty.step_cap`` so that the PAV prox is exact. Stops, for convex penalties
    (``use_gap``, the default for them), when the relative duality gap is below
    ``tol`` (checked every ``gap_every`` iterations and when the fixed-point residual is
    small); otherwise when the fixed-point residual ``||G||_inf`` (with
    ``G = (beta - beta_+) / eta``) is below ``tol`` times its value at the start.

    Parameters
    ----------
    design : Design
    loss : a loss of :mod:`._losses` (multinomial: ``beta`` of shape (p, K))
    lam : ndarray of shape (beta.size,)
        Scaled weights.
    penalty : SortedPenalty
    beta : ndarray of shape (p,) or (p, K)
    intercept : float or ndarray of shape (K,)
    fit_intercept : bool
    max_iter : int
    tol : float
    accelerate : bool, default=True
    use_gap : bool, default=None
        Stop on the duality gap; None: for the L1 penalty with ``lam[0] > 0``.
    gap_every : int, default=10

    Returns
    -------
    beta, intercept, n_iter, criterion, gap
        ``criterion`` is the final relative gap (``use_gap``) or relative fixed-point
        residual; ``gap`` the absolute duality gap (NaN without ``use_gap``).
    """
    if use_gap is None:
        use_gap = penalty.convex and lam[0] > 0
    cap = penalty.step_cap(lam[0]) if lam[0] > 0 else np.inf
    beta = np.array(beta, dtype=np.float64)
    shape = beta.shape
    b = np.array(intercept, dtype=np.float64) if fit_intercept else np.zeros_like(
        np.asarray(intercept, dtype=np.float64))
    b0, znull = null_model(loss, fit_intercept)
    fnull = loss.value(znull)
    if not beta.any() and fit_intercept:
        b = np.array(b0, dtype=np.float64)

    def predictor(bet, bb):
        return design.matvec(bet) + bb

    def objective(f_val, bet):
        return f_val + penalty._value(bet, lam)

    z = predictor(beta, b)
    f = loss.value(z)
    gz = loss.grad(z)
    F = objective(f, beta)
    if not np.isfinite(F):
        raise non_finite("objective at the start")
    g0 = design.rmatvec(gz)
    fp_scale = max(float(np.abs(g0).max()) if g0.size else 0.0,
                   float(np.abs(gz.sum(axis=0)).max()), 1e-12)
    # a lower bound on the Lipschitz constant (backtracking doubles it as needed): the
    # largest weighted squared column norm (the same for weights as for repeated rows)
    col_sq = design.wcol_sq(loss.w, 0.0)
    L = max(0.25 * float(col_sq.max()) if col_sq.size else 1.0, 1e-12)
    beta_prev, b_prev, t_k = beta.copy(), b.copy(), 1.0
    criterion = np.inf
    gap = np.nan
    n_iter = 0
    checked = False
    for n_iter in range(1, max_iter + 1):
        t_next = 0.5 * (1 + np.sqrt(1 + 4 * t_k * t_k)) if accelerate else 1.0
        mom = (t_k - 1) / t_next
        if mom > 0:
            yb = beta + mom * (beta - beta_prev)
            yb0 = b + mom * (b - b_prev)
            zy = predictor(yb, yb0)
            fy, gzy = loss.value(zy), loss.grad(zy)
        else:
            yb, yb0, zy, fy, gzy = beta, b, z, f, gz
        grad = design.rmatvec(gzy)
        gb = gzy.sum(axis=0) if fit_intercept else np.zeros_like(b)
        accepted = False
        for _ in range(MAX_BACKTRACK):
            eta = min(1.0 / L, cap)
            new = penalty._prox((yb - eta * grad).ravel(), lam, eta).reshape(shape)
            new_b = yb0 - eta * gb
            d = new - yb
            db = new_b - yb0
            z_new = zy + design.matvec(d) + db
            f_new = loss.value(z_new)
            quad = fy + float(np.sum(grad * d)) + float(np.sum(gb * db)) + (
                float(np.sum(d * d)) + float(np.sum(db * db))) / (2 * eta)
            if f_new <= quad + 1e-13 * abs(fy):
                accepted = True
                break
            L *= 2.0
        if not accepted:
            if not np.isfinite(fy):
                raise non_finite("objective")
            break
        gz_new = loss.grad(z_new)
        F_new = objective(f_new, new)
        criterion = max(float(np.abs(d).max()) if d.size else 0.0,
                        float(np.abs(db).max()) if db.size else 0.0) / eta / fp_scale
        if F_new > F + 1e-13 * abs(F):
            if mom > 0:  # monotone restart: drop the momentum, step from beta
                t_k = 1.0
                continue
            break  # a plain step that does not decrease: numerical convergence
        beta_prev, b_prev, t_k = beta, b, t_next
        beta, b, z, f, gz, F = new, new_b, z_new, f_new, gz_new, F_new
        checked = False
        if not use_gap:
            if criterion <= tol:
                break
        elif criterion <= tol or n_iter % gap_every == 0:
            _, gap, scale, _ = gap_at(design, loss, lam, beta, z, fit_intercept, fnull)
            checked = True
            if gap <= tol * scale:
                break
    if use_gap:
        if not checked:
            _, gap, scale, _ = gap_at(design, loss, lam, beta, z, fit_intercept, fnull)
        criterion = gap / scale
    if not np.all(np.isfinite(beta)):
        raise non_finite("coefficients")
    return beta, b, n_iter, criterion, gap
