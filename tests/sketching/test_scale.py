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


def _clumpy_mixture(seed, n_clusters=10, n_features=10, n_samples=5000, n_clumps=20):
    # each cluster is 20 tight clumps (std 0.1) around unit-variance sub-centres: the
    # power decays slowly at large radii, as on real data with near-duplicates
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=1.5 * n_clusters ** (1 / n_features),
                         size=(n_clusters, n_features))
    clumps = centres[:, None, :] + rng.normal(size=(n_clusters, n_clumps, n_features))
    k = rng.integers(n_clusters, size=n_samples)
    j = rng.integers(n_clumps, size=n_samples)
    X = clumps[k, j] + 0.1 * rng.normal(size=(n_samples, n_features))
    within = np.mean([X[k == c].var(axis=0).mean() for c in range(n_clusters)])
    return X, within


@pytest.mark.parametrize("seed", range(3))
def test_known_number_of_clusters_keeps_the_scale_of_clumpy_clusters(seed):
    X, within = _clumpy_mixture(seed)
    # unbounded, the fit explains the slow tail by the clumps' width (variance 0.01)
    assert estimate_scale(X, random_state=seed) < 0.05 * within
    # with A = Σ α_k² >= 1 / K, the intra-cluster variance is recovered
    assert estimate_scale(X, n_clusters=10, random_state=seed) == pytest.approx(
        within, rel=0.3)


@pytest.mark.parametrize("seed", range(2))
def test_known_number_of_clusters_on_the_benchmark(seed):
    assert 0.7 < estimate_scale(_mixture(seed), n_clusters=10, random_state=seed) < 1.3


def test_one_cluster_fits_one_blob():
    X = np.random.default_rng(1).normal(scale=2.0, size=(5000, 4))
    assert estimate_scale(X, n_clusters=1, random_state=0) == pytest.approx(4.0, rel=0.1)


def test_subsample_is_uniform_distinct_and_sorted():
    from skfrugal.sketching._scale import _subsample

    rng = np.random.RandomState(0)
    counts = np.zeros(1000)
    for _ in range(2000):
        rows = _subsample(rng, 1000, 100)
        assert rows.shape == (100,) and np.all(np.diff(rows) > 0)
        assert rows[0] >= 0 and rows[-1] < 1000
        counts[rows] += 1
    # each row is drawn with probability 0.1: 200 ± 13.4 times in 2000 draws
    assert np.all(np.abs(counts - 200) < 6 * np.sqrt(2000 * 0.1 * 0.9))
    # chi-square of the counts, 999 degrees of freedom: mean 999, sd 45
    assert abs(np.sum((counts - 200) ** 2 / 180) - 999) < 5 * 45
