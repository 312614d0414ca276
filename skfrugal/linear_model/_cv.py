"""Cross-validation of the sorted-penalty models over ``alpha`` (and the FDR level q)."""

from numbers import Integral, Real

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, validate_data

from skfrugal.linear_model._fit import Problem
from skfrugal.linear_model._path import (
    check_alphas,
    default_grid,
    path_on_problem,
    targets_for,
)
from skfrugal.linear_model._slope import (
    SLOPEClassifier,
    SLOPERegression,
    _SLOPEBase,
    check_class_weights,
)
from skfrugal.proximal._lambdas import LAMBDA_KINDS
from skfrugal.proximal._penalty import PENALTIES

_REFIT_ATTRIBUTES = ("coef_", "intercept_", "clusters_", "n_clusters_", "n_iter_",
                     "dual_gap_", "lambdas_", "alpha_max_")


def _class_missing(y_train, classes, w_train):
    """Whether some class has no sample of positive weight in a training fold."""
    return classes is not None and any(
        not np.sum(w_train[y_train == c]) > 0 for c in classes)


def _held_out_error(loss, X_test, y_test, coefs, intercepts, w):
    """Weighted mean held-out error of each point of a path (squared error or log loss)."""
    errs = np.empty(len(coefs))
    for i, (c, b) in enumerate(zip(coefs, intercepts)):
        z = np.asarray(X_test @ c) + b
        if loss == "squared":
            e = (z - y_test) ** 2
        elif loss == "logistic":
            e = -log_expit(np.where(y_test > 0, z, -z))
        else:
            e = -np.sum(log_softmax(z, axis=1) * y_test, axis=1)
        errs[i] = float(w @ e) / w.sum()
    return errs


class _SLOPECVBase(_SLOPEBase):
    """Cross-validated choice of ``alpha`` and ``q`` on fold paths, then a refit."""

    _parameter_constraints: dict = {
        **{k: v for k, v in _SLOPEBase._parameter_constraints.items()
           if k not in ("alpha", "alpha_ratio", "solver", "warm_start", "eps")},
        "alphas": ["array-like", None],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
        "alpha_min_ratio": [Interval(Real, 0, 1, closed="right"), None],
        "qs": ["array-like", None],
        "cv": ["cv_object"],
        "penalty": [StrOptions(set(PENALTIES))],
        "lambdas": [StrOptions(set(LAMBDA_KINDS)), "array-like"],
        "tol": [Interval(Real, 0, None, closed="left"), None],
    }
    # relative duality gap of the fold fits and of the refit when tol is None
    _default_tol = 1e-7

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
        theta1=1.0,
        theta2=0.5,
        gamma=3.0,
        a=3.7,
        log_eps=1.0,
        lq_exponent=0.5,
        relax=0.0,
        fit_intercept=True,
        max_iter=1000,
        tol=None,
    ):
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.qs = qs
        self.cv = cv
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
        self.max_iter = max_iter
        self.tol = tol

    def _sorted_penalty(self):
        from skfrugal.proximal._penalty import SortedPenalty

        return SortedPenalty(self.penalty, gamma=self.gamma, a=self.a, log_eps=self.log_eps,
                             lq_exponent=self.lq_exponent)

    def _cross_validate(self, X, y, loss, sample_weight, classifier):
        n, p = X.shape
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                  ensure_non_negative=True)
        targets, classes = targets_for(loss, y)
        qs = [self.q] if self.qs is None else [float(v) for v in np.ravel(self.qs)]
        for v in qs:
            if not 0 < v < 1:
                raise ValueError(f"qs must be in (0, 1), got {v!r}")
        user_grid = None if self.alphas is None else np.sort(check_alphas(self.alphas))[::-1]
        folds = list(check_cv(self.cv, y, classifier=classifier).split(X, y))
        penalty = self._sorted_penalty()
        grids, errors = [], []
        for qv in qs:
            whole = Problem(X, targets, loss, sw, self.fit_intercept, self.lambdas, qv,
                            self.theta1, self.theta2)
            grid = user_grid if user_grid is not None else default_grid(
                whole.alpha_max, self.n_alphas, self.alpha_min_ratio, n, p)
            errs = np.full((grid.size, len(folds)), np.nan)
            for f, (train, test) in enumerate(folds):
                if classifier and _class_missing(y[train], classes, sw[train]):
                    continue  # this fold's errors stay NaN: no model of every class
                prob = Problem(X[train], targets[train], loss, sw[train], self.fit_intercept,
                               whole.lambdas, qv)
                coefs, intercepts, _, _ = path_on_problem(prob, grid, penalty, self.max_iter,
                                                          self._tol())
                errs[: len(coefs), f] = _held_out_error(loss, X[test], targets[test], coefs,
                                                        intercepts, sw[test])
                # a path that stopped on a saturated fit or a flat tail: its last model
                # stands for the smaller alphas (as glmnet's cv does)
                errs[len(coefs):, f] = errs[len(coefs) - 1, f]
            grids.append(grid)
            errors.append(errs)
        alphas = np.array(grids)
        err = np.array(errors)
        if np.all(np.isnan(err)):
            raise ValueError(
                f"{type(self).__name__}: every training fold misses a class (or gives all of "
                f"its samples zero sample_weight); use fewer folds or stratified folds")
        iq, ia = np.unravel_index(np.nanargmin(np.nanmean(err, axis=2)), err.shape[:2])
        return alphas, err, qs[iq], float(alphas[iq, ia]), classes

    def _refit(self, estimator, X, y, sample_weight):
        estimator.fit(X, y, sample_weight=sample_weight)
        self.best_estimator_ = estimator
        for name in _REFIT_ATTRIBUTES:
            setattr(self, name, getattr(estimator, name))
        return self

    def _estimator_params(self):
        return dict(penalty=self.penalty, lambdas=self.lambdas, theta1=self.theta1,
                    theta2=self.theta2, gamma=self.gamma, a=self.a, log_eps=self.log_eps,
                    lq_exponent=self.lq_exponent, relax=self.relax,
                    fit_intercept=self.fit_intercept, max_iter=self.max_iter, tol=self._tol())

    def _tol(self):
        """``tol``, or the class default when it is None."""
        return self._default_tol if self.tol is None else self.tol


