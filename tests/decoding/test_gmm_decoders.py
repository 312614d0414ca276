"""The GMM decoders on exact sketches of known mixtures, and the step-1 gradient."""

import numpy as np
import pytest
from scipy.optimize import check_grad

from skfrugal.decoding import DecoderInputs, cl_ompr_gmm, mixture_sketch, split_gmm
from skfrugal.decoding._gmm import normalized_correlation_and_gradient
from skfrugal.metrics import matched_centroid_distances
from skfrugal.sketching import draw_frequencies


@pytest.mark.parametrize("spherical", [False, True])
def test_step1_gradient_matches_finite_differences(spherical):
    rng = np.random.default_rng(0)
    d, m = 3, 40
    omega = rng.normal(size=(d, m))
    r = rng.normal(size=m) + 1j * rng.normal(size=m)
    metric = rng.uniform(0.5, 2.0, size=d) if spherical else None
    nv = 1 if spherical else d

    def value(p):
        return normalized_correlation_and_gradient(p[:d], p[d:], r, omega, omega**2,
                                                   metric)[0]

    def grad(p):
        _, gm, gv = normalized_correlation_and_gradient(p[:d], p[d:], r, omega, omega**2,
                                                        metric)
        return np.concatenate([gm, gv])

    p0 = np.concatenate([rng.normal(size=d), rng.uniform(0.2, 1.0, size=nv)])
    assert check_grad(value, grad, p0, epsilon=1e-7) < 1e-5 * np.linalg.norm(grad(p0))
    # value: Re<A/|A|, r> computed directly
    s2 = p0[d:] * metric if spherical else p0[d:]
    atom = np.exp(-1j * (p0[:d] @ omega)) * np.exp(-0.5 * (s2 @ omega**2))
    expected = np.real(np.vdot(atom, r)) / np.linalg.norm(atom)
    assert value(p0) == pytest.approx(expected, rel=1e-12)


def _exact_problem(K=3, d=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(K, d)) * 1.5
    variances = rng.uniform(0.05, 0.2, size=(K, d))
    weights = rng.dirichlet(np.full(K, 5.0))
    omega = draw_frequencies(6 * (2 * d + 1) * K, d, scale=0.1, random_state=seed)
    z = mixture_sketch(omega, centers, variances, weights)
    lower, upper = centers.min(0) - 1.0, centers.max(0) + 1.0
    data_mean = weights @ centers
    data_var = weights @ (variances + centers**2) - data_mean**2
    return z, omega, centers, variances, weights, lower, upper, data_mean, data_var


@pytest.mark.parametrize("decoder", ["cl_ompr", "split"])
def test_decoders_recover_an_exact_mixture(decoder):
    z, omega, centers, variances, weights, lo, hi, mean, var = _exact_problem()
    inputs = DecoderInputs.from_arrays(z, omega, lo, hi, scale=0.1, data_mean=mean,
                                       data_var=var)
    if decoder == "cl_ompr":
        res = cl_ompr_gmm(inputs, 3, variance_bounds=(1e-4, var),
                          random_state=np.random.RandomState(0))
    else:
        res = split_gmm(inputs, 3, variance_bounds=(1e-4, var))
    assert res.cost < 1e-8
    dist, match = matched_centroid_distances(res.centers, centers)
    assert dist.max() < 1e-3
    np.testing.assert_allclose(res.variances[match[:, 0]], variances, rtol=1e-2)
    np.testing.assert_allclose(res.weights[match[:, 0]], weights, atol=1e-4)


def test_cl_ompr_spherical_with_metric():
    d, K = 3, 2
    metric = np.array([0.5, 1.0, 1.5])
    centers = np.array([[-1.0, 0.0, 0.5], [1.0, 0.5, -0.5]])
    s2 = np.array([0.1, 0.05])
    weights = np.array([0.4, 0.6])
    omega = draw_frequencies(200, d, scale=0.1, random_state=0)
    z = mixture_sketch(omega, centers, s2, weights, metric=metric)
    inputs = DecoderInputs.from_arrays(z, omega, np.full(d, -2.0), np.full(d, 2.0),
                                       scale=0.1, data_mean=weights @ centers,
                                       data_var=np.ones(d), metric=metric)
    res = cl_ompr_gmm(inputs, K, covariance="spherical", variance_bounds=(1e-4, 1.0),
                      random_state=np.random.RandomState(0))
    dist, match = matched_centroid_distances(res.centers, centers)
    assert dist.max() < 1e-3
    np.testing.assert_allclose(res.variances[match[:, 0]], s2, rtol=1e-2)
