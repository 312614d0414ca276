"""Per-feature statistics a sketch keeps beside its features, accumulated batch by batch.

Every sketch records, per feature, the count, mean and sum of squared deviations of the
samples (merged exactly with Chan's formulas, so that centring and standardisation are
exact after streaming), and their minimum and maximum. :func:`merge_moments` is the one
merge of two sets of moments; :class:`RunningMoments` accumulates batches with it, for
the chunk functions of every sketch operator.
"""

import numpy as np


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
    >>> from skfrugal.sketching._moments import merge_moments
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
    """Count, mean, sum of squared deviations, minimum and maximum, batch by batch.

    Parameters
    ----------
    n_features : int
        Number of features.

    Attributes
    ----------
    count : int
        Samples seen.
    mean, m2, minimum, maximum : ndarray of shape (n_features,)
        Per-feature mean, sum of squared deviations, minimum and maximum.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching._moments import RunningMoments
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> moments = RunningMoments(2)
    >>> for batch in (X[:4], X[4:]):
    ...     _ = moments.add(batch)
    >>> bool(np.allclose(moments.m2 / moments.count, X.var(axis=0)))
    True
    """

    def __init__(self, n_features):
        self.count = 0
        self.mean = np.zeros(n_features)
        self.m2 = np.zeros(n_features)
        self.minimum = np.full(n_features, np.inf)
        self.maximum = np.full(n_features, -np.inf)

    def add(self, batch, rows=None):
        """Add a batch of samples; return it unchanged.

        Parameters
        ----------
        batch : ndarray of shape (n_batch, n_features)
            Samples (any real dtype; the moments are float64).
        rows : (int, int), default=None
            First and last row of the batch in its chunk, named by the error message.

        Returns
        -------
        batch : ndarray

        Raises
        ------
        ValueError
            If the batch holds NaN or infinity.
        """
        bmin, bmax = batch.min(axis=0), batch.max(axis=0)  # NaN and inf propagate here
        if not (np.isfinite(bmin).all() and np.isfinite(bmax).all()):
            where = "" if rows is None else f" (in rows {rows[0]} to {rows[1]} of the chunk)"
            raise ValueError(f"X contains NaN or infinity{where}")
        xb = batch.astype(np.float64, copy=False)
        bmean = xb.mean(axis=0)
        bm2 = ((xb - bmean) ** 2).sum(axis=0)
        self.count, self.mean, self.m2 = merge_moments(
            self.count, self.mean, self.m2, xb.shape[0], bmean, bm2)
        np.minimum(self.minimum, bmin, out=self.minimum)
        np.maximum(self.maximum, bmax, out=self.maximum)
        return batch

    def stats(self, shift=None):
        """``(minimum, maximum, mean, m2)``, each shifted by ``shift`` but ``m2``.

        Parameters
        ----------
        shift : ndarray of shape (n_features,), default=None
            A centre subtracted from the batches before they were added (for
            precision), added back here.

        Returns
        -------
        data_min, data_max, data_mean, data_m2 : ndarray of shape (n_features,)
        """
        if shift is None:
            return self.minimum, self.maximum, self.mean, self.m2
        shift = np.asarray(shift, dtype=np.float64)
        return self.minimum + shift, self.maximum + shift, self.mean + shift, self.m2
