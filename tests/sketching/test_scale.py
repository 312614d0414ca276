import numpy as np
import pytest

from skfrugal.sketching import estimate_scale


def _mixture(seed, n_clusters=10, n_features=10, n_samples=20000):
    # the notes' benchmark: centres ~ N(0, 1.5² K^{2/d} I), unit-variance clusters
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=1.5 * n_clusters ** (1 / n_features),
                         size=(n_clusters, n_features))
    return centres[rng.integers(n_clusters, size=n_samples)] + rng.normal(
        size=(n_samples, n_features))


@pytest.mark.parametrize("seed", range(4))
def test_scale_within_30_percent_on_the_k10_d10_benchmark(seed):
    # truth: the intra-cluster variance is 1 (pycle's estimate: 1.4 to 1.9)
    assert 0.7 < estimate_scale(_mixture(seed), random_state=seed) < 1.3


def test_scale_of_one_gaussian_blob_and_units():
    X = np.random.default_rng(0).normal(size=(10000, 5))
    assert estimate_scale(X, random_state=0) == pytest.approx(1.0, rel=0.1)
    # the scale is a variance: multiplying the data by 3 multiplies it by 9
    assert estimate_scale(3.0 * X, random_state=0) == pytest.approx(9.0, rel=0.1)


def test_reproducible():
    X = _mixture(0, n_samples=5000)
    assert estimate_scale(X, random_state=3) == estimate_scale(X, random_state=3)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.ones((10, 3)), ValueError, "constant"),
        (np.array([[np.nan, 1.0], [1.0, 2.0]]), ValueError, "NaN"),
        (np.ones((1, 3)), ValueError, "minimum of 2"),
        (np.ones(5), ValueError, "2D array"),
    ],
)
def test_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        estimate_scale(X)
