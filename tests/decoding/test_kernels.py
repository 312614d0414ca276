"""The numba kernels of skfrugal.decoding against NumPy brute force."""

import numpy as np
import pytest

from skfrugal.decoding import (
    atom_sketches,
    correlation_and_gradient,
    gaussian_kernel_weights,
    global_descent,
    mean_shift,
    mixture_cost_and_gradient,
)
from skfrugal.decoding._kernels import sincos_kernel
from skfrugal.decoding._mean_shift import merge_modes
from skfrugal.sketching import draw_frequencies


@pytest.mark.parametrize("span", [1.0, 100.0, 1e4])
def test_sincos_matches_numpy(span):
    x = np.random.default_rng(0).uniform(-span, span, 20_000)
    x[:5] = [0.0, np.pi / 4, -np.pi / 2, np.pi, 3 * np.pi / 4]
    s, c = np.empty_like(x), np.empty_like(x)
    sincos_kernel(x, s, c)
    tol = 4e-16 * max(span, 4.0)
    np.testing.assert_allclose(s, np.sin(x), rtol=0, atol=tol)
    np.testing.assert_allclose(c, np.cos(x), rtol=0, atol=tol)


@pytest.mark.parametrize("kind", ["dirac", "spherical", "diag", "metric"])
def test_cost_gradient_kernel_matches_brute_force(kind):
    rng = np.random.default_rng(1)
    K, d, m = 4, 3, 50
    omega = draw_frequencies(m, d, random_state=2)
    z = 0.3 * (rng.normal(size=m) + 1j * rng.normal(size=m))
    centers = rng.normal(size=(K, d))
    weights = rng.uniform(0.1, 0.4, K)
    metric = np.array([0.5, 1.0, 2.0]) if kind == "metric" else None
    var = {"dirac": None, "diag": rng.uniform(0.2, 1.0, (K, d))}.get(
        kind, rng.uniform(0.2, 1.0, K))
    cost, gc, gv, gw = mixture_cost_and_gradient(z, omega, centers, var, weights,
                                                 metric=metric)
    # brute force: complex atoms, residual, closed-form derivatives of each atom
    A = atom_sketches(omega, centers, var, metric=metric)
    r = z - weights @ A
    assert cost == pytest.approx(np.sum(np.abs(r) ** 2), rel=1e-13)
    for k in range(K):
        # d‖r‖²/dθ = -2 Re Σ_j conj(r_j) α_k dA_kj/dθ
        np.testing.assert_allclose(gw[k], -2 * np.real(np.sum(np.conj(r) * A[k])),
                                   rtol=1e-12, atol=1e-14)
        for l in range(d):
            dA = -1j * omega[l] * A[k]
            np.testing.assert_allclose(
                gc[k, l], -2 * weights[k] * np.real(np.sum(np.conj(r) * dA)),
                rtol=1e-12, atol=1e-14)
        if kind == "diag":
            for l in range(d):
                dA = -0.5 * omega[l] ** 2 * A[k]
                np.testing.assert_allclose(
                    gv[k, l], -2 * weights[k] * np.real(np.sum(np.conj(r) * dA)),
                    rtol=1e-12, atol=1e-14)
        elif kind != "dirac":
            g = np.ones(d) if metric is None else metric
            dA = -0.5 * (g @ omega**2) * A[k]
            np.testing.assert_allclose(
                gv[k], -2 * weights[k] * np.real(np.sum(np.conj(r) * dA)),
                rtol=1e-12, atol=1e-14)
        else:
            assert gv is None


def test_correlation_kernel_matches_brute_force():
    rng = np.random.default_rng(3)
    d, m = 4, 60
    omega = draw_frequencies(m, d, random_state=4)
    r = rng.normal(size=m) + 1j * rng.normal(size=m)
    points = 3.0 * rng.normal(size=(7, d))
    value, grad = correlation_and_gradient(points, r, omega)  # float64: numba kernel
    e = np.exp(1j * (points @ omega))  # (P, m)
    np.testing.assert_allclose(value, np.real(e @ r), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, -np.imag(e * r) @ omega.T, rtol=1e-12, atol=1e-12)
    v32, g32 = correlation_and_gradient(points, r, omega, np.float32)
    np.testing.assert_allclose(v32, value, atol=1e-3)
    np.testing.assert_allclose(g32, grad, atol=1e-3)


