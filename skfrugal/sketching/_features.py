"""Batched random Fourier features: the hot loop of sketching.

Sign convention: the sketch of a sample ``x`` is ``exp(-i Ωᵀ x̃)`` with
``x̃ = (x - mean) / std``; in real form ``[cos(Ωᵀ x̃), -sin(Ωᵀ x̃)]``.

In float32 (the default) the sums come from the fused kernel of
:mod:`skfrugal.sketching._fused`: projection (in half-turns), a vectorised float32
sine-cosine and exact integer sums of the features rounded to multiples of ``2^-24``, in
one pass over tiles of rows, the rows shared among ``n_jobs`` threads. Integer sums do
not depend on their order: the sketch is the same bit for bit whatever ``n_jobs``, the
batch size or the chunking. In float64 the projection is the numba loop of
``_projection.py`` and the trigonometric functions are NumPy's; each sample's features
are the same whatever batch it falls in, and sketches of different chunkings agree to
float64 rounding. Measured figures are in ``benchmarks/bench_sketch.py``.

With a ``dither`` (1-bit quantized features, ``FourierSketcher(quantization="1bit")``)
each feature is ``[sign cos(Ωᵀx̃ + ξ), -sign sin(Ωᵀx̃ + ξ)]`` instead: in float32 the
kernel of :mod:`skfrugal.sketching._quantized` (signs read from the same half-turn
phases, exact integer sums: bit-identical whatever the batching or ``n_jobs``), in
float64 NumPy's ``cos``, ``sin`` and a sign test. With ``clip`` (a public box,
``FourierSketcher(bounds=...)``) every sample is clipped into the box before it is
centred.

These functions are module-level and take plain arrays so that Dask (or Ray, or Spark)
workers can import and call them on their own chunks.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ._batch_moments import MOMENT_ROWS, RunningMoments, centre_blocks
from ._chunk_checks import (
    ScaledRows,
    check_chunk_data,
    check_frequencies,
    check_phases,
    check_precision,
    check_vector,
    frequency_shift,
    phase_bound,
)
from ._fused import SCALE, feature_sums, half_turn_blocks, half_turn_phases, sincos_pi
from ._projection import project_rows
from ._quantized import half_turn_dither, quantized_feature_sums, quantized_signs, signs64
from ._structured import StructuredFrequencies, StructuredSums


def auto_batch_size(n_frequencies, dtype=np.float64, n_features=1):
    """Rows per batch.

    float64 (phases stored per batch): about 4 MB of phases, 256 to 8192 rows.
    float32 (fused kernel: nothing stored per row but the float32 copy of the batch):
    whole blocks of :data:`~._batch_moments.MOMENT_ROWS` rows, as many as fit in a 16 MB
    float32 copy (``2^22 / n_features`` rows), 1 to 16 blocks (4096 to 65536 rows).
    Threads share a batch block by block and wait for each other at its end, so a
    batch of many equal blocks keeps every thread busy (4 blocks, the former ``2^24 /
    m`` rows at ``m = 1000``, left one of two threads idle 5 to 10 % of the time).
    """
    if np.dtype(dtype) == np.float32:
        blocks = np.clip(2**22 // max(int(n_features), 1) // MOMENT_ROWS, 1, 16)
        return int(blocks) * MOMENT_ROWS
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


class _DenseSums:
    """The fused kernel's frequency blocks (half-turns) and per-thread work space;
    ``sums(x, start, stop, cos_acc, sin_acc, k)`` adds rows ``start .. stop - 1`` with
    thread ``k``'s buffers (:class:`~._structured.StructuredSums` for structured
    frequencies). With a ``dither``, the features are 1-bit quantized: sums of ±1."""

    def __init__(self, weights, n_jobs, dither=None):
        self.m = weights.shape[1]
        self.w3 = half_turn_blocks(weights)
        # 1-bit quantized features: the dither in half-turns
        self.delta = None if dither is None else half_turn_dither(dither, self.w3)
        width = self.w3.shape[2]
        self.phases = np.empty((n_jobs, 4, width), dtype=np.float32)
        self.counts = np.empty((n_jobs, 2, width), dtype=np.int32)

    def __call__(self, x, start, stop, cos_acc, sin_acc, k):
        if self.delta is None:
            feature_sums(x, self.w3, self.m, start, stop, cos_acc, sin_acc, self.phases[k],
                         self.counts[k])
        else:
            quantized_feature_sums(x, self.w3, self.delta, self.m, start, stop, cos_acc,
                                   sin_acc, self.phases[k], self.counts[k])


class _FusedSums:
    """Integer feature sums of the fused float32 kernel, shared among threads.

    Each batch is cut into blocks of :data:`MOMENT_ROWS` rows; the threads claim the
    blocks one at a time (the next unclaimed block, so a thread slowed by another
    process takes fewer), centre each block (recording its moments) and add its rows'
    features to their own int64 accumulators. Integer addition is exact, and the blocks'
    moments are merged in block order afterwards, so the sums and moments are the same
    bit for bit whatever the number of threads and whichever thread took which block.
    """

    def __init__(self, weights, n_jobs, batch_size, n_features, dither=None):
        self.m = weights.shape[1]
        if isinstance(weights, StructuredFrequencies):  # (no dither: refused upstream)
            self.sums = StructuredSums(weights, n_jobs)
        else:
            self.sums = _DenseSums(weights, n_jobs, dither)
        self.quantized = dither is not None
        self.n_jobs = n_jobs
        self.acc = np.zeros((n_jobs, 2, self.m), dtype=np.int64)
        self.x32 = np.empty((batch_size, n_features), dtype=np.float32)

    def _run(self, raw, centre, k, blocks, stats):
        """Thread ``k``: centre and add the blocks it claims from the iterator
        ``blocks``; False if one of them is not finite."""
        x32 = self.x32[:raw.shape[0]]
        finite = True
        for b in blocks:  # next() on a shared iterator: each block goes to one thread
            if not centre_blocks(raw, centre, x32, b, b + 1, MOMENT_ROWS, stats):
                finite = False
                continue
            if self.m:
                stop = min(raw.shape[0], (b + 1) * MOMENT_ROWS)
                self.sums(x32, b * MOMENT_ROWS, stop, self.acc[k, 0], self.acc[k, 1], k)
        return finite

    def add(self, raw, centre, stats):
        """Centre a batch, fill its blocks' ``stats`` and add its features; return
        False (the sums are then unusable) if the batch is not finite."""
        n_blocks = stats.shape[0]
        n_jobs = min(self.n_jobs, n_blocks)
        blocks = iter(range(n_blocks))
        if n_jobs <= 1:
            return self._run(raw, centre, 0, blocks, stats)
        # the calling thread is worker 0; the pool runs the others
        jobs = [_pool(n_jobs - 1).submit(self._run, raw, centre, k, blocks, stats)
                for k in range(1, n_jobs)]
        finite = self._run(raw, centre, 0, blocks, stats)
        return all([job.result() for job in jobs]) and finite

    def feature_sum(self):
        """``Σ_i exp(-i ωᵀ x̃_i)`` (complex128) from the integer sums."""
        total = self.acc.sum(axis=0)  # int64, exact
        scale = 1.0 if self.quantized else SCALE
        return (total[0] - 1j * total[1]) / scale


def _float64_feature_sums(xc, w, cos_sum, sin_sum, work, dither=None):
    """Add ``Σ_i cos`` and ``Σ_i sin`` of the phases ``xc @ w`` (float64: the numba
    projection, then NumPy's ``cos`` and ``sin``; ``work`` holds two buffers), or of
    their signs after adding the ``dither``."""
    b = xc.shape[0]
    phases, trig = work
    p, t = phases[:b], trig[:b]
    _project(xc, w, p)
    if dither is not None:
        sin_sign, cos_sign = signs64(p, dither)
        cos_sum += cos_sign.sum(axis=0)
        sin_sum += sin_sign.sum(axis=0)
        return
    np.cos(p, out=t)
    cos_sum += t.sum(axis=0, dtype=np.float64)
    np.sin(p, out=t)
    sin_sum += t.sum(axis=0, dtype=np.float64)


def _centred_batch(X, start, stop, mean, clip=None):
    """Rows ``start:stop`` of X (clipped into the box ``clip``) minus ``mean``, in
    float64 (float32 for float32 data).

    Centring comes before the (possibly float32) projection so that data far from the
    origin keeps its precision.
    """
    batch = _raw_batch(X, start, stop, clip)
    return batch - mean.astype(batch.dtype, copy=False)


def _raw_batch(X, start, stop, clip=None):
    """Rows ``start:stop`` of X as a C-contiguous float64 array (float32 for float32
    data), clipped into the box ``clip`` after a check that they are finite (infinity
    is refused, not clipped)."""
    batch = np.asarray(X[start:stop])
    if batch.dtype.kind not in "fiub":
        raise TypeError(f"X must hold real numbers, got dtype {batch.dtype}")
    work = np.float32 if batch.dtype == np.float32 else np.float64
    # writeable too (a read-only memmap's rows are copied): one numba specialisation
    batch = np.require(batch, dtype=work, requirements=["C", "W"])
    if clip is not None:
        bmin, bmax = batch.min(initial=0.0), batch.max(initial=0.0)  # NaN, inf propagate
        if not (np.isfinite(bmin) and np.isfinite(bmax)):
            raise ValueError(f"X contains NaN or infinity (in rows {start} to {stop - 1} "
                             "of the chunk)")
        batch = np.clip(batch, clip[0].astype(work), clip[1].astype(work))
    return batch


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


@validate_params(
    {
        "X": ["array-like"],
        "weights": ["array-like"],
        "mean": ["array-like"],
        "dtype": [type, str, np.dtype],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "dither": [None, "array-like"],
        "clip": [None, "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def sketch_chunk(X, weights, mean, dtype=np.float32, batch_size=None, n_jobs=1,
                 dither=None, clip=None):
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
        Precision of the projection and of the trigonometric functions. float32 sums
        the features rounded to multiples of ``2^-24`` exactly, as integers; float64
        sums them in float64.
    batch_size : int, default=None
        Rows per batch; ``None``: see :func:`auto_batch_size`.
    n_jobs : int, default=1
        Threads sharing each batch (float32 only); ``-1``: all CPUs. The result is
        the same bit for bit whatever ``n_jobs`` and ``batch_size``.
    dither : ndarray of shape (n_frequencies,), default=None
        With a dither ``ξ`` (radians), the features are 1-bit quantized: ``sign cos(φ +
        ξ) - i sign sin(φ + ξ)`` of the phases ``φ``; the sums are exact integers in
        float32 and float64 alike.
    clip : ndarray of shape (2, n_features), default=None
        A box ``[lower, upper]`` into which every sample is clipped first.

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
        If the chunk holds NaN or infinity, the arguments' shapes disagree, ``weights``,
        ``mean``, ``dither`` or ``clip`` are not finite, or the data's sum of squared
        deviations overflows float64.
    TypeError
        If X does not hold real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import sketch_chunk
    >>> X = np.random.default_rng(0).normal(size=(1000, 2))
    >>> weights = np.random.default_rng(1).normal(size=(2, 5))
    >>> feature_sum, n, *moments = sketch_chunk(X, weights, X.mean(axis=0))
    >>> feature_sum.shape, n
    ((5,), 1000)
    """
    X, weights, mean, dtype, dither, clip, structured = _check_arguments(
        X, weights, mean, dtype, dither, clip)
    shift = 0 if structured else frequency_shift(weights)
    if shift:  # the same phases with data and frequencies of magnitudes near 1
        Xs, ws, ms, cs = _rescaled(X, weights, mean, clip, shift)
        fs, n, lo, hi, mu, m2 = _chunk_sums(Xs, ws, ms, dtype, batch_size, n_jobs, dither, cs)
        with np.errstate(over="ignore", under="ignore"):
            lo, hi, mu = (np.ldexp(v, -shift) for v in (lo, hi, mu))
            m2 = np.ldexp(m2, -2 * shift)
    else:
        fs, n, lo, hi, mu, m2 = _chunk_sums(X, weights, mean, dtype, batch_size, n_jobs,
                                            dither, clip)
    # (a far outlier's phases are rounding noise, but its features stay bounded: it
    # weighs 1/n in the sketch, as any sample; transform refuses such phases)
    if n:
        if not np.all(np.isfinite(m2)):
            raise ValueError(
                "the data's sum of squared deviations overflows float64 (values from "
                f"{lo.min():.3g} to {hi.max():.3g}): a sketch cannot record its moments; "
                "rescale X")
    return fs, n, lo, hi, mu, m2


def _check_arguments(X, weights, mean, dtype, dither, clip, min_frequencies=0):
    """The checked arguments of the public chunk functions, and whether the frequencies
    are structured (checked when they are built)."""
    structured = isinstance(weights, StructuredFrequencies)
    if not structured:
        weights = check_frequencies(weights, min_frequencies=min_frequencies)
    d = weights.shape[0]
    X = check_chunk_data(X, d)
    mean = check_vector(mean, "mean", d)
    dtype = check_precision(dtype)
    dither, clip = _check_quantization(dither, clip, weights.shape[1], d, structured)
    return X, weights, mean, dtype, dither, clip, structured


def _rescaled(X, weights, mean, clip, shift):
    """Data (and box) times ``2^shift``, frequencies times ``2^-shift``: the same phases."""
    return (ScaledRows(X, shift), np.ldexp(weights, -shift), np.ldexp(mean, shift),
            None if clip is None else np.ldexp(clip, shift))


def _check_quantization(dither, clip, m, d, structured=False):
    """``dither`` as a finite vector of ``m`` phases, ``clip`` as a finite (2, d) box."""
    if dither is not None:
        if structured:
            raise ValueError("1-bit quantization is not available with structured "
                             "frequencies: use the dense operator")
        dither = check_vector(dither, "dither", m)
    if clip is not None:
        clip = np.asarray(clip, dtype=np.float64)
        if clip.shape != (2, d) or not np.all(np.isfinite(clip)) or np.any(clip[0] > clip[1]):
            raise ValueError(
                f"clip must be a finite box [lower, upper] of shape (2, {d}) with lower <= "
                f"upper, got shape {clip.shape}")
    return dither, clip


def _chunk_sums(X, weights, mean, dtype, batch_size, n_jobs, dither, clip):
    """:func:`sketch_chunk` on checked arguments."""
    n, d = X.shape
    m = weights.shape[1]
    dtype = np.dtype(dtype)
    batch_size = auto_batch_size(m, dtype, d) if batch_size is None else int(batch_size)
    batch_size = max(1, min(batch_size, n))
    fused = None
    if dtype == np.float32:
        fused = _FusedSums(weights, check_n_jobs(n_jobs), batch_size, d, dither)
    else:
        w = _as_weights(weights, dtype)
        cos_sum = np.zeros(m)
        sin_sum = np.zeros(m)
        xc64 = np.empty((batch_size, d))
        work = (np.empty((batch_size, m), dtype=dtype), np.empty((batch_size, m), dtype=dtype))
    if dither is not None:
        dither = np.asarray(dither, dtype=np.float64)
    if clip is not None:
        clip = np.asarray(clip, dtype=np.float64)
    moments = RunningMoments(d)
    centres = {}
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        raw = _raw_batch(X, start, stop, clip)
        if raw.dtype not in centres:
            centres[raw.dtype] = np.ascontiguousarray(mean, dtype=raw.dtype)
        b = stop - start
        stats = moments.new_stats(b, d)
        if fused is not None:
            finite = fused.add(raw, centres[raw.dtype], stats)
        else:
            xc = xc64[:b]
            finite = centre_blocks(raw, centres[raw.dtype], xc, 0, stats.shape[0],
                                   MOMENT_ROWS, stats)
            if finite:
                _float64_feature_sums(xc, w, cos_sum, sin_sum, work, dither)
        moments.merge(stats, b, finite, start)
    feature_sum = cos_sum - 1j * sin_sum if fused is None else fused.feature_sum()
    return (feature_sum, n, *moments.stats(shift=mean))


@validate_params(
    {
        "X": ["array-like"],
        "weights": ["array-like"],
        "mean": ["array-like"],
        "dtype": [type, str, np.dtype],
        "out_dtype": [type, str, np.dtype],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "dither": [None, "array-like"],
        "clip": [None, "array-like"],
    },
    prefer_skip_nested_validation=True,
)
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
    dither : ndarray of shape (n_frequencies,), default=None
        With a dither, the features are 1-bit quantized (``±1 / sqrt(m)``): those the
        sketch sums.
    clip : ndarray of shape (2, n_features), default=None
        A box into which every sample is clipped first.

    Returns
    -------
    features : ndarray of shape (n_samples, 2 * n_frequencies)

    Raises
    ------
    ValueError
        If X, ``weights`` or ``mean`` hold NaN or infinity, their shapes disagree, or
        the phases ``weightsᵀ(x - mean)`` exceed ``2^50`` radians.
    TypeError
        If X does not hold real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import fourier_features
    >>> X = np.random.default_rng(0).normal(size=(4, 2))
    >>> weights = np.random.default_rng(1).normal(size=(2, 5))
    >>> fourier_features(X, weights, np.zeros(2)).shape
    (4, 10)
    """
    X, weights, mean, dtype, dither, clip, structured = _check_arguments(
        X, weights, mean, dtype, dither, clip, min_frequencies=1)
    out_dtype = check_precision(out_dtype, "out_dtype")
    if X.shape[0]:
        x = np.asarray(X)
        if not np.all(np.isfinite(x)):
            raise ValueError("X contains NaN or infinity")
        lo, hi = x.min(axis=0), x.max(axis=0)
        if clip is not None:
            lo, hi = np.clip(lo, clip[0], clip[1]), np.clip(hi, clip[0], clip[1])
        if not structured:
            check_phases(phase_bound(weights, mean, lo, hi))
    shift = 0 if structured else frequency_shift(weights)
    if shift:  # the same phases with data and frequencies of magnitudes near 1
        X, weights, mean, clip = _rescaled(X, weights, mean, clip, shift)
    return _features(X, weights, mean, dtype, out_dtype, batch_size, dither, clip)


def _features(X, weights, mean, dtype, out_dtype, batch_size, dither, clip):
    """:func:`fourier_features` on checked arguments."""
    n = X.shape[0]
    m = weights.shape[1]
    dtype = np.dtype(dtype)
    structured = isinstance(weights, StructuredFrequencies)
    if dtype == np.float32:
        w3 = weights.half_turns() if structured else half_turn_blocks(weights)
        delta = None if dither is None else half_turn_dither(dither, w3)
    else:
        w = _as_weights(weights, dtype)
    batch_size = auto_batch_size(m) if batch_size is None else int(batch_size)
    out = np.empty((n, 2 * m), dtype=out_dtype)
    norm = 1.0 / np.sqrt(m)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        xc = _centred_batch(X, start, stop, mean, clip)
        if dtype == np.float32:  # the sketch's own phases and sine-cosine (or signs)
            p = np.empty((stop - start, m), dtype=np.float32)
            x32 = np.ascontiguousarray(xc, dtype=np.float32)
            if structured:
                w3.project(x32, p)
            else:
                half_turn_phases(x32, w3, m, p)
            sin_p, cos_p = np.empty_like(p), np.empty_like(p)
            if delta is None:
                sincos_pi(p.ravel(), sin_p.ravel(), cos_p.ravel())
            else:
                quantized_signs(p, delta, sin_p, cos_p)
        else:
            p = _project(xc, w, np.empty((stop - start, m), dtype))
            if dither is None:
                sin_p, cos_p = np.sin(p), np.cos(p)
            else:
                sin_p, cos_p = signs64(p, np.asarray(dither, dtype=np.float64))
        out[start:stop, :m] = cos_p.astype(out_dtype) * norm
        out[start:stop, m:] = sin_p.astype(out_dtype) * -norm
    return out
