from functools import reduce

import numpy as np
import pytest

from skfrugal.butterfly import ButterflyMatrix, butterfly_patterns


def make(shape=(48, 80), dtype=np.float64, rank=1, seed=0, perms=False, crop=None):
    rng = np.random.default_rng(seed)
    pats = butterfly_patterns(*shape, rank=rank)
    factors = [rng.standard_normal(p) for p in pats]
    if np.dtype(dtype).kind == "c":
        factors = [f + 1j * rng.standard_normal(p) for f, p in zip(factors, pats)]
    factors = [f.astype(dtype) for f in factors]
    kw = {}
    if perms:
        kw = {"row_perm": rng.permutation(shape[0]), "col_perm": rng.permutation(shape[1])}
    B = ButterflyMatrix(factors, shape=crop, **kw)
    # dense reference built independently from the definition of the supports
    K = []
    for T in factors:
        a, b, c, d = T.shape
        M = np.zeros((a * b * d, a * c * d), dtype=dtype)
        for i in range(a):
            for j in range(b):
                for k in range(c):
                    for l in range(d):
                        M[i * b * d + j * d + l, i * c * d + k * d + l] = T[i, j, k, l]
        K.append(M)
    D = reduce(np.matmul, K)
    if perms:
        full = np.empty_like(D)
        full[np.ix_(kw["row_perm"], kw["col_perm"])] = D
        D = full
    if crop is not None:
        D = D[: crop[0], : crop[1]]
    return B, D


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("perms", [False, True])
def test_products_match_dense_reference(dtype, perms):
    B, D = make(dtype=dtype, perms=perms)
    rtol = 1e-4 if np.dtype(dtype).itemsize <= 8 and dtype != np.float64 else 1e-10
    rng = np.random.default_rng(1)
    x = rng.standard_normal(80).astype(dtype)
    X = rng.standard_normal((80, 37)).astype(dtype)
    rows = rng.standard_normal((53, 80)).astype(dtype)  # not a multiple of the tile
    scale = np.abs(D).max() * 80
    np.testing.assert_allclose(B.toarray(), D, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(B @ x, D @ x, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(B @ X, D @ X, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(B.apply_rows(rows), rows @ D.T, rtol=rtol, atol=rtol * scale)
    y = rng.standard_normal(48).astype(dtype)
    np.testing.assert_allclose(B.rmatvec(y), D.conj().T @ y, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(B.H @ y, D.conj().T @ y, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(B.T @ y, D.T @ y, rtol=rtol, atol=rtol * scale)
    assert B.apply_rows(rows).dtype == dtype


def test_cropped_operator_zero_pads_inputs():
    B, D = make(shape=(64, 64), crop=(50, 60), perms=True)
    assert B.shape == (50, 60)
    x = np.random.default_rng(2).standard_normal((4, 60))
    np.testing.assert_allclose(B.apply_rows(x), x @ D.T, atol=1e-9)
    np.testing.assert_allclose(B.T.apply_rows(x[:, :50]), x[:, :50] @ D, atol=1e-9)


def test_sparse_factors_multiply_to_the_operator():
    for perms, crop in [(False, None), (True, (40, 70))]:
        B, D = make(perms=perms, crop=crop)
        S = B.to_sparse_factors()
        np.testing.assert_allclose(reduce(lambda P, Q: P @ Q, S).toarray(), D, atol=1e-9)
        assert sum(F.nnz for F in S[1 if perms else 0 : len(S) - (1 if perms else 0)]) == B.n_params


def test_sizes_and_compression():
    B, _ = make(shape=(1024, 1024))
    assert B.n_params == 2 * 1024 * 10
    assert B.compression_ratio == pytest.approx(1024 / 20)
    assert all(f.flags.c_contiguous and f.ndim == 4 for f in B.factors)
    assert "1024x1024" in repr(B)


def test_invalid_factors():
    with pytest.raises(ValueError, match="cannot be multiplied"):
        ButterflyMatrix([np.ones((2, 2, 2, 1)), np.ones((1, 3, 2, 2))])
    # a valid product that is not chainable is accepted (transposes are such chains)
    assert ButterflyMatrix([np.ones((2, 2, 2, 1)), np.ones((1, 2, 2, 2))]).ranks is None
    with pytest.raises(ValueError, match="4-D"):
        ButterflyMatrix([np.ones((2, 2))])
    with pytest.raises(ValueError, match="finite"):
        ButterflyMatrix([np.full((1, 2, 2, 1), np.nan)])
    with pytest.raises(ValueError, match="permutation of range"):
        ButterflyMatrix([np.ones((1, 2, 2, 1))], row_perm=[0, 0])
    with pytest.raises(ValueError, match="at most the factors' shape"):
        ButterflyMatrix([np.ones((1, 2, 2, 1))], shape=(3, 2))
    B, _ = make()
    with pytest.raises(ValueError, match="n_samples, 80"):
        B.apply_rows(np.ones((3, 79)))
