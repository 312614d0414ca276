"""Metrics: argument validation, and the same answers anywhere in the float64 range."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import multivariate_normal

from skfrugal import metrics


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0], [5.0, 1.0], [-3.0, 4.0]])
    X = centers[np.repeat(np.arange(3), 40)] + rng.standard_normal((120, 2))
    return X, centers


def _brute_inertia(X, centers):
    return float(min_d2.sum()) if (min_d2 := ((X[:, None] - centers[None]) ** 2).sum(-1).min(1)
                                   ).size else 0.0


@pytest.mark.parametrize("factor", [1.0, 1e150, 1e-150, 1e100, 1e-200])
def test_kmeans_inertia_is_exact_at_any_scale(blobs, factor):
    X, centers = blobs
    expected = _brute_inertia(X, centers) * factor**2
    got = metrics.kmeans_inertia(X * factor, centers * factor, batch_size=7)
    assert got == pytest.approx(expected, rel=1e-12)


def test_kmeans_inertia_far_from_the_origin(blobs):
    """The old expansion |c|² - 2x·c + |x|² lost every digit 1e8 away from the origin."""
    X, centers = blobs
    offset = 1e8
    expected = _brute_inertia(X, centers)
    assert metrics.kmeans_inertia(X + offset, centers + offset) == pytest.approx(
        expected, rel=1e-6)


def test_kmeans_inertia_overflow_is_refused(blobs):
    X, centers = blobs
    with pytest.raises(ValueError, match="overflows float64"):
        metrics.kmeans_inertia(X * 1e300, centers)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X, C: metrics.kmeans_inertia(X, C, batch_size=0), "batch_size"),
        (lambda X, C: metrics.kmeans_inertia(X, C, batch_size=2.5), "batch_size"),
        (lambda X, C: metrics.kmeans_inertia(np.r_[X[:3], [[np.nan, 0.0]]], C), "NaN"),
        (lambda X, C: metrics.kmeans_inertia(X[:0], C), "at least one sample"),
        (lambda X, C: metrics.kmeans_inertia(X + 1j, C), "[Cc]omplex"),
        (lambda X, C: metrics.kmeans_inertia(X, C[:, :1]), "must have 2 features"),
        (lambda X, C: metrics.centroid_error(C, C, scale=np.nan), "scale"),
        (lambda X, C: metrics.centroid_error(C, C, scale=0.0), "scale"),
        (lambda X, C: metrics.centroid_error(C, C, reduce="median"), "reduce"),
        (lambda X, C: metrics.sse_ratio(X, C, np.full_like(C, np.inf)), "infinity"),
        (lambda X, C: metrics.gmm_log_likelihood(X, [1, 1, 1], C, [1.0] * 3, batch_size=-1),
         "batch_size"),
        (lambda X, C: metrics.gmm_log_likelihood(X, [0, 0, 0], C, [1.0] * 3),
         "positive sum"),
        (lambda X, C: metrics.gmm_log_likelihood(X, [1, 1, 1], C, [1.0 + 1j] * 3),
         "[Cc]omplex"),
        (lambda X, C: metrics.mixture_wasserstein([1.0] * 3, C, [1.0] * 3, [np.nan], C[:1],
                                                  [1.0]), "NaN"),
        (lambda X, C: metrics.graph_recovery_scores(np.eye(3), np.eye(3), threshold=np.nan),
         "threshold"),
        (lambda X, C: metrics.edge_f1_score(np.eye(3), np.ones((3, 2))), "square"),
        (lambda X, C: metrics.edge_f1_score(np.eye(3), np.eye(3) * np.nan), "NaN"),
        (lambda X, C: metrics.relative_frobenius_error(np.zeros((2, 2)), np.eye(2)), "zero"),
        (lambda X, C: metrics.relative_frobenius_error(np.eye(2), np.eye(3)), "shapes differ"),
    ],
)
def test_bad_arguments_are_refused(blobs, call, match):
    X, centers = blobs
    with pytest.raises((ValueError, TypeError), match=match):
        call(X, centers)


@pytest.mark.parametrize("factor", [1.0, 1e300, 1e-300])
def test_matched_distances_scale_with_the_data(blobs, factor):
    _, centers = blobs
    est = centers[[2, 0, 1]] + [[0.1, 0.0], [0.0, -0.2], [0.3, 0.4]]
    base_cost = ((est[:, None] - centers[None]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(base_cost)
    expected = np.sqrt(base_cost[rows, cols])[np.argsort(cols)] * factor
    dist, match = metrics.matched_centroid_distances(est * factor, centers * factor)
    np.testing.assert_allclose(dist, expected, rtol=1e-12)
    assert match.tolist() == [[1, 0], [2, 1], [0, 2]]
    assert metrics.centroid_error(est * factor, centers * factor, scale=factor) == (
        pytest.approx(0.5, rel=1e-12))


def test_gmm_log_likelihood_matches_scipy_and_transforms_exactly(blobs):
    X, centers = blobs
    w = np.array([0.2, 0.3, 0.5])
    cov = np.array([[1.0, 2.0], [0.5, 0.5], [3.0, 1.0]])
    dens = sum(wk * multivariate_normal(m, np.diag(c)).pdf(X) for wk, m, c in zip(w, centers, cov))
    expected = float(np.mean(np.log(dens)))
    assert metrics.gmm_log_likelihood(X, w, centers, cov) == pytest.approx(expected, rel=1e-12)
    # x -> c x changes the density by c^-d: the mean log-likelihood shifts by -d log c
    for c in (1e100, 1e-100):
        got = metrics.gmm_log_likelihood(X * c, w, centers * c, cov * c**2, batch_size=17)
        assert got == pytest.approx(expected - 2 * np.log(c), rel=1e-10)
    with pytest.raises(ValueError, match="beyond the float64 range"):
        metrics.gmm_log_likelihood(X * 1e300, w, centers, cov)


@pytest.mark.parametrize("factor", [1.0, 1e150, 1e-150])
def test_mixture_wasserstein_scales_with_the_data(factor):
    # one component each: MW2 is the W2 distance between two Gaussians, in closed form
    m1, m2 = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])
    v1, v2 = np.array([[1.0, 4.0]]), np.array([[4.0, 1.0]])
    expected = np.sqrt(25.0 + (1.0 - 2.0) ** 2 + (2.0 - 1.0) ** 2) * factor
    got = metrics.mixture_wasserstein([2.0], m1 * factor, v1 * factor**2, [5], m2 * factor,
                                      v2 * factor**2)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("factor", [1.0, 1e300, 1e-300])
def test_relative_frobenius_error_is_scale_free(factor):
    ref = np.array([[2.0, -1.0], [-1.0, 2.0]])
    est = ref + [[0.1, 0.0], [0.0, -0.2]]
    expected = np.linalg.norm(est - ref) / np.linalg.norm(ref)
    got = metrics.relative_frobenius_error(ref * factor, est * factor)
    assert got == pytest.approx(expected, rel=1e-12)


def test_graph_scores_ignore_the_scale_of_the_entries():
    true = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.0]])
    pred = np.array([[1.0, 0.4, 0.1], [0.4, 1.0, 0.0], [0.1, 0.0, 1.0]])
    scores = metrics.graph_recovery_scores(true * 1e300, pred * 1e300)
    assert scores == metrics.graph_recovery_scores(true, pred)
    assert scores["precision"] == 0.5 and scores["recall"] == 0.5
