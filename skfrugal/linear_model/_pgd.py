"""The proximal gradient step of a quadratic model in one numba call (dense, one output).

:func:`skfrugal.linear_model._solvers._pgd_step` takes, from ``beta``, the step
``prox_{J / L}(beta + g / L)`` (``-g`` the model's gradient) and doubles ``L`` until the
model decreases enough; in NumPy each trial is a dozen calls. Here the whole
backtracking runs in one call, with the same prox (the keys, PAV and scatter of
:mod:`skfrugal.proximal._pava`) and the same acceptance test.
"""

import numpy as np
from numba import njit

from skfrugal.proximal._prox import _prox_small

# outcomes of pgd_step_dense
MOVED = 1
NO_MOVE = 0
NEAR_TIES = -1  # the prox needs the exact sort: take the general path
NO_DECREASE = -2  # no L in the backtracking budget decreased the model


@njit(cache=True)
def pgd_step_dense(X, xmean, center, r, h, beta, g, lam, L, shift_bits, max_backtrack,
                   new, r_new):
    """One backtracking proximal gradient step of ``1/2 sum h (r - X_c d)^2 + J``.

    Parameters
    ----------
    X : ndarray of shape (n, p), Fortran-ordered
    xmean : ndarray of shape (p,)
        Column centres (used with ``center``).
    center : bool
    r, h : ndarray of shape (n,)
        Residual and weights of the model at ``beta``.
    beta, g : ndarray of shape (p,)
        Coefficients and ``X_c^T (h r)`` (minus the model's gradient).
    lam : ndarray of shape (p,)
        Weights of the sorted L1 norm.
    L : float
        Starting curvature estimate.
    shift_bits : int
        ``key_shift(p)`` of the prox's keys.
    max_backtrack : int
    new, r_new : ndarray of shape (p,) and (n,)
        Output: the new coefficients and residual (when MOVED).

    Returns
    -------
    status : int
        MOVED, NO_MOVE, NEAR_TIES or NO_DECREASE.
    L : float
        The accepted curvature.
    """
    n = X.shape[0]
    p = beta.shape[0]
    f = 0.0
    for i in range(n):
        f += h[i] * (r[i] * r[i])
    f *= 0.5
    y = np.empty(p)
    lam_l = np.empty(p)
    for _ in range(max_backtrack):
        for j in range(p):
            y[j] = beta[j] + g[j] / L
            lam_l[j] = lam[j] / L
        new[:] = 0.0
        if not _prox_small(y, lam_l, 0, 1.0, 0.0, lam_l[p - 1], shift_bits, new):
            return NEAR_TIES, L
        moved = False
        lin = 0.0
        dd = 0.0
        shift = 0.0
        for i in range(n):
            r_new[i] = 0.0
        for j in range(p):
            dj = new[j] - beta[j]
            if dj == 0.0:
                continue
            moved = True
            lin -= g[j] * dj
            dd += dj * dj
            shift += xmean[j] * dj
            for i in range(n):
                r_new[i] += dj * X[i, j]
        if not moved:
            return NO_MOVE, L
        f_new = 0.0
        for i in range(n):
            v = r[i] - (r_new[i] - shift if center else r_new[i])
            r_new[i] = v
            f_new += h[i] * (v * v)
        f_new *= 0.5
        if f_new <= f + lin + 0.5 * L * dd + 1e-14 * abs(f):
            return MOVED, L
        L *= 2.0
    return NO_DECREASE, L
