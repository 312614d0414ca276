"""Decoders on sketches with a known answer."""

import numpy as np
import pytest

from skfrugal.decoding import (
    DecoderInputs,
    atom_sketches,
    cl_ompr,
    global_descent,
    mixture_sketch,
    nnls_weights,
    sketch_and_shift,
)
from skfrugal.metrics import matched_centroid_distances
from skfrugal.sketching import draw_frequencies


def _problem(K=4, d=3, m=300, seed=0, var=0.05, spread=1.5):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=spread, size=(K, d))
    variances = np.full(K, var)
    weights = rng.dirichlet(np.full(K, 5.0))
    omega = draw_frequencies(m, d, "adapted_radius", var, seed)
    z = mixture_sketch(omega, centers, variances, weights)
    lower = centers.min(axis=0) - 4 * np.sqrt(var)
    upper = centers.max(axis=0) + 4 * np.sqrt(var)
    return z, omega, centers, variances, weights, lower, upper


def test_nnls_recovers_weights_of_a_noiseless_mixture():
    z, omega, centers, variances, weights, _, _ = _problem()
    np.testing.assert_allclose(
        nnls_weights(z, atom_sketches(omega, centers, variances)), weights, atol=1e-10)


@pytest.mark.parametrize("diag", [False, True])
def test_global_descent_recovers_a_mixture_from_a_nearby_start(diag):
    z, omega, centers, variances, weights, lower, upper = _problem(seed=1)
    rng = np.random.default_rng(1)
    var0 = np.full((4, 3), 0.08) if diag else np.full(4, 0.08)
    c, v, w, cost, _ = global_descent(
        z, omega, centers + 0.05 * rng.normal(size=centers.shape), var0,
        np.full(4, 0.25), lower, upper, variance_bounds=(0.0, 1.0), tol=1e-14,
        max_iter=2000,
    )
    assert cost < 1e-8
    np.testing.assert_allclose(c, centers, atol=1e-3)
    expected_v = np.repeat(variances[:, None], 3, axis=1) if diag else variances
    np.testing.assert_allclose(v, expected_v, atol=1e-3)
    np.testing.assert_allclose(w, weights, atol=1e-3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sketch_and_shift_recovers_a_noiseless_mixture(seed):
    z, omega, centers, variances, weights, lower, upper = _problem(K=5, d=4, m=400,
                                                                   seed=seed)
    inputs = DecoderInputs.from_arrays(z, omega, lower, upper, scale=0.05)
    res = sketch_and_shift(inputs, 5, tol=1e-12, n_candidates=300,
                           random_state=np.random.RandomState(seed))
    dist, match = matched_centroid_distances(res.centers, centers)
    assert dist.max() < 1e-2
    np.testing.assert_allclose(res.weights[match[:, 0]], weights, atol=1e-2)
    np.testing.assert_allclose(res.variances[match[:, 0]], variances, atol=5e-3)
    assert res.cost < 1e-4


def test_sketch_and_shift_diag_covariance():
    rng = np.random.default_rng(3)
    K, d = 3, 2
    centers = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    variances = rng.uniform(0.02, 0.08, size=(K, d))
    weights = np.array([0.5, 0.3, 0.2])
    omega = draw_frequencies(200, d, "adapted_radius", 0.05, 3)
    z = mixture_sketch(omega, centers, variances, weights)
    inputs = DecoderInputs.from_arrays(z, omega, np.full(d, -1.0), np.full(d, 3.0),
                                       scale=0.05)
    res = sketch_and_shift(inputs, K, covariance="diag", tol=1e-12,
                           random_state=np.random.RandomState(0))
    dist, match = matched_centroid_distances(res.centers, centers)
    assert dist.max() < 1e-2
    np.testing.assert_allclose(res.variances[match[:, 0]], variances, atol=5e-3)


def test_cl_ompr_on_an_easy_problem():
    z, omega, centers, variances, weights, lower, upper = _problem(K=3, d=2, m=100, seed=0,
                                                                   spread=2.0)
    inputs = DecoderInputs.from_arrays(z, omega, lower, upper, scale=0.05)
    res = cl_ompr(inputs, 3, random_state=np.random.RandomState(0))
    dist, _ = matched_centroid_distances(res.centers, centers)
    assert dist.max() < 1e-2
    assert res.info["dirac_cost"] > res.cost  # the Gaussian descent removes the bias
    res_dirac = cl_ompr(inputs, 3, covariance=None, random_state=np.random.RandomState(0))
    assert res_dirac.variances is None
    assert res_dirac.weights.sum() == pytest.approx(1.0)


def test_sketch_and_shift_succeeds_where_cl_ompr_starts_in_noise():
    # compact clusters in a large box: CL-OMPR's random starts see a flat correlation
    z, omega, centers, variances, weights, lower, upper = _problem(K=3, d=2, m=100, seed=2,
                                                                   spread=2.0)
    inputs = DecoderInputs.from_arrays(z, omega, lower, upper, scale=0.05)
    bad = cl_ompr(inputs, 3, random_state=np.random.RandomState(0))
    good = sketch_and_shift(inputs, 3, tol=1e-12, random_state=np.random.RandomState(0))
    assert matched_centroid_distances(bad.centers, centers)[0].max() > 1.0
    assert matched_centroid_distances(good.centers, centers)[0].max() < 1e-2
    assert good.cost < 1e-6 < bad.cost
