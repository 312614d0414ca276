"""Sketching Dask arrays: per-chunk sums on the workers, a tree reduction of the sums.

A sketch is a sum, so a distributed sketch is a map over row blocks followed by a
reduction. The per-chunk function is module-level (workers import it and reuse their
numba cache); the operator is shipped inside the task graph once per block.

Ray or Spark users do the same by hand: call :func:`skfrugal.sketching.sketch_chunk`
(or any operator's chunk function) on each partition and add the results with
:func:`merge_chunk_stats` (``mapPartitions`` + ``treeReduce`` in Spark).
"""

from functools import partial

import numpy as np

from skfrugal.sketching._sketch import merge_chunk_stats


def _pack(stats):
    fs, n, dmin, dmax, dmean, dm2 = stats
    fs = np.asarray(fs)
    parts = [fs.real.ravel(), fs.imag.ravel()] if np.iscomplexobj(fs) else [fs.ravel()]
    return np.concatenate([*parts, [float(n)], dmin, dmax, dmean, dm2])[None, :]


def _unpack(row, feature_shape, complex_features, n_features):
    size = int(np.prod(feature_shape))
    pos = 0
    if complex_features:
        fs = row[:size] + 1j * row[size:2 * size]
        pos = 2 * size
    else:
        fs = row[:size].copy()
        pos = size
    fs = fs.reshape(feature_shape)
    n = int(round(row[pos]))
    pos += 1
    d = n_features
    return (fs, n, row[pos:pos + d], row[pos + d:pos + 2 * d], row[pos + 2 * d:pos + 3 * d],
            row[pos + 3 * d:pos + 4 * d])


def _block_stats(block, chunk_function, kwargs):
    return _pack(chunk_function(block, **kwargs))


def _identity(x, axis, keepdims):
    return x


def _combine(x, axis, keepdims, feature_shape, complex_features, n_features):
    # x: stacked packed rows of several blocks -> one packed row
    rows = x.reshape(-1, x.shape[-1])
    stats = _unpack(rows[0], feature_shape, complex_features, n_features)
    for row in rows[1:]:
        stats = merge_chunk_stats(stats, _unpack(row, feature_shape, complex_features,
                                                 n_features))
    return _pack(stats)


def reduce_dask_chunks(X, chunk_function, feature_shape, complex_features=True, **kwargs):
    """Apply ``chunk_function`` to every row block of a Dask array and merge the results.

    The blocks are processed wherever the active Dask scheduler (or
    ``distributed.Client``) runs them; partial results are merged by a tree reduction
    with :func:`merge_chunk_stats`, so the client receives one small vector.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        The data. Blocks along the feature axis are joined first.
    chunk_function : callable
        Module-level function ``chunk_function(block, **kwargs)`` returning
        ``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)``.
    feature_shape : tuple of int
        Shape of ``feature_sum``.
    complex_features : bool, default=True
        Whether ``feature_sum`` is complex.
    **kwargs : dict
        Passed to ``chunk_function`` (e.g. the operator's arrays).

    Returns
    -------
    stats : tuple
        The merged ``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)``.

    Raises
    ------
    TypeError
        If X is not a Dask array, ``chunk_function`` is not callable or
        ``feature_shape`` not a tuple of integers.
    ValueError
        If X is not 2D or is empty, or ``chunk_function`` refuses a block.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from skfrugal.sketching import FourierSketcher, reduce_dask_chunks
    >>> X = np.random.default_rng(0).normal(size=(1000, 2))
    >>> op = FourierSketcher(sketch_size=8, random_state=0).fit(X)
    >>> stats = reduce_dask_chunks(da.from_array(X, chunks=250), op._chunk_function,
    ...                            (8,), **op._chunk_kwargs())
    >>> stats[1], bool(np.allclose(stats[0], op.sketch(X).mean * 1000))
    (1000, True)
    """
    import dask.array as da

    if not is_dask_array(X):
        raise TypeError(f"X must be a dask.array.Array, got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2D Dask array (n_samples, n_features), got shape "
                         f"{X.shape}")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must have at least one sample and one feature, got shape "
                         f"{X.shape}")
    if not callable(chunk_function):
        raise TypeError(f"chunk_function must be callable, got {type(chunk_function).__name__}")
    feature_shape = _check_feature_shape(feature_shape)
    if not isinstance(complex_features, (bool, np.bool_)):
        raise TypeError(f"complex_features must be a bool, got {complex_features!r}")
    if X.chunks[1] != (X.shape[1],):
        X = X.rechunk({1: -1})
    n_features = X.shape[1]
    size = int(np.prod(feature_shape)) * (2 if complex_features else 1)
    width = size + 1 + 4 * n_features
    per_block = X.map_blocks(
        _block_stats,
        chunk_function,
        kwargs,
        dtype=np.float64,
        chunks=((1,) * X.numblocks[0], (width,)),
    )
    reducer = dict(
        feature_shape=tuple(feature_shape),
        complex_features=complex_features,
        n_features=n_features,
    )
    total = da.reduction(
        per_block,
        chunk=_identity,
        combine=partial(_combine, **reducer),
        aggregate=partial(_combine, **reducer),
        axis=0,
        keepdims=True,
        dtype=np.float64,
        concatenate=True,
        split_every=8,
        meta=np.empty((0, width)),
    ).compute()
    return _unpack(np.asarray(total).reshape(-1), tuple(feature_shape), complex_features,
                   n_features)


def _check_feature_shape(feature_shape):
    """A tuple of non-negative integers."""
    shape = (feature_shape,) if np.ndim(feature_shape) == 0 else feature_shape
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"feature_shape must be a tuple of ints, got {feature_shape!r}") from None
    if not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in shape):
        raise TypeError(f"feature_shape must be a tuple of ints, got {feature_shape!r}")
    if any(k < 0 for k in shape):
        raise ValueError(f"feature_shape must not be negative, got {feature_shape!r}")
    return tuple(int(k) for k in shape)


def is_dask_array(X):
    """Return True when ``X`` is a Dask array (without importing Dask otherwise)."""
    import sys

    if "dask.array" not in sys.modules:
        return False
    import dask.array as da

    return isinstance(X, da.Array)
