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

With a ``dither`` (1-bit quantized features, ``FourierSketcher(quantization="1bit")``)
each feature is ``[sign cos(Ωᵀx̃ + ξ), -sign sin(Ωᵀx̃ + ξ)]`` instead (the quantized
variant of the fused kernel in float32, NumPy's ``cos``, ``sin`` and a sign test in
float64). With ``clip`` (a public box, ``FourierSketcher(bounds=...)``) every sample is
clipped into the box before it is centred.

These functions are module-level and take plain arrays so that Dask (or Ray, or Spark)
workers can import and call them on their own chunks.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from ._fused import TILE, feature_sums, quantize32, quantized_feature_sums, sincos32
from ._moments import RunningMoments
from ._projection import project_rows


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


def _tile_kernel(w, dither):
    """The fused kernel as ``f(x, first_tile, last_tile, cos_part, sin_part, phases)``."""
    if dither is None:
        return lambda x, *args: feature_sums(x, w, *args)
    return lambda x, *args: quantized_feature_sums(x, w, dither, *args)


def _add_feature_sums(xc, w, cos_sum, sin_sum, n_jobs, work, dither=None):
    """Add ``Σ_i cos`` and ``Σ_i sin`` of the batch's phases ``xc @ w`` to the sums.

    float32: the fused kernel over tiles, shared among ``n_jobs`` threads, the tiles'
    sums added in tile order. float64: the numba projection, then NumPy's ``cos`` and
    ``sin`` (``work`` holds the phase and trigonometric buffers). With a ``dither``
    (of the dtype of ``w``), the sums are of the signs of the cosine and sine of the
    dithered phases.
    """
    b, m = xc.shape[0], w.shape[1]
    if w.dtype == np.float32:
        x32 = np.ascontiguousarray(xc, dtype=np.float32)
        kernel = _tile_kernel(w, dither)
        n_tiles = -(-b // TILE)
        cos_part = np.empty((n_tiles, m))
        sin_part = np.empty((n_tiles, m))
        n_jobs = min(n_jobs, n_tiles)
        if n_jobs == 1:
            kernel(x32, 0, n_tiles, cos_part, sin_part, work[0])
        else:
            bounds = np.linspace(0, n_tiles, n_jobs + 1).astype(np.int64)
            jobs = [_pool(n_jobs).submit(kernel, x32, int(bounds[k]), int(bounds[k + 1]),
                                         cos_part, sin_part, work[k])
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
    if dither is not None:
        p += dither
    np.cos(p, out=t)
    cos_sum += (t if dither is None else _sign(t)).sum(axis=0, dtype=np.float64)
    np.sin(p, out=t)
    sin_sum += (t if dither is None else _sign(t)).sum(axis=0, dtype=np.float64)


def _sign(t):
    """``±1`` by the sign of ``t`` (zero counts as +1), of the dtype of ``t``."""
    return np.where(t >= 0, 1.0, -1.0).astype(t.dtype, copy=False)


def _check_finite_batch(batch, rows):
    bmin, bmax = batch.min(), batch.max()  # NaN and inf propagate here
    if not (np.isfinite(bmin) and np.isfinite(bmax)):
        raise ValueError(f"X contains NaN or infinity (in rows {rows[0]} to {rows[1]} "
                         "of the chunk)")


def _centred_batch(X, start, stop, mean, clip=None):
    """Rows ``start:stop`` of X (clipped into the box ``clip``) minus ``mean``, in float64
    (float32 for float32 data).

    Centring comes before the (possibly float32) projection so that data far from the
    origin keeps its precision. Clipping comes after a check that the batch is finite
    (so that infinity is refused, not clipped).
    """
    batch = np.asarray(X[start:stop])
    if batch.dtype.kind not in "fiub":
        raise TypeError(f"X must hold real numbers, got dtype {batch.dtype}")
    work = np.float32 if batch.dtype == np.float32 else np.float64
    batch = batch.astype(work, copy=False)
    if clip is not None:
        _check_finite_batch(batch, (start, stop - 1))
        batch = np.clip(batch, clip[0].astype(work), clip[1].astype(work))
    return batch - mean.astype(work, copy=False)


def _project(xc, w, out):
    """Phases ``xc @ w`` into ``out``, invariant to how the rows are batched."""
    project_rows(np.ascontiguousarray(xc, dtype=w.dtype), w, out)
    return out


def sketch_chunk(X, weights, mean, dtype=np.float32, batch_size=None, n_jobs=1,
                 dither=None, clip=None):
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
        Rows per batch; ``None``: see :func:`auto_batch_size`.
    n_jobs : int, default=1
        Threads sharing each batch (float32 only); ``-1``: all CPUs. The result is
        the same bit for bit whatever ``n_jobs``.
    dither : ndarray of shape (n_frequencies,), default=None
        With a dither ``ξ``, the features are 1-bit quantized: ``sign cos(φ + ξ) - i
        sign sin(φ + ξ)`` of the phases ``φ``.
    clip : ndarray of shape (2, n_features), default=None
        A box ``[lower, upper]`` into which every sample is clipped first.

    Returns
    -------
    feature_sum : ndarray of shape (n_frequencies,), complex128
        ``Σ_i exp(-i weightsᵀ (x_i - mean))`` (or the sum of the quantized features).
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
    if dither is not None:
        dither = np.ascontiguousarray(dither, dtype=dtype)
    if clip is not None:
        clip = np.asarray(clip, dtype=np.float64)
    batch_size = auto_batch_size(m, dtype) if batch_size is None else int(batch_size)
    n_jobs = check_n_jobs(n_jobs)
    cos_sum = np.zeros(m)
    sin_sum = np.zeros(m)
    moments = RunningMoments(d)
    if dtype == np.float32:
        work = [np.empty((4, m), dtype=np.float32) for _ in range(n_jobs)]
    else:
        work = (np.empty((min(batch_size, n), m), dtype=dtype),
                np.empty((min(batch_size, n), m), dtype=dtype))
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        # moments of the centred batch in float64 (raises on NaN and infinity)
        xc = moments.add(_centred_batch(X, start, stop, mean, clip), rows=(start, stop - 1))
        _add_feature_sums(xc, w, cos_sum, sin_sum, n_jobs, work, dither)
    return (cos_sum - 1j * sin_sum, n, *moments.stats(shift=mean))


def fourier_features(X, weights, mean, dtype=np.float32, out_dtype=np.float64, batch_size=None,
                     dither=None, clip=None):
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
    dither : ndarray of shape (n_frequencies,), default=None
        With a dither, the 1-bit quantized features ``[sign cos(Ωᵀx̃ + ξ), -sign
        sin(Ωᵀx̃ + ξ)] / sqrt(m)``.
    clip : ndarray of shape (2, n_features), default=None
        A box into which every sample is clipped first.

    Returns
    -------
    features : ndarray of shape (n_samples, 2 * n_frequencies)
    """
    n = X.shape[0]
    m = weights.shape[1]
    w = np.ascontiguousarray(weights, dtype=dtype)
    if dither is not None:
        dither = np.ascontiguousarray(dither, dtype=dtype)
    if clip is not None:
        clip = np.asarray(clip, dtype=np.float64)
    batch_size = auto_batch_size(m) if batch_size is None else int(batch_size)
    out = np.empty((n, 2 * m), dtype=out_dtype)
    norm = 1.0 / np.sqrt(m)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        xc = _centred_batch(X, start, stop, mean, clip)
        p = _project(xc, w, np.empty((stop - start, m), dtype))
        if p.dtype == np.float32 and dither is not None:  # the sketch kernel's signs
            sin_p, cos_p = np.empty_like(p), np.empty_like(p)
            quantize32(p, dither, sin_p, cos_p)
        elif p.dtype == np.float32:  # the sketch's own sine-cosine: the same features
            sin_p, cos_p = np.empty_like(p), np.empty_like(p)
            sincos32(p.ravel(), sin_p.ravel(), cos_p.ravel())
        elif dither is not None:
            p += dither
            sin_p, cos_p = _sign(np.sin(p)), _sign(np.cos(p))
        else:
            sin_p, cos_p = np.sin(p), np.cos(p)
        out[start:stop, :m] = cos_p.astype(out_dtype) * norm
        out[start:stop, m:] = sin_p.astype(out_dtype) * -norm
    return out
