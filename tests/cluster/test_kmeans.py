"""CompressiveKMeans against KMeans and the ground truth; streaming, sketches, bad input."""

import pickle

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfrugal.cluster import CompressiveKMeans
from skfrugal.datasets import make_gmm
from skfrugal.decoding import DecodingWarning, _decode, decoder_inputs, sketch_noise_level
from skfrugal.metrics import centroid_error, matched_centroid_distances, sse_ratio
from skfrugal.sketching import FourierSketcher


@pytest.fixture(scope="module")
def mixture():
    X, labels, centers, variances, weights = make_gmm(
        10_000, 4, 5, separation=3.0, random_state=0)
    return X, labels, centers, weights


@pytest.fixture(scope="module")
def reference(mixture):
    return KMeans(5, n_init=10, random_state=0).fit(mixture[0])


@pytest.fixture(scope="module")
def fitted(mixture):
    return CompressiveKMeans(5, random_state=0).fit(mixture[0])


@pytest.fixture(scope="module")
def decoded(mixture):
    """The same fit from the sketch alone (no Lloyd pass over the data)."""
    return CompressiveKMeans(5, max_iter=0, random_state=0).fit(mixture[0])


def test_matches_kmeans_and_truth(mixture, reference, fitted):
    X, labels, centers, weights = mixture
    assert sse_ratio(X, fitted.cluster_centers_, reference.cluster_centers_) < 1.01
    assert centroid_error(fitted.cluster_centers_, centers, reduce="max") < 0.1
    _, match = matched_centroid_distances(fitted.cluster_centers_, centers)
    np.testing.assert_allclose(fitted.weights_[match[:, 0]], weights, atol=0.02)
    np.testing.assert_allclose(fitted.variances_, 1.0, atol=0.15)  # unit clusters
    assert fitted.inertia_ == pytest.approx(-fitted.score(X))
    np.testing.assert_array_equal(fitted.labels_, fitted.predict(X))
    assert fitted.sketch_.n_samples == X.shape[0]
    assert fitted.sketch_.mean.shape == (10 * 5 * 4,)
    assert fitted.decoder_cost_ < 1e-2


def test_transform_is_distances(mixture, fitted):
    X = mixture[0][:50]
    expected = np.linalg.norm(X[:, None, :] - fitted.cluster_centers_[None], axis=2)
    np.testing.assert_allclose(fitted.transform(X), expected, rtol=1e-10)
    np.testing.assert_array_equal(fitted.predict(X), expected.argmin(axis=1))


def test_clusters_ordered_by_size(fitted):
    counts = np.bincount(fitted.labels_, minlength=5)
    assert np.all(np.diff(counts) <= 0)


def test_fit_sketch_of_merged_chunks(mixture, decoded):
    X = mixture[0]
    fitted = decoded
    op = fitted.sketcher_
    merged = op.sketch(X[:3000]) + op.sketch(X[3000:])
    est = CompressiveKMeans(5, random_state=0).fit_sketch(merged)
    assert not hasattr(est, "labels_") and not hasattr(est, "inertia_")
    # same sketch (to rounding) and same decoder stream as fit: the same clusters
    dist, _ = matched_centroid_distances(est.cluster_centers_, fitted.cluster_centers_)
    assert dist.max() < 1e-4
    assert est.n_features_in_ == 4


def test_fit_sketch_after_pickling(decoded):
    fitted = decoded
    sketch = pickle.loads(pickle.dumps(fitted.sketch_))
    est = CompressiveKMeans(5, random_state=0).fit_sketch(sketch)
    dist, _ = matched_centroid_distances(est.cluster_centers_, fitted.cluster_centers_)
    assert dist.max() < 1e-6


def test_partial_fit_streams(mixture, reference):
    X = mixture[0]
    est = CompressiveKMeans(5, random_state=0)
    for chunk in np.array_split(X, 4):
        est.partial_fit(chunk)
    assert est.sketch_.n_samples == X.shape[0]
    assert not hasattr(est, "labels_")
    assert sse_ratio(X, est.cluster_centers_, reference.cluster_centers_) < 1.02
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:10, :3])



