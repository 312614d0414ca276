"""Gaussian mixture data: the benchmark of compressive clustering and mixture learning."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from skfrugal.utils._validation import check_allocation


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "separation": [Interval(Real, 0, 1e100, closed="both")],
        "variances": [StrOptions({"unit", "diag"}), "array-like"],
        "weights": [StrOptions({"equal", "dirichlet"}), "array-like"],
        "dtype": [StrOptions({"float32", "float64"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gmm(
    n_samples=100_000,
    n_features=10,
    n_components=10,
    *,
    separation=1.5,
    variances="unit",
    weights="equal",
    dtype="float64",
    random_state=None,
):
    """Draw samples of a Gaussian mixture with diagonal covariances.

    The benchmark mixture of compressive clustering (Keriven et al. 2018): centres
    ``μ_k ~ N(0, c² K^{2/d} I)`` with ``c = separation`` (the ``K^{2/d}`` factor keeps
    the typical distance to the nearest other centre about constant as ``K`` grows),
    clusters ``N(μ_k, diag(s_k²))``.

    Parameters
    ----------
    n_samples : int, default=100_000
        Number of samples.
    n_features : int, default=10
        Dimension ``d``.
    n_components : int, default=10
        Number of clusters ``K``.
    separation : float, default=1.5
        The factor ``c`` of the spread of the centres, in units of the cluster standard
        deviation (at most 1e100).
    variances : {"unit", "diag"} or array-like of shape (K,) or (K, d), default="unit"
        Cluster variances: ``"unit"`` for identity covariances, ``"diag"`` for
        diagonal variances drawn uniformly in ``[0.25, 2]``, an array of shape
        ``(K,)`` for spherical or ``(K, d)`` for diagonal covariances.
    weights : {"equal", "dirichlet"} or array-like of shape (K,), default="equal"
        Cluster proportions: equal, drawn from a Dirichlet(2, …, 2) law, or given (they
        are normalised to sum to one).
    dtype : {"float32", "float64"}, default="float64"
        Dtype of ``X``.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Samples.
    labels : ndarray of shape (n_samples,)
        Index of the cluster of each sample.
    centers : ndarray of shape (n_components, n_features)
        The centres ``μ_k``.
    variances : ndarray of shape (n_components, n_features)
        The diagonal variances of the clusters.
    weights : ndarray of shape (n_components,)
        The cluster proportions.

    Examples
    --------
    >>> from skfrugal.datasets import make_gmm
    >>> X, labels, centers, variances, weights = make_gmm(1000, 3, 4, random_state=0)
    >>> X.shape, centers.shape, variances.shape, float(weights.sum())
    ((1000, 3), (4, 3), (4, 3), 1.0)
    """
    check_allocation((n_samples, n_features), np.float64, "X (n_samples, n_features)")
    check_allocation((n_components, n_features), np.float64,
                     "centers (n_components, n_features)")
    rng = check_random_state(random_state)
    K, d = n_components, n_features
    centers = rng.standard_normal((K, d)) * (separation * K ** (1.0 / d))
    if isinstance(variances, str):
        if variances == "unit":
            var = np.ones((K, d))
        else:
            var = rng.uniform(0.25, 2.0, size=(K, d))
    else:
        var = check_array(variances, dtype=np.float64, ensure_2d=False,
                          input_name="variances")
        if var.shape == (K,):
            var = np.repeat(var[:, None], d, axis=1)
        if var.shape != (K, d) or np.any(var < 0) or np.any(var > 1e200):
            raise ValueError(
                f"variances must be in [0, 1e200] and of shape ({K},) or ({K}, {d}), got "
                f"shape {np.shape(variances)}"
            )
    if isinstance(weights, str):
        w = np.full(K, 1.0 / K) if weights == "equal" else rng.dirichlet(np.full(K, 2.0))
    else:
        w = check_array(weights, dtype=np.float64, ensure_2d=False, input_name="weights")
        if w.shape != (K,) or np.any(w < 0) or not w.sum() > 0:
            raise ValueError(
                f"weights must be {K} non-negative numbers with a positive sum, got {weights!r}"
            )
        w = w / w.sum()
    labels = rng.choice(K, size=n_samples, p=w)
    X = rng.standard_normal((n_samples, d))
    X *= np.sqrt(var[labels])
    X += centers[labels]
    return X.astype(dtype, copy=False), labels, centers, var, w
