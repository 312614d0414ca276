"""Per-entry penalty matrices: KKT conditions of the weighted problem for every solver,
closed forms (zero-pattern constraints of a decomposable graph, diagonal penalty), and
the same stopping rule for every solver."""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from skfrugal.covariance import GraphicalLasso, graphical_lasso
from skfrugal.covariance._objective import duality_gap

SOLVERS = ["auto", "bcd", "quic", "admm"]


def _weighted_kkt(S, cov, prec, A):
    """Largest violation of the optimality conditions of
    min -log det Θ + tr(SΘ) + Σ A_ij |Θ_ij|: W - S = A ∘ sign(Θ) on the support (the
    diagonal included, Θ_ii > 0), |W - S| <= A off it (no condition where A is inf)."""
    G = cov - S
    support = prec != 0
    v_support = np.abs(G[support] - A[support] * np.sign(prec[support])).max()
    zero = ~support & np.isfinite(A)
    v_zero = np.maximum(np.abs(G[zero]) - A[zero], 0).max(initial=0.0)
    return max(v_support, v_zero)


def _wine():
    X = StandardScaler().fit_transform(load_wine().data)
    return X, np.cov(X, rowvar=False, bias=True)


def _random_weights(p, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.02, 0.3, (p, p))
    A = 0.5 * (A + A.T)
    np.fill_diagonal(A, rng.uniform(0.0, 0.1, p))
    A[0, 5] = A[5, 0] = np.inf  # a forbidden edge
    A[1, 2] = A[2, 1] = 0.0  # a free one
    return A


@pytest.mark.parametrize("solver", SOLVERS)
def test_weighted_problem_meets_kkt_for_every_solver(solver):
    _, S = _wine()
    A = _random_weights(S.shape[0])
    cov, prec, _, gap = graphical_lasso(S, A, solver=solver, tol=1e-9, max_iter=300)
    assert abs(gap) <= 1e-9
    assert prec[0, 5] == 0.0 and prec[1, 2] != 0.0
    assert _weighted_kkt(S, cov, prec, A) < 1e-4
    # the reported gap is the gap of the one definition, at the returned matrix
    assert gap == pytest.approx(duality_gap(S, prec, A), abs=1e-12)


def test_solvers_agree_and_scalar_is_the_constant_matrix():
    _, S = _wine()
    A = _random_weights(S.shape[0])
    ref = graphical_lasso(S, A, solver="quic", tol=1e-12, max_iter=300)[1]
    for solver in ("bcd", "admm"):
        prec = graphical_lasso(S, A, solver=solver, tol=1e-10, max_iter=300)[1]
        np.testing.assert_allclose(prec, ref, atol=1e-4)
    p = S.shape[0]
    M = np.full((p, p), 0.1)
    np.fill_diagonal(M, 0.0)
    np.testing.assert_allclose(graphical_lasso(S, M, tol=1e-10)[1],
                               graphical_lasso(S, 0.1, tol=1e-10)[1], atol=1e-8)


def _chain_mle(S):
    """Maximum likelihood precision of a chain graph (decomposable: cliques {i, i+1},
    separators {i}): Θ = Σ_C [S_C^{-1}]⁰ - Σ_sep [S_sep^{-1}]⁰ (Lauritzen 1996)."""
    p = S.shape[0]
    T = np.zeros((p, p))
    for i in range(p - 1):
        c = np.ix_([i, i + 1], [i, i + 1])
        T[c] += np.linalg.inv(S[c])
    for i in range(1, p - 1):
        T[i, i] -= 1.0 / S[i, i]
    return T


