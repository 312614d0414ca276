"""Clustering metrics: k-means cost, its ratio to a reference, matched centroid error."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.utils.validation import check_array


def _check_centers(centers, name, n_features=None):
    centers = check_array(centers, dtype=np.float64, input_name=name)
    if n_features is not None and centers.shape[1] != n_features:
        raise ValueError(
            f"{name} must have {n_features} features, got shape {centers.shape}"
        )
    return centers


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

    Examples
    --------
    >>> from skfrugal.metrics import kmeans_inertia
    >>> kmeans_inertia([[0.0], [1.0], [10.0]], [[0.0], [10.0]])
    1.0
    """
    if not hasattr(X, "shape") or np.ndim(X) != 2:
        X = check_array(X, dtype=np.float64, input_name="X")
    centers = _check_centers(centers, "centers", X.shape[1])
    c_sq = np.einsum("ij,ij->i", centers, centers)
    total = 0.0
    for start in range(0, X.shape[0], batch_size):
        xb = check_array(np.asarray(X[start:start + batch_size]), dtype=np.float64,
                         input_name="X")
        d2 = c_sq[None, :] - 2.0 * (xb @ centers.T) + np.einsum("ij,ij->i", xb, xb)[:, None]
        total += float(np.maximum(d2.min(axis=1), 0.0).sum())
    return total


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
    cost = ((centers[:, None, :] - true_centers[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    order = np.argsort(cols)
    rows, cols = rows[order], cols[order]
    return np.sqrt(cost[rows, cols]), np.column_stack([rows, cols])


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

    Examples
    --------
    >>> from skfrugal.metrics import centroid_error
    >>> centroid_error([[10.0, 0.0], [0.1, 0.0]], [[0.0, 0.0], [10.0, 0.0]], scale=0.5)
    0.2
    """
    if reduce not in ("max", "mean", "rms"):
        raise ValueError(f"reduce must be 'max', 'mean' or 'rms', got {reduce!r}")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    dist, _ = matched_centroid_distances(centers, true_centers)
    if reduce == "max":
        value = dist.max()
    elif reduce == "mean":
        value = dist.mean()
    else:
        value = np.sqrt(np.mean(dist**2))
    return float(value / scale)
