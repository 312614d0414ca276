"""The full-data graphical-lasso solver against scikit-learn and the KKT conditions."""

import warnings

import numpy as np
import pytest
from sklearn.covariance import GraphicalLasso as SkGraphicalLasso
from sklearn.covariance import empirical_covariance
from sklearn.datasets import make_sparse_spd_matrix
from sklearn.exceptions import ConvergenceWarning

from skfrugal.covariance import GraphicalLasso, graphical_lasso
from skfrugal.covariance._linalg import inverse_from_cholesky
from skfrugal.covariance._objective import duality_gap
from skfrugal.covariance._quic import _free_set, _model_decrease, _trial_point
from skfrugal.covariance._solver import _threshold_components
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


@pytest.mark.parametrize("solver", ["auto", "bcd", "quic", "admm"])
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


@pytest.mark.parametrize("path", ["bcd", "quic then admm"])
def test_ill_conditioned_is_solved(path, monkeypatch):
    # cond(Θ) ≈ 3e3: block coordinate descent solves it (its column lassos are solved
    # exactly); forced to break down, QUIC stalls there and ADMM takes over
    import skfrugal.covariance._solver as solver

    calls = []
    admm_block = solver.admm_block

    def spy_admm(*args, **kwargs):
        calls.append("admm")
        return admm_block(*args, **kwargs)

    monkeypatch.setattr(solver, "admm_block", spy_admm)
    if path != "bcd":
        monkeypatch.setattr(solver, "bcd_block", _bcd_breaks_down)
    p = 60
    prec = make_sparse_spd_matrix(p, alpha=0.9, random_state=0)
    X = np.random.default_rng(0).multivariate_normal(np.zeros(p), np.linalg.inv(prec), 300)
    X = (X - X.mean(0)) / X.std(0)
    S = empirical_covariance(X)
    cov, theta, _, gap = graphical_lasso(S, 0.05)
    assert calls == ([] if path == "bcd" else ["admm"])
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
        A = np.full((p, p), alpha)
        assert _threshold_components(S, A, labels) == n_ref
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
    A = np.full((12, 12), alpha)
    np.fill_diagonal(A, 0.0)
    free_i = np.empty(78, dtype=np.int64)
    free_j = np.empty(78, dtype=np.int64)
    n = _free_set(S, W, X, A, free_i, free_j)
    iu, ju = np.triu_indices(12)
    ref = (iu == ju) | (X[iu, ju] != 0) | (np.abs(S - W)[iu, ju] > alpha)
    by_column = np.lexsort((iu[ref], ju[ref]))
    np.testing.assert_array_equal(free_i[:n], iu[ref][by_column])
    np.testing.assert_array_equal(free_j[:n], ju[ref][by_column])
    D = rng.standard_normal((12, 12))
    D = D + D.T
    off = ~np.eye(12, dtype=bool)
    expected = np.sum((S - W) * D) + alpha * (np.abs(X + D)[off].sum() - np.abs(X)[off].sum())
    assert _model_decrease(S, W, X, D, A) == pytest.approx(expected)
    out = np.empty((12, 12))
    lin = _trial_point(X, D, 0.25, S, A, out)
    np.testing.assert_allclose(out, X + 0.25 * D)
    assert lin == pytest.approx(np.sum(S * out) + alpha * np.abs(out)[off].sum())
    c = np.linalg.cholesky(X)
    np.testing.assert_allclose(inverse_from_cholesky(np.asfortranarray(c)), W, rtol=1e-10,
                               atol=1e-12)
    assert inverse_from_cholesky(np.asfortranarray(c)).flags.c_contiguous


def _spd98_problem(p=200):
    prec = make_sparse_spd_matrix(p, alpha=0.98, random_state=0)
    X = np.random.default_rng(0).multivariate_normal(np.zeros(p), np.linalg.inv(prec), 1000)
    return empirical_covariance((X - X.mean(0)) / X.std(0))


def _fail(name):
    def fail(*args, **kwargs):
        raise AssertionError(f"called {name}")
    return fail


