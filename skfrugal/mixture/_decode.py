"""From a :class:`~skfrugal.sketching.Sketch` to the parameters of a Gaussian mixture.

The decoders see the sketch in the operator's standardised coordinates
``x̃ = (x - mean_) / std_``, restricted to the features that vary in the sketched data
(the phase of constant features is factored out of the sketch); the decoding is
:func:`skfrugal.decoding.decode`. The result is mapped back to the data's units: means
``mean_ + std_ · μ̃``, diagonal variances ``std_² · s̃²``. A *spherical* component is
spherical in the data's units (as in :class:`sklearn.mixture.GaussianMixture`): its
standardised variances are ``s² / std_l²``, which the decoders model with the
per-feature ``metric`` of the shared atoms.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skfrugal.decoding import decode, decoder_inputs, gmm_variance_bounds

#: ``decoder`` parameter of CompressiveGaussianMixture -> name in the decoding registry.
DECODERS = {"sketch_and_shift": "sketch_and_shift", "cl_ompr": "cl_ompr_gmm",
            "split": "split_gmm"}


@validate_params(
    {
        "sketch": "no_validation",
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions({"diag", "spherical"})],
        "decoder": [StrOptions(set(DECODERS))],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def decode_gmm(sketch, n_components, covariance_type="diag", decoder="sketch_and_shift",
               n_init="auto", random_state=None):
    """Decode the weights, means and variances of a Gaussian mixture from a sketch.

    Parameters
    ----------
    sketch : Sketch
        A non-empty sketch made by a fitted :class:`~skfrugal.sketching.FourierSketcher`.
    n_components : int
        Number of components ``K``.
    covariance_type : {"diag", "spherical"}, default="diag"
        Covariance model (spherical in the data's units).
    decoder : {"cl_ompr", "sketch_and_shift", "split"}, default="sketch_and_shift"
        The decoder.
    n_init : "auto" or int, default="auto"
        Number of decodings from different random draws (see
        :func:`skfrugal.decoding.decode`); the one with the smallest relative sketch
        residual is returned first.
    random_state : int, RandomState instance or None, default=None
        Source of randomness of the decoders.

    Returns
    -------
    means : ndarray of shape (K, d)
        Component means in the data's units.
    variances : ndarray of shape (K, d) or (K,)
        Diagonal variances, or one variance per component (``"spherical"``), in the
        data's units squared, not yet regularised (constant features have variance 0).
    weights : ndarray of shape (K,)
        Mixture weights (sum to one).
    result : DecodeResult or None
        The best raw decoding (standardised units, varying features); its
        ``info["candidates"]`` holds ``(means, variances, weights)`` of every decoding in
        the data's units, best first. ``None`` when every sample is the same point.
    """
    K = int(n_components)
    d = sketch.data_mean.shape[0]
    inputs = decoder_inputs(sketch)
    random_state = check_random_state(random_state)
    if inputs is None:  # every sample is the same point
        means = np.tile(sketch.data_mean, (K, 1))
        variances = np.zeros((K, d)) if covariance_type == "diag" else np.zeros(K)
        return means, variances, np.full(K, 1.0 / K), None
    best = decode(inputs, K, decoder=DECODERS[decoder], covariance=covariance_type,
                  variance_bounds=gmm_variance_bounds(inputs, covariance_type),
                  n_init=n_init, random_state=random_state)
    best.info["candidates"] = [
        (inputs.to_data_units(r.centers), inputs.variances_to_data_units(r.variances),
         r.weights) for r in best.info["decodings"]]
    means, variances, weights = best.info["candidates"][0]
    return means, variances, weights, best
