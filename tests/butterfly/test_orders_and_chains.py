"""Balanced order (orthonormalized tree), deformable chains and scale-free factorization."""

import itertools
import warnings
from math import prod

import numpy as np
import pytest

from skfrugal.butterfly import ButterflyMatrix, butterfly_factorize, butterfly_patterns
from skfrugal.butterfly._factorize import _merge, _qr_sweep


def rel(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(A)


def sparse_butterfly(pats, rng, zero_fraction, complex_=False):
    """A butterfly whose factors have random zero entries (zero and rank-deficient blocks)."""
    factors = []
    for p in pats:
        f = rng.standard_normal(p)
        if complex_:
            f = f + 1j * rng.standard_normal(p)
        f[rng.random(p) < zero_fraction] = 0
        factors.append(f)
    return ButterflyMatrix(factors).toarray()


# -- balanced order --------------------------------------------------------------------
def test_issue_examples_are_exact_in_both_orders():
    corner = np.zeros((8, 8))
    corner[:5, :5] = 1.0
    cases = [(corner, False), (np.ones((7, 11)), True), (np.ones((97, 101)), True)]
    for A, pad in cases:
        for order in ("l2r", "balanced"):
            B = butterfly_factorize(A, order=order, pad=pad)
            assert rel(A, B.toarray()) < 1e-14, (A.shape, order)
            assert B.relative_error < 1e-14


@pytest.mark.parametrize(
    "shape, rank", [((64, 64), 1), ((48, 80), 1), ((32, 32), 2), ((96, 27), 2), ((256, 256), 1)]
)
@pytest.mark.parametrize("complex_", [False, True])
def test_balanced_recovers_butterflies_with_zero_blocks(shape, rank, complex_):
    rng = np.random.default_rng(sum(shape) + rank)
    pats = butterfly_patterns(*shape, rank=rank)
    for zero_fraction in (0.3, 0.6):
        A = sparse_butterfly(pats, rng, zero_fraction, complex_)
        if not np.any(A):
            continue
        for order in ("l2r", "balanced"):
            B = butterfly_factorize(A, rank=rank, order=order)
            assert B.patterns == pats
            assert rel(A, B.toarray()) < 1e-12, (order, zero_fraction)
            assert B.relative_error < 1e-12


@pytest.mark.parametrize("n", [64, 512])
def test_balanced_error_is_free_and_within_the_bound(n):
    rng = np.random.default_rng(n)
    pats = butterfly_patterns(n, n)
    A = ButterflyMatrix([rng.standard_normal(p) for p in pats]).toarray()
    noise = rng.standard_normal(A.shape)
    noise *= 0.05 * np.linalg.norm(A) / np.linalg.norm(noise)
    N = A + noise
    # A is a butterfly: the best error is at most the noise; both orders carry
    # ‖N - Â‖ <= sqrt(L - 1) * best
    bound = np.sqrt(len(pats) - 1) * np.linalg.norm(noise) / np.linalg.norm(N)
    for order in ("l2r", "balanced"):
        B = butterfly_factorize(N, order=order)
        dense = rel(N, B.toarray())
        assert B.relative_error == pytest.approx(dense, rel=1e-9)
        assert np.sqrt(B.split_errors.sum()) == pytest.approx(dense, rel=1e-9)
        assert dense <= bound
        assert dense <= 1.02 * np.linalg.norm(noise) / np.linalg.norm(N)
    with pytest.raises(ValueError, match="order='l2r'"):
        butterfly_factorize(N, rank="auto", tol=0.1, order="balanced")


def test_tree_helpers_against_dense_products():
    rng = np.random.default_rng(3)
    pats = butterfly_patterns(32, 48, rank=2)
    factors = [rng.standard_normal(p) for p in pats]
    k = len(pats) - 1  # all but the last factor: a left segment
    dense = ButterflyMatrix(factors[:k]).toarray()
    node = _merge([f.copy() for f in factors[:k]], pats, 0)
    a, B, C, d = node.shape
    assert a == 1 and d == pats[k - 1][3]
    # the node layout holds the product's values on its support I_a ⊗ 1 ⊗ I_d
    expected = dense.reshape(B, d, C, d)[:, np.arange(d), :, np.arange(d)].transpose(1, 2, 0)
    np.testing.assert_allclose(node[0], expected, atol=1e-12)
    # the QR sweep keeps the product up to the last R and makes each rank group orthonormal
    swept = [f.copy() for f in factors[:k]]
    _qr_sweep(swept, pats, 0)
    W = _merge(swept, pats, 0)
    p = pats[k][0] // a
    r = C // p
    groups = W.reshape(a, B, p, r, d).transpose(0, 2, 4, 1, 3)
    gram = np.swapaxes(groups, -1, -2) @ groups
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(r), gram.shape), atol=1e-12)


