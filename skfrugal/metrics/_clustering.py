"""Clustering metrics: k-means cost, its ratio to a reference, matched centroid error."""

from numbers import Integral, Real

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array


def _check_centers(centers, name, n_features=None):
    centers = check_array(centers, dtype=np.float64, input_name=name)
    if n_features is not None and centers.shape[1] != n_features:
        raise ValueError(
            f"{name} must have {n_features} features, got shape {centers.shape}"
        )
    return centers


def _check_samples(X):
    """X as a 2-D array of real numbers, without copying a NumPy array or memmap.

    A 2-D NumPy array (or memmap) is checked lazily: its dtype and shape now, its values
    batch by batch as they are read. Anything else goes through ``check_array``.
    """
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub":
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must hold at least one sample and one feature, got shape "
                             f"{X.shape}")
        return X
    return check_array(X, dtype=np.float64, input_name="X")


def _finite_total(total, what):
    if not np.isfinite(total):
        raise ValueError(
            f"the {what} overflows float64 (the squared distances exceed 1e308): "
            "rescale the data and the centres"
        )
    return float(total)


@validate_params(
    {
        "X": ["array-like"],
        "centers": ["array-like"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def kmeans_inertia(X, centers, batch_size=65536):
    """Sum of squared distances of the samples to their closest centre (the k-means cost).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples (read by batches, so a memmap is fine).
    centers : array-like of shape (n_clusters, n_features)
        Centres.
    batch_size : int, default=65536
        Rows per batch.

    Returns
    -------
    inertia : float

    Raises
    ------
    ValueError
        If X or the centres hold NaN or infinity, have no sample or feature, disagree
        in their number of features, or if the cost overflows float64.

    Examples
    --------
    >>> from skfrugal.metrics import kmeans_inertia
    >>> kmeans_inertia([[0.0], [1.0], [10.0]], [[0.0], [10.0]])
    1.0
    """
    X = _check_samples(X)
    centers = _check_centers(centers, "centers", X.shape[1])
    # distances in the centres' frame and units: no cancellation far from the origin,
    # no overflow before the final sum for data near the float64 range
    shift = centers.mean(axis=0)
    scale = float(np.max(np.abs(centers - shift))) or 1.0
    c = (centers - shift) / scale
    c_sq = np.einsum("ij,ij->i", c, c)
    total = 0.0
    for start in range(0, X.shape[0], batch_size):
        xb = check_array(np.asarray(X[start:start + batch_size]), dtype=np.float64,
                         input_name="X")
        with np.errstate(over="ignore"):
            xb = (xb - shift) / scale
            d2 = c_sq[None, :] - 2.0 * (xb @ c.T) + np.einsum("ij,ij->i", xb, xb)[:, None]
            total += float(np.maximum(d2.min(axis=1), 0.0).sum())
    with np.errstate(over="ignore"):
        return _finite_total(np.float64(total) * np.float64(scale) ** 2, "k-means cost")


@validate_params(
    {
        "X": ["array-like"],
        "centers": ["array-like"],
        "reference_centers": ["array-like"],
    },
    prefer_skip_nested_validation=True,
)
def sse_ratio(X, centers, reference_centers):
    """K-means cost of ``centers`` on X relative to that of ``reference_centers``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples.
    centers : array-like of shape (n_clusters, n_features)
        Centres to evaluate (e.g. decoded from a sketch).
    reference_centers : array-like of shape (n_clusters_ref, n_features)
        Reference centres (e.g. ``KMeans(n_init=10)`` on the full data).

    Returns
    -------
    ratio : float
        ``inertia(centers) / inertia(reference_centers)``; 1.02 means 2% worse.

    Raises
    ------
    ValueError
        If the reference centres have zero cost on X (the ratio is undefined), and as
        :func:`kmeans_inertia`.

    Examples
    --------
    >>> from skfrugal.metrics import sse_ratio
    >>> X = [[0.0], [2.0], [10.0], [12.0]]
    >>> sse_ratio(X, [[0.0], [11.0]], [[1.0], [11.0]])
    1.5
    """
    reference = kmeans_inertia(X, reference_centers)
    if reference == 0.0:
        raise ValueError("the reference centres have zero cost on X: the ratio is undefined")
    return kmeans_inertia(X, centers) / reference


@validate_params(
    {"centers": ["array-like"], "true_centers": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def matched_centroid_distances(centers, true_centers):
    """Distances between centres matched one to one by the Hungarian algorithm.

    The matching minimises the sum of squared distances (an optimal transport between
    two uniform sets of points, solved exactly by :func:`scipy.optimize.linear_sum_assignment`).

    Parameters
    ----------
    centers : array-like of shape (K1, n_features)
        Estimated centres.
    true_centers : array-like of shape (K2, n_features)
        Reference centres. When ``K1 != K2`` only ``min(K1, K2)`` pairs are matched.

    Returns
    -------
    distances : ndarray of shape (min(K1, K2),)
        Euclidean distance of each matched pair, in the order of ``true_centers``'s
        matched rows.
    matching : ndarray of shape (min(K1, K2), 2)
        Indices ``(i in centers, j in true_centers)`` of the pairs.

    Examples
    --------
    >>> from skfrugal.metrics import matched_centroid_distances
    >>> dist, match = matched_centroid_distances([[10.0, 0.0], [0.1, 0.0]],
    ...                                          [[0.0, 0.0], [10.0, 0.0]])
    >>> dist.round(2).tolist(), match.tolist()
    ([0.1, 0.0], [[1, 0], [0, 1]])
    """
    true_centers = _check_centers(true_centers, "true_centers")
    centers = _check_centers(centers, "centers", true_centers.shape[1])
    # in units of the largest coordinate: the squared distances neither overflow nor
    # underflow for centres anywhere in the float64 range
    scale = max(float(np.max(np.abs(centers))), float(np.max(np.abs(true_centers))))
    scale = scale if scale > 0 else 1.0
    diff = centers[:, None, :] / scale - true_centers[None, :, :] / scale
    cost = (diff**2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    order = np.argsort(cols)
    rows, cols = rows[order], cols[order]
    return np.sqrt(cost[rows, cols]) * scale, np.column_stack([rows, cols])


@validate_params(
    {
        "centers": ["array-like"],
        "true_centers": ["array-like"],
        "scale": [Interval(Real, 0, None, closed="neither")],
        "reduce": [StrOptions({"max", "mean", "rms"})],
    },
    prefer_skip_nested_validation=True,
)
def centroid_error(centers, true_centers, *, scale=1.0, reduce="max"):
    """Error of estimated centroids after optimal one-to-one matching, in units of ``scale``.

    Parameters
    ----------
    centers : array-like of shape (K1, n_features)
        Estimated centres.
    true_centers : array-like of shape (K2, n_features)
        Reference centres.
    scale : float, default=1.0
        Unit of the result, typically the cluster standard deviation.
    reduce : {"max", "mean", "rms"}, default="max"
        How the matched distances are summarised.

    Returns
    -------
    error : float

    Raises
    ------
    ValueError
        If the error in units of ``scale`` overflows float64.

    Examples
    --------
    >>> from skfrugal.metrics import centroid_error
    >>> centroid_error([[10.0, 0.0], [0.1, 0.0]], [[0.0, 0.0], [10.0, 0.0]], scale=0.5)
    0.2
    """
    dist, _ = matched_centroid_distances(centers, true_centers)
    top = float(dist.max()) or 1.0
    if reduce == "max":
        value = 1.0
    elif reduce == "mean":
        value = float(np.mean(dist / top))
    else:
        value = float(np.sqrt(np.mean((dist / top) ** 2)))
    with np.errstate(over="ignore"):
        error = value * (top / scale) if dist.max() > 0 else 0.0
    if not np.isfinite(error):
        raise ValueError(
            f"the centroid error in units of scale={scale!r} overflows float64 (largest "
            f"distance {top:.3g})"
        )
    return float(error)
