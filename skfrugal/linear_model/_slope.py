"""SLOPE and sorted non-convex penalised regression and classification estimators."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.linear_model._solvers import (
    Design,
    cluster_labels,
    logistic_gap,
    logistic_loss,
    ls_gap,
    solve_prox_grad,
    solve_slope_ls,
    squared_loss,
)
from skfrugal.proximal._lambdas import LAMBDA_KINDS, lambda_sequence
from skfrugal.proximal._prox import check_lambdas

PENALTIES = ("l1", "mcp", "scad", "log", "lq")


def resolve_lambdas(lambdas, q, n_features, n_samples):
    """Return the weight sequence named by ``lambdas`` (or the validated array)."""
    if isinstance(lambdas, str):
        return lambda_sequence(n_features, lambdas, q=q, n_samples=n_samples)
    return check_lambdas(lambdas, n_features)


def check_constant_columns(X, fit_intercept):
    """Raise if a column of ``X`` is constant (its coefficient is not identified)."""
    if not fit_intercept:
        return
    if sp.issparse(X):
        Xc = X.tocsc()
        n = X.shape[0]
        mean = np.asarray(Xc.mean(axis=0)).ravel()
        sq = np.asarray(Xc.multiply(Xc).sum(axis=0)).ravel() / n
        var = sq - mean**2
        scale = np.maximum(sq, 1e-300)
        const = var <= 1e-14 * scale
    else:
        const = np.ptp(X, axis=0) == 0
    if np.any(const):
        cols = np.flatnonzero(const)
        raise ValueError(
            f"X has {cols.size} constant column(s) (indices {cols[:10].tolist()}"
            f"{'...' if cols.size > 10 else ''}): their coefficients are not identified "
            "next to an intercept; remove them (e.g. with "
            "sklearn.feature_selection.VarianceThreshold) or set fit_intercept=False"
        )


class _SLOPEBase(BaseEstimator):
    """Parameters, validation and the sorted-penalty fit shared by the estimators."""

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "penalty": [StrOptions(set(PENALTIES))],
        "lambdas": [StrOptions(set(LAMBDA_KINDS)), "array-like"],
        "q": [Interval(Real, 0, 1, closed="neither")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "a": [Interval(Real, 2, None, closed="neither")],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "lq_exponent": [Interval(Real, 0, 1, closed="neither")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "hybrid", "fista"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        penalty="l1",
        lambdas="bh",
        q=0.1,
        gamma=3.0,
        a=3.7,
        eps=1.0,
        lq_exponent=0.5,
        fit_intercept=True,
        solver="auto",
        max_iter=1000,
        tol=1e-7,
        warm_start=False,
    ):
        self.alpha = alpha
        self.penalty = penalty
        self.lambdas = lambdas
        self.q = q
        self.gamma = gamma
        self.a = a
        self.eps = eps
        self.lq_exponent = lq_exponent
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _penalty_param(self):
        return {"l1": 0.0, "mcp": self.gamma, "scad": self.a, "log": self.eps,
                "lq": self.lq_exponent}[self.penalty]

    def _start(self, n_features):
        if self.warm_start and hasattr(self, "coef_") and self.coef_.shape == (n_features,):
            return self.coef_.copy(), float(self.intercept_)
        return np.zeros(n_features), 0.0

    def _set_fitted(self, coef, intercept, n_iter, gap):
        self.coef_ = coef
        self.intercept_ = float(intercept)
        self.n_iter_ = int(n_iter)
        self.dual_gap_ = gap
        self.clusters_, self.n_clusters_ = cluster_labels(coef)

    def _warn(self, converged, what):
        if not converged:
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter={self.max_iter} "
                f"iterations ({what}); increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=3,
            )


class SLOPERegression(RegressorMixin, _SLOPEBase):
    r"""Least squares with a sorted penalty: SLOPE and its non-convex relatives.

    Minimises

    .. math::
        \frac{1}{2n}\|y - \beta_0 - X\beta\|^2 + \sum_{i=1}^p
        \psi(|\beta|_{(i)}; \alpha\lambda_i),

    where :math:`|\beta|_{(1)} \ge \dots \ge |\beta|_{(p)}`. With ``penalty="l1"``,
    :math:`\psi(t; \alpha\lambda) = \alpha\lambda t` and this is SLOPE: the sorted L1
    norm controls the false discovery rate (BH weights) and clusters correlated
    features (their coefficients take exactly equal magnitudes). The non-convex
    penalties (MCP, SCAD, log-sum, l_q; see :func:`skfrugal.proximal.prox_sorted`)
    keep the clustering and remove the shrinkage bias on large coefficients.

    Solvers: SLOPE by hybrid coordinate descent (proximal gradient steps with the
    exact PAV prox identify the clusters, cluster-wise coordinate descent moves them;
    Larsson et al. 2023) to a relative duality gap ``tol``; non-convex penalties by
    monotone proximal gradient warm-started at the SLOPE solution, stopped on the
    fixed-point residual, with the step capped so that each prox is exact.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall regularisation strength (multiplies the weights), > 0.
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        The scalar penalty applied to the sorted magnitudes.
    lambdas : str or array-like of shape (n_features,), default="bh"
        Weight sequence: ``"bh"``, ``"gaussian"``, ``"oscar"`` or ``"lasso"`` (see
        :func:`skfrugal.proximal.lambda_sequence`), or a non-negative,
        non-increasing array.
    q : float, default=0.1
        False discovery rate level of the ``"bh"`` and ``"gaussian"`` sequences.
    gamma : float, default=3.0
        MCP parameter (> 0); the prox step is capped below ``gamma``.
    a : float, default=3.7
        SCAD parameter (> 2); the prox step is capped below ``a - 1``.
    eps : float, default=1.0
        Log-sum parameter (> 0).
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty, in (0, 1).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    solver : {"auto", "hybrid", "fista"}, default="auto"
        Solver of the SLOPE problem (for non-convex penalties, of their warm start):
        ``"hybrid"`` coordinate descent (the default under ``"auto"``) or accelerated
        proximal gradient ``"fista"``.
    max_iter : int, default=1000
        Maximum number of (proximal gradient) iterations.
    tol : float, default=1e-7
        Relative duality gap (SLOPE) or relative fixed-point residual (non-convex).
    warm_start : bool, default=False
        Start from the previous solution.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients.
    intercept_ : float
        Intercept.
    n_iter_ : int
        Number of iterations (gradient steps) run.
    dual_gap_ : float
        Duality gap at the solution for ``penalty="l1"``; NaN for non-convex penalties.
    clusters_ : ndarray of shape (n_features,), int
        0 for zero coefficients, then 1..K for the clusters of equal magnitude, by
        decreasing magnitude.
    n_clusters_ : int
        Number of non-zero clusters K.
    lambdas_ : ndarray of shape (n_features,)
        The weight sequence used (before multiplication by ``alpha``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    See Also
    --------
    SLOPEClassifier : The logistic loss.
    SLOPERegressionCV : Choice of ``alpha`` by cross-validation.
    slope_path : The regularisation path.

    References
    ----------
    .. [1] M. Bogdan, E. van den Berg, C. Sabatti, W. Su and E. J. Candès, "SLOPE:
       adaptive variable selection via convex optimization", Ann. Appl. Stat., 2015.
    .. [2] J. Larsson, Q. Klopfenstein, M. Massias and J. Wallin, "Coordinate descent
       for SLOPE", AISTATS 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.linear_model import SLOPERegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 6))
    >>> X[:, 1] = X[:, 0] + 0.05 * rng.standard_normal(100)
    >>> y = 2 * X[:, 0] + 2 * X[:, 1] - 3 * X[:, 4] + 0.1 * rng.standard_normal(100)
    >>> reg = SLOPERegression(alpha=0.05).fit(X, y)
    >>> reg.n_clusters_, reg.clusters_
    (2, array([2, 2, 0, 0, 1, 0]))
    """

    def _fit_l1(self, design, y, lam, beta, b0):
        n = design.n_samples
        if self.solver in ("auto", "hybrid"):
            beta, b0, n_iter, gap, primal = solve_slope_ls(
                design, y, lam, beta, self.max_iter, self.tol
            )
            converged = gap <= self.tol * max(primal, 1e-300) or n_iter < self.max_iter
            return beta, b0, n_iter, gap, converged
        beta, b0, n_iter, res, _ = solve_prox_grad(
            design, squared_loss(y), lam, "l1", 0.0, beta, b0 if self.fit_intercept
            else 0.0, self.fit_intercept, self.max_iter, self.tol, accelerate=True,
        )
        # duality gap at the FISTA solution (profiled intercept)
        if self.fit_intercept:
            b0 = float(y.mean() - design.xmean @ beta)
        y_c = y - y.mean() if self.fit_intercept else y
        r = y_c - design.matvec(beta, centered=True)
        _, _, gap = ls_gap(r, -design.rmatvec(r) / n, beta, lam, y_c, n)
        return beta, b0, n_iter, gap, res <= self.tol

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the model.

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
        self.lambdas_ = resolve_lambdas(self.lambdas, self.q, p, n)
        lam = self.alpha * self.lambdas_
        design = Design(X, self.fit_intercept)
        beta, b0 = self._start(p)
        beta, b0, n_iter, gap, converged = self._fit_l1(design, y, lam, beta, b0)
        if self.penalty == "l1":
            self._warn(converged, "duality gap")
            self._set_fitted(beta, b0, n_iter, float(gap))
            return self
        beta, b0, n_iter2, res, labels = solve_prox_grad(
            design, squared_loss(y), lam, self.penalty, self._penalty_param(), beta,
            b0, self.fit_intercept, self.max_iter, self.tol, accelerate=True,
        )
        self._warn(res <= self.tol or n_iter2 < self.max_iter, "fixed-point residual")
        self._set_fitted(beta, b0, n_iter + n_iter2, float("nan"))
        return self

    def predict(self, X):
        """Predict with the linear model.

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


class SLOPEClassifier(ClassifierMixin, _SLOPEBase):
    r"""Binary logistic regression with a sorted penalty (SLOPE and non-convex relatives).

    Minimises
    :math:`\frac1n \sum_i \log(1 + e^{-y_i(\beta_0 + x_i^\top\beta)}) + \sum_i
    \psi(|\beta|_{(i)}; \alpha\lambda_i)` with labels mapped to :math:`\pm 1`, by
    accelerated proximal gradient with restarts (SLOPE), stopped on the relative
    duality gap, and then monotone proximal gradient (non-convex penalties,
    warm-started at SLOPE), stopped on the relative fixed-point residual. Binary
    problems only: wrap it in :class:`~sklearn.multiclass.OneVsRestClassifier` for
    more classes.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall regularisation strength.
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        The scalar penalty applied to the sorted magnitudes.
    lambdas : str or array-like of shape (n_features,), default="bh"
        Weight sequence: ``"bh"``, ``"gaussian"``, ``"oscar"`` or ``"lasso"``, or a
        non-negative, non-increasing array.
    q : float, default=0.1
        False discovery rate level of the ``"bh"`` and ``"gaussian"`` sequences.
    gamma : float, default=3.0
        MCP parameter.
    a : float, default=3.7
        SCAD parameter.
    eps : float, default=1.0
        Log-sum parameter.
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    solver : {"auto", "hybrid", "fista"}, default="auto"
        Accepted for symmetry with :class:`SLOPERegression`; the logistic loss is
        always solved by proximal gradient.
    max_iter : int, default=1000
        Maximum number of proximal gradient iterations (per stage).
    tol : float, default=1e-7
        Tolerance on the duality gap relative to the objective for SLOPE (the first
        stage of every fit), and on the relative fixed-point residual for the
        non-convex stage.
    warm_start : bool, default=False
        Start from the previous solution.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two class labels.
    coef_ : ndarray of shape (n_features,)
        Coefficients (for the second class of ``classes_``).
    intercept_ : float
        Intercept.
    n_iter_ : int
        Number of iterations.
    dual_gap_ : float
        Duality gap at the solution for ``penalty="l1"`` (see
        :ref:`the user guide <slope_duality_gap>`); NaN for non-convex penalties.
    clusters_ : ndarray of shape (n_features,), int
        0 for zero coefficients, then 1..K by decreasing magnitude.
    n_clusters_ : int
        Number of non-zero clusters.
    lambdas_ : ndarray of shape (n_features,)
        The weight sequence used (before multiplication by ``alpha``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    See Also
    --------
    SLOPERegression : The least-squares loss.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.linear_model import SLOPEClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = (X[:, 0] - X[:, 2] + 0.3 * rng.standard_normal(200) > 0).astype(int)
    >>> clf = SLOPEClassifier(alpha=0.02).fit(X, y)
    >>> clf.clusters_
    array([1, 0, 1, 0, 0])
    >>> clf.coef_.round(2)
    array([ 1.83,  0.  , -1.83,  0.  ,  0.  ])
    >>> clf.score(X, y) > 0.9
    True
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Binary class labels.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self, X, y, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
            ensure_min_samples=2,
        )
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size == 1:
            raise ValueError(
                f"SLOPEClassifier needs samples of 2 classes, got one class: {self.classes_[0]!r}"
            )
        if self.classes_.size > 2:
            raise ValueError(
                "Only binary classification is supported by SLOPEClassifier, got "
                f"{self.classes_.size} classes; wrap it in "
                "sklearn.multiclass.OneVsRestClassifier for more classes"
            )
        ys = np.where(y == self.classes_[1], 1.0, -1.0)
        n, p = X.shape
        check_constant_columns(X, self.fit_intercept)
        self.lambdas_ = resolve_lambdas(self.lambdas, self.q, p, n)
        lam = self.alpha * self.lambdas_
        design = Design(X, False)
        beta, b0 = self._start(p)
        if not self.fit_intercept:
            b0 = 0.0
        loss = logistic_loss(ys)
        gap = logistic_gap(design, ys, lam, self.fit_intercept)
        L0 = float(design.col_sq_norms().max()) / (4 * n)
        beta, b0, n_iter, res, _ = solve_prox_grad(
            design, loss, lam, "l1", 0.0, beta, b0, self.fit_intercept, self.max_iter,
            self.tol, accelerate=True, L0=L0, gap=gap,
        )
        if self.penalty == "l1":
            self._warn(res <= self.tol or n_iter < self.max_iter, "duality gap")
            f, gz = loss(design.matvec(beta, centered=False) + b0)
            self._set_fitted(beta, b0, n_iter, gap(f, gz, beta)[1])
            return self
        beta, b0, n2, res, _ = solve_prox_grad(
            design, loss, lam, self.penalty, self._penalty_param(), beta, b0,
            self.fit_intercept, self.max_iter, self.tol, accelerate=True, L0=L0,
        )
        self._warn(res <= self.tol or n2 < self.max_iter, "fixed-point residual")
        self._set_fitted(beta, b0, n_iter + n2, float("nan"))
        return self

    def decision_function(self, X):
        """Signed score of the second class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``X @ coef_ + intercept_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=[np.float64, np.float32])
        return np.asarray(X @ self.coef_).ravel() + self.intercept_

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Predicted classes.
        """
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Probabilities of ``classes_``.
        """
        s = self.decision_function(X)
        p1 = np.exp(-np.logaddexp(0.0, -s))
        return np.column_stack([1.0 - p1, p1])

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, 2)
            Log-probabilities of ``classes_``.
        """
        s = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0.0, s), -np.logaddexp(0.0, -s)])
