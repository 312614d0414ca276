"""The fit shared by the sorted-penalty estimators, the path and cross-validation.

:func:`prepare` validates the data-dependent pieces once (sample weights, range of the
values, constant columns, weight sequence, loss); :func:`fit_one` solves for one
``alpha`` from a starting point; :func:`relaxed_refit` refits without penalty on the
pattern (clusters and signs) of a solution.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_sample_weight

from skfrugal.linear_model._columns import constant_dense_columns, max_abs
from skfrugal.linear_model._losses import LOSSES
from skfrugal.linear_model._solvers import (
    Design,
    cluster_labels,
    null_model,
    solve_hybrid,
    solve_prox_grad,
)
from skfrugal.proximal._lambdas import lambda_sequence_unchecked
from skfrugal.proximal._norms import dual_norm_unchecked
from skfrugal.proximal._prox import check_lambdas

# magnitudes beyond which products of the data overflow (or underflow) float64
_BIG = 1e140
_SMALL = 1e-140


def check_range(a, name):
    """Refuse data whose products would overflow or underflow in float64."""
    if sp.issparse(a):
        a = a.data
    if a.size == 0:
        return
    flat = np.ravel(a, order="K")
    m = float(max_abs(flat) if flat.dtype == np.float64 else np.max(np.abs(flat)))
    if m > _BIG:
        raise ValueError(
            f"{name} has values of magnitude {m:.3g}: products of such values overflow "
            f"float64 (the solvers need |{name}| <= {_BIG:g}); rescale {name}, e.g. with "
            "sklearn.preprocessing.StandardScaler"
        )
    if 0 < m < _SMALL:
        raise ValueError(
            f"{name} has values of magnitude at most {m:.3g}: their products underflow "
            f"float64 (the solvers need max |{name}| >= {_SMALL:g}); rescale {name}"
        )


def constant_columns(X, w):
    """Columns constant over the samples of positive weight ``w``."""
    pos = w > 0
    if sp.issparse(X):
        Xc = sp.csc_matrix(X)
        Xp = Xc[np.flatnonzero(pos)]
        mean = np.asarray(Xp.T @ w[pos]).ravel()
        sq = np.asarray(Xp.multiply(Xp).T @ w[pos]).ravel()
        var = sq - mean**2
        return var <= 1e-14 * np.maximum(sq, 1e-300)
    if X.dtype == np.float64 and (X.flags.c_contiguous or X.flags.f_contiguous):
        return constant_dense_columns(X, w)  # the warmed-up kernel (one pass, no copy)
    return np.ptp(X[pos], axis=0) == 0


class Problem:
    """A validated problem: design without constant columns, loss, weights, lambdas.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    targets : ndarray
        Targets of the loss (labels 0/1, one-hot matrix, counts or values).
    loss : {"squared", "logistic", "poisson", "multinomial"}
    sample_weight : array-like or None
    fit_intercept : bool
    lambdas : str or array-like
        Weight kind or array (length ``n_features`` times the number of outputs).
    q, theta1, theta2 : float
        Parameters of the weight sequences.
    """

    def __init__(self, X, targets, loss, sample_weight, fit_intercept, lambdas, q=0.1,
                 theta1=1.0, theta2=0.5):
        n, p = X.shape
        sw = np.ones(n) if sample_weight is None else _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        total = float(sw.sum())
        if not total > 0 or not np.isfinite(total):
            raise ValueError("sample_weight must have a positive, finite sum")
        self.sample_weight_sum = total
        w = sw / total
        check_range(X, "X")
        if loss == "squared":
            check_range(targets, "y")
        self.fit_intercept = fit_intercept
        self.n_features = p
        self.n_outputs = targets.shape[1] if targets.ndim == 2 else 1
        self.const = constant_columns(X, w) if fit_intercept else np.zeros(p, dtype=bool)
        self.keep = np.flatnonzero(~self.const)
        self.design = Design(X[:, self.keep] if self.const.any() else X)
        self.loss = LOSSES[loss](targets, w)
        m = p * self.n_outputs
        if isinstance(lambdas, str):
            self.lambdas = lambda_sequence_unchecked(m, lambdas, q=q, n_samples=total if
                                           lambdas == "gaussian" else None,
                                           theta1=theta1, theta2=theta2)
        else:
            self.lambdas = check_lambdas(lambdas, m)
        # the kept features get the largest weights (the zeros take the smallest)
        self.lam_kept = self.lambdas[: self.keep.size * self.n_outputs]
        self.alpha_max = self._alpha_max()

    def _alpha_max(self):
        loss = self.loss
        if self.keep.size == 0:
            return 0.0
        _, z = null_model(loss, self.fit_intercept)
        _, u = loss.value_dual_point(z, self.fit_intercept)
        corr = self.design.rmatvec(u).ravel()
        if self.lam_kept[0] <= 0:
            return 0.0
        return dual_norm_unchecked(corr, self.lam_kept)

    def zeros(self):
        """Starting coefficients (kept features) and intercept of the null model."""
        b, _ = null_model(self.loss, self.fit_intercept)
        if self.n_outputs > 1:
            return np.zeros((self.keep.size, self.n_outputs)), b
        return np.zeros(self.keep.size), b

    def full(self, coef):
        """Coefficients of all features from those of the kept features."""
        if self.n_outputs > 1:
            out = np.zeros((self.n_features, self.n_outputs))
        else:
            out = np.zeros(self.n_features)
        out[self.keep] = coef
        return out


def fit_one(problem, alpha, penalty, beta, intercept, max_iter, tol, solver="auto",
            ws=None):
    """Solve for one ``alpha`` from ``(beta, intercept)`` (kept features).

    Returns
    -------
    beta, intercept, n_iter, gap, criterion, converged
        ``gap`` is the absolute duality gap of the SLOPE problem (NaN for non-convex
        penalties and for ``alpha = 0``); ``criterion`` the final relative gap or
        fixed-point residual.
    """
    lam = alpha * problem.lam_kept
    loss = problem.loss
    design = problem.design
    fi = problem.fit_intercept
    if design.n_features == 0:
        b, _ = null_model(loss, fi)
        return beta, b, 0, 0.0, 0.0, True
    hybrid = solver in ("auto", "hybrid")
    if hybrid:
        beta, intercept, n_iter, gap, crit = solve_hybrid(
            design, loss, lam, beta, intercept, fi, max_iter, tol, ws=ws)
    else:
        from skfrugal.proximal._penalty import SortedPenalty

        beta, intercept, n_iter, crit, gap = solve_prox_grad(
            design, loss, lam, SortedPenalty("l1"), beta, intercept, fi, max_iter, tol,
            use_gap=True)
    converged = crit <= tol
    if alpha == 0 or lam[0] == 0:
        gap = np.nan
    if not penalty.convex and lam[0] > 0:
        beta, intercept, n2, crit, _ = solve_prox_grad(
            design, loss, lam, penalty, beta, intercept, fi, max_iter, tol, use_gap=False)
        n_iter += n2
        gap = np.nan
        converged = crit <= tol or n2 < max_iter
    return beta, intercept, n_iter, gap, crit, converged


def relaxed_refit(problem, beta, intercept, max_iter, tol):
    """Unpenalised refit on the pattern of ``beta`` (kept features).

    The pattern matrix ``U`` has one column per non-zero cluster (the signs of its
    coefficients on its features); the loss is minimised over ``X U c`` (and the
    intercept) and the refit is ``U c``.

    Returns
    -------
    beta, intercept, converged
    """
    labels, k = cluster_labels(beta)
    if k == 0:
        return beta, intercept, True
    flat = beta.reshape(-1)
    lab = labels.reshape(-1)
    U = np.zeros((flat.size, k))
    nz = np.flatnonzero(lab)
    U[nz, lab[nz] - 1] = np.sign(flat[nz])
    c0 = np.zeros(k)
    c0[lab[nz] - 1] = np.abs(flat[nz])
    X = problem.design.X
    if problem.n_outputs == 1:
        Xr = Design(np.asarray(X @ U))
        c, b, _, _, crit = solve_hybrid(Xr, problem.loss, np.zeros(k), c0, intercept,
                                        problem.fit_intercept, max_iter, tol,
                                        working_set=False)
        return U @ c, b, crit <= tol
    # multinomial refit by proximal gradient without penalty on the cluster values
    from skfrugal.proximal._penalty import SortedPenalty

    p, K = beta.shape
    Ur = U.reshape(p, K, k)
    Xr = np.concatenate([np.asarray(X @ Ur[:, kk, :]) for kk in range(K)], axis=1)
    # z = X B, B[:, kk] = Ur[:, kk, :] c: z[:, kk] = (X Ur[:, kk, :]) c, a block design
    design = _BlockDesign(Xr, K, k)
    c, b, _, crit, _ = solve_prox_grad(design, problem.loss, np.zeros(k), SortedPenalty("l1"),
                                       c0, intercept, problem.fit_intercept, max_iter, tol,
                                       use_gap=False)
    return (U @ c).reshape(p, K), b, crit <= tol


class _BlockDesign:
    """``z[:, k] = A_k c`` with ``A_k = Xr[:, k m:(k + 1) m]``: the relaxed multinomial."""

    sparse = False

    def __init__(self, Xr, K, m):
        self.Xr, self.K, self.m = Xr, K, m
        self.n_samples, self.n_features = Xr.shape[0], m
        self.X = Xr  # used for the column norms of the step size

    def matvec(self, c):
        return np.stack([self.Xr[:, k * self.m:(k + 1) * self.m] @ c
                         for k in range(self.K)], axis=1)

    def rmatvec(self, G):
        return sum(self.Xr[:, k * self.m:(k + 1) * self.m].T @ G[:, k] for k in range(self.K))

    def wcol_sq(self, h, xmean):
        return sum((self.Xr[:, k * self.m:(k + 1) * self.m] ** 2).T @ h
                   for k in range(self.K))
