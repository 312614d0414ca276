"""Graphical lasso along a path of penalties, and the choice of ``alpha`` by
cross-validation (:class:`GraphicalLassoCV`)."""

import operator
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import _fit_context
from sklearn.covariance import EmpiricalCovariance, empirical_covariance, log_likelihood
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv, cross_val_score
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import validate_data

from skfrugal.covariance._exceptions import NotPositiveDefiniteError
from skfrugal.covariance._graphical_lasso import (
    PENALTY_CONSTRAINTS,
    SOLVER_CONSTRAINTS,
    _BaseGraphicalLasso,
    fit_penalized,
)
from skfrugal.covariance._linalg import cholesky
from skfrugal.covariance._validation import (
    check_covariance,
    check_variances,
    empirical_covariance_checked,
)


def alpha_max(S):
    """The smallest ``alpha`` at which the graphical lasso of ``S`` has no edge:
    ``max_{i≠j} |S_ij|``."""
    off = np.abs(S)
    np.fill_diagonal(off, 0.0)
    return float(off.max())


def path_fits(S, alphas, *, precision_init=None, penalty="l1", gamma=3.0, a=3.7,
              solver="auto", tol=1e-4, max_iter=100):
    """Fit the graphical lasso of ``S`` at each ``alpha``, each fit warm-started from
    the previous successful one.

    Failed fits (a ``FloatingPointError``: no positive-definite solution found, or a
    singular ``S`` without penalty) do not stop the path; fits that did not reach
    ``tol`` are kept.

    Returns
    -------
    fits : list of tuple
        Per alpha, ``(covariance, precision, n_iter, gap, converged, error, weights)``:
        the matrices are None and ``error`` the message when the fit failed;
        ``weights`` is the penalty of the last solve (the LLA weights for MCP/SCAD).
    """
    fits = []
    init = precision_init
    for alpha in alphas:
        try:
            cov, prec, n_iter, gap, conv, weights = fit_penalized(
                S, float(alpha), penalty, gamma, a, precision_init=init,
                max_iter=max_iter, tol=tol, solver=solver, warn=False)
            if not np.all(np.isfinite(prec)) or not cholesky(prec)[1]:
                raise NotPositiveDefiniteError("the solution is not positive definite")
        except FloatingPointError as exc:
            fits.append((None, None, 0, np.nan, False, str(exc), None))
            continue
        fits.append((cov, prec, n_iter, gap, conv, None, weights))
        init = prec
    return fits


def check_alphas(alphas, name="alphas"):
    """An explicit grid of penalties as a decreasing array of distinct values ``>= 0``."""
    grid = check_array(alphas, dtype=np.float64, ensure_2d=False, input_name=name)
    if grid.ndim != 1 or np.any(grid < 0):
        raise ValueError(f"{name} must be a 1-d array of non-negative numbers, got "
                         f"{alphas!r}")
    return np.unique(grid)[::-1]


def warn_path_fits(alphas, fits, tol, where="path"):
    """:func:`_warn_path` on the results of :func:`path_fits`."""
    _warn_path([al for al, f in zip(alphas, fits) if f[5] is not None],
               [al for al, f in zip(alphas, fits) if f[5] is None and not f[4]],
               len(fits), tol, where)


def _warn_path(failed, unconverged, n_fits, tol, where="path"):
    """One warning for the failed fits, one for those that did not reach ``tol``."""
    if failed:
        shown = ", ".join(f"{a:.4g}" for a in sorted(set(failed), reverse=True)[:8])
        warnings.warn(
            f"{len(failed)} of {n_fits} {where} fits failed (no positive-definite "
            f"solution; alphas {shown}); they score -inf and cannot be chosen",
            ConvergenceWarning,
            stacklevel=3,
        )
    if unconverged:
        shown = ", ".join(f"{a:.4g}" for a in sorted(set(unconverged), reverse=True)[:8])
        warnings.warn(
            f"{len(unconverged)} of {n_fits} {where} fits did not reach the duality gap "
            f"tol={tol:g} (alphas {shown}); increase max_iter",
            ConvergenceWarning,
            stacklevel=3,
        )


