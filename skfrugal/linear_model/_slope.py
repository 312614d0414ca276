"""SLOPE and sorted non-convex penalised regression and classification estimators."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_tweedie_deviance
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.linear_model._fit import Problem, check_range, fit_one, relaxed_refit
from skfrugal.linear_model._solvers import cluster_labels
from skfrugal.proximal._lambdas import LAMBDA_KINDS
from skfrugal.proximal._penalty import PENALTIES, SortedPenalty, renamed

DEFAULT_ALPHA_RATIO = 0.05

SHARED_PARAMETERS = """alpha : float or None, default=None
        Overall regularisation strength (multiplies the weights), >= 0. None uses
        ``alpha_ratio * alpha_max``, where ``alpha_max`` (attribute ``alpha_max_``) is
        the smallest ``alpha`` whose solution is all zeros: a scale-free default. 0
        fits without penalty (stopped on the first-order condition).
    alpha_ratio : float, default=0.05
        ``alpha / alpha_max`` when ``alpha`` is None, in (0, 1].
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        The scalar penalty applied to the sorted magnitudes (see
        :class:`skfrugal.proximal.SortedPenalty`); ``"l1"`` is SLOPE.
    lambdas : str or array-like, default="bh"
        Weight sequence: ``"bh"``, ``"gaussian"``, ``"oscar"`` or ``"lasso"`` (see
        :func:`skfrugal.proximal.lambda_sequence`), or a non-negative,
        non-increasing array of length ``n_features`` (times the number of classes
        for the multinomial loss).
    q : float, default=0.1
        False discovery rate level of the ``"bh"`` and ``"gaussian"`` sequences.
    theta1 : float, default=1.0
        Offset of the ``"oscar"`` sequence (>= 0).
    theta2 : float, default=0.5
        Slope of the ``"oscar"`` sequence (>= 0).
    gamma : float, default=3.0
        MCP parameter (> 0); the prox step is capped below ``gamma``.
    a : float, default=3.7
        SCAD parameter (> 2); the prox step is capped below ``a - 1``.
    log_eps : float, default=1.0
        Log-sum parameter (> 0).
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty, in (0, 1).
    relax : float, default=0.0
        Relaxed SLOPE: the coefficients are ``(1 - relax) * penalised + relax *
        refit``, where the refit minimises the loss without penalty over the pattern
        (clusters and signs) of the penalised solution. R SLOPE's ``gamma`` is
        ``1 - relax``. In [0, 1].
    fit_intercept : bool, default=True
        Fit an unpenalised intercept. Constant columns (over the samples of positive
        weight) then get a zero coefficient.
    solver : {"auto", "hybrid", "fista"}, default="auto"
        Solver of the SLOPE problem (for non-convex penalties, of their warm start):
        ``"hybrid"`` proximal Newton with hybrid coordinate descent on a working set
        (the default under ``"auto"``; the multinomial loss always uses ``"fista"``)
        or accelerated proximal gradient ``"fista"``.
    max_iter : int, default=1000
        Maximum number of iterations (Newton steps for ``"hybrid"``, gradient steps
        for ``"fista"`` and for the non-convex stage).
    tol : float, default=1e-7
        Relative duality gap (SLOPE: the gap over the primal minus the loss of the
        saturated model) or relative fixed-point residual (non-convex).
    warm_start : bool, default=False
        Start from the previous solution.
    eps : float
        Deprecated alias of ``log_eps`` (FutureWarning)."""

SHARED_ATTRIBUTES = """n_iter_ : int
        Number of iterations run.
    dual_gap_ : float
        Duality gap at the solution for ``penalty="l1"``; NaN for non-convex
        penalties and ``alpha=0``.
    alpha_ : float
        The ``alpha`` used.
    alpha_max_ : float
        The smallest ``alpha`` with an all-zero solution.
    lambdas_ : ndarray
        The weight sequence used (before multiplication by ``alpha``).
    clusters_ : ndarray of int
        Shape of ``coef_``: 0 for zero coefficients, then 1..K for the clusters of
        equal magnitude, by decreasing magnitude.
    n_clusters_ : int
        Number of non-zero clusters K.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names."""


def _document(cls):
    cls.__doc__ = cls.__doc__.replace("{shared_parameters}", SHARED_PARAMETERS).replace(
        "{shared_attributes}", SHARED_ATTRIBUTES)
    return cls


def check_class_targets(y):
    """:func:`sklearn.utils.multiclass.check_classification_targets` on a validated y.

    Integer, boolean and integer-valued float vectors (finite: ``validate_data``
    checked them) are class labels; the full check (~0.1 ms: a dozen array checks)
    runs only for the others, and raises for continuous or multi-output targets.
    """
    if y.ndim == 1 and y.dtype.kind in "biu":
        return
    if y.ndim == 1 and y.dtype.kind == "f":
        with np.errstate(invalid="ignore"):  # huge values: left to the full check
            if np.array_equal(y, y.astype(np.int64)):
                return
    check_classification_targets(y)


def check_class_weights(y, classes, sample_weight, name):
    """Refuse classes whose samples all have zero weight (their intercept is -inf)."""
    if sample_weight is None:
        return
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.shape != (len(y),):
        return  # the fit's own check reports the shape
    empty = [c for c in classes if not np.sum(sw[y == c]) > 0]
    if empty:
        raise ValueError(
            f"{name} needs every class to have samples of positive weight; class(es) "
            f"{empty[:5]} have zero total sample_weight: drop them from y")


class _SLOPEBase(BaseEstimator):
    """Parameters, validation and the sorted-penalty fit shared by the estimators."""

    _loss = "squared"

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), None],
        "alpha_ratio": [Interval(Real, 0, 1, closed="right")],
        "penalty": [StrOptions(set(PENALTIES))],
        "lambdas": [StrOptions(set(LAMBDA_KINDS)), "array-like"],
        "q": [Interval(Real, 0, 1, closed="neither")],
        "theta1": [Interval(Real, 0, None, closed="left")],
        "theta2": [Interval(Real, 0, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "a": [Interval(Real, 2, None, closed="neither")],
        "log_eps": [Interval(Real, 0, None, closed="neither")],
        "lq_exponent": [Interval(Real, 0, 1, closed="neither")],
        "relax": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "hybrid", "fista"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "eps": [Interval(Real, 0, None, closed="neither"), Hidden(StrOptions({"deprecated"}))],
    }

    def __init__(
        self,
        alpha=None,
        *,
        alpha_ratio=DEFAULT_ALPHA_RATIO,
        penalty="l1",
        lambdas="bh",
        q=0.1,
        theta1=1.0,
        theta2=0.5,
        gamma=3.0,
        a=3.7,
        log_eps=1.0,
        lq_exponent=0.5,
        relax=0.0,
        fit_intercept=True,
        solver="auto",
        max_iter=1000,
        tol=1e-7,
        warm_start=False,
        eps="deprecated",
    ):
        self.alpha = alpha
        self.alpha_ratio = alpha_ratio
        self.penalty = penalty
        self.lambdas = lambdas
        self.q = q
        self.theta1 = theta1
        self.theta2 = theta2
        self.gamma = gamma
        self.a = a
        self.log_eps = log_eps
        self.lq_exponent = lq_exponent
        self.relax = relax
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.eps = eps

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _sorted_penalty(self):
        log_eps = renamed(self.log_eps, self.eps, "eps", "log_eps", 1.0)
        return SortedPenalty(self.penalty, gamma=self.gamma, a=self.a, log_eps=log_eps,
                             lq_exponent=self.lq_exponent)

    def _validate(self, X, y):
        return validate_data(
            self, X, y, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
            y_numeric=self._loss in ("squared", "poisson"), ensure_min_samples=2,
        )

    def _fit_targets(self, X, targets, sample_weight, loss=None):
        """Fit on validated ``X`` and the loss's targets; set the fitted attributes."""
        penalty = self._sorted_penalty()
        prob = Problem(X, targets, loss or self._loss, sample_weight, self.fit_intercept,
                       self.lambdas, self.q, self.theta1, self.theta2)
        alpha = float(self.alpha) if self.alpha is not None else (
            self.alpha_ratio * prob.alpha_max)
        beta, b = prob.zeros()
        if self.warm_start and hasattr(self, "coef_"):
            prev = self.coef_.T if prob.n_outputs > 1 else self.coef_
            if prev.shape == prob.full(beta).shape:
                beta, b = prev[prob.keep].copy(), self.intercept_
        beta, b, n_iter, gap, crit, converged = fit_one(
            prob, alpha, penalty, beta, b, self.max_iter, self.tol, self.solver)
        if alpha * prob.lam_kept[:1].sum() == 0 and self._warn_separated(prob, beta, b):
            pass  # the separation warning replaces the convergence one
        elif not converged:
            what = ("relative duality gap" if penalty.convex and alpha > 0
                    else "relative fixed-point residual")
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter={self.max_iter} "
                f"iterations: {what} {crit:.3g} > tol={self.tol:g}; increase max_iter "
                "or tol",
                ConvergenceWarning,
                stacklevel=3,
            )
        if self.relax > 0:
            br, b_r, ok = relaxed_refit(prob, beta, b, self.max_iter, self.tol)
            if not ok:
                warnings.warn(
                    f"{type(self).__name__}: the relaxed refit did not converge in "
                    f"max_iter={self.max_iter} iterations (the unpenalised loss may have "
                    "no minimiser on this pattern, e.g. separable classes)",
                    ConvergenceWarning, stacklevel=3)
            beta = (1 - self.relax) * beta + self.relax * br
            b = (1 - self.relax) * np.asarray(b) + self.relax * np.asarray(b_r)
        if prob.n_outputs > 1:
            b = np.asarray(b) - np.mean(b)  # softmax is invariant: intercepts sum to 0
        coef = prob.full(beta)
        self.coef_ = coef.T.copy() if prob.n_outputs > 1 else coef
        self.intercept_ = np.asarray(b, dtype=np.float64) if prob.n_outputs > 1 else float(b)
        self.n_iter_ = int(n_iter)
        self.dual_gap_ = float(gap)
        self.alpha_ = alpha
        self.alpha_max_ = float(prob.alpha_max)
        self.lambdas_ = prob.lambdas
        self.clusters_, self.n_clusters_ = cluster_labels(self.coef_)
        return self

    def _warn_separated(self, prob, beta, b):
        """Warn (with figures) when an unpenalised classifier separates the classes."""
        z = prob.design.matvec(beta) + b
        if not prob.loss.separated(z):
            return False
        n_pos = int(np.count_nonzero(prob.loss.w > 0))
        warnings.warn(
            f"{type(self).__name__} with alpha=0: the classes are linearly separable "
            f"(the fit classifies all {n_pos} training samples of positive weight "
            f"correctly; training log-loss {prob.loss.value(z):.3g}, max |coef| "
            f"{float(np.abs(beta).max()) if beta.size else 0.0:.3g}), so the unpenalised "
            "loss has no minimiser: the coefficients grow without bound and the fit "
            "stopped at the first separating iterate; use alpha > 0",
            ConvergenceWarning, stacklevel=4)
        return True

    def _linear(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=[np.float64, np.float32])
        check_range(X, "X")  # the products of larger values overflow
        if self.coef_.ndim == 2:
            return np.asarray(X @ self.coef_.T) + self.intercept_
        return np.asarray(X @ self.coef_).ravel() + self.intercept_


