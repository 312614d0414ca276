"""MCP and SCAD by local linear approximation: the penalty derivatives, the LLA fixed
point (KKT of the weighted problem at its own weights), monotone decrease of the
non-convex objective, and less bias than ℓ1 on a known graph."""

import numpy as np
import pytest
from sklearn.covariance import empirical_covariance

from skfrugal.covariance import GraphicalLasso, graphical_lasso
from skfrugal.covariance._penalties import lla_weights, penalty_derivative
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
from skfrugal.metrics import edge_f1_score
from skfrugal.proximal import SortedPenalty


def sorted_penalty_value(x, lambdas, penalty, param):
    """The value of skfrugal.proximal's sorted penalty (``param``: MCP's gamma or SCAD's a)."""
    kwargs = {"gamma": param} if penalty == "mcp" else {"a": param}
    return SortedPenalty(penalty, **kwargs).value(x, lambdas)

@pytest.mark.parametrize("penalty, param", [("mcp", 3.0), ("mcp", 1.5), ("scad", 3.7),
                                            ("scad", 2.5)])
def test_derivative_matches_the_penalty_value(penalty, param):
    # finite differences of the penalty values of skfrugal.proximal (an independent
    # implementation, used by the SLOPE solvers), away from the kinks
    lam = 0.4
    t = np.linspace(0.013, 3.0, 57)
    kinks = np.array([lam, param * lam])
    t = t[np.min(np.abs(t[:, None] - kinks), axis=1) > 1e-3]
    h = 1e-6

    def value(x):
        return sorted_penalty_value(np.array([x]), np.array([lam]), penalty, param)

    numeric = np.array([(value(x + h) - value(x - h)) / (2 * h) for x in t])
    kwargs = {"gamma": param} if penalty == "mcp" else {"a": param}
    np.testing.assert_allclose(penalty_derivative(t, lam, penalty, **kwargs), numeric,
                               atol=1e-6)
    assert np.isinf(penalty_derivative(np.array([0.0, 5.0]), np.inf, penalty, **kwargs)).all()


def _graph(seed=0, p=30, n=1000):
    prec = make_sparse_precision(p, n_edges=p, random_state=seed)
    X = sample_gaussian_graph(n, prec, random_state=seed + 1)
    return prec, X


def _concave_objective(S, prec, alpha, penalty, gamma=3.0, a=3.7):
    """-log det Θ + tr(SΘ) + Σ_{i≠j} P_alpha(S_ii S_jj |Θ_ij|) / (S_ii S_jj), the
    objective whose LLA steps are the weighted problems (its derivative in |Θ_ij| is
    P'_alpha(S_ii S_jj |Θ_ij|))."""
    d2 = np.outer(np.diag(S), np.diag(S))
    T = np.abs(prec) * d2
    off = ~np.eye(S.shape[0], dtype=bool)
    param = gamma if penalty == "mcp" else a
    values = np.array([sorted_penalty_value(np.array([x]), np.array([alpha]), penalty, param)
                       for x in T[off]])
    return (-np.linalg.slogdet(prec)[1] + np.sum(S * prec) + np.sum(values / d2[off]))


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_lla_reaches_a_fixed_point(penalty):
    prec_true, X = _graph()
    S = empirical_covariance(X)
    alpha = 0.1
    model = GraphicalLasso(alpha=alpha, penalty=penalty, tol=1e-8).fit(X)
    prec, cov = model.precision_, model.covariance_
    A = np.full(S.shape, alpha)
    np.fill_diagonal(A, 0.0)
    weights = lla_weights(prec, A, np.diag(S), penalty, 3.0, 3.7)
    # the weights of the last solve are the derivatives at the solution ...
    np.testing.assert_allclose(model.penalty_weights_, weights, atol=1e-4 * alpha)
    # ... so the solution meets the KKT conditions of the weighted problem of its
    # own weights (first-order conditions of the non-convex problem)
    G = cov - S
    support = (prec != 0) & ~np.eye(S.shape[0], dtype=bool)
    assert np.abs(np.diag(G)).max() < 1e-6
    assert np.abs(G[support] - weights[support] * np.sign(prec[support])).max() < 1e-3 * alpha
    zero = prec == 0
    assert np.all(np.abs(G[zero]) <= weights[zero] + 1e-3 * alpha)
    # some entries are no longer penalised (MCP: weight 0 beyond gamma * alpha)
    if penalty == "mcp":
        assert np.any(weights[support] == 0.0)


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_lla_decreases_the_nonconvex_objective(penalty):
    # the LLA steps by hand (weighted graphical lassos): a majorisation-minimisation
    # sequence, so the concave-penalised objective never increases; the estimator ends
    # at the last point of that sequence
    prec_true, X = _graph(seed=3)
    S = empirical_covariance(X)
    alpha = 0.1
    A = np.full(S.shape, alpha)
    np.fill_diagonal(A, 0.0)
    prec = graphical_lasso(S, alpha, tol=1e-10)[1]
    values = [_concave_objective(S, prec, alpha, penalty)]
    for _ in range(30):
        weights = lla_weights(prec, A, np.diag(S), penalty, 3.0, 3.7)
        prec = graphical_lasso(S, weights, tol=1e-10, precision_init=prec)[1]
        values.append(_concave_objective(S, prec, alpha, penalty))
    assert np.all(np.diff(values) <= 1e-8)
    assert values[-1] < values[0]
    model = GraphicalLasso(alpha=alpha, penalty=penalty, tol=1e-10).fit(X)
    np.testing.assert_allclose(model.precision_, prec, atol=1e-3)


def test_mcp_and_scad_recover_a_known_graph_with_less_bias():
    prec_true, X = _graph()
    support = (prec_true != 0) & ~np.eye(30, dtype=bool)
    fits = {pen: GraphicalLasso(alpha=0.1, penalty=pen).fit(X).precision_
            for pen in ("l1", "mcp", "scad")}

    def shrinkage(P):  # mean |Θ̂_ij| - |Θ_ij| on the true edges: negative = shrunk
        return np.mean(np.abs(P[support]) - np.abs(prec_true[support]))

    f1 = {pen: edge_f1_score(prec_true, P, threshold=1e-8) for pen, P in fits.items()}
    err = {pen: np.linalg.norm(P - prec_true) for pen, P in fits.items()}
    # (measured: shrinkage -0.13 / -0.02 / -0.05, error 1.36 / 0.49 / 0.71,
    # F1 0.95 / 0.98 / 0.98 for l1 / mcp / scad)
    assert shrinkage(fits["l1"]) < -0.1
    for pen in ("mcp", "scad"):
        assert abs(shrinkage(fits[pen])) < 0.5 * abs(shrinkage(fits["l1"]))
        assert err[pen] < 0.6 * err["l1"]
        assert f1[pen] >= f1["l1"]


def test_penalty_matrix_with_mcp_keeps_forbidden_edges():
    prec_true, X = _graph()
    S = empirical_covariance(X)
    A = np.full(S.shape, 0.1)
    np.fill_diagonal(A, 0.0)
    i, j = np.argwhere(np.triu(prec_true, 1) != 0)[0]  # a true edge, forbidden
    A[i, j] = A[j, i] = np.inf
    model = GraphicalLasso(alpha=A, penalty="mcp").fit(X)
    assert model.precision_[i, j] == 0.0
    assert np.isinf(model.penalty_weights_[i, j])
