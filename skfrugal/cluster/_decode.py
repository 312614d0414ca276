"""From a :class:`~skfrugal.sketching.Sketch` of a Fourier operator to k-means parameters.

The decoding itself is :func:`skfrugal.decoding.decode`; this module prepares its
inputs (:func:`~skfrugal.decoding.decoder_inputs` drops the features that are constant in
the sketched data) and maps the best decoding back to the data's units.
"""

import numpy as np

from skfrugal.decoding import decode, decoder_inputs

#: The decoders CompressiveKMeans offers, by the names of its ``decoder`` parameter.
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
    n_init : "auto" or int
        Number of decodings from different random draws (see
        :func:`skfrugal.decoding.decode`).
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
    best = decode(inputs, K, decoder=decoder, covariance="spherical", n_init=n_init,
                  random_state=random_state)
    centers = inputs.to_data_units(best.centers)
    variances = inputs.variances_to_data_units(best.variances)
    return centers, variances, best.weights, best
