"""CompressiveGraphicalLasso: units of alpha, recovery, streaming, CV, bad input."""

import warnings

import numpy as np
import pytest
from sklearn.covariance import empirical_covariance
from sklearn.utils._param_validation import InvalidParameterError

from skfrugal.covariance import (
    CompressionWarning,
    CompressiveGraphicalLasso,
    CompressiveGraphicalLassoCV,
    CovarianceSketcher,
    GraphicalLasso,
    auto_sketch_size,
    decode_precision,
)
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
from skfrugal.metrics import edge_f1_score
from skfrugal.sketching import FourierSketcher


@pytest.fixture(scope="module")
def graph():
    prec = make_sparse_precision(15, n_edges=15, random_state=0)
    X = sample_gaussian_graph(3000, prec, random_state=1) + 3.0
    return prec, X


def test_large_sketch_reaches_full_data_glasso(graph):
    # with m = 4 p(p+1)/2 rank-one measurements the covariance is determined, and the
    # decoder's fixed point is the graphical lasso at the same alpha (same units)
    prec, X = graph
    p = X.shape[1]
    m = 2 * p * (p + 1)
    with pytest.warns(CompressionWarning):
        model = CompressiveGraphicalLasso(alpha=0.05, sketch_size=m, tol=1e-7, max_iter=500,
                                          random_state=0).fit(X)
    full = GraphicalLasso(alpha=0.05).fit(X)
    np.testing.assert_allclose(model.location_, X.mean(axis=0), rtol=1e-10)
    err = np.linalg.norm(model.precision_ - full.precision_) / np.linalg.norm(full.precision_)
    assert err < 0.15
    assert edge_f1_score(full.precision_, model.precision_) > 0.8
    assert model.sketch_residual_ < 0.05
    assert np.linalg.eigvalsh(model.precision_)[0] > 0


