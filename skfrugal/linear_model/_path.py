"""Regularisation path of sorted-penalty regression, with strong screening, and CV."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_X_y, validate_data

from skfrugal.linear_model._slope import (
    PENALTIES,
    SLOPERegression,
    _SLOPEBase,
    check_constant_columns,
    resolve_lambdas,
)
from skfrugal.linear_model._solvers import (
    Design,
    alpha_max_ls,
    cluster_labels,
    ls_gap,
    solve_prox_grad,
    solve_slope_ls,
    squared_loss,
)
from skfrugal.proximal._lambdas import LAMBDA_KINDS


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


def _kkt_violators(grad, beta, lam, tol):
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


def slope_path(
    X,
    y,
    *,
    alphas=None,
    n_alphas=100,
    alpha_min_ratio=None,
    lambdas="bh",
    q=0.1,
    penalty="l1",
    gamma=3.0,
    a=3.7,
    eps=1.0,
    lq_exponent=0.5,
    fit_intercept=True,
    max_iter=1000,
    tol=1e-7,
    screening=True,
):
    r"""Compute the regularisation path of sorted-penalty least squares.

    Solves :class:`SLOPERegression`'s problem for a decreasing grid of ``alpha``,
    each from the previous solution (warm start). For SLOPE, the strong screening rule
    (Larsson, Bogdan and Wallin 2020) predicts the active features at the next
    ``alpha``; the problem is solved on them plus the current support, then the
    optimality conditions of the full problem are checked and violators added until
    none remain, so the path is exact. Non-convex penalties are warm-started along the
    path from their previous solution.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Design.
    y : array-like of shape (n_samples,)
        Target.
    alphas : array-like, default=None
        Decreasing values of ``alpha``; if None, a log grid from ``alpha_max``
        (smallest ``alpha`` with a zero solution) to ``alpha_min_ratio * alpha_max``.
    n_alphas : int, default=100
        Length of the automatic grid.
    alpha_min_ratio : float, default=None
        End of the automatic grid relative to ``alpha_max``; 1e-2 if
        ``n_samples < n_features`` else 1e-4.
    lambdas : {"bh", "gaussian", "oscar", "lasso"} or array-like, default="bh"
        Weight sequence.
    q : float, default=0.1
        FDR level of the ``"bh"`` and ``"gaussian"`` sequences.
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        Scalar penalty.
    gamma : float, default=3.0
        MCP parameter.
    a : float, default=3.7
        SCAD parameter.
    eps : float, default=1.0
        Log-sum parameter.
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty, in (0, 1).
    fit_intercept : bool, default=True
        Fit an intercept.
    max_iter : int, default=1000
        Maximum iterations per ``alpha``.
    tol : float, default=1e-7
        Relative duality gap (SLOPE) or fixed-point residual (non-convex).
    screening : bool, default=True
        Use the strong rule and working sets (SLOPE only).

    Returns
    -------
    path : Bunch
        ``alphas`` (n_alphas,), ``coefs`` (n_features, n_alphas), ``intercepts``
        (n_alphas,), ``dual_gaps`` (n_alphas,; NaN for non-convex penalties),
        ``n_iter`` (n_alphas,), ``n_clusters`` (n_alphas,) and ``lambdas``
        (n_features,).

    See Also
    --------
    SLOPERegression : One point of the path.
    SLOPERegressionCV : Choice of ``alpha`` on the path by cross-validation.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.linear_model import slope_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 8))
    >>> y = X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(50)
    >>> path = slope_path(X, y, n_alphas=5)
    >>> path.coefs.shape
    (8, 5)
    >>> path.n_clusters
    array([0, 2, 4, 8, 8])
    """
    X, y = check_X_y(X, y, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
                     y_numeric=True, ensure_min_samples=2)
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got {penalty!r}")
    y = np.asarray(y, dtype=np.float64)
    n, p = X.shape
    check_constant_columns(X, fit_intercept)
    lam = resolve_lambdas(lambdas, q, p, n)
    design = Design(X, fit_intercept)
    amax = alpha_max_ls(design, y, lam)
    if alphas is None:
        if not isinstance(n_alphas, Integral) or n_alphas < 1:
            raise ValueError(f"n_alphas must be an int >= 1, got {n_alphas!r}")
        ratio = alpha_min_ratio if alpha_min_ratio is not None else (
            1e-2 if n < p else 1e-4)
        if not 0 < ratio <= 1:
            raise ValueError(f"alpha_min_ratio must be in (0, 1], got {ratio!r}")
        alphas = amax * np.geomspace(1.0, ratio, n_alphas) if amax > 0 else np.zeros(1)
    else:
        alphas = np.asarray(alphas, dtype=np.float64).ravel()
        if alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError("alphas must be a non-empty array of finite values >= 0")
        if np.any(np.diff(alphas) > 0):
            raise ValueError("alphas must be non-increasing")
    param = {"l1": 0.0, "mcp": gamma, "scad": a, "log": eps, "lq": lq_exponent}[penalty]
    k = alphas.size
    coefs = np.zeros((p, k))
    intercepts = np.zeros(k)
    gaps = np.full(k, np.nan)
    n_iters = np.zeros(k, dtype=np.int64)
    beta = np.zeros(p)
    b0 = float(y.mean()) if fit_intercept else 0.0
    y_c = y - y.mean() if fit_intercept else y
    grad = -design.rmatvec(y_c) / n
    alpha_prev = max(amax, alphas[0])
    for i, alpha in enumerate(alphas):
        lam_a = alpha * lam
        if penalty != "l1":
            beta, b0, it, _, _ = solve_prox_grad(
                design, squared_loss(y), lam_a, penalty, param,
                beta if i else solve_slope_ls(design, y, lam_a, beta, max_iter, tol)[0],
                b0, fit_intercept, max_iter, tol, accelerate=True,
            )
            coefs[:, i], intercepts[i], n_iters[i] = beta, b0, it
            continue
        if not screening:
            beta, b0, it, gap, _ = solve_slope_ls(design, y, lam_a, beta, max_iter, tol)
        else:
            order = np.argsort(-np.abs(grad))
            size = strong_set_size(np.abs(grad)[order], lam_a, alpha_prev * lam)
            work = np.union1d(order[:size], np.flatnonzero(beta))
            it = 0
            while True:
                if work.size:
                    sub = Design(X[:, work], fit_intercept)
                    bw, b0, it_w, gap, _ = solve_slope_ls(sub, y, lam_a[: work.size],
                                                          beta[work], max_iter, tol)
                    it += it_w
                    beta = np.zeros(p)
                    beta[work] = bw
                else:
                    b0 = float(y.mean()) if fit_intercept else 0.0
                r = y_c - design.matvec(beta, centered=True)
                grad = -design.rmatvec(r) / n
                viol = _kkt_violators(grad, beta, lam_a, 1e-10 * max(lam_a[0], 1e-300))
                viol = np.setdiff1d(viol, work)
                if viol.size == 0:
                    break
                work = np.union1d(work, viol)
            # duality gap of the full problem at the working-set solution
            _, _, gap = ls_gap(r, grad, beta, lam_a, y_c, n)
        coefs[:, i], intercepts[i], gaps[i], n_iters[i] = beta, b0, gap, it
        alpha_prev = alpha
    n_clusters = np.array([cluster_labels(coefs[:, i])[1] for i in range(k)])
    return Bunch(alphas=alphas, coefs=coefs, intercepts=intercepts, dual_gaps=gaps,
                 n_iter=n_iters, n_clusters=n_clusters, lambdas=lam)


class SLOPERegressionCV(RegressorMixin, _SLOPEBase):
    """Sorted-penalty regression with ``alpha`` (and optionally ``q``) chosen by CV.

    For each candidate ``q`` (the FDR level of the BH / Gaussian weights), the path of
    :func:`slope_path` is computed on each training fold on a common grid of
    ``alpha`` (from the whole data's ``alpha_max``), the mean squared error on the
    held-out fold is averaged, and the best ``(alpha, q)`` is refitted on all the data
    with :class:`SLOPERegression`.

    Parameters
    ----------
    alphas : array-like, default=None
        Decreasing grid of ``alpha``; automatic if None.
    n_alphas : int, default=30
        Length of the automatic grid.
    alpha_min_ratio : float, default=None
        End of the automatic grid relative to ``alpha_max`` (see :func:`slope_path`).
    qs : array-like, default=None
        Values of ``q`` to compare; None uses ``[q]``.
    cv : int, cross-validation generator or iterable, default=5
        Folds, as in scikit-learn.
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        Scalar penalty.
    lambdas : {"bh", "gaussian", "oscar", "lasso"} or array-like, default="bh"
        Weight sequence.
    q : float, default=0.1
        FDR level used when ``qs`` is None.
    gamma : float, default=3.0
        MCP parameter.
    a : float, default=3.7
        SCAD parameter.
    eps : float, default=1.0
        Log-sum parameter.
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty, in (0, 1).
    fit_intercept : bool, default=True
        Fit an intercept.
    max_iter : int, default=1000
        Maximum iterations per fit.
    tol : float, default=1e-7
        Tolerance of each fit.

    Attributes
    ----------
    alpha_ : float
        Chosen ``alpha``.
    q_ : float
        Chosen ``q``.
    alphas_ : ndarray of shape (n_qs, n_alphas)
        The grids (one per ``q``).
    mse_path_ : ndarray of shape (n_qs, n_alphas, n_folds)
        Held-out mean squared errors.
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refitted model.
    intercept_ : float
        Intercept of the refitted model.
    clusters_ : ndarray of shape (n_features,)
        Cluster labels of the refitted model.
    n_clusters_ : int
        Number of non-zero clusters of the refitted model.
    n_iter_ : int
        Iterations of the refit.
    dual_gap_ : float
        Duality gap of the refit (NaN for non-convex penalties).
    lambdas_ : ndarray of shape (n_features,)
        Weight sequence of the refit.
    best_estimator_ : SLOPERegression
        The refitted model.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    See Also
    --------
    SLOPERegression : The model at a fixed ``alpha``.
    slope_path : The path computed on each fold.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.linear_model import SLOPERegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 10))
    >>> y = X[:, 0] + X[:, 1] + 0.5 * rng.standard_normal(80)
    >>> reg = SLOPERegressionCV(n_alphas=10, qs=[0.05, 0.2], cv=3).fit(X, y)
    >>> reg.mse_path_.shape
    (2, 10, 3)
    >>> bool(reg.score(X, y) > 0.8)
    True
    """

    _parameter_constraints: dict = {
        "alphas": ["array-like", None],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
        "alpha_min_ratio": [Interval(Real, 0, 1, closed="right"), None],
        "qs": ["array-like", None],
        "cv": ["cv_object"],
        "penalty": [StrOptions(set(PENALTIES))],
        "lambdas": [StrOptions(set(LAMBDA_KINDS)), "array-like"],
        "q": [Interval(Real, 0, 1, closed="neither")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "a": [Interval(Real, 2, None, closed="neither")],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "lq_exponent": [Interval(Real, 0, 1, closed="neither")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        alphas=None,
        n_alphas=30,
        alpha_min_ratio=None,
        qs=None,
        cv=5,
        penalty="l1",
        lambdas="bh",
        q=0.1,
        gamma=3.0,
        a=3.7,
        eps=1.0,
        lq_exponent=0.5,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-7,
    ):
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.qs = qs
        self.cv = cv
        self.penalty = penalty
        self.lambdas = lambdas
        self.q = q
        self.gamma = gamma
        self.a = a
        self.eps = eps
        self.lq_exponent = lq_exponent
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Choose ``alpha`` (and ``q``) by cross-validation, then refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self, X, y, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
            y_numeric=True, ensure_min_samples=2,
        )
        y = np.asarray(y, dtype=np.float64)
        n, p = X.shape
        check_constant_columns(X, self.fit_intercept)
        qs = [self.q] if self.qs is None else [float(v) for v in np.ravel(self.qs)]
        for v in qs:
            if not 0 < v < 1:
                raise ValueError(f"qs must be in (0, 1), got {v!r}")
        cv = check_cv(self.cv)
        folds = list(cv.split(X, y))
        common = dict(penalty=self.penalty, gamma=self.gamma, a=self.a, eps=self.eps,
                      lq_exponent=self.lq_exponent, fit_intercept=self.fit_intercept,
                      max_iter=self.max_iter, tol=self.tol)
        grids, mse = [], []
        for qv in qs:
            lam = resolve_lambdas(self.lambdas, qv, p, n)
            if self.alphas is None:
                amax = alpha_max_ls(Design(X, self.fit_intercept), y, lam)
                ratio = self.alpha_min_ratio or (1e-2 if n < p else 1e-4)
                grid = amax * np.geomspace(1.0, ratio, self.n_alphas)
            else:
                grid = np.sort(np.asarray(self.alphas, dtype=np.float64).ravel())[::-1]
            errs = np.empty((grid.size, len(folds)))
            for f, (train, test) in enumerate(folds):
                path = slope_path(X[train], y[train], alphas=grid, lambdas=lam, **common)
                pred = np.asarray(X[test] @ path.coefs) + path.intercepts
                errs[:, f] = np.mean((pred - y[test][:, None]) ** 2, axis=0)
            grids.append(grid)
            mse.append(errs)
        self.alphas_ = np.array(grids)
        self.mse_path_ = np.array(mse)
        iq, ia = np.unravel_index(np.argmin(self.mse_path_.mean(axis=2)),
                                  self.mse_path_.shape[:2])
        self.q_ = qs[iq]
        self.alpha_ = float(self.alphas_[iq, ia])
        best = SLOPERegression(alpha=self.alpha_, lambdas=self.lambdas, q=self.q_, **common)
        best.fit(X, y)
        self.best_estimator_ = best
        for name in ("coef_", "intercept_", "clusters_", "n_clusters_", "n_iter_",
                     "dual_gap_", "lambdas_"):
            setattr(self, name, getattr(best, name))
        return self

    def predict(self, X):
        """Predict with the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=[np.float64, np.float32])
        return np.asarray(X @ self.coef_).ravel() + self.intercept_
