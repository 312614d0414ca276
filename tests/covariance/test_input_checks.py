"""Reliability of skfrugal.covariance: NotFittedError before fit, clear errors on bad
input for every public function and estimator, data of any magnitude, the exact
inverse at alpha = 0, covariance_ and precision_ inverse to machine precision, and the
precomputed covariance."""

import numpy as np
import pytest
from sklearn.covariance import empirical_covariance
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from skfrugal.covariance import (
    CompressiveGraphicalLasso,
    CompressiveGraphicalLassoCV,
    CovarianceSketcher,
    GraphicalLasso,
    GraphicalLassoCV,
    GraphicalLassoEBIC,
    centred_sketch,
    covariance_from_sketch,
    covariance_sketch_chunk,
    decode_precision,
    graphical_lasso,
    graphical_lasso_path,
    rank_one_adjoint,
    rank_one_forward,
)
from skfrugal.covariance._exceptions import NotPositiveDefiniteError
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph

ESTIMATORS = [GraphicalLasso(), GraphicalLassoCV(), GraphicalLassoEBIC(),
              CompressiveGraphicalLasso(), CompressiveGraphicalLassoCV()]
FULL_DATA = [GraphicalLasso(alpha=0.05), GraphicalLassoCV(alphas=3, n_refinements=1, cv=3),
             GraphicalLassoEBIC(alphas=4), GraphicalLasso(alpha=0.05, penalty="scad")]


def _data(p=6, n=200, seed=0):
    prec = make_sparse_precision(p, n_edges=p, random_state=seed)
    return sample_gaussian_graph(n, prec, random_state=seed + 1)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("method", ["score", "mahalanobis", "error_norm", "get_precision"])
def test_not_fitted(estimator, method):
    X = _data()
    args = {"score": (X,), "mahalanobis": (X,), "error_norm": (np.eye(6),),
            "get_precision": ()}[method]
    with pytest.raises(NotFittedError, match="not fitted"):
        getattr(estimator, method)(*args)


def _bad_matrices(S):
    nan = S.copy()
    nan[0, 1] = nan[1, 0] = np.nan
    inf = S.copy()
    inf[2, 2] = np.inf
    asym = S.copy()
    asym[0, 3] += 0.1
    indefinite = S.copy()  # |corr(0, 1)| = 2
    indefinite[0, 1] = indefinite[1, 0] = 2 * np.sqrt(S[0, 0] * S[1, 1])
    return [
        (nan, ValueError, "NaN"),
        (inf, ValueError, "infinity"),
        (S[:4], ValueError, "square"),
        (asym, ValueError, "symmetric"),
        (S.astype(complex), ValueError, "Complex data not supported"),
        (np.empty((0, 0)), ValueError, "0 sample"),
        (np.array([["a", "b"], ["b", "a"]]), ValueError, "convert|numeric"),
        (indefinite, ValueError, "not positive semi-definite"),
    ]


def test_graphical_lasso_bad_input():
    S = empirical_covariance(_data())
    for M, error, match in _bad_matrices(S):
        with pytest.raises(error, match=match):
            graphical_lasso(M, 0.1)
        with pytest.raises(error, match=match):
            GraphicalLasso(covariance="precomputed").fit(M)
    zero = S.copy()
    zero[2, :] = zero[:, 2] = 0.0
    with pytest.raises(ValueError, match="feature 2 has variance 0"):
        graphical_lasso(zero, 0.1)
    bad_params = [
        ({"alpha": -1}, "alpha"), ({"alpha": np.nan}, "alpha"), ({"alpha": 1j}, "alpha"),
        ({"alpha": "a"}, "alpha"), ({"solver": "cd"}, "solver"), ({"tol": 0}, "tol"),
        ({"max_iter": 0}, "max_iter"), ({"penalty": "l0"}, "penalty"),
        ({"gamma": 0.0}, "gamma"), ({"a": 2.0}, "'a'"),
        ({"alpha": np.full((6, 6), np.nan)}, "NaN"), ({"alpha": -np.ones((6, 6))}, "non-neg"),
        ({"alpha": np.ones((5, 5))}, r"shape \(6, 6\)"),
        ({"alpha": np.triu(np.ones((6, 6)))}, "symmetric"),
        ({"alpha": np.where(np.eye(6) > 0, np.inf, 0.0)}, "diagonal .* must be finite"),
        ({"alpha": np.ones((6, 6), dtype=complex)}, "must be real"),
        ({"precision_init": np.eye(5)}, "precision_init"),
    ]
    for kwargs, match in bad_params:
        kwargs = {"alpha": 0.1, **kwargs}
        with pytest.raises((ValueError, TypeError), match=match):
            graphical_lasso(S, **kwargs)


