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
on how the blocks are shared among threads. :class:`RunningMoments` keeps the merged
statistics of a chunk for the chunk functions of every sketch operator (Fourier and
covariance); :func:`merge_moments` merges those of two chunks.
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


def merge_moments(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    """Merge the count, mean and sum of squared deviations of two sets (Chan et al.).

    Parameters
    ----------
    n_a, n_b : int
        Sizes of the two sets.
    mean_a, mean_b : ndarray of shape (n_features,)
        Their per-feature means.
    m2_a, m2_b : ndarray of shape (n_features,)
        Their per-feature sums of squared deviations from the mean.

    Returns
    -------
    n, mean, m2
        The statistics of the union.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching._batch_moments import merge_moments
    >>> a, b = np.array([[1.0], [2.0]]), np.array([[4.0]])
    >>> n, mean, m2 = merge_moments(2, a.mean(0), a.var(0) * 2, 1, b.mean(0), np.zeros(1))
    >>> n, bool(np.allclose(mean, 7 / 3)), bool(np.allclose(m2, 14 / 3))   # of [1, 2, 4]
    (3, True, True)
    """
    n = n_a + n_b
    if n_a == 0:
        return n, mean_b, m2_b
    if n_b == 0:
        return n, mean_a, m2_a
    delta = mean_b - mean_a
    return n, mean_a + delta * (n_b / n), m2_a + m2_b + delta**2 * (n_a * n_b / n)


class RunningMoments:
    """Minimum, maximum, mean and sum of squared deviations of centred batches.

    The batches of a chunk are centred on a fixed point and their statistics computed
    block by block (:func:`centre_blocks`), then merged in order (:func:`merge_blocks`).

    Parameters
    ----------
    n_features : int
        Number of features.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching._batch_moments import RunningMoments
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> moments = RunningMoments(2)
    >>> for start in (0, 4):
    ...     batch = X[start:start + 4]
    ...     xc = moments.centre(batch, np.zeros(2), np.empty_like(batch), start)
    >>> lo, hi, mean, m2 = moments.stats(shift=np.zeros(2))
    >>> bool(np.allclose(mean, X.mean(0)) and np.allclose(m2, X.var(0) * 6))
    True
    """

    def __init__(self, n_features):
        d = int(n_features)
        self.running = np.array([np.full(d, np.inf), np.full(d, -np.inf), np.zeros(d),
                                 np.zeros(d)])
        self.count = 0

    @staticmethod
    def new_stats(n_rows, n_features):
        """An array for the statistics of the blocks of a batch of ``n_rows`` rows."""
        return np.empty((-(-n_rows // MOMENT_ROWS), 4, n_features))

    def merge(self, stats, n_rows, finite, first_row):
        """Merge a batch's block statistics; raise if the batch was not finite.

        Parameters
        ----------
        stats : ndarray of shape (n_blocks, 4, n_features)
            As filled by :func:`centre_blocks`.
        n_rows : int
            Rows of the batch.
        finite : bool
            What :func:`centre_blocks` returned.
        first_row : int
            Index of the batch's first row in the chunk (for the error message).
        """
        if not finite:
            raise ValueError(
                f"X contains NaN or infinity (in rows {first_row} to "
                f"{first_row + n_rows - 1} of the chunk)"
            )
        self.count = merge_blocks(self.running, self.count, stats, n_rows, MOMENT_ROWS)

    def centre(self, raw, centre, out, first_row):
        """Write ``raw - centre`` into ``out`` and merge the batch's statistics.

        Parameters
        ----------
        raw : ndarray of shape (n_rows, n_features), float32 or float64
            The batch (made C-contiguous here).
        centre : ndarray of shape (n_features,)
            The fixed centre.
        out : ndarray of shape (n_rows, n_features)
            Receives the centred rows.
        first_row : int
            Index of the batch's first row in the chunk (for error messages).

        Returns
        -------
        out : ndarray
        """
        raw = np.ascontiguousarray(raw)
        centre = np.ascontiguousarray(centre, dtype=raw.dtype)
        stats = self.new_stats(raw.shape[0], raw.shape[1])
        finite = centre_blocks(raw, centre, out, 0, stats.shape[0], MOMENT_ROWS, stats)
        self.merge(stats, raw.shape[0], finite, first_row)
        return out

    def stats(self, shift):
        """``(min, max, mean, m2)`` of the rows seen, in the units of ``centre + shift``."""
        shift = np.asarray(shift, dtype=np.float64)
        lo, hi, mean, m2 = self.running
        return lo + shift, hi + shift, mean + shift, m2.copy()