@_document
class SLOPERegression(RegressorMixin, _SLOPEBase):
    r"""Least squares with a sorted penalty: SLOPE and its non-convex relatives.

    Minimises

    .. math::
        \frac{1}{2}\sum_i w_i (y_i - \beta_0 - x_i^\top\beta)^2 + \sum_{i=1}^p
        \psi(|\beta|_{(i)}; \alpha\lambda_i),

    with :math:`w` the sample weights divided by their sum (:math:`1/n` without
    them) and :math:`|\beta|_{(1)} \ge \dots \ge |\beta|_{(p)}`. With
    ``penalty="l1"``, :math:`\psi(t; \alpha\lambda) = \alpha\lambda t` and this is
    SLOPE: the sorted L1 norm controls the false discovery rate (BH weights) and
    clusters correlated features (their coefficients take exactly equal magnitudes).
    The non-convex penalties (MCP, SCAD, log-sum, l_q; see
    :func:`skfrugal.proximal.prox_sorted`) keep the clustering and remove the
    shrinkage bias on large coefficients.

    Solvers: SLOPE by hybrid coordinate descent (proximal gradient steps with the
    exact PAV prox identify the clusters, cluster-wise coordinate descent moves them;
    Larsson et al. 2023) on a working set of features, to a relative duality gap
    ``tol``; non-convex penalties by monotone proximal gradient warm-started at the
    SLOPE solution, stopped on the fixed-point residual, with the step capped so
    that each prox is exact.

    Parameters
    ----------
    {shared_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients.
    intercept_ : float
        Intercept.
    {shared_attributes}

    See Also
    --------
    SLOPEClassifier : The logistic and multinomial losses.
    SLOPEPoissonRegression : The Poisson loss.
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
    >>> SLOPERegression().fit(X, y).score(X, y) > 0.99  # alpha = 0.05 alpha_max
    True
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; an integer weight counts as that many copies of the
            row.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = self._validate(X, y)
        return self._fit_targets(X, np.asarray(y, dtype=np.float64), sample_weight)

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
        return self._linear(X)


@_document
class SLOPEPoissonRegression(RegressorMixin, _SLOPEBase):
    r"""Poisson regression (log link) with a sorted penalty.

    Minimises :math:`\sum_i w_i (e^{\beta_0 + x_i^\top\beta} - y_i(\beta_0 +
    x_i^\top\beta)) + \sum_i \psi(|\beta|_{(i)}; \alpha\lambda_i)` (the Poisson
    deviance up to constants) for counts or non-negative rates ``y``, with
    :math:`w` the normalised sample weights. SLOPE by proximal Newton with hybrid
    coordinate descent (damped by a line search on the objective), stopped on the
    relative duality gap; non-convex penalties as in :class:`SLOPERegression`.

    Parameters
    ----------
    {shared_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients (of the log of the mean).
    intercept_ : float
        Intercept.
    {shared_attributes}

    See Also
    --------
    SLOPERegression : The squared loss.
    sklearn.linear_model.PoissonRegressor : Ridge-penalised Poisson regression.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.linear_model import SLOPEPoissonRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 5))
    >>> y = rng.poisson(np.exp(0.5 + 0.6 * X[:, 0] - 0.6 * X[:, 3]))
    >>> reg = SLOPEPoissonRegression(alpha=0.15).fit(X, y)
    >>> reg.clusters_
    array([2, 0, 0, 1, 0])
    >>> bool(reg.score(X, y) > 0.3)  # fraction of Poisson deviance explained
    True
    """

    _loss = "poisson"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Non-negative targets (counts or rates), not all zero.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (integer weights repeat rows).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = self._validate(X, y)
        y = np.asarray(y, dtype=np.float64)
        if np.any(y < 0):
            raise ValueError(f"Poisson targets must be >= 0, got min(y) = {y.min():g}")
        if not np.any(y > 0):
            raise ValueError("Poisson targets are all zero: the model has no finite fit")
        return self._fit_targets(X, y, sample_weight)

    def predict(self, X):
        """Predicted mean ``exp(X @ coef_ + intercept_)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted means.
        """
        return np.exp(np.minimum(self._linear(X), 700.0))

    def score(self, X, y, sample_weight=None):
        """Fraction of Poisson deviance explained (D^2), as PoissonRegressor's score.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            D^2, at most 1.
        """
        y = np.asarray(y, dtype=np.float64)
        pred = self.predict(X)
        dev = mean_tweedie_deviance(y, pred, sample_weight=sample_weight, power=1)
        dev_null = mean_tweedie_deviance(
            y, np.full_like(y, np.average(y, weights=sample_weight)),
            sample_weight=sample_weight, power=1)
        if dev_null == 0:  # constant targets: as r2_score, 1 for a perfect fit, else 0
            return 1.0 if dev == 0 else 0.0
        return float(1.0 - dev / dev_null)


@_document
class SLOPEClassifier(ClassifierMixin, _SLOPEBase):
    r"""Logistic or multinomial regression with a sorted penalty.

    Two classes: minimises :math:`\sum_i w_i (\log(1 + e^{z_i}) - y_i z_i) + \sum_i
    \psi(|\beta|_{(i)}; \alpha\lambda_i)`, :math:`z = \beta_0 + X\beta`, :math:`y_i
    \in \{0, 1\}` (the second class of ``classes_``), by proximal Newton with hybrid
    coordinate descent on a working set of features (SLOPE), stopped on the relative
    duality gap. More classes: the multinomial loss :math:`\sum_i w_i
    (\log\sum_k e^{z_{ik}} - z_{i y_i})` with **one** sorted penalty over all the
    ``K x p`` coefficients (native multinomial SLOPE: clusters may span classes), by
    accelerated proximal gradient. Non-convex penalties: monotone proximal gradient
    warm-started at the SLOPE solution.

    Parameters
    ----------
    {shared_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (n_features,) or (n_classes, n_features)
        Coefficients: of the second class for two classes, of each class otherwise.
    intercept_ : float or ndarray of shape (n_classes,)
        Intercept(s).
    {shared_attributes}

    See Also
    --------
    SLOPEClassifierCV : Choice of ``alpha`` by cross-validation.
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

    _loss = "logistic"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (two or more classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (integer weights repeat rows).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = self._validate(X, y)
        check_class_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size == 1:
            raise ValueError(
                f"SLOPEClassifier needs samples of 2 classes, got one class: "
                f"{self.classes_[0]!r}"
            )
        check_class_weights(y, self.classes_, sample_weight, type(self).__name__)
        if self.classes_.size == 2:
            return self._fit_targets(X, (y == self.classes_[1]).astype(np.float64),
                                     sample_weight, "logistic")
        targets = LabelBinarizer().fit(self.classes_).transform(y).astype(np.float64)
        return self._fit_targets(X, targets, sample_weight, "multinomial")

    def decision_function(self, X):
        """Linear scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``X @ coef_ + intercept_`` (of the second class for two classes).
        """
        return self._linear(X)

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
        s = self.decision_function(X)
        if s.ndim == 2:
            return self.classes_[np.argmax(s, axis=1)]
        return self.classes_[(s > 0).astype(int)]

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities of ``classes_``.
        """
        s = self.decision_function(X)
        if s.ndim == 2:
            return log_softmax(s, axis=1)
        return np.column_stack([-np.logaddexp(0.0, s), -np.logaddexp(0.0, -s)])