_CV_PARAMETERS = """alphas : array-like, default=None
        Grid of ``alpha`` (finite, >= 0; sorted decreasingly); automatic if None: a
        log grid from the whole data's ``alpha_max`` down to ``alpha_min_ratio`` times
        it.
    n_alphas : int, default=30
        Length of the automatic grid.
    alpha_min_ratio : float, default=None
        End of the automatic grid relative to ``alpha_max`` (see :func:`slope_path`).
    qs : array-like, default=None
        Values of ``q`` to compare; None uses ``[q]``.
    cv : int, cross-validation generator or iterable, default=5
        Folds, as in scikit-learn (stratified for the classifier).
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        Scalar penalty.
    lambdas : {"bh", "gaussian", "oscar", "lasso"} or array-like, default="bh"
        Weight sequence.
    q : float, default=0.1
        FDR level used when ``qs`` is None.
    theta1 : float, default=1.0
        Offset of the ``"oscar"`` sequence.
    theta2 : float, default=0.5
        Slope of the ``"oscar"`` sequence.
    gamma : float, default=3.0
        MCP parameter.
    a : float, default=3.7
        SCAD parameter.
    log_eps : float, default=1.0
        Log-sum parameter.
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty, in (0, 1).
    relax : float, default=0.0
        Relaxation of the refitted model (see :class:`SLOPERegression`); the folds are
        scored without it.
    fit_intercept : bool, default=True
        Fit an intercept.
    max_iter : int, default=1000
        Maximum iterations per fit.
    tol : float, default=None
        Relative duality gap of each fold fit and of the refit (as in
        :class:`SLOPERegression`). None: 1e-7 for :class:`SLOPERegressionCV`, 1e-4
        for :class:`SLOPEClassifierCV`, sortedl1's default and the ``tol`` of
        :class:`~sklearn.linear_model.LogisticRegressionCV`: the held-out log loss
        that chooses ``alpha`` is then exact to about 1e-4 relative, far inside its
        spread over folds, while multinomial fits on small, nearly separable data
        need hundreds of Newton steps per ``alpha`` to reach 1e-7 (pass ``tol=1e-7``
        for a tighter refit)."""

_CV_ATTRIBUTES = """alpha_ : float
        Chosen ``alpha``.
    q_ : float
        Chosen ``q``.
    alphas_ : ndarray of shape (n_qs, n_alphas)
        The grids (one per ``q``).
    coef_ : ndarray
        Coefficients of the refitted model.
    intercept_ : float or ndarray
        Intercept of the refitted model.
    clusters_ : ndarray
        Cluster labels of the refitted model.
    n_clusters_ : int
        Number of non-zero clusters of the refitted model.
    n_iter_ : int
        Iterations of the refit.
    dual_gap_ : float
        Duality gap of the refit (NaN for non-convex penalties).
    lambdas_ : ndarray
        Weight sequence of the refit.
    alpha_max_ : float
        ``alpha_max`` of the whole data at ``q_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names."""


