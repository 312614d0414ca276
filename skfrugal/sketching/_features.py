"""Batched random Fourier features: the hot loop of sketching.

Sign convention: the sketch of a sample ``x`` is ``exp(-i Ωᵀ x̃)`` with
``x̃ = (x - mean) / std``; in real form ``[cos(Ωᵀ x̃), -sin(Ωᵀ x̃)]``.

In float32 (the default) the sums come from the fused kernel of
:mod:`skfrugal.sketching._fused`: projection, a vectorised float32 sine-cosine and
float64 accumulation in one pass over tiles of 256 rows, the tiles shared among
``n_jobs`` threads and their sums added in tile order (the same sketch, bit for bit,
whatever ``n_jobs``). In float64 the projection is the numba loop of
``_projection.py`` and the trigonometric functions are NumPy's. Each sample's features
are the same whatever batch it falls in, and only the float64 sums see the batching:
sketches of different chunkings of the same data agree to float64 rounding. Measured
figures are in ``benchmarks/bench_sketch.py``.

These functions are module-level and take plain arrays so that Dask (or Ray, or Spark)
workers can import and call them on their own chunks.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from ._fused import TILE, feature_sums, sincos32
from ._projection import project_rows
from ._structured import StructuredFrequencies, structured_feature_sums


def auto_batch_size(n_frequencies, dtype=np.float64):
    """Rows per batch.

    float64 (phases stored per batch): about 4 MB of phases, 256 to 8192 rows.
    float32 (fused kernel: only the per-tile sums are stored): about 1 MB of them,
    1024 to 65536 rows, so that a batch holds enough tiles to share among threads.
    """
    if np.dtype(dtype) == np.float32:
        return int(np.clip(2**24 // max(n_frequencies, 1), 1024, 65536))
    return int(np.clip(2**20 // max(n_frequencies, 1), 256, 8192))


@lru_cache(maxsize=8)
def _pool(n_jobs):
    """A thread pool of ``n_jobs`` workers, kept for the process (the kernel releases
    the GIL, so threads run it in parallel)."""
    return ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="skfrugal-sketch")


def check_n_jobs(n_jobs):
    """Number of threads for ``n_jobs`` (``None`` -> 1, ``-1`` -> all CPUs, as joblib)."""
    from joblib import effective_n_jobs

    if n_jobs is not None and (not isinstance(n_jobs, (int, np.integer))
                               or isinstance(n_jobs, bool) or n_jobs == 0):
        raise ValueError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r}")
    return max(1, int(effective_n_jobs(n_jobs)))


def _add_feature_sums(xc, w, cos_sum, sin_sum, n_jobs, work):
    """Add ``Σ_i cos`` and ``Σ_i sin`` of the batch's phases ``xc @ w`` to the sums.

    float32: the fused kernel over tiles, shared among ``n_jobs`` threads, the tiles'
    sums added in tile order. float64: the numba projection, then NumPy's ``cos`` and
    ``sin`` (``work`` holds the phase and trigonometric buffers).
    """
    b, m = xc.shape[0], w.shape[1]
    if w.dtype == np.float32:
        kernel = (structured_feature_sums if isinstance(w, StructuredFrequencies)
                  else feature_sums)
        x32 = np.ascontiguousarray(xc, dtype=np.float32)
        n_tiles = -(-b // TILE)
        cos_part = np.empty((n_tiles, m))
        sin_part = np.empty((n_tiles, m))
        n_jobs = min(n_jobs, n_tiles)
        if n_jobs == 1:
            kernel(x32, w, 0, n_tiles, cos_part, sin_part, work[0])
        else:
            bounds = np.linspace(0, n_tiles, n_jobs + 1).astype(np.int64)
            jobs = [_pool(n_jobs).submit(kernel, x32, w, int(bounds[k]),
                                         int(bounds[k + 1]), cos_part, sin_part, work[k])
                    for k in range(n_jobs)]
            for job in jobs:
                job.result()
        for t in range(n_tiles):  # in tile order: the same sums whatever n_jobs
            cos_sum += cos_part[t]
            sin_sum += sin_part[t]
        return
    phases, trig = work
    p, t = phases[:b], trig[:b]
    _project(xc, w, p)
    np.cos(p, out=t)
    cos_sum += t.sum(axis=0, dtype=np.float64)
    np.sin(p, out=t)
    sin_sum += t.sum(axis=0, dtype=np.float64)


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
    x = np.ascontiguousarray(xc, dtype=w.dtype)
    if isinstance(w, StructuredFrequencies):
        return w.project(x, out)
    project_rows(x, w, out)
    return out


def _as_weights(weights, dtype):
    """The frequency matrix (dense array or :class:`StructuredFrequencies`) in ``dtype``."""
    if isinstance(weights, StructuredFrequencies):
        return weights.astype(dtype)
    return np.ascontiguousarray(weights, dtype=dtype)


def sketch_chunk(X, weights, mean, dtype=np.float32, batch_size=None, n_jobs=1):
    """Sum the Fourier features and the moments of one chunk of samples.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        A chunk of samples: any object sliceable by rows into NumPy arrays (ndarray,
        memmap, h5py or zarr dataset).
    weights : ndarray of shape (n_features, n_frequencies) or StructuredFrequencies
        The effective frequency matrix ``Ω / std[:, None]`` (standardisation folded in).
    mean : ndarray of shape (n_features,)
        The centre subtracted before projection.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Precision of the projection and of the trigonometric functions; sums are
        always float64.
    batch_size : int, default=None
        Rows per batch; ``None``: see :func:`auto_batch_size`.
    n_jobs : int, default=1
        Threads sharing each batch (float32 only); ``-1``: all CPUs. The result is
        the same bit for bit whatever ``n_jobs``.

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
    w = _as_weights(weights, dtype)
    batch_size = auto_batch_size(m, dtype) if batch_size is None else int(batch_size)
    n_jobs = check_n_jobs(n_jobs)
    cos_sum = np.zeros(m)
    sin_sum = np.zeros(m)
    data_min = np.full(d, np.inf)
    data_max = np.full(d, -np.inf)
    count, data_mean, data_m2 = 0, np.zeros(d), np.zeros(d)
    if dtype == np.float32:
        work = [w.work_space() if isinstance(w, StructuredFrequencies)
                else np.empty((4, m), dtype=np.float32) for _ in range(n_jobs)]
    else:
        work = (np.empty((min(batch_size, n), m), dtype=dtype),
                np.empty((min(batch_size, n), m), dtype=dtype))
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        xc = _centred_batch(X, start, stop, mean)
        b = stop - start
        bmin, bmax = xc.min(axis=0), xc.max(axis=0)  # NaN and inf propagate here
        if not (np.isfinite(bmin).all() and np.isfinite(bmax).all()):
            raise ValueError(
                f"X contains NaN or infinity (in rows {start} to {stop - 1} of the chunk)"
            )
        _add_feature_sums(xc, w, cos_sum, sin_sum, n_jobs, work)
        # moments of the centred batch in float64, merged with Chan's formulas
        xb = xc.astype(np.float64, copy=False)
        bmean = xb.mean(axis=0)
        bm2 = ((xb - bmean) ** 2).sum(axis=0)
        delta = bmean - data_mean
        total = count + b
        data_m2 += bm2 + delta**2 * (count * b / total)
        data_mean += delta * (b / total)
        count = total
        np.minimum(data_min, bmin, out=data_min)
        np.maximum(data_max, bmax, out=data_max)
    centre = np.asarray(mean, dtype=np.float64)
    return (
        cos_sum - 1j * sin_sum,
        n,
        data_min + centre,
        data_max + centre,
        data_mean + centre,
        data_m2,
    )


