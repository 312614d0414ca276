"""SLOPE estimators against sortedl1, scikit-learn, skglm and the optimality conditions."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfrugal.datasets import make_correlated_regression
from skfrugal.linear_model import (
    SLOPEClassifier,
    SLOPERegression,
    SLOPERegressionCV,
    slope_path,
)
from skfrugal.proximal import lambda_sequence, prox_sorted, sorted_l1_dual_norm


def slope_objective(X, y, coef, intercept, lam):
    r = y - X @ coef - intercept
    return r @ r / (2 * len(y)) + np.sort(np.abs(coef))[::-1] @ lam


@pytest.fixture(scope="module")
def problem():
    X, y, coef = make_correlated_regression(200, 300, 10, rho=0.6, random_state=0)
    return X, y, coef


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_slope_matches_sortedl1(problem, fit_intercept, sparse):
    sortedl1 = pytest.importorskip("sortedl1")
    X, y, _ = problem
    y = y + 3.0  # a non-trivial intercept
    n, p = X.shape
    lam = lambda_sequence(p, "bh", q=0.1)
    alpha = 1 / np.sqrt(n)
    Xf = sp.csc_matrix(X) if sparse else X
    ours = SLOPERegression(alpha=alpha, fit_intercept=fit_intercept, tol=1e-10).fit(Xf, y)
    ref = sortedl1.Slope(lam=lam, alpha=alpha, fit_intercept=fit_intercept, tol=1e-10).fit(X, y)
    ref_coef = np.asarray(ref.coef_).ravel()
    ref_b = float(np.ravel(ref.intercept_)[0]) if fit_intercept else 0.0
    f_ours = slope_objective(X, y, ours.coef_, ours.intercept_, alpha * lam)
    f_ref = slope_objective(X, y, ref_coef, ref_b, alpha * lam)
    assert f_ours <= f_ref * (1 + 1e-9)
    np.testing.assert_allclose(ours.coef_, ref_coef, atol=1e-5)
    # the same clusters (sortedl1's magnitudes agree to its tolerance)
    ref_mags = np.unique(np.round(np.abs(ref_coef[ref_coef != 0]), 5))
    assert ours.n_clusters_ == ref_mags.size
    assert ours.dual_gap_ <= 1e-10 * f_ours * 1.0001


def test_slope_optimality_conditions(problem):
    """Fixed point of the prox-gradient map and zero gap, independently of references."""
    X, y, _ = problem
    n, p = X.shape
    lam = 0.05 * lambda_sequence(p, "bh", q=0.2)
    reg = SLOPERegression(alpha=0.05, lambdas=lambda_sequence(p, "bh", q=0.2),
                          tol=1e-12).fit(X, y)
    r = y - X @ reg.coef_ - reg.intercept_
    assert abs(r.mean()) < 1e-10
    grad = -X.T @ r / n
    fixed = prox_sorted(reg.coef_ - grad, lam, "l1", 1.0)
    np.testing.assert_allclose(fixed, reg.coef_, atol=1e-7)
    # primal - dual computed here from the definitions
    primal = r @ r / (2 * n) + np.sort(np.abs(reg.coef_))[::-1] @ lam
    s = max(1.0, sorted_l1_dual_norm(grad, lam))
    yc = y - y.mean()
    dual = (yc @ yc - (yc - r / s) @ (yc - r / s)) / (2 * n)
    # weak duality (>= 0 up to the rounding of the two sums: the fit can be exact)
    assert -1e-14 * primal <= primal - dual <= 1e-10 * primal
    # clusters: exact equal magnitudes, labelled by decreasing magnitude
    for k in range(1, reg.n_clusters_ + 1):
        mags = np.abs(reg.coef_[reg.clusters_ == k])
        assert np.all(mags == mags[0])
    assert np.array_equal(reg.clusters_ == 0, reg.coef_ == 0)


def test_lasso_weights_match_sklearn_lasso(problem):
    X, y, _ = problem
    ours = SLOPERegression(alpha=0.1, lambdas="lasso", tol=1e-12).fit(X, y)
    ref = Lasso(alpha=0.1, tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)


def test_fista_solver_agrees_with_hybrid(problem):
    X, y, _ = problem
    a = SLOPERegression(alpha=0.1, tol=1e-10).fit(X, y)
    b = SLOPERegression(alpha=0.1, solver="fista", tol=1e-10, max_iter=20000).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)


def test_sparse_equals_dense(problem):
    X, y, _ = problem
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.8] = 0.0
    for pen in ["l1", "mcp"]:
        d = SLOPERegression(alpha=0.05, penalty=pen, tol=1e-10).fit(Xs, y)
        s = SLOPERegression(alpha=0.05, penalty=pen, tol=1e-10).fit(sp.csr_matrix(Xs), y)
        np.testing.assert_allclose(d.coef_, s.coef_, atol=1e-6)
        np.testing.assert_allclose(d.intercept_, s.intercept_, atol=1e-6)


@pytest.mark.parametrize("penalty", ["mcp", "scad", "log", "lq"])
def test_nonconvex_fixed_point_and_descent(problem, penalty):
    X, y, coef = problem
    n, p = X.shape
    kw = {"gamma": 3.0, "a": 3.7, "log_eps": 1.0, "lq_exponent": 0.5}
    reg = SLOPERegression(alpha=0.1, penalty=penalty, tol=1e-9, max_iter=5000, **kw).fit(X, y)
    slope = SLOPERegression(alpha=0.1, tol=1e-9).fit(X, y)
    lam = 0.1 * reg.lambdas_
    param = {"mcp": {"gamma": 3.0}, "scad": {"a": 3.7}, "log": {"log_eps": 1.0},
             "lq": {"lq_exponent": 0.5}}[penalty]

    def psi_sum(c):
        t = np.sort(np.abs(c))[::-1]
        if penalty == "mcp":
            return np.sum(np.where(t <= 3 * lam, lam * t - t**2 / 6, 1.5 * lam**2))
        if penalty == "scad":
            a = 3.7
            mid = (2 * a * lam * t - t**2 - lam**2) / (2 * (a - 1))
            return np.sum(np.where(t <= lam, lam * t,
                                   np.where(t <= a * lam, mid, lam**2 * (a + 1) / 2)))
        if penalty == "log":
            return np.sum(lam * np.log1p(t))
        return np.sum(lam * np.sqrt(t))

    def obj(c, b):
        r = y - X @ c - b
        return r @ r / (2 * n) + psi_sum(c)

    # monotone from the SLOPE warm start
    assert obj(reg.coef_, reg.intercept_) <= obj(slope.coef_, slope.intercept_) + 1e-12
    # fixed point of the prox-gradient map with a valid step
    r = y - X @ reg.coef_ - reg.intercept_
    grad = -X.T @ r / n
    eta = 0.5 * n / np.linalg.norm(X - X.mean(0), 2) ** 2
    fixed = prox_sorted(reg.coef_ - eta * grad, lam, penalty, eta, **param)
    np.testing.assert_allclose(fixed, reg.coef_, atol=1e-5 * np.abs(coef).max())
    # less bias than SLOPE on the true support
    support = coef != 0
    if penalty in ("mcp", "scad"):
        err = np.linalg.norm(reg.coef_ - coef)
        assert err < np.linalg.norm(slope.coef_ - coef)
        assert np.all(np.abs(reg.coef_[support]) >= np.abs(slope.coef_[support]) - 1e-3)


def test_sorted_mcp_with_constant_weights_is_plain_mcp():
    """With constant weights the sorted MCP is the plain MCP: compare with a textbook
    coordinate descent (firm thresholding, Breheny and Huang 2011) in a strongly convex
    case (smallest eigenvalue of X^T X / n above 1 / gamma: a unique minimiser)."""
    rng = np.random.default_rng(0)
    n, p, alpha, gamma = 300, 8, 0.3, 3.0
    X = rng.standard_normal((n, p))
    y = X @ np.array([2.0, 0, 0, -1.5, 0, 0.2, 0, 0]) + 0.3 * rng.standard_normal(n)
    assert np.linalg.eigvalsh(X.T @ X / n).min() > 1 / gamma
    ours = SLOPERegression(alpha=alpha, penalty="mcp", gamma=gamma, lambdas="lasso",
                           fit_intercept=False, tol=1e-12, max_iter=10000).fit(X, y)
    w = np.zeros(p)
    r = y.copy()
    for _ in range(2000):
        for j in range(p):
            v = X[:, j] @ X[:, j] / n
            u = X[:, j] @ r / n + v * w[j]
            if abs(u) <= gamma * alpha * v:
                new = np.sign(u) * max(abs(u) - alpha, 0) / (v - 1 / gamma)
            else:
                new = u / v
            r -= X[:, j] * (new - w[j])
            w[j] = new
    np.testing.assert_allclose(ours.coef_, w, atol=1e-7)


def test_classifier_lasso_weights_match_sklearn():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    y = (X[:, 0] - 2 * X[:, 3] + rng.standard_normal(300) > 0).astype(int)
    alpha = 0.02
    ours = SLOPEClassifier(alpha=alpha, lambdas="lasso", tol=1e-10, max_iter=20000).fit(X, y)
    ref = LogisticRegression(C=1 / (len(y) * alpha), l1_ratio=1.0, solver="saga",
                             tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_.ravel(), atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_[0], atol=1e-4)
    proba = ours.predict_proba(X)
    np.testing.assert_allclose(proba, ref.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), proba, rtol=1e-9)
    assert set(ours.predict(X)) <= set(ours.classes_)


def test_classifier_slope_clusters_correlated_features():
    rng = np.random.default_rng(1)
    z = rng.standard_normal(400)
    X = np.column_stack([z + 0.1 * rng.standard_normal(400) for _ in range(3)]
                        + [rng.standard_normal((400, 5))])
    y = np.where(z + 0.5 * rng.standard_normal(400) > 0, "yes", "no")
    clf = SLOPEClassifier(alpha=0.03, tol=1e-9, max_iter=5000).fit(X, y)
    assert list(clf.classes_) == ["no", "yes"]
    assert clf.n_clusters_ == 1
    assert set(np.flatnonzero(clf.clusters_)) == {0, 1, 2}


def test_path_matches_single_fits_and_screening(problem):
    X, y, _ = problem
    path = slope_path(X, y, n_alphas=8, tol=1e-10)
    nos = slope_path(X, y, n_alphas=8, tol=1e-10, screening=False)
    assert path.n_clusters[0] == 0 and np.all(path.coefs[:, 0] == 0)
    assert path.alphas[0] == pytest.approx(
        sorted_l1_dual_norm(X.T @ (y - y.mean()) / len(y), path.lambdas))
    np.testing.assert_allclose(path.coefs, nos.coefs, atol=1e-6)
    for i in [2, 5, 7]:
        reg = SLOPERegression(alpha=path.alphas[i], tol=1e-10).fit(X, y)
        np.testing.assert_allclose(path.coefs[:, i], reg.coef_, atol=1e-6)
        np.testing.assert_allclose(path.intercepts[i], reg.intercept_, atol=1e-6)
    primal = [slope_objective(X, y, path.coefs[:, i], path.intercepts[i],
                              a * path.lambdas) for i, a in enumerate(path.alphas)]
    assert np.all(path.dual_gaps <= 1e-10 * np.array(primal))


def test_path_against_sortedl1(problem):
    sortedl1 = pytest.importorskip("sortedl1")
    X, y, _ = problem
    path = slope_path(X, y, n_alphas=10, tol=1e-10)
    ref = sortedl1.Slope(lam=path.lambdas, tol=1e-10).path(X, y, alphas=path.alphas)
    coefs = np.asarray(ref.coefs)[:, 0, :]  # (n_features, n_targets, n_alphas)
    np.testing.assert_allclose(path.coefs, coefs, atol=1e-5)
    np.testing.assert_allclose(path.intercepts, np.asarray(ref.intercepts)[0], atol=1e-5)


def test_nonconvex_path_runs_and_is_sparse_first(problem):
    X, y, _ = problem
    path = slope_path(X, y, n_alphas=5, penalty="mcp", tol=1e-7)
    np.testing.assert_allclose(path.coefs[:, 0], 0.0, atol=1e-12)  # alpha_max
    assert np.all(np.isnan(path.dual_gaps))
    assert np.count_nonzero(path.coefs[:, -1]) > 0


def test_cv_chooses_and_refits(problem):
    X, y, _ = problem
    cv = SLOPERegressionCV(n_alphas=6, qs=[0.05, 0.3], cv=3).fit(X, y)
    assert cv.mse_path_.shape == (2, 6, 3)
    iq, ia = np.unravel_index(np.argmin(cv.mse_path_.mean(2)), (2, 6))
    assert cv.alpha_ == cv.alphas_[iq, ia] and cv.q_ == [0.05, 0.3][iq]
    ref = SLOPERegression(alpha=cv.alpha_, q=cv.q_).fit(X, y)
    np.testing.assert_allclose(cv.coef_, ref.coef_, atol=1e-8)
    np.testing.assert_allclose(cv.predict(X[:5]), ref.predict(X[:5]))
    # one entry of mse_path_ recomputed by hand
    from sklearn.model_selection import KFold

    train, test = next(iter(KFold(3).split(X)))
    m = SLOPERegression(alpha=cv.alphas_[0, 3], q=0.05, tol=1e-10).fit(X[train], y[train])
    mse = np.mean((m.predict(X[test]) - y[test]) ** 2)
    assert cv.mse_path_[0, 3, 0] == pytest.approx(mse, rel=1e-5)


def test_pipeline_and_grid_search(problem):
    X, y, _ = problem
    pipe = make_pipeline(StandardScaler(), SLOPERegression())
    grid = GridSearchCV(pipe, {"sloperegression__alpha": [0.05, 0.2],
                               "sloperegression__penalty": ["l1", "mcp"]}, cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.5
    assert set(grid.cv_results_["param_sloperegression__penalty"]) == {"l1", "mcp"}


def test_warm_start_reuses_solution(problem):
    X, y, _ = problem
    reg = SLOPERegression(alpha=0.1, warm_start=True, tol=1e-10).fit(X, y)
    n1 = reg.n_iter_
    reg.fit(X, y)
    assert reg.n_iter_ <= 2 < n1 + 1


def test_bad_input(problem):
    X, y, _ = problem
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SLOPERegression().fit(Xn, y)
    yn = y.copy()
    yn[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SLOPERegression().fit(X, yn)
    with pytest.raises(ValueError, match="non-increasing"):
        SLOPERegression(lambdas=np.arange(X.shape[1], dtype=float)).fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        SLOPERegression(lambdas=-np.ones(X.shape[1])).fit(X, y)
    with pytest.raises(ValueError, match="length n_features=300"):
        SLOPERegression(lambdas=np.ones(5)).fit(X, y)
    with pytest.raises(ValueError, match="gamma"):
        SLOPERegression(penalty="mcp", gamma=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        SLOPEClassifier().fit(X[:30], np.zeros(30))
    with pytest.raises(ValueError, match="alphas must be finite"):
        slope_path(X, y, alphas=[0.1, np.nan])
    with pytest.raises(ValueError, match="alphas must be finite"):
        SLOPERegressionCV(alphas=[0.1, np.nan], cv=2).fit(X, y)
    with pytest.raises(ValueError, match="alphas must be >= 0"):
        SLOPERegressionCV(alphas=[0.1, -1.0], cv=2).fit(X, y)
    with pytest.raises(ValueError, match="'max_variables' parameter of slope_path"):
        slope_path(X, y, max_variables=-1)
    with pytest.raises(ValueError, match="'loss' parameter of slope_path"):
        slope_path(X, y, loss="hinge")
    with pytest.raises(ValueError, match="Complex data not supported"):
        SLOPERegression().fit(X.astype(complex), y)
    with pytest.raises(ValueError, match="sample_weight"):
        SLOPERegression().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(TypeError, match="lambdas must be a numeric array"):
        SLOPERegression(lambdas=np.array(["a"] * X.shape[1])).fit(X, y)
    with pytest.raises(ValueError, match="1-D"):
        SLOPERegression(lambdas=np.ones((X.shape[1], 1))).fit(X, y)


@pytest.mark.parametrize("scale", [1e300, 1e-300])
@pytest.mark.parametrize("target", ["X", "y"])
def test_extreme_magnitudes_are_refused_quickly(problem, scale, target):
    """Data near 1e+-300 used to hang the line search (L doubled forever on NaN):
    it is refused with the figures, for fits and paths alike."""
    X, y, _ = problem
    Xs, ys = (X * scale, y) if target == "X" else (X, y * scale)
    with pytest.raises(ValueError, match=f"{target} has values of magnitude"):
        SLOPERegression().fit(Xs, ys)
    with pytest.raises(ValueError, match=f"{target} has values of magnitude"):
        slope_path(Xs, ys, n_alphas=3)
    if target == "X":
        with pytest.raises(ValueError, match="X has values of magnitude"):
            SLOPEClassifier().fit(Xs, (y > 0).astype(int))


def test_convergence_warning(problem):
    X, y, _ = problem
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        SLOPERegression(alpha=0.01, max_iter=1, tol=1e-14).fit(X, y)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_classifier_duality_gap_certifies_the_objective(fit_intercept):
    """dual_gap_ bounds the distance to the optimal objective, computed independently
    (scikit-learn's LogisticRegression at tight tolerance, Lasso weights) and from a
    tight SLOPE fit (BH weights): 0 <= P(beta) - P* <= dual_gap_ <= tol * P(beta)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 8))
    X[:, 1] = X[:, 0] + 0.2 * rng.standard_normal(200)
    y = (X[:, 0] - X[:, 4] + 0.5 + rng.standard_normal(200) > 0).astype(int)
    ys = 2.0 * y - 1.0
    n = len(y)

    def objective(clf, lam):
        z = X @ clf.coef_ + clf.intercept_
        return np.logaddexp(0.0, -ys * z).mean() + np.sort(np.abs(clf.coef_))[::-1] @ lam

    alpha = 0.02
    ref = LogisticRegression(C=1 / (n * alpha), l1_ratio=1.0, solver="saga", tol=1e-13,
                             max_iter=200000, fit_intercept=fit_intercept).fit(X, y)
    lam = np.full(8, alpha)
    z = X @ ref.coef_.ravel() + ref.intercept_
    p_star = np.logaddexp(0.0, -ys * z).mean() + alpha * np.abs(ref.coef_).sum()
    for tol in [1e-3, 1e-6, 1e-11]:
        clf = SLOPEClassifier(alpha=alpha, lambdas="lasso", tol=tol, max_iter=50000,
                              fit_intercept=fit_intercept).fit(X, y)
        primal = objective(clf, lam)
        assert -1e-12 <= primal - p_star <= clf.dual_gap_ + 1e-12
        assert 0 <= clf.dual_gap_ <= tol * primal

    tight = SLOPEClassifier(alpha=alpha, tol=1e-13, max_iter=50000,
                            fit_intercept=fit_intercept).fit(X, y)
    lam = alpha * tight.lambdas_
    loose = SLOPEClassifier(alpha=alpha, tol=1e-4, fit_intercept=fit_intercept).fit(X, y)
    gap = objective(loose, lam) - objective(tight, lam)
    assert -1e-12 <= gap <= loose.dual_gap_
    assert np.isnan(SLOPEClassifier(alpha=alpha, penalty="mcp").fit(X, y).dual_gap_)


def test_classifier_multiclass_one_vs_rest_matches_sklearn():
    """More than two classes go through OneVsRestClassifier: with Lasso weights it is
    scikit-learn's one-vs-rest L1 logistic regression."""
    from sklearn.datasets import load_iris
    from sklearn.multiclass import OneVsRestClassifier

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    alpha = 0.01
    ours = OneVsRestClassifier(
        SLOPEClassifier(alpha=alpha, lambdas="lasso", tol=1e-12, max_iter=100000)).fit(X, y)
    ref = OneVsRestClassifier(LogisticRegression(
        C=1 / (len(y) * alpha), l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100000,
    )).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    assert all(0 <= e.dual_gap_ <= 1e-11 for e in ours.estimators_)