@pytest.mark.parametrize("solver", SOLVERS)
def test_infinite_weights_are_a_zero_pattern_constraint(solver):
    # no penalty on the chain's edges, infinite weight on the other pairs: the
    # maximum-likelihood estimate of the chain model, known in closed form
    X, S = _wine()
    p = S.shape[0]
    A = np.full((p, p), np.inf)
    np.fill_diagonal(A, 0.0)
    for i in range(p - 1):
        A[i, i + 1] = A[i + 1, i] = 0.0
    cov, prec, _, gap = graphical_lasso(S, A, solver=solver, tol=1e-14, max_iter=300)
    expected = _chain_mle(S)
    np.testing.assert_allclose(prec, expected, atol=1e-6 * np.abs(expected).max())
    assert np.all(prec[np.isinf(A)] == 0.0)
    # the estimator takes the same matrix
    model = GraphicalLasso(alpha=A, solver=solver, tol=1e-14, max_iter=300).fit(X)
    np.testing.assert_allclose(model.precision_, expected, atol=1e-6 * np.abs(expected).max())


def test_diagonal_penalty_is_a_shift_of_the_covariance():
    # zero off-diagonal penalty, d on the diagonal: Θ = (S + diag(d))^{-1} exactly
    _, S = _wine()
    p = S.shape[0]
    d = np.linspace(0.05, 0.5, p)
    cov, prec, n_iter, gap = graphical_lasso(S, np.diag(d))
    assert n_iter == 0  # closed form
    np.testing.assert_allclose(prec, np.linalg.inv(S + np.diag(d)), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(cov, S + np.diag(d))
    # with an off-diagonal penalty too: KKT with W_ii = S_ii + d_i
    A = np.full((p, p), 0.1)
    np.fill_diagonal(A, d)
    cov, prec, _, _ = graphical_lasso(S, A, tol=1e-10)
    np.testing.assert_allclose(np.diag(cov), np.diag(S) + d, atol=1e-6)
    assert _weighted_kkt(S, cov, prec, A) < 1e-5


def test_component_screening_with_weights_is_exact():
    # weights above |S_ij| between two groups split the problem: the same solution as
    # the two blocks solved alone
    _, S = _wine()
    p = S.shape[0]
    A = np.full((p, p), 0.05)
    np.fill_diagonal(A, 0.0)
    A[:6, 6:] = A[6:, :6] = 1.0  # > max |S_ij| = 0.86
    prec = graphical_lasso(S, A, tol=1e-10)[1]
    assert np.all(prec[:6, 6:] == 0.0)
    for block in (slice(0, 6), slice(6, p)):
        alone = graphical_lasso(S[block, block], A[block, block], tol=1e-10)[1]
        np.testing.assert_allclose(prec[block, block], alone, atol=1e-7)


def test_warm_start_violating_an_infinite_weight_is_repaired():
    _, S = _wine()
    A = _random_weights(S.shape[0])
    ref = graphical_lasso(S, A, tol=1e-10)[1]
    start = np.linalg.inv(S)  # dense: non-zero where A is inf
    for solver in SOLVERS:
        prec = graphical_lasso(S, A, solver=solver, precision_init=start, tol=1e-10,
                               max_iter=300)[1]
        assert prec[0, 5] == 0.0
        np.testing.assert_allclose(prec, ref, atol=1e-4)


@pytest.mark.parametrize("tol", [1e-3, 1e-7])
def test_every_solver_stops_on_the_same_gap(tol):
    # one definition of the gap (scikit-learn's, recomputed on the returned matrix)
    # and one tol for every solver; the objective is then within the gap's reach
    X, S = _wine()
    from skfrugal.covariance._objective import objective

    best = graphical_lasso(S, 0.1, tol=1e-12)[1]
    f_best = objective(S, best, np.linalg.slogdet(best)[1], 0.1)
    for solver in SOLVERS:
        model = GraphicalLasso(alpha=0.1, solver=solver, tol=tol).fit(X)
        gap = duality_gap(S, model.precision_, 0.1)
        assert model.dual_gap_ == pytest.approx(gap, abs=1e-12)
        assert abs(gap) <= tol
        f = objective(S, model.precision_, np.linalg.slogdet(model.precision_)[1], 0.1)
        assert 0 <= f - f_best <= 100 * tol
