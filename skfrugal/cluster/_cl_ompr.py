"""CL-OMPR: compressive learning orthogonal matching pursuit with replacement.

Algorithm 1 of Keriven, Bourrier, Gribonval and Pérez (2018), with Dirac atoms for
k-means, followed by one global descent with Gaussian atoms (free variances) that
removes the bias Dirac atoms suffer from: each cluster's sketch is damped by
``exp(-½ ‖ω‖² s²)`` and a Dirac's is not, so Dirac centroids drift by about one
cluster standard deviation at ``m = 10 K d``.
"""

import numpy as np
from scipy.optimize import minimize

from skfrugal.cluster._atoms import atom_sketches, correlation_and_gradient
from skfrugal.cluster._descent import global_descent, nnls_weights, residual_cost
from skfrugal.cluster._result import DecodeResult


def _select_atom(residual, frequencies, lower, upper, start, max_iter):
    """Step 1: maximise ``Re Σ_j exp(i ω_jᵀ c) r_j`` over ``c`` in the box (L-BFGS-B)."""
    scale = max(float(np.abs(residual).sum()), 1e-300)

    def fun(c):
        value, grad = correlation_and_gradient(c[None, :], residual, frequencies)
        return -value[0] / scale, -grad[0] / scale

    result = minimize(
        fun, start, jac=True, method="L-BFGS-B",
        bounds=list(zip(lower, upper)), options={"maxiter": max_iter},
    )
    return result.x


def cl_ompr(
    z,
    frequencies,
    n_components,
    lower,
    upper,
    *,
    scale,
    n_iter=None,
    final_variances="spherical",
    variance_upper=None,
    metric=None,
    random_state,
    max_iter_atom=100,
    max_iter_descent=300,
):
    """Decode a sketch into ``n_components`` Diracs with CL-OMPR (Keriven et al. 2018).

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch ``z_j = (1/n) Σ_i exp(-i ω_jᵀ x_i)``.
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    n_components : int
        Number of atoms ``K``.
    lower, upper : ndarray of shape (d,)
        Bounds of the data (a box every location stays in).
    scale : float
        The sketch scale ``σ̄²``: initial variance of the final Gaussian atoms.
    n_iter : int, default=None
        Number of outer iterations; ``None`` means ``2 K`` as in the paper.
    final_variances : {"spherical", "diag", None}, default="spherical"
        Atoms of the final global descent: Gaussians with one free variance per atom,
        with a free diagonal covariance, or ``None`` to stop at the Dirac solution of
        the paper (biased).
    variance_upper : float or ndarray of shape (d,), default=None
        Upper bound of the variances (``None``: the squared half-width of the box).
    metric : ndarray of shape (d,), default=None
        Per-feature factor of the spherical variances of the final Gaussian atoms.
    random_state : numpy.random.RandomState
        Source of the initial point of each atom search (uniform in the box).
    max_iter_atom : int, default=100
        L-BFGS-B iterations of each atom search (step 1).
    max_iter_descent : int, default=300
        L-BFGS-B iterations of each global descent (step 5).

    Returns
    -------
    result : DecodeResult
        Centres, variances (``None`` with ``final_variances=None``), weights summing
        to one, and diagnostics.
    """
    K = int(n_components)
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
            beta = nnls_weights(z, atom_sketches(frequencies, centers), normalize=True)
            centers = centers[np.sort(np.argsort(-beta, kind="stable")[:K])]
        weights = nnls_weights(z, atom_sketches(frequencies, centers))
        centers, _, weights, _, _ = global_descent(
            z, frequencies, centers, None, weights, lower, upper, max_iter=max_iter_descent
        )
        residual = z - weights @ atom_sketches(frequencies, centers)
    dirac_cost = residual_cost(z, frequencies, centers, None, weights)
    variances = None
    cost = dirac_cost
    if final_variances is not None:
        if variance_upper is None:
            variance_upper = np.maximum(((upper - lower) / 2.0) ** 2, 1e-12)
        init = np.full(centers.shape[0], float(scale))
        hi = float(np.max(variance_upper))
        if final_variances == "diag":
            init = np.tile(np.minimum(scale, variance_upper), (centers.shape[0], 1))
            hi = variance_upper
        centers, variances, weights, cost, _ = global_descent(
            z, frequencies, centers, init, weights, lower, upper,
            variance_bounds=(0.0, hi), max_iter=max_iter_descent, metric=metric,
        )
    total = weights.sum()
    weights = weights / total if total > 0 else np.full(K, 1.0 / K)
    return DecodeResult(
        centers=centers, variances=variances, weights=weights, cost=cost, n_iter=n_iter,
        info={"dirac_cost": dirac_cost, "mass": float(total)},
    )
