"""From a :class:`~skfrugal.sketching.Sketch` to the parameters of a Gaussian mixture.

The decoders see the sketch in the operator's standardised coordinates
``x̃ = (x - mean_) / std_``, restricted to the features that vary in the sketched data
(the phase of constant features is factored out of the sketch). The result is mapped
back to the data's units: means ``mean_ + std_ · μ̃``, diagonal variances
``std_² · s̃²``. A *spherical* component is spherical in the data's units (as in
:class:`sklearn.mixture.GaussianMixture`): its standardised variances are
``s² / std_l²``, which the decoders model with the per-feature ``metric`` of the shared
atoms.
"""

import numpy as np

from skfrugal.cluster._descent import global_descent, residual_cost
from skfrugal.cluster._sketch_and_shift import sketch_and_shift
from skfrugal.mixture._decoders import cl_ompr_gmm, split_gmm
from skfrugal.sketching._compressive import decoder_inputs
from skfrugal.utils import blas_single_thread

DECODERS = ("sketch_and_shift", "cl_ompr", "split")

#: Floor of the decoded variances, relative to the sketch scale ``σ̄²`` (standardised
#: units). A sketch at bandwidth ``σ̄`` does not resolve much finer detail; the floor
#: keeps a component from collapsing onto a point (an infinite likelihood).
VARIANCE_FLOOR = 1e-3


def _run(decoder, args, kwargs, covariance, metric, bounds, data_mean, data_var, rng):
    if decoder == "cl_ompr":
        return cl_ompr_gmm(*args, covariance=covariance, metric=metric,
                           variance_bounds=bounds, data_mean=data_mean,
                           data_var=data_var, random_state=rng, **kwargs)
    if decoder == "split":
        return split_gmm(*args, covariance=covariance, metric=metric,
                         variance_bounds=bounds, data_mean=data_mean, data_var=data_var)
    return sketch_and_shift(*args, covariance=covariance, metric=metric,
                            variance_upper=bounds[1], data_mean=data_mean,
                            data_var=data_var, random_state=rng, **kwargs)


def decode_gmm(sketch, n_components, covariance_type, decoder, n_init, random_state):
    """Decode the weights, means and variances of a Gaussian mixture from a sketch.

    Parameters
    ----------
    sketch : Sketch
        A non-empty sketch made by a fitted :class:`~skfrugal.sketching.FourierSketcher`.
    n_components : int
        Number of components ``K``.
    covariance_type : {"diag", "spherical"}
        Covariance model (spherical in the data's units).
    decoder : {"cl_ompr", "sketch_and_shift", "split"}
        The decoder.
    n_init : int
        Number of decodings from different random draws; the one with the smallest
        relative sketch residual is kept.
    random_state : numpy.random.RandomState
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
        The best raw decoding (standardised units, varying features); ``None`` when
        every sample is the same point.
    """
    K = int(n_components)
    d = sketch.data_mean.shape[0]
    inputs = decoder_inputs(sketch)
    if inputs is None:  # every sample is the same point
        means = np.tile(sketch.data_mean, (K, 1))
        variances = np.zeros((K, d)) if covariance_type == "diag" else np.zeros(K)
        return means, variances, np.full(K, 1.0 / K), None
    z, omega = inputs.z, inputs.frequencies
    lo, hi, c_act, v_act = inputs.lower, inputs.upper, inputs.data_mean, inputs.data_var
    scale = inputs.scale
    floor = VARIANCE_FLOOR * scale
    if covariance_type == "diag":
        metric = None
        bounds = (floor, np.maximum(v_act, floor))
    else:
        metric = inputs.spherical_metric()
        bounds = (floor, max(float(np.max(v_act / metric)), floor))
    args = (z, omega, K, lo, hi)
    kwargs = {"scale": scale} if decoder != "split" else {}
    best = None
    with blas_single_thread():
        for _ in range(1 if decoder == "split" else n_init):
            result = _run(decoder, args, kwargs, covariance_type, metric, bounds,
                          c_act, v_act, random_state)
            if best is None or result.cost < best.cost:
                best = result
        if decoder == "sketch_and_shift":
            # its descents floor the variances at 0: polish once within our bounds
            v = np.clip(best.variances, bounds[0], bounds[1])
            c, v, w, _, _ = global_descent(z, omega, best.centers, v, best.weights,
                                           lo, hi, variance_bounds=bounds, metric=metric)
            total = float(w.sum())
            best.centers, best.variances = c, v
            best.weights = w / total if total > 0 else np.full(K, 1.0 / K)
            best.cost = residual_cost(z, omega, c, v, w, metric)
    means = inputs.to_data_units(best.centers)
    std_act = inputs.std[inputs.active]
    if covariance_type == "diag":
        variances = np.zeros((K, d))
        variances[:, inputs.active] = best.variances * std_act**2
    else:
        # s² · metric_l in standardised units is s² · metric_l · std_l² in data units,
        # the same for every varying feature by construction of the metric
        variances = np.asarray(best.variances, dtype=np.float64) * float(
            metric[0] * std_act[0] ** 2)
    return means, variances, best.weights, best
