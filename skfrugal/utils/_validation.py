"""Validation helpers shared by the subpackages."""

import os
from numbers import Real

import numpy as np


def physical_memory():
    """Bytes of physical memory of this machine, or ``None`` where it is unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _human(nbytes):
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1000
    return f"{nbytes:.3g} EB"  # pragma: no cover - not reached


def check_finite_output(value, what, X):
    """Return ``value``, or refuse it by name if it overflowed to infinity or NaN.

    A model's output on data far outside float64's comfortable range (distances of
    points near 1e300, their squares, log-densities) overflows; it is refused with the
    magnitude of X rather than returned as inf or NaN.

    Parameters
    ----------
    value : float or ndarray
        The computed output.
    what : str
        What it is, for the message.
    X : ndarray
        The data it was computed from.

    Returns
    -------
    value : float or ndarray

    Raises
    ------
    ValueError
        If ``value`` holds NaN or infinity.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.utils._validation import check_finite_output
    >>> check_finite_output(2.0, "the score", np.ones(3))
    2.0
    >>> check_finite_output(np.inf, "the score", np.full(3, 1e300))
    Traceback (most recent call last):
    ...
    ValueError: the score overflows float64: X has values up to 1e+300; rescale X...
    """
    if not np.all(np.isfinite(value)):
        peak = float(np.max(np.abs(X))) if np.size(X) else 0.0
        raise ValueError(f"{what} overflows float64: X has values up to {peak:.3g}; rescale "
                         "X (and refit) to work in units where its squares are finite")
    return value


def check_allocation(shape, dtype, name):
    """Refuse to allocate an array larger than the machine's physical memory.

    A size parameter that is valid but huge (a billion samples) would otherwise fail
    late, after minutes of work or swapping, or exhaust the machine. The check costs
    nothing and names the parameter.

    Parameters
    ----------
    shape : tuple of int
        Shape of the array about to be allocated.
    dtype : dtype
        Its dtype.
    name : str
        What the array is, for the message (e.g. ``"X (n_samples, n_features)"``).

    Raises
    ------
    ValueError
        If the array needs more bytes than the machine has of physical memory.

    Examples
    --------
    >>> from skfrugal.utils._validation import check_allocation
    >>> check_allocation((1000, 10), "float64", "X")
    >>> check_allocation((10**12, 10**3), "float64", "X")
    Traceback (most recent call last):
    ...
    ValueError: X of shape (1000000000000, 1000) needs 8e+15 B...
    """
    nbytes = float(np.prod([float(s) for s in shape])) * np.dtype(dtype).itemsize
    limit = physical_memory()
    if limit is not None and nbytes > limit:
        raise ValueError(
            f"{name} of shape {tuple(int(s) for s in shape)} needs {nbytes:.3g} B "
            f"({_human(nbytes)}), more than the {_human(limit)} of memory of this machine"
        )


def check_nonnegative_number(value, name, positive=False):
    """``value`` as a finite float ``>= 0`` (``> 0`` if ``positive``), or raise."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return value
