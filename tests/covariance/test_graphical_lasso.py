"""The full-data graphical-lasso solver against scikit-learn and the KKT conditions."""

import warnings

import numpy as np
import pytest
from sklearn.covariance import GraphicalLasso as SkGraphicalLasso
from sklearn.covariance import empirical_covariance
from sklearn.datasets import make_sparse_spd_matrix
from sklearn.exceptions import ConvergenceWarning

from skfrugal.covariance import GraphicalLasso, graphical_lasso
from skfrugal.covariance._quic import (
    _free_set,
    _inverse_from_cholesky,
    _model_decrease,
    _threshold_components,
    _trial_point,
    duality_gap,
)
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph


def _kkt_violation(S, cov, prec, alpha):
    """Largest violation of the graphical-lasso optimality conditions."""
    G = cov - S  # must equal alpha * sign(prec) on the support, |.| <= alpha off it
    off = ~np.eye(S.shape[0], dtype=bool)
    support = off & (prec != 0)
    v_diag = np.abs(np.diag(G)).max()
    v_support = np.abs(G[support] - alpha * np.sign(prec[support])).max(initial=0.0)
    v_zero = np.maximum(np.abs(G[off & (prec == 0)]) - alpha, 0).max(initial=0.0)
    return max(v_diag, v_support, v_zero)


def _problem(p=30, n=400, seed=0):
    prec = make_sparse_precision(p, n_edges=p, random_state=seed)
    X = sample_gaussian_graph(n, prec, random_state=seed + 1)
    return X, empirical_covariance(X)


