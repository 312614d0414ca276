"""The numba kernels of skfrugal.decoding against NumPy brute force."""

import numpy as np
import pytest

from skfrugal.decoding import atom_sketches, correlation_and_gradient
from skfrugal.decoding._atoms import CostGradient
from skfrugal.decoding._kernels import sincos_kernel
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
    cost, gc, gv, gw = CostGradient(z, omega, var, metric=metric)(centers, var, weights)
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