def _bcd_breaks_down(S, alpha, X0, max_iter, tol):
    return None, None, 1, np.inf, False


def test_no_admm_fallback_when_newton_converges(monkeypatch):
    # p = 200, make_sparse_spd_matrix(alpha=0.98), QUIC forced (block coordinate
    # descent made to break down): the duality gap changes sign four times on the way
    # (its size is no measure of progress) while Newton converges linearly; the stall
    # rule watches the model decrease and must not switch to ADMM
    import skfrugal.covariance._solver as solver

    monkeypatch.setattr(solver, "bcd_block", _bcd_breaks_down)
    monkeypatch.setattr(solver, "admm_block", _fail("ADMM"))
    S = _spd98_problem()
    cov, theta, _, gap = graphical_lasso(S, 0.05, tol=6e-5)
    assert abs(gap) <= 6e-5
    assert _kkt_violation(S, cov, theta, 0.05) < 1e-2


def test_auto_is_block_coordinate_descent_when_it_converges(monkeypatch):
    import skfrugal.covariance._solver as solver

    monkeypatch.setattr(solver, "quic_block", _fail("QUIC"))
    monkeypatch.setattr(solver, "admm_block", _fail("ADMM"))
    S = _spd98_problem()
    cov, theta, n_iter, gap = graphical_lasso(S, 0.05, tol=6e-5)
    assert abs(gap) <= 6e-5
    assert n_iter <= 15  # sweeps (8 on this machine class)
    assert _kkt_violation(S, cov, theta, 0.05) < 1e-2
    np.testing.assert_allclose(cov @ theta, np.eye(200), atol=1e-8)


def test_auto_falls_back_to_quic_then_admm(monkeypatch):
    # block coordinate descent breaks down: QUIC must take over; when QUIC stalls
    # too, ADMM: both paths end at the solution
    import skfrugal.covariance._solver as solver

    X, S = _problem(p=30)
    ref = graphical_lasso(S, 0.05, tol=1e-8)[1]
    calls = []
    quic_block, admm_block = solver.quic_block, solver.admm_block

    def spy_quic(*args, **kwargs):
        calls.append("quic")
        return quic_block(*args, **kwargs)

    def stalled_quic(*args, **kwargs):
        calls.append("quic")
        X, W, n_iter, gap, _, _ = quic_block(args[0], args[1], args[2], 2, args[4])
        return X, W, n_iter, gap, False, True

    def spy_admm(*args, **kwargs):
        calls.append("admm")
        return admm_block(*args, **kwargs)

    monkeypatch.setattr(solver, "bcd_block", _bcd_breaks_down)
    monkeypatch.setattr(solver, "quic_block", spy_quic)
    monkeypatch.setattr(solver, "admm_block", spy_admm)
    prec = graphical_lasso(S, 0.05, tol=1e-8)[1]
    assert calls == ["quic"]
    np.testing.assert_allclose(prec, ref, atol=1e-5)
    calls.clear()
    monkeypatch.setattr(solver, "quic_block", stalled_quic)
    prec = graphical_lasso(S, 0.05, tol=1e-6)[1]
    assert calls == ["quic", "admm"]
    np.testing.assert_allclose(prec, ref, atol=1e-3)


def test_rank_deficient_tiny_alpha_and_bcd_breakdown(monkeypatch):
    # n = 5 < p = 10 and a tiny alpha: the column lassos are nearly singular. Loose
    # first sweeps used to leave the positive-definite cone here; block coordinate
    # descent now solves it (restart with exact column solves, feature-sign search;
    # QUIC and ADMM stop far from it: gaps -5.4 and -0.85 after 500 iterations)
    rng = np.random.default_rng(0)
    S = np.cov(rng.standard_normal((5, 10)).T)
    cov, prec, _, gap = graphical_lasso(S, 1e-4, solver="bcd", tol=1e-8)
    assert abs(gap) <= 1e-8 and np.linalg.eigvalsh(prec)[0] > 0
    assert _kkt_violation(S, cov, prec, 1e-4) < 1e-7
    with pytest.raises(ValueError, match="singular"):
        graphical_lasso(S, 0.0)
    # a breakdown of block coordinate descent: solver="bcd" names the fix, "auto"
    # falls back to QUIC
    import skfrugal.covariance._solver as solver

    ref = graphical_lasso(S, 0.05, solver="bcd", tol=1e-10)[1]
    monkeypatch.setattr(solver, "bcd_block", _bcd_breaks_down)
    with pytest.raises(FloatingPointError, match="solver='bcd'"):
        graphical_lasso(S, 0.05, solver="bcd")
    np.testing.assert_allclose(graphical_lasso(S, 0.05, tol=1e-8)[1], ref, atol=1e-4)