def test_preconditioned_decoder_reaches_full_data_glasso_at_ratio_one(graph):
    # with m = p(p+1)/2 >= p(p-1)/2 the least-squares preconditioner is exact at the
    # fixed point: the decoder returns the full-data graphical lasso; the plain
    # gradient step (cg_iter=0) measures the fit in the A*A metric and lands elsewhere
    from skfrugal.covariance import centred_sketch

    _, X = graph
    p = X.shape[1]
    op = CovarianceSketcher(p * (p + 1) // 2, random_state=0).fit(X)
    y, diag, _ = centred_sketch(op.sketch(X))
    full = GraphicalLasso(alpha=0.05, tol=1e-8).fit(X).precision_

    def error(cg_iter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theta = decode_precision(y, op.projections_, diag, 0.05, cg_iter=cg_iter,
                                     tol=1e-6, max_iter=300)[1]
        return np.linalg.norm(theta - full) / np.linalg.norm(full)

    err_pre, err_plain = error(5), error(0)
    assert err_pre < 0.01
    assert err_plain > 5 * err_pre


def test_recovery_beats_memory_matched_subsample(graph):
    prec, X = graph
    p = X.shape[1]
    m = p * (p + 1) // 4  # half the covariance's size
    n_sub = m // p  # raw samples that fit in the same memory
    f1_sketch = max(
        edge_f1_score(prec, CompressiveGraphicalLasso(alpha=a, sketch_size=m, random_state=0)
                      .fit(X).precision_)
        for a in (0.1, 0.2, 0.3)
    )
    sub = X[:n_sub]
    f1_sub = max(edge_f1_score(prec, GraphicalLasso(alpha=a).fit(sub).precision_)
                 for a in (0.05, 0.1, 0.2, 0.4))
    assert f1_sketch > f1_sub
    assert f1_sketch > f1_sub + 0.15
    assert f1_sketch > 0.45


def test_partial_fit_fit_sketch_and_merge_agree(graph):
    _, X = graph
    kw = dict(alpha=0.1, sketch_size=240, random_state=0, tol=1e-6, max_iter=300)
    stream = CompressiveGraphicalLasso(**kw)
    with pytest.warns(CompressionWarning):
        for chunk in np.array_split(X, 4):
            stream.partial_fit(chunk)
    assert stream.sketch_.n_samples == len(X)
    op = stream.sketcher_
    parts = np.array_split(X, 3)
    merged = sum((op.sketch(c) for c in parts[1:]), op.sketch(parts[0]))
    np.testing.assert_allclose(merged.feature_sum, stream.sketch_.feature_sum, rtol=1e-10)
    fresh = CompressiveGraphicalLasso(**kw).fit_sketch(merged)
    np.testing.assert_allclose(fresh.precision_, stream.precision_, atol=1e-4)
    # the same decoding from the arrays, as a function
    from skfrugal.covariance import centred_sketch

    y, diag, _ = centred_sketch(merged)
    _, theta, _, _, _ = decode_precision(y, op.projections_, diag, 0.1, tol=1e-6,
                                         max_iter=300)
    np.testing.assert_allclose(theta, fresh.precision_, atol=1e-6)


def test_inherited_score_and_mahalanobis(graph):
    _, X = graph
    model = CompressiveGraphicalLasso(alpha=0.1, sketch_size=60, random_state=0).fit(X)
    S = empirical_covariance(X)
    logdet = np.linalg.slogdet(model.precision_)[1]
    p = X.shape[1]
    expected = 0.5 * (logdet - np.sum(S * model.precision_) - p * np.log(2 * np.pi))
    assert model.score(X) == pytest.approx(expected)
    d = X[:3] - model.location_
    np.testing.assert_allclose(model.mahalanobis(X[:3]),
                               np.einsum("ij,jk,ik->i", d, model.precision_, d))


def test_auto_sketch_size_and_warning():
    assert auto_sketch_size(100) == int(np.ceil(300 * np.log(100)))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    with pytest.warns(CompressionWarning, match="no compression"):
        CompressiveGraphicalLasso(alpha=0.1, random_state=0).fit(X)
    X = rng.normal(size=(300, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompressionWarning)
        model = CompressiveGraphicalLasso(alpha=0.3, random_state=0, max_iter=5).fit(X)
    assert model.sketch_.feature_sum.shape == (auto_sketch_size(40),)


def test_cv_chooses_from_grid_and_sketch_folds(graph):
    prec, X = graph
    cv = CompressiveGraphicalLassoCV(alphas=3, cv=3, sketch_size=80, tol=1e-3,
                                     selection="best", random_state=0).fit(X)
    assert cv.alpha_ in cv.cv_results_["alphas"]
    assert cv.cv_results_["split2_test_score"].shape == (3,)
    assert np.argmax(cv.cv_results_["mean_test_score"]) == list(
        cv.cv_results_["alphas"]).index(cv.alpha_)
    single = CompressiveGraphicalLasso(alpha=cv.alpha_, sketch_size=80, tol=1e-3,
                                       random_state=0).fit(X)
    np.testing.assert_allclose(cv.precision_, single.precision_, atol=1e-8)
    op = CovarianceSketcher(sketch_size=80, random_state=0).fit(X)
    sketches = [op.sketch(c) for c in np.array_split(X, 4)]
    cvs = CompressiveGraphicalLassoCV(alphas=[0.02, 0.1, 0.3], scoring="sketch_residual",
                                      tol=1e-3)
    cvs.fit_sketch(sketches)
    assert cvs.alpha_ in (0.02, 0.1, 0.3)
    assert cvs.sketch_.n_samples == len(X)
    with pytest.raises(ValueError, match="at least 2 sketches"):
        cvs.fit_sketch(sketches[:1])
    assert not hasattr(cvs, "partial_fit")


def test_cv_one_standard_error_rule_recovers_the_graph():
    # held-out likelihood favours dense graphs; the one-standard-error rule takes the
    # largest alpha whose mean score is within one standard error of the best one
    p = 30
    prec = make_sparse_precision(p, n_edges=40, random_state=3)
    X = sample_gaussian_graph(600, prec, random_state=4)
    m = p * (p + 1) // 2
    grid = [0.03, 0.06, 0.1, 0.15, 0.25]
    kw = dict(alphas=grid, cv=3, sketch_size=m, tol=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompressionWarning)
        best = CompressiveGraphicalLassoCV(selection="best", **kw).fit(X)
        one_se = CompressiveGraphicalLassoCV(**kw).fit(X)
    res = one_se.cv_results_
    np.testing.assert_allclose(res["mean_test_score"], best.cv_results_["mean_test_score"])
    splits = np.array([res[f"split{k}_test_score"] for k in range(3)])
    alphas = list(res["alphas"])
    i_best = alphas.index(best.alpha_)
    threshold = splits[:, i_best].mean() - splits[:, i_best].std() / np.sqrt(3)
    expected = max(a for a, s in zip(alphas, splits.mean(axis=0)) if s >= threshold)
    assert one_se.alpha_ == expected
    assert one_se.alpha_ >= best.alpha_
    f1_best = edge_f1_score(prec, best.precision_)
    f1_one_se = edge_f1_score(prec, one_se.precision_)
    assert f1_one_se > f1_best + 0.2  # 0.84 against 0.35 at the likelihood's best
    assert f1_one_se > 0.6


def test_bad_input(graph):
    _, X = graph
    est = CompressiveGraphicalLasso(alpha=0.1, sketch_size=30, random_state=0)
    with pytest.raises(InvalidParameterError, match="alpha"):
        CompressiveGraphicalLasso(alpha=-1).fit(X)
    with pytest.raises(ValueError, match="minimum of 2"):
        est.fit(X[:, :1])
    with pytest.raises(ValueError, match="minimum of 2"):
        est.fit(X[:1])
    bad = X.copy()
    bad[3, 3] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        est.fit(bad)
    fourier = FourierSketcher(sketch_size=10, random_state=0).fit(X)
    with pytest.raises(ValueError, match="CovarianceSketcher"):
        est.fit_sketch(fourier.sketch(X))
    with pytest.raises(TypeError, match="Sketch"):
        est.fit_sketch(X)
    est.fit(X)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:, :5])
    other = CovarianceSketcher(sketch_size=30, random_state=1).fit(X)
    with pytest.raises(ValueError, match="operator"):
        est.sketch_score(other.sketch(X))
    const = X.copy()
    const[:, 2] = 1.0
    with pytest.raises(ValueError, match="feature 2 is constant"):
        est.fit(const)
    tiny = other.sketch(X[:1])
    with pytest.raises(ValueError, match="n_samples=1"):
        est.fit_sketch(tiny)


def test_decoder_reports_failure_instead_of_non_spd(monkeypatch):
    # an inner solver that always fails: the decoder must warn and keep its last
    # positive-definite iterate, never return something non-SPD silently
    import skfrugal.covariance._decoder as dec

    def broken(*args, **kwargs):
        raise FloatingPointError("non SPD")

    monkeypatch.setattr(dec, "solve_graphical_lasso", broken)
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 30)) / np.sqrt(30)
    C = np.cov(rng.normal(size=(100, 4)).T)
    y = np.einsum("ij,ik,kj->j", A, C, A)
    with pytest.warns(UserWarning, match="acceptable step"):
        cov, theta, *_ = decode_precision(y, A, np.diag(C), 0.1)
    assert np.linalg.eigvalsh(theta)[0] > 0
