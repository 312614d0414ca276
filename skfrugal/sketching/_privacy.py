"""Differentially private release of a sketch: sensitivities, noise calibration, noise.

A sketch is released as ``(Σ_i Φ(x_i) + w, n + ζ, Σ_i u_i + η₁, Σ_i u_i² + η₂)``: the
sum of the per-sample features plus noise ``w`` and the number of samples plus noise
``ζ`` (Chatalic, Schellekens, Houssiau, de Montjoye, Jacques, Gribonval, "Compressive
learning with privacy guarantees", Information and Inference, 2022), and the per-feature
sums of the samples and of their squares in the coordinates ``u = (x - c) / h`` of the
public box (centre ``c``, half-widths ``h``, so ``u ∈ [-1, 1]^d`` after clipping), plus
noise ``η``: the decoders start from the data's mean and spread, which the public box
alone gives too coarsely (measured: SSE 1.4-1.5 times KMeans' with the box's centre and
variance in place of the data's, 1.0 with noisy moments).

**Neighbouring data sets.** Two data sets are neighbours when one is the other plus one
sample (add/remove, or "unbounded" differential privacy): the number of samples is then
private too, which is why it is released with noise. Under this relation the sum of the
features changes by the features ``Φ(x)`` of one sample, whatever ``x`` is:

- complex exponential features ``Φ(x)_j = exp(-i ω_jᵀx̃)``, seen as ``2m`` real
  numbers ``(cos θ_j, -sin θ_j)``: the L1 norm ``Σ_j |cos θ_j| + |sin θ_j|`` is at
  most ``√2 m`` (``|cos θ| + |sin θ| ≤ √2``), and the L2 norm is exactly ``√m``;
- 1-bit quantized features (every real part ``±1``): L1 ``2m``, L2 ``√(2m)``;
- the count changes by 1;
- the moment sums change by ``(u, u²)``, of L1 norm ``Σ_l |u_l| + u_l² ≤ 2d``.

These bounds hold for any sample, so they need no bound on the data (the supremum
``√2 m`` is approached when the phases can all sit near ``π/4`` modulo ``π/2``; for
frequencies free of rational relations this happens for some ``x``, by Kronecker's
theorem, so the L1 bound is the sensitivity, not only an upper bound of it). For the
"replace one sample" relation every sensitivity doubles and the count is public:
a mechanism that is ε-DP for add/remove is 2ε-DP for replace (group privacy).

**Mechanisms.** Pure ε-DP: Laplace noise of scale ``Δ₁ / ε₁`` on each of the ``2m``
real parts of the sum (Dwork, McSherry, Nissim, Smith 2006). (ε, δ)-DP: Gaussian noise
of standard deviation ``σ`` on each real part, with ``σ`` the smallest that the exact
condition of Balle and Wang (2018, Theorem 8) allows for the L2 sensitivity ``Δ₂``
(the classical ``Δ₂ √(2 ln(1.25/δ)) / ε`` is larger, and only valid for ε < 1). In
both cases the count gets Laplace noise of scale ``1 / ε₂`` and the moment sums Laplace
noise of scale ``2d / ε₃``. The budget is split ``ε₂ = ε / (2m + 1)`` (the count's
share of the ``2m + 1`` real numbers of the sketch and count, the split of the authors'
reference implementation), ``ε₃ = ε / 20`` and ``ε₁ = ε - ε₂ - ε₃``: the release is
ε-DP (Laplace) or (ε, δ)-DP (Gaussian) by sequential composition. The count needs
little budget because an error on it only rescales the sketch, which the decoders
absorb into the mixture weights; the moments only place the decoders' starting points
and bound the variances, for which 5% of the budget is plenty (at ε = 1 and n = 10⁵
the variance of each feature is known to about 20%) while the sketch's noise grows by
about 5%.

The noisy count is rounded to an integer and floored at 1 (post-processing, which
costs no privacy). The noise is drawn from the operating system's entropy
(:func:`numpy.random.default_rng` without a seed), never from the operator's
``random_state``: a known seed would let anyone subtract the noise.
"""

import numbers
from numbers import Integral, Real

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr, ndtr
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

