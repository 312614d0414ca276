import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.fft import dct
from scipy.linalg import hadamard
from scipy.sparse.linalg import aslinearoperator

from skfrugal.butterfly import (
    ButterflyMatrix,
    ToleranceNotMetWarning,
    bit_reversal_permutation,
    butterfly_factorize,
    butterfly_patterns,
)


def random_butterfly(patterns, rng, complex_=False):
    factors = [rng.standard_normal(p) for p in patterns]
    if complex_:
        factors = [f + 1j * rng.standard_normal(f.shape) for f in factors]
    return ButterflyMatrix(factors).toarray()


def rel(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(A)


@pytest.mark.parametrize(
    "shape, rank, architecture",
    [
        ((64, 64), 1, "auto"),
        ((64, 64), 2, "auto"),
        ((48, 80), 1, "auto"),
        ((1000, 1000), 1, "auto"),
        ((36, 64), 1, "monarch"),
        ((12, 18), 1, "auto"),
    ],
)
@pytest.mark.parametrize("complex_", [False, True])
def test_exact_recovery_of_exact_butterflies(shape, rank, architecture, complex_):
    rng = np.random.default_rng(0)
    pats = butterfly_patterns(*shape, architecture=architecture, rank=rank)
    A = random_butterfly(pats, rng, complex_)
    B = butterfly_factorize(A, architecture=architecture, rank=rank)
    assert B.patterns == pats
    assert rel(A, B.toarray()) <= 1e-12
    assert B.relative_error <= 1e-12
    assert B.dtype == A.dtype


def test_explicit_patterns_with_block_diagonal_support():
    rng = np.random.default_rng(1)
    pats = [(2, 2, 2, 4), (4, 2, 2, 2), (8, 2, 2, 1)]  # a_1 = 2: block diagonal
    A = random_butterfly(pats, rng)
    B = butterfly_factorize(A, architecture=pats)
    assert rel(A, B.toarray()) <= 1e-12
    # energy outside the support is reported, first, in split_errors
    A2 = A + rng.standard_normal(A.shape)
    B2 = butterfly_factorize(A2, architecture=pats)
    mask = np.kron(np.eye(2), np.ones((8, 8)))
    outside = np.linalg.norm(A2 * (1 - mask)) ** 2 / np.linalg.norm(A2) ** 2
    assert B2.split_errors[0] == pytest.approx(outside, rel=1e-10)
    assert B2.relative_error == pytest.approx(rel(A2, B2.toarray()), rel=1e-10)


def test_known_transforms_are_recovered():
    n = 256
    H = hadamard(n).astype(float)
    assert rel(H, butterfly_factorize(H).toarray()) < 1e-13
    F = np.fft.fft(np.eye(n))
    B = butterfly_factorize(F, permutation=(None, bit_reversal_permutation(n)))
    assert rel(F, B.toarray()) < 1e-13 and B.n_params == 2 * n * 8
    B = butterfly_factorize(F, permutation="auto")
    assert B.permutation == "columns" and rel(F, B.toarray()) < 1e-13
    # DCT-II: exactly rank-4 butterfly with its columns bit-reversed
    C = dct(np.eye(64), norm="ortho", axis=0)
    assert butterfly_factorize(C, rank=1).relative_error > 0.5
    B = butterfly_factorize(C, rank=4, permutation="auto")
    assert B.permutation == "columns" and rel(C, B.toarray()) < 1e-12
    # rank="auto" with a tight tolerance discovers these ranks (tail energies far below
    # the Gram matrices' resolution are resolved)
    auto = butterfly_factorize(C, rank="auto", tol=1e-10, permutation="auto")
    assert auto.ranks == B.ranks and auto.n_params == B.n_params
    assert rel(C, auto.toarray()) < 1e-12


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("orthonormalize", [True, False])
def test_reported_error_equals_dense_residual(complex_, orthonormalize):
    rng = np.random.default_rng(2)
    A = rng.standard_normal((128, 96))
    if complex_:
        A = A + 1j * rng.standard_normal(A.shape)
    for rank in (1, 3):
        B = butterfly_factorize(A, rank=rank, orthonormalize=orthonormalize)
        assert B.relative_error == pytest.approx(rel(A, B.toarray()), rel=1e-9)
    # per-split errors add up to the total (error identity, orthonormal case)
    B = butterfly_factorize(A, rank=2)
    assert np.sqrt(B.split_errors.sum()) == pytest.approx(rel(A, B.toarray()), rel=1e-9)


def test_gaussian_matrix_is_not_compressible():
    A = np.random.default_rng(3).standard_normal((256, 256))
    assert butterfly_factorize(A).relative_error > 0.95


@pytest.mark.parametrize("n", [256, 1024])
def test_noisy_butterfly_error_within_noise_level(n):
    rng = np.random.default_rng(4)
    A = random_butterfly(butterfly_patterns(n, n), rng)
    noise = rng.standard_normal(A.shape)
    noise *= 0.01 * np.linalg.norm(A) / np.linalg.norm(noise)
    N = A + noise
    B = butterfly_factorize(N)
    noise_level = np.linalg.norm(noise) / np.linalg.norm(N)
    assert B.relative_error <= noise_level
    assert B.relative_error == pytest.approx(rel(N, B.toarray()), rel=1e-9)
    # the classical non-orthonormal variant is worse
    assert butterfly_factorize(N, orthonormalize=False).relative_error > B.relative_error


def test_rank_auto_meets_tolerance_with_few_parameters():
    rng = np.random.default_rng(5)
    A = random_butterfly(butterfly_patterns(64, 64, rank=3), rng)
    A += 1e-3 * np.linalg.norm(A) / 64 * rng.standard_normal(A.shape)
    params = []
    for tol in (0.5, 0.1, 1e-2):
        B = butterfly_factorize(A, rank="auto", tol=tol)
        assert B.relative_error <= tol
        assert B.relative_error == pytest.approx(rel(A, B.toarray()), rel=1e-9)
        params.append(B.n_params)
    assert params == sorted(params)
    assert B.n_params <= sum(np.prod(p) for p in butterfly_patterns(64, 64, rank=3))


def test_tolerance_not_met_warns():
    A = np.random.default_rng(6).standard_normal((64, 64))
    with pytest.warns(ToleranceNotMetWarning, match="relative error .* > tol=0.1"):
        butterfly_factorize(A, rank=1, tol=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        butterfly_factorize(hadamard(64), tol=1e-10)


def test_given_permutations_are_undone():
    rng = np.random.default_rng(7)
    A0 = random_butterfly(butterfly_patterns(32, 32), rng)
    rp, cp = rng.permutation(32), rng.permutation(32)
    A = np.empty_like(A0)
    A[np.ix_(rp, cp)] = A0  # so that A[rp][:, cp] = A0 is a butterfly
    assert butterfly_factorize(A).relative_error > 0.1
    B = butterfly_factorize(A, permutation=(rp, cp))
    assert rel(A, B.toarray()) < 1e-12


def test_padding_and_prime_sizes():
    A = np.random.default_rng(8).standard_normal((7, 11))
    # prime sizes: one dense factor, exact (no padding needed)
    B = butterfly_factorize(A)
    assert B.patterns == [(1, 7, 11, 1)] and rel(A, B.toarray()) < 1e-15
    B = butterfly_factorize(A, pad=True, rank=4)
    assert B.shape == (7, 11) and B.full_shape == (8, 16)
    assert B.relative_error == pytest.approx(rel(A, B.toarray()), rel=1e-9)
    # full rank on the padded chain is exact
    assert butterfly_factorize(A, pad=True, rank=64).relative_error < 1e-12


def test_inputs_sparse_operator_float32():
    rng = np.random.default_rng(9)
    A = random_butterfly(butterfly_patterns(16, 16), rng)
    for X in (sp.csr_array(A), aslinearoperator(A)):
        assert rel(A, butterfly_factorize(X).toarray()) < 1e-12
    B = butterfly_factorize(A.astype(np.float32))
    assert B.dtype == np.float32 and rel(A, B.toarray()) < 1e-5


def test_bad_input():
    A = np.ones((8, 8))
    for bad in (np.nan, np.inf):
        A2 = A.copy()
        A2[0, 0] = bad
        with pytest.raises(ValueError, match="NaN or infinity"):
            butterfly_factorize(A2)
    with pytest.raises(ValueError, match="2-D"):
        butterfly_factorize(np.ones(8))
    with pytest.raises(ValueError, match="non-empty"):
        butterfly_factorize(np.ones((0, 8)))
    with pytest.raises(TypeError, match="numeric"):
        butterfly_factorize(np.array([["a"] * 4] * 4))
    with pytest.raises(ValueError, match="rank='auto' needs a tolerance"):
        butterfly_factorize(A, rank="auto")
    with pytest.raises(ValueError, match="'rank' parameter"):
        butterfly_factorize(A, rank=0)
    with pytest.raises(ValueError, match="ranks must be positive"):
        butterfly_factorize(A, rank=[1, 0])
    with pytest.raises(ValueError, match="one entry per split"):
        butterfly_factorize(A, rank=[1])
    with pytest.raises(ValueError, match="'tol' parameter"):
        butterfly_factorize(A, tol=-1.0)
    with pytest.raises(ValueError, match="'permutation' parameter"):
        butterfly_factorize(A, permutation="bitrev")
    with pytest.raises(ValueError, match="describe a 4 x 4 matrix"):
        butterfly_factorize(A, architecture=[(1, 2, 2, 2), (2, 2, 2, 1)])
    with pytest.raises(ValueError, match="not chainable"):
        butterfly_factorize(A, architecture=[(4, 2, 2, 1), (1, 2, 2, 4)])
    with pytest.raises(ValueError, match="rank cannot be combined"):
        butterfly_factorize(A, architecture=[(1, 2, 2, 4), (2, 2, 2, 2), (4, 2, 2, 1)], rank=2)


def test_error_not_worse_than_reference_libraries():
    fact = pytest.importorskip("pyfaust.fact")

    rng = np.random.default_rng(10)
    n = 64
    A = random_butterfly(butterfly_patterns(n, n), rng)
    A += 0.05 * np.linalg.norm(A) / n * rng.standard_normal(A.shape)
    ours = butterfly_factorize(A).relative_error
    theirs = rel(A, fact.butterfly(A, type="bbtree").toarray())
    assert ours <= theirs * (1 + 1e-6)


def test_permutation_search_with_rank_auto():
    n = 64
    F = np.fft.fft(np.eye(n))
    B = butterfly_factorize(F, rank="auto", tol=1e-10, permutation="auto")
    assert B.permutation == "columns" and B.ranks == [1] * 5 and rel(F, B.toarray()) < 1e-12
    # nothing compresses a Gaussian matrix: every candidate is abandoned beyond the dense
    # size and the identity is factorized to the tolerance anyway
    G = np.random.default_rng(12).standard_normal((n, n))
    B = butterfly_factorize(G, rank="auto", tol=1e-3, permutation="auto")
    assert B.permutation == "identity" and B.relative_error <= 1e-3
    assert B.n_params > n * n
