"""One entry point for every decoder: :func:`decode`, its registry and restart policy.

Every decoder is a function ``decoder(inputs, n_components, *, covariance,
variance_bounds, random_state, **options)`` returning a
:class:`~skfrugal.decoding.DecodeResult`. :data:`DECODERS` maps their names to them;
:func:`decode` runs one ``n_init`` times (or as the ``"auto"`` policy decides) and
keeps the decoding with the smallest relative sketch residual.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skfrugal.decoding._cl_ompr import cl_ompr
from skfrugal.decoding._gmm import cl_ompr_gmm, split_gmm
from skfrugal.decoding._inputs import DecoderInputs
from skfrugal.decoding._sketch_and_shift import sketch_and_shift
from skfrugal.decoding._validation import check_inputs, check_variance_bounds
from skfrugal.utils import blas_single_thread

#: Name -> decoder function. Deterministic decoders run once whatever ``n_init``.
DECODERS = {
    "sketch_and_shift": sketch_and_shift,
    "cl_ompr": cl_ompr,
    "cl_ompr_gmm": cl_ompr_gmm,
    "split_gmm": split_gmm,
}
DETERMINISTIC = frozenset({"split_gmm"})

AUTO_MAX_INIT = 4
AUTO_NOISE_FACTOR = 2.0
AUTO_MIN_GAIN = 0.1


@validate_params(
    {
        "inputs": [DecoderInputs],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "decoder": [StrOptions(set(DECODERS))],
        "covariance": [StrOptions({"spherical", "diag"}), None],
        "variance_bounds": ["array-like", tuple, None],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def decode(
    inputs,
    n_components,
    *,
    decoder="sketch_and_shift",
    covariance="spherical",
    variance_bounds=None,
    n_init="auto",
    random_state=None,
    **options,
):
    """Decode a mixture from a sketch with a named decoder, restarting as needed.

    Parameters
    ----------
    inputs : DecoderInputs
        The sketch in the decoders' coordinates (see :func:`decoder_inputs`).
    n_components : int
        Number of atoms ``K`` (clusters, components).
    decoder : str, default="sketch_and_shift"
        A name of :data:`DECODERS`.
    covariance : {"spherical", "diag"}, default="spherical"
        Variance model of the atoms.
    variance_bounds : (float or ndarray, float or ndarray), default=None
        Bounds of the variances (``None``: the decoder's default).
    n_init : "auto" or int, default="auto"
        Number of decodings from different random draws; the one with the smallest
        relative sketch residual is kept. ``"auto"``: up to ``AUTO_MAX_INIT`` (4),
        stopping once the residual is within ``AUTO_NOISE_FACTOR`` (2) times the
        sketch's noise level (:attr:`DecoderInputs.noise_level`), or once a decoding
        lowers the best residual by less than ``AUTO_MIN_GAIN`` (10%): restarts then
        no longer pay (the misfit is the model's, e.g. clusters that are not Gaussian,
        not the search's). A deterministic decoder runs once.
    random_state : numpy.random.RandomState, default=None
        Source of randomness of the decoder.
    **options : dict
        Passed to the decoder.

    Returns
    -------
    result : DecodeResult
        The best decoding (standardised units, active features); ``info`` also holds
        ``"n_decodings"``, the residual of each in ``"costs"`` (in the order they ran)
        and every decoding in ``"decodings"`` (best first).
    """
    K = check_inputs(inputs, n_components)
    variance_bounds = check_variance_bounds(variance_bounds, inputs.frequencies.shape[0])
    random_state = check_random_state(random_state)
    function = DECODERS[decoder]
    if decoder in DETERMINISTIC:
        n_runs, target = 1, -np.inf
    elif n_init == "auto":
        n_runs = AUTO_MAX_INIT
        target = AUTO_NOISE_FACTOR * inputs.noise_level
    else:
        n_runs, target = int(n_init), -np.inf
    best = None
    costs = []
    results = []
    with blas_single_thread():
        for _ in range(n_runs):
            result = function(inputs, K, covariance=covariance,
                              variance_bounds=variance_bounds, random_state=random_state,
                              **options)
            costs.append(float(result.cost))
            results.append(result)
            # two decodings that agree: the residual left is the model's misfit
            stalled = best is not None and abs(result.cost - best.cost) <= (
                AUTO_MIN_GAIN * best.cost)
            if best is None or result.cost < best.cost:
                best = result
            if best.cost <= target or (n_init == "auto" and stalled):
                break
    results.sort(key=lambda r: r.cost)
    best.info = dict(best.info, n_decodings=len(costs), costs=costs, decodings=results,
                     noise_level=inputs.noise_level)
    return best