def _document_cv(cls):
    cls.__doc__ = cls.__doc__.replace("{cv_parameters}", _CV_PARAMETERS).replace(
        "{cv_attributes}", _CV_ATTRIBUTES)
    return cls


@_document_cv
class SLOPERegressionCV(RegressorMixin, _SLOPECVBase):
    """Sorted-penalty regression with ``alpha`` (and optionally ``q``) chosen by CV.

    For each candidate ``q`` (the FDR level of the BH / Gaussian weights), the path of
    :func:`slope_path` is computed on each training fold on a common grid of
    ``alpha`` (from the whole data's ``alpha_max``), the (weighted) mean squared error
    on the held-out fold is averaged over folds, and the best ``(alpha, q)`` is
    refitted on all the data with :class:`SLOPERegression`.

    Parameters
    ----------
    {cv_parameters}

    Attributes
    ----------
    mse_path_ : ndarray of shape (n_qs, n_alphas, n_folds)
        Held-out mean squared errors.
    best_estimator_ : SLOPERegression
        The refitted model.
    {cv_attributes}

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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha`` (and ``q``) by cross-validation, then refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (used in the fits and in the held-out errors).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             dtype=[np.float64, np.float32], y_numeric=True,
                             ensure_min_samples=2)
        y = np.asarray(y, dtype=np.float64)
        self.alphas_, self.mse_path_, self.q_, self.alpha_, _ = self._cross_validate(
            X, y, "squared", sample_weight, classifier=False)
        est = SLOPERegression(alpha=self.alpha_, q=self.q_, **self._estimator_params())
        return self._refit(est, X, y, sample_weight)

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
        return self._linear(X)


@_document_cv
class SLOPEClassifierCV(ClassifierMixin, _SLOPECVBase):
    """Sorted-penalty logistic / multinomial classifier with ``alpha`` chosen by CV.

    As :class:`SLOPERegressionCV` with the loss of :class:`SLOPEClassifier`: fold
    paths on a common grid, scored by the (weighted) mean held-out log loss (the
    deviance, as glmnet's default), stratified folds; the best ``(alpha, q)`` is
    refitted on all the data.

    Parameters
    ----------
    {cv_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    log_loss_path_ : ndarray of shape (n_qs, n_alphas, n_folds)
        Held-out mean log losses; NaN for a fold whose training part misses a class
        (no model of every class; the fold is left out of the choice of ``alpha``).
    best_estimator_ : SLOPEClassifier
        The refitted model.
    {cv_attributes}

    See Also
    --------
    SLOPEClassifier : The model at a fixed ``alpha``.
    slope_path : The path computed on each fold (``loss="logistic"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.linear_model import SLOPEClassifierCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((120, 8))
    >>> y = (X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(120) > 0).astype(int)
    >>> clf = SLOPEClassifierCV(n_alphas=8, cv=3).fit(X, y)
    >>> clf.log_loss_path_.shape
    (1, 8, 3)
    >>> bool(clf.score(X, y) > 0.85)
    True
    """

    _default_tol = 1e-4

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha`` (and ``q``) by cross-validation, then refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (two or more classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (used in the fits and in the held-out losses).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             dtype=[np.float64, np.float32], ensure_min_samples=2)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(f"SLOPEClassifierCV needs samples of 2 classes, got one class: "
                             f"{classes[0]!r}")
        check_class_weights(y, classes, sample_weight, type(self).__name__)
        loss = "logistic" if classes.size == 2 else "multinomial"
        self.alphas_, self.log_loss_path_, self.q_, self.alpha_, self.classes_ = (
            self._cross_validate(X, y, loss, sample_weight, classifier=True))
        est = SLOPEClassifier(alpha=self.alpha_, q=self.q_, **self._estimator_params())
        return self._refit(est, X, y, sample_weight)

    def decision_function(self, X):
        """Linear scores of the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Scores.
        """
        return self._linear(X)

    def predict(self, X):
        """Predict class labels with the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Predicted classes.
        """
        return SLOPEClassifier.predict(self, X)

    def predict_proba(self, X):
        """Class probabilities of the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of ``classes_``.
        """
        return SLOPEClassifier.predict_proba(self, X)

    def predict_log_proba(self, X):
        """Log class probabilities of the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities of ``classes_``.
        """
        return SLOPEClassifier.predict_log_proba(self, X)
