"""Sketches of Dirac and Gaussian atoms, of mixtures of them, and their gradients.

Sign convention (that of :class:`~skfrugal.sketching.FourierSketcher`): the sketch of a
distribution ``P`` is ``z_j = E_{x~P} exp(-i ω_jᵀ x)``. In closed form,

- a Dirac at ``μ`` has sketch ``exp(-i ω_jᵀ μ)``;
- a Gaussian ``N(μ, diag(s²))`` has sketch ``exp(-i ω_jᵀ μ) · exp(-½ Σ_l ω_lj² s_l²)``;
- a mixture ``Σ_k α_k P_k`` has sketch ``Σ_k α_k z(P_k)``.

Everything here is vectorised over atoms: parameters are arrays with one row per atom,
so the decoders of :mod:`skfrugal.cluster` (Dirac and spherical Gaussian atoms for
k-means) and of :mod:`skfrugal.mixture` (diagonal Gaussian atoms) share the same code.
The variances of atoms come in three forms, told apart by their shape:

- ``None``: Dirac atoms;
- shape ``(K,)``: spherical Gaussians ``N(μ_k, s_k² diag(g))``, where the optional
  ``metric`` ``g`` (default ones) lets a cluster be spherical in other units than the
  sketch's (e.g. the original units of standardised data: ``g = 1 / std²``);
- shape ``(K, d)``: diagonal Gaussians ``N(μ_k, diag(s_k²))``.
"""

import numpy as np


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
    >>> from skfrugal.cluster._atoms import atom_sketches
    >>> omega = np.array([[0.0, 1.0, 2.0]])
    >>> a = atom_sketches(omega, np.array([[0.5]]), np.array([1.0]))
    >>> bool(np.allclose(a, np.exp(-0.5j * omega[0] - 0.5 * omega[0] ** 2)))
    True
    """
    phases = np.asarray(centers, dtype=np.float64) @ frequencies
    atoms = np.empty(phases.shape, dtype=np.complex128)
    atoms.real = np.cos(phases)
    atoms.imag = np.sin(phases)
    atoms.imag *= -1.0
    if variances is not None:
        atoms *= atom_damping(frequencies, variances, omega_sq, metric)
    return atoms


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
    return np.asarray(weights, dtype=np.float64) @ atom_sketches(
        frequencies, centers, variances, metric=metric
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
    if omega_sq is None and variances is not None and np.ndim(variances) == 2:
        omega_sq = frequencies * frequencies
    atoms = atom_sketches(frequencies, centers, variances, omega_sq, metric)
    residual = z - weights @ atoms
    cost = float(np.vdot(residual, residual).real)
    corr = atoms * np.conj(residual)[None, :]  # A_kj conj(r_j)
    grad_weights = -2.0 * corr.real.sum(axis=1)
    grad_centers = -2.0 * weights[:, None] * (corr.imag @ frequencies.T)
    grad_variances = None
    if variances is not None:
        if np.ndim(variances) == 1:
            grad_variances = weights * (corr.real @ _radius_sq(frequencies, metric))
        else:
            grad_variances = weights[:, None] * (corr.real @ omega_sq.T)
    return cost, grad_centers, grad_variances, grad_weights


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
        Precision of the phases and trigonometric functions (float32 is about three
        times faster; mean shift does not need more).

    Returns
    -------
    value : ndarray of shape (P,)
    gradient : ndarray of shape (P, d)
        ``-Σ_j ω_j Im(exp(i ω_jᵀ c) r_j)``.
    """
    phases = points.astype(dtype, copy=False) @ frequencies.astype(dtype, copy=False)
    cos, sin = np.cos(phases), np.sin(phases)
    a, b = residual.real.astype(dtype), residual.imag.astype(dtype)
    value = cos @ a - sin @ b
    # Im(exp(iθ) r) = cos θ · b + sin θ · a
    freq_t = frequencies.T.astype(dtype)
    gradient = -(cos @ (b[:, None] * freq_t) + sin @ (a[:, None] * freq_t))
    return value.astype(np.float64), gradient.astype(np.float64)
