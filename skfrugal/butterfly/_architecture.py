"""Butterfly architectures: chains of Kronecker-sparse supports.

A factor with pattern ``(a, b, c, d)`` has the support ``I_a ⊗ 1_{b×c} ⊗ I_d``: it is
``(a*b*d) × (a*c*d)`` with ``a*b*c*d`` non-zeros, and its values are stored as a 4-D
array ``T[a, b, c, d]`` with ``K[i*b*d + j*d + l, i*c*d + k*d + l] = T[i, j, k, l]``.
A chain ``(π_1, ..., π_L)`` represents the product ``K_1 K_2 ... K_L``.

Internally a *chainable* chain is described by its radices: ``a0 = a_1``, ``dL = d_L``,
row radices ``b'_ℓ`` (``M = a0 * dL * prod(b')``), column radices ``c'_ℓ``
(``N = a0 * dL * prod(c')``) and the ranks ``r_1, ..., r_{L-1}`` (``r_0 = r_L = 1``):

``π_ℓ = (a0 * c'_1 ... c'_{ℓ-1}, b'_ℓ r_{ℓ-1}, c'_ℓ r_ℓ, dL * b'_{ℓ+1} ... b'_L)``.

Every chainable chain has this form (Zheng, Riccietti and Gribonval, 2023), which is what
the hierarchical factorization needs.
"""

import numbers
from math import prod

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

ARCHITECTURES = ("auto", "dyadic", "monarch", "deformable")
_POSITIVE = Interval(numbers.Integral, 1, None, closed="left")


def _prime_factors(n):
    """Return the prime factors of ``n`` in increasing order (``[]`` for 1)."""
    factors = []
    p = 2
    while p * p <= n:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    if n > 1:
        factors.append(n)
    return factors


def _merge_to_length(factors, length):
    """Multiply the two smallest factors together until ``len(factors) == length``."""
    factors = sorted(factors)
    while len(factors) > length:
        merged = factors[0] * factors[1]
        factors = sorted([merged, *factors[2:]])
    return factors


def _no_chain_error(n_rows, n_cols):
    return ValueError(
        f"a {n_rows} x {n_cols} matrix admits no butterfly chain: both sizes need at "
        f"least two prime factors (prime factors of {n_rows}: {_prime_factors(n_rows)}, "
        f"of {n_cols}: {_prime_factors(n_cols)}). Pad the matrix with zeros to sizes with "
        "small factors (e.g. the next power of two), or pass pad=True to do so "
        "automatically."
    )


@validate_params(
    {"n_rows": [_POSITIVE], "n_cols": [_POSITIVE]},
    prefer_skip_nested_validation=True,
)
def padded_shape(n_rows, n_cols):
    """Return the shape ``>= (n_rows, n_cols)`` that ``pad=True`` zero-pads to.

    A size with fewer than two prime factors (whose chain would keep a dense factor) is
    padded to the next power of two (at least 4); a size that already has two prime
    factors is kept.

    Parameters
    ----------
    n_rows, n_cols : int
        The shape of the matrix.

    Returns
    -------
    shape : tuple of int
        The padded shape.

    Examples
    --------
    >>> from skfrugal.butterfly import padded_shape
    >>> padded_shape(7, 12)
    (8, 12)
    """

    def pad(n):
        if len(_prime_factors(n)) >= 2:
            return n
        return max(4, 1 << int(np.ceil(np.log2(max(n, 1)))))

    return pad(int(n_rows)), pad(int(n_cols))