def fourier_features(X, weights, mean, dtype=np.float32, out_dtype=np.float64, batch_size=None):
    """Return the per-sample features ``[cos(Ωᵀx̃), -sin(Ωᵀx̃)] / sqrt(m)``.

    With this normalisation the inner product of two samples' features approximates
    the kernel ``κ(x̃ - ỹ) = E_ω cos(ωᵀ(x̃ - ỹ))``, as for
    :class:`sklearn.kernel_approximation.RBFSampler`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite samples.
    weights : ndarray of shape (n_features, n_frequencies) or StructuredFrequencies
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
    w = _as_weights(weights, dtype)
    batch_size = auto_batch_size(m) if batch_size is None else int(batch_size)
    out = np.empty((n, 2 * m), dtype=out_dtype)
    norm = 1.0 / np.sqrt(m)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        p = _project(_centred_batch(X, start, stop, mean), w, np.empty((stop - start, m), dtype))
        if p.dtype == np.float32:  # the sketch's own sine-cosine: the same features
            sin_p, cos_p = np.empty_like(p), np.empty_like(p)
            sincos32(p.ravel(), sin_p.ravel(), cos_p.ravel())
        else:
            sin_p, cos_p = np.sin(p), np.cos(p)
        out[start:stop, :m] = cos_p.astype(out_dtype) * norm
        out[start:stop, m:] = sin_p.astype(out_dtype) * -norm
    return out
