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

from skfrugal.decoding._kernels import correlation_grad_kernel, mixture_cost_grad_kernel
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
    """Unchecked :func:`mixture_cost_and_gradient` (arguments validated by the caller)."""
    evaluate = CostGradient(z, frequencies, variances, omega_sq, metric)
    cost, grad_centers, grad_variances, grad_weights = evaluate(centers, variances, weights)
    return (cost, grad_centers.copy(),
            None if grad_variances is None else grad_variances.copy(), grad_weights.copy())


class CostGradient:
    """Evaluator of :func:`mixture_cost_and_gradient` for one sketch and atom type.

    It holds what does not change during a descent (the sketch's real and imaginary
    parts, the frequencies in C order, the rows the variance gradient needs) and the
    work arrays, and calls the fused numba kernel
    :func:`~skfrugal.decoding._kernels.mixture_cost_grad_kernel`. The arrays it returns
    are overwritten by the next call.

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch to fit.
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    variances : None or ndarray of shape (K,) or (K, d)
        Variances of the atoms (only their shape is used: Dirac, spherical or diagonal).
    omega_sq : ndarray of shape (d, m), default=None
        ``Ω²``, if already computed.
    metric : ndarray of shape (d,), default=None
        Per-feature factor ``g`` of spherical variances (``None``: ones).
    """

    def __init__(self, z, frequencies, variances=None, omega_sq=None, metric=None):
        z = np.asarray(z)
        self.z_re = np.ascontiguousarray(z.real, dtype=np.float64)
        self.z_im = np.ascontiguousarray(z.imag, dtype=np.float64)
        self.frequencies = np.ascontiguousarray(frequencies, dtype=np.float64)
        if (self.frequencies.ndim != 2 or 0 in self.frequencies.shape or z.ndim != 1
                or z.shape[0] != self.frequencies.shape[1]):
            raise ValueError(
                f"expected a sketch of shape (m,) and frequencies of shape (d, m), d, m >= 1, "
                f"got {z.shape} and {self.frequencies.shape}")
        d, m = self.frequencies.shape
        self.kind = "dirac" if variances is None else (
            "spherical" if np.ndim(variances) == 1 else "diag")
        if self.kind == "dirac":
            self.variance_freqs = np.empty((0, m))
        elif self.kind == "spherical":
            self.variance_freqs = _radius_sq(self.frequencies, metric)[None, :].copy()
        else:
            if omega_sq is None:
                omega_sq = self.frequencies * self.frequencies
            self.variance_freqs = np.ascontiguousarray(omega_sq, dtype=np.float64)
        self._n_atoms = -1

    def _buffers(self, n_atoms):
        if n_atoms != self._n_atoms:
            d, m = self.frequencies.shape
            p = self.variance_freqs.shape[0]
            self._n_atoms = n_atoms
            self._grad_c = np.empty((n_atoms, d))
            self._grad_v = np.empty((n_atoms, p))
            self._grad_w = np.empty(n_atoms)
            self._atoms_re = np.empty((n_atoms, m))
            self._atoms_im = np.empty((n_atoms, m))
            self._ones = np.ones((n_atoms, m))

    def __call__(self, centers, variances, weights):
        """Cost and gradients at ``(centers, variances, weights)``.

        Parameters
        ----------
        centers : ndarray of shape (K, d)
            Locations.
        variances : None or ndarray of shape (K,) or (K, d)
            Variances, of the kind given at construction.
        weights : ndarray of shape (K,)
            Weights.

        Returns
        -------
        cost, grad_centers, grad_variances, grad_weights
            As :func:`mixture_cost_and_gradient`.
        """
        centers = np.ascontiguousarray(centers, dtype=np.float64)
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        n_atoms = centers.shape[0]
        # the kernel trusts these shapes: refuse anything else here
        d = self.frequencies.shape[0]
        if (centers.ndim != 2 or n_atoms == 0 or centers.shape[1] != d
                or weights.shape != (n_atoms,)):
            raise ValueError(
                f"expected centers of shape (K, {d}) with K >= 1 and weights of shape (K,), "
                f"got {centers.shape} and {weights.shape}")
        if self.kind != "dirac" and np.shape(variances)[0] != n_atoms:
            raise ValueError(f"expected variances for {n_atoms} atoms, got {np.shape(variances)}")
        self._buffers(n_atoms)
        if self.kind == "dirac":
            damping = self._ones
        elif self.kind == "spherical":
            damping = np.exp(-0.5 * np.asarray(variances, dtype=np.float64)[:, None]
                             * self.variance_freqs)
        else:
            damping = np.exp(-0.5 * (np.asarray(variances, dtype=np.float64)
                                     @ self.variance_freqs))
        cost = mixture_cost_grad_kernel(
            self.z_re, self.z_im, self.frequencies, centers, damping, weights,
            self.variance_freqs, self._grad_c, self._grad_v, self._grad_w,
            self._atoms_re, self._atoms_im,
        )
        grad_v = None
        if self.kind == "spherical":
            grad_v = weights * self._grad_v[:, 0]
        elif self.kind == "diag":
            grad_v = weights[:, None] * self._grad_v
        return float(cost), self._grad_c, grad_v, self._grad_w


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