@pytest.mark.parametrize("solver", ["auto", "quic", "admm"])
@pytest.mark.parametrize("alpha", [0.02, 0.1])
def test_matches_sklearn_and_kkt(solver, alpha):
    X, S = _problem()
    cov, prec, n_iter, gap = graphical_lasso(S, alpha, solver=solver, tol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SkGraphicalLasso(alpha=alpha, tol=1e-7, max_iter=200).fit(X)
    np.testing.assert_allclose(prec, ref.precision_, atol=2e-3 * np.abs(ref.precision_).max())
    np.testing.assert_allclose(cov @ prec, np.eye(S.shape[0]), atol=1e-8)
    assert abs(gap) <= 1e-7
    assert _kkt_violation(S, cov, prec, alpha) < 1e-3
    # same support as scikit-learn's solution (entries far from zero)
    big = np.abs(ref.precision_) > 1e-3
    assert np.all(prec[big] != 0)


def test_estimator_attributes_and_score():
    X, S = _problem(p=12, n=300)
    model = GraphicalLasso(alpha=0.05).fit(X)
    np.testing.assert_allclose(model.location_, X.mean(axis=0))
    assert abs(model.dual_gap_) <= 1e-4
    assert abs(duality_gap(S, model.precision_, 0.05) - model.dual_gap_) < 1e-10
    # inherited Gaussian log-likelihood, against a direct computation
    Xc = X - X.mean(axis=0)
    sign, logdet = np.linalg.slogdet(model.precision_)
    p = X.shape[1]
    expected = 0.5 * (logdet - np.trace(Xc.T @ Xc / len(X) @ model.precision_)
                      - p * np.log(2 * np.pi))
    assert model.score(X) == pytest.approx(expected)
    centred = GraphicalLasso(alpha=0.05, assume_centered=True).fit(Xc)
    np.testing.assert_allclose(centred.precision_, model.precision_, atol=1e-5)


def test_component_screening_is_exact():
    rng = np.random.default_rng(0)
    B1 = np.cov(rng.normal(size=(200, 4)).T) + 0.3
    B2 = np.cov(rng.normal(size=(200, 3)).T)
    S = np.zeros((9, 9))
    S[:4, :4] = B1
    S[4:7, 4:7] = B2
    S[7, 7], S[8, 8] = 2.0, 0.5
    S[:4, 4:7] = 0.01  # below alpha: the blocks separate
    S[4:7, :4] = 0.01
    cov, prec, _, _ = graphical_lasso(S, 0.05, tol=1e-8)
    assert np.all(prec[:4, 4:] == 0) and np.all(prec[4:7, 7:] == 0)
    assert prec[7, 7] == pytest.approx(0.5) and prec[8, 8] == pytest.approx(2.0)
    block = graphical_lasso(B1, 0.05, tol=1e-8)[1]
    np.testing.assert_allclose(prec[:4, :4], block, atol=1e-8)


def test_alpha_zero_is_inverse():
    _, S = _problem(p=8, n=500)
    cov, prec, _, _ = graphical_lasso(S, 0.0, tol=1e-10)
    np.testing.assert_allclose(prec, np.linalg.inv(S), rtol=1e-6, atol=1e-8)


def test_ill_conditioned_falls_back_and_solves():
    # cond(Θ) ≈ 3e3: the Newton direction stalls, ADMM takes over
    p = 60
    prec = make_sparse_spd_matrix(p, alpha=0.9, random_state=0)
    X = np.random.default_rng(0).multivariate_normal(np.zeros(p), np.linalg.inv(prec), 300)
    X = (X - X.mean(0)) / X.std(0)
    S = empirical_covariance(X)
    cov, theta, _, gap = graphical_lasso(S, 0.05)
    assert abs(gap) <= 1e-4
    assert np.linalg.eigvalsh(theta)[0] > 0
    assert _kkt_violation(S, cov, theta, 0.05) < 5e-3


@pytest.mark.slow
def test_solves_where_sklearn_fails():
    p = 200
    prec = make_sparse_spd_matrix(p, alpha=0.95, random_state=0)
    X = np.random.default_rng(0).multivariate_normal(np.zeros(p), np.linalg.inv(prec), 1000)
    X = (X - X.mean(0)) / X.std(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(FloatingPointError):
            SkGraphicalLasso(alpha=0.05, max_iter=100).fit(X)
    model = GraphicalLasso(alpha=0.05).fit(X)
    assert abs(model.dual_gap_) <= 1e-4
    S = empirical_covariance(X)
    assert _kkt_violation(S, model.covariance_, model.precision_, 0.05) < 1e-2


def test_bad_input():
    _, S = _problem(p=5)
    with pytest.raises(ValueError, match="alpha must be >= 0, got -1"):
        graphical_lasso(S, -1)
    with pytest.raises(ValueError, match="square"):
        graphical_lasso(S[:3], 0.1)
    bad = S.copy()
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        graphical_lasso(bad, 0.1)
    zero = S.copy()
    zero[2, 2] = 0.0
    with pytest.raises(ValueError, match="feature 2 has variance 0"):
        graphical_lasso(zero, 0.1)
    with pytest.raises(ValueError, match="solver"):
        graphical_lasso(S, 0.1, solver="cd")
    X = np.random.default_rng(0).normal(size=(10, 3))
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        GraphicalLasso().fit(X)
    with pytest.raises(ValueError, match="minimum of 2"):
        GraphicalLasso().fit(np.ones((10, 1)))
    with pytest.raises(ValueError, match="alpha"):
        GraphicalLasso(alpha=-0.1).fit(np.random.default_rng(0).normal(size=(10, 3)))


def test_max_iter_warns():
    _, S = _problem(p=30)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        graphical_lasso(S, 0.02, solver="quic", max_iter=1)


def test_threshold_components_match_scipy():
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(0)
    for _ in range(50):
        p = int(rng.integers(1, 30))
        A = rng.standard_normal((p, p)) * rng.random((p, p)) ** 3
        S = A + A.T
        alpha = 2 * rng.random()
        adj = np.abs(S) > alpha
        np.fill_diagonal(adj, False)
        n_ref, ref = connected_components(csr_matrix(adj), directed=False)
        labels = np.empty(p, dtype=np.int64)
        assert _threshold_components(S, alpha, labels) == n_ref
        # the same partition: labels determine the reference labels and vice versa
        pairs = set(zip(labels.tolist(), ref.tolist()))
        assert len(pairs) == n_ref == len(set(labels.tolist()))


def test_newton_kernels_match_numpy():
    _, S = _problem(p=12, n=200)
    rng = np.random.default_rng(1)
    X = np.linalg.inv(S + 0.5 * np.eye(12))
    X[np.abs(X) < 0.05] = 0.0
    W = np.linalg.inv(X)
    alpha = 0.1
    free_i = np.empty(78, dtype=np.int64)
    free_j = np.empty(78, dtype=np.int64)
    n = _free_set(S, W, X, alpha, free_i, free_j)
    iu, ju = np.triu_indices(12)
    ref = (iu == ju) | (X[iu, ju] != 0) | (np.abs(S - W)[iu, ju] > alpha)
    by_column = np.lexsort((iu[ref], ju[ref]))
    np.testing.assert_array_equal(free_i[:n], iu[ref][by_column])
    np.testing.assert_array_equal(free_j[:n], ju[ref][by_column])
    D = rng.standard_normal((12, 12))
    D = D + D.T
    off = ~np.eye(12, dtype=bool)
    expected = np.sum((S - W) * D) + alpha * (np.abs(X + D)[off].sum() - np.abs(X)[off].sum())
    assert _model_decrease(S, W, X, D, alpha) == pytest.approx(expected)
    out = np.empty((12, 12))
    lin = _trial_point(X, D, 0.25, S, alpha, out)
    np.testing.assert_allclose(out, X + 0.25 * D)
    assert lin == pytest.approx(np.sum(S * out) + alpha * np.abs(out)[off].sum())
    c = np.linalg.cholesky(X)
    np.testing.assert_allclose(_inverse_from_cholesky(np.asfortranarray(c)), W, rtol=1e-10,
                               atol=1e-12)
    assert _inverse_from_cholesky(np.asfortranarray(c)).flags.c_contiguous


def test_no_admm_fallback_when_newton_converges(monkeypatch):
    # p = 200, make_sparse_spd_matrix(alpha=0.98): the duality gap changes sign four
    # times on the way (its size is no measure of progress) while Newton converges
    # linearly; the stall rule watches the model decrease and must not switch to ADMM
    import skfrugal.covariance._quic as quic

    def no_admm(*args, **kwargs):
        raise AssertionError("fell back to ADMM")

    monkeypatch.setattr(quic, "_admm_block", no_admm)
    p = 200
    prec = make_sparse_spd_matrix(p, alpha=0.98, random_state=0)
    X = np.random.default_rng(0).multivariate_normal(np.zeros(p), np.linalg.inv(prec), 1000)
    S = empirical_covariance((X - X.mean(0)) / X.std(0))
    cov, theta, _, gap = graphical_lasso(S, 0.05, tol=6e-5)
    assert abs(gap) <= 6e-5
    assert _kkt_violation(S, cov, theta, 0.05) < 1e-2
