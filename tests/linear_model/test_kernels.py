"""The one-pass kernels of the SLOPE solvers against NumPy / SciPy written from the
definitions, and the fused code paths against the general ones they replace."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, xlogy
from sklearn.utils.multiclass import check_classification_targets

from skfrugal.linear_model._cd import cd_epochs_dense, cd_epochs_sparse
from skfrugal.linear_model._columns import (
    centered_matvec,
    dense_matvec_cols,
    max_abs,
    weighted_moments,
)
from skfrugal.linear_model._losses import LogisticLoss
from skfrugal.linear_model._slope import check_class_targets
from skfrugal.linear_model._solvers import Design, _Quadratic, cluster_labels, sorted_l1
from skfrugal.proximal import _norms, _prox, lambda_sequence
from skfrugal.proximal._lambdas import lambda_sequence_unchecked
from skfrugal.proximal._penalty import PENALTY_CODES


def logistic_problem(n=60, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(float)
    w = rng.random(n)
    w[[2, 7]] = 0.0  # zero weights are skipped by the dual
    w /= w.sum()
    z = scale * rng.standard_normal(n)
    z[0], z[1] = 800.0, -800.0  # exp overflows without the stable forms
    return y, w, z


def balanced(g):
    """The dual point from the definition: scale one sign down so that sum(u) = 0."""
    u = g.copy()
    pos = u > 0
    sp_, sn = u[pos].sum(), -u[~pos].sum()
    if sp_ > sn:
        u[pos] *= sn / sp_
    else:
        u[~pos] *= sp_ / sn
    return u


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_logistic_kernels_match_definitions(fit_intercept):
    y, w, z = logistic_problem()
    loss = LogisticLoss(y, w)
    value = float(w @ (np.logaddexp(0, z) - y * z))
    grad = w * (expit(z) - y)
    hess = w * expit(z) * (1 - expit(z))
    f, u = loss.value_dual_point(z, fit_intercept)
    assert f == pytest.approx(value, rel=1e-13)
    u_ref = balanced(grad) if fit_intercept else grad
    np.testing.assert_allclose(u, u_ref, rtol=1e-12, atol=1e-18)
    if fit_intercept:
        assert abs(u.sum()) < 1e-15
    dz = np.random.default_rng(1).standard_normal(z.size)
    f2, u2, slope = loss.value_dual_point_slope(z, fit_intercept, dz)
    assert f2 == f and np.array_equal(u2, u)
    assert slope == pytest.approx(float(grad @ dz), rel=1e-12)
    g, h = loss.grad_hess(z)
    np.testing.assert_allclose(g, grad, rtol=1e-13, atol=1e-18)
    np.testing.assert_allclose(h, hess, rtol=1e-12, atol=1e-300)
    t = 0.37
    zt = z + t * dz
    assert loss.value_along(z, dz, t) == pytest.approx(
        float(w @ (np.logaddexp(0, zt) - y * zt)), rel=1e-13)
    for scale in (1.0, 2.5):
        pos = w > 0
        s = np.clip(y[pos] + u[pos] / scale / w[pos], 0, 1)
        dual = -float(w[pos] @ (xlogy(s, s) + xlogy(1 - s, 1 - s)))
        assert loss.scaled_dual_value(u, scale) == pytest.approx(dual, rel=1e-12)


def test_dual_and_sorted_l1_norms_small_path_equal_numpy(monkeypatch):
    rng = np.random.default_rng(0)
    cases = []
    for p in (1, 3, 30, 500):
        x = rng.standard_normal(p)
        lam = np.sort(rng.random(p))[::-1].copy()
        cases.append((x, lam))
    lam = np.array([0.0, 0.0, 0.0])
    cases += [(np.array([0.0, 0.0, 0.0]), lam), (np.array([0.0, 1.0, 0.0]), lam)]
    small = [(_norms.dual_norm_unchecked(x, l), _norms.sorted_l1_unchecked(x, l))
             for x, l in cases]
    monkeypatch.setattr(_norms, "SMALL_SORT", -1)
    for (x, l), (dn, sl) in zip(cases, small):
        assert dn == pytest.approx(_norms.dual_norm_unchecked(x, l), rel=1e-14)
        assert sl == pytest.approx(_norms.sorted_l1_unchecked(x, l), rel=1e-14)
    assert np.isinf(small[-1][0]) and small[-2][0] == 0.0
    monkeypatch.undo()
    x = np.array([1.0, np.nan, 2.0])
    assert np.isnan(_norms.dual_norm_unchecked(x, np.ones(3)))


def test_column_kernels_match_numpy():
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((40, 7)) + 1e3)  # large means: no cancellation
    h = rng.random(40)
    g = rng.standard_normal(40)
    for center in (True, False):
        mean, sq, xg = np.empty(7), np.empty(7), np.empty(7)
        weighted_moments(X, h, g, center, mean, sq, xg)
        m = (h @ X) / h.sum() if center else np.zeros(7)
        np.testing.assert_allclose(mean, m, rtol=1e-13)
        np.testing.assert_allclose(sq, h @ (X - m) ** 2, rtol=1e-9)
        np.testing.assert_allclose(xg, X.T @ g, rtol=1e-12)
    cols = np.array([5, 0, 3])
    out = np.empty(40)
    dense_matvec_cols(X, cols, np.array([1.5, -2.0, 0.25]), out)
    np.testing.assert_allclose(out, X[:, cols] @ [1.5, -2.0, 0.25], rtol=1e-13)
    beta = np.array([0.0, 1.0, 0.0, -2.0, 0.5, 0.0, 0.0])
    m = rng.standard_normal(7)
    for center in (True, False):
        centered_matvec(X, beta, m, center, out)
        np.testing.assert_allclose(out, (X - m) @ beta if center else X @ beta, rtol=1e-12)
    for n in range(10):
        a = rng.standard_normal(n)
        assert max_abs(a) == (np.abs(a).max() if n else 0.0)


@pytest.mark.parametrize("uniform", [True, False])
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("strength", [0.002, 0.02])
def test_cd_fast_paths_match_the_plain_kernel(uniform, center, strength):
    """The dense kernel defers and fuses singleton moves, may take the curvatures from
    the caller, and both kernels keep cluster directions between epochs: against the
    CSC kernel without the cache (one plain pass per member and move), same epochs,
    same result (clusters merge, leave and flip signs on the way)."""
    rng = np.random.default_rng(3)
    n, p = 50, 12
    X = np.asfortranarray(rng.standard_normal((n, p)))
    X[:, 4] = X[:, 3] + 0.01 * rng.standard_normal(n)
    h = np.empty(0) if uniform else rng.random(n) / n
    hw = np.full(n, 1 / n) if uniform else h
    xmean = (hw @ X) / hw.sum() if center else np.zeros(p)
    lam = strength * lambda_sequence(p, "bh", q=0.3)
    beta0 = np.array([1.0, -0.5, 0.5, 0.8, -0.8, 0.0, 0.3, 0.0, 0.0, -0.2, 0.1, -0.5])
    Xc = X - xmean if center else X
    # the residual of a target where the cluster {1, 2, 11} has flipped signs
    target = beta0.copy()
    target[[1, 2, 11]] *= -1
    target[0] = 0.3
    r0 = Xc @ (target - beta0) + 0.01 * rng.standard_normal(n)
    curv = hw @ (X - xmean) ** 2
    A = sp.csc_matrix(X)
    indices, indptr = A.indices.astype(np.int64), A.indptr.astype(np.int64)
    results = {}
    for run in ("csc plain", "csc", "dense plain", "dense", "dense+curv"):
        r, beta = r0.copy(), beta0.copy()
        cache = "plain" not in run
        if run.startswith("csc"):
            ep = cd_epochs_sparse(A.data, indices, indptr, xmean, center, r, beta, lam, 8,
                                  0.0, h, 1, cache)
        else:
            ep = cd_epochs_dense(X, xmean, center, r, beta, lam, 8, 0.0, h, 1,
                                 curv if run == "dense+curv" else np.empty(0), cache)
        results[run] = (ep, r, beta)
    ep0, r_ref, beta_ref = results["csc plain"]
    for ep, r, beta in results.values():
        assert ep == ep0
        np.testing.assert_allclose(beta, beta_ref, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(r, r_ref, rtol=1e-10, atol=1e-13)
    # the residual is r0 minus the centred design times the change
    np.testing.assert_allclose(r_ref, r0 - Xc @ (beta_ref - beta0), atol=1e-12)
    assert cluster_labels(beta_ref)[1] < cluster_labels(beta0)[1]  # merges, exits
    assert np.all(np.sign(beta_ref[[1, 2, 11]]) == -np.sign(beta0[[1, 2, 11]]))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_quadratic_first_gradient_from_the_moments(fit_intercept):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 9))
    y, w, z = logistic_problem(80, seed=4, scale=1.0)
    loss = LogisticLoss(y, w)
    g, h = loss.grad_hess(z)
    h = np.maximum(h, 1e-12 * h.max())
    q = _Quadratic(Design(X), h, -g / h, fit_intercept, g)
    c = q.corr()
    np.testing.assert_allclose(q.corr0, c, rtol=1e-10, atol=1e-15 * np.abs(c).max())
    Xc = X - q.xmean
    np.testing.assert_allclose(q.diag, h @ Xc**2, rtol=1e-12)


def test_halving_skip_bound_is_valid():
    """The line search skips the halving when slope(1) + J(b + 2d) - J(b + d) <= 0:
    then the objective at t = 1/2 is never below the one at t = 1 (brute force)."""
    rng = np.random.default_rng(0)
    n, p = 30, 8
    skipped = 0
    for _ in range(300):
        X = rng.standard_normal((n, p))
        y = (rng.random(n) < 0.5).astype(float)
        loss = LogisticLoss(y, np.full(n, 1 / n))
        lam = 0.1 * np.sort(rng.random(p))[::-1]
        old = rng.standard_normal(p) * (rng.random(p) < 0.6)
        d = rng.standard_normal(p) * rng.choice([0.1, 1.0, 3.0])
        z = X @ old
        dz = X @ d
        _, _, slope = loss.value_dual_point_slope(z + dz, False, dz)
        j1 = sorted_l1(old + d, lam)
        if slope + sorted_l1(old + 2 * d, lam) - j1 <= 0:
            skipped += 1
            f1 = loss.value_along(z, dz, 1.0) + j1
            fh = loss.value_along(z, dz, 0.5) + sorted_l1(old + 0.5 * d, lam)
            assert fh >= f1 - 1e-12 * abs(f1)
    assert skipped > 30


@pytest.mark.parametrize("penalty", sorted(PENALTY_CODES))
def test_small_prox_path_is_bitwise_the_general_one(penalty, monkeypatch):
    code = PENALTY_CODES[penalty]
    param = {"l1": 0.0, "mcp": 3.0, "scad": 3.7, "log": 2.0, "lq": 0.5}[penalty]
    rng = np.random.default_rng(code)
    cases = []
    for p in (1, 2, 7, 64, 700):
        for scale in (1e-3, 1.0, 10.0):
            y = scale * rng.standard_normal(p)
            cases.append((y, np.sort(rng.random(p))[::-1].copy()))
    y = np.round(rng.standard_normal(50), 1)  # ties
    cases.append((y, np.linspace(1.0, 0.1, 50)))
    small = [_prox.prox_sorted_unchecked(y, lam, code, 0.3, param) for y, lam in cases]
    monkeypatch.setattr(_prox, "SMALL_PROX", 0)
    for (y, lam), out in zip(cases, small):
        assert np.array_equal(out, _prox.prox_sorted_unchecked(y, lam, code, 0.3, param))


def test_class_targets_fast_path_agrees_with_sklearn():
    accepted = [np.array([0, 1, 1, 0]), np.array([True, False, True]),
                np.array([0.0, 2.0, 1.0]), np.array([-1.0, 1.0]), np.array(["a", "b"])]
    for y in accepted:
        check_class_targets(y)
        check_classification_targets(y)
    for y in (np.array([0.0, 0.5, 1.0]), np.array([1e300, 0.0])):
        with np.errstate(invalid="ignore"):  # sklearn's cast of 1e300 to int
            with pytest.raises(ValueError, match="Unknown label type"):
                check_classification_targets(y)
            with pytest.raises(ValueError, match="Unknown label type"):
                check_class_targets(y)


@pytest.mark.parametrize("kind", ["bh", "gaussian", "oscar", "lasso"])
def test_unchecked_lambda_sequence_is_the_public_one(kind):
    kw = dict(q=0.2, n_samples=50.0, theta1=0.5, theta2=0.25)
    np.testing.assert_array_equal(lambda_sequence_unchecked(40, kind, **kw),
                                  lambda_sequence(40, kind, **kw))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_pgd_step_kernel_matches_the_numpy_step(fit_intercept, monkeypatch):
    """The one-call backtracking step against the NumPy loop it replaces (the latter
    taken by lowering the size limit), from a curvature estimate that needs doublings."""
    from skfrugal.linear_model import _solvers

    rng = np.random.default_rng(5)
    X = rng.standard_normal((70, 15))
    X[:, 1] = X[:, 0]  # ties in the step: clusters
    y, w, z = logistic_problem(70, seed=6, scale=1.0)
    loss = LogisticLoss(y, w)
    g, h = loss.grad_hess(z)
    h = np.maximum(h, 1e-12 * h.max())
    lam = 0.02 * lambda_sequence(15, "bh", q=0.2)
    beta = np.where(rng.random(15) < 0.5, rng.standard_normal(15), 0.0)
    outs = []
    for limit in (4096, 0):
        monkeypatch.setattr(_solvers, "SMALL_PROX", limit)
        q = _Quadratic(Design(X), h, -g / h, fit_intercept, g)
        new, L = _solvers._pgd_step(q, beta.copy(), lam, 1e-3, q.corr())
        outs.append((new, L, q.r))
    (b1, L1, r1), (b2, L2, r2) = outs
    assert L1 == L2 and L1 > 1e-3
    np.testing.assert_allclose(b1, b2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r1, r2, rtol=1e-12, atol=1e-15)
    assert not np.array_equal(b1, beta)