class _Chain:
    """A chainable chain given by its radices (see the module docstring)."""

    def __init__(self, a0, d_last, row_radices, col_radices):
        self.a0 = int(a0)
        self.d_last = int(d_last)
        self.row_radices = tuple(int(b) for b in row_radices)
        self.col_radices = tuple(int(c) for c in col_radices)
        if len(self.row_radices) != len(self.col_radices):
            raise ValueError("row and column radices must have the same length")

    @property
    def n_factors(self):
        return len(self.row_radices)

    @property
    def shape(self):
        base = self.a0 * self.d_last
        return base * prod(self.row_radices), base * prod(self.col_radices)

    def max_rank(self, ell, previous_rank):
        """Largest useful rank of split ``ell`` (1-based) given ``r_{ell-1}``."""
        return min(
            self.row_radices[ell - 1] * previous_rank,
            prod(self.col_radices[ell:]),
        )

    def capped_ranks(self, rank):
        """Ranks ``r_1..r_{L-1}`` from an int or a sequence, capped to useful values."""
        n_splits = self.n_factors - 1
        if isinstance(rank, numbers.Integral):
            requested = [int(rank)] * n_splits
        else:
            requested = [int(r) for r in rank]
            if len(requested) != n_splits:
                raise ValueError(
                    f"rank must have one entry per split ({n_splits} for "
                    f"{self.n_factors} factors), got {len(requested)}"
                )
        ranks = []
        previous = 1
        for ell, r in enumerate(requested, start=1):
            if r < 1:
                raise ValueError(f"ranks must be >= 1, got {r}")
            previous = min(r, self.max_rank(ell, previous))
            ranks.append(previous)
        return ranks

    def patterns(self, ranks):
        """Return the list of patterns ``(a, b, c, d)`` for the given ranks."""
        full = [1, *ranks, 1]
        out = []
        for ell in range(1, self.n_factors + 1):
            a = self.a0 * prod(self.col_radices[: ell - 1])
            d = self.d_last * prod(self.row_radices[ell:])
            b = self.row_radices[ell - 1] * full[ell - 1]
            c = self.col_radices[ell - 1] * full[ell]
            out.append((a, b, c, d))
        return out


def _validate_pattern(pattern, index):
    if (
        not isinstance(pattern, (tuple, list, np.ndarray))
        or len(pattern) != 4
        or not all(isinstance(v, numbers.Integral) and int(v) >= 1 for v in pattern)
    ):
        raise ValueError(
            f"pattern {index} must be a tuple of four positive integers (a, b, c, d), "
            f"got {pattern!r}"
        )
    return tuple(int(v) for v in pattern)


@validate_params({"patterns": [list, tuple]}, prefer_skip_nested_validation=True)
def check_patterns(patterns):
    """Validate a chain of patterns and return its ranks.

    A chain ``(a_ℓ, b_ℓ, c_ℓ, d_ℓ)`` is valid when consecutive factors can be multiplied
    (``a_ℓ c_ℓ d_ℓ = a_{ℓ+1} b_{ℓ+1} d_{ℓ+1}``), chainable when moreover
    ``a_ℓ | a_{ℓ+1}``, ``d_{ℓ+1} | d_ℓ`` and ``r_ℓ = a_ℓ c_ℓ / a_{ℓ+1} = b_{ℓ+1} d_{ℓ+1} / d_ℓ``
    is an integer, and not redundant when each rank ``r_ℓ`` is at most the size of the
    blocks its split factors.

    Parameters
    ----------
    patterns : sequence of tuple of int
        The patterns ``(a, b, c, d)`` of the factors, leftmost first.

    Returns
    -------
    ranks : list of int
        The ranks ``r_1, ..., r_{L-1}`` of the splits.

    Raises
    ------
    ValueError
        If the chain is empty, not valid, not chainable or redundant; the message names
        the offending factors.

    Examples
    --------
    >>> from skfrugal.butterfly import check_patterns
    >>> check_patterns([(1, 2, 2, 2), (2, 2, 2, 1)])
    [1]
    >>> check_patterns([(2, 2, 2, 1), (1, 2, 2, 2)])
    Traceback (most recent call last):
    ...
    ValueError: patterns 0 and 1 are not chainable: ...
    >>> check_patterns([(1, 2, 6, 2), (2, 6, 2, 1)])
    Traceback (most recent call last):
    ...
    ValueError: the chain [(1, 2, 6, 2), (2, 6, 2, 1)] is redundant: ...
    """
    _chain_from_patterns(patterns)
    return [check[1] for check in _pattern_ranks(patterns)]


def check_product_chain(patterns):
    """Check that consecutive factors can be multiplied; return the patterns as tuples.

    Transposes of chainable chains are valid products but not chainable, so operators
    only need this.
    """
    if isinstance(patterns, (str, bytes)) or len(patterns) == 0:
        raise ValueError(f"architecture must be a non-empty list of patterns, got {patterns!r}")
    pats = [_validate_pattern(p, i) for i, p in enumerate(patterns)]
    for ell in range(len(pats) - 1):
        a1, _, c1, d1 = pats[ell]
        a2, b2, _, d2 = pats[ell + 1]
        if a1 * c1 * d1 != a2 * b2 * d2:
            raise ValueError(
                f"patterns {ell} and {ell + 1} cannot be multiplied: factor {ell} has "
                f"{a1 * c1 * d1} columns (a*c*d of {pats[ell]}) but factor {ell + 1} has "
                f"{a2 * b2 * d2} rows (a*b*d of {pats[ell + 1]})"
            )
    return pats


