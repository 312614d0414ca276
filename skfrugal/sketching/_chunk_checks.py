"""Checks of the chunk functions' arguments, and their exact power-of-two rescaling.

The chunk functions (:func:`~skfrugal.sketching.sketch_chunk`,
:func:`~skfrugal.sketching.fourier_features`,
:func:`~skfrugal.sketching.fourier_sketch_chunk`) are public: Dask, Ray or Spark
workers call them on their own partitions. Their arguments are checked here before any
numba kernel sees them: shapes that agree, real finite frequencies and centres, a known
precision. ``X`` is checked lazily (shape and dtype, no copy: it may be a memmap or an
h5py dataset); its finiteness is checked batch by batch by the kernels.

Scale. The float32 kernel cannot hold data or frequencies beyond about ``1e±38``, but
the phases ``ωᵀ(x - mean)`` only depend on the product of the two. When the frequencies'
typical magnitude is far from 1 (standardised data at 1e-300 has frequencies near
1e300), the data is multiplied by a power of two and the frequencies divided by it:
exact, so the features are the same, and the moments are scaled back exactly.
"""

import numpy as np
from sklearn.utils.validation import check_array

#: largest phase bound accepted (radians): beyond it no floating-point cosine means much
MAX_PHASE = 2.0**50
#: frequencies of typical magnitude within 2^±30 are used as they are (no rescaling)
_FREE_EXPONENT = 30


class ScaledRows:
    """Rows of ``X`` multiplied by ``2**shift`` (in float64) when sliced.

    Multiplying by a power of two is exact (short of overflow or subnormals), so the
    chunk functions see the same data in another binary exponent range.
    """

    def __init__(self, X, shift):
        self.X = X
        self.shift = int(shift)
        self.shape = tuple(X.shape)
        self.ndim = 2
        self.dtype = np.dtype(np.float64)

    def __getitem__(self, key):
        return np.ldexp(np.asarray(self.X[key], dtype=np.float64), self.shift)


def check_chunk_data(X, n_features, name="weights"):
    """Check ``X`` without reading it: a 2D real array of ``n_features`` columns.

    Objects without ``shape`` and ``dtype`` (lists, DataFrames) are converted with
    :func:`numpy.asarray`; arrays, memmaps and datasets sliceable by rows are kept.
    """
    if not (hasattr(X, "shape") and hasattr(X, "dtype")):
        X = np.asarray(X)
    dtype = np.dtype(X.dtype)
    if dtype.kind == "c":
        raise TypeError(f"X must hold real numbers, got complex dtype {dtype}")
    if dtype.kind not in "fiub":
        raise TypeError(f"X must hold real numbers, got dtype {dtype}")
    if len(X.shape) != 2:
        raise ValueError(
            f"X must be a 2D array of shape (n_samples, n_features), got shape {X.shape}")
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but {name} has {n_features} rows: they must agree")
    return X


def check_frequencies(weights, name="weights", min_frequencies=0):
    """A finite real float64 matrix of shape (n_features >= 1, m >= min_frequencies),
    C-contiguous."""
    weights = check_array(weights, dtype=np.float64, order="C",
                          ensure_min_features=min_frequencies, input_name=name)
    return np.require(weights, requirements=["C", "W"])


def check_vector(value, name, size, positive=False):
    """A finite real float64 vector of ``size`` entries (positive ones if asked)."""
    value = check_array(value, dtype=np.float64, ensure_2d=False, input_name=name)
    if value.ndim != 1 or value.shape[0] != size:
        raise ValueError(f"{name} must have shape ({size},), got shape {value.shape}")
    if positive and not np.all(value > 0):
        raise ValueError(f"{name} must be positive, got minimum {value.min():.3g}")
    return np.require(value, requirements=["C", "W"])


def check_precision(dtype, name="dtype"):
    """``numpy.float32`` or ``numpy.float64`` from any spelling of them."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"{name} must be float32 or float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64, got {dtype}")
    return dtype


def frequency_shift(weights):
    """Binary exponent ``e`` such that ``weights * 2**-e`` is of typical magnitude 1.

    0 when the median exponent of the nonzero entries is within ``2^±30`` (the usual
    case: nothing is rescaled).
    """
    magnitudes = np.abs(weights[weights != 0])
    if magnitudes.size == 0:
        return 0
    shift = int(np.median(np.frexp(magnitudes)[1]))
    return shift if abs(shift) > _FREE_EXPONENT else 0


def phase_bound(weights, mean, data_min, data_max):
    """An upper bound of ``|ωᵀ(x - mean)|`` over data between ``data_min`` and
    ``data_max`` (per feature), in radians."""
    if weights.shape[1] == 0:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        reach = np.maximum(np.abs(data_min - mean), np.abs(data_max - mean))
        bound = float(np.sum(reach * np.abs(weights).max(axis=1)))
    return bound if np.isfinite(bound) else np.inf


def check_phases(bound):
    """Refuse phases beyond :data:`MAX_PHASE` (their cosines are rounding noise)."""
    if not bound <= MAX_PHASE:
        raise ValueError(
            f"the phases of the data reach {bound:.3g} radians (more than {MAX_PHASE:.3g}): "
            "the data is too far from `mean` for these frequencies, and the cosine of such "
            "a phase is rounding noise; rescale X or the frequencies")
