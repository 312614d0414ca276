"""ButterflyRandomProjection: an O(n log n) Johnson-Lindenstrauss transform."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.random_projection import johnson_lindenstrauss_min_dim
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.butterfly._matrix import ButterflyMatrix


@validate_params(
    {"n": [Interval(numbers.Integral, 2, None, closed="left")], "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def random_flat_butterfly(n, random_state=None):
    """Return a random orthogonal butterfly whose entries all have modulus ``1/sqrt(n)``.

    Each 2×2 block of each of the ``log2(n)`` factors is a rotation by a random
    multiple of ``π/2`` plus ``π/4`` (entries ``±1/sqrt(2)``), and the input is
    multiplied by independent random signs: a randomised Walsh-Hadamard transform.
    Flat entries are what spreads sparse inputs evenly (random rotation angles do
    not: they leave heavy coordinates and distort sparse data twice as much).

    Parameters
    ----------
    n : int
        A power of two >= 2.
    random_state : int, RandomState instance or None, default=None
        Seed of the signs and angles.

    Returns
    -------
    B : ButterflyMatrix of shape (n, n)
        Orthogonal: ``B.H @ B`` is the identity.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.butterfly import random_flat_butterfly
    >>> B = random_flat_butterfly(8, random_state=0).toarray()
    >>> np.allclose(B.T @ B, np.eye(8)), np.allclose(np.abs(B), 8 ** -0.5)
    (True, True)
    """
    n = int(n)
    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of two >= 2, got {n}")
    rng = check_random_state(random_state)
    n_factors = n.bit_length() - 1
    factors = []
    half = np.sqrt(0.5)
    for ell in range(1, n_factors + 1):
        a, d = 2 ** (ell - 1), n >> ell
        quarter = rng.randint(0, 4, size=(a, d))
        angle = np.pi / 4 + np.pi / 2 * quarter
        c, s = np.cos(angle), np.sin(angle)
        T = np.empty((a, 2, 2, d))
        T[:, 0, 0], T[:, 0, 1], T[:, 1, 0], T[:, 1, 1] = c, -s, s, c
        factors.append(np.round(T / half) * half)
    signs = rng.choice([-1.0, 1.0], size=n)
    factors[-1] = factors[-1] * signs.reshape(n // 2, 1, 2, 1)
    return ButterflyMatrix(factors)


class ButterflyRandomProjection(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Fast Johnson-Lindenstrauss random projection through a random butterfly.

    A data-independent drop-in for :class:`~sklearn.random_projection.GaussianRandomProjection`
    that costs ``O(n log n)`` per sample instead of ``O(n k)``: the features are
    zero-padded to ``n = 2^L``, multiplied by random signs and a random orthogonal
    butterfly with flat entries (a randomised Walsh-Hadamard transform, see
    :func:`random_flat_butterfly`), and ``n_components`` of the ``n`` outputs are kept,
    scaled by ``sqrt(n / n_components)`` so that squared norms are preserved in
    expectation. When ``n_components > n``, independent butterflies are stacked.

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Dimension of the projected space; ``"auto"`` uses
        :func:`~sklearn.random_projection.johnson_lindenstrauss_min_dim` with the number
        of samples and ``eps``.
    eps : float, default=0.1
        Distortion parameter of the Johnson-Lindenstrauss lemma, used when
        ``n_components="auto"``.
    random_state : int, RandomState instance or None, default=None
        Seed of the signs, angles and kept rows.

    Attributes
    ----------
    n_components_ : int
        The dimension of the projected space.
    butterflies_ : list of ButterflyMatrix
        The stacked orthogonal butterflies (signs folded in), each ``n × n`` cropped
        to ``n × n_features`` (the features are zero-padded on the fly).
    rows_ : ndarray of int
        The rows kept from the stacked outputs.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of the features when ``X`` has string column names.

    See Also
    --------
    sklearn.random_projection.GaussianRandomProjection : The dense Gaussian version.

    References
    ----------
    N. Ailon, B. Chazelle, "The fast Johnson-Lindenstrauss transform and approximate
    nearest neighbors", SIAM J. Comput., 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.butterfly import ButterflyRandomProjection
    >>> X = np.random.default_rng(0).normal(size=(100, 1000))
    >>> rp = ButterflyRandomProjection(n_components=300, random_state=0).fit(X)
    >>> Y = rp.transform(X)
    >>> Y.shape
    (100, 300)
    >>> ratio = np.linalg.norm(Y[0] - Y[1]) / np.linalg.norm(X[0] - X[1])
    >>> bool(0.8 < ratio < 1.2)
    True
    """

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "eps": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components="auto", eps=0.1, random_state=None):
        self.n_components = n_components
        self.eps = eps
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Draw the projection for data with the features of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Only its shape is used (and, with ``n_components="auto"``, its number of
            samples).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : ButterflyRandomProjection
            The fitted transformer.
        """
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
        n_samples, n_features = X.shape
        if self.n_components == "auto":
            k = int(johnson_lindenstrauss_min_dim(n_samples, eps=self.eps))
        else:
            k = int(self.n_components)
        rng = check_random_state(self.random_state)
        n = max(2, 1 << int(np.ceil(np.log2(n_features))))
        n_blocks = -(-k // n)
        # each butterfly acts on the zero-padded features (the kernel pads on the fly)
        self.butterflies_ = [
            ButterflyMatrix(random_flat_butterfly(n, rng).factors, shape=(n, n_features))
            for _ in range(n_blocks)
        ]
        self.rows_ = np.sort(rng.choice(n * n_blocks, size=k, replace=False))
        self._scale = np.sqrt(n / k)
        self._n = n
        self.n_components_ = k
        self._n_features_out = k
        return self

    def transform(self, X):
        """Project the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data (sparse rows are densified by chunks).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            The projected data, in the dtype of ``X`` (float32 or float64).
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )
        out = np.empty((X.shape[0], self.n_components_), dtype=X.dtype)
        if sp.issparse(X):  # densify row chunks of about 8 MiB
            X = X.tocsr()
            step = max(1, (1 << 20) // max(1, X.shape[1]))
            for start in range(0, X.shape[0], step):
                out[start : start + step] = self._project(X[start : start + step].toarray())
        else:
            out[...] = self._project(X)
        return out

    def _project(self, X):
        n = self._n
        out = np.empty((X.shape[0], self.n_components_), dtype=X.dtype)
        for block, B in enumerate(self.butterflies_):
            lo, hi = np.searchsorted(self.rows_, [block * n, (block + 1) * n])
            if hi == lo:
                continue
            B = B.astype(X.dtype) if B.dtype != X.dtype else B
            Y = B.apply_rows(X)
            out[:, lo:hi] = Y[:, self.rows_[lo:hi] - block * n]
        out *= out.dtype.type(self._scale)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = True
        return tags
