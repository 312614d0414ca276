"""Losses, sample weights, relaxed SLOPE, alpha=0, paths and CV of the sorted-penalty GLMs.

References are independent of the solvers: scikit-learn's LogisticRegression and
PoissonRegressor, least squares by numpy, repeated rows, optimality conditions (the
prox-gradient fixed point) and duality gaps written here from the definitions.
"""

import warnings

import numpy as np
import pytest
from scipy.special import log_softmax
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.preprocessing import StandardScaler

from skfrugal.linear_model import (
    SLOPEClassifier,
    SLOPEClassifierCV,
    SLOPEPoissonRegression,
    SLOPERegression,
    slope_path,
)
from skfrugal.proximal import lambda_sequence, prox_sorted


def loss_value(kind, X, y, coef, b, w=None):
    """Weighted mean loss, from the definitions."""
    n = X.shape[0]
    w = np.full(n, 1 / n) if w is None else w / w.sum()
    if kind == "multinomial":
        Z = X @ coef.T + b
        Y = np.eye(coef.shape[0])[y]
        return float(w @ -np.sum(log_softmax(Z, axis=1) * Y, axis=1))
    z = X @ coef + b
    if kind == "squared":
        return 0.5 * float(w @ (y - z) ** 2)
    if kind == "logistic":
        return float(w @ (np.logaddexp(0, z) - y * z))
    return float(w @ (np.exp(z) - y * z))


def gradient(kind, X, y, coef, b, w=None):
    n = X.shape[0]
    w = np.full(n, 1 / n) if w is None else w / w.sum()
    z = X @ coef + b
    if kind == "logistic":
        r = 1 / (1 + np.exp(-z)) - y
    elif kind == "poisson":
        r = np.exp(z) - y
    else:
        r = z - y
    return X.T @ (w * r), float(w @ r)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 150))
    X[:, 1] = X[:, 0] + 0.1 * rng.standard_normal(200)
    eta = 0.3 + 0.5 * X[:, 0] + 0.5 * X[:, 1] - 0.4 * X[:, 5]
    return X, rng.poisson(np.exp(eta)).astype(float)


def test_default_classifier_is_useful(cancer):
    """The issue's case: SLOPEClassifier() predicted one class on standardised
    breast-cancer (accuracy 0.63) with alpha=1; the default alpha is relative."""
    X, y = cancer
    clf = SLOPEClassifier().fit(X, y)
    assert clf.alpha_ == pytest.approx(0.05 * clf.alpha_max_)
    assert clf.score(X, y) > 0.95
    assert 0 < np.count_nonzero(clf.coef_) < X.shape[1]


@pytest.mark.parametrize("kind", ["logistic", "poisson"])
def test_working_set_solution_is_a_fixed_point(kind, cancer, counts):
    """p > 100 uses working sets: the result is a fixed point of the full prox-gradient
    map (the optimality condition of SLOPE), its intercept gradient is zero, and the
    reported gap bounds the distance to a FISTA solution's objective."""
    if kind == "logistic":
        X, y = cancer
        X = np.hstack([X, X[:, :20] * X[:, 10:30], X ** 2])[:, :120]
        est = SLOPEClassifier(alpha_ratio=0.05, tol=1e-10)
        ref = SLOPEClassifier(alpha_ratio=0.05, tol=1e-10, solver="fista", max_iter=20000)
    else:
        X, y = counts
        est = SLOPEPoissonRegression(alpha_ratio=0.1, tol=1e-10)
        ref = SLOPEPoissonRegression(alpha_ratio=0.1, tol=1e-10, solver="fista",
                                     max_iter=20000)
    est.fit(X, y)
    lam = est.alpha_ * est.lambdas_
    g, gb = gradient(kind, X, y, est.coef_, est.intercept_)
    assert abs(gb) < 1e-7
    fixed = prox_sorted(est.coef_ - g, lam)
    np.testing.assert_allclose(fixed, est.coef_, atol=1e-6)
    ref.fit(X, y)

    def objective(m):
        return loss_value(kind, X, y, m.coef_, m.intercept_) + np.sort(
            np.abs(m.coef_))[::-1] @ lam

    assert objective(est) - objective(ref) <= est.dual_gap_ + 1e-12
    assert objective(ref) - objective(est) <= ref.dual_gap_ + 1e-12


def test_poisson_without_penalty_matches_sklearn(counts):
    X, y = counts
    X = X[:, :10]
    ours = SLOPEPoissonRegression(alpha=0.0, tol=1e-12, max_iter=5000).fit(X, y)
    ref = PoissonRegressor(alpha=0.0, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    g, gb = gradient("poisson", X, y, ours.coef_, ours.intercept_)
    assert max(np.abs(g).max(), abs(gb)) < 1e-10  # stationary (lbfgs stops near 1e-8)
    assert np.isnan(ours.dual_gap_)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-8)


