"""Choosing alpha: GraphicalLassoCV and graphical_lasso_path against scikit-learn (same
grids, same folds), failed folds, warm starts, and GraphicalLassoEBIC against the
extended BIC computed from its definition."""

import warnings

import numpy as np
import pytest
from sklearn.covariance import GraphicalLassoCV as SkGraphicalLassoCV
from sklearn.covariance import empirical_covariance
from sklearn.covariance._graph_lasso import graphical_lasso_path as sk_graphical_lasso_path
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from skfrugal.covariance import (
    GraphicalLasso,
    GraphicalLassoCV,
    GraphicalLassoEBIC,
    graphical_lasso,
    graphical_lasso_path,
)
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph


def _wine():
    return StandardScaler().fit_transform(load_wine().data)


def _generated(p=20, n=300, seed=0):
    prec = make_sparse_precision(p, n_edges=25, random_state=seed)
    return sample_gaussian_graph(n, prec, random_state=seed + 1), prec


def _sklearn_cv(X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SkGraphicalLassoCV(**kwargs).fit(X)


@pytest.mark.parametrize("data, cv", [("wine", None),
                                      ("wine", KFold(3, shuffle=True, random_state=0)),
                                      ("generated", None)])
def test_cv_matches_sklearn(data, cv):
    # same grid, refinements, folds and held-out likelihood: the same alphas explored,
    # the same scores, the same choice (both to a tight tol, where scikit-learn's path
    # fits, which get max_iter / 10 iterations, converge)
    X = _wine() if data == "wine" else _generated()[0]
    ref = _sklearn_cv(X, cv=cv, n_refinements=2, tol=1e-8, enet_tol=1e-8, max_iter=1000)
    model = GraphicalLassoCV(cv=cv, n_refinements=2, tol=1e-8).fit(X)
    assert sorted(model.cv_results_) == sorted(ref.cv_results_)
    np.testing.assert_allclose(model.cv_results_["alphas"], ref.cv_results_["alphas"],
                               rtol=1e-12)
    for key in ref.cv_results_:
        np.testing.assert_allclose(model.cv_results_[key], ref.cv_results_[key], atol=1e-4)
    assert model.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(model.precision_, ref.precision_, atol=1e-3)
    np.testing.assert_allclose(model.location_, ref.location_)
    # the refit is the graphical lasso at alpha_
    np.testing.assert_allclose(
        model.precision_, GraphicalLasso(alpha=model.alpha_, tol=1e-8).fit(X).precision_,
        atol=1e-12)
    # with the defaults (4 refinements, tol=1e-4), the same choice as well
    if data == "wine" and cv is None:
        assert GraphicalLassoCV().fit(X).alpha_ == pytest.approx(_sklearn_cv(X).alpha_,
                                                                 rel=1e-12)


def test_cv_explicit_grid_and_splits_match_sklearn():
    X, _ = _generated(seed=2)
    splits = list(KFold(4, shuffle=True, random_state=1).split(X))
    alphas = [0.02, 0.3, 0.05, 0.1]  # any order
    ref = _sklearn_cv(X, alphas=alphas, cv=splits)
    model = GraphicalLassoCV(alphas=alphas, cv=splits).fit(X)
    np.testing.assert_allclose(model.cv_results_["alphas"], [0.3, 0.1, 0.05, 0.02, 0.0])
    np.testing.assert_allclose(model.cv_results_["alphas"], ref.cv_results_["alphas"])
    np.testing.assert_allclose(model.cv_results_["mean_test_score"],
                               ref.cv_results_["mean_test_score"], atol=1e-3)
    assert model.alpha_ == ref.alpha_
    # scores from the definition: held-out log-likelihood of the test fold's
    # empirical covariance under the fit on the other folds
    k, (train, test) = 2, splits[2]
    for i, alpha in enumerate(model.cv_results_["alphas"][:-1]):
        prec = graphical_lasso(empirical_covariance(X[train]), alpha, tol=1e-10)[1]
        St = empirical_covariance(X[test])
        p = X.shape[1]
        ll = -0.5 * (np.sum(St * prec) - np.linalg.slogdet(prec)[1] + p * np.log(2 * np.pi))
        assert model.cv_results_[f"split{k}_test_score"][i] == pytest.approx(ll, abs=1e-4)


def test_path_matches_sklearn_and_warm_starts():
    X, _ = _generated()
    alphas = [0.3, 0.15, 0.08, 0.04]
    covs, precs, scores = graphical_lasso_path(X[:200], alphas, X_test=X[200:], tol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref_covs, ref_precs, ref_scores = sk_graphical_lasso_path(
            X[:200], alphas, X_test=X[200:], tol=1e-8, enet_tol=1e-8, max_iter=500)
    for P, R in zip(precs, ref_precs):
        np.testing.assert_allclose(P, R, atol=1e-4 * np.abs(R).max())
    np.testing.assert_allclose(scores, ref_scores, atol=1e-6)
    for C, P in zip(covs, precs):
        np.testing.assert_allclose(C @ P, np.eye(20), atol=1e-10)
    # each fit starts from the previous one: fewer sweeps than from cold starts (a
    # few: 27 against 32 here; block coordinate descent converges linearly, and the
    # previous covariance must be clipped into the narrower dual box)
    S = empirical_covariance(X[:200])
    grid = np.abs(S - np.diag(np.diag(S))).max() * np.logspace(0, -1.5, 8)
    cold = sum(graphical_lasso(S, a, tol=1e-8)[2] for a in grid)
    warm, prev = 0, None
    for a in grid:
        _, prev, it, _ = graphical_lasso(S, a, tol=1e-8, precision_init=prev)
        warm += it
    assert warm < cold


def _failing_below(threshold):
    """fit_penalized that raises FloatingPointError below ``threshold`` (a fit with no
    positive-definite solution)."""
    from skfrugal.covariance import _graphical_lasso

    real = _graphical_lasso.fit_penalized

    def fit(S, alpha, *args, **kwargs):
        if np.ndim(alpha) == 0 and 0 < alpha < threshold:
            raise FloatingPointError("forced failure")
        return real(S, alpha, *args, **kwargs)

    return fit


def test_failed_folds_are_explicit(monkeypatch):
    import skfrugal.covariance._path as path

    X, _ = _generated()
    alphas = [0.3, 0.1, 0.03, 0.01]
    good = GraphicalLassoCV(alphas=alphas, cv=3).fit(X)
    assert good.alpha_ < 0.1  # the likelihood prefers a small alpha here
    monkeypatch.setattr(path, "fit_penalized", _failing_below(0.05))
    with pytest.warns(ConvergenceWarning, match=r"6 of 12 cross-validation path fits "
                      r"failed .*alphas 0.03, 0.01"):
        model = GraphicalLassoCV(alphas=alphas, cv=3).fit(X)
    scores = model.cv_results_
    assert np.all(np.isneginf(scores["split0_test_score"][2:4]))
    assert np.all(np.isneginf(scores["mean_test_score"][2:4]))
    assert model.alpha_ == 0.1  # the best alpha whose folds all succeeded
    # the path function marks failed fits too
    with pytest.warns(ConvergenceWarning, match="2 of 4 path fits failed"):
        covs, precs, sc = graphical_lasso_path(X[:200], alphas, X_test=X[200:])
    assert np.isnan(precs[3]).all() and np.isneginf(sc[3]) and np.isfinite(sc[1])
    # nothing left to choose: a clear error
    monkeypatch.setattr(path, "fit_penalized", _failing_below(1.0))
    with pytest.raises(ValueError, match="cross-validation failed"):
        with pytest.warns(ConvergenceWarning):
            GraphicalLassoCV(alphas=alphas, cv=3).fit(X)


def test_cv_solves_where_sklearn_fails():
    # breast_cancer standardised (cond 1e5): scikit-learn's path fits fail (-inf) below
    # alpha = 0.2 and it picks 0.22; every fit succeeds here and the held-out
    # likelihood is far better at the chosen alpha
    from sklearn.datasets import load_breast_cancer

    X = StandardScaler().fit_transform(load_breast_cancer().data)
    cv = KFold(3, shuffle=True, random_state=0)
    ref = _sklearn_cv(X, cv=cv, alphas=3, n_refinements=2)
    model = GraphicalLassoCV(cv=cv, alphas=3, n_refinements=2).fit(X)
    assert np.isneginf(ref.cv_results_["mean_test_score"]).any()
    assert np.isfinite(model.cv_results_["mean_test_score"][:-1]).all()
    assert model.alpha_ < 0.1 * ref.alpha_
    best = model.cv_results_["alphas"] == model.alpha_
    best_ref = ref.cv_results_["alphas"] == ref.alpha_
    assert (model.cv_results_["mean_test_score"][best][0]
            > ref.cv_results_["mean_test_score"][best_ref][0] + 5)


def _ebic_from_definition(S, prec, n, gamma):
    p = S.shape[0]
    edges = np.count_nonzero(np.triu(prec, 1))
    loglik = 0.5 * n * (np.linalg.slogdet(prec)[1] - np.trace(S @ prec))
    return -2 * loglik + edges * np.log(n) + 4 * gamma * edges * np.log(p)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0])
