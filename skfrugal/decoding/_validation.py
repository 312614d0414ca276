"""Checks at the boundary of the decoding layer: nothing unchecked reaches a kernel.

The numba kernels and ``scipy.optimize.nnls`` trust their inputs (an empty or
mis-shaped array is an out-of-bounds access or a process abort), so every public
function of :mod:`skfrugal.decoding` validates its arguments here first: shapes that
agree, at least one atom, frequency and feature, finite values, bounds in order.
"""

from numbers import Integral, Real

import numpy as np

from skfrugal.utils._validation import check_nonnegative_number


def as_float_array(value, name, ndim, allow_empty=False):
    """``value`` as a C-ordered float64 array of ``ndim`` dimensions, finite."""
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real, got a complex array")
    try:  # C-ordered and writeable: one numba specialisation whatever the input
        array = np.require(value, dtype=np.float64, requirements=["C", "W"])
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinity")
    return array


#: largest modulus of a sketch entry accepted (a sketch is a mean of unit complex
#: numbers, |z_j| <= 1; noisy or residual sketches may exceed it, not by 2^20)
MAX_SKETCH_MODULUS = 2.0**20
#: frequencies' squared norms accepted (median over the frequencies)
FREQUENCY_RANGE = (1e-100, 1e100)
#: largest phase |ω_jᵀ x| accepted (radians): beyond it a cosine is rounding noise
MAX_PHASE = 2.0**50


def as_sketch_vector(z, name="z", nonzero=False):
    """``z`` as a non-empty, finite, 1-D complex128 array of moduli at most 2^20
    (and not zero if ``nonzero``)."""
    try:
        z = np.require(z, dtype=np.complex128, requirements=["C", "W"])
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} contains NaN or infinity")
    peak = float(np.max(np.abs(z)))
    if peak > MAX_SKETCH_MODULUS:
        raise ValueError(
            f"{name} has an entry of modulus {peak:.3g}: a sketch is a mean of unit complex "
            f"numbers (modulus at most 1; {MAX_SKETCH_MODULUS:g} accepted for noisy sketches)")
    if nonzero and not float(np.vdot(z, z).real) > 0:
        raise ValueError(f"{name} is zero (or its squared norm underflows): there is "
                         "nothing to fit, and a cost relative to it is undefined")
    return z


def check_frequency_range(frequencies):
    """Refuse frequencies whose squared norms are outside :data:`FREQUENCY_RANGE`."""
    with np.errstate(over="ignore", under="ignore"):
        typical = float(np.median(np.einsum("ij,ij->j", frequencies, frequencies)))
    lo, hi = FREQUENCY_RANGE
    if not lo <= typical <= hi:
        raise ValueError(
            f"the frequencies' median squared norm is {typical:.3g}, outside [{lo:g}, {hi:g}]:"
            " express the data and frequencies in units where both are moderate (the "
            "decoders work in standardised coordinates)")


def check_phases(frequencies, *points):
    """Refuse locations whose phases ``ω_jᵀ x`` may exceed :data:`MAX_PHASE`."""
    reach = np.zeros(frequencies.shape[0])
    for p in points:
        if p is not None and np.size(p):
            reach = np.maximum(reach, np.abs(np.asarray(p)).reshape(-1, reach.shape[0]).max(0))
    with np.errstate(over="ignore", invalid="ignore"):
        bound = float(np.max(reach @ np.abs(frequencies)))
    if not bound <= MAX_PHASE:
        raise ValueError(
            f"the phases ω·x of these locations reach {bound:.3g} radians (more than "
            f"{MAX_PHASE:.3g}): their cosines are rounding noise; the locations and the "
            "frequencies must be in units where their products are moderate")


