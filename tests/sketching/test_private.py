"""Private sketches: sensitivities, noise calibration, release semantics, state."""

import pickle
import warnings

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.cluster import KMeans

from skfrugal.cluster import CompressiveKMeans
from skfrugal.datasets import make_gmm
from skfrugal.decoding import DecodingWarning, decoder_inputs, sketch_noise_level
from skfrugal.metrics import sse_ratio
from skfrugal.sketching import FourierSketcher, _privacy
from skfrugal.sketching._privacy import (
    feature_sensitivity,
    gaussian_delta,
    gaussian_sigma,
    noise_calibration,
    privatize,
)

BOX = np.array([[-6.0, -6.0], [6.0, 6.0]])


def _private(privacy=1.0, **kwargs):
    kwargs = {"sketch_size": 30, "scale": 0.05, "bounds": BOX, "random_state": 0,
              **kwargs}
    return FourierSketcher(privacy=privacy, **kwargs)


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(400, 2))


@pytest.fixture
def seeded_noise(monkeypatch):
    generator = np.random.default_rng(123)
    monkeypatch.setattr(_privacy, "_noise_generator", lambda: generator)


# -- sensitivities ------------------------------------------------------------------------
def test_feature_sensitivity_is_attained_and_never_exceeded():
    # add/remove one sample changes the sum by its features: over many samples the L1
    # norm of exp(-i ω x) (as 2m reals) stays below sqrt(2) m and comes within 2% of it
    # (frequencies free of rational relations), the L2 norm is sqrt(m)
    omega = np.array([[1.0, np.sqrt(2.0), np.sqrt(3.0)]])
    x = np.random.default_rng(0).uniform(-1e4, 1e4, size=(20_000, 1))
    phase = x @ omega
    l1 = (np.abs(np.cos(phase)) + np.abs(np.sin(phase))).sum(axis=1)
    l2 = np.sqrt((np.cos(phase) ** 2 + np.sin(phase) ** 2).sum(axis=1))
    assert l1.max() <= feature_sensitivity(3) * (1 + 1e-12)
    assert l1.max() >= 0.98 * feature_sensitivity(3)
    np.testing.assert_allclose(l2, feature_sensitivity(3, norm=2))
    # 1-bit features: every real part is ±1
    sk = FourierSketcher(sketch_size=3, quantization="1bit", scale=1.0,
                         random_state=0).fit(x[:100])
    T = np.sqrt(3) * sk.transform(x[:100])
    np.testing.assert_allclose(np.abs(T).sum(axis=1), feature_sensitivity(3, "1bit"))
    np.testing.assert_allclose(np.linalg.norm(T, axis=1),
                               feature_sensitivity(3, "1bit", norm=2))


@pytest.mark.parametrize("epsilon, delta", [(0.1, 1e-5), (1.0, 1e-6), (10.0, 1e-3)])
def test_gaussian_sigma_meets_the_privacy_loss_exactly(epsilon, delta):
    # δ of N(0, σ²) against N(Δ, σ²) by integrating (p - e^ε q)_+ numerically: the
    # calibrated σ gives the target δ, and a 2% smaller σ does not
    sens = 3.0
    sigma = gaussian_sigma(epsilon, delta, sens)

    def tight_delta(s):
        p = stats.norm(0.0, s).pdf
        q = stats.norm(sens, s).pdf
        cut = sens / 2 - epsilon * s**2 / sens  # p >= e^ε q left of it
        value, _ = integrate.quad(lambda y: p(y) - np.exp(epsilon) * q(y), -np.inf, cut,
                                  epsabs=1e-14, epsrel=1e-10)
        return value

    assert tight_delta(sigma) == pytest.approx(delta, rel=1e-6)
    assert gaussian_delta(sigma, epsilon, sens) == pytest.approx(delta, rel=1e-8)
    assert tight_delta(0.98 * sigma) > delta
    if epsilon < 1:  # below the classical calibration, where that one is valid
        assert sigma < sens * np.sqrt(2 * np.log(1.25 / delta)) / epsilon


