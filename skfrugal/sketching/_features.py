"""Batched random Fourier features: the hot loop of sketching.

Sign convention: the sketch of a sample ``x`` is ``exp(-i Ωᵀ x̃)`` with
``x̃ = (x - mean) / std``; in real form ``[cos(Ωᵀ x̃), -sin(Ωᵀ x̃)]``.

The projection ``Ωᵀ x̃`` is a numba loop over a batch of rows (``_projection.py``), the
trigonometric functions are NumPy's vectorised float32 (or float64) loops, and the sums
over samples are accumulated in float64. Measured on one core (n=1e5, d=10, m=1000): about 195 M
features/s in float32, against 18 M/s for complex128 ``np.exp(1j * ...)`` and 23-30 M/s
for a scalar numba loop, which does not vectorise sin and cos. Each sample's float32
features are the same whatever batch it falls in, and only the float64 sums see the
batching: sketches of different chunkings of the same data agree to float64 rounding.

These functions are module-level and take plain arrays so that Dask (or Ray, or Spark)
workers can import and call them on their own chunks.
"""

import numpy as np

from ._moments import RunningMoments
from ._projection import project_rows


def auto_batch_size(n_frequencies):
    """Rows per batch so that a batch of phases takes about 4 MB (256 to 8192 rows)."""
    return int(np.clip(2**20 // max(n_frequencies, 1), 256, 8192))


def _centred_batch(X, start, stop, mean):
    """Rows ``start:stop`` of X minus ``mean``, in float64 (float32 for float32 data).

    Centring comes before the (possibly float32) projection so that data far from the
    origin keeps its precision.
    """
    batch = np.asarray(X[start:stop])
    if batch.dtype.kind not in "fiub":
        raise TypeError(f"X must hold real numbers, got dtype {batch.dtype}")
    work = np.float32 if batch.dtype == np.float32 else np.float64
    return batch.astype(work, copy=False) - mean.astype(work, copy=False)


def _project(xc, w, out):
    """Phases ``xc @ w`` into ``out``, invariant to how the rows are batched."""
    project_rows(np.ascontiguousarray(xc, dtype=w.dtype), w, out)
    return out


def sketch_chunk(X, weights, mean, dtype=np.float32, batch_size=None):
    """Sum the Fourier features and the moments of one chunk of samples.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        A chunk of samples: any object sliceable by rows into NumPy arrays (ndarray,
        memmap, h5py or zarr dataset).
    weights : ndarray of shape (n_features, n_frequencies)
        The effective frequency matrix ``Ω / std[:, None]`` (standardisation folded in).
    mean : ndarray of shape (n_features,)
        The centre subtracted before projection.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Precision of the projection and of the trigonometric functions; sums are
        always float64.
    batch_size : int, default=None
        Rows per batch; ``None`` picks about 4 MB of phases per batch.

    Returns
    -------
    feature_sum : ndarray of shape (n_frequencies,), complex128
        ``Σ_i exp(-i weightsᵀ (x_i - mean))``.
    n_samples : int
    data_min, data_max, data_mean, data_m2 : ndarray of shape (n_features,)
        Per-feature minimum, maximum, mean and sum of squared deviations.

    Raises
    ------
    ValueError
        If the chunk holds NaN or infinity.
    """
    n, d = X.shape
    m = weights.shape[1]
    dtype = np.dtype(dtype)
    w = np.ascontiguousarray(weights, dtype=dtype)
    batch_size = auto_batch_size(m) if batch_size is None else int(batch_size)
    cos_sum = np.zeros(m)
    sin_sum = np.zeros(m)
    moments = RunningMoments(d)
    phases = np.empty((min(batch_size, n), m), dtype=dtype)
    trig = np.empty_like(phases)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        # moments of the centred batch in float64 (raises on NaN and infinity)
        xc = moments.add(_centred_batch(X, start, stop, mean), rows=(start, stop - 1))
        b = stop - start
        p, t = phases[:b], trig[:b]
        _project(xc, w, p)
        np.cos(p, out=t)
        cos_sum += t.sum(axis=0, dtype=np.float64)
        np.sin(p, out=t)
        sin_sum += t.sum(axis=0, dtype=np.float64)
    return (cos_sum - 1j * sin_sum, n, *moments.stats(shift=mean))


def fourier_features(X, weights, mean, dtype=np.float32, out_dtype=np.float64, batch_size=None):
    """Return the per-sample features ``[cos(Ωᵀx̃), -sin(Ωᵀx̃)] / sqrt(m)``.

    With this normalisation the inner product of two samples' features approximates
    the kernel ``κ(x̃ - ỹ) = E_ω cos(ωᵀ(x̃ - ỹ))``, as for
    :class:`sklearn.kernel_approximation.RBFSampler`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite samples.
    weights : ndarray of shape (n_features, n_frequencies)
        Effective frequency matrix ``Ω / std[:, None]``.
    mean : ndarray of shape (n_features,)
        Centre subtracted before projection.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Precision of the computation.
    out_dtype : {numpy.float32, numpy.float64}, default=numpy.float64
        Dtype of the output.
    batch_size : int, default=None
        Rows per batch.

    Returns
    -------
    features : ndarray of shape (n_samples, 2 * n_frequencies)
    """
    n = X.shape[0]
    m = weights.shape[1]
    w = np.ascontiguousarray(weights, dtype=dtype)
    batch_size = auto_batch_size(m) if batch_size is None else int(batch_size)
    out = np.empty((n, 2 * m), dtype=out_dtype)
    norm = 1.0 / np.sqrt(m)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        p = _project(_centred_batch(X, start, stop, mean), w, np.empty((stop - start, m), dtype))
        out[start:stop, :m] = np.cos(p) * norm
        out[start:stop, m:] = np.sin(p) * -norm
    return out
