"""CompressiveGaussianMixture against EM and the ground truth; streaming, sketches, bad input."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfrugal.datasets import make_gmm
from skfrugal.metrics import (
    gmm_log_likelihood,
    matched_centroid_distances,
    mixture_wasserstein,
)
from skfrugal.mixture import CompressiveGaussianMixture
from skfrugal.sketching import FourierSketcher

K, D = 4, 5


@pytest.fixture(scope="module")
def mixture():
    X, labels, centers, variances, weights = make_gmm(
        24_000, D, K, separation=2.5, variances="diag", weights="dirichlet",
        random_state=1)
    return X[:20_000], X[20_000:], centers, variances, weights


@pytest.fixture(scope="module")
def em(mixture):
    return GaussianMixture(K, covariance_type="diag", n_init=3, random_state=0).fit(
        mixture[0])


@pytest.fixture(scope="module")
def fitted(mixture):
    return CompressiveGaussianMixture(K, random_state=0).fit(mixture[0])


def test_matches_em_and_truth(mixture, em, fitted):
    X, X_test, centers, variances, weights = mixture
    # held-out log-likelihood within 0.02 nat of EM's
    assert fitted.score(X_test) > em.score(X_test) - 0.02
    _, match = matched_centroid_distances(fitted.means_, centers)
    np.testing.assert_allclose(fitted.means_[match[:, 0]], centers, atol=0.1)
    np.testing.assert_allclose(fitted.covariances_[match[:, 0]], variances, rtol=0.2)
    np.testing.assert_allclose(fitted.weights_[match[:, 0]], weights, atol=0.02)
    # mixture-Wasserstein distance to the true model: no worse than EM's
    ours = mixture_wasserstein(weights, centers, variances, fitted.weights_,
                               fitted.means_, fitted.covariances_)
    theirs = mixture_wasserstein(weights, centers, variances, em.weights_, em.means_,
                                 em.covariances_)
    assert ours < 1.5 * theirs
    assert fitted.sketch_.mean.shape == (5 * (2 * D + 1) * K,)
    assert fitted.decoder_cost_ < 1e-2
    assert np.all(np.diff(fitted.weights_) <= 0)
    assert fitted.converged_


@pytest.mark.parametrize("decoder", ["cl_ompr", "split"])
def test_other_decoders_find_the_mixture(mixture, em, decoder):
    X, X_test, centers, _, _ = mixture
    gmm = CompressiveGaussianMixture(K, decoder=decoder, random_state=0).fit(X)
    assert gmm.score(X_test) > em.score(X_test) - 0.02
    _, match = matched_centroid_distances(gmm.means_, centers)
    np.testing.assert_allclose(gmm.means_[match[:, 0]], centers, atol=0.15)


def test_model_functions_against_scipy_and_sklearn(mixture, fitted):
    X = mixture[1][:200]
    dens = sum(w * multivariate_normal(m, np.diag(c)).pdf(X) for w, m, c in zip(
        fitted.weights_, fitted.means_, fitted.covariances_))
    np.testing.assert_allclose(fitted.score_samples(X), np.log(dens), rtol=1e-10)
    assert fitted.score(X) == pytest.approx(np.log(dens).mean())
    assert fitted.score(X) == pytest.approx(gmm_log_likelihood(
        X, fitted.weights_, fitted.means_, fitted.covariances_))
    # sklearn's GaussianMixture with the same parameters gives the same model functions
    ref = GaussianMixture(K, covariance_type="diag")
    ref.weights_, ref.means_ = fitted.weights_, fitted.means_
    ref.covariances_ = fitted.covariances_
    ref.precisions_cholesky_ = fitted.precisions_cholesky_
    np.testing.assert_allclose(ref.precisions_cholesky_, 1 / np.sqrt(fitted.covariances_))
    np.testing.assert_allclose(fitted.predict_proba(X), ref.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(fitted.predict(X), ref.predict(X))
    assert fitted.bic(X) == pytest.approx(ref.bic(X))
    assert fitted.aic(X) == pytest.approx(ref.aic(X))


def test_spherical_in_data_units():
    # spherical unit clusters, features on very different scales
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0, 0.0], [30.0, 4.0, 0.0], [0.0, 8.0, 2.0]])
    X = centers[rng.integers(3, size=12_000)] + rng.normal(size=(12_000, 3))
    gmm = CompressiveGaussianMixture(3, covariance_type="spherical", random_state=0).fit(X)
    assert gmm.covariances_.shape == (3,)
    np.testing.assert_allclose(gmm.covariances_, 1.0, rtol=0.1)
    _, match = matched_centroid_distances(gmm.means_, centers)
    np.testing.assert_allclose(gmm.means_[match[:, 0]], centers, atol=0.1)
    ref = GaussianMixture(3, covariance_type="spherical", random_state=0).fit(X)
    assert gmm.score(X) > ref.score(X) - 0.02
    dens = sum(w * multivariate_normal(m, c * np.eye(3)).pdf(X[:50]) for w, m, c in zip(
        gmm.weights_, gmm.means_, gmm.covariances_))
    np.testing.assert_allclose(gmm.score_samples(X[:50]), np.log(dens), rtol=1e-10)
    assert gmm.bic(X) > 0 and gmm.aic(X) < gmm.bic(X)


def test_sample(fitted):
    Xs, ys = fitted.sample(20_000)
    assert Xs.shape == (20_000, D) and ys.shape == (20_000,)
    counts = np.bincount(ys, minlength=K) / 20_000
    np.testing.assert_allclose(counts, fitted.weights_, atol=0.02)
    for k in range(K):
        np.testing.assert_allclose(Xs[ys == k].mean(0), fitted.means_[k], atol=0.15)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)


def test_streaming_and_fit_sketch_agree(mixture):
    X = mixture[0]
    stream = CompressiveGaussianMixture(K, random_state=0)
    for chunk in np.array_split(X, 4):
        stream.partial_fit(chunk)
    assert stream.sketch_.n_samples == X.shape[0]
    again = CompressiveGaussianMixture(K, random_state=0).fit_sketch(stream.sketch_)
    np.testing.assert_allclose(again.means_, stream.means_)
    np.testing.assert_allclose(again.covariances_, stream.covariances_)
    # a sketch made elsewhere, merged from pieces, decodes to the same model as fit
    full = CompressiveGaussianMixture(K, max_iter=0, random_state=0).fit(X)
    op = full.sketcher_
    merged = op.sketch(X[:7000]) + op.sketch(X[7000:])
    from_sketch = CompressiveGaussianMixture(K, random_state=0).fit_sketch(merged)
    # (the float32 sums round differently: same model up to the decoder's tolerance)
    np.testing.assert_allclose(from_sketch.means_, full.means_, atol=1e-2)
    np.testing.assert_allclose(from_sketch.weights_, full.weights_, atol=1e-3)
    clone = pickle.loads(pickle.dumps(full))
    np.testing.assert_array_equal(clone.score_samples(X[:10]), full.score_samples(X[:10]))


def test_float32_input(mixture):
    X = mixture[0][:8000]
    g64 = CompressiveGaussianMixture(K, random_state=0).fit(X)
    g32 = CompressiveGaussianMixture(K, random_state=0).fit(X.astype(np.float32))
    np.testing.assert_allclose(g32.means_, g64.means_, atol=1e-2)


def test_grid_search_picks_the_number_of_components():
    rng = np.random.default_rng(3)
    centers = np.array([[0.0, 0.0], [7.0, 0.0], [0.0, 7.0]])
    X = centers[rng.integers(3, size=3000)] + rng.normal(size=(3000, 2))
    pipe = make_pipeline(FunctionTransformer(), CompressiveGaussianMixture(random_state=0))
    search = GridSearchCV(pipe, {"compressivegaussianmixture__n_components": [1, 3]},
                          cv=2).fit(X)
    assert search.best_params_ == {"compressivegaussianmixture__n_components": 3}


def test_constant_feature_gets_the_variance_floor():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=2000), np.full(2000, 3.0)])
    gmm = CompressiveGaussianMixture(1, random_state=0).fit(X)
    np.testing.assert_allclose(gmm.means_, [[X[:, 0].mean(), 3.0]], atol=0.1)
    np.testing.assert_allclose(gmm.covariances_[:, 1], gmm.reg_covar)
    assert np.isfinite(gmm.score(X))
    with pytest.raises(ValueError, match="reg_covar"):
        CompressiveGaussianMixture(1, reg_covar=0.0, random_state=0).fit(X)
    # all samples the same point
    same = CompressiveGaussianMixture(2, reg_covar=0.5, random_state=0).fit(np.ones((10, 2)))
    np.testing.assert_allclose(same.means_, 1.0)
    np.testing.assert_allclose(same.covariances_, 0.5)


def test_bad_input():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    with pytest.raises(ValueError, match="sketch_size must be >= n_components"):
        CompressiveGaussianMixture(5, sketch_size=3).fit(X)
    with pytest.warns(UserWarning, match="below the number of parameters"):
        CompressiveGaussianMixture(2, sketch_size=10, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_components"):
        CompressiveGaussianMixture(0).fit(X)
    with pytest.raises(ValueError, match="covariance_type"):
        CompressiveGaussianMixture(2, covariance_type="full").fit(X)
    with pytest.raises(ValueError, match="n_samples=1"):
        CompressiveGaussianMixture(1).fit(X[:1])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CompressiveGaussianMixture(2).fit(bad)
    with pytest.raises(ValueError, match="[Cc]omplex"):
        CompressiveGaussianMixture(2).fit(X + 1j)
    gmm = CompressiveGaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        gmm.predict(X[:, :2])


def test_fit_sketch_rejects_wrong_sketches():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    gmm = CompressiveGaussianMixture(2, random_state=0)
    with pytest.raises(TypeError, match="sketch must be a Sketch"):
        gmm.fit_sketch(X)
    sketcher = FourierSketcher(60, random_state=0).fit(X)
    other = FourierSketcher(60, random_state=1).fit(X)
    sketch = sketcher.sketch(X)
    sketch.operator = other  # a sketch paired with another operator
    with pytest.raises(ValueError, match="another operator"):
        gmm.fit_sketch(sketch)
    with pytest.raises(ValueError, match="different|operator"):
        sketcher.sketch(X) + other.sketch(X)
    with pytest.warns(UserWarning, match="below the number of parameters"):
        CompressiveGaussianMixture(4, random_state=0).fit_sketch(
            FourierSketcher(20, random_state=0).fit(X).sketch(X))


def test_refit_is_identical(mixture):
    X = mixture[0][:5000]
    a = CompressiveGaussianMixture(K, decoder="cl_ompr", random_state=7).fit(X)
    b = CompressiveGaussianMixture(K, decoder="cl_ompr", random_state=7).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a.fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)


def test_fit_on_a_dask_array(mixture, fitted):
    da = pytest.importorskip("dask.array")
    import dask

    X, X_test = mixture[0], mixture[1]
    with dask.config.set(scheduler="synchronous"):
        est = CompressiveGaussianMixture(K, random_state=0).fit(
            da.from_array(X, chunks=5000))
    assert est.sketch_.n_samples == X.shape[0]
    assert est.n_features_in_ == D
    # the operator is fitted on a subsample of the Dask array: another sketch, the
    # same mixture up to the decoder's accuracy
    assert abs(est.score(X_test) - fitted.score(X_test)) < 0.02