@pytest.mark.parametrize("estimator", FULL_DATA, ids=lambda e: type(e).__name__)
def test_estimators_bad_data(estimator):
    X = _data()
    for bad, match in [(np.where(np.arange(6) == 1, np.nan, X), "NaN"),
                       (np.where(np.arange(6) == 1, np.inf, X), "infinity"),
                       (X.astype(complex), "Complex"), (X[:, :1], "minimum of 2"),
                       (X[:0], "0 sample"), (np.c_[X, np.ones(len(X))], "variance 0")]:
        with pytest.raises(ValueError, match=match):
            estimator.fit(bad)
    with pytest.raises(ValueError, match="outside the range of float64"):
        estimator.fit(X * 1e200)
    with pytest.raises(ValueError, match="outside the range of float64"):
        estimator.fit(X * 1e-200)


def test_path_and_sketch_functions_bad_input():
    X = _data()
    with pytest.raises(ValueError, match="alphas"):
        graphical_lasso_path(X, [0.1, -0.1])
    with pytest.raises(ValueError, match="X_test has 5 features"):
        graphical_lasso_path(X, [0.1], X_test=X[:, :5])
    with pytest.raises(ValueError, match="NaN"):
        graphical_lasso_path(np.where(np.arange(6) == 0, np.nan, X), [0.1])
    with pytest.raises(ValueError, match="max_iter"):
        graphical_lasso_path(X, [0.1], max_iter=-1)
    op = CovarianceSketcher(sketch_size=10, random_state=0).fit(X)
    with pytest.raises(ValueError, match="projections must have shape"):
        covariance_sketch_chunk(X, op.projections_[:5], op.center_)
    with pytest.raises(ValueError, match="NaN or infinity"):
        covariance_sketch_chunk(np.where(np.arange(6) == 0, np.inf, X), op.projections_,
                                op.center_)
    with pytest.raises(ValueError, match="batch_size"):
        covariance_sketch_chunk(X, op.projections_, op.center_, batch_size=0)
    with pytest.raises(ValueError, match="sketch"):
        centred_sketch(X)
    with pytest.raises(ValueError, match="assume_centered"):
        centred_sketch(op.sketch(X), assume_centered="yes")


@pytest.mark.parametrize("exponent", [-150, -100, 100, 150])
def test_data_of_any_representable_magnitude(exponent):
    # the problem is scale-equivariant: X c has the precision of X over c², at alpha c²
    X = _data()
    ref = GraphicalLasso(alpha=0.05).fit(X)
    c = 10.0 ** exponent
    model = GraphicalLasso(alpha=0.05 * c * c).fit(X * c)
    np.testing.assert_allclose(model.precision_ * c * c, ref.precision_, rtol=1e-8,
                               atol=1e-10)
    np.testing.assert_allclose(model.covariance_ / (c * c), ref.covariance_, rtol=1e-8)
    np.testing.assert_allclose(model.location_ / c, ref.location_, rtol=1e-10)
    pre = GraphicalLasso(alpha=0.05 * c * c, covariance="precomputed").fit(
        ref.covariance_ * 0 + empirical_covariance(X) * c * c)
    np.testing.assert_allclose(pre.precision_ * c * c, ref.precision_, rtol=1e-8, atol=1e-10)


def test_alpha_zero_is_the_exact_inverse():
    X = load_diabetes(scaled=False).data  # variances from 0.22 to 1.5e3
    S = empirical_covariance(X)
    model = GraphicalLasso(alpha=0).fit(X)
    assert model.n_iter_ == 0
    np.testing.assert_array_equal(model.covariance_, S)
    np.testing.assert_allclose(model.precision_, np.linalg.inv(S), rtol=1e-9)
    # fewer samples than features: singular, refused
    with pytest.raises(ValueError, match="singular .* use alpha > 0"):
        GraphicalLasso(alpha=0).fit(X[:8])
    with pytest.raises(ValueError, match="singular"):
        graphical_lasso(empirical_covariance(X[:8]), 0.0)


@pytest.mark.parametrize("estimator", FULL_DATA + [GraphicalLasso(alpha=0),
                                                   GraphicalLasso(alpha=1e-4)],
                         ids=lambda e: repr(e))
def test_covariance_and_precision_are_inverse(estimator):
    X = StandardScaler().fit_transform(load_diabetes().data)  # cond(S) = 470
    model = estimator.fit(X)
    P, C = model.precision_, model.covariance_
    if getattr(model, "alpha", 1) != 0:
        assert np.count_nonzero(np.triu(P, 1)) > 0  # a graph, not the diagonal
    eps = np.finfo(np.float64).eps
    p = X.shape[1]
    for left, right in ((C, P), (P, C)):
        residual = np.abs(left @ right - np.eye(p)).max()
        assert residual <= 10 * p * eps * np.linalg.cond(P)
    assert np.array_equal(P, P.T) and np.array_equal(C, C.T)


