"""Sketches of Dirac and Gaussian atoms, of mixtures of them, and their gradients.

Sign convention (that of :class:`~skfrugal.sketching.FourierSketcher`): the sketch of a
distribution ``P`` is ``z_j = E_{x~P} exp(-i ω_jᵀ x)``. In closed form,

- a Dirac at ``μ`` has sketch ``exp(-i ω_jᵀ μ)``;
- a Gaussian ``N(μ, diag(s²))`` has sketch ``exp(-i ω_jᵀ μ) · exp(-½ Σ_l ω_lj² s_l²)``;
- a mixture ``Σ_k α_k P_k`` has sketch ``Σ_k α_k z(P_k)``.

Everything here is vectorised over atoms: parameters are arrays with one row per atom,
so every decoder of :mod:`skfrugal.decoding` (Dirac and spherical Gaussian atoms for
k-means, diagonal Gaussian atoms for mixtures) shares the same code.
The variances of atoms come in three forms, told apart by their shape:

- ``None``: Dirac atoms;
- shape ``(K,)``: spherical Gaussians ``N(μ_k, s_k² diag(g))``, where the optional
  ``metric`` ``g`` (default ones) lets a cluster be spherical in other units than the
  sketch's (e.g. the original units of standardised data: ``g = 1 / std²``);
- shape ``(K, d)``: diagonal Gaussians ``N(μ_k, diag(s_k²))``.
"""


import numpy as np
from sklearn.utils._param_validation import validate_params

from skfrugal.decoding._kernels import correlation_grad_kernel
from skfrugal.decoding._lbfgs import mixture_objective, objective_work
from skfrugal.decoding._validation import (
    _check_metric,
    check_problem,
)


def _radius_sq(frequencies, metric):
    if metric is None:
        return np.einsum("ij,ij->j", frequencies, frequencies)
    return np.asarray(metric, dtype=np.float64) @ (frequencies * frequencies)


def atom_damping(frequencies, variances, omega_sq=None, metric=None):
    """Return the damping ``exp(-½ Σ_l ω_lj² s_kl²)`` of Gaussian atoms, shape (K, m).

    Parameters
    ----------
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    variances : ndarray of shape (K,) or (K, d)
        Spherical or diagonal variances of the atoms.
    omega_sq : ndarray of shape (d, m), default=None
        ``Ω²`` (element-wise), if already computed.
    metric : ndarray of shape (d,), default=None
        Per-feature factor ``g`` of spherical variances (``None``: ones).

    Returns
    -------
    damping : ndarray of shape (K, m)
    """
    variances = np.asarray(variances, dtype=np.float64)
    if variances.ndim == 1:
        radius_sq = _radius_sq(frequencies, metric)
        return np.exp(-0.5 * variances[:, None] * radius_sq[None, :])
    if omega_sq is None:
        omega_sq = frequencies * frequencies
    return np.exp(-0.5 * (variances @ omega_sq))


