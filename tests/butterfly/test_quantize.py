"""Quantized butterfly factors: optimal scalings against brute force, storage, errors."""

import numpy as np
import pytest
from scipy.fft import dct

from skfrugal.butterfly import (
    ButterflyMatrix,
    QuantizedButterfly,
    butterfly_factorize,
    butterfly_patterns,
    quantize_butterfly,
)
from skfrugal.butterfly._quantize import _best_column_scale, _best_pair_scale, _Format

GRID = np.linspace(1.0, 2.0, 40001)[:-1]  # brute force over the scalings


@pytest.mark.parametrize("t, b", [(3, 2), (7, 2), (10, 2), (4, 5)])
def test_column_scale_is_the_best_rounding_direction(t, b):
    fmt = _Format("float", t)
    U = np.random.default_rng(t * b).standard_normal((40, b))
    U[0, 0] = 0.0
    U[1] = 0.75  # exactly representable, ties everywhere
    lam = _best_column_scale(U, fmt)
    assert np.all((lam >= 1) & (lam < 2))
    for u, best in zip(U, lam):
        Q = fmt.round(GRID[:, None] * u)
        cos2 = (Q @ u) ** 2 / (Q * Q).sum(1) / (u @ u)
        q = fmt.round(best * u)
        assert (q @ u) ** 2 / (q @ q) / (u @ u) >= cos2.max() - 1e-13


@pytest.mark.parametrize("t, b, c", [(3, 2, 2), (7, 2, 2), (10, 2, 2), (4, 3, 5)])
def test_pair_scale_is_the_optimal_rank_one_quantization(t, b, c):
    fmt = _Format("float", t)
    rng = np.random.default_rng(t + b + c)
    X, Y = rng.standard_normal((30, b)), rng.standard_normal((30, c))
    Z = np.einsum("kb,kc->kbc", X, Y) + 0.01 * rng.standard_normal((30, b, c))
    lam = _best_pair_scale(X, Z, Y, fmt)
    for x, z, y, best in zip(X, Z, Y, lam):
        qx = fmt.round(GRID[:, None] * x)
        qy = fmt.round(y[None, :] / GRID[:, None])
        brute = ((z[None] - qx[:, :, None] * qy[:, None, :]) ** 2).sum((1, 2)).min()
        ours = ((z - np.outer(fmt.round(best * x), fmt.round(y / best))) ** 2).sum()
        assert ours <= brute + 1e-14 * (z**2).sum()


def cases():
    rng = np.random.default_rng(0)
    n = 128
    C = dct(np.eye(n), norm="ortho", axis=0)
    F = np.ascontiguousarray(np.fft.fft(np.eye(n), norm="ortho").real)
    return {
        "dct": butterfly_factorize(C, rank=4, permutation="auto"),
        "dft real part": butterfly_factorize(F, rank=2),
        "random": ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(n, n)]),
    }


@pytest.mark.parametrize("dtype, storage", [("float16", np.float16), ("bfloat16", np.uint16),
                                            ("int8", np.int8)])
def test_storage_errors_and_gain_over_naive_rounding(dtype, storage):
    for name, B in cases().items():
        D = B.toarray()
        errors = {}
        for method in ("naive", "scaled"):
            Q = quantize_butterfly(B, dtype, method=method)
            assert isinstance(Q, QuantizedButterfly)
            assert all(c.dtype == storage for c in Q.codes)
            assert [c.shape for c in Q.codes] == B.patterns
            decoded = Q.to_butterfly()
            assert decoded.dtype == np.float32
            # the reported error is that of the stored values, against B
            dense = np.linalg.norm(D - decoded.toarray()) / np.linalg.norm(D)
            assert Q.relative_error == pytest.approx(dense, rel=1e-3, abs=1e-7)
            errors[method] = Q.relative_error
            scales = 0 if Q.scales is None else 4 * Q.scales.size
            assert Q.nbytes == sum(c.nbytes for c in Q.codes) + scales
        assert errors["scaled"] < errors["naive"], (name, errors)
    # bfloat16 codes are the upper halves of float32 numbers
    if dtype == "bfloat16":
        x = np.array([1.0, -3.5, 2.0**-100], dtype=np.float32)
        from skfrugal.butterfly._quantize import _decode, _encode

        np.testing.assert_array_equal(_decode(_encode(x, dtype), dtype), x)


def test_precision_bound_and_large_gain_on_butterflies():
    B = cases()["random"]
    Q = quantize_butterfly(B, "float16")
    naive = quantize_butterfly(B, "float16", method="naive")
    # float16 keeps 11 significant bits: each factor's rounding is 2^-12 relative
    assert Q.relative_error < np.sqrt(len(B.factors)) * 2.0**-11
    assert naive.relative_error > 5 * Q.relative_error
    assert Q.bits_per_parameter == 16.0 and "float16" in repr(Q)


def test_permutations_and_bad_input():
    rng = np.random.default_rng(1)
    pats = butterfly_patterns(16, 16)
    B = ButterflyMatrix([rng.standard_normal(p) for p in pats], row_perm=rng.permutation(16),
                        col_perm=rng.permutation(16))
    Q = quantize_butterfly(B, "bfloat16")
    assert np.linalg.norm(Q.toarray() - B.toarray()) / np.linalg.norm(B.toarray()) < 1e-2
    with pytest.raises(TypeError, match="real"):
        quantize_butterfly(ButterflyMatrix([f + 1j for f in B.factors]))
    with pytest.raises(ValueError, match="not chainable"):
        quantize_butterfly(B.T)
    with pytest.raises(ValueError, match="'dtype' parameter"):
        quantize_butterfly(B, "float8")
    with pytest.raises(ValueError, match="'B' parameter"):
        quantize_butterfly(B.toarray())
