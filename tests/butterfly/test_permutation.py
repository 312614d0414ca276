"""Recovery of unknown row and column permutations of dyadic butterflies."""

import numpy as np
import pytest
from scipy.linalg import hadamard

from skfrugal.butterfly import (
    ButterflyMatrix,
    bit_reversal_permutation,
    butterfly_factorize,
    butterfly_patterns,
)
from skfrugal.butterfly._permutation import recover_dyadic_permutations


def rel(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(A)


def shuffled(A, rng):
    rows, cols = rng.permutation(A.shape[0]), rng.permutation(A.shape[1])
    return A[np.ix_(rows, cols)]


def is_dyadic_butterfly(A):
    return butterfly_factorize(A).relative_error < 1e-12


@pytest.mark.parametrize("n", [8, 64, 256])
@pytest.mark.parametrize("name", ["DFT", "Hadamard", "butterfly", "complex butterfly"])
def test_exact_recovery_of_shuffled_butterflies(n, name):
    rng = np.random.default_rng(n)
    if name == "DFT":
        A = np.fft.fft(np.eye(n))
    elif name == "Hadamard":
        A = hadamard(n).astype(float)
    else:
        factors = [rng.standard_normal(p) for p in butterfly_patterns(n, n)]
        if name.startswith("complex"):
            factors = [f + 1j * rng.standard_normal(f.shape) for f in factors]
        A = ButterflyMatrix(factors).toarray()
    S = shuffled(A, rng)
    assert not is_dyadic_butterfly(S)
    row_perm, col_perm = recover_dyadic_permutations(S)
    assert sorted(row_perm) == list(range(n)) and sorted(col_perm) == list(range(n))
    assert is_dyadic_butterfly(S[np.ix_(row_perm, col_perm)])
    B = butterfly_factorize(S, permutation="search")
    assert B.permutation == "recovered" and rel(S, B.toarray()) < 1e-12
    assert B.n_params == 2 * n * int(np.log2(n))


def test_search_keeps_cheap_candidates_when_they_fit():
    n = 64
    F = np.fft.fft(np.eye(n))
    B = butterfly_factorize(F, permutation="search")
    assert rel(F, B.toarray()) < 1e-12
    # the bit reversal is one of the exact answers; the search finds an exact one too
    assert butterfly_factorize(F[:, bit_reversal_permutation(n)]).relative_error < 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_noisy_shuffled_butterfly_within_twice_the_unshuffled_error(seed):
    n = 128
    rng = np.random.default_rng(100 + seed)
    A = ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(n, n)]).toarray()
    noise = rng.standard_normal(A.shape)
    A += 0.01 * np.linalg.norm(A) / np.linalg.norm(noise) * noise
    reference = butterfly_factorize(A).relative_error
    S = shuffled(A, rng)
    assert butterfly_factorize(S, permutation="auto").relative_error > 10 * reference
    B = butterfly_factorize(S, permutation="search")
    assert B.relative_error == pytest.approx(rel(S, B.toarray()), rel=1e-9)
    assert B.relative_error <= 2 * reference


def test_search_needs_a_dyadic_chain():
    with pytest.raises(ValueError, match="square dyadic"):
        butterfly_factorize(np.ones((12, 12)), permutation="search")
    with pytest.raises(ValueError, match="'permutation' parameter"):
        butterfly_factorize(np.ones((8, 8)), permutation="spectral")
