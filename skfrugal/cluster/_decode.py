"""From a :class:`~skfrugal.sketching.Sketch` of a Fourier operator to k-means parameters.

The decoding itself is :func:`skfrugal.decoding.decode`; this module prepares its
inputs (:func:`~skfrugal.decoding.decoder_inputs` drops the features that are constant in
the sketched data) and maps the best decoding back to the data's units.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skfrugal.decoding import decode, decoder_inputs

#: The decoders CompressiveKMeans offers, by the names of its ``decoder`` parameter.
DECODERS = ("sketch_and_shift", "cl_ompr")


@validate_params(
    {
        "sketch": "no_validation",
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "decoder": [StrOptions(set(DECODERS))],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def decode_kmeans(sketch, n_clusters, decoder="sketch_and_shift", n_init="auto",
                  random_state=None):
    """Decode centroids, variances and weights of ``n_clusters`` clusters from a sketch.

    Parameters
    ----------
    sketch : Sketch
        A non-empty sketch made by a fitted
        :class:`~skfrugal.sketching.FourierSketcher` (its ``operator``).
    n_clusters : int
        Number of clusters ``K``.
    decoder : {"sketch_and_shift", "cl_ompr"}, default="sketch_and_shift"
        The decoder.
    n_init : "auto" or int, default="auto"
        Number of decodings from different random draws (see
        :func:`skfrugal.decoding.decode`).
    random_state : int, RandomState instance or None, default=None
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
    random_state = check_random_state(random_state)
    if inputs is None:  # every sample is the same point
        centers = np.tile(sketch.data_mean, (K, 1))
        return centers, np.zeros(K), np.full(K, 1.0 / K), None
    best = decode(inputs, K, decoder=decoder, covariance="spherical", n_init=n_init,
                  random_state=random_state)
    centers = inputs.to_data_units(best.centers)
    variances = inputs.variances_to_data_units(best.variances)
    return centers, variances, best.weights, best
