"""What every decoder reads: a Fourier sketch in standardised coordinates.

:func:`decoder_inputs` turns a :class:`~skfrugal.sketching.Sketch` of a fitted
:class:`~skfrugal.sketching.FourierSketcher` into a :class:`DecoderInputs`, the plain
arrays the decoders work on; :meth:`DecoderInputs.from_arrays` builds one from a sketch
vector and frequencies directly (a sketch of a known mixture, a sketch made elsewhere).

:func:`decoder_inputs` is the one place where the kind of sketch matters: a 1-bit
quantized sketch is mapped to the exponential sketch it estimates (:func:`dequantize`),
and a private sketch, which carries no exact statistic of the data, gets its bounds from the
operator's public box; the noise level adds the privacy noise and the quantizer's
higher harmonics (:func:`harmonic_distortion`) to the sampling noise. The
decoders themselves see the same :class:`DecoderInputs` in every case.
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from skfrugal.decoding._validation import (
    as_float_array,
    as_sketch_vector,
    check_input_fields,
)

#: First Fourier coefficient of a quantizer ``q``: ``q(t) = gain · e^{-it} + ...``. For
#: the 1-bit universal quantizer ``sign cos t - i sign sin t``, ``sign cos t = (4/π)(cos
#: t - cos 3t / 3 + ...)`` and ``sign sin t = (4/π)(sin t + sin 3t / 3 + ...)``.
QUANTIZER_GAIN = {"1bit": 4.0 / np.pi}
#: Power ``|q(t)|²`` of a quantized feature (``|±1 ± i|² = 2``).
QUANTIZER_POWER = {"1bit": 2.0}


def dequantize(z, dither, quantization="1bit"):
    """The exponential sketch a dithered quantized sketch estimates: its first harmonic.

    A quantized feature ``q(ω_jᵀx̃ + ξ_j)`` of a periodic quantizer ``q`` with first
    Fourier coefficient ``g`` (``4/π`` for 1 bit) is ``g e^{-iξ_j} e^{-iω_jᵀx̃}`` plus
    harmonics ``e^{±i(2k+1)(ω_jᵀx̃ + ξ_j)}``, ``k ≥ 1``. Dividing by ``g e^{-iξ_j}``
    leaves the exponential sketch ``z_j`` plus the harmonics, whose phases carry the
    uniform dither ``2kξ_j`` or ``(2k+2)ξ_j`` and so behave as noise uncorrelated with
    the atoms (Schellekens and Jacques 2018).

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        Mean of the quantized features.
    dither : ndarray of shape (m,)
        The dither ``ξ``.
    quantization : {"1bit"}, default="1bit"
        The quantizer.

    Returns
    -------
    z : ndarray of shape (m,), complex128
        ``z · e^{iξ} / g``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding._inputs import dequantize
    >>> t = np.linspace(0, 2 * np.pi, 100_000, endpoint=False)   # phases of a sample
    >>> q = np.where(np.cos(t + 1.0) >= 0, 1, -1) - 1j * np.where(np.sin(t + 1.0) >= 0, 1, -1)
    >>> first = (q * np.exp(1j * t)).mean()   # its first harmonic at dither 1.0
    >>> bool(np.isclose(dequantize(np.array([first]), np.array([1.0]))[0], 1.0))
    True
    """
    gain = QUANTIZER_GAIN[quantization]
    return np.asarray(z, dtype=np.complex128) * np.exp(1j * np.asarray(dither)) / gain


def harmonic_distortion(z, frequencies, n_samples, *, quantization="1bit", noise_var=0.0,
                        n_blocks=20, n_harmonics=100):
    """Mean power of the higher harmonics left in a dequantized sketch, per entry.

    After :func:`dequantize`, entry ``j`` holds the exponential sketch ``z_j`` plus the
    harmonics ``±e^{iξ_j(...)} φ((2k+1)ω_j) / (2k+1)``, ``k ≥ 1``, of the 1-bit
    quantizer (``φ`` the characteristic function of the data). Their phases carry the
    uniform dither, so to the decoders they are noise of power
    ``D_j = Σ_{k≥1} |φ((2k+1)ω_j)|² / (2k+1)²`` (at most ``π²/8 - 1`` by Parseval).
    ``|φ|²`` at the radii ``(2k+1)‖ω_j‖`` is read from the sketch's own radial power
    profile: the mean of ``|z|²`` (less its sampling and privacy noise) over blocks of
    frequencies of similar radius, interpolated, and held at the last block's level
    beyond the largest radius.

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The dequantized sketch.
    frequencies : ndarray of shape (d, m)
        Its frequencies.
    n_samples : int
        Number of samples it averages.
    quantization : {"1bit"}, default="1bit"
        The quantizer.
    noise_var : float, default=0.0
        Variance of privacy noise in each entry of ``z``.
    n_blocks : int, default=20
        Number of radius blocks of the power profile.
    n_harmonics : int, default=100
        Number of harmonics summed.

    Returns
    -------
    distortion : float
        The mean of ``D_j`` over the entries.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding._inputs import harmonic_distortion
    >>> omega = np.random.default_rng(0).normal(size=(2, 200))
    >>> z = np.exp(-0.5 * (omega**2).sum(axis=0) * 0.01)  # a narrow cluster: |φ| ≈ 1
    >>> round(harmonic_distortion(z, omega, 10**9), 2)   # close to π²/8 - 1 = 0.23
    0.21
    """
    z = np.asarray(z)
    radius = np.sqrt(np.einsum("ij,ij->j", frequencies, frequencies))
    blocks = np.array_split(np.argsort(radius), min(n_blocks, z.shape[0]))
    floor = QUANTIZER_POWER[quantization] / QUANTIZER_GAIN[quantization] ** 2
    floor = floor / max(int(n_samples), 1) + float(noise_var)
    block_radius = np.array([radius[b].mean() for b in blocks])
    block_power = np.array([max(float(np.mean(np.abs(z[b]) ** 2)) - floor, 0.0)
                            for b in blocks])
    total = np.zeros_like(radius)
    for k in range(1, n_harmonics + 1):
        h = 2 * k + 1
        power = np.interp(h * radius, block_radius, block_power, right=block_power[-1])
        total += np.minimum(power, 1.0) / h**2
    return float(total.mean())


@validate_params(
    {"z": ["array-like"], "n_samples": [Interval(Integral, 1, None, closed="left")],
     "feature_power": [Interval(Real, 0, None, closed="neither")],
     "noise_var": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def sketch_noise_level(z, n_samples, *, feature_power=1.0, noise_var=0.0):
    """Relative squared noise ``(Σ_j (P - |z_j|²) / n + m v) / ‖z‖²`` of a sketch.

    Each entry of the sketch of ``n`` samples is a mean of ``n`` features of power
    ``P`` (``|exp(-iθ)|² = 1``; ``π²/8`` for a dequantized 1-bit feature) with mean
    ``z_j``: its variance is ``(P - |z_j|²) / n``. A private sketch adds noise of
    variance ``v`` per entry. A model that fits the data's distribution leaves a
    relative residual ``‖z - z(model)‖² / ‖z‖²`` of about this level (a little less:
    the fit absorbs some of the noise).

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch.
    n_samples : int
        Number of samples it averages.
    feature_power : float, default=1.0
        ``P``, the mean squared modulus of a sample's feature.
    noise_var : float, default=0.0
        ``v``, the variance of additive (privacy) noise in each entry of ``z``.

    Returns
    -------
    level : float

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding import sketch_noise_level
    >>> float(sketch_noise_level(np.full(4, 0.5 + 0j), 100))
    0.03
    """
    return _sketch_noise_level(as_sketch_vector(z), n_samples, feature_power=feature_power,
                               noise_var=noise_var)


def _sketch_noise_level(z, n_samples, *, feature_power=1.0, noise_var=0.0):
    power = float(np.vdot(z, z).real)
    sampling = float(np.sum(np.maximum(feature_power - np.abs(z) ** 2, 0.0)))
    sampling /= max(int(n_samples), 1)
    return (sampling + z.shape[0] * float(noise_var)) / max(power, 1e-300)


@dataclass
class DecoderInputs:
    """A Fourier sketch in the standardised coordinates the decoders work in.

    Only the *active* features (those that vary in the sketched data) are kept: the
    phase of the constant ones is factored out of ``z``.

    Attributes
    ----------
    z : ndarray of shape (m,), complex128
        The sketch (mean of the features).
    frequencies : ndarray of shape (d_active, m)
        The frequencies of the active features.
    lower, upper : ndarray of shape (d_active,)
        Bounds of the centres: the robust range of the operator (0.1% and 99.9%
        quantiles of its fit data) within the min and max of the sketched data.
    data_mean, data_var : ndarray of shape (d_active,)
        Per-feature mean and variance of the sketched data.
    scale : float
        The operator's squared kernel bandwidth ``σ̄²``.
    n_samples : int or None
        Number of samples the sketch averages (``None``: an exact sketch, no noise).
    active : ndarray of shape (d,), bool
        Which features vary.
    centre : ndarray of shape (d,)
        Per-feature mean of the data, standardised (the value of inactive features).
    mean, std : ndarray of shape (d,)
        The operator's standardisation ``x̃ = (x - mean) / std``.
    metric : ndarray of shape (d_active,)
        Per-feature factor ``g`` of atoms spherical in the data's units: a variance
        ``s²`` in the data's units is ``s² / std_l²`` in standardised units, so ``g`` is
        ``1 / std²`` on the active features, normalised to mean one.
    feature_power : float, default=1.0
        Mean squared modulus of a sample's feature in the units of ``z`` (``π²/8`` for
        a dequantized 1-bit sketch).
    noise_var : float, default=0.0
        Variance of the privacy noise in each entry of ``z`` (beyond the sampling
        noise).
    harmonic_var : float, default=0.0
        For a dequantized sketch, the power per entry of the quantizer's higher
        harmonics (:func:`harmonic_distortion`).
    """

    z: np.ndarray
    frequencies: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    data_mean: np.ndarray
    data_var: np.ndarray
    scale: float
    n_samples: object
    active: np.ndarray
    centre: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    metric: np.ndarray
    feature_power: float = 1.0
    noise_var: float = 0.0
    harmonic_var: float = 0.0

    def __post_init__(self):
        # every field checked and normalised: nothing unchecked reaches a decoder
        for name, value in check_input_fields(self).items():
            setattr(self, name, value)

    @classmethod
    def from_arrays(cls, z, frequencies, lower, upper, *, scale, data_mean=None,
                    data_var=None, n_samples=None, metric=None):
        """Decoder inputs from a sketch vector and its frequencies (no standardisation).

        Parameters
        ----------
        z : array-like of shape (m,), complex
            The sketch.
        frequencies : array-like of shape (d, m)
            The frequencies ``Ω``.
        lower, upper : array-like of shape (d,)
            Bounds of the centres.
        scale : float
            The squared kernel bandwidth ``σ̄²``.
        data_mean, data_var : array-like of shape (d,), default=None
            Mean and variance of the data (``None``: the centre and squared half-width
            of the box).
        n_samples : int, default=None
            Number of samples the sketch averages (``None``: exact sketch).
        metric : array-like of shape (d,), default=None
            Per-feature factor of spherical variances (``None``: ones).

        Returns
        -------
        inputs : DecoderInputs

        Examples
        --------
        >>> import numpy as np
        >>> from skfrugal.decoding import DecoderInputs, mixture_sketch
        >>> omega = np.random.default_rng(0).normal(size=(2, 50))
        >>> z = mixture_sketch(omega, np.zeros((1, 2)), np.array([0.1]), np.ones(1))
        >>> inputs = DecoderInputs.from_arrays(z, omega, -np.ones(2), np.ones(2), scale=0.1)
        >>> inputs.data_var.tolist()
        [1.0, 1.0]
        """
        frequencies = as_float_array(frequencies, "frequencies", 2)
        d = frequencies.shape[0]
        lower = as_float_array(lower, "lower", 1)
        upper = as_float_array(upper, "upper", 1)
        if lower.shape != (d,) or upper.shape != (d,):
            raise ValueError(f"lower and upper must have {d} values (the rows of "
                             f"frequencies), got shapes {lower.shape} and {upper.shape}")
        if data_mean is None:
            data_mean = (lower + upper) / 2.0
        if data_var is None:
            data_var = ((upper - lower) / 2.0) ** 2
        metric = np.ones(d) if metric is None else metric
        return cls(
            z=as_sketch_vector(z), frequencies=frequencies, lower=lower, upper=upper,
            data_mean=data_mean, data_var=data_var, scale=scale, n_samples=n_samples,
            active=np.ones(d, dtype=bool), centre=np.zeros(d), mean=np.zeros(d),
            std=np.ones(d), metric=metric,
        )

    @property
    def noise_level(self):
        """Relative squared noise of the sketch: sampling and privacy noise, and a
        quantized sketch's higher harmonics (0 for an exact sketch).

        The residual a model of the data leaves is about this level; the
        :class:`~skfrugal.decoding.DecodingWarning` compares with it. See
        :func:`sketch_noise_level`.
        """
        if self.n_samples is None:
            return 0.0
        return _sketch_noise_level(self.z, self.n_samples, feature_power=self.feature_power,
                                   noise_var=self.noise_var + self.harmonic_var)

    @property
    def restart_noise_level(self):
        """:attr:`noise_level` without the quantizer's harmonics: what the ``"auto"``
        restart rule of :func:`~skfrugal.decoding.decode` aims at.

        A decoding whose residual is within twice the noise level stops the restarts.
        With the harmonics counted, a decoding that missed a cluster can pass that test
        on a 1-bit sketch (measured, K = d = 10, m = 4Kd, seed 6: residual 1.25e-2
        against a noise level of 1.21e-2 and SSE 1.13 times KMeans', where a restart
        finds 8.5e-3 and 1.001); without them the restarts go on until two decodings
        agree.
        """
        if self.n_samples is None:
            return 0.0
        return _sketch_noise_level(self.z, self.n_samples, feature_power=self.feature_power,
                                   noise_var=self.noise_var)

    def to_data_units(self, centers):
        """Map centres of the active standardised features back to the data's units.

        Parameters
        ----------
        centers : ndarray of shape (K, d_active)

        Returns
        -------
        centers : ndarray of shape (K, d)
        """
        centers = as_float_array(centers, "centers", 2, allow_empty=True)
        d = int(self.active.sum())
        if centers.shape[1] != d:
            raise ValueError(f"centers must have {d} columns (the active features), got "
                             f"shape {centers.shape}")
        full = np.tile(self.centre, (centers.shape[0], 1))
        full[:, self.active] = centers
        with np.errstate(over="ignore", invalid="ignore"):
            out = self.mean + self.std * full
        if not np.all(np.isfinite(out)):
            raise ValueError("centers in the data's units overflow float64")
        return out

    def variances_to_data_units(self, variances):
        """Map decoded variances back to the data's units squared.

        Parameters
        ----------
        variances : ndarray of shape (K,) or (K, d_active)
            Spherical variances (``s_k² · metric`` in standardised units) or diagonal
            variances of the active features.

        Returns
        -------
        variances : ndarray of shape (K,) or (K, d)
            Spherical variances in the data's units (the same along every varying
            feature, by construction of ``metric``), or diagonal variances with 0 on
            the constant features.
        """
        ndim = np.ndim(variances)
        variances = as_float_array(variances, "variances", ndim if ndim in (1, 2) else 1,
                                   allow_empty=True)
        std_act = self.std[self.active]
        if variances.ndim == 2 and variances.shape[1] != std_act.shape[0]:
            raise ValueError(f"diagonal variances must have {std_act.shape[0]} columns (the "
                             f"active features), got shape {variances.shape}")
        if np.any(variances < 0):
            raise ValueError("variances must be non-negative")
        with np.errstate(over="ignore"):
            if variances.ndim == 1:
                # s² · metric_l in standardised units is s² · metric_l · std_l² in data
                # units, the same for every active feature by construction of the metric
                out = variances * float(self.metric[0] * std_act[0] ** 2)
            else:
                out = np.zeros((variances.shape[0], self.active.shape[0]))
                out[:, self.active] = variances * std_act**2
        if not np.all(np.isfinite(out)):
            raise ValueError("variances in the data's units overflow float64")
        return out


def check_fourier_sketch(sketch):
    """Refuse a sketch whose statistics or operator cannot be decoded; return the operator.

    Parameters
    ----------
    sketch : Sketch
        A sketch of a fitted :class:`~skfrugal.sketching.FourierSketcher`.

    Returns
    -------
    operator : FourierSketcher

    Raises
    ------
    TypeError, ValueError
        Naming what is wrong: not a Fourier sketch, no sample, non-finite sums, a
        negative sum of squares, a minimum above the maximum, a non-positive or
        non-finite standardisation or scale, frequencies of the wrong shape, a
        dither of the wrong shape, a private sketch without a finite public box.
        A private sketch releases no minimum or maximum (NaN) and its noisy sum of
        squares may be negative: only its mean must be finite.
    """
    from skfrugal.sketching import FourierSketcher
    from skfrugal.sketching._validation import check_sketch

    op = check_sketch(sketch, FourierSketcher)
    d = sketch.n_features
    if sketch.n_samples < 1:
        raise ValueError(f"the sketch holds {sketch.n_samples} samples: nothing to decode")
    if not np.all(np.isfinite(sketch.feature_sum)):
        raise ValueError("the sketch's feature sum contains NaN or infinity")
    if sketch.is_private:
        box = np.asarray(getattr(op, "bounds_", np.full((2, d), np.nan)), dtype=np.float64)
        if box.shape != (2, d) or not np.all(np.isfinite(box)) or np.any(box[0] >= box[1]):
            raise ValueError("a private sketch needs its operator's public box bounds_ "
                             "(finite, lower < upper)")
        if not np.all(np.isfinite(sketch.data_mean)):
            raise ValueError("the sketch's noisy data_mean contains NaN or infinity")
        stats = ()
    else:
        stats = (sketch.data_min, sketch.data_max, sketch.data_mean, sketch.data_m2)
    if not all(np.all(np.isfinite(s)) for s in stats):
        raise ValueError("the sketch's per-feature statistics contain NaN or infinity")
    if not sketch.is_private and np.any(sketch.data_m2 < 0):
        raise ValueError("the sketch has a negative sum of squared deviations (data_m2)")
    if not sketch.is_private and np.any(sketch.data_min > sketch.data_max):
        raise ValueError("the sketch has data_min > data_max")
    std, mean = np.asarray(op.std_, dtype=np.float64), np.asarray(op.mean_, dtype=np.float64)
    if std.shape != (d,) or mean.shape != (d,) or not np.all(np.isfinite(std)) or (
            np.any(std <= 0)) or not np.all(np.isfinite(mean)):
        raise ValueError("the sketch's operator has a non-positive or non-finite std_ or mean_")
    scale = float(op.scale_)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"the sketch's operator has scale_={op.scale_!r}; it must be > 0")
    omega = np.asarray(op.frequencies_)
    if omega.ndim != 2 or omega.shape[0] != d or not np.all(np.isfinite(omega)):
        raise ValueError("the sketch's operator has frequencies_ of the wrong shape or "
                         "non-finite values")
    dither = getattr(op, "dither_", None)
    if dither is not None and (np.shape(dither) != (omega.shape[1],)
                               or not np.all(np.isfinite(dither))):
        raise ValueError("the sketch's operator has a dither_ of the wrong shape or "
                         "non-finite values")
    return op


def _sketch_box(sketch, mean, std):
    """``(lower, upper, centre, var, width)`` of the sketched data in standardised units.

    ``lower`` and ``upper`` bound the centres, ``width`` is the range of the data (0
    for a constant feature). From the sketch's statistics; for a private sketch, which
    releases noisy moments and no minimum or maximum, the bounds are the operator's
    public box and the noisy centre and variance are brought back into it
    (post-processing).
    """
    op = sketch.operator
    centre = (sketch.data_mean - mean) / std
    var = sketch.data_var / std**2
    if sketch.is_private:
        lower = (op.bounds_[0] - mean) / std
        upper = (op.bounds_[1] - mean) / std
        half2 = ((upper - lower) / 2.0) ** 2
        return (lower, upper, np.clip(centre, lower, upper),
                np.clip(np.nan_to_num(var, nan=half2), 1e-6 * half2, half2), upper - lower)
    lower, upper = sketch.data_min, sketch.data_max
    robust = getattr(op, "robust_range_", None)
    if robust is not None:  # centres stay in the robust range of the data
        lower = np.clip(robust[0], lower, upper)
        upper = np.clip(robust[1], lower, upper)
    lower = (lower - mean) / std
    upper = (upper - mean) / std
    return lower, upper, centre, var, (sketch.data_max - sketch.data_min) / std


def decoder_inputs(sketch):
    """Prepare a sketch of a fitted :class:`~skfrugal.sketching.FourierSketcher` for decoding.

    A 1-bit quantized sketch is mapped to the exponential sketch it estimates
    (:func:`dequantize`: the dither's phase and the quantizer's gain ``4/π`` removed);
    a private sketch takes its bounds, centre and spread from the operator's public
    box and adds its privacy noise to the noise level.

    Parameters
    ----------
    sketch : Sketch
        A non-empty sketch of a fitted :class:`~skfrugal.sketching.FourierSketcher`.

    Returns
    -------
    inputs : DecoderInputs or None
        ``None`` when no feature varies (every sample is the same point).

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import FourierSketcher
    >>> from skfrugal.decoding import decoder_inputs
    >>> X = np.random.default_rng(0).normal(size=(500, 3))
    >>> X[:, 1] = 2.0  # a constant feature
    >>> sketch = FourierSketcher(sketch_size=20, random_state=0).fit(X).sketch(X)
    >>> inputs = decoder_inputs(sketch)
    >>> inputs.active.tolist(), inputs.frequencies.shape
    ([True, False, True], (2, 20))
    """
    op = check_fourier_sketch(sketch)
    mean, std = op.mean_, op.std_
    z = np.asarray(sketch.mean, dtype=np.complex128)
    gain, power = 1.0, 1.0
    if hasattr(op, "dither_"):
        quantization = getattr(op, "quantization", None) or "1bit"
        z = dequantize(z, op.dither_, quantization)
        gain = QUANTIZER_GAIN[quantization]
        power = QUANTIZER_POWER[quantization] / gain**2
    noise_var = sketch.noise_var / (gain**2 * float(sketch.n_samples) ** 2)
    omega = np.asarray(op.frequencies_, dtype=np.float64)
    lower, upper, centre, var, width = _sketch_box(sketch, mean, std)
    active = width > 1e-12 * np.maximum(1.0, np.abs(centre))
    if not np.any(active):
        return None
    if not np.all(active):  # constant features: factor their phase out of the sketch
        z = z * np.exp(1j * (centre[~active] @ omega[~active]))
        omega = omega[active]
    harmonic_var = 0.0
    if hasattr(op, "dither_"):  # the higher harmonics: noise to the decoders
        harmonic_var = harmonic_distortion(z, omega, sketch.n_samples,
                                           quantization=quantization, noise_var=noise_var)
    metric = 1.0 / std[active] ** 2
    return DecoderInputs(
        z=z, frequencies=omega, lower=lower[active], upper=upper[active],
        data_mean=centre[active], data_var=var[active], scale=float(op.scale_),
        n_samples=int(sketch.n_samples), active=active, centre=centre, mean=mean,
        std=std, metric=metric / metric.mean(), feature_power=power, noise_var=noise_var,
        harmonic_var=harmonic_var,
    )
