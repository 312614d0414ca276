"""From a :class:`~skfrugal.sketching.Sketch` of a Fourier operator to decoder inputs and back.

The decoders work on plain arrays in the operator's standardised coordinates. This
module prepares them with :func:`~skfrugal.sketching._compressive.decoder_inputs`
(which drops the features that are constant in the sketched data), runs a decoder
``n_init`` times, keeps the decoding with the smallest sketch residual, and maps it
back to the data's units.
"""

import numpy as np

from skfrugal.cluster._cl_ompr import cl_ompr
from skfrugal.cluster._sketch_and_shift import sketch_and_shift
from skfrugal.sketching._compressive import decoder_inputs
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
    K = int(n_clusters)
    inputs = decoder_inputs(sketch)
    if inputs is None:  # every sample is the same point
        centers = np.tile(sketch.data_mean, (K, 1))
        return centers, np.zeros(K), np.full(K, 1.0 / K), None
    metric = inputs.spherical_metric()
    args = (inputs.z, inputs.frequencies, K, inputs.lower, inputs.upper)
    best = None
    with blas_single_thread():
        for _ in range(n_init):
            if decoder == "sketch_and_shift":
                result = sketch_and_shift(
                    *args, scale=inputs.scale, data_mean=inputs.data_mean,
                    data_var=inputs.data_var, metric=metric, random_state=random_state,
                )
            else:
                result = cl_ompr(*args, scale=inputs.scale, metric=metric,
                                 random_state=random_state)
            if best is None or result.cost < best.cost:
                best = result
    centers = inputs.to_data_units(best.centers)
    # spherical variance s² · metric_l in standardised units = s² · metric_l · std_l²
    # in data units, the same for every active feature by construction of the metric
    unit = float(metric[0] * inputs.std[inputs.active][0] ** 2)
    variances = np.asarray(best.variances, dtype=np.float64) * unit
    return centers, variances, best.weights, best
