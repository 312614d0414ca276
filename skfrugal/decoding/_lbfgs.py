"""Bound-constrained L-BFGS descent of a mixture's sketch residual, compiled with numba.

A decoding runs dozens of global descents of a small problem (``K (d + 2)``
parameters at ``K = d = 10``) whose cost and gradient take about 10 µs in the fused
kernel (:func:`~skfrugal.decoding._kernels.mixture_cost_grad_kernel`); driven by
SciPy's L-BFGS-B, each evaluation cost ten times more in Python (the ``minimize``
wrappers, the reverse-communication loop). :func:`box_lbfgs` runs the whole descent in
one compiled call: a projected L-BFGS (the two-loop recursion on the free variables,
those not held at a bound by the gradient) with a line search along the projected path
(Armijo's and the strong Wolfe conditions), and SciPy's stopping rules (``ftol`` on the
relative decrease of the cost, here over :data:`N_SMALL_STEPS` iterations running;
``gtol`` on the projected gradient; ``max_iter`` iterations).
:func:`mixture_objective` also serves :func:`~skfrugal.decoding.mixture_cost_and_gradient`.
"""

import numpy as np
from numba import njit

from skfrugal.decoding._kernels import _FASTMATH, mixture_cost_grad_kernel

#: Correction pairs kept (SciPy's default ``maxcor``)
N_MEMORY = 10
#: Backtracking steps of a line search before it fails
MAX_LINE_SEARCH = 40
#: Consecutive iterations that lower the cost by at most ``ftol`` (relative) to stop:
#: one such iteration, as in SciPy, stopped descents early (a short step against a
#: bound, a steepest-descent step after the memory was reset)
N_SMALL_STEPS = 2
#: Armijo's sufficient-decrease constant
ARMIJO = 1e-4
#: ... and the curvature constant of the (weak) Wolfe condition
WOLFE = 0.9


#: Below this argument the atoms' damping is taken as 0 (``exp(-40) = 4e-18``, under
#: the float64 rounding of sketch entries of modulus up to 1)
_EXP_FLOOR = -40.0
#: ``exp(y)``, ``y = x / 64`` in ``[-0.625, 0]``: Taylor coefficients up to degree 14
#: (remainder below 7e-16), then six squarings (relative error below 5e-14)
_INV_FACT = tuple(1.0 / float(np.prod(np.arange(1, k + 1))) for k in range(15))


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _exp_nonpositive(x):
    """``exp(x)`` for ``x <= 0`` (0 below ``_EXP_FLOOR``), written to vectorise.

    NumPy's and LLVM's scalar ``exp`` took 4.4 ns per value, half of an evaluation of
    the cost and gradient of spherical or diagonal atoms.
    """
    y = max(x, _EXP_FLOOR) * (1.0 / 64.0)
    c = _INV_FACT
    e = c[14]
    e = c[13] + y * e
    e = c[12] + y * e
    e = c[11] + y * e
    e = c[10] + y * e
    e = c[9] + y * e
    e = c[8] + y * e
    e = c[7] + y * e
    e = c[6] + y * e
    e = c[5] + y * e
    e = c[4] + y * e
    e = c[3] + y * e
    e = c[2] + y * e
    e = c[1] + y * e
    e = c[0] + y * e
    for _ in range(6):
        e = e * e
    return e if x > _EXP_FLOOR else 0.0


@njit(cache=True)
def mixture_objective(x, n_atoms, z_re, z_im, frequencies, variance_freqs, inv_norm,
                      grad, damping, grad_c, grad_v, grad_w, atoms_re, atoms_im):
    """Relative residual ``‖z - Σ_k α_k A_k‖² / ‖z‖²`` at the flat parameters ``x``.

    Parameters
    ----------
    x : ndarray of shape (K (d + p + 1),), float64
        Centres (``K × d``, row-major), variances (``K × p``: ``p = 0`` for Diracs,
        ``1`` for spherical and ``d`` for diagonal atoms) and weights (``K``).
    n_atoms : int
        ``K``.
    z_re, z_im : ndarray of shape (m,), float64
        The sketch.
    frequencies : ndarray of shape (d, m), float64, C-contiguous
        ``Ω``.
    variance_freqs : ndarray of shape (p, m), float64
        The atoms' damping is ``exp(-½ Σ_q s_kq² v_qj)`` with these rows (the squared
        radii, in the metric, for spherical atoms, ``Ω²`` for diagonal ones).
    inv_norm : float
        ``1 / ‖z‖²``.
    grad : ndarray of shape x.shape, float64
        Output: the gradient of the relative residual.
    damping, grad_c, grad_v, grad_w, atoms_re, atoms_im : ndarray, float64
        Work space of shapes ``(K, m)``, ``(K, d)``, ``(K, p)``, ``(K,)``, ``(K, m)``
        and ``(K, m)``.

    Returns
    -------
    cost : float
    """
    d, m = frequencies.shape
    p = variance_freqs.shape[0]
    n_c = n_atoms * d
    n_v = n_atoms * p
    centers = x[:n_c].reshape((n_atoms, d))
    weights = x[n_c + n_v:]
    for k in range(n_atoms):
        for j in range(m):
            damping[k, j] = 0.0
        for q in range(p):
            s = -0.5 * x[n_c + k * p + q]
            for j in range(m):
                damping[k, j] += s * variance_freqs[q, j]
        if p > 0:
            for j in range(m):
                damping[k, j] = _exp_nonpositive(damping[k, j])
        else:
            for j in range(m):
                damping[k, j] = 1.0
    cost = mixture_cost_grad_kernel(z_re, z_im, frequencies, centers, damping, weights,
                                    variance_freqs, grad_c, grad_v, grad_w, atoms_re,
                                    atoms_im)
    for k in range(n_atoms):
        for l in range(d):
            grad[k * d + l] = grad_c[k, l] * inv_norm
        for q in range(p):
            grad[n_c + k * p + q] = weights[k] * grad_v[k, q] * inv_norm
        grad[n_c + n_v + k] = grad_w[k] * inv_norm
    return cost * inv_norm


