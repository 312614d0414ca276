"""ButterflyFactorization: a matrix factorized into butterfly factors, as a transformer."""

import numbers

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.butterfly._factorize import butterfly_factorize


def _check_architecture(architecture):
    if isinstance(architecture, str):
        return
    if not isinstance(architecture, (list, tuple)):
        raise ValueError(
            "architecture must be 'auto', 'dyadic', 'monarch' or a list of patterns, got "
            f"{architecture!r}"
        )


class ButterflyFactorization(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Factorize a matrix into butterfly factors and apply it fast.

    Like :class:`~sklearn.decomposition.NMF`, the data given to ``fit`` is the thing
    factorized: ``fit(A)`` approximates the matrix ``A`` of shape ``(n_out, n_in)`` by
    a product of sparse butterfly factors ``Â`` (see :func:`butterfly_factorize`), and
    ``transform(X)`` returns ``X Âᵀ`` for data ``X`` with ``n_in`` features, in
    ``O(n log n)`` operations per sample instead of ``O(n_out n_in)``.

    Parameters
    ----------
    architecture : {"auto", "dyadic", "monarch", "deformable"} or list of tuple of int, \
            default="auto"
        The chain of supports (see :func:`butterfly_patterns`).
    rank : int, list of int or "auto", default=1
        Rank of each split; ``"auto"`` needs ``tol``.
    tol : float, default=None
        Target relative Frobenius error; chooses the ranks with ``rank="auto"``, else a
        :class:`ToleranceNotMetWarning` is emitted when it is missed.
    order : {"l2r", "balanced"}, default="l2r"
        Order of the splits (see :func:`butterfly_factorize`).
    orthonormalize : bool, default=True
        Orthonormal left factors (error guarantee, error for free).
    permutation : None, "auto", "search" or (row_perm, col_perm), default=None
        Row/column permutations tried or given (see :func:`butterfly_factorize`).
    pad : bool, default=False
        Zero-pad ``A`` to sizes with small prime factors (a prime size otherwise gets
        one dense factor).
    n_factors : int, default=None
        Number of factors (see :func:`butterfly_patterns`); ``None``: the
        architecture's own.

    Attributes
    ----------
    butterfly_ : ButterflyMatrix
        The approximation ``Â`` (a SciPy LinearOperator).
    relative_error_ : float
        ``‖A - Â‖_F / ‖A‖_F``.
    split_errors_ : ndarray or None
        Relative squared error added by each split (first entry: energy outside the
        support); ``None`` without ``orthonormalize``.
    n_params_ : int
        Number of stored values of the factors.
    compression_ratio_ : float
        ``n_out * n_in / n_params_``.
    ranks_ : list of int
        The ranks of the splits.
    patterns_ : list of tuple of int
        The patterns ``(a, b, c, d)`` of the factors.
    n_features_in_ : int
        ``n_in``, the number of columns of ``A``.
    feature_names_in_ : ndarray of str
        Names of the columns of ``A`` when it has string column names.

    See Also
    --------
    butterfly_factorize : The function behind ``fit`` (also for complex matrices).
    ButterflyApproximation : Compress the weights of a fitted linear estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.linalg import hadamard
    >>> from skfrugal.butterfly import ButterflyFactorization
    >>> A = hadamard(256) / 16.0
    >>> bf = ButterflyFactorization().fit(A)
    >>> bf.n_params_, round(bf.compression_ratio_, 1), bf.relative_error_ < 1e-12
    (4096, 16.0, True)
    >>> X = np.random.default_rng(0).normal(size=(5, 256))
    >>> np.allclose(bf.transform(X), X @ A.T)
    True
    >>> np.allclose(bf.inverse_transform(bf.transform(X)), X)  # A is orthogonal
    True
    """

    _parameter_constraints = {
        "architecture": [StrOptions({"auto", "dyadic", "monarch", "deformable"}), list, tuple],
        "n_factors": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "rank": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"}), list],
        "tol": [Interval(numbers.Real, 0, None, closed="left"), None],
        "order": [StrOptions({"l2r", "balanced"})],
        "orthonormalize": ["boolean"],
        "permutation": [StrOptions({"auto", "search"}), tuple, None],
        "pad": ["boolean"],
    }

    def __init__(
        self,
        architecture="auto",
        rank=1,
        tol=None,
        order="l2r",
        orthonormalize=True,
        permutation=None,
        pad=False,
        n_factors=None,
    ):
        self.architecture = architecture
        self.rank = rank
        self.tol = tol
        self.order = order
        self.orthonormalize = orthonormalize
        self.permutation = permutation
        self.pad = pad
        self.n_factors = n_factors

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, A, y=None):
        """Factorize the matrix ``A``.

        Parameters
        ----------
        A : array-like of shape (n_out, n_in)
            The matrix to factorize (its rows play the role of samples).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : ButterflyFactorization
            The fitted transformer.
        """
        A = validate_data(self, A, dtype=[np.float64, np.float32])
        _check_architecture(self.architecture)
        B = butterfly_factorize(
            A,
            architecture=self.architecture,
            rank=self.rank,
            tol=self.tol,
            order=self.order,
            orthonormalize=self.orthonormalize,
            permutation=self.permutation,
            pad=self.pad,
            n_factors=self.n_factors,
        )
        self.butterfly_ = B
        self.relative_error_ = B.relative_error
        self.split_errors_ = B.split_errors
        self.n_params_ = B.n_params
        self.compression_ratio_ = B.compression_ratio
        self.ranks_ = list(B.ranks)
        self.patterns_ = list(B.patterns)
        self._n_features_out = A.shape[0]
        return self

    def transform(self, X):
        """Apply the fitted approximation to each sample: ``X Âᵀ``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_in)
            The data.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_out)
            ``X Âᵀ``, in the dtype of the factors (that of ``A``).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self.butterfly_.apply_rows(X)

    def inverse_transform(self, X):
        """Apply the adjoint: ``X Â`` (each row ``y ↦ Âᴴ y``).

        This is the inverse of :meth:`transform` only when ``Â`` is orthogonal (as for
        a normalised Hadamard or DFT matrix); otherwise it is the adjoint, the
        least-squares back-projection when ``Â`` has orthonormal columns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_out)
            Transformed data.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_in)
        """
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float64, np.float32])
        if X.shape[1] != self._n_features_out:
            raise ValueError(
                f"X must have shape (n_samples, {self._n_features_out}), got {X.shape}"
            )
        return self.butterfly_.H.apply_rows(X)

    def score(self, A, y=None):
        """Return minus the relative Frobenius error of the approximation of ``A``.

        Parameters
        ----------
        A : array-like of shape (n_out, n_in)
            The matrix the approximation is compared with (usually the fitted one).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
            ``-‖A - Â‖_F / ‖A‖_F`` (higher is better).
        """
        check_is_fitted(self)
        A = validate_data(self, A, dtype=[np.float64, np.float32], reset=False)
        if A.shape[0] != self._n_features_out:
            raise ValueError(
                f"A must have the fitted shape ({self._n_features_out}, "
                f"{self.n_features_in_}), got {A.shape}"
            )
        residual = A - self.butterfly_.toarray()
        norm = np.linalg.norm(A)
        return (
            -float(np.linalg.norm(residual) / norm)
            if norm > 0
            else -float(np.linalg.norm(residual))
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
