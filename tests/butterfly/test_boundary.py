"""Butterfly entry points refuse bad input by name; scores are scale-free."""

import numpy as np
import pytest
from scipy.linalg import hadamard

from skfrugal.butterfly import (
    ButterflyFactorization,
    ButterflyMatrix,
    ButterflyRandomProjection,
    QuantizedButterfly,
    butterfly_factorize,
    quantize_butterfly,
)


@pytest.fixture(scope="module")
def quantized():
    B = butterfly_factorize(hadamard(8).astype(float))
    return quantize_butterfly(B, "int8")


def _fields(Q):
    return dict(codes=Q.codes, dtype=Q.dtype, scales=Q.scales, exponent=Q.exponent,
                method=Q.method, row_perm=Q.row_perm, col_perm=Q.col_perm, shape=Q.shape)


def test_quantized_fields_round_trip(quantized):
    again = QuantizedButterfly(**dict(_fields(quantized), row_perm=list(quantized.row_perm)))
    np.testing.assert_array_equal(again.toarray(), quantized.toarray())
    np.testing.assert_allclose(quantized.toarray(), hadamard(8), atol=1e-6)
    assert isinstance(again.row_perm, np.ndarray) and again.shape == (8, 8)


@pytest.mark.parametrize("field, value, match", [
    ("dtype", "int4", "dtype must be one of"),
    ("method", "fancy", "method must be"),
    ("exponent", 1.5, "exponent must be an integer"),
    ("row_perm", np.arange(8) + 0.5, "row_perm must be a 1-D integer array"),
    ("col_perm", np.zeros(8, dtype=int), "permutation"),
    ("shape", (np.nan, 8), "shape must be a tuple of two integers"),
    ("shape", (9, 8), "at most the factors' shape"),
    ("scales", "bogus", "scales must be"),
])
def test_quantized_fields_are_checked(quantized, field, value, match):
    with pytest.raises((ValueError, TypeError), match=match):
        QuantizedButterfly(**dict(_fields(quantized), **{field: value}))


def test_codes_of_another_storage_dtype_are_refused(quantized):
    codes = [c.astype(np.float16) for c in quantized.codes]
    with pytest.raises(ValueError, match="dtype int8"):
        QuantizedButterfly(**dict(_fields(quantized), codes=codes))


def test_products_refuse_wrong_shapes_and_overflow():
    B = ButterflyMatrix(butterfly_factorize(hadamard(8).astype(float)).factors)
    with pytest.raises(ValueError, match=r"shape \(8,\) or \(8, k\), got \(7, 4\)"):
        B @ np.ones((7, 4))
    with pytest.raises(ValueError, match="overflows"):
        B @ np.full(8, 1e308)
    with pytest.raises(TypeError, match="unsupported dtype"):
        B.astype("bogus")
    with pytest.raises(TypeError, match="pair of integers"):
        ButterflyMatrix(B.factors, shape="ab")
    np.testing.assert_allclose(B @ np.ones(8), hadamard(8) @ np.ones(8), atol=1e-12)


def test_score_is_scale_free():
    A = np.random.default_rng(0).normal(size=(16, 16))
    ref = ButterflyFactorization().fit(A)
    for factor in (1e-300, 1e300):
        est = ButterflyFactorization().fit(A * factor)
        assert est.score(A * factor) == pytest.approx(ref.score(A), rel=1e-9)
    assert ref.score(A) == pytest.approx(
        -np.linalg.norm(A - ref.butterfly_.toarray()) / np.linalg.norm(A), rel=1e-12)


def test_random_projection_refuses_what_memory_cannot_hold():
    X = np.ones((5, 3))
    with pytest.raises(ValueError, match="needs"):
        ButterflyRandomProjection(n_components=10**12).fit(X)