#: the privacy budgets accepted: beyond them the noise scales over- or underflow
EPSILON_RANGE = (1e-6, 1e6)


def _noise_generator():
    """The source of privacy noise: fresh operating-system entropy at every release."""
    return np.random.default_rng()


def check_privacy(privacy):
    """Validate ``privacy``; return ``(epsilon, delta)`` (``delta = 0`` for pure DP).

    Parameters
    ----------
    privacy : float or (float, float)
        ``epsilon`` (ε-DP, Laplace mechanism) or ``(epsilon, delta)`` ((ε, δ)-DP,
        Gaussian mechanism).

    Returns
    -------
    epsilon, delta : float

    Raises
    ------
    ValueError
        If ε is not a finite positive number or δ is not in the open interval (0, 1).
    TypeError
        If ``privacy`` is neither a number nor a pair of numbers.

    Examples
    --------
    >>> from skfrugal.sketching._privacy import check_privacy
    >>> check_privacy(1.0), check_privacy((0.5, 1e-6))
    ((1.0, 0.0), (0.5, 1e-06))
    """
    if isinstance(privacy, (numbers.Real, np.floating, np.integer)) and not isinstance(
            privacy, bool):
        epsilon, delta = float(privacy), None
    elif isinstance(privacy, (tuple, list, np.ndarray)) and len(privacy) == 2 and all(
            isinstance(v, (numbers.Real, np.floating, np.integer))
            and not isinstance(v, bool) for v in privacy):
        epsilon, delta = float(privacy[0]), float(privacy[1])
    else:
        raise TypeError(
            "privacy must be None, epsilon (a positive number) or a pair (epsilon, "
            f"delta), got {privacy!r}"
        )
    if not (EPSILON_RANGE[0] <= epsilon <= EPSILON_RANGE[1]):
        raise ValueError(
            f"privacy epsilon must be a number in [{EPSILON_RANGE[0]:g}, "
            f"{EPSILON_RANGE[1]:g}], got {epsilon!r} (outside, the noise scales over- or "
            "underflow; no privacy: privacy=None)"
        )
    if delta is None:
        return epsilon, 0.0
    if not (0.0 < delta < 1.0):
        raise ValueError(
            f"privacy delta must be in the open interval (0, 1), got {delta!r} (pure "
            "epsilon-DP: privacy=epsilon)"
        )
    return epsilon, delta


def feature_sensitivity(n_frequencies, quantization=None, norm=1):
    """Sensitivity of the sum of Fourier features to adding or removing one sample.

    Parameters
    ----------
    n_frequencies : int
        Sketch size ``m``.
    quantization : {None, "1bit"}, default=None
        ``None``: complex exponential features; ``"1bit"``: ``±1 ± i``.
    norm : {1, 2}, default=1
        L1 (Laplace mechanism) or L2 (Gaussian mechanism) sensitivity, over the ``2m``
        real parts.

    Returns
    -------
    sensitivity : float

    Examples
    --------
    >>> from skfrugal.sketching._privacy import feature_sensitivity
    >>> feature_sensitivity(100), feature_sensitivity(100, norm=2)
    (141.4213562373095, 10.0)
    >>> feature_sensitivity(100, "1bit"), feature_sensitivity(100, "1bit", norm=2)
    (200.0, 14.142135623730951)
    """
    m = int(n_frequencies)
    if quantization is None:
        return float(np.sqrt(2.0) * m if norm == 1 else np.sqrt(m))
    return float(2.0 * m if norm == 1 else np.sqrt(2.0 * m))


def gaussian_delta(sigma, epsilon, sensitivity):
    """The smallest δ for which ``f + N(0, σ² I)`` is (ε, δ)-DP (Balle and Wang 2018).

    ``δ = Φ(Δ/(2σ) - εσ/Δ) - e^ε Φ(-Δ/(2σ) - εσ/Δ)`` for an L2 sensitivity ``Δ``.

    Parameters
    ----------
    sigma : float
        Standard deviation of the noise on each coordinate.
    epsilon : float
        Privacy parameter ε.
    sensitivity : float
        L2 sensitivity ``Δ`` of ``f``.

    Returns
    -------
    delta : float
    """
    u = float(sigma) / float(sensitivity)
    a = 0.5 / u - epsilon * u
    b = -0.5 / u - epsilon * u
    return float(ndtr(a) - np.exp(epsilon + log_ndtr(b)))


