"""Generators of sparse Gaussian graphical models (precision matrices and samples)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from skfrugal.utils._validation import check_allocation


@validate_params(
    {
        "n_features": [Interval(Integral, 2, None, closed="left")],
        "n_edges": [Interval(Integral, 0, None, closed="left"), None],
        "weight_range": ["array-like"],
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
        Range ``(low, high)``, ``0 < low <= high``, of the edge magnitudes before
        normalisation.
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
    check_allocation((n_features, n_features), np.float64, "precision (n_features, n_features)")
    rng = check_random_state(random_state)
    p = n_features
    max_edges = p * (p - 1) // 2
    n_edges = p if n_edges is None else n_edges
    if n_edges > max_edges:
        raise ValueError(
            f"n_edges must be <= n_features * (n_features - 1) / 2 = {max_edges}, "
            f"got {n_edges}"
        )
    if np.shape(weight_range) != (2,):
        raise ValueError(f"weight_range must be two numbers (low, high), got {weight_range!r}")
    bounds = check_array(weight_range, dtype=np.float64, ensure_2d=False,
                         input_name="weight_range")
    if not 0 < bounds[0] <= bounds[1]:
        raise ValueError(
            f"weight_range must be two finite numbers with 0 < low <= high, got {weight_range!r}"
        )
    low, high = float(bounds[0]), float(bounds[1])
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

    Raises
    ------
    ValueError
        If ``precision`` is not a finite, symmetric, positive-definite square matrix.

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
    precision = check_array(precision, dtype=np.float64, input_name="precision")
    p = precision.shape[0]
    if precision.shape != (p, p):
        raise ValueError(f"precision must be a square matrix, got shape {precision.shape}")
    scale = float(np.max(np.abs(precision)))
    if not np.allclose(precision, precision.T, rtol=1e-10, atol=1e-12 * scale):
        raise ValueError("precision must be symmetric")
    try:
        L = np.linalg.cholesky(precision / scale if scale > 0 else precision)
    except np.linalg.LinAlgError:
        L = None
    if L is None or not np.all(np.diag(L) > 0):
        raise ValueError("precision must be positive definite (its Cholesky factorisation "
                         "failed)")
    check_allocation((n_samples, p), np.float64, "X (n_samples, n_features)")
    Z = rng.standard_normal((n_samples, p))
    with np.errstate(over="ignore", under="ignore"):
        X = solve_triangular(L, Z.T, lower=True, trans="T").T / np.sqrt(scale)
    if not np.all(np.isfinite(X)):
        raise ValueError(
            "the covariance (the inverse of precision) overflows float64: the precision "
            f"matrix is too close to singular or too small (largest entry {scale:.3g})"
        )
    return X
