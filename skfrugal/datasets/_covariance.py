"""Generators of sparse Gaussian graphical models (precision matrices and samples)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {
        "n_features": [Interval(Integral, 2, None, closed="left")],
        "n_edges": [Interval(Integral, 0, None, closed="left"), None],
        "weight_range": [tuple],
        "min_eigenvalue": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sparse_precision(n_features, n_edges=None, *, weight_range=(0.3, 0.7),
                          min_eigenvalue=0.2, random_state=None):
    """Random sparse precision matrix of a Gaussian graphical model, unit variances.

    The graph is an Erdős–Rényi graph with exactly ``n_edges`` edges; each edge gets a
    weight of random sign and magnitude uniform in ``weight_range``. The diagonal is
    then set so that the smallest eigenvalue is ``min_eigenvalue`` times the largest
    absolute edge weight sum, and the matrix is rescaled so that the covariance
    ``Σ = Θ^{-1}`` has a unit diagonal (the partial correlations are unchanged). Unlike
    :func:`sklearn.datasets.make_sparse_spd_matrix`, the sparsity does not change with
    the dimension and the condition number stays moderate.

    Parameters
    ----------
    n_features : int
        Dimension ``p`` (at least 2).
    n_edges : int, default=None
        Number of edges (off-diagonal non-zeros in the upper triangle); default
        ``n_features`` (an average degree of 2). At most ``p(p-1)/2``.
    weight_range : tuple of two floats, default=(0.3, 0.7)
        Range of the edge magnitudes before normalisation.
    min_eigenvalue : float, default=0.2
        Diagonal loading, relative to the largest row sum of edge magnitudes
        (smaller means stronger partial correlations and a worse condition number).
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    precision : ndarray of shape (n_features, n_features)
        Symmetric positive-definite ``Θ`` with ``diag(Θ^{-1}) = 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.datasets import make_sparse_precision
    >>> prec = make_sparse_precision(20, n_edges=25, random_state=0)
    >>> int((np.abs(np.triu(prec, 1)) > 0).sum())
    25
    >>> bool(np.allclose(np.diag(np.linalg.inv(prec)), 1.0))
    True
    """
    rng = check_random_state(random_state)
    p = n_features
    max_edges = p * (p - 1) // 2
    n_edges = p if n_edges is None else n_edges
    if n_edges > max_edges:
        raise ValueError(
            f"n_edges must be <= n_features * (n_features - 1) / 2 = {max_edges}, "
            f"got {n_edges}"
        )
    low, high = weight_range
    if not 0 < low <= high:
        raise ValueError(f"weight_range must satisfy 0 < low <= high, got {weight_range}")
    iu, ju = np.triu_indices(p, 1)
    pick = rng.choice(max_edges, size=n_edges, replace=False)
    W = np.zeros((p, p))
    weights = rng.uniform(low, high, size=n_edges) * rng.choice([-1.0, 1.0], size=n_edges)
    W[iu[pick], ju[pick]] = weights
    W = W + W.T
    lam_min = np.linalg.eigvalsh(W)[0]
    scale = max(np.abs(W).sum(axis=1).max(), high)
    precision = W + (min_eigenvalue * scale - lam_min) * np.eye(p)
    d = np.sqrt(np.diag(np.linalg.inv(precision)))
    precision = precision * np.outer(d, d)
    return 0.5 * (precision + precision.T)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "precision": ["array-like"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def sample_gaussian_graph(n_samples, precision, *, random_state=None):
    """Draw centred Gaussian samples with a given precision matrix.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    precision : array-like of shape (p, p)
        Symmetric positive-definite precision matrix ``Θ``.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, p)
        Rows ``x ~ N(0, Θ^{-1})`` (computed as ``L^{-T} z`` with ``Θ = L Lᵀ``).

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
    >>> prec = make_sparse_precision(5, random_state=0)
    >>> X = sample_gaussian_graph(200_000, prec, random_state=0)
    >>> bool(np.allclose(np.cov(X.T), np.linalg.inv(prec), atol=0.02))
    True
    """
    from scipy.linalg import solve_triangular

    rng = check_random_state(random_state)
    precision = np.asarray(precision, dtype=np.float64)
    L = np.linalg.cholesky(precision)
    Z = rng.standard_normal((n_samples, precision.shape[0]))
    return solve_triangular(L, Z.T, lower=True, trans="T").T