@validate_params(
    {
        "frequencies": ["array-like"],
        "centers": ["array-like"],
        "variances": ["array-like", None],
        "omega_sq": ["array-like", None],
        "metric": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def atom_sketches(frequencies, centers, variances=None, omega_sq=None, metric=None):
    """Sketch of Dirac or Gaussian atoms, one row per atom.

    Parameters
    ----------
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    centers : ndarray of shape (K, d)
        Locations ``μ_k``.
    variances : None or ndarray of shape (K,) or (K, d), default=None
        ``None`` for Diracs, else spherical or diagonal variances.
    omega_sq : ndarray of shape (d, m), default=None
        ``Ω²``, if already computed (diagonal atoms only).
    metric : ndarray of shape (d,), default=None
        Per-feature factor ``g`` of spherical variances (``None``: ones).

    Returns
    -------
    atoms : ndarray of shape (K, m), complex128
        ``A[k, j] = exp(-i ω_jᵀ μ_k) · exp(-½ Σ_l ω_lj² s_kl²)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding import atom_sketches
    >>> omega = np.array([[0.0, 1.0, 2.0]])
    >>> a = atom_sketches(omega, np.array([[0.5]]), np.array([1.0]))
    >>> bool(np.allclose(a, np.exp(-0.5j * omega[0] - 0.5 * omega[0] ** 2)))
    True
    """
    _, frequencies, centers, variances, _ = check_problem(None, frequencies, centers, variances)
    metric = _check_metric(metric, frequencies.shape[0])
    omega_sq = None if omega_sq is None else frequencies * frequencies
    return _atom_sketches(frequencies, centers, variances, omega_sq, metric)


def _atom_sketches(frequencies, centers, variances=None, omega_sq=None, metric=None):
    """Unchecked :func:`atom_sketches` (arguments validated by the caller)."""
    phases = np.asarray(centers, dtype=np.float64) @ frequencies
    atoms = np.empty(phases.shape, dtype=np.complex128)
    atoms.real = np.cos(phases)
    atoms.imag = np.sin(phases)
    atoms.imag *= -1.0
    if variances is not None:
        atoms *= atom_damping(frequencies, variances, omega_sq, metric)
    return atoms


@validate_params(
    {
        "frequencies": ["array-like"],
        "centers": ["array-like"],
        "variances": ["array-like", None],
        "weights": ["array-like"],
        "metric": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def mixture_sketch(frequencies, centers, variances, weights, metric=None):
    """Sketch of the mixture ``Σ_k α_k P_k`` of Dirac or Gaussian atoms.

    Parameters
    ----------
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    centers : ndarray of shape (K, d)
        Locations of the atoms.
    variances : None or ndarray of shape (K,) or (K, d)
        Variances of the atoms (see :func:`atom_sketches`).
    weights : ndarray of shape (K,)
        Mixture weights ``α_k``.
    metric : ndarray of shape (d,), default=None
        Per-feature factor ``g`` of spherical variances (``None``: ones).

    Returns
    -------
    sketch : ndarray of shape (m,), complex128
    """
    _, frequencies, centers, variances, weights = check_problem(
        None, frequencies, centers, variances, weights)
    metric = _check_metric(metric, frequencies.shape[0])
    return _mixture_sketch(frequencies, centers, variances, weights, metric)


def _mixture_sketch(frequencies, centers, variances, weights, metric=None):
    """Unchecked :func:`mixture_sketch` (arguments validated by the caller)."""
    return np.asarray(weights, dtype=np.float64) @ _atom_sketches(
        frequencies, centers, variances, metric=metric
    )


@validate_params(
    {
        "z": ["array-like"],
        "frequencies": ["array-like"],
        "centers": ["array-like"],
        "variances": ["array-like", None],
        "weights": ["array-like"],
        "omega_sq": ["array-like", None],
        "metric": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def mixture_cost_and_gradient(
    z, frequencies, centers, variances, weights, omega_sq=None, metric=None
):
    """Squared sketch residual ``‖z - Σ_k α_k A(θ_k)‖²`` and its gradient.

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch to fit.
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    centers : ndarray of shape (K, d)
        Locations ``μ_k``.
    variances : None or ndarray of shape (K,) or (K, d)
        Variances of the atoms (``None``: Diracs, no variance gradient).
    weights : ndarray of shape (K,)
        Weights ``α_k``.
    omega_sq : ndarray of shape (d, m), default=None
        ``Ω²``, if already computed.
    metric : ndarray of shape (d,), default=None
        Per-feature factor ``g`` of spherical variances (``None``: ones).

    Returns
    -------
    cost : float
        ``‖r‖²`` with ``r = z - Σ_k α_k A(θ_k)``.
    grad_centers : ndarray of shape (K, d)
        ``-2 α_k Σ_j ω_j Im(A_kj conj(r_j))``.
    grad_variances : None or ndarray of the shape of ``variances``
        ``α_k Σ_j ω_lj² Re(A_kj conj(r_j))`` (summed over ``l`` for spherical atoms).
    grad_weights : ndarray of shape (K,)
        ``-2 Re Σ_j A_kj conj(r_j)``.
    """
    z, frequencies, centers, variances, weights = check_problem(
        z, frequencies, centers, variances, weights)
    metric = _check_metric(metric, frequencies.shape[0])
    omega_sq = None if omega_sq is None else frequencies * frequencies
    return _mixture_cost_and_gradient(z, frequencies, centers, variances, weights, omega_sq, metric)


def _mixture_cost_and_gradient(
    z, frequencies, centers, variances, weights, omega_sq=None, metric=None
):
    """Unchecked :func:`mixture_cost_and_gradient` (arguments validated by the caller):
    one evaluation of the compiled objective the descents minimise
    (:func:`~skfrugal.decoding._lbfgs.mixture_objective`, with ``‖z‖² = 1``)."""
    frequencies = np.ascontiguousarray(frequencies, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    n_atoms, d = centers.shape
    variance_freqs = variance_frequencies(frequencies, variances, omega_sq, metric)
    x = np.concatenate([centers.ravel()]
                       + ([] if variances is None else [np.ravel(variances)])
                       + [np.asarray(weights, dtype=np.float64)]).astype(np.float64)
    grad = np.empty_like(x)
    z = np.asarray(z)
    cost = mixture_objective(
        x, n_atoms, np.ascontiguousarray(z.real, dtype=np.float64),
        np.ascontiguousarray(z.imag, dtype=np.float64), frequencies, variance_freqs, 1.0,
        grad, *objective_work(n_atoms, d, variance_freqs.shape[0], frequencies.shape[1]))
    n_c = n_atoms * d
    n_v = 0 if variances is None else np.size(variances)
    grad_variances = None if variances is None else \
        grad[n_c:n_c + n_v].reshape(np.shape(variances))
    return (float(cost), grad[:n_c].reshape(n_atoms, d), grad_variances, grad[n_c + n_v:])


def variance_frequencies(frequencies, variances, omega_sq=None, metric=None):
    """The rows ``v_q`` of the atoms' damping ``exp(-½ Σ_q s_kq v_qj)``, shape (p, m).

    None for Dirac atoms (``variances=None``), the squared radii ``Σ_l g_l ω_lj²`` in
    the metric for spherical ones (``p = 1``), ``Ω²`` for diagonal ones (``p = d``;
    ``omega_sq`` if given).
    """
    m = frequencies.shape[1]
    if variances is None:
        return np.empty((0, m))
    if np.ndim(variances) == 1:
        return _radius_sq(frequencies, metric)[None, :].copy()
    if omega_sq is None:
        omega_sq = frequencies * frequencies
    return np.ascontiguousarray(omega_sq, dtype=np.float64)


@validate_params(
    {
        "points": ["array-like"],
        "residual": ["array-like"],
        "frequencies": ["array-like"],
    },
    prefer_skip_nested_validation=True,
)
def correlation_and_gradient(points, residual, frequencies, dtype=np.float64):
    """Correlation ``Re Σ_j exp(i ω_jᵀ c) r_j`` of Dirac atoms with a residual, and gradient.

    This is the sketched kernel density estimate of the residual (up to the factor
    ``1/m``): Dirac atoms all have norm ``√m``, so it is also CL-OMPR's step-1
    objective.

    Parameters
    ----------
    points : ndarray of shape (P, d)
        Evaluation points.
    residual : ndarray of shape (m,), complex
        Sketch (or residual sketch), possibly pre-multiplied by smoothing weights.
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Precision of the phases and trigonometric functions: float64 runs a fused numba
        kernel (best for few points), float32 runs NumPy (about as fast over hundreds of
        points; mean shift does not need more precision).

    Returns
    -------
    value : ndarray of shape (P,)
    gradient : ndarray of shape (P, d)
        ``-Σ_j ω_j Im(exp(i ω_jᵀ c) r_j)``.
    """
    residual, frequencies, points, _, _ = check_problem(residual, frequencies, points)
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype must be numpy.float64 or numpy.float32, got {dtype!r}")
    return _correlation_and_gradient(points, residual, frequencies, dtype)


def _correlation_and_gradient(points, residual, frequencies, dtype=np.float64):
    """Unchecked :func:`correlation_and_gradient` (arguments validated by the caller)."""
    if dtype == np.float64:  # fused numba kernel (one point: CL-OMPR's step 1)
        points = np.ascontiguousarray(points, dtype=np.float64)
        value = np.empty(points.shape[0])
        gradient = np.empty(points.shape)
        correlation_grad_kernel(
            points, np.ascontiguousarray(residual.real, dtype=np.float64),
            np.ascontiguousarray(residual.imag, dtype=np.float64),
            np.ascontiguousarray(frequencies, dtype=np.float64), value, gradient)
        return value, gradient
    # float32: BLAS for the phases and the gradient, NumPy's vectorised float32 trig
    # (as fast as a numba kernel over many points, measured)
    phases = points.astype(dtype, copy=False) @ frequencies.astype(dtype, copy=False)
    cos, sin = np.cos(phases), np.sin(phases)
    a, b = residual.real.astype(dtype), residual.imag.astype(dtype)
    value = cos @ a - sin @ b
    # Im(exp(iθ) r) = cos θ · b + sin θ · a
    freq_t = frequencies.T.astype(dtype)
    gradient = -(cos @ (b[:, None] * freq_t) + sin @ (a[:, None] * freq_t))
    return value.astype(np.float64), gradient.astype(np.float64)