def _pattern_ranks(patterns):
    pats = check_product_chain(patterns)
    out = []
    for ell in range(len(pats) - 1):
        a1, b1, c1, d1 = pats[ell]
        a2, b2, c2, d2 = pats[ell + 1]
        if a2 % a1 or d1 % d2 or (a1 * c1) % a2 or (b2 * d2) % d1:
            raise ValueError(
                f"patterns {ell} and {ell + 1} are not chainable: need a_{ell} | "
                f"a_{ell + 1}, d_{ell + 1} | d_{ell} and an integer rank a_{ell} c_{ell} / "
                f"a_{ell + 1} = b_{ell + 1} d_{ell + 1} / d_{ell}; got {pats[ell]} and "
                f"{pats[ell + 1]}"
            )
        out.append((ell, (a1 * c1) // a2))
    return out


def _chain_from_patterns(patterns):
    """Return ``(_Chain, ranks)`` for a validated, chainable, non-redundant pattern list."""
    ranks_info = _pattern_ranks(patterns)
    pats = [tuple(int(v) for v in p) for p in patterns]
    ranks = [r for _, r in ranks_info]
    a0, d_last = pats[0][0], pats[-1][3]
    n = len(pats)
    full = [1, *ranks, 1]
    row_radices, col_radices = [], []
    for ell, (_, b, c, _) in enumerate(pats):
        if b % full[ell] or c % full[ell + 1]:
            raise ValueError(f"pattern {ell} {pats[ell]} is not chainable with its neighbours")
        row_radices.append(b // full[ell])
        col_radices.append(c // full[ell + 1])
    chain = _Chain(a0, d_last, row_radices, col_radices)
    if chain.patterns(ranks) != pats:
        raise ValueError(f"the chain {pats} is not chainable (its supports do not nest)")
    previous = 1
    for ell in range(1, n):
        limit = chain.max_rank(ell, previous)
        if ranks[ell - 1] > limit:
            raise ValueError(
                f"the chain {pats} is redundant: split {ell} has rank {ranks[ell - 1]} but "
                f"its blocks have rank at most {limit}; lower the rank of patterns "
                f"{ell - 1} and {ell}"
            )
        previous = ranks[ell - 1]
    return chain, ranks


def _monarch_radix(n):
    """The divisor of ``n`` closest to sqrt(n) from below (a Monarch block size)."""
    best = 1
    for p in range(1, int(np.sqrt(n)) + 1):
        if n % p == 0:
            best = p
    return best


def _divisors(n):
    small = [d for d in range(1, int(np.sqrt(n)) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def _requested_ranks(rank, n_factors):
    n_splits = n_factors - 1
    if isinstance(rank, numbers.Integral):
        return [int(rank)] * n_splits
    ranks = [int(r) for r in rank]
    if len(ranks) != n_splits:
        raise ValueError(
            f"rank must have one entry per split ({n_splits} for {n_factors} factors), "
            f"got {len(ranks)}"
        )
    return ranks


def _deformable_chain(n_rows, n_cols, n_factors, rank=1):
    """The monotone chain of ``n_factors`` factors with the fewest parameters.

    A deformable butterfly (Lin et al., 2021) chooses the radices of every factor:
    ``n_rows = b'_1 ⋯ b'_L`` and ``n_cols = c'_1 ⋯ c'_L``, any divisors (1 included,
    so prime sizes and ``2 × 2`` have chains), each factor *monotone* like the matrix
    (``b' = c'`` when square, ``b' ≤ c'`` when wide, ``b' ≥ c'`` when tall, so no split
    is forced below the rank of its blocks). A dynamic programme over the prefixes
    ``(b'_1 ⋯ b'_ℓ, c'_1 ⋯ c'_ℓ, r_ℓ)`` finds, among the chains with the fewest
    diagonal factors (``b' = c' = 1``: pure scalings, only there to reach
    ``n_factors``), the one with the fewest parameters at the given (capped) ranks;
    ties keep the smaller radices first.
    """
    requested = _requested_ranks(rank, n_factors)
    if n_rows == n_cols:

        def monotone(b, c):
            return b == c
    elif n_rows < n_cols:

        def monotone(b, c):
            return b <= c
    else:

        def monotone(b, c):
            return b >= c

    # states: (rows used, cols used, previous rank) -> ((diagonal factors, params), radices)
    states = {(1, 1, 1): ((0, 0), ())}
    for ell in range(1, n_factors + 1):
        last = ell == n_factors
        nxt = {}
        for (B, C, r_prev), (cost, radices) in states.items():
            rows_left, cols_left = n_rows // B, n_cols // C
            b_options = [rows_left] if last else _divisors(rows_left)
            c_options = [cols_left] if last else _divisors(cols_left)
            for b in b_options:
                for c in c_options:
                    if not monotone(b, c):
                        continue
                    r = 1 if last else min(requested[ell - 1], b * r_prev, cols_left // c)
                    params = C * (b * r_prev) * (c * r) * (rows_left // b)
                    key = (B * b, C * c, r)
                    value = ((cost[0] + (b == c == 1), cost[1] + params), (*radices, (b, c)))
                    if key not in nxt or value[0] < nxt[key][0]:
                        nxt[key] = value
        states = nxt
    best = min(states.values(), key=lambda v: v[0])
    radices = best[1]
    return _Chain(1, 1, [b for b, _ in radices], [c for _, c in radices])


def _default_n_factors(n_rows, n_cols):
    return max(1, min(len(_prime_factors(n_rows)), len(_prime_factors(n_cols))))


def _chain_for_shape(n_rows, n_cols, architecture, n_factors=None, rank=1):
    """Return a :class:`_Chain` for a named architecture and a shape."""
    if architecture == "monarch":
        if n_factors not in (None, 2):
            raise ValueError(f"architecture='monarch' has 2 factors, got n_factors={n_factors}")
        p, q = _monarch_radix(n_rows), _monarch_radix(n_cols)
        if min(p, n_rows // p) < 2 or min(q, n_cols // q) < 2:
            raise _no_chain_error(n_rows, n_cols)
        return _Chain(1, 1, (p, n_rows // p), (q, n_cols // q))
    if architecture == "dyadic":
        n = n_rows
        if n_rows != n_cols or n < 4 or n & (n - 1):
            raise ValueError(
                "architecture='dyadic' needs a square matrix whose size is a power of "
                f"two >= 4, got shape ({n_rows}, {n_cols}); use architecture='auto' for "
                "other sizes"
            )
        log2 = n.bit_length() - 1
        if n_factors not in (None, log2):
            raise ValueError(
                f"architecture='dyadic' of size {n} has {log2} factors, got "
                f"n_factors={n_factors}; use architecture='deformable' to choose"
            )
        return _Chain(1, 1, (2,) * log2, (2,) * log2)
    fr, fc = _prime_factors(n_rows), _prime_factors(n_cols)
    length = min(len(fr), len(fc))
    if architecture == "auto" and n_factors is None and length >= 2:
        # the prime factorisations of both sizes, the longer merged to the shorter
        return _Chain(1, 1, _merge_to_length(fr, length), _merge_to_length(fc, length))
    # "deformable", or "auto" with a chosen number of factors or a prime size
    if n_factors is None:
        n_factors = _default_n_factors(n_rows, n_cols)
    return _deformable_chain(n_rows, n_cols, int(n_factors), rank)


@validate_params(
    {
        "n_rows": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_cols": [Interval(numbers.Integral, 1, None, closed="left")],
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "rank": [Interval(numbers.Integral, 1, None, closed="left"), list, tuple],
        "n_factors": [Interval(numbers.Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def butterfly_patterns(n_rows, n_cols, architecture="auto", rank=1, n_factors=None):
    """Return the patterns of a butterfly architecture for an ``n_rows × n_cols`` matrix.

    Parameters
    ----------
    n_rows, n_cols : int
        The shape of the matrix.
    architecture : {"auto", "dyadic", "monarch", "deformable"}, default="auto"
        ``"dyadic"``: square ``N = 2^L``, ``π_ℓ = (2^{ℓ-1}, 2 r_{ℓ-1}, 2 r_ℓ, N / 2^ℓ)``.
        ``"auto"``: from the prime factorisations of both sizes (the longer one merged
        to the length of the shorter one); equals ``"dyadic"`` for square powers of
        two; for a prime size, or when ``n_factors`` is given, it is ``"deformable"``.
        ``"monarch"``: two factors with blocks of size about ``sqrt(M) × sqrt(N)``.
        ``"deformable"``: the monotone chain of ``n_factors`` factors with the fewest
        parameters, any radices (1 included: prime sizes and ``2 × 2`` have chains,
        with one dense factor), as ``pyfaust.fact.fdb``.
    rank : int or sequence of int, default=1
        The ranks ``r_ℓ`` of the splits (one int for all), capped at the largest useful
        value of each split.
    n_factors : int, default=None
        Number of factors. ``None``: the architecture's own (``log2 N`` for dyadic, 2
        for Monarch, the smaller number of prime factors of the two sizes otherwise).

    Returns
    -------
    patterns : list of tuple of int
        The patterns ``(a, b, c, d)``, leftmost factor first.

    Examples
    --------
    >>> from skfrugal.butterfly import butterfly_patterns
    >>> butterfly_patterns(8, 8)
    [(1, 2, 2, 4), (2, 2, 2, 2), (4, 2, 2, 1)]
    >>> butterfly_patterns(6, 10)
    [(1, 2, 2, 3), (2, 3, 5, 1)]
    >>> butterfly_patterns(48, 80, n_factors=3)
    [(1, 4, 4, 12), (4, 4, 4, 3), (16, 3, 5, 1)]
    >>> butterfly_patterns(7, 7)  # a prime size: one dense factor
    [(1, 7, 7, 1)]
    """
    chain = _resolve_chain(n_rows, n_cols, architecture, n_factors, rank)
    return chain.patterns(chain.capped_ranks(rank))


def _resolve_chain(n_rows, n_cols, architecture, n_factors=None, rank=1):
    if isinstance(architecture, str):
        if architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {ARCHITECTURES} or a list of patterns, got "
                f"{architecture!r}"
            )
        if not isinstance(rank, (numbers.Integral, list, tuple)):
            rank = 1
        return _chain_for_shape(int(n_rows), int(n_cols), architecture, n_factors, rank)
    chain, _ = _chain_from_patterns(architecture)
    if n_factors is not None and n_factors != chain.n_factors:
        raise ValueError(
            f"the {chain.n_factors} patterns given disagree with n_factors={n_factors}"
        )
    if chain.shape != (n_rows, n_cols):
        raise ValueError(
            f"the patterns {list(architecture)} describe a {chain.shape[0]} x "
            f"{chain.shape[1]} matrix, not {n_rows} x {n_cols}"
        )
    return chain


@validate_params({"radices": [list, tuple, np.ndarray]}, prefer_skip_nested_validation=True)
def digit_reversal_permutation(radices):
    """Return the mixed-radix digit-reversal permutation.

    Index ``i`` written with digits ``(i_1, ..., i_L)`` in radices ``(n_1, ..., n_L)``
    (``i_1`` most significant) maps to the index whose digits are ``(i_L, ..., i_1)`` in
    radices ``(n_L, ..., n_1)``. With all radices equal to 2 this is the bit reversal
    (the permutation that makes ``DFT[:, perm]`` a butterfly matrix).

    Parameters
    ----------
    radices : sequence of int
        The radices, most significant first.

    Returns
    -------
    perm : ndarray of shape (prod(radices),), dtype int64

    Examples
    --------
    >>> from skfrugal.butterfly import digit_reversal_permutation
    >>> digit_reversal_permutation([2, 2, 2]).tolist()
    [0, 4, 2, 6, 1, 5, 3, 7]
    """
    if not all(isinstance(r, numbers.Integral) and int(r) >= 1 for r in radices):
        raise ValueError(f"radices must be positive integers, got {list(radices)!r}")
    radices = [int(r) for r in radices]
    n = prod(radices)
    idx = np.arange(n, dtype=np.int64).reshape(radices)
    return np.ascontiguousarray(idx.transpose(range(len(radices) - 1, -1, -1)).ravel())


@validate_params({"n": [_POSITIVE]}, prefer_skip_nested_validation=True)
def bit_reversal_permutation(n):
    """Return the bit-reversal permutation of ``range(n)`` for ``n`` a power of two.

    Parameters
    ----------
    n : int
        A power of two.

    Returns
    -------
    perm : ndarray of shape (n,), dtype int64

    Examples
    --------
    >>> from skfrugal.butterfly import bit_reversal_permutation
    >>> bit_reversal_permutation(4).tolist()
    [0, 2, 1, 3]
    """
    n = int(n)
    if n < 1 or n & (n - 1):
        raise ValueError(f"n must be a power of two, got {n}")
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    return digit_reversal_permutation([2] * (n.bit_length() - 1))