def test_least_squares_and_logistic_without_penalty(cancer):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 5))
    y = X @ np.arange(5.0) + 1.0 + rng.standard_normal(60)
    reg = SLOPERegression(alpha=0.0, tol=1e-12).fit(X, y)
    A = np.column_stack([X, np.ones(60)])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(reg.coef_, sol[:5], atol=1e-8)
    np.testing.assert_allclose(reg.intercept_, sol[5], atol=1e-8)
    Xc, yc = cancer
    Xc = Xc[:, :4]
    clf = SLOPEClassifier(alpha=0.0, tol=1e-12).fit(Xc, yc)
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(Xc, yc)
    np.testing.assert_allclose(clf.coef_, ref.coef_.ravel(), atol=1e-5)


def test_multinomial_lasso_matches_sklearn():
    """One sorted penalty over the K x p coefficients; with equal weights it is
    scikit-learn's multinomial L1 logistic regression."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    alpha = 0.02
    ours = SLOPEClassifier(alpha=alpha, lambdas="lasso", tol=1e-10, max_iter=50000).fit(X, y)
    ref = LogisticRegression(C=1 / (len(y) * alpha), l1_ratio=1.0, solver="saga",
                             tol=1e-10, max_iter=100000).fit(X, y)
    assert ours.coef_.shape == (3, 4) and ours.intercept_.shape == (3,)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=2e-4)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-3)
    assert ours.lambdas_.shape == (12,)


def test_multinomial_gap_certifies_the_objective():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)

    def objective(m, lam):
        return loss_value("multinomial", X, y, m.coef_, m.intercept_) + np.sort(
            np.abs(m.coef_.ravel()))[::-1] @ lam

    tight = SLOPEClassifier(alpha=0.01, tol=1e-11, max_iter=100000).fit(X, y)
    lam = tight.alpha_ * tight.lambdas_
    for tol in [1e-3, 1e-6]:
        loose = SLOPEClassifier(alpha=0.01, tol=tol, max_iter=100000).fit(X, y)
        assert -1e-12 <= objective(loose, lam) - objective(tight, lam) <= loose.dual_gap_
        assert loose.dual_gap_ <= tol * objective(loose, lam)
    # the gradient of the intercepts is zero at the optimum
    P = np.exp(log_softmax(X @ tight.coef_.T + tight.intercept_, axis=1))
    np.testing.assert_allclose((P - np.eye(3)[y]).mean(0), 0.0, atol=1e-6)


@pytest.mark.parametrize("est", [
    SLOPERegression(alpha_ratio=0.1, tol=1e-10),
    SLOPERegression(alpha_ratio=0.1, penalty="mcp", tol=1e-10, max_iter=5000),
    SLOPEClassifier(alpha_ratio=0.1, tol=1e-10),
    SLOPEClassifier(alpha_ratio=0.1, penalty="scad", tol=1e-10, max_iter=5000),
    SLOPEPoissonRegression(alpha_ratio=0.1, tol=1e-10),
    SLOPEPoissonRegression(alpha_ratio=0.1, penalty="log", tol=1e-10, max_iter=5000),
], ids=["ls", "ls-mcp", "logistic", "logistic-scad", "poisson", "poisson-log"])
def test_sample_weight_equals_repeated_rows(est, counts):
    X, y = counts
    X = X[:60, :8]
    if isinstance(est, SLOPEClassifier):
        y = (y[:60] > np.median(y[:60])).astype(int)
    else:
        y = y[:60]
    rng = np.random.default_rng(3)
    w = rng.integers(0, 4, 60)
    w[:2] = (0, 2)
    rep = np.repeat(np.arange(60), w)
    a = est.fit(X, y, sample_weight=w.astype(float))
    coef, b = a.coef_.copy(), a.intercept_
    est.fit(X[rep], y[rep])
    np.testing.assert_allclose(coef, est.coef_, atol=1e-6)
    np.testing.assert_allclose(b, est.intercept_, atol=1e-6)


def test_multinomial_sample_weight_equals_repeated_rows():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)[::3]
    y = y[::3]
    w = np.random.default_rng(0).integers(1, 4, y.size)
    rep = np.repeat(np.arange(y.size), w)
    a = SLOPEClassifier(alpha=0.02, tol=1e-10, max_iter=50000).fit(X, y, sample_weight=w)
    b = SLOPEClassifier(alpha=0.02, tol=1e-10, max_iter=50000).fit(X[rep], y[rep])
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)


def test_constant_column_gets_zero_coefficient(counts):
    X, y = counts
    Xc = X[:, :20].copy()
    Xc[:, 7] = 2.5
    reg = SLOPERegression(alpha_ratio=0.1, tol=1e-10).fit(Xc, y)
    assert reg.coef_[7] == 0.0
    ref = SLOPERegression(alpha=reg.alpha_, tol=1e-10,
                          lambdas=reg.lambdas_[:19]).fit(np.delete(Xc, 7, axis=1), y)
    np.testing.assert_allclose(np.delete(reg.coef_, 7), ref.coef_, atol=1e-8)
    # without an intercept a constant column is an ordinary feature
    assert SLOPERegression(alpha=0.01, fit_intercept=False).fit(Xc, y).coef_[7] != 0.0


def test_oscar_weights_on_the_estimators(counts):
    X, y = counts
    X = X[:, :12]
    reg = SLOPERegression(alpha=0.05, lambdas="oscar", theta1=0.5, theta2=0.2,
                          tol=1e-10).fit(X, y)
    np.testing.assert_allclose(reg.lambdas_, 0.5 + 0.2 * np.arange(11, -1, -1))
    ref = SLOPERegression(alpha=0.05, lambdas=reg.lambdas_, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(reg.coef_, ref.coef_)


def test_relaxed_slope_is_least_squares_on_the_pattern(counts):
    X, y = counts
    X = X[:, :15]
    slope = SLOPERegression(alpha_ratio=0.2, tol=1e-12).fit(X, y)
    full = SLOPERegression(alpha_ratio=0.2, relax=1.0, tol=1e-12).fit(X, y)
    half = SLOPERegression(alpha_ratio=0.2, relax=0.5, tol=1e-12).fit(X, y)
    # pattern matrix: one column per cluster with the signs of its coefficients
    k = slope.n_clusters_
    U = np.zeros((15, k))
    nz = slope.clusters_ > 0
    U[np.flatnonzero(nz), slope.clusters_[nz] - 1] = np.sign(slope.coef_[nz])
    A = np.column_stack([X @ U, np.ones(len(y))])
    c = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(full.coef_, U @ c[:k], atol=1e-7)
    np.testing.assert_allclose(full.intercept_, c[k], atol=1e-7)
    np.testing.assert_allclose(half.coef_, 0.5 * (slope.coef_ + full.coef_), atol=1e-7)
    clf = SLOPEClassifier(alpha_ratio=0.2, relax=1.0).fit(X, (y > 1).astype(int))
    assert clf.score(X, (y > 1).astype(int)) > 0.6


def test_logistic_path_matches_single_fits_and_stops_early(cancer):
    X, y = cancer
    path = slope_path(X, y, loss="logistic", n_alphas=6, alpha_min_ratio=0.05, tol=1e-10)
    assert path.coefs.shape == (30, 6) and np.all(path.coefs[:, 0] == 0)
    for i in [2, 5]:
        clf = SLOPEClassifier(alpha=path.alphas[i], tol=1e-10).fit(X, y)
        np.testing.assert_allclose(path.coefs[:, i], clf.coef_, atol=1e-6)
        np.testing.assert_allclose(path.intercepts[i], clf.intercept_, atol=1e-6)
    nnz = np.count_nonzero(path.coefs, axis=0)
    cut = slope_path(X, y, loss="logistic", n_alphas=6, alpha_min_ratio=0.05, tol=1e-10,
                     max_variables=int(nnz[3]))
    k = cut.coefs.shape[1]
    assert np.all(nnz[:k] <= nnz[3]) and (k == 6 or nnz[k] > nnz[3])
    np.testing.assert_allclose(cut.coefs, path.coefs[:, :k], atol=1e-8)
    pois = slope_path(X[:, :5], np.abs(np.round(X[:, 0] * 3)), loss="poisson", n_alphas=4)
    assert pois.coefs.shape == (5, 4) and np.all(np.isfinite(pois.coefs))
    multi = slope_path(X[:, :5], y + (X[:, 0] > 1), loss="multinomial", n_alphas=4)
    assert multi.coefs.shape == (3, 5, 4) and multi.intercepts.shape == (3, 4)


def test_classifier_cv(cancer):
    X, y = cancer
    X = X[::2, :10]
    y = y[::2]
    cv = SLOPEClassifierCV(n_alphas=5, cv=3, tol=1e-9).fit(X, y)
    assert cv.log_loss_path_.shape == (1, 5, 3)
    ia = np.argmin(cv.log_loss_path_[0].mean(axis=1))
    assert cv.alpha_ == cv.alphas_[0, ia]
    ref = SLOPEClassifier(alpha=cv.alpha_, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(cv.coef_, ref.coef_, atol=1e-7)
    # one held-out log loss recomputed by hand on the first stratified fold
    from sklearn.model_selection import StratifiedKFold

    train, test = next(iter(StratifiedKFold(3).split(X, y)))
    m = SLOPEClassifier(alpha=cv.alphas_[0, 2], tol=1e-11).fit(X[train], y[train])
    logloss = -np.mean(m.predict_log_proba(X[test])[np.arange(test.size), y[test]])
    assert cv.log_loss_path_[0, 2, 0] == pytest.approx(logloss, rel=1e-5)
    assert cv.predict_proba(X[:3]).shape == (3, 2)


def test_renamed_estimator_parameters_warn(counts):
    X, y = counts
    X = X[:, :6]
    with pytest.warns(FutureWarning, match="'eps' is renamed 'log_eps'"):
        old = SLOPERegression(alpha=0.05, penalty="log", eps=2.0).fit(X, y)
    new = SLOPERegression(alpha=0.05, penalty="log", log_eps=2.0).fit(X, y)
    np.testing.assert_array_equal(old.coef_, new.coef_)
    with pytest.warns(FutureWarning, match="'eps' is renamed"):
        p_old = slope_path(X, y, penalty="log", eps=2.0, n_alphas=3)
    np.testing.assert_array_equal(
        p_old.coefs, slope_path(X, y, penalty="log", log_eps=2.0, n_alphas=3).coefs)


def test_non_convergence_is_reported(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="relative duality gap"):
        SLOPEClassifier(alpha_ratio=0.01, max_iter=1, tol=1e-14).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="fixed-point residual"):
        SLOPEClassifier(alpha_ratio=0.01, penalty="mcp", max_iter=2, tol=1e-14).fit(X, y)


def test_lambda_sequence_gaussian_uses_weight_sum():
    lam = lambda_sequence(10, "gaussian", n_samples=40.0)
    np.testing.assert_allclose(lam, lambda_sequence(10, "gaussian", n_samples=40))


def test_alpha_zero_on_separable_classes_warns_with_figures():
    """Setosa vs versicolor is linearly separable (a hard-margin linear SVM gets every
    training sample right): the unpenalised logistic loss has no minimiser."""
    from sklearn.svm import LinearSVC

    X, y = load_iris(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[y < 2]), y[y < 2]
    assert LinearSVC(C=1e4, max_iter=100000).fit(X, y).score(X, y) == 1.0
    with pytest.warns(ConvergenceWarning, match=r"linearly separable.*100 training"):
        clf = SLOPEClassifier(alpha=0.0).fit(X, y)
    assert clf.score(X, y) == 1.0  # a separating model, returned with the warning
    # non-separable classes (versicolor vs virginica): no warning
    X2, y2 = load_iris(return_X_y=True)
    X2, y2 = StandardScaler().fit_transform(X2[y2 > 0]), y2[y2 > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        SLOPEClassifier(alpha=0.0, tol=1e-10).fit(X2, y2)


def test_classification_path_stops_when_saturated():
    """As glmnet: the path ends once the fit explains 99.9 % of the null deviance."""
    from sklearn.metrics import log_loss

    X, y = load_iris(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[y < 2]), y[y < 2]
    path = slope_path(X, y, loss="logistic", n_alphas=60, alpha_min_ratio=1e-8)
    k = path.alphas.size
    assert 2 < k < 60
    null = log_loss(y, np.full(y.size, y.mean()))

    def ratio(i):
        z = X @ path.coefs[:, i] + path.intercepts[i]
        return 1 - log_loss(y, 1 / (1 + np.exp(-z))) / null

    assert ratio(k - 1) >= 0.999 > ratio(k - 2)


def test_poisson_score_and_predict_edge_cases():
    from sklearn.metrics import d2_tweedie_score, r2_score

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    y = rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)
    w = rng.random(40)
    reg = SLOPEPoissonRegression(alpha=0.01).fit(X, y)
    assert reg.score(X, y, w) == pytest.approx(
        d2_tweedie_score(y, reg.predict(X), sample_weight=w, power=1), rel=1e-12)
    const = np.full(40, 2)  # null deviance 0: the convention of r2_score
    assert reg.score(X, const) == r2_score(const, reg.predict(X)) == 0.0
    with pytest.raises(ValueError, match="overflow"):
        reg.predict(X * 1e300)