@pytest.mark.parametrize("kind", ["dirac", "spherical", "diag"])
def test_box_lbfgs_reaches_scipy_lbfgsb_minimum(kind):
    # a noisy sketch (nonzero minimum) with binding bounds: the compiled descent ends
    # where SciPy's L-BFGS-B, run to convergence on the same objective, ends
    from scipy.optimize import minimize

    rng = np.random.default_rng(5)
    K, d, m = 3, 2, 80
    omega = draw_frequencies(m, d, "adapted_radius", 0.1, 5)
    centers = rng.normal(size=(K, d))
    z = atom_sketches(omega, centers, np.full(K, 0.1)).mean(axis=0)
    z = z + 0.02 * (rng.normal(size=m) + 1j * rng.normal(size=m))
    var0 = {"dirac": None, "spherical": np.full(K, 0.05), "diag": np.full((K, d), 0.05)}[kind]
    start = centers + 0.1 * rng.normal(size=(K, d))
    lower, upper = centers.min(axis=0) - 0.05, centers.max(axis=0)  # binds a centre
    bounds = (0.0, 0.08)  # binds the variances (truth 0.1)
    c, v, w, cost, _ = global_descent(z, omega, start, var0, np.full(K, 0.3), lower, upper,
                                      variance_bounds=bounds, tol=0.0, max_iter=3000)
    norm = np.vdot(z, z).real
    n_c, n_v = K * d, 0 if var0 is None else np.size(var0)

    def fun(p):
        vv = None if var0 is None else p[n_c:n_c + n_v].reshape(np.shape(var0))
        f, gc, gv, gw = mixture_cost_and_gradient(z, omega, p[:n_c].reshape(K, d), vv,
                                                  p[n_c + n_v:])
        parts = [gc.ravel()] + ([] if gv is None else [np.ravel(gv)]) + [gw]
        return f / norm, np.concatenate(parts) / norm

    box = [(lo, hi) for lo, hi in zip(np.tile(lower, K), np.tile(upper, K))]
    box += [bounds] * n_v + [(0.0, None)] * K
    x0 = np.concatenate([start.ravel()] + ([] if var0 is None else [np.ravel(var0)])
                        + [np.full(K, 0.3)])
    ref = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=box,
                   options={"maxiter": 3000, "ftol": 0.0, "gtol": 1e-12})
    assert cost == pytest.approx(ref.fun, rel=1e-6)
    mine = np.concatenate([c.ravel()] + ([] if v is None else [np.ravel(v)]) + [w])
    np.testing.assert_allclose(mine, ref.x, atol=1e-4)
    lo = np.array([b[0] for b in box])
    hi = np.array([np.inf if b[1] is None else b[1] for b in box])
    assert np.all(mine >= lo) and np.all(mine <= hi)
    assert np.any(mine == hi)  # a bound binds


def test_mean_shift_step_matches_brute_force():
    # one step at one bandwidth: c + H² ∇f(c) / f(c), f the weighted correlation
    rng = np.random.default_rng(6)
    d, m = 3, 120
    omega = draw_frequencies(m, d, random_state=6)
    centers = 2.0 * rng.normal(size=(4, d))
    z = atom_sketches(omega, centers, np.full(4, 0.3)).mean(axis=0)
    weights, h2 = gaussian_kernel_weights(omega)
    points = centers + 0.3 * rng.normal(size=centers.shape)
    moved, _, n_steps = mean_shift(points, z, omega, kernel=(weights, h2), levels=[1.0],
                                   max_iter=1, threshold=0.0)
    # the entries that carry all but 1e-3 of the weight (the others are left out)
    order = np.argsort(-weights, kind="stable")
    share = np.cumsum(weights[order])
    used = order[:np.searchsorted(share, (1.0 - 1e-3) * share[-1]) + 1]
    e = np.exp(1j * (points @ omega[:, used])) * (weights * z)[used]  # (P, m')
    f = e.real.sum(axis=1)
    grad = -e.imag @ omega[:, used].T
    step = h2 * grad / f[:, None]
    length = np.linalg.norm(step, axis=1, keepdims=True)
    step *= np.minimum(1.0, 3.0 * np.sqrt(h2) / length)
    assert n_steps == 1
    np.testing.assert_allclose(moved, points + step, rtol=1e-10, atol=1e-12)


def test_merge_modes_matches_greedy_brute_force():
    rng = np.random.default_rng(7)
    points = rng.normal(size=(300, 3))
    density = rng.uniform(size=300)
    modes, dens = merge_modes(points, density, 0.8)
    kept = []
    for i in np.argsort(-density, kind="stable"):
        if all(np.sum((points[j] - points[i]) ** 2) >= 0.64 for j in kept):
            kept.append(i)
    np.testing.assert_array_equal(modes, points[kept])
    np.testing.assert_array_equal(dens, density[kept])


def test_damping_exp_matches_numpy():
    # the descent's exp of non-positive arguments: relative error < 1e-13 down to
    # exp(-40), 0 below (4e-18, under the rounding of sketch entries)
    from numba import njit

    from skfrugal.decoding._lbfgs import _exp_nonpositive

    @njit
    def evaluate(x, out):
        for i in range(x.shape[0]):
            out[i] = _exp_nonpositive(x[i])

    x = -np.concatenate([np.linspace(0.0, 50.0, 20_001),
                         np.random.default_rng(8).uniform(0.0, 40.0, 20_000)])
    out = np.empty_like(x)
    evaluate(x, out)
    inside = x > -40.0
    np.testing.assert_allclose(out[inside], np.exp(x[inside]), rtol=1e-13, atol=0)
    assert np.all(out[~inside] == 0.0)
