"""Atom sketches, their gradients and the sketched kernel density, against brute force."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from skfrugal.decoding import (
    atom_sketches,
    correlation_and_gradient,
    gaussian_kernel_weights,
    mixture_cost_and_gradient,
    mixture_sketch,
)
from skfrugal.sketching import draw_frequencies


def _empirical_sketch(X, omega):
    return np.exp(-1j * (X @ omega)).mean(axis=0)


@pytest.mark.parametrize("kind", ["dirac", "spherical", "diag", "metric"])
def test_atom_sketch_is_the_characteristic_function(kind):
    rng = np.random.default_rng(0)
    d, n = 3, 400_000
    omega = draw_frequencies(40, d, "gaussian", 1.0, 0)
    mu = np.array([[0.5, -1.0, 2.0]])
    metric = None
    if kind == "dirac":
        var, cov = None, np.zeros(d)
    elif kind == "spherical":
        var, cov = np.array([0.7]), np.full(d, 0.7)
    elif kind == "diag":
        var = np.array([[0.2, 1.0, 0.5]])
        cov = var[0]
    else:
        metric = np.array([0.5, 1.0, 1.5])
        var, cov = np.array([0.4]), 0.4 * metric
    X = mu + rng.standard_normal((n, d)) * np.sqrt(cov)
    atom = atom_sketches(omega, mu, var, metric=metric)[0]
    np.testing.assert_allclose(atom, _empirical_sketch(X, omega), atol=6 / np.sqrt(n))


def test_mixture_sketch_is_weighted_sum():
    omega = draw_frequencies(30, 2, random_state=1)
    centers = np.array([[0.0, 1.0], [2.0, -1.0]])
    var = np.array([0.3, 0.8])
    w = np.array([0.25, 0.75])
    atoms = atom_sketches(omega, centers, var)
    np.testing.assert_allclose(mixture_sketch(omega, centers, var, w),
                               0.25 * atoms[0] + 0.75 * atoms[1])


@pytest.mark.parametrize("kind", ["dirac", "spherical", "diag", "metric"])
def test_mixture_gradient_matches_finite_differences(kind):
    rng = np.random.default_rng(2)
    K, d, m = 3, 2, 25
    omega = draw_frequencies(m, d, random_state=3)
    z = rng.normal(size=m) + 1j * rng.normal(size=m)
    z *= 0.3
    centers = rng.normal(size=(K, d))
    weights = rng.uniform(0.2, 0.5, size=K)
    metric = np.array([0.5, 2.0]) if kind == "metric" else None
    var = {"dirac": None, "spherical": rng.uniform(0.2, 1.0, K),
           "diag": rng.uniform(0.2, 1.0, (K, d)), "metric": rng.uniform(0.2, 1.0, K)}[kind]
    n_c = K * d
    n_v = 0 if var is None else var.size

    def pack(c, v, a):
        return np.concatenate([c.ravel()] + ([] if v is None else [v.ravel()]) + [a])

    def unpack(p):
        c = p[:n_c].reshape(K, d)
        v = None if var is None else p[n_c:n_c + n_v].reshape(var.shape)
        return c, v, p[n_c + n_v:]

    def cost(p):
        return mixture_cost_and_gradient(z, omega, *unpack(p), metric=metric)[0]

    p0 = pack(centers, var, weights)
    _, gc, gv, ga = mixture_cost_and_gradient(z, omega, centers, var, weights, metric=metric)
    numeric = approx_fprime(p0, cost, 1e-7)
    np.testing.assert_allclose(pack(gc, gv, ga), numeric, rtol=1e-4, atol=1e-5)
    # the cost itself is the squared residual
    r = z - mixture_sketch(omega, centers, var, weights, metric=metric)
    assert cost(p0) == pytest.approx(np.sum(np.abs(r) ** 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_correlation_is_the_sketched_kde(dtype):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 3))
    omega = draw_frequencies(50, 3, random_state=5)
    z = _empirical_sketch(X, omega)
    points = rng.normal(size=(4, 3))
    value, grad = correlation_and_gradient(points, z, omega, dtype)
    # brute force: Σ_j mean_i cos(ω_jᵀ (c - x_i))
    brute = np.cos((points[:, None, :] - X[None]) @ omega).sum(axis=2).mean(axis=1)
    tol = 1e-10 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(value, brute, rtol=tol, atol=tol)
    for i in range(points.shape[0]):
        fd = approx_fprime(points[i], lambda c: correlation_and_gradient(
            c[None], z, omega)[0][0], 1e-7)
        np.testing.assert_allclose(grad[i], fd, rtol=1e-3 if dtype == np.float32 else 1e-5,
                                   atol=1e-3)


@pytest.mark.parametrize("law", ["adapted_radius", "gaussian", "folded_gaussian"])
def test_gaussian_kernel_weights_give_a_gaussian_kernel(law):
    d, m = 5, 20_000
    omega = draw_frequencies(m, d, law, 0.5, 6)
    w, h2 = gaussian_kernel_weights(omega)
    assert w.shape == (m,) and np.all(w >= 0) and w.sum() == pytest.approx(1.0)
    rng = np.random.default_rng(7)
    directions = rng.normal(size=(20, d))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    x = directions * np.linspace(0.0, 3.0, 20)[:, None] * np.sqrt(h2)
    kernel = np.cos(x @ omega) @ w
    np.testing.assert_allclose(kernel, np.exp(-np.sum(x**2, axis=1) / (2 * h2)), atol=0.05)