@njit(cache=True)
def objective_work(n_atoms, d, p, m):
    """The work space of :func:`mixture_objective`: ``damping, grad_c, grad_v, grad_w,
    atoms_re, atoms_im`` for ``n_atoms`` atoms with ``p`` variances each, ``d``
    features and ``m`` frequencies."""
    return (np.empty((n_atoms, m)), np.empty((n_atoms, d)), np.empty((n_atoms, p)),
            np.empty(n_atoms), np.empty((n_atoms, m)), np.empty((n_atoms, m)))


@njit(cache=True)
def _project(x, lower, upper, out):
    """``out = clip(x, lower, upper)``; return whether anything was clipped."""
    clipped = False
    for i in range(x.shape[0]):
        v = x[i]
        if v < lower[i]:
            v = lower[i]
            clipped = True
        elif v > upper[i]:
            v = upper[i]
            clipped = True
        out[i] = v
    return clipped


@njit(cache=True)
def box_lbfgs(x, lower, upper, n_atoms, z_re, z_im, frequencies, variance_freqs,
              inv_norm, max_iter, ftol, gtol):
    """Minimise :func:`mixture_objective` over the box ``[lower, upper]`` from ``x``.

    Parameters
    ----------
    x : ndarray of shape (n,), float64
        Start (projected on the box first); overwritten by the solution.
    lower, upper : ndarray of shape (n,), float64
        Bounds (``±inf`` allowed).
    n_atoms, z_re, z_im, frequencies, variance_freqs, inv_norm
        As :func:`mixture_objective`.
    max_iter : int
        Maximum number of iterations.
    ftol : float
        Stop when an iteration lowers the cost by at most ``ftol · max(|f|, 1)``.
    gtol : float
        Stop when the projected gradient's largest entry is at most ``gtol``.

    Returns
    -------
    cost : float
        The cost at the returned ``x`` (NaN if it was not finite at the start).
    n_iter : int
        Iterations run.
    n_eval : int
        Evaluations of the cost and gradient.
    """
    n = x.shape[0]
    d, m = frequencies.shape
    p = variance_freqs.shape[0]
    damping, grad_c, grad_v, grad_w, atoms_re, atoms_im = objective_work(n_atoms, d, p, m)
    g = np.empty(n)
    g_new = np.empty(n)
    x_new = np.empty(n)
    x_best = np.empty(n)
    g_best = np.empty(n)
    direction = np.empty(n)
    free = np.empty(n, dtype=np.bool_)
    s_mem = np.zeros((N_MEMORY, n))
    y_mem = np.zeros((N_MEMORY, n))
    rho = np.zeros(N_MEMORY)
    alpha = np.zeros(N_MEMORY)
    _project(x, lower, upper, x)
    f = mixture_objective(x, n_atoms, z_re, z_im, frequencies, variance_freqs, inv_norm,
                          g, damping, grad_c, grad_v, grad_w, atoms_re, atoms_im)
    n_eval = 1
    if not np.isfinite(f):
        return np.nan, 0, n_eval
    n_pairs = 0  # stored pairs, the newest at (newest)
    newest = -1
    gamma = 1.0
    n_iter = 0
    n_small = 0
    while n_iter < max_iter:
        # free variables: those not held at a bound by the gradient
        pg_max = 0.0
        g_free_sq = 0.0
        for i in range(n):
            held = (x[i] <= lower[i] and g[i] > 0.0) or (x[i] >= upper[i] and g[i] < 0.0)
            free[i] = not held
            if not held:
                pg_max = max(pg_max, abs(g[i]))
                g_free_sq += g[i] * g[i]
        if pg_max <= gtol:
            break
        # two-loop recursion in the subspace of the free variables (the pairs restricted
        # to it; a pair without positive curvature there is skipped)
        for i in range(n):
            direction[i] = g[i] if free[i] else 0.0
        gamma_free = 0.0
        idx = newest
        for _ in range(n_pairs):
            sy = 0.0
            yy = 0.0
            for i in range(n):
                if free[i]:
                    sy += s_mem[idx, i] * y_mem[idx, i]
                    yy += y_mem[idx, i] * y_mem[idx, i]
            if sy > 1e-10 * yy and yy > 0.0:
                rho[idx] = 1.0 / sy
                if gamma_free == 0.0:
                    gamma_free = sy / yy  # from the newest valid pair
            else:
                rho[idx] = 0.0
            a = 0.0
            for i in range(n):
                if free[i]:
                    a += s_mem[idx, i] * direction[i]
            a *= rho[idx]
            alpha[idx] = a
            for i in range(n):
                if free[i]:
                    direction[i] -= a * y_mem[idx, i]
            idx = (idx - 1) % N_MEMORY
        if gamma_free > 0.0:
            gamma = gamma_free
        for i in range(n):
            direction[i] *= gamma
        idx = (newest - n_pairs + 1) % N_MEMORY
        for _ in range(n_pairs):
            b = 0.0
            for i in range(n):
                if free[i]:
                    b += y_mem[idx, i] * direction[i]
            b *= rho[idx]
            for i in range(n):
                if free[i]:
                    direction[i] += s_mem[idx, i] * (alpha[idx] - b)
            idx = (idx + 1) % N_MEMORY
        slope = 0.0
        for i in range(n):
            direction[i] = -direction[i] if free[i] else 0.0
            slope += g[i] * direction[i]
        if not slope < 0.0 or n_pairs == 0:
            # not a descent direction (or no curvature yet): steepest descent
            n_pairs = 0
            for i in range(n):
                direction[i] = -g[i] if free[i] else 0.0
            step = 1.0 / max(np.sqrt(g_free_sq), 1e-300)
        else:
            step = 1.0
        # line search along the projected path for a step that satisfies Armijo's and
        # the strong Wolfe conditions (Nocedal and Wright, Alg. 3.5-3.6): steps double
        # until the minimum is bracketed, then safeguarded quadratic interpolation
        accepted = False
        f_best = f
        t_low, f_low, dphi_low = 0.0, f, slope
        t_high, f_high = np.inf, np.inf
        for _ in range(MAX_LINE_SEARCH):
            for i in range(n):
                x_new[i] = x[i] + step * direction[i]
            bent = _project(x_new, lower, upper, x_new)
            decrease = 0.0
            for i in range(n):
                decrease += g[i] * (x_new[i] - x[i])
            f_new = mixture_objective(x_new, n_atoms, z_re, z_im, frequencies,
                                      variance_freqs, inv_norm, g_new, damping, grad_c,
                                      grad_v, grad_w, atoms_re, atoms_im)
            n_eval += 1
            if not (np.isfinite(f_new) and f_new <= f + ARMIJO * decrease
                    and (t_low == 0.0 or f_new < f_low)):
                t_high = step
                f_high = f_new if np.isfinite(f_new) else np.inf
            else:
                accepted = True
                f_best = f_new
                for i in range(n):
                    x_best[i] = x_new[i]
                    g_best[i] = g_new[i]
                dphi = 0.0
                for i in range(n):
                    dphi += g_new[i] * direction[i]
                if bent or abs(dphi) <= -WOLFE * slope:
                    break  # the path is bent by the bounds, or flat enough
                if dphi * (t_high - step) >= 0.0 if np.isfinite(t_high) else dphi >= 0.0:
                    t_high, f_high = t_low, f_low
                t_low, f_low, dphi_low = step, f_new, dphi
            if not np.isfinite(t_high):
                step = 2.0 * t_low
                continue
            width = t_high - t_low
            if accepted and abs(width) <= 1e-10 * max(abs(t_low), abs(t_high)):
                break
            # minimiser of the quadratic through (t_low, f_low, dphi_low) and f_high,
            # kept within [0.1, 0.9] of the bracket
            denom = 2.0 * (f_high - f_low - dphi_low * width)
            ratio = -dphi_low * width / denom if (np.isfinite(f_high) and denom > 0.0) \
                else 0.5
            step = t_low + min(max(ratio, 0.1), 0.9) * width
        if accepted:
            f_new = f_best
            for i in range(n):
                x_new[i] = x_best[i]
                g_new[i] = g_best[i]
        if not accepted:
            if n_pairs > 0:
                n_pairs = 0  # retry from steepest descent
                n_iter += 1
                continue
            break
        n_iter += 1
        # the correction pair (skipped when the curvature is not positive)
        sy = 0.0
        yy = 0.0
        for i in range(n):
            si = x_new[i] - x[i]
            yi = g_new[i] - g[i]
            sy += si * yi
            yy += yi * yi
        if sy > 1e-10 * yy and yy > 0.0:
            newest = (newest + 1) % N_MEMORY
            for i in range(n):
                s_mem[newest, i] = x_new[i] - x[i]
                y_mem[newest, i] = g_new[i] - g[i]
            rho[newest] = 1.0 / sy
            gamma = sy / yy
            n_pairs = min(n_pairs + 1, N_MEMORY)
        f_old = f
        f = f_new
        for i in range(n):
            x[i] = x_new[i]
            g[i] = g_new[i]
        if f_old - f <= ftol * max(abs(f_old), abs(f), 1.0):
            n_small += 1
            if n_small >= N_SMALL_STEPS:
                break
        else:
            n_small = 0
    return f, n_iter, n_eval
