"""CL-OMPR: compressive learning orthogonal matching pursuit with replacement.

Algorithm 1 of Keriven, Bourrier, Gribonval and Pérez (2018), with Dirac atoms for
k-means, followed by one global descent with Gaussian atoms (free variances) that
removes the bias Dirac atoms suffer from: each cluster's sketch is damped by
``exp(-½ ‖ω‖² s²)`` and a Dirac's is not, so Dirac centroids drift by about one
cluster standard deviation at ``m = 10 K d``.
"""

from numbers import Integral

import numpy as np
from scipy.optimize import minimize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skfrugal.decoding._atoms import _atom_sketches, _correlation_and_gradient
from skfrugal.decoding._descent import _global_descent, _nnls_weights, _residual_cost
from skfrugal.decoding._inputs import DecoderInputs
from skfrugal.decoding._result import DecodeResult
from skfrugal.decoding._validation import check_inputs, check_variance_bounds


def _select_atom(residual, frequencies, lower, upper, start, max_iter):
    """Step 1: maximise ``Re Σ_j exp(i ω_jᵀ c) r_j`` over ``c`` in the box (L-BFGS-B)."""
    scale = max(float(np.abs(residual).sum()), 1e-300)

    def fun(c):
        value, grad = _correlation_and_gradient(c[None, :], residual, frequencies)
        return -value[0] / scale, -grad[0] / scale

    result = minimize(
        fun, start, jac=True, method="L-BFGS-B",
        bounds=list(zip(lower, upper)), options={"maxiter": max_iter},
    )
    return result.x


@validate_params(
    {
        "inputs": [DecoderInputs],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance": [StrOptions({"spherical", "diag"}), None],
        "variance_bounds": ["array-like", tuple, None],
        "random_state": ["random_state"],
        "n_iter": [None, Interval(Integral, 1, None, closed="left")],
        "max_iter_atom": [Interval(Integral, 1, None, closed="left")],
        "max_iter_descent": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def cl_ompr(
    inputs,
    n_components,
    *,
    covariance="spherical",
    variance_bounds=None,
    random_state=None,
    n_iter=None,
    max_iter_atom=100,
    max_iter_descent=300,
):
    """Decode a sketch into ``n_components`` Diracs with CL-OMPR (Keriven et al. 2018).

    Parameters
    ----------
    inputs : DecoderInputs
        The sketch ``z_j = (1/n) Σ_i exp(-i ω_jᵀ x_i)``, its frequencies, the bounds of
        the data (a box every location stays in) and the sketch scale ``σ̄²`` (initial
        variance of the final Gaussian atoms).
    n_components : int
        Number of atoms ``K``.
    covariance : {"spherical", "diag"} or None, default="spherical"
        Atoms of the final global descent: Gaussians with one free variance per atom
        (in the units given by ``inputs.metric``), with a free diagonal covariance, or
        ``None`` to stop at the Dirac solution of the paper (biased).
    variance_bounds : (float or ndarray, float or ndarray), default=None
        Bounds of the variances of the final descent (``None``: from 0 to the squared
        half-width of the box).
    random_state : numpy.random.RandomState, default=None
        Source of the initial point of each atom search (uniform in the box).
    n_iter : int, default=None
        Number of outer iterations; ``None`` means ``2 K`` as in the paper.
    max_iter_atom : int, default=100
        L-BFGS-B iterations of each atom search (step 1).
    max_iter_descent : int, default=300
        L-BFGS iterations of each global descent (step 5).

    Returns
    -------
    result : DecodeResult
        Centres, variances (``None`` with ``covariance=None``), weights summing to one,
        and diagnostics.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding import DecoderInputs, cl_ompr, mixture_sketch
    >>> from skfrugal.sketching import draw_frequencies
    >>> centers = np.array([[-1.0, 0.0], [1.0, 0.5]])
    >>> omega = draw_frequencies(40, 2, scale=0.1, random_state=0)
    >>> z = mixture_sketch(omega, centers, np.full(2, 0.1), np.full(2, 0.5))
    >>> inputs = DecoderInputs.from_arrays(z, omega, [-2, -2], [2, 2], scale=0.1)
    >>> res = cl_ompr(inputs, 2, random_state=np.random.RandomState(0))
    >>> sorted(np.round(res.centers, 2).tolist())
    [[-1.0, 0.0], [1.0, 0.5]]
    """
    K = check_inputs(inputs, n_components)
    variance_bounds = check_variance_bounds(variance_bounds, inputs.frequencies.shape[0])
    random_state = check_random_state(random_state)
    z, frequencies = inputs.z, inputs.frequencies
    lower, upper, scale = inputs.lower, inputs.upper, float(inputs.scale)
    d = frequencies.shape[0]
    n_iter = 2 * K if n_iter is None else int(n_iter)
    centers = np.empty((0, d))
    weights = np.empty(0)
    residual = z.copy()
    for _ in range(n_iter):
        start = random_state.uniform(lower, upper)
        new = _select_atom(residual, frequencies, lower, upper, start, max_iter_atom)
        centers = np.vstack([centers, new])
        if centers.shape[0] > K:  # hard thresholding on normalised atoms
            beta = _nnls_weights(z, _atom_sketches(frequencies, centers), normalize=True)
            centers = centers[np.sort(np.argsort(-beta, kind="stable")[:K])]
        weights = _nnls_weights(z, _atom_sketches(frequencies, centers))
        centers, _, weights, _, _ = _global_descent(
            z, frequencies, centers, None, weights, lower, upper, max_iter=max_iter_descent
        )
        residual = z - weights @ _atom_sketches(frequencies, centers)
    dirac_cost = _residual_cost(z, frequencies, centers, None, weights)
    variances = None
    cost = dirac_cost
    if covariance is not None:
        if variance_bounds is None:
            variance_bounds = (0.0, np.maximum(((upper - lower) / 2.0) ** 2, 1e-12))
        lo, variance_upper = variance_bounds
        init = np.full(centers.shape[0], scale)
        hi = float(np.max(variance_upper))
        if covariance == "diag":
            init = np.tile(np.minimum(scale, variance_upper), (centers.shape[0], 1))
            hi = variance_upper
        centers, variances, weights, cost, _ = _global_descent(
            z, frequencies, centers, init, weights, lower, upper,
            variance_bounds=(lo, hi), max_iter=max_iter_descent, metric=inputs.metric,
        )
    total = weights.sum()
    weights = weights / total if total > 0 else np.full(K, 1.0 / K)
    return DecodeResult(
        centers=centers, variances=variances, weights=weights, cost=cost, n_iter=n_iter,
        info={"dirac_cost": dirac_cost, "mass": float(total)},
    )