def gaussian_sigma(epsilon, delta, sensitivity):
    """The smallest noise standard deviation of the (ε, δ)-DP Gaussian mechanism.

    Solves ``gaussian_delta(σ, ε, Δ) = δ`` (the exact condition of Balle and Wang 2018,
    Theorem 8; ``gaussian_delta`` decreases with ``σ``).

    Parameters
    ----------
    epsilon : float
        Privacy parameter ε > 0.
    delta : float
        Privacy parameter δ in (0, 1).
    sensitivity : float
        L2 sensitivity ``Δ``.

    Returns
    -------
    sigma : float

    Examples
    --------
    >>> from skfrugal.sketching._privacy import gaussian_sigma
    >>> classical = (2 * np.log(1.25 / 1e-5)) ** 0.5 / 0.5   # valid for epsilon < 1
    >>> bool(gaussian_sigma(0.5, 1e-5, 1.0) < classical)
    True
    """
    def excess(log_u):
        return gaussian_delta(np.exp(log_u), epsilon, 1.0) - delta

    lo, hi = -12.0, 2.0
    while excess(hi) > 0:  # δ tiny or ε tiny: widen the bracket
        hi += 4.0
    return float(np.exp(brentq(excess, lo, hi, xtol=1e-12, rtol=1e-12))) * float(sensitivity)


#: Share of ε spent on the per-feature moment sums.
MOMENT_SHARE = 0.05


def budget_split(epsilon, n_frequencies):
    """``(ε₁, ε₂, ε₃)``: the budget of the features, the count and the moment sums.

    Examples
    --------
    >>> from skfrugal.sketching._privacy import budget_split
    >>> [round(e, 6) for e in budget_split(1.0, 100)]
    [0.945025, 0.004975, 0.05]
    """
    eps_count = epsilon / (2 * int(n_frequencies) + 1)
    eps_moments = MOMENT_SHARE * epsilon
    return epsilon - eps_count - eps_moments, eps_count, eps_moments


@validate_params(
    {
        "n_frequencies": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "epsilon": [Interval(Real, EPSILON_RANGE[0], EPSILON_RANGE[1], closed="both")],
        "delta": [Interval(Real, 0, 1, closed="left")],
        "quantization": [None, StrOptions({"1bit"})],
    },
    prefer_skip_nested_validation=True,
)
def noise_calibration(n_frequencies, n_features, epsilon, delta=0.0, quantization=None):
    """Noise scales of the private release of a sketch of ``m`` frequencies.

    What :meth:`FourierSketcher.sketch <skfrugal.sketching.FourierSketcher.sketch>`
    adds to each release of an operator with ``privacy=epsilon`` (``delta=0``) or
    ``privacy=(epsilon, delta)``; see the module :mod:`skfrugal.sketching._privacy`
    and the user guide for the accounting.

    Parameters
    ----------
    n_frequencies : int
        Sketch size ``m``.
    n_features : int
        Dimension ``d`` of the data (the moment sums).
    epsilon, delta : float
        The privacy of the release (``delta = 0``: ε-DP, Laplace; else Gaussian).
    quantization : {None, "1bit"}, default=None
        The features.

    Returns
    -------
    calibration : dict
        ``"mechanism"`` (``"laplace"`` or ``"gaussian"``), ``"feature_scale"`` (Laplace
        scale ``b`` or Gaussian ``σ`` of the noise on each real part of the sum),
        ``"feature_noise_var"`` (``E|w_j|²`` per complex entry: ``4b²`` or ``2σ²``),
        ``"count_scale"`` and ``"count_noise_var"`` (Laplace scale ``1/ε₂`` of the
        count noise and its variance ``2/ε₂²``), ``"moment_scale"`` and
        ``"moment_noise_var"`` (Laplace scale ``2d/ε₃`` of the noise on each moment
        sum and its variance), and the budget split ``"epsilon_features"``,
        ``"epsilon_count"``, ``"epsilon_moments"``.

    Examples
    --------
    >>> from skfrugal.sketching import noise_calibration
    >>> cal = noise_calibration(100, 3, 1.0)
    >>> cal["mechanism"], round(cal["count_scale"], 9), round(cal["moment_scale"], 9)
    ('laplace', 201.0, 120.0)
    >>> round(cal["feature_scale"], 2)   # Laplace scale √2 m / ε₁
    149.65
    >>> round(noise_calibration(100, 3, 1.0, 1e-6)["feature_scale"], 2)   # Gaussian σ
    44.52
    """
    m, d = int(n_frequencies), int(n_features)
    eps_features, eps_count, eps_moments = budget_split(epsilon, m)
    if delta == 0.0:
        b = feature_sensitivity(m, quantization, norm=1) / eps_features
        mechanism, scale, var = "laplace", b, 4.0 * b * b
    else:
        sigma = gaussian_sigma(eps_features, delta, feature_sensitivity(m, quantization, 2))
        mechanism, scale, var = "gaussian", sigma, 2.0 * sigma * sigma
    moment_scale = 2.0 * d / eps_moments
    return {
        "mechanism": mechanism,
        "feature_scale": float(scale),
        "feature_noise_var": float(var),
        "count_scale": 1.0 / eps_count,
        "count_noise_var": 2.0 / eps_count**2,
        "moment_scale": moment_scale,
        "moment_noise_var": 2.0 * moment_scale**2,
        "epsilon_features": eps_features,
        "epsilon_count": eps_count,
        "epsilon_moments": eps_moments,
    }


