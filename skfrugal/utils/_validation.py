"""Validation helpers shared by the subpackages."""

import os

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
