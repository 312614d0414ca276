"""One-pass validation kernels for the vectors and weights of the proximal operators.

NumPy's ``np.all(np.isfinite(x))``, ``np.any(lam < 0)`` and ``np.diff`` each make a
full temporary array; at p = 1e6 the checks of the weights cost about a tenth of a
prox. These kernels count violations in branch-free (vectorised) passes and look for
the first one only when there is one.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def first_non_finite(x):
    """Index of the first NaN or infinite entry of ``x``, or -1."""
    n_bad = 0
    for i in range(x.shape[0]):
        n_bad += np.int64(not (abs(x[i]) < np.inf))
    if n_bad == 0:
        return -1
    for i in range(x.shape[0]):
        if not (abs(x[i]) < np.inf):
            return i
    return -1


@njit(cache=True)
def weights_violation(lam):
    """First violation of ``lam`` being finite, non-negative and non-increasing.

    Returns
    -------
    kind : int
        0 if none, 1 for a non-finite entry, 2 for a negative one, 3 for an increase
        ``lam[index] < lam[index + 1]``.
    index : int
    """
    p = lam.shape[0]
    v = lam[p - 1]
    n_bad = np.int64(not (abs(v) < np.inf)) + np.int64(v < 0.0)
    for i in range(p - 1):
        v = lam[i]
        n_bad += np.int64(not (abs(v) < np.inf)) + np.int64(v < 0.0)
        n_bad += np.int64(v < lam[i + 1])
    if n_bad == 0:
        return 0, -1
    for i in range(p):
        v = lam[i]
        if not (abs(v) < np.inf):
            return 1, i
        if v < 0.0:
            return 2, i
    for i in range(p - 1):
        if lam[i] < lam[i + 1]:
            return 3, i
    return 0, -1