def test_ebic_matches_brute_force(gamma):
    X, prec_true = _generated(p=15, n=200, seed=4)
    model = GraphicalLassoEBIC(alphas=8, ebic_gamma=gamma, tol=1e-10).fit(X)
    S = empirical_covariance(X)
    brute = np.array([_ebic_from_definition(S, graphical_lasso(S, a, tol=1e-12)[1],
                                            len(X), gamma) for a in model.alphas_])
    np.testing.assert_allclose(model.criterion_, brute, rtol=1e-7)
    assert model.alpha_ == model.alphas_[np.argmin(brute)]
    np.testing.assert_allclose(model.precision_, graphical_lasso(S, model.alpha_,
                                                                 tol=1e-12)[1], atol=1e-5)
    assert model.alphas_[0] == pytest.approx(np.abs(S - np.diag(np.diag(S))).max())


def test_ebic_precomputed_and_gamma():
    X, prec_true = _generated(p=15, n=200, seed=4)
    S = empirical_covariance(X)
    data = GraphicalLassoEBIC(alphas=8).fit(X)
    pre = GraphicalLassoEBIC(alphas=8, covariance="precomputed").fit(S, n_samples=len(X))
    np.testing.assert_allclose(pre.criterion_, data.criterion_, rtol=1e-10)
    np.testing.assert_allclose(pre.precision_, data.precision_, atol=1e-12)
    assert np.all(pre.location_ == 0)
    # a larger gamma never picks a denser graph
    edges = [np.count_nonzero(np.triu(GraphicalLassoEBIC(alphas=8, ebic_gamma=g).fit(X)
                                      .precision_, 1)) for g in (0.0, 0.5, 1.0)]
    assert edges[0] >= edges[1] >= edges[2]
    with pytest.raises(ValueError, match="n_samples"):
        GraphicalLassoEBIC(covariance="precomputed").fit(S)
    with pytest.raises(ValueError, match="only for covariance='precomputed'"):
        GraphicalLassoEBIC().fit(X, n_samples=10)
    with pytest.raises(ValueError, match="n_samples must be an integer"):
        GraphicalLassoEBIC(covariance="precomputed").fit(S, n_samples=0)
