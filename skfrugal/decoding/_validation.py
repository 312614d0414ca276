"""Checks at the boundary of the decoding layer: nothing unchecked reaches a kernel.

The numba kernels and ``scipy.optimize.nnls`` trust their inputs (an empty or
mis-shaped array is an out-of-bounds access or a process abort), so every public
function of :mod:`skfrugal.decoding` validates its arguments here first: shapes that
agree, at least one atom, frequency and feature, finite values, bounds in order.
"""

from numbers import Integral

import numpy as np


def as_float_array(value, name, ndim, allow_empty=False):
    """``value`` as a C-ordered float64 array of ``ndim`` dimensions, finite."""
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real, got a complex array")
    try:
        array = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinity")
    return array


def as_sketch_vector(z, name="z"):
    """``z`` as a non-empty, finite, 1-D complex128 array."""
    try:
        z = np.asarray(z, dtype=np.complex128)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} contains NaN or infinity")
    return z


def check_problem(z, frequencies, centers=None, variances=None, weights=None):
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
    d, m = frequencies.shape
    if z is not None:
        z = as_sketch_vector(z)
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
        variances = np.asarray(variances, dtype=np.float64)
        variances = as_float_array(variances, "variances", max(variances.ndim, 1))
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
    z, frequencies, _, _, _ = check_problem(inputs.z, inputs.frequencies)
    d, m = frequencies.shape
    for name in ("lower", "upper", "data_mean", "data_var", "metric"):
        value = as_float_array(getattr(inputs, name), name, 1)
        if value.shape[0] != d:
            raise ValueError(f"inputs.{name} has {value.shape[0]} values for {d} features")
    if np.any(inputs.lower > inputs.upper):
        raise ValueError("inputs.lower must not exceed inputs.upper")
    if np.any(inputs.data_var < 0) or np.any(inputs.metric <= 0):
        raise ValueError("inputs.data_var must be >= 0 and inputs.metric > 0")
    scale = float(inputs.scale)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"inputs.scale must be a positive number, got {inputs.scale!r}")
    if inputs.n_samples is not None and int(inputs.n_samples) < 1:
        raise ValueError(f"inputs.n_samples must be >= 1, got {inputs.n_samples!r}")
    if n_components is not None:
        return check_n_components(n_components, m)
    return None


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
