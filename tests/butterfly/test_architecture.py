import numpy as np
import pytest

from skfrugal.butterfly import (
    bit_reversal_permutation,
    butterfly_patterns,
    check_patterns,
    digit_reversal_permutation,
    padded_shape,
)


@pytest.mark.parametrize("n", [4, 8, 64, 1024])
def test_dyadic_patterns_closed_form(n):
    L = int(np.log2(n))
    pats = butterfly_patterns(n, n, architecture="dyadic")
    assert pats == [(2 ** (ell - 1), 2, 2, n // 2**ell) for ell in range(1, L + 1)]
    assert butterfly_patterns(n, n) == pats  # auto = dyadic for square powers of two
    assert sum(np.prod(p) for p in pats) == 2 * n * L


def test_rank_r_dyadic_patterns_and_capping():
    pats = butterfly_patterns(16, 16, rank=2)
    assert pats == [(1, 2, 4, 8), (2, 4, 4, 4), (4, 4, 4, 2), (8, 4, 2, 1)]
    # a huge rank is capped at what each split can use: no redundant chain
    big = butterfly_patterns(16, 16, rank=100)
    assert check_patterns(big) == [2, 4, 2]


def test_general_shapes_multiply_to_the_matrix():
    for m, n in [(48, 80), (1000, 1000), (12, 18), (6, 10), (96, 27)]:
        pats = butterfly_patterns(m, n)
        a, b, _, d = pats[0]
        a2, _, c2, d2 = pats[-1]
        assert (a * b * d, a2 * c2 * d2) == (m, n)
        assert check_patterns(pats) == [1] * (len(pats) - 1)
    pats = butterfly_patterns(1000, 1000)
    assert len(pats) == 6 and sum(np.prod(p) for p in pats) == 21000


def test_monarch_has_two_factors():
    pats = butterfly_patterns(64, 36, architecture="monarch")
    assert pats == [(1, 8, 6, 8), (6, 8, 6, 1)]


def test_invalid_chains_are_named():
    with pytest.raises(ValueError, match="cannot be multiplied"):
        check_patterns([(1, 2, 2, 2), (1, 2, 2, 1)])
    with pytest.raises(ValueError, match="not chainable"):
        check_patterns([(2, 2, 2, 1), (1, 2, 2, 2)])
    with pytest.raises(ValueError, match="redundant"):
        check_patterns([(1, 2, 6, 2), (2, 6, 2, 1)])
    with pytest.raises(ValueError, match="four positive integers"):
        check_patterns([(1, 2, 2)])
    with pytest.raises(ValueError, match="non-empty"):
        check_patterns([])


def test_prime_sizes_get_a_dense_factor_and_padding_is_offered():
    # a prime size has no radix but itself: the chain keeps one dense factor (as
    # pyfaust's fdb) instead of refusing; padded_shape still offers sizes that compress
    assert butterfly_patterns(7, 11) == [(1, 7, 11, 1)]
    assert butterfly_patterns(2, 2) == [(1, 2, 2, 1)]
    assert butterfly_patterns(7, 12, n_factors=2) == [(1, 1, 1, 7), (1, 7, 12, 1)]
    with pytest.raises(ValueError, match="admits no butterfly chain"):
        butterfly_patterns(7, 11, architecture="monarch")
    with pytest.raises(ValueError, match="power of two"):
        butterfly_patterns(12, 12, architecture="dyadic")
    with pytest.raises(ValueError, match="architecture"):
        butterfly_patterns(8, 8, architecture="fft")
    assert padded_shape(7, 11) == (8, 16)
    assert padded_shape(1, 12) == (4, 12)
    assert padded_shape(30, 3) == (30, 4)


def test_bit_reversal_matches_bit_operations():
    n = 64
    expected = [int(f"{i:06b}"[::-1], 2) for i in range(n)]
    assert bit_reversal_permutation(n).tolist() == expected
    perm = digit_reversal_permutation([2, 3, 5])
    assert sorted(perm.tolist()) == list(range(30))
    # digits (i1, i2, i3) in radices (2, 3, 5) -> (i3, i2, i1) in radices (5, 3, 2)
    i1, i2, i3 = 1, 2, 4
    assert perm[i1 * 15 + i2 * 5 + i3] == i3 * 6 + i2 * 2 + i1
    with pytest.raises(ValueError, match="power of two"):
        bit_reversal_permutation(12)