def test_precomputed_covariance():
    X = _data(p=8, n=300)
    S = empirical_covariance(X)
    for params in ({"alpha": 0.05}, {"alpha": 0.05, "penalty": "mcp"},
                   {"alpha": np.where(np.eye(8) > 0, 0.0, 0.05)}):
        data = GraphicalLasso(**params).fit(X)
        pre = GraphicalLasso(covariance="precomputed", **params).fit(S)
        np.testing.assert_allclose(pre.precision_, data.precision_, atol=1e-12)
        np.testing.assert_array_equal(pre.location_, np.zeros(8))
    with pytest.raises(ValueError, match="square"):
        GraphicalLasso(covariance="precomputed").fit(X)
    with pytest.raises(ValueError, match="covariance"):
        GraphicalLasso(covariance="raw").fit(X)


def test_rank_one_functions_match_their_definition_and_refuse_bad_input():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 12))
    B = rng.standard_normal((5, 5))
    Sigma = B @ B.T
    r = rng.standard_normal(12)
    # brute force: y_j = a_jᵀ Σ a_j, A*(r) = Σ_j r_j a_j a_jᵀ, and the adjoint identity
    y = rank_one_forward(A, Sigma)
    np.testing.assert_allclose(y, [A[:, j] @ Sigma @ A[:, j] for j in range(12)])
    adj = rank_one_adjoint(A, r)
    np.testing.assert_allclose(adj, sum(r[j] * np.outer(A[:, j], A[:, j]) for j in range(12)))
    assert np.sum(Sigma * adj) == pytest.approx(y @ r, rel=1e-12)
    for args, error, match in [
        ((A.astype(complex), Sigma), TypeError, "real"),
        ((np.where(A > 1, np.nan, A), Sigma), ValueError, "NaN"),
        ((A, Sigma[:4, :4]), ValueError, r"shape \(5, 5\)"),
        ((A * 1e200, Sigma), ValueError, "magnitude"),
        ((A[:, :0], Sigma), ValueError, "0 feature"),
    ]:
        with pytest.raises(error, match=match):
            rank_one_forward(*args)
    with pytest.raises(ValueError, match=r"shape \(12,\)"):
        rank_one_adjoint(A, r[:5])


def test_decoder_functions_refuse_bad_input():
    X = _data(p=5, n=300)
    op = CovarianceSketcher(sketch_size=15, random_state=0).fit(X)
    y, diag, _ = centred_sketch(op.sketch(X))
    A = op.projections_
    good = decode_precision(y, A, diag, 0.05, n_samples=300)[1]
    assert np.linalg.eigvalsh(good)[0] > 0
    for kwargs, match in [({"alpha": np.nan}, "alpha"), ({"tol": 1e300}, "tol"),
                          ({"max_iter": 0.5}, "max_iter"), ({"max_rounds": "a"}, "max_rounds"),
                          ({"inner_max_iter": -1}, "inner_max_iter"),
                          ({"n_samples": "a"}, "n_samples"),
                          ({"precision_init": np.eye(4)}, r"shape \(5, 5\)"),
                          ({"sketch_covariance": np.full((5, 5), np.nan)}, "NaN")]:
        with pytest.raises((ValueError, TypeError), match=match):
            decode_precision(y, A, diag, **{"alpha": 0.05, **kwargs})
    for args, match in [((y[:-1], A, diag), r"y must have shape \(15,\)"),
                        ((y, A, -diag), "positive"),
                        ((y, A.astype(complex), diag), "real"),
                        ((y * np.inf, A, diag), "infinity")]:
        with pytest.raises((ValueError, TypeError), match=match):
            decode_precision(*args, 0.05)
        with pytest.raises((ValueError, TypeError), match=match):
            covariance_from_sketch(*args)
    with pytest.raises(ValueError, match="tol"):
        covariance_from_sketch(y, A, diag, tol=2.0)
    with pytest.raises(ValueError, match="rank"):
        covariance_from_sketch(y, A, diag, rank=0)


def test_breakdowns_are_value_errors():
    # a fit without a positive-definite solution: a ValueError for the user and a
    # FloatingPointError for the paths that record failed points
    assert issubclass(NotPositiveDefiniteError, ValueError)
    assert issubclass(NotPositiveDefiniteError, FloatingPointError)
    S = empirical_covariance(_data()[:4])  # rank 3 < p = 6
    with pytest.raises(ValueError, match="singular"):
        graphical_lasso(S, 0.0)