@validate_params(
    {
        "X": ["array-like"],
        "alphas": ["array-like"],
        "cov_init": ["array-like", None],
        "X_test": ["array-like", None],
        **PENALTY_CONSTRAINTS,
        **SOLVER_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def graphical_lasso_path(X, alphas, cov_init=None, X_test=None, *, penalty="l1",
                         gamma=3.0, a=3.7, solver="auto", tol=1e-4, max_iter=100):
    """Graphical lasso of the data ``X`` along a path of penalties, warm-started.

    The interface of :func:`sklearn.covariance.graphical_lasso_path`: the empirical
    covariance of ``X`` (centred) is fitted at each ``alpha``, each fit starting from
    the previous solution (give ``alphas`` in decreasing order: sparse solutions
    first), and ``X_test`` is scored by the Gaussian log-likelihood of its empirical
    covariance. Every fit runs to ``tol`` (scikit-learn's path fits stop after
    ``max_iter`` iterations, 10 in its cross-validation).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Training data.
    alphas : array-like of shape (n_alphas,)
        Penalties (``>= 0``), preferably decreasing.
    cov_init : array-like of shape (n_features, n_features), default=None
        Initial covariance; its inverse warm-starts the first fit.
    X_test : array-like of shape (n_test_samples, n_features), default=None
        Held-out data to score.
    penalty : {"l1", "mcp", "scad"}, default="l1"
        See :func:`graphical_lasso`.
    gamma : float, default=3.0
        MCP concavity.
    a : float, default=3.7
        SCAD parameter.
    solver : {"auto", "bcd", "quic", "admm"}, default="auto"
        See :class:`GraphicalLasso`.
    tol : float, default=1e-4
        Duality-gap tolerance of every fit.
    max_iter : int, default=100
        Iterations per fit.

    Returns
    -------
    covariances_ : list of ndarray of shape (n_features, n_features)
        One per alpha; all NaN where the fit failed (a ``ConvergenceWarning`` lists
        the failed alphas, and those that did not reach ``tol``).
    precisions_ : list of ndarray of shape (n_features, n_features)
        The sparse precision matrices (all NaN where the fit failed).
    scores_ : list of float
        Log-likelihood of ``X_test`` at each alpha (``-inf`` where the fit failed);
        returned only when ``X_test`` is given.

    Examples
    --------
    >>> from skfrugal.covariance import graphical_lasso_path
    >>> from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
    >>> prec = make_sparse_precision(8, n_edges=6, random_state=0)
    >>> X = sample_gaussian_graph(400, prec, random_state=0)
    >>> covs, precs, scores = graphical_lasso_path(X[:300], [0.3, 0.1, 0.03],
    ...                                            X_test=X[300:])
    >>> [int((abs(P) > 0).sum() - 8) // 2 for P in precs]  # edges: more as alpha falls
    [6, 7, 12]
    >>> bool(scores[1] > scores[0])
    True
    """
    X = check_array(X, dtype=np.float64, ensure_min_samples=2, ensure_min_features=2,
                    input_name="X")
    p = X.shape[1]
    _, S = empirical_covariance_checked(X)
    check_variances(S, "the empirical covariance of X")
    alphas = check_array(alphas, dtype=np.float64, ensure_2d=False, input_name="alphas")
    if alphas.ndim != 1 or np.any(alphas < 0):  # kept in the given order
        raise ValueError(f"alphas must be a 1-d array of non-negative numbers, got {alphas}")
    init = None
    if cov_init is not None:
        cov_init = check_covariance(cov_init, "cov_init")
        if cov_init.shape != (p, p):
            raise ValueError(f"cov_init has shape {cov_init.shape}, expected {(p, p)}")
        init = np.linalg.inv(cov_init) if cholesky(cov_init)[1] else None
    S_test = None
    if X_test is not None:
        X_test = check_array(X_test, dtype=np.float64, input_name="X_test")
        if X_test.shape[1] != p:
            raise ValueError(f"X_test has {X_test.shape[1]} features, X has {p}")
        S_test = empirical_covariance(X_test)
    fits = path_fits(S, alphas, precision_init=init, penalty=penalty, gamma=gamma, a=a,
                     solver=solver, tol=tol, max_iter=max_iter)
    warn_path_fits(alphas, fits, tol)
    nan = np.full((p, p), np.nan)
    covariances = [nan.copy() if f[0] is None else f[0] for f in fits]
    precisions = [nan.copy() if f[1] is None else f[1] for f in fits]
    if S_test is None:
        return covariances, precisions
    return covariances, precisions, [_score(S_test, f[1]) for f in fits]


def _score(S_test, precision):
    """Held-out Gaussian log-likelihood (``-inf`` for a failed or non-finite fit)."""
    if precision is None:
        return -np.inf
    score = log_likelihood(S_test, precision)
    return float(score) if np.isfinite(score) else -np.inf


class GraphicalLassoCV(_BaseGraphicalLasso):
    """Sparse inverse covariance with ``alpha`` chosen by cross-validation.

    The interface and selection rule of :class:`sklearn.covariance.GraphicalLassoCV`
    (the same grid, refinements, held-out log-likelihood and ``cv_results_``; with
    the same folds and converged fits it chooses the same ``alpha``), on the solver of
    :class:`GraphicalLasso`:

    * every path fit runs to ``tol`` (scikit-learn stops its path fits after
      ``max_iter / 10`` iterations, which makes its scores, and the chosen
      ``alpha``, depend on where the iterations stopped);
    * the path of each fold is warm-started along the decreasing grid, and each
      refinement starts from the fold's solution at the edge of the refined interval;
    * failed fits are explicit: a fit with no positive-definite solution scores
      ``-inf`` in its fold (as scikit-learn), such an ``alpha`` cannot be chosen, a
      ``ConvergenceWarning`` lists them (and the fits that did not reach ``tol``),
      and a ``ValueError`` is raised when every ``alpha`` failed in some fold.

    Parameters
    ----------
    alphas : int or array-like of shape (n_alphas,), default=4
        The grid, or its length ``>= 2``: geometric from ``alpha_max`` (the largest
        off-diagonal ``|S_ij|``, where the graph is empty) down to
        ``alpha_max / 100``, then refined around the best value.
    n_refinements : int, default=4
        Number of grid refinements (not used for an explicit grid).
    cv : int, cross-validation generator or iterable, default=None
        Folds (see :func:`sklearn.model_selection.check_cv`; None: 5-fold).
    penalty : {"l1", "mcp", "scad"}, default="l1"
        See :class:`GraphicalLasso`.
    gamma : float, default=3.0
        MCP concavity.
    a : float, default=3.7
        SCAD parameter.
    solver : {"auto", "bcd", "quic", "admm"}, default="auto"
        See :class:`GraphicalLasso`.
    max_iter : int, default=100
        Iterations of every fit (path fits included).
    tol : float, default=1e-4
        Duality-gap tolerance of every fit.
    n_jobs : int, default=None
        Folds fitted in parallel (threads: the solver releases the GIL).
    assume_centered : bool, default=False
        If True, do not centre the data.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated mean.
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance at ``alpha_``.
    precision_ : ndarray of shape (n_features, n_features)
        Estimated sparse precision at ``alpha_``.
    alpha_ : float
        The chosen penalty.
    cv_results_ : dict of ndarray
        ``alphas`` (every alpha explored, decreasing, then 0, scored by the
        empirical covariance as in scikit-learn), ``split{k}_test_score`` (held-out
        log-likelihood of fold ``k``, ``-inf`` for a failed fit),
        ``mean_test_score`` and ``std_test_score``.
    n_iter_ : int
        Iterations of the final fit.
    dual_gap_ : float
        Duality gap of the final fit.
    penalty_weights_ : ndarray of shape (n_features, n_features)
        Only for ``penalty="mcp"`` or ``"scad"``; see :class:`GraphicalLasso`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    GraphicalLasso : The estimator at a fixed ``alpha``.
    GraphicalLassoEBIC : Chooses ``alpha`` by the extended BIC (no refits, sparser
        graphs).
    graphical_lasso_path : The path fits.
    sklearn.covariance.GraphicalLassoCV : The reference implementation.

    Examples
    --------
    >>> from skfrugal.covariance import GraphicalLassoCV
    >>> from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
    >>> prec = make_sparse_precision(8, n_edges=6, random_state=0)
    >>> X = sample_gaussian_graph(300, prec, random_state=0)
    >>> model = GraphicalLassoCV().fit(X)
    >>> bool(model.alpha_ in model.cv_results_["alphas"])
    True
    >>> sorted(model.cv_results_)[:3]
    ['alphas', 'mean_test_score', 'split0_test_score']
    """

    _parameter_constraints: dict = {
        "alphas": [Interval(Integral, 2, None, closed="left"), "array-like"],
        "n_refinements": [Interval(Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        **PENALTY_CONSTRAINTS,
        **SOLVER_CONSTRAINTS,
        "n_jobs": [Integral, None],
        "assume_centered": ["boolean"],
    }

    def __init__(self, *, alphas=4, n_refinements=4, cv=None, penalty="l1", gamma=3.0,
                 a=3.7, solver="auto", max_iter=100, tol=1e-4, n_jobs=None,
                 assume_centered=False):
        self.alphas = alphas
        self.n_refinements = n_refinements
        self.cv = cv
        self.penalty = penalty
        self.gamma = gamma
        self.a = a
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.assume_centered = assume_centered

    def _fold(self, S_train, S_test, alphas, starts):
        """One fold's path on ``alphas`` (decreasing), warm-started from the stored
        solution at the nearest larger alpha. Returns (scores, fits by alpha)."""
        larger = [al for al in starts if al > alphas[0]]
        init = starts[min(larger)] if larger else None
        fits = path_fits(S_train, alphas, precision_init=init, penalty=self.penalty,
                         gamma=self.gamma, a=self.a, solver=self.solver, tol=self.tol,
                         max_iter=self.max_iter)
        scores = [_score(S_test, f[1]) for f in fits]
        return scores, fits

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose ``alpha`` by cross-validation, then fit on all of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data (at least 2 features, and enough samples for the folds).
        y : None
            Ignored (passed to the splitter).

        Returns
        -------
        self : GraphicalLassoCV
            The fitted estimator.
        """
        X = validate_data(self, X, ensure_min_features=2, ensure_min_samples=2, order="C")
        self.location_, S = empirical_covariance_checked(X, self.assume_centered)
        check_variances(S, "the empirical covariance of X")
        folds = list(check_cv(self.cv, y, classifier=False).split(X, y))
        fold_covs = []
        for k, (train, test) in enumerate(folds):
            S_train = empirical_covariance_checked(X[train], self.assume_centered)[1]
            check_variances(S_train, f"the training covariance of cross-validation "
                                     f"split {k}")
            S_test = empirical_covariance(X[test], assume_centered=self.assume_centered)
            fold_covs.append((S_train, S_test))
        if isinstance(self.alphas, Integral):
            n_refinements = self.n_refinements
            top = alpha_max(S)
            alphas = np.logspace(np.log10(1e-2 * top), np.log10(top), self.alphas)[::-1]
        else:
            alphas = check_alphas(self.alphas)
            n_refinements = 1
        path = []  # (alpha, fold scores), decreasing alpha
        starts = [{} for _ in folds]  # per fold: alpha -> precision, for warm starts
        failed, unconverged, n_fits = [], [], 0
        for _ in range(n_refinements):
            results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(self._fold)(S_train, S_test, alphas, start)
                for (S_train, S_test), start in zip(fold_covs, starts))
            for k, (_, fits) in enumerate(results):
                for al, f in zip(alphas, fits):
                    n_fits += 1
                    if f[5] is not None:
                        failed.append(al)
                    elif not f[4]:
                        unconverged.append(al)
                    else:
                        starts[k][al] = f[1]
            scores = np.array([r[0] for r in results]).T  # (n_alphas, n_folds)
            path.extend(zip(alphas, scores))
            path = sorted(path, key=operator.itemgetter(0), reverse=True)
            best_index, alpha_1, alpha_0 = _select(path)
            for start in starts:  # keep the warm start of the refined interval only
                for al in [al for al in start if al != alpha_1]:
                    del start[al]
            if isinstance(self.alphas, Integral):
                # stop when the refined interval collapsed, or lies below 1e-12
                # alpha_max (fits there are the inverse of S to 1e-12): bounded
                # whatever n_refinements
                if not alpha_1 > alpha_0 * (1.0 + 1e-10) or alpha_1 < 1e-12 * top:
                    break
                alphas = np.logspace(np.log10(alpha_1), np.log10(alpha_0),
                                     self.alphas + 2)[1:-1]
        _warn_path(failed, unconverged, n_fits, self.tol, where="cross-validation path")
        grid = [al for al, _ in path]
        grid_scores = [sc for _, sc in path]
        if not np.isfinite(np.mean(grid_scores[best_index])):
            raise ValueError(
                "cross-validation failed: every alpha has a fold without a "
                f"positive-definite fit (alphas {grid[0]:.3g} to {grid[-1]:.3g})")
        # alpha = 0, the empirical covariance, as scikit-learn reports it
        grid.append(0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            grid_scores.append(cross_val_score(
                EmpiricalCovariance(assume_centered=self.assume_centered), X, cv=folds))
        grid_scores = np.array(grid_scores)
        self.cv_results_ = {"alphas": np.array(grid)}
        for k in range(grid_scores.shape[1]):
            self.cv_results_[f"split{k}_test_score"] = grid_scores[:, k]
        with np.errstate(invalid="ignore"):  # -inf scores of failed fits: nan std
            self.cv_results_["mean_test_score"] = np.mean(grid_scores, axis=1)
            self.cv_results_["std_test_score"] = np.std(grid_scores, axis=1)
        self.alpha_ = float(grid[best_index])
        self._store(self._fit_at(S, self.alpha_))
        return self


def _select(path):
    """scikit-learn's choice on ``path`` (decreasing alphas): the best mean score (the
    smallest alpha among ties), and the interval to refine. Returns
    ``(best_index, alpha_1, alpha_0)``."""
    best_score = -np.inf
    best_index = 0
    last_finite_idx = 0
    for index, (_, scores) in enumerate(path):
        with np.errstate(invalid="ignore"):
            this_score = np.mean(scores)
        if this_score >= 0.1 / np.finfo(np.float64).eps:
            this_score = np.nan
        if np.isfinite(this_score):
            last_finite_idx = index
        if this_score >= best_score:
            best_score = this_score
            best_index = index
    if best_index == 0:
        return best_index, path[0][0], path[1][0] if len(path) > 1 else 1e-2 * path[0][0]
    if best_index == last_finite_idx and best_index != len(path) - 1:
        return best_index, path[best_index][0], path[best_index + 1][0]
    if best_index == len(path) - 1:
        return best_index, path[best_index][0], 1e-2 * path[best_index][0]
    return best_index, path[best_index - 1][0], path[best_index + 1][0]
