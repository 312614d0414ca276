import warnings

import numpy as np
import pytest
from scipy.linalg import hadamard
from scipy.spatial.distance import pdist
from sklearn.datasets import load_digits
from sklearn.decomposition import NMF, PCA
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.random_projection import GaussianRandomProjection

from skfrugal.butterfly import (
    ButterflyApproximation,
    ButterflyFactorization,
    ButterflyMatrix,
    ButterflyRandomProjection,
    NotCompressibleWarning,
    ToleranceNotMetWarning,
    butterfly_patterns,
)


def random_butterfly(n, rng, rank=1):
    return ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(n, n, rank=rank)])


# -- ButterflyFactorization ----------------------------------------------------------
def test_factorization_transform_and_adjoint():
    rng = np.random.default_rng(0)
    A = ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(64, 48)]).toarray()
    bf = ButterflyFactorization().fit(A)
    assert bf.relative_error_ < 1e-12 and bf.n_features_in_ == 48
    X = rng.standard_normal((10, 48))
    np.testing.assert_allclose(bf.transform(X), X @ A.T, atol=1e-10)
    Y = rng.standard_normal((10, 64))
    np.testing.assert_allclose(bf.inverse_transform(Y), Y @ A, atol=1e-10)
    assert bf.score(A) == pytest.approx(-bf.relative_error_, abs=1e-12)
    assert bf.compression_ratio_ == pytest.approx(A.size / bf.n_params_)
    assert bf.get_feature_names_out().tolist()[:2] == [
        "butterflyfactorization0",
        "butterflyfactorization1",
    ]


def test_factorization_inverse_for_orthogonal_matrix():
    H = hadamard(128) / np.sqrt(128)
    bf = ButterflyFactorization().fit(H)
    X = np.random.default_rng(1).standard_normal((7, 128))
    np.testing.assert_allclose(bf.inverse_transform(bf.transform(X)), X, atol=1e-12)


def test_factorization_float32_and_errors():
    rng = np.random.default_rng(2)
    A = random_butterfly(32, rng).toarray().astype(np.float32)
    bf = ButterflyFactorization().fit(A)
    assert bf.transform(A[:3]).dtype == np.float32
    prime = rng.standard_normal((7, 11))  # prime sizes: one dense factor, exact
    bf_prime = ButterflyFactorization().fit(prime)
    assert bf_prime.patterns_ == [(1, 7, 11, 1)] and bf_prime.compression_ratio_ == 1.0
    np.testing.assert_allclose(bf_prime.butterfly_.toarray(), prime, atol=1e-14)
    with pytest.warns(ToleranceNotMetWarning):
        ButterflyFactorization(tol=1e-3).fit(rng.standard_normal((32, 32)))
    with pytest.raises(ValueError, match="NaN"):
        ButterflyFactorization().fit(np.full((8, 8), np.nan))
    with pytest.raises(ValueError, match="rank"):
        ButterflyFactorization(rank=0).fit(A)


# -- ButterflyRandomProjection -------------------------------------------------------
def distortion(X, Y):
    ratio = pdist(Y) / pdist(X)
    return np.abs(ratio - 1)


@pytest.mark.parametrize("data", ["dense", "sparse"])
def test_random_projection_preserves_distances_like_gaussian(data):
    rng = np.random.default_rng(3)
    n = 512
    if data == "dense":
        X = rng.standard_normal((50, n))
    else:  # sparse vectors are the hard case for structured projections
        X = (rng.random((50, n)) < 0.01) * 1.0 + np.eye(n)[:50]
    k = 128
    ours, gauss = [], []
    for seed in range(4):
        Y = ButterflyRandomProjection(n_components=k, random_state=seed).fit_transform(X)
        G = GaussianRandomProjection(n_components=k, random_state=seed).fit_transform(X)
        ours.append(distortion(X, Y))
        gauss.append(distortion(X, G))
    ours, gauss = np.concatenate(ours), np.concatenate(gauss)
    # JL: relative distortion of order sqrt(2 / k) ~ 0.125 for both
    assert ours.mean() < 1.25 * gauss.mean()
    assert np.quantile(ours, 0.99) < 1.25 * np.quantile(gauss, 0.99)
    assert ours.mean() < 0.12