# -- the noise -----------------------------------------------------------------------------
@pytest.mark.parametrize("quantization", [None, "1bit"])
@pytest.mark.parametrize("delta", [0.0, 1e-6])
def test_noise_variances_follow_the_sensitivity_formula(quantization, delta):
    m, d, eps, n = 50, 3, 0.7, 10**6
    rng = np.random.default_rng(7)
    draws = [privatize(np.zeros(m, complex), n, np.zeros((2, d)), eps, delta, quantization,
                       random_state=rng) for _ in range(4000)]
    noise = np.array([np.concatenate([s.real, s.imag]) for s, *_ in draws])
    counts = np.array([c for _, c, *_ in draws], dtype=float) - n
    moments = np.array([mo.ravel() for _, _, mo, _ in draws])
    # the budget: count 1/(2m + 1), moments 5%, features the rest
    eps_count = eps / (2 * m + 1)
    eps_moments = 0.05 * eps
    eps_features = eps - eps_count - eps_moments
    if delta == 0.0:  # Laplace of scale Δ1 / ε1: variance 2 b², excess kurtosis 3
        l1 = (2.0 if quantization else np.sqrt(2.0)) * m
        var = 2 * (l1 / eps_features) ** 2
        assert stats.kurtosis(noise.ravel()) == pytest.approx(3.0, abs=0.3)
    else:  # Gaussian of the analytic σ for the L2 sensitivity: excess kurtosis 0
        l2 = np.sqrt((2.0 if quantization else 1.0) * m)
        var = gaussian_sigma(eps_features, delta, l2) ** 2
        assert abs(stats.kurtosis(noise.ravel())) < 0.1
    assert noise.var() == pytest.approx(var, rel=0.02)
    # the whole distribution: Kolmogorov-Smirnov against the calibrated law (2m x 4000
    # draws; the fixed seed makes the p-value deterministic, any p > 1e-3 passes)
    if delta == 0.0:
        law = stats.laplace(scale=np.sqrt(var / 2))
    else:
        law = stats.norm(scale=np.sqrt(var))
    assert stats.kstest(noise.ravel(), law.cdf).pvalue > 1e-3
    assert stats.kstest(counts, stats.laplace(scale=1 / eps_count).cdf).pvalue > 1e-3
    assert abs(noise.mean()) < 4 * np.sqrt(var / noise.size)
    cal = draws[0][3]
    assert cal["feature_noise_var"] == pytest.approx(2 * var)  # per complex entry
    # count: Laplace of scale 1 / ε2 (plus the rounding's 1/12)
    assert counts.var() == pytest.approx(2 / eps_count**2 + 1 / 12, rel=0.15)
    assert cal["count_noise_var"] == pytest.approx(2 / eps_count**2)
    # moment sums of u in [-1, 1]^d: L1 sensitivity Σ |u| + u² = 2d
    assert moments.var() == pytest.approx(2 * (2 * d / eps_moments) ** 2, rel=0.06)


def test_released_sketch_carries_calibrated_noise(X, seeded_noise):
    sk = _private(1.0).fit(X)
    exact = sk._exact_sketch(X)
    releases = [sk.sketch(X) for _ in range(400)]
    noise = np.array([r.feature_sum - exact.feature_sum for r in releases])
    cal = noise_calibration(30, 2, 1.0)
    np.testing.assert_allclose(releases[0].noise_var, cal["feature_noise_var"])
    assert np.mean(np.abs(noise) ** 2) == pytest.approx(cal["feature_noise_var"], rel=0.05)
    # every release draws new noise
    assert not np.array_equal(releases[0].feature_sum, releases[1].feature_sum)
    # the decoders see that noise, in the sketch's normalisation
    inputs = decoder_inputs(releases[0])
    assert inputs.noise_var == pytest.approx(releases[0].noise_var
                                             / releases[0].n_samples**2)
    assert inputs.noise_level > decoder_inputs(exact).noise_level


