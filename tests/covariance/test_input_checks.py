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
    covariance_sketch_chunk,
    graphical_lasso,
    graphical_lasso_path,
)
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