def test_random_projection_shapes_norms_and_stacking():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 20))  # 20 features padded to 32
    rp = ButterflyRandomProjection(n_components=100, random_state=0).fit(X)  # > 32: stacked
    assert len(rp.butterflies_) == 4 and rp.transform(X).shape == (200, 100)
    ratio = np.linalg.norm(rp.transform(X), axis=1) ** 2 / np.linalg.norm(X, axis=1) ** 2
    assert abs(ratio.mean() - 1) < 0.05
    rp = ButterflyRandomProjection(eps=0.5, random_state=0).fit(X)
    from sklearn.random_projection import johnson_lindenstrauss_min_dim

    assert rp.n_components_ == johnson_lindenstrauss_min_dim(200, eps=0.5)
    Y32 = rp.transform(X.astype(np.float32))
    assert Y32.dtype == np.float32
    np.testing.assert_allclose(Y32, rp.transform(X), rtol=1e-4, atol=1e-4)
    # sparse input gives the dense projection of the densified data
    import scipy.sparse as sp

    Xs = sp.random(50, 20, density=0.2, format="csr", random_state=0)
    np.testing.assert_allclose(rp.transform(Xs), rp.transform(Xs.toarray()), atol=1e-12)
    # same seed, same projection
    again = ButterflyRandomProjection(eps=0.5, random_state=0).fit(X).transform(X)
    np.testing.assert_array_equal(again, rp.transform(X))


# -- ButterflyApproximation ----------------------------------------------------------
def test_approximation_of_ridge_with_butterfly_weights():
    rng = np.random.default_rng(5)
    W = random_butterfly(64, rng).toarray()
    X = rng.standard_normal((400, 64))
    Y = X @ W.T + 3.0
    model = ButterflyApproximation(Ridge(alpha=1e-8), permutation=None).fit(X, Y)
    assert model.relative_error_ < 1e-6
    np.testing.assert_allclose(model.predict(X), model.estimator_.predict(X), atol=1e-6)
    assert model.compression_ratio_ == pytest.approx(64 * 64 / (2 * 64 * 6))


def test_approximation_of_pca_and_logistic_regression():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    pca = ButterflyApproximation(PCA(n_components=16, whiten=True), rank="auto", tol=1e-6)
    with pytest.warns(NotCompressibleWarning, match="16 x 64"):  # W is tiny: no gain
        Z = pca.fit_transform(X)
    exact = pca.estimator_.transform(X)
    np.testing.assert_allclose(Z, exact, atol=1e-4 * np.abs(exact).max())
    clf = ButterflyApproximation(LogisticRegression(max_iter=500), rank="auto", tol=1e-8)
    with pytest.warns(NotCompressibleWarning):
        clf.fit(X, y)
    assert (clf.predict(X) == clf.estimator_.predict(X)).mean() > 0.99
    assert clf.score(X, y) > 0.95
    np.testing.assert_allclose(
        clf.decision_function(X), clf.estimator_.decision_function(X), atol=1e-5
    )


def test_approximation_warns_when_not_compressible_and_refuses_nonlinear():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((300, 64))
    Y = X @ rng.standard_normal((64, 64))
    with pytest.warns(NotCompressibleWarning, match="do not compress"):
        ButterflyApproximation(Ridge(), permutation=None).fit(X, Y)
    with pytest.raises(TypeError, match="not the linear map"):
        ButterflyApproximation(NMF(n_components=3, max_iter=500, tol=1e-2)).fit(np.abs(X))
    with pytest.raises(TypeError, match="coef_"):
        from sklearn.cluster import KMeans

        ButterflyApproximation(KMeans(n_clusters=2, n_init=1)).fit(X)


def test_pipeline_and_grid_search_over_rank():
    X, y = load_digits(return_X_y=True)
    X = X[:600] / 16.0
    y = y[:600]
    pipe = make_pipeline(
        ButterflyApproximation(PCA(n_components=32), max_error=1.0),
        LogisticRegression(max_iter=300),
    )
    grid = GridSearchCV(pipe, {"butterflyapproximation__rank": [1, 4]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotCompressibleWarning)
        grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[1] > scores[0]  # a higher rank approximates PCA better
    assert grid.best_params_ == {"butterflyapproximation__rank": 4}
    rp = make_pipeline(ButterflyRandomProjection(random_state=0, n_components=32), Ridge())
    assert GridSearchCV(rp, {"ridge__alpha": [0.1, 1.0]}, cv=2).fit(X, y).best_score_ > 0.3