def test_warm_start_from_the_solution_stops_at_once():
    _, S = _problem(p=30)
    cov, prec, n_iter, _ = graphical_lasso(S, 0.05, tol=1e-9)
    assert n_iter > 2
    cov2, prec2, n_iter2, gap2 = graphical_lasso(S, 0.05, tol=1e-8, precision_init=prec)
    assert n_iter2 == 1 and abs(gap2) <= 1e-8
    np.testing.assert_allclose(prec2, prec, atol=1e-7)


def _lasso_kkt(Q, s, alpha, beta):
    """Largest violation of the optimality conditions of min ½βᵀQβ - sᵀβ + α||β||_1."""
    g = s - Q @ beta  # = alpha sign(beta) on the support, |g| <= alpha off it
    on = beta != 0
    v_on = np.abs(g[on] - alpha * np.sign(beta[on])).max(initial=0.0)
    v_off = np.maximum(np.abs(g[~on]) - alpha, 0.0).max(initial=0.0)
    return max(v_on, v_off)


@pytest.mark.parametrize("start", ["cold", "warm", "wrong signs"])
def test_column_lasso_meets_kkt(start):
    from skfrugal.covariance._bcd import _lasso_column

    rng = np.random.default_rng(3)
    p, j, alpha = 40, 7, 0.08
    G = rng.standard_normal((60, p))
    W = G.T @ G / 60 + 0.05 * np.eye(p)  # cond ~ 100
    S = W + 0.3 * rng.standard_normal((p, p))
    S = 0.5 * (S + S.T)
    others = np.arange(p) != j
    Q, s = W[np.ix_(others, others)], S[j, others]
    beta = np.zeros(p)
    if start != "cold":
        ref = np.zeros(p)
        ref[others] = np.linalg.solve(Q, s)  # alpha = 0: dense, wrong support
        beta = ref if start == "warm" else -ref
    work = (np.empty(p, dtype=np.int64), np.empty(p), np.empty((p, p)), np.empty(p),
            np.empty(p))
    v = np.empty(p)
    _lasso_column(S, W, j, np.full((p, p), alpha), beta, v, *work, 1e-10, 50)
    assert beta[j] == 0.0
    assert _lasso_kkt(Q, s, alpha, beta[others]) < 1e-8
    np.testing.assert_allclose(v[others], Q @ beta[others], atol=1e-12)
    assert 0 < np.count_nonzero(beta) < p - 1


def test_cholesky_solve_matches_numpy():
    from skfrugal.covariance._bcd import _cholesky_solve

    rng = np.random.default_rng(0)
    for a in (1, 2, 7, 30):
        G = rng.standard_normal((a, 2 * a))
        M = G @ G.T + 0.1 * np.eye(a)
        A = np.zeros((a + 3, a + 3))  # only the leading block is read
        A[:a, :a] = np.tril(M)
        x = rng.standard_normal(a + 3)
        expected = np.linalg.solve(M, x[:a])
        assert _cholesky_solve(A, a, x)
        np.testing.assert_allclose(x[:a], expected, rtol=1e-10, atol=1e-12)
    A = np.array([[1.0, 0.0], [2.0, 1.0]])  # [[1, 2], [2, 1]]: indefinite
    assert not _cholesky_solve(A, 2, np.ones(2))
