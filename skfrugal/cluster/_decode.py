"""From a :class:`~skfrugal.sketching.Sketch` of a Fourier operator to decoder inputs and back.

The decoders work on plain arrays in the operator's standardised coordinates. This
module prepares them (sketch, frequencies, bounds, data moments), removes the features
that are constant in the sketched data (their phase is factored out of the sketch, and
the decoders never see them), runs a decoder ``n_init`` times and keeps the decoding
with the smallest sketch residual, then maps the result back to the data's units.
"""

import numpy as np

from skfrugal.cluster._cl_ompr import cl_ompr
from skfrugal.cluster._sketch_and_shift import sketch_and_shift
from skfrugal.utils import blas_single_thread

DECODERS = ("sketch_and_shift", "cl_ompr")


def decode_kmeans(sketch, n_clusters, decoder, n_init, random_state):
    """Decode centroids, variances and weights of ``n_clusters`` clusters from a sketch.

    Parameters
    ----------
    sketch : Sketch
        A non-empty sketch made by a fitted
        :class:`~skfrugal.sketching.FourierSketcher` (its ``operator``).
    n_clusters : int
        Number of clusters ``K``.
    decoder : {"sketch_and_shift", "cl_ompr"}
        The decoder.
    n_init : int
        Number of decodings from different random draws; the one with the smallest
        relative sketch residual is kept.
    random_state : numpy.random.RandomState
        Source of randomness of the decoder.

    Returns
    -------
    centers : ndarray of shape (K, d)
        Centroids in the data's units.
    variances : ndarray of shape (K,)
        Intra-cluster variance per feature, in the data's units squared.
    weights : ndarray of shape (K,)
        Cluster proportions (sum to one).
    result : DecodeResult
        The raw result of the best decoding (standardised units, active features).
    """
    op = sketch.operator
    mean, std = op.mean_, op.std_
    z = np.asarray(sketch.mean, dtype=np.complex128)
    omega = np.asarray(op.frequencies_, dtype=np.float64)
    lower = (sketch.data_min - mean) / std
    upper = (sketch.data_max - mean) / std
    centre = (sketch.data_mean - mean) / std
    var = sketch.data_var / std**2
    active = (upper - lower) > 1e-12 * np.maximum(1.0, np.abs(centre))
    K = int(n_clusters)
    if not np.any(active):  # every sample is the same point
        centers = np.tile(sketch.data_mean, (K, 1))
        return centers, np.zeros(K), np.full(K, 1.0 / K), None
    if not np.all(active):  # constant features: factor their phase out of the sketch
        z = z * np.exp(1j * (centre[~active] @ omega[~active]))
        omega = omega[active]
    metric = 1.0 / std[active] ** 2
    metric = metric / metric.mean()
    args = (z, omega, K, lower[active], upper[active])
    best = None
    with blas_single_thread():
        for _ in range(n_init):
            if decoder == "sketch_and_shift":
                result = sketch_and_shift(
                    *args, scale=op.scale_, data_mean=centre[active],
                    data_var=var[active], metric=metric, random_state=random_state,
                )
            else:
                result = cl_ompr(*args, scale=op.scale_, metric=metric,
                                 random_state=random_state)
            if best is None or result.cost < best.cost:
                best = result
    centers_std = np.tile(centre, (K, 1))
    centers_std[:, active] = best.centers
    centers = mean + std * centers_std
    # spherical variance s² · metric_l in standardised units = s² · metric_l · std_l²
    # in data units, the same for every active feature by construction of the metric
    unit = float(metric[0] * std[active][0] ** 2)
    variances = np.asarray(best.variances, dtype=np.float64) * unit
    return centers, variances, best.weights, best