def test_private_sketch_releases_no_exact_statistic(X):
    sk = _private(1.0).fit(X)
    released = sk.sketch(X)
    assert released.is_private and "private" in repr(released)
    assert np.isnan(released.data_min).all() and np.isnan(released.data_max).all()
    assert not np.allclose(released.data_mean, X.mean(axis=0), rtol=0, atol=1e-12)
    assert released.operator is not sk and released.operator.operator_id_ == sk.operator_id_
    # the decoders take the public box for the bounds
    inputs = decoder_inputs(released)
    np.testing.assert_array_equal(inputs.lower, [-1, -1])
    np.testing.assert_array_equal(inputs.upper, [1, 1])


def test_private_operator_does_not_depend_on_the_data(X):
    other = 3.0 + 0.1 * np.random.default_rng(1).normal(size=(400, 2))
    a, b = _private(1.0).fit(X), _private(1.0).fit(other)
    assert a.operator_id_ == b.operator_id_
    np.testing.assert_array_equal(a.mean_, [0, 0])
    np.testing.assert_array_equal(a.std_, [6, 6])
    # without privacy the operator is fitted on the data
    assert (FourierSketcher(sketch_size=30, random_state=0).fit(X).operator_id_
            != FourierSketcher(sketch_size=30, random_state=0).fit(other).operator_id_)
    # privacy is part of the operator
    assert _private(2.0).fit(X).operator_id_ != a.operator_id_
    assert _private((1.0, 1e-6)).fit(X).operator_id_ != a.operator_id_


def test_stream_is_released_once(X):
    sk = _private(1.0)
    for chunk in np.array_split(X, 4):
        sk.partial_fit(chunk)
    assert not hasattr(sk, "sketch_")
    released = sk.release()
    assert released.is_private and abs(released.n_samples - 400) < 60 * 30
    assert not hasattr(released.operator, "_unreleased_sketch")
    back = pickle.loads(pickle.dumps(released))
    assert not hasattr(back.operator, "_unreleased_sketch")
    with pytest.raises(ValueError, match="nothing to release"):
        sk.release()
    # a later stream is a disjoint data set; the merge adds the noises
    sk.partial_fit(X[:100])
    merged = released + sk.release()
    assert merged.noise_var == pytest.approx(2 * released.noise_var)
    assert merged.count_noise_var == pytest.approx(2 * released.count_noise_var)
    with pytest.raises(ValueError, match="private operators"):
        FourierSketcher(sketch_size=8, random_state=0).fit(X).release()
    # fit forgets an unreleased stream
    sk.partial_fit(X[:10]).fit(X)
    with pytest.raises(ValueError, match="nothing to release"):
        sk.release()


@pytest.mark.parametrize("privacy", [1.0, (0.5, 1e-6)])
@pytest.mark.parametrize("route", ["pickle", "npz", "dict"])
def test_private_round_trip(X, round_trip, privacy, route):
    sk = _private(privacy, quantization="1bit").fit(X)
    released = sk.sketch(X)
    back = round_trip(released, route)
    assert back == released and back.is_private
    op = back.operator
    assert op.operator_id_ == sk.operator_id_
    assert op.privacy == privacy and op.quantization == "1bit"
    np.testing.assert_array_equal(op.bounds, BOX)
    np.testing.assert_array_equal(op.bounds_, BOX)
    np.testing.assert_array_equal(op.dither_, sk.dither_)
    np.testing.assert_array_equal(op.privacy_, np.broadcast_to(privacy, 2) if isinstance(
        privacy, tuple) else [privacy, 0.0])
    again = op.sketch(X)  # the loaded operator releases with the same calibration
    assert again.noise_var == released.noise_var
    assert (back + again).n_samples == back.n_samples + again.n_samples


def test_bounds_clip_the_samples(X):
    sk = FourierSketcher(sketch_size=20, bounds=BOX, random_state=0).fit(X)
    far = np.array([[100.0, -7.0], [0.5, 0.5]])
    np.testing.assert_array_equal(sk.transform(far), sk.transform(np.clip(far, -6, 6)))
    assert sk.sketch(far) == sk.sketch(np.clip(far, -6, 6))
    with pytest.raises(ValueError, match="NaN or infinity"):
        sk.sketch(np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError, match="infinity"):
        sk.transform(np.array([[np.inf, 0.0]]))
    # without privacy the sketch keeps its exact statistics (of the clipped data)
    np.testing.assert_array_equal(sk.sketch(far).data_max, [6.0, 0.5])
    # (lo, hi): the same interval for every feature, the same operator
    same = FourierSketcher(sketch_size=20, bounds=(-6, 6), random_state=0).fit(X)
    np.testing.assert_array_equal(same.bounds_, BOX)
    assert same.operator_id_ == sk.operator_id_