@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_partial_fit_is_atomic(mixture, monkeypatch, failure):
    X = mixture[0][:4000]
    est = CompressiveKMeans(5, random_state=0).partial_fit(X[:2000])
    before = (est.sketch_, est.cluster_centers_.copy(), est.weights_.copy())
    original = _decode.DECODERS["sketch_and_shift"]

    def failing(*args, **kwargs):
        raise failure("decoding interrupted")

    monkeypatch.setitem(_decode.DECODERS, "sketch_and_shift", failing)
    with pytest.raises(failure):
        est.partial_fit(X[2000:])
    assert est.sketch_ is before[0] and est.sketch_.n_samples == 2000
    np.testing.assert_array_equal(est.cluster_centers_, before[1])
    np.testing.assert_array_equal(est.weights_, before[2])
    # the retry counts the chunk once, and ends where an uninterrupted stream ends
    monkeypatch.setitem(_decode.DECODERS, "sketch_and_shift", original)
    est.partial_fit(X[2000:])
    assert est.sketch_.n_samples == 4000
    clean = CompressiveKMeans(5, random_state=0).partial_fit(X[:2000]).partial_fit(X[2000:])
    np.testing.assert_array_equal(est.cluster_centers_, clean.cluster_centers_)
    # a failed first call leaves the estimator unfitted
    fresh = CompressiveKMeans(5, random_state=0)
    monkeypatch.setitem(_decode.DECODERS, "sketch_and_shift", failing)
    with pytest.raises(failure):
        fresh.partial_fit(X)
    assert not hasattr(fresh, "sketch_") and not hasattr(fresh, "n_features_in_")

def test_constant_feature():
    X, _, centers, _, _ = make_gmm(5000, 3, 3, separation=3.0, random_state=1)
    X = np.column_stack([X[:, :2], np.full(X.shape[0], 7.5), X[:, 2:]])
    est = CompressiveKMeans(3, random_state=0).fit(X)
    np.testing.assert_array_equal(est.cluster_centers_[:, 2], 7.5)
    ref = KMeans(3, n_init=10, random_state=0).fit(X)
    assert sse_ratio(X, est.cluster_centers_, ref.cluster_centers_) < 1.02


def test_float32_and_memmap(tmp_path, mixture, fitted):
    X = mixture[0].astype(np.float32)
    path = tmp_path / "x.npy"
    np.save(path, X)
    Xm = np.load(path, mmap_mode="r")
    est = CompressiveKMeans(5, random_state=0).fit(Xm)
    dist, _ = matched_centroid_distances(est.cluster_centers_, fitted.cluster_centers_)
    assert dist.max() < 0.05


def test_pipeline_gridsearch_and_pickle(mixture):
    X = mixture[0][:3000]
    pipe = make_pipeline(StandardScaler(), CompressiveKMeans(random_state=0))
    search = GridSearchCV(pipe, {"compressivekmeans__n_clusters": [2, 5]}, cv=2).fit(X)
    assert search.best_params_["compressivekmeans__n_clusters"] == 5  # -inertia decreases
    est = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(est.predict(X), search.best_estimator_.predict(X))


def test_cl_ompr_decoder_runs(mixture, reference):
    X = mixture[0]
    est = CompressiveKMeans(5, decoder="cl_ompr", max_iter=0, random_state=0).fit(X)
    assert est.n_iter_ == 10  # 2K iterations
    assert sse_ratio(X, est.cluster_centers_, reference.cluster_centers_) < 2.0


def test_n_init_keeps_the_best_fit(mixture):
    X = mixture[0][:3000]
    one = CompressiveKMeans(5, n_init=1, random_state=0).fit(X)
    three = CompressiveKMeans(5, n_init=3, random_state=0).fit(X)
    assert three.decoder_cost_ <= one.decoder_cost_ + 1e-12


def test_sketch_noise_level_matches_monte_carlo():
    rng = np.random.default_rng(0)
    d, m, n, reps = 2, 40, 400, 300
    omega = rng.normal(size=(d, m))
    phi = np.exp(-0.5 * np.sum(omega**2, axis=0))  # sketch of N(0, I), exact
    errors = [np.sum(np.abs(np.exp(-1j * (rng.normal(size=(n, d)) @ omega)).mean(0) - phi)
                     ** 2) / np.sum(phi**2) for _ in range(reps)]
    assert np.mean(errors) == pytest.approx(sketch_noise_level(phi, n), rel=0.1)


