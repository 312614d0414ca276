"""Generators: argument validation (clear errors, never a silent NaN data set)."""

import numpy as np
import pytest

from skfrugal import datasets


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: datasets.make_sparse_precision(5, weight_range=()), "weight_range"),
        (lambda: datasets.make_sparse_precision(5, weight_range=(0.7, 0.3)), "weight_range"),
        (lambda: datasets.make_sparse_precision(5, weight_range=(np.nan, 1)), "NaN"),
        (lambda: datasets.make_sparse_precision(5, min_eigenvalue=np.inf), "min_eigenvalue"),
        (lambda: datasets.make_sparse_precision(5, n_edges=11), "n_edges"),
        (lambda: datasets.sample_gaussian_graph(10, np.ones((3, 2))), "square"),
        (lambda: datasets.sample_gaussian_graph(10, [[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (lambda: datasets.sample_gaussian_graph(10, -np.eye(3)), "positive definite"),
        (lambda: datasets.sample_gaussian_graph(10, np.eye(3) * np.nan), "NaN"),
        (lambda: datasets.sample_gaussian_graph(10, np.eye(3) + 1j), "[Cc]omplex"),
        (lambda: datasets.sample_gaussian_graph(2.5, np.eye(3)), "n_samples"),
        (lambda: datasets.make_gmm(10, 2, 2, separation=np.inf), "separation"),
        (lambda: datasets.make_gmm(10, 2, 2, variances=[np.nan, 1.0]), "NaN"),
        (lambda: datasets.make_gmm(10, 2, 2, weights=[0, 0]), "positive sum"),
        (lambda: datasets.make_gmm(10, 2, 2, weights=[1j, 1]), "[Cc]omplex"),
        (lambda: datasets.make_correlated_regression(10, 5, noise=np.inf), "noise"),
        (lambda: datasets.make_correlated_regression(10, 5, coef_values=[]), "coef_values"),
        (lambda: datasets.make_correlated_regression(10, 5, coef_values=["a"]), "float"),
    ],
)
def test_bad_arguments_are_refused(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@pytest.mark.parametrize("factor", [1.0, 1e-280, 1e280])
def test_sample_gaussian_graph_at_extreme_scales(factor):
    """Samples of Θ·c have covariance Σ/c: the factorisation is done in Θ's own units."""
    prec = datasets.make_sparse_precision(4, random_state=0)
    X = datasets.sample_gaussian_graph(20000, prec * factor, random_state=0)
    assert np.all(np.isfinite(X))
    cov = np.cov(X.T * np.sqrt(factor))
    np.testing.assert_allclose(cov, np.linalg.inv(prec), atol=0.05)
    base = datasets.sample_gaussian_graph(20000, prec, random_state=0)
    np.testing.assert_allclose(X * np.sqrt(factor), base, rtol=1e-9, atol=1e-12)


def test_generators_accept_numpy_scalars_and_lists():
    a = datasets.make_gmm(np.int64(50), 3, 2, separation=np.float64(2.0), random_state=0)
    b = datasets.make_gmm(50, 3, 2, separation=2.0, random_state=0)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    prec = datasets.make_sparse_precision(4, weight_range=[0.3, 0.7], random_state=0)
    np.testing.assert_array_equal(prec, datasets.make_sparse_precision(4, random_state=0))


@pytest.mark.parametrize(
    "call",
    [
        lambda: datasets.make_gmm(10**9, 1000, 3),
        lambda: datasets.make_correlated_regression(10**9, 10**4),
        lambda: datasets.make_sparse_precision(10**7),
        lambda: datasets.sample_gaussian_graph(10**12, np.eye(3)),
    ],
)
def test_sizes_beyond_the_machine_are_refused_at_once(call):
    """A billion-row request fails before any work, naming the array, not after minutes."""
    with pytest.raises(ValueError, match="more than the .* of memory of this machine"):
        call()
