"""ButterflyApproximation: serve a fitted linear estimator through butterfly factors."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.butterfly._factorize import butterfly_factorize


class NotCompressibleWarning(UserWarning):
    """Warning raised when a weight matrix is poorly approximated by butterfly factors."""


def _inner_has(name):
    def check(self):
        return hasattr(self.estimator, name)

    return check


def _linear_map(est, n_features):
    """Return ``(kind, W, offset, scale)`` such that the estimator's output is linear.

    ``kind`` is ``"transform"`` (``(X - offset) Wᵀ * scale``) or ``"decision"``
    (``X Wᵀ + offset``).
    """
    if hasattr(est, "coef_"):
        W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
        intercept = np.asarray(getattr(est, "intercept_", 0.0), dtype=np.float64)
        return "decision", W, np.broadcast_to(intercept, (W.shape[0],)).copy(), None
    if hasattr(est, "components_"):
        W = np.atleast_2d(np.asarray(est.components_, dtype=np.float64))
        mean = getattr(est, "mean_", None)
        mean = np.zeros(n_features) if mean is None else np.asarray(mean, dtype=np.float64)
        scale = None
        if getattr(est, "whiten", False) and hasattr(est, "explained_variance_"):
            scale = 1.0 / np.sqrt(np.asarray(est.explained_variance_, dtype=np.float64))
        return "transform", W, mean, scale
    raise TypeError(
        f"estimator must be linear with a coef_ (regressors, linear classifiers) or a "
        f"components_ (PCA-like) attribute after fit; {type(est).__name__} has neither"
    )


class ButterflyApproximation(MetaEstimatorMixin, BaseEstimator):
    """Fit a linear estimator, then serve it through a butterfly factorization of its weights.

    ``fit`` fits a clone of ``estimator`` (e.g. :class:`~sklearn.linear_model.Ridge`
    with many targets, :class:`~sklearn.linear_model.LogisticRegression` with many
    classes, :class:`~sklearn.decomposition.PCA`), factorizes its weight matrix ``W``
    (``coef_`` or ``components_``, shape ``(n_outputs, n_features)``) into butterfly
    factors, and then ``predict``/``decision_function``/``transform`` use the fast
    product ``X Ŵᵀ``. The relative error ``‖W - Ŵ‖_F / ‖W‖_F`` is exposed, and a
    :class:`NotCompressibleWarning` is emitted when the weights do not compress (error
    above ``max_error``, or no fewer parameters than ``W``). That ``fit`` reproduces
    the estimator's own outputs with the exact ``W`` is checked on the training data,
    so a non-linear estimator is refused.

    Parameters
    ----------
    estimator : estimator object
        A linear estimator with ``coef_`` (and ``intercept_``) or ``components_`` (and
        ``mean_``) after fit.
    architecture : {"auto", "dyadic", "monarch", "deformable"} or list of tuple of int, \
            default="auto"
        The chain of supports for ``W`` (see :func:`butterfly_patterns`).
    rank : int, list of int or "auto", default=1
        Rank of each split (``"auto"`` needs ``tol``).
    tol : float, default=None
        Target relative error of ``Ŵ``.
    permutation : None, "auto", "search" or (row_perm, col_perm), default="auto"
        Permutations tried or given (see :func:`butterfly_factorize`).
    pad : bool, default=True
        Zero-pad ``W`` to sizes with small prime factors when needed.
    max_error : float, default=0.5
        Warn when the relative error of ``Ŵ`` exceeds this.
    n_factors : int, default=None
        Number of factors (see :func:`butterfly_patterns`); ``None``: the
        architecture's own.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    butterfly_ : ButterflyMatrix
        The approximation ``Ŵ`` of the weight matrix.
    relative_error_ : float
        ``‖W - Ŵ‖_F / ‖W‖_F``.
    n_params_ : int
        Number of stored values of the factors.
    compression_ratio_ : float
        ``W.size / n_params_``.
    classes_ : ndarray
        The class labels (classifiers only).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of the features when ``X`` has string column names.

    See Also
    --------
    ButterflyFactorization : Factorize a given matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skfrugal.butterfly import ButterflyApproximation, ButterflyMatrix, butterfly_patterns
    >>> rng = np.random.default_rng(0)
    >>> W = ButterflyMatrix([rng.normal(size=p) for p in butterfly_patterns(64, 64)]).toarray()
    >>> X = rng.normal(size=(500, 64))
    >>> Y = X @ W.T + 0.01 * rng.normal(size=(500, 64))
    >>> model = ButterflyApproximation(Ridge(alpha=1e-3), permutation=None).fit(X, Y)
    >>> bool(model.relative_error_ < 0.01), model.compression_ratio_
    (True, 5.333333333333333)
    >>> bool(model.score(X, Y) > 0.99)
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "architecture": [StrOptions({"auto", "dyadic", "monarch", "deformable"}), list, tuple],
        "n_factors": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "rank": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"}), list],
        "tol": [Interval(numbers.Real, 0, None, closed="left"), None],
        "permutation": [StrOptions({"auto", "search"}), tuple, None],
        "pad": ["boolean"],
        "max_error": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        estimator,
        architecture="auto",
        rank=1,
        tol=None,
        permutation="auto",
        pad=True,
        max_error=0.5,
        n_factors=None,
    ):
        self.estimator = estimator
        self.architecture = architecture
        self.rank = rank
        self.tol = tol
        self.permutation = permutation
        self.pad = pad
        self.n_factors = n_factors
        self.max_error = max_error

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **fit_params):
        """Fit the estimator, then factorize its weight matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Targets (``None`` for transformers).
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : ButterflyApproximation
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        est = clone(self.estimator)
        est.fit(X, y, **fit_params)
        kind, W, offset, scale = _linear_map(est, X.shape[1])
        self._check_linear(est, kind, W, offset, scale, X[:5])
        self.estimator_ = est
        self._kind, self._offset, self._scale = kind, offset, scale
        self._y_1d = kind == "decision" and np.ndim(est.coef_) == 1
        B = butterfly_factorize(
            W,
            architecture=self.architecture,
            rank=self.rank,
            tol=self.tol,
            permutation=self.permutation,
            pad=self.pad,
            n_factors=self.n_factors,
        )
        self.butterfly_ = B
        self.relative_error_ = B.relative_error
        self.n_params_ = B.n_params
        self.compression_ratio_ = B.compression_ratio
        if hasattr(est, "classes_"):
            self.classes_ = est.classes_
        if self.relative_error_ > self.max_error or self.compression_ratio_ <= 1:
            warnings.warn(
                f"the weights of {type(est).__name__} ({W.shape[0]} x {W.shape[1]}) do not "
                f"compress: butterfly relative error {self.relative_error_:.3g} with "
                f"{self.n_params_} parameters vs {W.size} dense; try rank='auto' with a tol, "
                "permutation='auto', or keep the dense estimator",
                NotCompressibleWarning,
                stacklevel=3,
            )
        return self

    @staticmethod
    def _check_linear(est, kind, W, offset, scale, X):
        if kind == "decision":
            method = "decision_function" if hasattr(est, "decision_function") else "predict"
            expected = X @ W.T + offset
        else:
            method = "transform"
            expected = (X - offset) @ W.T
            if scale is not None:
                expected = expected * scale
        if not hasattr(est, method):
            raise TypeError(f"{type(est).__name__} has no {method} method")
        got = np.asarray(getattr(est, method)(X), dtype=np.float64).reshape(expected.shape)
        # a float32 fit computes its transform in float32: allow its rounding, not more
        rtol = max(1e-6, 1e3 * np.finfo(X.dtype).eps)
        atol = 1e-2 * rtol * (1 + np.abs(expected).max())
        if not np.allclose(got, expected, rtol=rtol, atol=atol):
            raise TypeError(
                f"{type(est).__name__}.{method} is not the linear map of its "
                f"{'coef_' if kind == 'decision' else 'components_'}: it cannot be served "
                "by a butterfly approximation of its weights"
            )

    def _linear(self, X):
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        B = self.butterfly_
        if B.dtype != X.dtype:
            B = B.astype(X.dtype)
        if self._kind == "decision":
            out = B.apply_rows(X) + self._offset.astype(B.dtype)
        else:
            out = B.apply_rows(X - self._offset.astype(X.dtype))
            if self._scale is not None:
                out *= self._scale.astype(out.dtype)
        return out

    @available_if(_inner_has("transform"))
    def transform(self, X):
        """Apply the approximated linear transform.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_outputs)
        """
        check_is_fitted(self)
        return self._linear(X)

    @available_if(_inner_has("transform"))
    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then transform ``X`` with the approximation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Passed to ``fit``.
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_outputs)
        """
        return self.fit(X, y, **fit_params).transform(X)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X):
        """Approximated decision function ``X Ŵᵀ + intercept``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        out = self._linear(X)
        return out[:, 0] if self._y_1d or out.shape[1] == 1 else out

    @available_if(_inner_has("predict"))
    def predict(self, X):
        """Predict with the approximated weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        out = self._linear(X)
        if hasattr(self, "classes_"):
            if out.shape[1] == 1:
                return self.classes_[(out[:, 0] > 0).astype(int)]
            return self.classes_[np.argmax(out, axis=1)]
        return out[:, 0] if self._y_1d else out

    @available_if(_inner_has("predict"))
    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or R² (regressors) of the approximated predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            True labels or targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        if hasattr(self, "classes_"):
            return accuracy_score(y, self.predict(X), sample_weight=sample_weight)
        return r2_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        tags.target_tags = inner.target_tags
        tags.input_tags.sparse = False
        return tags
