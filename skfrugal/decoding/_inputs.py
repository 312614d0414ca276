"""What every decoder reads: a Fourier sketch in standardised coordinates.

:func:`decoder_inputs` turns a :class:`~skfrugal.sketching.Sketch` of a fitted
:class:`~skfrugal.sketching.FourierSketcher` into a :class:`DecoderInputs`, the plain
arrays the decoders work on; :meth:`DecoderInputs.from_arrays` builds one from a sketch
vector and frequencies directly (a sketch of a known mixture, a sketch made elsewhere).
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from skfrugal.decoding._validation import as_sketch_vector, check_inputs


@validate_params(
    {"z": ["array-like"], "n_samples": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
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
    >>> from skfrugal.decoding import sketch_noise_level
    >>> float(sketch_noise_level(np.full(4, 0.5 + 0j), 100))
    0.03
    """
    return _sketch_noise_level(as_sketch_vector(z), n_samples)


def _sketch_noise_level(z, n_samples):
    power = float(np.vdot(z, z).real)
    return float(np.sum(1.0 - np.abs(z) ** 2)) / (max(int(n_samples), 1) * max(power, 1e-300))


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
        frequencies = np.asarray(frequencies, dtype=np.float64)
        d = frequencies.shape[0]
        lower = np.asarray(lower, dtype=np.float64)
        upper = np.asarray(upper, dtype=np.float64)
        if data_mean is None:
            data_mean = (lower + upper) / 2.0
        if data_var is None:
            data_var = ((upper - lower) / 2.0) ** 2
        metric = np.ones(d) if metric is None else np.asarray(metric, dtype=np.float64)
        inputs = cls(
            z=np.asarray(z, dtype=np.complex128), frequencies=frequencies, lower=lower,
            upper=upper, data_mean=np.asarray(data_mean, dtype=np.float64),
            data_var=np.asarray(data_var, dtype=np.float64), scale=float(scale),
            n_samples=None if n_samples is None else int(n_samples),
            active=np.ones(d, dtype=bool), centre=np.zeros(d), mean=np.zeros(d),
            std=np.ones(d), metric=metric,
        )
        check_inputs(inputs)
        return inputs

    @property
    def noise_level(self):
        """Relative squared sampling noise of the sketch (0 for an exact sketch).

        See :func:`sketch_noise_level`.
        """
        if self.n_samples is None:
            return 0.0
        return _sketch_noise_level(self.z, self.n_samples)

    def to_data_units(self, centers):
        """Map centres of the active standardised features back to the data's units.

        Parameters
        ----------
        centers : ndarray of shape (K, d_active)

        Returns
        -------
        centers : ndarray of shape (K, d)
        """
        full = np.tile(self.centre, (centers.shape[0], 1))
        full[:, self.active] = centers
        return self.mean + self.std * full

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
        variances = np.asarray(variances, dtype=np.float64)
        std_act = self.std[self.active]
        if variances.ndim == 1:
            # s² · metric_l in standardised units is s² · metric_l · std_l² in data
            # units, the same for every active feature by construction of the metric
            return variances * float(self.metric[0] * std_act[0] ** 2)
        full = np.zeros((variances.shape[0], self.active.shape[0]))
        full[:, self.active] = variances * std_act**2
        return full


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
        non-finite standardisation or scale, frequencies of the wrong shape.
    """
    from skfrugal.sketching import FourierSketcher
    from skfrugal.sketching._validation import check_sketch

    op = check_sketch(sketch, FourierSketcher)
    d = sketch.n_features
    if sketch.n_samples < 1:
        raise ValueError(f"the sketch holds {sketch.n_samples} samples: nothing to decode")
    if not np.all(np.isfinite(sketch.feature_sum)):
        raise ValueError("the sketch's feature sum contains NaN or infinity")
    stats = (sketch.data_min, sketch.data_max, sketch.data_mean, sketch.data_m2)
    if not all(np.all(np.isfinite(s)) for s in stats):
        raise ValueError("the sketch's per-feature statistics contain NaN or infinity")
    if np.any(sketch.data_m2 < 0):
        raise ValueError("the sketch has a negative sum of squared deviations (data_m2)")
    if np.any(sketch.data_min > sketch.data_max):
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
    return op


def decoder_inputs(sketch):
    """Prepare a sketch of a fitted :class:`~skfrugal.sketching.FourierSketcher` for decoding.

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
    omega = np.asarray(op.frequencies_, dtype=np.float64)
    lower, upper = sketch.data_min, sketch.data_max
    robust = getattr(op, "robust_range_", None)
    if robust is not None:  # centres stay in the robust range of the data
        lower = np.clip(robust[0], lower, upper)
        upper = np.clip(robust[1], lower, upper)
    lower = (lower - mean) / std
    upper = (upper - mean) / std
    centre = (sketch.data_mean - mean) / std
    var = sketch.data_var / std**2
    active = (sketch.data_max - sketch.data_min) / std > 1e-12 * np.maximum(1.0, np.abs(centre))
    if not np.any(active):
        return None
    if not np.all(active):  # constant features: factor their phase out of the sketch
        z = z * np.exp(1j * (centre[~active] @ omega[~active]))
        omega = omega[active]
    metric = 1.0 / std[active] ** 2
    return DecoderInputs(
        z=z, frequencies=omega, lower=lower[active], upper=upper[active],
        data_mean=centre[active], data_var=var[active], scale=float(op.scale_),
        n_samples=int(sketch.n_samples), active=active, centre=centre, mean=mean,
        std=std, metric=metric / metric.mean(),
    )