def check_problem(z, frequencies, centers=None, variances=None, weights=None,
                  nonzero=False):
    """Check that a sketch, frequencies and atom parameters agree in shape.

    Parameters
    ----------
    z : array-like of shape (m,) or None
        The sketch (``None``: not checked).
    frequencies : array-like of shape (d, m)
        The frequencies.
    centers : array-like of shape (K, d), default=None
        Locations of the atoms.
    variances : None or array-like of shape (K,) or (K, d), default=None
        Variances of the atoms.
    weights : array-like of shape (K,), default=None
        Weights of the atoms.

    Returns
    -------
    z, frequencies, centers, variances, weights : ndarray
        Validated arrays (``None`` where ``None`` was given).
    """
    frequencies = as_float_array(frequencies, "frequencies", 2)
    check_frequency_range(frequencies)
    d, m = frequencies.shape
    if z is not None:
        z = as_sketch_vector(z, nonzero=nonzero)
        if z.shape[0] != m:
            raise ValueError(
                f"the sketch has {z.shape[0]} entries but frequencies has {m} columns")
    K = None
    if centers is not None:
        centers = as_float_array(centers, "centers", 2)
        K = centers.shape[0]
        if centers.shape[1] != d:
            raise ValueError(
                f"centers has {centers.shape[1]} features but frequencies has {d} rows")
    if variances is not None:
        variances = as_float_array(variances, "variances", min(max(np.ndim(variances), 1), 2))
        if variances.ndim not in (1, 2) or (K is not None and variances.shape[0] != K) or (
                variances.ndim == 2 and variances.shape[1] != d):
            raise ValueError(
                f"variances must have shape (K,) or (K, d) = ({K},) or ({K}, {d}), got "
                f"{variances.shape}")
        if np.any(variances < 0):
            raise ValueError("variances must be non-negative")
    if weights is not None:
        weights = as_float_array(weights, "weights", 1)
        if K is not None and weights.shape[0] != K:
            raise ValueError(f"weights has {weights.shape[0]} entries for {K} atoms")
        if np.sum(np.abs(weights)) > MAX_SKETCH_MODULUS:
            raise ValueError(
                f"the weights sum to {np.sum(np.abs(weights)):.3g} in absolute value: a "
                f"mixture fitted to a sketch has weights summing to about 1 (at most "
                f"{MAX_SKETCH_MODULUS:g} accepted)")
    if centers is not None:
        check_phases(frequencies, centers)
    return z, frequencies, centers, variances, weights


def check_n_components(n_components, m, name="n_components"):
    """A positive number of atoms, at most the number of sketch entries ``m``."""
    if not isinstance(n_components, Integral) or isinstance(n_components, bool) or (
            n_components < 1):
        raise ValueError(f"{name} must be a positive integer, got {n_components!r}")
    if n_components > m:
        raise ValueError(
            f"{name}={n_components} is more than the {m} entries of the sketch: a sketch "
            "of m numbers cannot hold more than m atoms")
    return int(n_components)


def check_variance_bounds(variance_bounds, d):
    """``(lower, upper)`` with ``0 <= lower <= upper``, scalars or per feature."""
    if variance_bounds is None:
        return None
    try:
        lo, hi = variance_bounds
    except (TypeError, ValueError):
        raise ValueError(
            f"variance_bounds must be a pair (lower, upper), got {variance_bounds!r}"
        ) from None
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    for name, b in (("lower", lo), ("upper", hi)):
        if b.ndim > 1 or (b.ndim == 1 and b.shape[0] != d):
            raise ValueError(
                f"the {name} variance bound must be a number or an array of {d} values, "
                f"got shape {b.shape}")
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)) or not np.all(np.isfinite(lo)):
        raise ValueError("variance_bounds contain NaN (or an infinite lower bound)")
    if np.any(lo < 0) or np.any(lo > hi):
        raise ValueError(
            f"variance_bounds must satisfy 0 <= lower <= upper, got {variance_bounds!r}")
    return (float(lo) if lo.ndim == 0 else lo, float(hi) if hi.ndim == 0 else hi)


#: largest magnitude of the bounds, means, variances and metric of decoder inputs (in
#: standardised coordinates they are of order 1)
MAX_INPUT_MAGNITUDE = 1e100