# -- deformable chains -----------------------------------------------------------------
def brute_force_fewest(n_rows, n_cols, n_factors):
    """Fewest (diagonal factors, parameters) over all monotone rank-one chains."""

    def sequences(n, length):
        if length == 1:
            yield (n,)
            return
        for d in range(1, n + 1):
            if n % d == 0:
                for rest in sequences(n // d, length - 1):
                    yield (d, *rest)

    best = None
    for bs in sequences(n_rows, n_factors):
        for cs in sequences(n_cols, n_factors):
            if any(
                (b != c) if n_rows == n_cols else (b > c) if n_rows < n_cols else (b < c)
                for b, c in zip(bs, cs)
            ):
                continue
            params = sum(
                prod(cs[:ell]) * bs[ell] * cs[ell] * prod(bs[ell + 1 :])
                for ell in range(n_factors)
            )
            key = (sum(b == c == 1 for b, c in zip(bs, cs)), params)
            best = key if best is None else min(best, key)
    return best


@pytest.mark.parametrize(
    "shape, n_factors",
    [((12, 12), 3), ((12, 12), 4), ((8, 24), 3), ((36, 12), 2), ((30, 42), 3), ((7, 12), 3)],
)
def test_deformable_chain_is_the_cheapest_monotone_chain(shape, n_factors):
    pats = butterfly_patterns(*shape, architecture="deformable", n_factors=n_factors)
    assert len(pats) == n_factors
    a, b, _, d = pats[0]
    a2, _, c2, d2 = pats[-1]
    assert (a * b * d, a2 * c2 * d2) == shape
    diagonal = sum(p[1] == p[2] == 1 for p in pats)
    assert (diagonal, sum(prod(p) for p in pats)) == brute_force_fewest(*shape, n_factors)


@pytest.mark.parametrize(
    "shape, n_factors, rank",
    [((2, 2), 1, 1), ((2, 2), 2, 1), ((97, 101), 3, 1), ((1000, 1000), 3, 2), ((48, 80), 3, 2)],
)
@pytest.mark.parametrize("order", ["l2r", "balanced"])
def test_deformable_butterflies_are_recovered(shape, n_factors, rank, order):
    rng = np.random.default_rng(n_factors)
    kw = {"architecture": "deformable", "n_factors": n_factors, "rank": rank}
    pats = butterfly_patterns(*shape, **kw)
    A = sparse_butterfly(pats, rng, 0.2)
    B = butterfly_factorize(A, order=order, **kw)
    assert B.patterns == pats and len(B.factors) == n_factors
    assert rel(A, B.toarray()) < 1e-12 and B.relative_error < 1e-12


def test_n_factors_argument():
    assert butterfly_patterns(1024, 1024, n_factors=10) == butterfly_patterns(1024, 1024)
    pats = butterfly_patterns(1024, 1024, n_factors=4)
    assert [p[1] for p in pats] == [4, 4, 8, 8] and sum(prod(p) for p in pats) == 24576
    A = np.random.default_rng(0).standard_normal((64, 64))
    assert len(butterfly_factorize(A, n_factors=3).factors) == 3
    with pytest.raises(ValueError, match="has 6 factors"):
        butterfly_factorize(A, architecture="dyadic", n_factors=3)
    with pytest.raises(ValueError, match="'n_factors' parameter"):
        butterfly_factorize(A, n_factors=0)
    with pytest.raises(ValueError, match="disagree with n_factors"):
        butterfly_factorize(A, architecture=butterfly_patterns(64, 64), n_factors=3)


# -- scale-free ------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e-300, 1e-170, 1e160, 1e300])
@pytest.mark.parametrize("order", ["l2r", "balanced"])
def test_errors_do_not_depend_on_the_scale(scale, order):
    A = np.random.default_rng(4).standard_normal((16, 16))
    reference = butterfly_factorize(A, order=order)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no under- or overflow anywhere
        B = butterfly_factorize(A * scale, order=order)
        D = B.toarray()
    assert B.relative_error == pytest.approx(reference.relative_error, rel=1e-12)
    assert np.all(np.isfinite(D))
    np.testing.assert_allclose(D / scale, reference.toarray(), atol=1e-12)


def test_zero_matrix_and_overflowing_factors():
    B = butterfly_factorize(np.zeros((8, 8)))
    assert B.relative_error == 0.0 and not np.any(B.toarray())
    # float32 entries near the top of its range: the factors keep the scale spread out
    A = np.random.default_rng(5).standard_normal((16, 16)).astype(np.float32) * 1e37
    B = butterfly_factorize(A, rank=8)
    assert B.dtype == np.float32 and np.all(np.isfinite(B.toarray()))


def test_all_tiny_shapes():
    rng = np.random.default_rng(6)
    for shape in itertools.product([1, 2, 3, 5], [1, 2, 4, 7]):
        A = rng.standard_normal(shape)
        for pad in (False, True):
            B = butterfly_factorize(A, pad=pad)
            assert B.shape == shape
            assert B.relative_error == pytest.approx(rel(A, B.toarray()), rel=1e-9, abs=1e-15)
