"""Weights and global descent of mixtures of atoms fitted to a sketch.

These are the steps the decoders share: non-negative least squares of the weights on a
fixed dictionary of atoms, and a bounded L-BFGS descent of the squared sketch
residual over every parameter at once (locations, variances, weights), compiled
(``_lbfgs.box_lbfgs``: a decoding runs dozens of them).
"""

from numbers import Integral, Real

import numpy as np
from scipy.optimize import nnls
from sklearn.utils._param_validation import Interval, validate_params

from skfrugal.decoding._atoms import _atom_sketches, variance_frequencies
from skfrugal.decoding._lbfgs import box_lbfgs
from skfrugal.decoding._validation import (
    _check_metric,
    as_sketch_vector,
    check_box,
    check_problem,
    check_variance_bounds,
)

#: Stop a descent when the largest entry of the projected gradient (of the relative
#: residual) is below this
GTOL = 1e-10


def _stack_real(matrix):
    """``(K, m)`` complex → ``(2m, K)`` real, so that real least squares fit complex data."""
    return np.concatenate([matrix.real, matrix.imag], axis=1).T


@validate_params(
    {
        "z": ["array-like"],
        "atoms": ["array-like"],
        "normalize": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def nnls_weights(z, atoms, normalize=False):
    """Non-negative least squares ``min_{α ≥ 0} ‖z - αᵀ A‖`` over complex sketches.

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch.
    atoms : ndarray of shape (K, m), complex
        One atom sketch per row.
    normalize : bool, default=False
        Fit on atoms divided by their norm (CL-OMPR's hard-thresholding step) and return
        the weights of the normalised atoms.

    Returns
    -------
    weights : ndarray of shape (K,)
    """
    z = as_sketch_vector(z)
    try:
        atoms = np.asarray(atoms, dtype=np.complex128)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"atoms must be an array of numbers: {exc}") from None
    if atoms.ndim != 2 or atoms.shape[0] == 0 or atoms.shape[1] != z.shape[0]:
        raise ValueError(
            f"atoms must have shape (K, m) with K >= 1 and m = {z.shape[0]}, got {atoms.shape}")
    if not np.all(np.isfinite(atoms)):
        raise ValueError("atoms contain NaN or infinity")
    return _nnls_weights(z, atoms, normalize)


def _nnls_weights(z, atoms, normalize=False):
    """Unchecked :func:`nnls_weights` (arguments validated by the caller)."""
    if normalize:
        norms = np.linalg.norm(atoms, axis=1)
        atoms = atoms / np.where(norms > 0, norms, 1.0)[:, None]
    rhs = np.concatenate([z.real, z.imag])
    weights, _ = nnls(_stack_real(atoms), rhs, maxiter=50 * atoms.shape[0] + 100)
    return weights


@validate_params(
    {
        "z": ["array-like"],
        "frequencies": ["array-like"],
        "centers": ["array-like"],
        "variances": ["array-like", None],
        "weights": ["array-like"],
        "lower": ["array-like"],
        "upper": ["array-like"],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "metric": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def global_descent(
    z,
    frequencies,
    centers,
    variances,
    weights,
    lower,
    upper,
    variance_bounds=(1e-6, np.inf),
    max_iter=300,
    tol=1e-9,
    metric=None,
):
    """Minimise ``‖z - Σ_k α_k A(μ_k, s_k²)‖²`` over all parameters, with bounds.

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch.
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    centers : ndarray of shape (K, d)
        Initial locations.
    variances : None or ndarray of shape (K,) or (K, d)
        Initial variances: ``None`` fits Dirac atoms, shape ``(K,)`` spherical and
        ``(K, d)`` diagonal Gaussian atoms.
    weights : ndarray of shape (K,)
        Initial non-negative weights.
    lower, upper : ndarray of shape (d,)
        Bounds on the locations (the sketch's data bounds).
    variance_bounds : (float or ndarray, float or ndarray), default=(1e-6, inf)
        Bounds on the variances; arrays broadcast against ``variances``.
    max_iter : int, default=300
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-9
        Relative tolerance on the cost: the descent stops after two iterations running
        that lower ``‖z - Σ_k α_k A_k‖² / ‖z‖²`` by at most ``tol`` (times its value
        when above 1), as SciPy's ``ftol`` (which stops at the first).
    metric : ndarray of shape (d,), default=None
        Per-feature factor of spherical variances (see
        :func:`~skfrugal.decoding.atom_sketches`).

    Returns
    -------
    centers, variances, weights : ndarray
        The fitted parameters (``variances`` is ``None`` for Diracs).
    cost : float
        The final ``‖z - Σ_k α_k A_k‖² / ‖z‖²``.
    n_iter : int
        Number of L-BFGS iterations.
    """
    z, frequencies, centers, variances, weights = check_problem(
        z, frequencies, centers, variances, weights, nonzero=True)
    lower, upper = check_box(lower, upper, frequencies.shape[0])
    variance_bounds = check_variance_bounds(variance_bounds, frequencies.shape[0])
    metric = _check_metric(metric, frequencies.shape[0])
    return _global_descent(z, frequencies, centers, variances, weights, lower, upper,
                           variance_bounds, max_iter, tol, metric)


def _global_descent(
    z,
    frequencies,
    centers,
    variances,
    weights,
    lower,
    upper,
    variance_bounds=(1e-6, np.inf),
    max_iter=300,
    tol=1e-9,
    metric=None,
):
    """Unchecked :func:`global_descent` (arguments validated by the caller)."""
    centers = np.asarray(centers, dtype=np.float64)
    n_atoms, d = centers.shape
    norm = max(float(np.vdot(z, z).real), 1e-300)
    frequencies = np.ascontiguousarray(frequencies, dtype=np.float64)
    n_c = n_atoms * d
    variance_freqs = variance_frequencies(frequencies, variances, metric=metric)
    if variances is None:
        v_shape = None
    else:
        variances = np.asarray(variances, dtype=np.float64)
        v_shape = variances.shape
    n_v = 0 if v_shape is None else variances.size
    lo_c = np.broadcast_to(lower, (n_atoms, d)).ravel()
    hi_c = np.broadcast_to(upper, (n_atoms, d)).ravel()
    bounds_lo, bounds_hi = [lo_c], [hi_c]
    x0 = [centers.ravel()]
    if v_shape is not None:
        bounds_lo.append(np.broadcast_to(variance_bounds[0], v_shape).ravel())
        bounds_hi.append(np.broadcast_to(variance_bounds[1], v_shape).ravel())
        x0.append(variances.ravel())
    bounds_lo.append(np.zeros(n_atoms))
    bounds_hi.append(np.full(n_atoms, np.inf))
    x0.append(np.maximum(np.asarray(weights, dtype=np.float64), 0.0))
    x = np.concatenate(x0).astype(np.float64)
    z = np.asarray(z)
    cost, n_iter, _ = box_lbfgs(
        x, np.concatenate(bounds_lo).astype(np.float64),
        np.concatenate(bounds_hi).astype(np.float64), n_atoms,
        np.ascontiguousarray(z.real, dtype=np.float64),
        np.ascontiguousarray(z.imag, dtype=np.float64), frequencies, variance_freqs,
        1.0 / norm, int(max_iter), float(tol), GTOL)
    c = x[:n_c].reshape(n_atoms, d)
    v = None if v_shape is None else x[n_c:n_c + n_v].reshape(v_shape)
    return c, v, x[n_c + n_v:], float(cost), int(n_iter)


@validate_params(
    {
        "z": ["array-like"],
        "frequencies": ["array-like"],
        "centers": ["array-like"],
        "variances": ["array-like", None],
        "weights": ["array-like"],
        "metric": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def residual_cost(z, frequencies, centers, variances, weights, metric=None):
    """Relative squared residual ``‖z - Σ_k α_k A_k‖² / ‖z‖²`` of a mixture.

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch.
    frequencies : ndarray of shape (d, m)
        The frequencies.
    centers : ndarray of shape (K, d)
        Locations.
    variances : None or ndarray of shape (K,) or (K, d)
        Variances.
    weights : ndarray of shape (K,)
        Weights.
    metric : ndarray of shape (d,), default=None
        Per-feature factor of spherical variances.

    Returns
    -------
    cost : float
    """
    z, frequencies, centers, variances, weights = check_problem(
        z, frequencies, centers, variances, weights)
    metric = _check_metric(metric, frequencies.shape[0])
    return _residual_cost(z, frequencies, centers, variances, weights, metric)


def _residual_cost(z, frequencies, centers, variances, weights, metric=None):
    """Unchecked :func:`residual_cost` (arguments validated by the caller)."""
    r = z - weights @ _atom_sketches(frequencies, centers, variances, metric=metric)
    return float(np.vdot(r, r).real / max(np.vdot(z, z).real, 1e-300))
