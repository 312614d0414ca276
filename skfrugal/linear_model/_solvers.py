"""Solvers for sorted-penalty regression and classification.

- :func:`solve_slope_ls`: SLOPE least squares by hybrid coordinate descent (Larsson,
  Klopfenstein, Massias and Wallin, AISTATS 2023): a proximal gradient step (exact PAV
  prox, backtracking on the step) lets coefficients enter, leave, split and merge
  clusters; epochs of cluster-wise coordinate descent (:mod:`._cd`) then move whole
  clusters. Stops on the relative duality gap.
- :func:`solve_prox_grad`: monotone proximal gradient with backtracking for any
  smooth loss and any sorted penalty (the non-convex penalties, warm-started from
  SLOPE, and the logistic loss), optionally accelerated (FISTA with restart) in the
  convex case. Stops on the fixed-point residual ``||beta - prox(beta - eta grad)|| / eta``,
  or, given a duality-gap function (:func:`logistic_gap` for SLOPE logistic regression),
  on the relative duality gap.

The intercept, when fitted, is profiled out in the least-squares solver (the residual
is kept centred, the design is centred implicitly) and is an unpenalised coordinate
in the proximal gradient solver.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import xlogy

from skfrugal.linear_model._cd import cd_epochs_dense, cd_epochs_sparse
from skfrugal.proximal._norms import dual_norm_unchecked, sorted_penalty_value
from skfrugal.proximal._pava import PENALTY_CODES
from skfrugal.proximal._prox import prox_sorted_unchecked


class Design:
    """A dense (Fortran-ordered) or CSC design with the products the solvers need.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design.
    fit_intercept : bool
        Whether products with the centred design are needed.
    """

    def __init__(self, X, fit_intercept):
        self.sparse = sp.issparse(X)
        if self.sparse:
            X = sp.csc_matrix(X, dtype=np.float64)
            X.sort_indices()
            self.data = np.ascontiguousarray(X.data, dtype=np.float64)
            self.indices = np.ascontiguousarray(X.indices, dtype=np.int64)
            self.indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
            self.xmean = np.asarray(X.mean(axis=0)).ravel()
        else:
            X = np.asfortranarray(X, dtype=np.float64)
            self.xmean = X.mean(axis=0)
        self.X = X
        self.n_samples, self.n_features = X.shape
        self.center = bool(fit_intercept)
        if not self.center:
            self.xmean = np.zeros(self.n_features)

    def matvec(self, beta, centered):
        """Return ``X beta`` (minus its mean part when ``centered``) using non-zeros only."""
        nz = np.flatnonzero(beta)
        if nz.size == 0:
            return np.zeros(self.n_samples)
        if nz.size > self.n_features // 4:
            v = self.X @ beta
        else:
            v = self.X[:, nz] @ beta[nz]
        v = np.asarray(v).ravel()
        if centered and self.center:
            v = v - self.xmean[nz] @ beta[nz]
        return v

    def rmatvec(self, r):
        """Return ``X^T r``."""
        return np.asarray(self.X.T @ r).ravel()

    def col_sq_norms(self):
        """Squared norms of the (centred if fitting an intercept) columns."""
        if self.sparse:
            sq = np.asarray(self.X.multiply(self.X).sum(axis=0)).ravel()
        else:
            sq = np.einsum("ij,ij->j", self.X, self.X)
        return sq - self.n_samples * self.xmean**2

    def cd(self, r, beta, lam, n_epochs, tol):
        """Run cluster coordinate descent epochs in place; return the epoch count."""
        if self.sparse:
            return cd_epochs_sparse(self.data, self.indices, self.indptr, self.xmean,
                                    self.center, r, beta, lam, n_epochs, tol)
        return cd_epochs_dense(self.X, self.xmean, self.center, r, beta, lam, n_epochs, tol)


def cluster_labels(beta):
    """Labels of the coefficients: 0 for zeros, 1..K by decreasing magnitude.

    Parameters
    ----------
    beta : ndarray of shape (p,) or (n_targets, p)
        Coefficients; for a 2-D array the labels are computed per row.

    Returns
    -------
    labels : ndarray of int64, same shape as ``beta``
    n_clusters : int or ndarray
        Number of non-zero clusters.
    """
    beta = np.asarray(beta)
    if beta.ndim == 2:
        res = [cluster_labels(b) for b in beta]
        return np.array([r[0] for r in res]), np.array([r[1] for r in res])
    mags = np.abs(beta)
    uniq = np.unique(mags[mags > 0])[::-1]
    labels = np.zeros(beta.shape[0], dtype=np.int64)
    nz = mags > 0
    labels[nz] = uniq.size - np.searchsorted(uniq[::-1], mags[nz])
    return labels, int(uniq.size)


def ls_gap(r, grad, beta, lam, y_c, n):
    """Primal, dual and duality gap of SLOPE least squares at ``beta`` (residual ``r``)."""
    primal = r @ r / (2 * n) + float(np.sort(np.abs(beta))[::-1] @ lam)
    scale = max(1.0, dual_norm_unchecked(grad, lam))
    res = y_c - r / scale
    dual = (y_c @ y_c - res @ res) / (2 * n)
    return primal, dual, primal - dual


def alpha_max_ls(design, y, lambdas):
    """Smallest alpha with an all-zero SLOPE least-squares solution."""
    y_c = y - y.mean() if design.center else y
    grad = design.rmatvec(y_c) / design.n_samples
    return dual_norm_unchecked(grad, lambdas)


def solve_slope_ls(design, y, lam, beta, max_iter, tol, n_cd_epochs=10):
    """SLOPE least squares by hybrid coordinate descent.

    Parameters
    ----------
    design : Design
        The design.
    y : ndarray of shape (n_samples,)
        Target.
    lam : ndarray of shape (n_features,)
        Scaled weights ``alpha * lambdas``.
    beta : ndarray of shape (n_features,)
        Starting point (copied).
    max_iter : int
        Maximum number of proximal gradient steps (each followed by CD epochs).
    tol : float
        Tolerance on the relative duality gap ``gap / primal``.
    n_cd_epochs : int, default=10
        Maximum number of coordinate descent epochs between two gradient steps.

    Returns
    -------
    beta : ndarray of shape (n_features,)
    intercept : float
    n_iter : int
    gap : float
        Absolute duality gap at ``beta``.
    primal : float
    """
    n = design.n_samples
    beta = np.array(beta, dtype=np.float64)
    y_c = y - y.mean() if design.center else y.astype(np.float64)
    r = y_c - design.matvec(beta, centered=True)
    sq = design.col_sq_norms() / n
    L = max(float(sq.max()), 1e-12)
    gap = primal = np.inf
    scale_y = max(y_c @ y_c / (2 * n), 1e-300)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        grad = -design.rmatvec(r) / n
        primal, _, gap = ls_gap(r, grad, beta, lam, y_c, n)
        if gap <= tol * max(primal, 1e-12 * scale_y):
            break
        f = r @ r / (2 * n)
        while True:
            beta_new = prox_sorted_unchecked(beta - grad / L, lam / L, 0, 1.0, 0.0)
            d = beta_new - beta
            r_new = r - design.matvec(d, centered=True)
            f_new = r_new @ r_new / (2 * n)
            if f_new <= f + grad @ d + 0.5 * L * (d @ d) + 1e-14 * abs(f):
                break
            L *= 2.0
        beta, r = beta_new, r_new
        inner_tol = 1e-3 * np.sqrt(max(gap, 0.0) / n + 1e-300)
        design.cd(r, beta, lam, n_cd_epochs, inner_tol)
    intercept = float(y.mean() - design.xmean @ beta) if design.center else 0.0
    return beta, intercept, n_iter, float(gap), float(primal)


def _step_cap(penalty, param, lam0):
    """Largest step for which the sorted prox of a weakly convex penalty is exact."""
    if penalty == "mcp":
        return 0.99 * param
    if penalty == "scad":
        return 0.99 * (param - 1.0)
    if penalty == "log":
        return 0.99 * param**2 / lam0 if lam0 > 0 else np.inf
    return np.inf


def squared_loss(y):
    """Return the squared loss ``||y - z||^2 / (2 n)`` and its gradient in ``z``."""
    n = y.shape[0]

    def loss(z):
        res = z - y
        return res @ res / (2 * n), res / n

    return loss


def logistic_loss(y):
    """Return the logistic loss ``mean log(1 + exp(-y z))`` (``y`` in {-1, 1}) and gradient."""
    n = y.shape[0]

    def loss(z):
        m = -y * z
        value = np.logaddexp(0.0, m).sum() / n
        sig = np.exp(-np.logaddexp(0.0, -m))  # sigmoid(m), stable
        return value, -y * sig / n

    return loss


def logistic_gap(design, y, lam, fit_intercept):
    r"""Return the duality gap function of SLOPE logistic regression.

    The primal is :math:`P(\beta, b) = f(X\beta + b) + J(\beta)` with
    :math:`f(z) = \frac1n\sum_i \log(1 + e^{-y_i z_i})` (``y`` in {-1, 1}) and
    :math:`J` the sorted L1 norm of weights ``lam``. Writing a dual point as
    :math:`u_i = -y_i s_i / n` with :math:`s_i \in [0, 1]`, the Fenchel dual is

    .. math:: D(u) = -\frac1n \sum_i \big(s_i \log s_i + (1 - s_i)\log(1 - s_i)\big)

    over :math:`J^*(X^\top u) \le 1` (the dual sorted L1 norm) and, with an
    intercept, :math:`\sum_i u_i = 0`. The dual point is built from the gradient
    :math:`u = \nabla f(z)` (optimal at the solution): the class with the larger sum
    of ``s`` is scaled down to balance the other (the intercept constraint), then
    ``s`` is divided by ``max(1, J^*(X^T u))``. Both keep ``s`` in ``[0, 1]``.

    Parameters
    ----------
    design : Design
        The (uncentred) design.
    y : ndarray of shape (n_samples,)
        Labels in {-1, 1}.
    lam : ndarray of shape (n_features,)
        Penalty weights (non-increasing).
    fit_intercept : bool
        Whether the intercept is fitted (adds the balance constraint).

    Returns
    -------
    gap : callable
        ``gap(f_value, grad_z, beta) -> (primal, gap)`` where ``f_value`` and
        ``grad_z`` are the loss value and its gradient at ``z = X beta + b``.
    """
    n = y.shape[0]
    pos = y > 0

    def gap(f_value, grad_z, beta):
        s = -n * y * grad_z
        if fit_intercept:
            s_pos, s_neg = s[pos].sum(), s[~pos].sum()
            if s_pos > s_neg:
                s[pos] *= s_neg / s_pos
            elif s_neg > 0:
                s[~pos] *= s_pos / s_neg
        s /= max(1.0, dual_norm_unchecked(design.rmatvec(-y * s / n), lam))
        primal = f_value + float(np.sort(np.abs(beta))[::-1] @ lam)
        dual = -float((xlogy(s, s) + xlogy(1.0 - s, 1.0 - s)).sum()) / n
        return primal, primal - dual

    return gap


def solve_prox_grad(design, loss, lam, penalty, param, beta, intercept, fit_intercept,
                    max_iter, tol, accelerate=False, L0=None, gap=None, gap_every=10):
    """Proximal gradient on ``loss(X beta + b) + sum psi(|beta|_(i); lam_i)``.

    Monotone: a step is accepted only if it decreases the objective; with
    ``accelerate``, FISTA momentum is used and dropped (restart) whenever the
    extrapolated step does not decrease the objective (monotone FISTA, which keeps
    the descent property needed by non-convex penalties). The step size is capped so
    that the PAV prox is exact. Stops when the
    fixed-point residual ``||G||_inf`` (with ``G = (beta - beta_+) / eta``) is below
    ``tol`` times the same quantity at zero (a scale-free criterion); or, when ``gap``
    is given (convex problems, see :func:`logistic_gap`), when the duality gap relative
    to the primal value is below ``tol``, checked every ``gap_every`` iterations and
    whenever the fixed-point residual is below ``tol``.

    Returns
    -------
    beta : ndarray of shape (n_features,)
    intercept : float
    n_iter : int
    residual : float
        Final value of the stopping criterion: the relative duality gap when ``gap``
        is given, else the relative fixed-point residual.
    labels : ndarray of shape (n_features,)
        Cluster labels from the last prox (PAV blocks).
    """
    code = PENALTY_CODES[penalty]
    cap = _step_cap(penalty, param, lam[0])
    beta = np.array(beta, dtype=np.float64)
    b = float(intercept)
    z = design.matvec(beta, centered=False) + b
    f, gz = loss(z)

    def objective(f_val, bet):
        return f_val + sorted_penalty_value(bet, lam, penalty, param)

    F = objective(f, beta)
    # scale of the fixed-point residual: the gradient at the starting point's loss scale
    g0 = design.rmatvec(gz)
    scale = max(float(np.abs(g0).max()), float(abs(gz.sum())), 1e-12)
    if L0 is None:
        L0 = float(design.col_sq_norms().max()) / design.n_samples
    L = max(L0, 1e-12)
    # momentum state (t_k = 1: no momentum, after a start or a restart)
    beta_prev, b_prev, t_k = beta.copy(), b, 1.0
    labels = np.zeros(beta.shape[0], dtype=np.int64)
    residual = np.inf
    rel_gap = None
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        t_next = 0.5 * (1 + np.sqrt(1 + 4 * t_k * t_k)) if accelerate else 1.0
        mom = (t_k - 1) / t_next
        if mom > 0:
            yb = beta + mom * (beta - beta_prev)
            yb0 = b + mom * (b - b_prev)
            zy = design.matvec(yb, centered=False) + yb0
            fy, gzy = loss(zy)
        else:
            yb, yb0, zy, fy, gzy = beta, b, z, f, gz
        grad = design.rmatvec(gzy)
        gb = float(gzy.sum()) if fit_intercept else 0.0
        while True:
            eta = min(1.0 / L, cap)
            new, lab = prox_sorted_unchecked(yb - eta * grad, lam, code, eta, param,
                                             return_clusters=True)
            new_b = yb0 - eta * gb
            d = new - yb
            db = new_b - yb0
            z_new = zy + design.matvec(d, centered=False) + db
            f_new, gz_new = loss(z_new)
            quad = fy + grad @ d + gb * db + (d @ d + db * db) / (2 * eta)
            if f_new <= quad + 1e-13 * abs(fy) or eta < 1e-14:
                break
            L *= 2.0
        F_new = objective(f_new, new)
        residual = max(float(np.abs(d).max()), abs(db)) / eta / scale
        if F_new > F + 1e-13 * abs(F):
            if mom > 0:  # monotone restart: drop the momentum, step from beta
                t_k = 1.0
                continue
            # a plain step that does not decrease: numerical convergence (or, for
            # l_q, a prox that is not the global minimiser): keep the current point
            break
        beta_prev, b_prev, t_k = beta, b, t_next
        beta, b, z, f, gz, F, labels = new, new_b, z_new, f_new, gz_new, F_new, lab
        rel_gap = None  # not computed at this beta
        if gap is None:
            if residual <= tol:
                break
        elif residual <= tol or n_iter % gap_every == 0:
            primal, g = gap(f, gz, beta)
            rel_gap = g / max(primal, 1e-300)
            if rel_gap <= tol:
                break
    if gap is None:
        return beta, b, n_iter, residual, labels
    if rel_gap is None:
        primal, g = gap(f, gz, beta)
        rel_gap = g / max(primal, 1e-300)
    return beta, b, n_iter, rel_gap, labels