def privatize(feature_sum, n_samples, moment_sums, epsilon, delta=0.0, quantization=None,
              random_state=None):
    """Add calibrated noise to a sketch's sum of features, count and moment sums.

    Parameters
    ----------
    feature_sum : ndarray of shape (m,), complex
        Exact sum of the features.
    n_samples : int
        Exact number of samples.
    moment_sums : ndarray of shape (2, d)
        Exact ``Σ_i u_i`` and ``Σ_i u_i²`` of the samples in the box's coordinates
        (``u ∈ [-1, 1]^d``).
    epsilon, delta : float
        Privacy of the release (see :func:`noise_calibration`).
    quantization : {None, "1bit"}, default=None
        The features (their sensitivity).
    random_state : numpy.random.Generator, default=None
        Source of the noise; ``None``: fresh operating-system entropy (always, outside
        tests).

    Returns
    -------
    feature_sum : ndarray of shape (m,), complex128
        The noisy sum.
    n_samples : int
        The noisy count, rounded, at least 1.
    moment_sums : ndarray of shape (2, d)
        The noisy moment sums.
    calibration : dict
        The noise scales and variances (see :func:`noise_calibration`).

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching._privacy import privatize
    >>> noisy, n, moments, cal = privatize(np.full(10, 1e5 + 0j), 10**5, np.zeros((2, 3)),
    ...                                    1.0, random_state=np.random.default_rng(0))
    >>> noisy.shape, moments.shape, bool(abs(n - 10**5) < 500), cal["mechanism"]
    ((10,), (2, 3), True, 'laplace')
    """
    rng = _noise_generator() if random_state is None else random_state
    feature_sum = np.asarray(feature_sum, dtype=np.complex128)
    moment_sums = np.asarray(moment_sums, dtype=np.float64)
    m = feature_sum.shape[0]
    cal = noise_calibration(m, moment_sums.shape[1], epsilon, delta, quantization)
    scale = cal["feature_scale"]
    if cal["mechanism"] == "laplace":
        noise = rng.laplace(0.0, scale, size=(2, m))
    else:
        noise = rng.normal(0.0, scale, size=(2, m))
    noisy_sum = feature_sum + (noise[0] + 1j * noise[1])
    noisy_count = float(n_samples) + rng.laplace(0.0, cal["count_scale"])
    noisy_moments = moment_sums + rng.laplace(0.0, cal["moment_scale"], size=moment_sums.shape)
    return noisy_sum, max(1, int(np.rint(noisy_count))), noisy_moments, cal