def _forged(sketch, **changes):
    import copy

    forged = copy.deepcopy(sketch)
    for name, value in changes.items():
        target = forged.operator if name.endswith("_") else forged
        setattr(target, name, value)
    return forged


def test_forged_sketches_are_refused():
    X = _data(p=5, n=300)
    op = CovarianceSketcher(sketch_size=15, random_state=0).fit(X)
    sketch = op.sketch(X)
    model = CompressiveGraphicalLasso(alpha=0.05, sketch_size=15).fit_sketch(sketch)
    m2 = sketch.data_m2.copy()
    m2[0] = -1.0
    cases = [
        (_forged(sketch, center_=np.full(5, np.nan)),
         "non-finite center_|center_ holds NaN"),
        (_forged(sketch, projections_=np.where(op.projections_ > 0.3, np.nan,
                                               op.projections_)),
         "non-finite projections_|projections_ holds NaN"),
        (_forged(sketch, n_samples=2.5), "whole number|integer"),
        (_forged(sketch, data_m2=m2), "negative|data_m2 must be >= 0"),
        (_forged(sketch, data_min=sketch.data_max + 1), "data_min exceeds|data_min > data_max"),
        (_forged(sketch, feature_sum=sketch.feature_sum * np.nan), "NaN"),
    ]
    for forged, match in cases:
        for call in (centred_sketch, model.fit_sketch, model.sketch_score, op.measurements):
            # (a fractional count is a TypeError of Sketch's own checks)
            with pytest.raises((ValueError, TypeError), match=match):
                call(forged)
    for call in (model.sketch_score, op.measurements, model.fit_sketch):
        with pytest.raises(TypeError, match="Sketch"):
            call({"feature_sum": sketch.feature_sum})
    with pytest.raises(ValueError, match="no sketch is stored"):
        op.measurements()


def test_sketching_beyond_float64_is_refused():
    X = _data(p=5, n=300)
    op = CovarianceSketcher(sketch_size=15, random_state=0).fit(X)
    with pytest.raises(ValueError, match="deviates from the operator's center"):
        op.sketch(X * 1e300)
    with pytest.raises(ValueError, match="deviates from the operator's center"):
        op.transform(X * 1e300)
    with pytest.raises(ValueError, match="overflow float64"):
        covariance_sketch_chunk(X * 1e90, op.projections_ * 1e90, op.center_ * 1e90)
    with pytest.raises(TypeError, match="real"):
        covariance_sketch_chunk(X, op.projections_.astype(complex), op.center_)
    # lists are arrays
    ref = covariance_sketch_chunk(X, op.projections_, op.center_)
    np.testing.assert_allclose(covariance_sketch_chunk(X.tolist(), op.projections_,
                                                       op.center_)[0], ref[0])


def test_mahalanobis_and_error_norm_match_sklearn_and_refuse_overflow():
    from sklearn.covariance import EmpiricalCovariance

    X = _data()
    model = GraphicalLasso(alpha=0.05).fit(X)
    ref = EmpiricalCovariance().fit(X)
    ref.location_, ref.covariance_, ref.precision_ = (model.location_, model.covariance_,
                                                      model.precision_)
    np.testing.assert_allclose(model.mahalanobis(X * 3), ref.mahalanobis(X * 3), rtol=1e-10)
    C = empirical_covariance(X * 2)
    for norm in ("frobenius", "spectral"):
        for scaling in (True, False):
            for squared in (True, False):
                assert model.error_norm(C, norm, scaling, squared) == pytest.approx(
                    ref.error_norm(C, norm, scaling, squared), rel=1e-12)
    with pytest.raises(ValueError, match="Mahalanobis distances exceed"):
        model.mahalanobis(X * 1e300)
    with pytest.raises(ValueError, match="squared=False"):
        model.error_norm(C * 1e300)
    assert np.isfinite(model.error_norm(C * 1e300, squared=False))
    with pytest.raises(ValueError, match="norm must be"):
        model.error_norm(C, norm="nuclear")


def test_cv_refinements_are_bounded():
    # the refined interval collapses (or falls below 1e-12 alpha_max): any
    # n_refinements ends
    X = _data(p=6, n=300)
    model = GraphicalLassoCV(n_refinements=10**9).fit(X)
    assert len(model.cv_results_["alphas"]) < 400
    assert model.alpha_ in model.cv_results_["alphas"]


def test_cv_names_a_feature_constant_on_a_training_fold():
    # digits' border pixels: non-zero on a few rows only, constant on some folds
    from sklearn.model_selection import KFold

    X = _data(p=5, n=90)
    X[:, 3] = 0.0
    X[-5:, 3] = 1.0
    with pytest.raises(ValueError, match="cross-validation split 2 .* feature 3 has "
                                         "variance 0"):
        GraphicalLassoCV(cv=KFold(3)).fit(X)
