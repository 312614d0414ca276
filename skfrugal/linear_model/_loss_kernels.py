"""One-pass kernels of the logistic loss for the proximal Newton solver.

Each Newton step of :func:`skfrugal.linear_model._solvers.solve_hybrid` needs, per
sample, the loss, its gradient, the Hessian diagonal, the dual point and the dual
value; written with NumPy these are a dozen calls and temporaries per evaluation,
which dominate small fits (a few hundred samples, tens of features). These kernels
do each of them in a single pass over the samples. ``s_i = +1`` for ``y_i = 1`` and
``-1`` otherwise; ``w`` are the normalised sample weights.
"""

import math

from numba import njit


@njit(cache=True)
def _log1pexp_neg(a):
    """``log(1 + e^{-|a|}) + max(-a, 0)`` = ``-log(expit(a))`` without overflow."""
    if a >= 0:
        return math.log1p(math.exp(-a))
    return -a + math.log1p(math.exp(a))


@njit(cache=True)
def _expit(a):
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


@njit(cache=True)
def logistic_value(z, sign, w):
    """``sum_i w_i (log(1 + e^{z_i}) - y_i z_i)``."""
    f = 0.0
    for i in range(z.shape[0]):
        f += w[i] * _log1pexp_neg(sign[i] * z[i])
    return f


@njit(cache=True)
def logistic_value_along(z, dz, t, sign, w):
    """The loss at ``z + t dz`` (no temporary vector)."""
    f = 0.0
    for i in range(z.shape[0]):
        f += w[i] * _log1pexp_neg(sign[i] * (z[i] + t * dz[i]))
    return f


@njit(cache=True)
def logistic_grad_hess(z, y, w, g, h):
    """Gradient ``w (expit(z) - y)`` and Hessian diagonal ``w p (1 - p)``, in place."""
    for i in range(z.shape[0]):
        p = _expit(z[i])
        g[i] = w[i] * (p - y[i])
        h[i] = w[i] * (p * (1.0 - p))


@njit(cache=True)
def logistic_value_dual_point(z, y, sign, w, balance, dz, u):
    """The loss at ``z`` and its gradient's dot with ``dz`` (0 for an empty ``dz``);
    ``u`` (in place) the gradient, balanced when ``balance``.

    Balancing scales the positive or the negative entries of the gradient down so
    that ``sum_i u_i = 0`` (the dual constraint of the intercept).
    """
    n = z.shape[0]
    slope_on = dz.shape[0] == n
    slope = 0.0
    f = 0.0
    s_pos = 0.0
    s_neg = 0.0
    for i in range(n):
        a = z[i]
        e = math.exp(-abs(a))  # shared by the loss and the probability
        sa = sign[i] * a
        f += w[i] * (math.log1p(e) + (-sa if sa < 0 else 0.0))
        prob = 1.0 / (1.0 + e) if a >= 0 else e / (1.0 + e)
        v = w[i] * (prob - y[i])
        u[i] = v
        if slope_on:
            slope += v * dz[i]
        if v > 0:
            s_pos += v
        else:
            s_neg -= v
    if balance:
        if s_pos > s_neg:
            c = s_neg / s_pos
            for i in range(n):
                if u[i] > 0:
                    u[i] *= c
        elif s_neg > 0:
            c = s_pos / s_neg
            for i in range(n):
                if not u[i] > 0:
                    u[i] *= c
    return f, slope


@njit(cache=True)
def logistic_dual_value(u, scale, y, w):
    """Dual objective at ``u / scale``: ``-sum_{w_i > 0} w_i H(clip(y_i + u_i / (scale
    w_i), 0, 1))``, ``H(s) = s log s + (1 - s) log(1 - s)``."""
    d = 0.0
    for i in range(u.shape[0]):
        wi = w[i]
        if not wi > 0:
            continue
        s = y[i] + (u[i] / scale) / wi
        if s <= 0.0 or s >= 1.0:
            continue  # H(0) = H(1) = 0
        d -= wi * (s * math.log(s) + (1.0 - s) * math.log(1.0 - s))
    return d