def test_private_compressive_kmeans_matches_kmeans():
    X, *_ = make_gmm(200_000, 2, 3, random_state=0)
    box = np.array([[-12.0, -12.0], [12.0, 12.0]])
    sk = FourierSketcher(sketch_size=60, privacy=1.0, bounds=box, scale=1 / 144,
                         random_state=0).fit(X)
    est = CompressiveKMeans(3, random_state=0).fit_sketch(sk.sketch(X))
    ref = KMeans(3, n_init=10, random_state=0).fit(X)
    assert sse_ratio(X, est.cluster_centers_, ref.cluster_centers_) < 1.02


def test_private_noise_calibrates_the_failure_signal(seeded_noise):
    # at eps = 0.3, n = 5e4 the privacy noise is several times the sampling noise: a
    # good fit leaves a residual far above the sampling level alone (where the
    # DecodingWarning would fire), but about the noise level that counts the privacy
    # noise (noise_level_), so the good fit is not flagged
    X, *_ = make_gmm(50_000, 2, 3, random_state=0)
    sk = FourierSketcher(sketch_size=60, privacy=0.3, bounds=(-12.0, 12.0), scale=1 / 144,
                         random_state=0).fit(X)
    released = sk.sketch(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DecodingWarning)
        est = CompressiveKMeans(3, random_state=0).fit_sketch(released)
    ref = KMeans(3, n_init=10, random_state=0).fit(X)
    assert sse_ratio(X, est.cluster_centers_, ref.cluster_centers_) < 1.02
    sampling_only = sketch_noise_level(released.mean, released.n_samples)
    assert est.decoder_cost_ > 3 * sampling_only
    assert 0.3 < est.decoder_cost_ / est.noise_level_ < 2.0


@pytest.mark.parametrize("params, error, match", [
    ({"privacy": 0.0}, ValueError, "privacy"),
    ({"privacy": -1.0}, ValueError, "privacy"),
    ({"privacy": np.inf}, ValueError, "privacy"),
    ({"privacy": np.nan}, ValueError, "privacy"),
    ({"privacy": (1.0, 0.0)}, ValueError, r"open interval \(0, 1\)"),
    ({"privacy": (1.0, 1.0)}, ValueError, r"open interval \(0, 1\)"),
    ({"privacy": (1.0, -0.1)}, ValueError, r"open interval \(0, 1\)"),
    ({"privacy": (0.0, 0.5)}, ValueError, "epsilon must be a number in"),
    ({"privacy": (1.0, 1e-6, 3)}, TypeError, "pair"),
    ({"privacy": ("1", 0.1)}, TypeError, "pair"),
    ({"privacy": "high"}, ValueError, "privacy"),
    ({"privacy": True}, TypeError, "privacy must be None, epsilon"),
    ({"bounds": None}, ValueError, "public bounds"),
    ({"scale": "auto"}, ValueError, "numeric scale"),
    ({"bounds": [[-1.0, -1.0]]}, ValueError, r"shape \(2,\) .* or \(2, n_features\)"),
    ({"bounds": [[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]]}, ValueError, "shape"),
    ({"bounds": [[-1.0, 1.0], [1.0, 1.0]]}, ValueError, r"lower < upper .*\[1\]"),
    ({"bounds": [[-1.0, np.nan], [1.0, 1.0]]}, ValueError, "finite"),
    ({"bounds": [[-1e308, -1.0], [1e308, 1.0]]}, ValueError, "finite"),
    ({"bounds": [["a", "b"], ["c", "d"]]}, TypeError, "real numbers"),
])
def test_bad_privacy_parameters(X, params, error, match):
    with pytest.raises(error, match=match):
        _private(**{"privacy": 1.0, **params}).fit(X)
