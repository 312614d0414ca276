"""CompressiveGraphicalLasso: units of alpha, recovery, streaming, CV, bad input."""

import warnings

import numpy as np
import pytest
from sklearn.covariance import empirical_covariance
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from skfrugal.covariance import (
    CompressionWarning,
    CompressiveGraphicalLasso,
    CompressiveGraphicalLassoCV,
    CovarianceSketcher,
    GraphicalLasso,
    auto_sketch_size,
    centred_sketch,
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


def test_decoder_reaches_full_data_glasso_at_ratio_one(graph):
    # with m = p(p+1)/2 >= p(p-1)/2 measurements the sketch determines the covariance:
    # stage 1 fits it and the decoder returns the full-data graphical lasso
    _, X = graph
    p = X.shape[1]
    op = CovarianceSketcher(p * (p + 1) // 2, random_state=0).fit(X)
    y, diag, _ = centred_sketch(op.sketch(X))
    full = GraphicalLasso(alpha=0.05, tol=1e-8).fit(X).precision_
    cov, theta, n_rounds, _, fit_residual, converged = decode_precision(
        y, op.projections_, diag, 0.05, n_samples=len(X), tol=1e-6, max_iter=2000)
    assert n_rounds == 0 and converged
    assert fit_residual < 1e-5
    assert np.linalg.norm(theta - full) / np.linalg.norm(full) < 1e-3
    np.testing.assert_allclose(cov @ theta, np.eye(p), atol=1e-8)


def test_rank_bound_determines_covariance_of_few_samples():
    # n = 5 samples in p = 15 dimensions: rank 4, 15*4 - 6 - 15 = 39 degrees of
    # freedom with the diagonal known, against 105 entries: 60 measurements determine
    # the covariance (a least-squares fit of all 105 entries could not)
    from skfrugal.covariance import covariance_from_sketch, rank_one_forward
    from skfrugal.covariance._decoder import degrees_of_freedom

    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 15)) @ rng.normal(size=(15, 15))
    C = empirical_covariance(X)
    assert degrees_of_freedom(15, 4) == 39
    A = rng.normal(size=(15, 60)) / np.sqrt(60)
    est, residual, _ = covariance_from_sketch(rank_one_forward(A, C), A, np.diag(C),
                                              rank=4, max_iter=3000, tol=1e-9)
    assert residual < 1e-6
    np.testing.assert_allclose(est, C, rtol=0, atol=1e-4 * np.abs(C).max())
    # a plain least-squares fit of the 105 off-diagonal entries is undetermined: its
    # minimum-norm solution reproduces the measurements but not the covariance
    iu = np.triu_indices(15, 1)
    design = 2.0 * A[iu[0]] * A[iu[1]]  # (105, 60): a_jᵀ C a_j = Σ_i C_ii a_ij² + 2 Σ_{k<l}
    offdiag = np.linalg.lstsq(design.T, rank_one_forward(A, C) - (np.diag(C) @ A**2),
                              rcond=None)[0]
    np.testing.assert_allclose(design.T @ offdiag, design.T @ C[iu], rtol=1e-8)
    assert np.abs(offdiag - C[iu]).max() > 0.1 * np.abs(C).max()


def test_real_data_graph_matches_full_data_glasso():
    # breast cancer (569 x 30, standardised): the decoded graph against the full-data
    # graphical lasso at the same alpha (measured: F1 0.92-0.99 at m = p(p+1)/2,
    # 0.70-0.78 at m = p(p+1)/4 for alpha from 0.1 to 0.7 of max |S_ij|)
    from sklearn.datasets import load_breast_cancer

    X = load_breast_cancer().data
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    S = empirical_covariance(X)
    p = S.shape[0]
    alpha = 0.3 * np.abs(S - np.diag(np.diag(S))).max()
    full = GraphicalLasso(alpha=alpha).fit(X).precision_
    with pytest.warns(CompressionWarning):
        whole = CompressiveGraphicalLasso(alpha, sketch_size=p * (p + 1) // 2,
                                          random_state=0).fit(X)
    half = CompressiveGraphicalLasso(alpha, sketch_size=p * (p + 1) // 4,
                                     random_state=0).fit(X)
    assert edge_f1_score(full, whole.precision_) > 0.93
    assert edge_f1_score(full, half.precision_) > 0.72
    assert half.n_iter_ > 0 and whole.n_iter_ == 0
    for model in (whole, half):
        assert model.fit_residual_ < 1e-2
        assert np.linalg.eigvalsh(model.precision_)[0] > 0


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
    y, diag, _ = centred_sketch(merged)
    theta = decode_precision(y, op.projections_, diag, 0.1, n_samples=len(X), tol=1e-6,
                             max_iter=300)[1]
    np.testing.assert_allclose(theta, fresh.precision_, atol=1e-6)


def test_partial_fit_is_atomic(graph, monkeypatch):
    """A decoding that fails leaves sketch and model as they were; a retry counts the
    chunk once (the estimator shares the compressive mixin of k-means and GMM)."""
    import skfrugal.covariance._compressive as compressive

    _, X = graph
    model = CompressiveGraphicalLasso(alpha=0.1, sketch_size=60, random_state=0)
    first, second = X[:600], X[600:]
    model.partial_fit(first)
    before = (model.sketch_, model.precision_.copy())
    real = compressive.decode_precision

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(compressive, "decode_precision", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(second)
    assert model.sketch_ is before[0] and model.sketch_.n_samples == 600
    np.testing.assert_array_equal(model.precision_, before[1])
    monkeypatch.setattr(compressive, "decode_precision", real)
    model.partial_fit(second)
    assert model.sketch_.n_samples == len(X)
    whole = model.sketcher_.sketch(X)
    np.testing.assert_allclose(model.sketch_.feature_sum, whole.feature_sum, rtol=1e-10)


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
    with pytest.raises(TypeError, match="CovarianceSketcher"):
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


def test_forged_sketch_warns_with_the_figures(graph):
    # measurements that no positive semi-definite covariance produces (the sketch of
    # one data set with the sums of another operator): the decoder says so
    _, X = graph
    est = CompressiveGraphicalLasso(alpha=0.1, sketch_size=60, random_state=0).fit(X)
    forged = est.sketch_
    forged.feature_sum[:] = forged.feature_sum[::-1] * np.linspace(0.2, 3.0, 60)
    with pytest.warns(ConvergenceWarning, match=r"no positive semi-definite covariance "
                      r"reproduces the sketch: .* residual of \d"):
        bad = CompressiveGraphicalLasso(alpha=0.1).fit_sketch(forged)
    assert bad.fit_residual_ > 1e-2
    assert not bad.converged_
    assert np.linalg.eigvalsh(bad.precision_)[0] > 0
