"""Centring of a batch and its per-feature moments, in one numba pass per block of rows.

Every sketch pass centres each batch (``x - mean`` before the possibly float32
projection, for precision) and records the per-feature minimum, maximum, mean and sum
of squared deviations of the centred samples. NumPy's reductions along the rows of a
narrow C-ordered batch (``d`` of 2 to 100 columns) run at about 5 ns per value, which
cost the float32 sketch pass 10% (``m = 1000``) to 20% (``m = 200``) of its time at
``d = 10``; here one kernel writes the centred rows and their statistics.

The statistics are computed per block of :data:`MOMENT_ROWS` rows (two passes over the
block: the mean, then the squared deviations from it, in float64) and the blocks are
merged in order with Chan's formulas: blocks are fixed, so the result does not depend
on how the blocks are shared among threads.
"""

import numpy as np
from numba import njit

MOMENT_ROWS = 4096


@njit(cache=True, nogil=True)
def centre_blocks(raw, centre, out, first, last, block, stats):
    """Centre the rows of blocks ``first .. last - 1`` and compute their statistics.

    Parameters
    ----------
    raw : ndarray of shape (n_rows, n_features), float32 or float64, C-contiguous
        The batch.
    centre : ndarray of shape (n_features,), of the dtype of ``raw``
        Subtracted from every row (in the dtype of ``raw``).
    out : ndarray of shape (n_rows, n_features), float32 or float64, C-contiguous
        Receives ``raw - centre`` (rounded to its dtype).
    first, last : int
        Blocks to process.
    block : int
        Rows per block (the last block may be shorter).
    stats : ndarray of shape (n_blocks, 4, n_features), float64
        ``stats[b]`` receives the minimum, maximum, mean and sum of squared
        deviations of block ``b``'s centred rows.

    Returns
    -------
    finite : bool
        Whether every value of the blocks is finite (their statistics are meaningless
        if not).
    """
    n, d = raw.shape
    finite = True
    for b in range(first, last):
        r0 = b * block
        r1 = min(n, r0 + block)
        lo, hi, mu, m2 = stats[b, 0], stats[b, 1], stats[b, 2], stats[b, 3]
        for k in range(d):
            v = np.float64(raw[r0, k] - centre[k])
            lo[k] = v
            hi[k] = v
            mu[k] = 0.0
            m2[k] = 0.0
        bad = 0.0
        for i in range(r0, r1):
            for k in range(d):
                c = raw[i, k] - centre[k]
                out[i, k] = c
                v = np.float64(c)
                mu[k] += v
                bad += v * 0.0  # NaN if v is NaN or infinite
                if v < lo[k]:
                    lo[k] = v
                if v > hi[k]:
                    hi[k] = v
        if bad != 0.0:  # NaN compares unequal
            finite = False
            continue
        for k in range(d):
            mu[k] /= r1 - r0
        for i in range(r0, r1):
            for k in range(d):
                v = np.float64(raw[i, k] - centre[k]) - mu[k]
                m2[k] += v * v
    return finite


@njit(cache=True, nogil=True)
def merge_blocks(running, count, stats, n_rows, block):
    """Merge the blocks' statistics, in order, into ``running``; return the new count.

    Parameters
    ----------
    running : ndarray of shape (4, n_features), float64
        Minimum, maximum, mean and sum of squared deviations of the ``count`` rows
        seen so far (updated in place; Chan et al.'s merge).
    count : int
        Rows seen so far.
    stats : ndarray of shape (n_blocks, 4, n_features), float64
        As filled by :func:`centre_blocks`.
    n_rows : int
        Rows of the batch the blocks cover.
    block : int
        Rows per block.

    Returns
    -------
    count : int
    """
    d = running.shape[1]
    for b in range(stats.shape[0]):
        nb = min(n_rows, (b + 1) * block) - b * block
        total = count + nb
        for k in range(d):
            running[0, k] = min(running[0, k], stats[b, 0, k])
            running[1, k] = max(running[1, k], stats[b, 1, k])
            delta = stats[b, 2, k] - running[2, k]
            running[3, k] += stats[b, 3, k] + delta * delta * (count * nb / total)
            running[2, k] += delta * (nb / total)
        count = total
    return count