def _check_count_or_none(value, name):
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be None or an integer (a count), got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def check_input_fields(inputs):
    """Validate every field of a :class:`~skfrugal.decoding.DecoderInputs`.

    Returns
    -------
    fields : dict
        The fields, normalised (C-ordered float64 / complex128 / bool arrays, a float
        ``scale``, an int or ``None`` ``n_samples``).
    """
    if isinstance(inputs, str) or not all(
            hasattr(inputs, f) for f in ("z", "frequencies", "lower", "upper")):
        raise TypeError(f"inputs must be a DecoderInputs, got {type(inputs).__name__}")
    z, frequencies, _, _, _ = check_problem(inputs.z, inputs.frequencies)
    d, m = frequencies.shape
    out = {"z": z, "frequencies": frequencies}
    for name in ("lower", "upper", "data_mean", "data_var", "metric"):
        value = as_float_array(getattr(inputs, name), f"inputs.{name}", 1)
        if value.shape[0] != d:
            raise ValueError(f"inputs.{name} has {value.shape[0]} values for {d} features")
        out[name] = value
    active = np.asarray(inputs.active)
    if active.dtype != bool or active.ndim != 1 or int(active.sum()) != d:
        raise ValueError(f"inputs.active must be a 1-D boolean array with {d} True values "
                         f"(the active features), got {inputs.active!r}")
    out["active"] = np.ascontiguousarray(active)
    for name in ("centre", "mean", "std"):
        value = as_float_array(getattr(inputs, name), f"inputs.{name}", 1)
        if value.shape != active.shape:
            raise ValueError(f"inputs.{name} has shape {value.shape}, inputs.active "
                             f"{active.shape}")
        out[name] = value
    for name in ("lower", "upper", "data_mean", "data_var", "metric", "centre"):
        if np.max(np.abs(out[name])) > MAX_INPUT_MAGNITUDE:
            raise ValueError(
                f"inputs.{name} reaches {np.max(np.abs(out[name])):.3g}: decoder inputs are "
                f"in standardised coordinates (at most {MAX_INPUT_MAGNITUDE:g})")
    if np.any(out["lower"] > out["upper"]):
        raise ValueError("inputs.lower must not exceed inputs.upper")
    if np.any(out["data_var"] < 0) or not np.all(out["metric"] > 0):
        raise ValueError("inputs.data_var must be >= 0 and inputs.metric > 0")
    if not np.all(out["std"] > 0):
        raise ValueError("inputs.std must be > 0")
    check_phases(frequencies, out["lower"], out["upper"], out["data_mean"])
    scale = inputs.scale
    if isinstance(scale, np.ndarray) and scale.ndim == 0:
        scale = scale.item()
    if not isinstance(scale, Real) or isinstance(scale, bool) or not (
            np.isfinite(scale) and scale > 0):
        raise ValueError(f"inputs.scale must be a positive number, got {inputs.scale!r}")
    out["scale"] = float(scale)
    out["n_samples"] = _check_count_or_none(inputs.n_samples, "inputs.n_samples")
    for name, positive in (("feature_power", True), ("noise_var", False),
                           ("harmonic_var", False)):
        out[name] = check_nonnegative_number(getattr(inputs, name), f"inputs.{name}",
                                             positive=positive)
    return out



def check_inputs(inputs, n_components=None):
    """Check a :class:`~skfrugal.decoding.DecoderInputs` before a decoder reads it.

    Parameters
    ----------
    inputs : DecoderInputs
        The decoder inputs.
    n_components : int, default=None
        Number of atoms asked for (checked against the sketch size).

    Returns
    -------
    n_components : int or None
    """
    from skfrugal.decoding._inputs import DecoderInputs

    if not isinstance(inputs, DecoderInputs):
        raise TypeError(f"inputs must be a DecoderInputs, got {type(inputs).__name__}")
    fields = check_input_fields(inputs)
    for name, value in fields.items():
        current = getattr(inputs, name)
        if isinstance(value, np.ndarray) and not (
                isinstance(current, np.ndarray) and current.dtype == value.dtype):
            raise TypeError(f"inputs.{name} must be an ndarray of dtype {value.dtype}, got "
                            f"{type(current).__name__} (build DecoderInputs to convert it)")
    if n_components is not None:
        return check_n_components(n_components, fields["frequencies"].shape[1])
    return None


def check_levels(levels):
    """Bandwidth multipliers: a non-empty 1-D array of finite values >= 1, increasing."""
    levels = as_float_array(levels, "levels", 1)
    if np.any(levels < 1) or np.any(np.diff(levels) <= 0) or np.any(levels > 1e6):
        raise ValueError(f"levels must be increasing bandwidth multipliers in [1, 1e6], got "
                         f"{levels.tolist()}")
    return tuple(float(v) for v in levels)


def check_box(lower, upper, d):
    """Bounds ``lower <= upper`` of ``d`` features (finite)."""
    lower = as_float_array(lower, "lower", 1)
    upper = as_float_array(upper, "upper", 1)
    if lower.shape[0] != d or upper.shape[0] != d:
        raise ValueError(
            f"lower and upper must have {d} values, got {lower.shape[0]} and {upper.shape[0]}")
    if np.any(lower > upper):
        raise ValueError("lower must not exceed upper")
    return lower, upper


def _check_metric(metric, d):
    if metric is None:
        return None
    metric = as_float_array(metric, "metric", 1)
    if metric.shape[0] != d or np.any(metric <= 0):
        raise ValueError(f"metric must hold {d} positive values, got {metric!r}")
    return metric
