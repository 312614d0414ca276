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
AUTO_MAX_INIT = 4
AUTO_NOISE_FACTOR = 2.0
AUTO_MIN_GAIN = 0.1


def sketch_noise_level(z, n_samples):
    """Relative squared sampling noise ``Σ_j (1 - |z_j|²) / (n ‖z‖²)`` of a sketch.

    Each entry of the sketch of ``n`` samples is a mean of ``n`` unit complex numbers
    with mean ``z_j``: its variance is ``(1 - |z_j|²) / n``. A model that fits the
    data's distribution leaves a relative residual ``‖z - z(model)‖² / ‖z‖²`` of about
    this level (a little less: the fit absorbs some of the noise).

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch.
    n_samples : int
        Number of samples it averages.

    Returns
    -------
    level : float

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.cluster import sketch_noise_level
    >>> float(sketch_noise_level(np.full(4, 0.5 + 0j), 100))
    0.03
    """
    z = np.asarray(z)
    power = float(np.vdot(z, z).real)
    return float(np.sum(1.0 - np.abs(z) ** 2)) / (max(int(n_samples), 1) * max(power, 1e-300))


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
        Number of decodings from different random draws; the one with the smallest
        relative sketch residual is kept. ``"auto"``: up to ``AUTO_MAX_INIT`` (4),
        stopping once the residual is within ``AUTO_NOISE_FACTOR`` (2) times
        :func:`sketch_noise_level`, or once a decoding lowers the best residual by
        less than ``AUTO_MIN_GAIN`` (10%): restarts then no longer pay (the misfit is
        the model's, e.g. clusters that are not Gaussian, not the search's).
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
    if n_init == "auto":
        n_runs = AUTO_MAX_INIT
        target = AUTO_NOISE_FACTOR * sketch_noise_level(inputs.z, sketch.n_samples)
    else:
        n_runs, target = int(n_init), -np.inf
    with blas_single_thread():
        for _ in range(n_runs):
            if decoder == "sketch_and_shift":
                result = sketch_and_shift(
                    *args, scale=inputs.scale, data_mean=inputs.data_mean,
                    data_var=inputs.data_var, metric=metric, random_state=random_state,
                )
            else:
                result = cl_ompr(*args, scale=inputs.scale, metric=metric,
                                 random_state=random_state)
            # two decodings that agree: the residual left is the model's misfit
            stalled = best is not None and abs(result.cost - best.cost) <= (
                AUTO_MIN_GAIN * best.cost)
            if best is None or result.cost < best.cost:
                best = result
            if best.cost <= target or (n_init == "auto" and stalled):
                break
    centers = inputs.to_data_units(best.centers)
    # spherical variance s² · metric_l in standardised units = s² · metric_l · std_l²
    # in data units, the same for every active feature by construction of the metric
    unit = float(metric[0] * inputs.std[inputs.active][0] ** 2)
    variances = np.asarray(best.variances, dtype=np.float64) * unit
    return centers, variances, best.weights, best