def test_auto_n_init_stops_at_the_noise_level(mixture, monkeypatch):
    calls = []
    original = _decode.DECODERS["sketch_and_shift"]

    def counting(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(result.cost)
        return result

    monkeypatch.setitem(_decode.DECODERS, "sketch_and_shift", counting)
    X = mixture[0]
    est = CompressiveKMeans(5, random_state=0).fit(X)  # a Gaussian mixture: one decoding
    inputs = decoder_inputs(est.sketch_)
    level = sketch_noise_level(inputs.z, X.shape[0])
    assert len(calls) == 1
    assert est.decoder_cost_ <= _decode.AUTO_NOISE_FACTOR * level
    calls.clear()
    U = np.random.default_rng(0).uniform(size=(3000, 2))  # no clusters
    est = CompressiveKMeans(3, sketch_size=60, random_state=0).fit(U)
    level = sketch_noise_level(decoder_inputs(est.sketch_).z, U.shape[0])
    # the residual stays above the noise: restarts run until one agrees with the best
    # so far within AUTO_MIN_GAIN (the misfit is the model's), at most AUTO_MAX_INIT
    assert min(calls) > _decode.AUTO_NOISE_FACTOR * level
    assert est.decoder_cost_ == pytest.approx(min(calls))
    agree = [abs(c - min(calls[:i])) <= _decode.AUTO_MIN_GAIN * min(calls[:i])
             for i, c in enumerate(calls) if i > 0]
    assert 2 <= len(calls) <= _decode.AUTO_MAX_INIT
    assert not any(agree[:-1])
    assert agree[-1] or len(calls) == _decode.AUTO_MAX_INIT


def test_bad_input(mixture):
    X = mixture[0][:500]
    with pytest.raises(ValueError, match="sketch_size must be >= n_clusters"):
        CompressiveKMeans(5, sketch_size=3).fit(X)
    with pytest.warns(UserWarning, match="sketch_size=20 is below 2"):
        CompressiveKMeans(5, sketch_size=20, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_samples=3 should be"):
        CompressiveKMeans(5).fit(X[:3])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CompressiveKMeans(5).fit(bad)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        CompressiveKMeans(5).fit(bad)
    with pytest.raises(ValueError, match="Complex data not supported"):
        CompressiveKMeans(5).fit(X + 1j)
    with pytest.raises(ValueError, match="decoder"):
        CompressiveKMeans(5, decoder="lloyd").fit(X)


def test_fit_sketch_bad_input(mixture):
    X = mixture[0][:2000]
    est = CompressiveKMeans(3, random_state=0)
    with pytest.raises(TypeError, match="sketch must be a Sketch"):
        est.fit_sketch(X)
    sketcher = FourierSketcher(120, random_state=0).fit(X)
    sketch = sketcher.sketch(X)
    other = FourierSketcher(120, random_state=1).fit(X)
    sketch.operator = other  # a sketch carrying the wrong operator
    with pytest.raises(ValueError, match="made by another operator"):
        est.fit_sketch(sketch)
    sketch.operator = None
    with pytest.raises(TypeError, match="FourierSketcher"):
        est.fit_sketch(sketch)
    good = sketcher.sketch(X)
    with pytest.warns(DecodingWarning, match="3 Gaussian clusters"):  # 5 clusters there
        est.fit_sketch(good)
    with pytest.raises(ValueError, match="4 features"):
        est.predict(X[:, :3])
    with pytest.raises(ValueError, match="n_samples=2 should be"):
        CompressiveKMeans(3).fit_sketch(sketcher.sketch(X[:2]))


def test_fit_sketch_after_save_and_load(tmp_path, decoded):
    from skfrugal.sketching import Sketch

    fitted = decoded
    path = tmp_path / "sketch.npz"
    fitted.sketch_.save(path)
    est = CompressiveKMeans(5, random_state=0).fit_sketch(Sketch.load(path))
    dist, _ = matched_centroid_distances(est.cluster_centers_, fitted.cluster_centers_)
    assert dist.max() < 1e-6


def test_fit_on_a_dask_array(mixture, reference):
    da = pytest.importorskip("dask.array")
    import dask

    X = mixture[0]
    with dask.config.set(scheduler="synchronous"):
        est = CompressiveKMeans(5, random_state=0).fit(da.from_array(X, chunks=2500))
    assert not hasattr(est, "labels_")
    assert est.sketch_.n_samples == X.shape[0]
    assert sse_ratio(X, est.cluster_centers_, reference.cluster_centers_) < 1.01
