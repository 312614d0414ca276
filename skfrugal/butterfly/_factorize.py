"""Hierarchical butterfly factorization with orthonormal left factors.

The only numerical kernel is the two-factor split of the remainder ``R_ℓ = K_ℓ R_{ℓ+1}``:
for butterfly supports it decouples into independent blocks (one per group of
rank-one supports), each solved exactly by a truncated SVD. Left to right, with the
left singular vectors kept on the left, every left factor is an isometry on the
matrices the later splits produce, so ``‖A - Â‖_F² = Σ discarded σ²`` exactly (Le,
Zheng, Riccietti and Gribonval, 2024): the error comes for free, and it chooses the
ranks when a tolerance is given.
"""

import contextlib
import numbers
import warnings
from math import prod

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skfrugal.butterfly._architecture import (
    ARCHITECTURES,
    _chain_from_patterns,
    _resolve_chain,
    digit_reversal_permutation,
    padded_shape,
)
from skfrugal.butterfly._matrix import ButterflyMatrix
from skfrugal.butterfly._permutation import recover_dyadic_permutations
from skfrugal.utils import blas_single_thread


class ToleranceNotMetWarning(UserWarning):
    """Warning raised when a butterfly approximation misses the requested tolerance."""


def _validate_matrix(A, name="A"):
    """Return ``(A as float64/complex128 ndarray, dtype of the factors)``."""
    if isinstance(A, LinearOperator):
        n_cols = A.shape[1]
        dtype = np.dtype(A.dtype) if A.dtype is not None else np.dtype(np.float64)
        A = A @ np.eye(n_cols, dtype=np.result_type(dtype, np.float64))
    elif sp.issparse(A):
        A = A.toarray()
    A = np.asarray(A)
    if A.dtype.kind not in "biufc":
        raise TypeError(f"{name} must be a numeric matrix, got dtype {A.dtype}")
    if A.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix, got an array of shape {A.shape}")
    if A.size == 0:
        raise ValueError(f"{name} must be non-empty, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains NaN or infinity")
    if A.dtype in (np.float32, np.complex64):
        out_dtype = A.dtype
    else:
        out_dtype = np.dtype(np.complex128 if A.dtype.kind == "c" else np.float64)
    work = np.complex128 if A.dtype.kind == "c" else np.float64
    return np.ascontiguousarray(A, dtype=work), np.dtype(out_dtype)


def _diagonal_blocks(A, a0, B0, C0, d_last):
    """The values of ``A`` on the support ``I_a0 ⊗ 1 ⊗ I_dL`` as an (a0, B0, C0, dL) array."""
    if a0 == 1 and d_last == 1:
        return A.reshape(1, B0, C0, 1)
    A6 = A.reshape(a0, B0, d_last, a0, C0, d_last)
    return np.ascontiguousarray(np.einsum("ijlikl->ijkl", A6))


def _choose_rank(s2, r_fixed, allowed):
    """Return the rank of a split: ``r_fixed`` or the smallest within ``allowed`` energy."""
    k = s2.shape[-1]
    if r_fixed is not None:
        return min(r_fixed, k)
    tail = np.concatenate([np.cumsum(s2.sum(axis=tuple(range(s2.ndim - 1)))[::-1])[::-1], [0.0]])
    ok = np.flatnonzero(tail[1:] <= allowed)  # tail[1:][r-1] = energy dropped at rank r
    return int(ok[0]) + 1 if ok.size else k


def _split(R, shape, r_fixed, allowed, orthonormalize):
    """Split the remainder ``R`` (pattern ``(a, b*q, p*C2, dL)``) into a factor and a new remainder.

    The groups ``(i, u, k', l)`` give independent blocks ``Z[j, m]`` of size ``b × C2``
    whose best rank-``r`` approximation ``U @ right`` is the optimal split. Returns
    ``(factor (a, b, p*r, q*dL), remainder (a*p, r*q, C2, dL), dropped energy, r)``.

    Short-and-wide blocks (the common case) go through the ``b × b`` Gram matrices: their
    eigenvectors ``V`` give ``U``, ``right = U^H Z`` is written straight into the new
    remainder's layout, and the dropped energy is ``‖V_⊥^H Z‖²`` (no cancellation, so
    exact butterflies report errors at rounding level). Other blocks use the SVD.
    """
    a, b, q, p, C2, d_last = shape
    Zv = R.reshape(a, b, q, p, C2, d_last).transpose(0, 2, 3, 5, 1, 4)  # (a, q, p, dL, b, C2)
    if orthonormalize and b <= C2:
        if R.dtype.kind == "c":
            ZvH = np.conj(R).reshape(a, b, q, p, C2, d_last).transpose(0, 2, 3, 5, 4, 1)
        else:
            ZvH = Zv.swapaxes(-1, -2)
        G = Zv @ ZvH
        V = np.linalg.eigh(G)[1][..., ::-1]  # eigenvectors, largest eigenvalue first
        VH = np.conj(V.swapaxes(-1, -2)) if V.dtype.kind == "c" else V.swapaxes(-1, -2)
        if r_fixed is None:
            # choosing the rank needs tail energies below the Gram's resolution
            # (eps * sigma_1^2): take them from the rows of V^H Z, not from w
            W = VH @ Zv
            energy = (W.real**2).sum(-1)
            if W.dtype.kind == "c":
                energy += (W.imag**2).sum(-1)
            r = _choose_rank(energy, None, allowed)
            R_next = np.empty((a, p, r, q, C2, d_last), dtype=R.dtype)
            R_next.transpose(0, 3, 1, 5, 2, 4)[...] = W[..., :r, :]
            drop = float(energy[..., r:].sum())
        else:
            r = min(r_fixed, b)
            R_next = np.empty((a, p, r, q, C2, d_last), dtype=R.dtype)
            np.matmul(VH[..., :r, :], Zv, out=R_next.transpose(0, 3, 1, 5, 2, 4))
            drop = 0.0
            if r < b:
                D = VH[..., r:, :] @ Zv
                drop = float(np.vdot(D, D).real)
        U = V[..., :r]
    else:
        U, s, Vh = np.linalg.svd(Zv, full_matrices=False)
        s2 = s * s
        r = _choose_rank(s2, r_fixed, allowed)
        drop = float(s2[..., r:].sum())
        U, s, Vh = U[..., :r], s[..., :r], Vh[..., :r, :]
        if orthonormalize:
            right = s[..., None] * Vh
        else:
            root = np.sqrt(s)
            U = U * root[..., None, :]
            right = root[..., None] * Vh
        R_next = np.ascontiguousarray(right.transpose(0, 2, 4, 1, 5, 3))
    factor = np.ascontiguousarray(U.transpose(0, 4, 2, 5, 1, 3)).reshape(a, b, p * r, q * d_last)
    return factor, R_next.reshape(a * p, r * q, C2, d_last), drop, r


class _TooManyParams(Exception):
    """A candidate permutation was abandoned: it already needs more parameters than allowed."""


def _l2r(A, chain, ranks, budget, orthonormalize, max_params=None):
    """Left-to-right hierarchical factorization of ``A`` on ``chain``.

    ``ranks`` is a list of ints or ``None`` (choose each rank within ``budget``, an
    energy). Returns ``(factors, ranks, dropped energies [outside support, split 1, ...])``.
    """
    a0, d_last = chain.a0, chain.d_last
    bs, cs = chain.row_radices, chain.col_radices
    n_factors = chain.n_factors
    R = _diagonal_blocks(A, a0, prod(bs), prod(cs), d_last)
    total = float(np.vdot(A, A).real)
    dropped = [max(total - float(np.vdot(R, R).real), 0.0)]
    factors, chosen = [], []
    previous = 1
    for ell in range(1, n_factors):
        a = a0 * prod(cs[: ell - 1])
        b = bs[ell - 1] * previous
        p, q, C2 = cs[ell - 1], prod(bs[ell:]), prod(cs[ell:])
        if ranks is None:
            remaining = budget - sum(dropped)
            allowed, r_fixed = max(remaining, 0.0) / (n_factors - ell), None
        else:
            allowed, r_fixed = 0.0, ranks[ell - 1]
        factor, R, drop, r = _split(R, (a, b, q, p, C2, d_last), r_fixed, allowed, orthonormalize)
        dropped.append(drop)
        factors.append(factor)
        if max_params is not None and sum(f.size for f in factors) > max_params:
            raise _TooManyParams(ell)
        chosen.append(r)
        previous = r
    factors.append(np.ascontiguousarray(R))
    return factors, chosen, np.array(dropped)


def _segment_shape(pats, i, m, j):
    """The 6-D split shape ``(a, b, q, p, C2, dL)`` of segment ``i..j`` split after ``m``."""
    a_i, b_i, _, d_i = pats[i]
    a_n = pats[m + 1][0]
    d_m = pats[m][3]
    a_j, _, c_j, d_j = pats[j]
    return (a_i, b_i * d_i // d_m, d_m // d_j, a_n // a_i, c_j * a_j // a_n, d_j)


def _qr_sweep(factors, pats, i):
    """Make ``factors`` (patterns ``pats[i:]``) left-orthonormal in place; drop the last R.

    Each factor's columns fall into groups of ``r`` (the rank towards the next factor)
    sharing their rows; a QR of each group's ``b × r`` block keeps the product when its
    ``R`` is pushed into the matching rows of the next factor (``R`` acts inside a rank
    group, so the next factor keeps its support).
    """
    for k, F in enumerate(factors):
        a, b, c, d = F.shape
        p = pats[i + k + 1][0] // a
        r = c // p
        G = F.reshape(a, b, p, r, d).transpose(0, 2, 4, 1, 3)  # (a, p, d, b, r)
        Q, Rm = np.linalg.qr(G)
        factors[k] = np.ascontiguousarray(Q.transpose(0, 3, 1, 4, 2)).reshape(a, b, c, d)
        if k + 1 < len(factors):
            N = factors[k + 1]
            _, b2, c2, d2 = N.shape
            q = d // d2
            N6 = N.reshape(a, p, r, q, c2, d2)
            R6 = Rm.reshape(a, p, q, d2, r, r)
            factors[k + 1] = np.einsum("apqlrs,apsqkl->aprqkl", R6, N6).reshape(N.shape)


def _merge(factors, pats, i):
    """The product of ``factors`` (patterns ``pats[i:]``) in the node layout ``(a, B, C, d)``."""
    node = factors[-1]
    for k in range(len(factors) - 2, -1, -1):
        F = factors[k]
        a, b, c, d = F.shape
        p = pats[i + k + 1][0] // a
        r = c // p
        _, _, C2, dL = node.shape
        q = d // dL
        F6 = F.reshape(a, b, p, r, q, dL)
        N6 = node.reshape(a, p, r, q, C2, dL)
        node = np.einsum("ibprql,iprqkl->ibqpkl", F6, N6).reshape(a, b * q, p * C2, dL)
    return node


def _tree(Z, pats, ranks, i, j, drops):
    """Balanced-tree factorization of the node ``Z`` (segment ``i..j``), orthonormalized.

    The left half gets the node times the top right singular vectors of each group
    (``U σ``: it carries the weights, so directions of zero singular values weigh
    nothing in its own splits); once factored, its factors are orthonormalized and the
    right half is the projection ``Wᴴ Z`` of the node on their product ``W``. Every
    node is then the projection of ``A`` on isometries, the splits' errors add up
    (``‖Z - Ẑ‖² = ‖(I - P_W) Z‖² + ‖Wᴴ Z - Ẑ_right‖²``) and the error bound of the
    left-to-right order, ``sqrt(L - 1)`` times the best error, holds for this tree too.
    Fills ``drops[m]`` with the squared error that the split after factor ``m`` adds
    (splits inside the left half of a larger split add none: the larger split's
    ``‖(I - P_W) Z‖²`` includes their errors).
    """
    if i == j:
        return [np.ascontiguousarray(Z).reshape(pats[i])]
    m = (i + j) // 2
    shape = _segment_shape(pats, i, m, j)
    a, b, q, p, C2, dL = shape
    r = ranks[m]
    if m == i:  # the left half is one factor: the split of the left-to-right order
        left, right, drop, _ = _split(Z, shape, r, 0.0, True)
        drops[m] = drop
        return [left, *_tree(right, pats, ranks, m + 1, j, drops)]
    Zv = Z.reshape(a, b, q, p, C2, dL).transpose(0, 2, 3, 5, 1, 4)  # (a, q, p, dL, b, C2)
    U, s, _ = np.linalg.svd(Zv, full_matrices=False)
    weighted = U[..., :r] * s[..., None, :r].astype(U.dtype)
    left_node = np.ascontiguousarray(weighted.transpose(0, 4, 2, 5, 1, 3)).reshape(
        a, b, p * r, q * dL
    )
    left = _tree(left_node, pats, ranks, i, m, {})  # its errors are in ‖(I - P_W) Z‖²
    _qr_sweep(left, pats, i)
    W = _merge(left, pats, i).reshape(a, b, p, r, q, dL).transpose(0, 4, 2, 5, 1, 3)
    WH = np.conj(W.swapaxes(-1, -2)) if W.dtype.kind == "c" else W.swapaxes(-1, -2)
    proj = WH @ Zv  # (a, q, p, dL, r, C2)
    residual = Zv - W @ proj
    drops[m] = float(np.vdot(residual, residual).real)
    right = np.ascontiguousarray(proj.transpose(0, 2, 4, 1, 5, 3)).reshape(a * p, r * q, C2, dL)
    return [*left, *_tree(right, pats, ranks, m + 1, j, drops)]


def _balanced(A, chain, ranks, orthonormalize):
    """Balanced-tree hierarchical factorization: split each chain segment in its middle.

    With ``orthonormalize`` see :func:`_tree` (same guarantee and free error as the
    left-to-right order). Without, each split keeps ``sqrt(σ)`` on both sides (the
    classical variant) and the caller measures the error on the dense residual.
    Returns ``(factors, dropped energies [outside support, split 1, ...])``.
    """
    pats = chain.patterns(ranks)
    a0, d_last = chain.a0, chain.d_last
    R = _diagonal_blocks(A, a0, prod(chain.row_radices), prod(chain.col_radices), d_last)
    total = float(np.vdot(A, A).real)
    drops = np.zeros(len(pats))
    drops[0] = max(total - float(np.vdot(R, R).real), 0.0)
    if orthonormalize:
        split_drops = {}
        factors = _tree(R, pats, ranks, 0, len(pats) - 1, split_drops)
        for m, drop in split_drops.items():
            drops[m + 1] = drop
        return factors, drops
    factors = [None] * len(pats)
    stack = [(R, 0, len(pats) - 1)]
    while stack:
        R, i, j = stack.pop()
        if i == j:
            factors[i] = np.ascontiguousarray(R).reshape(pats[i])
            continue
        m = (i + j) // 2
        left, right, _, _ = _split(R, _segment_shape(pats, i, m, j), ranks[m], 0.0, False)
        stack.append((left, i, m))
        stack.append((right, m + 1, j))
    return factors, None


def _candidate_permutations(chain, permutation, A):
    """Return a list of ``(name, row_perm, col_perm)`` to try on the (padded) ``A``."""
    m, n = A.shape
    if permutation is None:
        return [("identity", None, None)]
    if isinstance(permutation, str):
        row_radices = [r for r in (chain.a0, *chain.row_radices, chain.d_last) if r > 1]
        col_radices = [c for c in (chain.a0, *chain.col_radices, chain.d_last) if c > 1]
        candidates = [
            ("identity", None, None),
            ("rows", digit_reversal_permutation(row_radices or [m]), None),
            ("columns", None, digit_reversal_permutation(col_radices or [n])),
        ]
        if permutation == "search":
            dyadic = (
                m == n
                and chain.a0 == chain.d_last == 1
                and set(chain.row_radices) == set(chain.col_radices) == {2}
            )
            if not dyadic:
                raise ValueError(
                    "permutation='search' recovers the permutations of square dyadic "
                    f"butterflies: it needs a chain of radix-2 factors of a square power "
                    f"of two, got a {m} x {n} matrix with row radices {chain.row_radices} "
                    f"and column radices {chain.col_radices}"
                )
            candidates.append(("recovered", *recover_dyadic_permutations(A)))
        return candidates
    if len(permutation) != 2:
        raise ValueError(
            "permutation must be None, 'auto', 'search' or a (row_perm, col_perm) pair, "
            f"got {permutation!r}"
        )
    return [("given", permutation[0], permutation[1])]


def _validate_rank(rank, tol):
    if isinstance(rank, str):
        if rank != "auto":
            raise ValueError(f"rank must be a positive int, a list of ints or 'auto', got {rank!r}")
        if tol is None:
            raise ValueError("rank='auto' needs a tolerance: pass tol (e.g. tol=1e-2)")
        return None
    if isinstance(rank, numbers.Integral) and not isinstance(rank, bool):
        if rank < 1:
            raise ValueError(f"rank must be >= 1, got {rank}")
        return int(rank)
    try:
        ranks = [int(r) for r in rank]
    except TypeError:
        raise ValueError(
            f"rank must be a positive int, a list of ints or 'auto', got {rank!r}"
        ) from None
    if any(r < 1 for r in ranks) or any(
        not isinstance(r, numbers.Integral) or isinstance(r, bool) for r in rank
    ):
        raise ValueError(f"ranks must be positive ints, got {rank!r}")
    return ranks


@validate_params(
    {
        "A": ["array-like", "sparse matrix", LinearOperator],
        "architecture": [StrOptions(set(ARCHITECTURES)), list, tuple],
        "rank": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            list,
            tuple,
        ],
        "tol": [Interval(numbers.Real, 0, None, closed="left"), None],
        "order": [StrOptions({"l2r", "balanced"})],
        "orthonormalize": ["boolean"],
        "permutation": [StrOptions({"auto", "search"}), list, tuple, None],
        "pad": ["boolean"],
        "n_factors": [Interval(numbers.Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def butterfly_factorize(
    A,
    architecture="auto",
    rank=1,
    tol=None,
    order="l2r",
    orthonormalize=True,
    permutation=None,
    pad=False,
    n_factors=None,
):
    """Approximate a matrix by a product of butterfly factors.

    Hierarchical factorization: each split of the remainder into a factor and a new
    remainder decouples into independent blocks solved exactly by truncated SVDs. With
    ``orthonormalize=True`` the left factors are isometries on their supports, the
    result is within ``sqrt(L - 1)`` of the best butterfly approximation (``L``
    factors), and the error comes for free: ``‖A - Â‖_F²`` is the sum of the splits'
    errors. The factorization is scale-free (computed on ``A / 2^e``), so entries near
    1e-300 or 1e300 give the same relative error as near 1.

    Parameters
    ----------
    A : array-like, sparse matrix or LinearOperator of shape (n_rows, n_cols)
        The matrix to factorize; real or complex. A LinearOperator is probed with the
        identity (``A @ I``).
    architecture : {"auto", "dyadic", "monarch", "deformable"} or list of tuple of int, \
            default="auto"
        The chain of supports: a name (see :func:`butterfly_patterns`) or an explicit
        list of patterns ``(a, b, c, d)`` (validated: chainable, not redundant; they
        carry their ranks, so ``rank`` must then be left at 1).
    rank : int, list of int or "auto", default=1
        Rank of each split (capped at the largest useful value), one rank per split,
        or ``"auto"``: the smallest ranks such that the relative error is at most
        ``tol`` (the error budget is shared evenly among the remaining splits).
    tol : float, default=None
        Target relative Frobenius error ``‖A - Â‖_F / ‖A‖_F``. With ``rank="auto"``
        it chooses the ranks; with fixed ranks it is checked. When the result misses
        it (fixed ranks too small, or energy of ``A`` outside an explicit support), a
        :class:`ToleranceNotMetWarning` is emitted.
    order : {"l2r", "balanced"}, default="l2r"
        Order of the splits. ``"l2r"`` peels one factor at a time from the left.
        ``"balanced"`` splits each segment of the chain in its middle (the tree of
        ``pyfaust.fact.butterfly(type="bbtree")``). With ``orthonormalize`` both give
        the same guarantee, ``‖A - Â‖_F <= sqrt(L - 1) min ‖A - B‖_F`` over the
        butterflies ``B`` of the chain, and the error for free: in the balanced tree
        the left half of a split receives the node times its top right singular
        vectors (it carries the weights), and once factored and orthonormalized, the
        right half receives the projection of the node on it. ``rank="auto"`` needs
        ``"l2r"``, which is also the faster.
    orthonormalize : bool, default=True
        Keep the orthonormal singular vectors in the left factors (error guarantee and
        free error in the ``"l2r"`` order). ``False`` splits ``sqrt(σ)`` between both
        factors (the classical variant; its error is computed from the dense residual).
    permutation : None, "auto", "search" or (row_perm, col_perm), default=None
        Permutations such that ``A[row_perm][:, col_perm]`` is factorized.
        ``"auto"`` tries the identity, the digit reversal of the rows and that of the
        columns (bit reversal for powers of two) and keeps the best (smallest error,
        or with ``rank="auto"`` fewest parameters; a candidate is then abandoned as
        soon as it needs more parameters than the dense matrix or the best candidate so
        far, and if all are, the one that got furthest is finished). ``"search"`` also
        recovers unknown permutations of a square dyadic butterfly from its rank-one
        blocks (spectral clustering and matching, level by level; seconds at
        ``n = 1024``, see the user guide) and keeps the best of the four. Either entry
        of a pair may be ``None``.
    pad : bool, default=False
        Zero-pad ``A`` to sizes with small prime factors (the next power of two for a
        size with fewer than two prime factors, the patterns' shape for an explicit
        architecture). Without it a prime size gets one dense factor. The result is
        cropped back to ``A``'s shape and its error computed from the dense residual.
    n_factors : int, default=None
        Number of factors (see :func:`butterfly_patterns`). ``None``: the
        architecture's own; with ``"auto"`` a number chooses the deformable chain of
        that many factors with the fewest parameters (as ``pyfaust.fact.fdb``).

    Returns
    -------
    B : ButterflyMatrix
        The approximation, with ``relative_error``, ``split_errors`` and
        ``permutation`` (the name of the permutation kept) set. The factorization runs
        in float64 (complex128); float32 (complex64) input gives factors of that dtype,
        whose rounding (about 1e-7 relative) is not included in ``relative_error``.

    Raises
    ------
    ValueError
        If ``A`` has NaN/inf, is empty or not 2-D, if a parameter is invalid or the
        architecture does not fit ``A``, or if the factors of a matrix with entries
        near the float limits would overflow.

    See Also
    --------
    ButterflyMatrix : The returned operator.
    ButterflyFactorization : The same as a scikit-learn transformer.

    References
    ----------
    Q.-T. Le, L. Zheng, E. Riccietti, R. Gribonval, "Butterfly factorization with error
    guarantees", arXiv:2411.04506, 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.linalg import hadamard
    >>> from skfrugal.butterfly import butterfly_factorize
    >>> B = butterfly_factorize(hadamard(64))
    >>> B.patterns[:2]
    [(1, 2, 2, 32), (2, 2, 2, 16)]
    >>> B.n_params, B.relative_error < 1e-14
    (768, True)
    >>> F = np.fft.fft(np.eye(16))
    >>> B = butterfly_factorize(F, permutation="auto")
    >>> B.permutation, np.allclose(B.toarray(), F)
    ('columns', True)
    """
    A, out_dtype = _validate_matrix(A)
    # work on A / 2^e with max |A / 2^e| in [0.5, 1): exact, and no squared norm under- or
    # overflows (1e-170 used to give relative_error 0, 1e160 an overflow); the factors get
    # 2^e back at the end, spread over them
    A, exponent = _normalize(A)
    tol = _validate_tol(tol)
    ranks = _validate_rank(rank, tol)
    if not isinstance(orthonormalize, (bool, np.bool_)):
        raise ValueError(f"orthonormalize must be a bool, got {orthonormalize!r}")
    if order not in ("l2r", "balanced"):
        raise ValueError(f"order must be 'l2r' or 'balanced', got {order!r}")
    if order == "balanced" and ranks is None:
        raise ValueError("rank='auto' needs order='l2r' (the free error chooses the ranks)")
    m, n = A.shape
    explicit = not isinstance(architecture, str)
    if explicit:
        if ranks != 1:
            raise ValueError(
                "rank cannot be combined with an explicit list of patterns (the patterns "
                f"carry their ranks), got rank={rank!r}"
            )
        chain, ranks = _chain_from_patterns(architecture)
        if n_factors is not None and n_factors != chain.n_factors:
            raise ValueError(
                f"the {chain.n_factors} patterns given disagree with n_factors={n_factors}"
            )
        target = chain.shape
        if target != (m, n) and not (pad and target[0] >= m and target[1] >= n):
            raise ValueError(
                f"the patterns describe a {target[0]} x {target[1]} matrix but A has shape "
                f"{(m, n)}" + ("" if pad else "; pass pad=True to zero-pad a smaller A")
            )
    else:
        target = (m, n)
        if pad:
            if architecture == "dyadic":
                size = max(4, 1 << int(np.ceil(np.log2(max(m, n)))))
                target = (size, size)
            else:
                target = padded_shape(m, n)
        chain = _resolve_chain(*target, architecture, n_factors, 1 if ranks is None else ranks)
        if ranks is not None:
            ranks = chain.capped_ranks(ranks)
    if target != (m, n):
        A_full = np.zeros(target, dtype=A.dtype)
        A_full[:m, :n] = A
    else:
        A_full = A
    total = float(np.vdot(A, A).real)
    budget = (tol**2) * total if tol is not None else 0.0
    candidates = _candidate_permutations(chain, permutation, A_full)
    # rank="auto" on a wrong permutation can need ranks (and time) far beyond the dense
    # matrix: abandon a candidate once it needs more parameters than the dense matrix or
    # than the best candidate so far (if all are abandoned, finish the one that got
    # furthest through the chain)
    search = ranks is None and len(candidates) > 1 and order == "l2r"
    best, progress = None, []
    # BLAS threads only hurt the many small products (below 2^16 entries, the thread
    # limiter's own cost of about a millisecond is not worth paying)
    with blas_single_thread() if A_full.size > 1 << 16 else contextlib.nullcontext():
        for name, row_perm, col_perm in candidates:
            limit = None
            if search:
                limit = m * n if best is None else min(m * n, best[1].n_params)
            try:
                B = _factorize_permuted(
                    A_full,
                    chain,
                    ranks,
                    budget,
                    order,
                    orthonormalize,
                    row_perm,
                    col_perm,
                    (m, n),
                    out_dtype,
                    max_params=limit,
                )
            except _TooManyParams as stop:
                progress.append(stop.args[0])  # the split at which it was abandoned
                continue
            B.permutation = name
            if not orthonormalize or target != (m, n):
                residual = A - B.toarray()
                B.relative_error = _relative(float(np.vdot(residual, residual).real), total)
            key = (B.n_params if ranks is None else 0, B.relative_error)
            if best is None or key < best[0]:
                best = (key, B)
        if best is None:  # all exceeded the dense size: finish the one that went furthest
            name, row_perm, col_perm = candidates[int(np.argmax(progress))]
            B = _factorize_permuted(
                A_full,
                chain,
                ranks,
                budget,
                order,
                orthonormalize,
                row_perm,
                col_perm,
                (m, n),
                out_dtype,
            )
            B.permutation = name
            if not orthonormalize or target != (m, n):
                residual = A - B.toarray()
                B.relative_error = _relative(float(np.vdot(residual, residual).real), total)
            best = (None, B)
    B = best[1]
    _rescale(B, exponent)
    if tol is not None and B.relative_error > tol * (1 + 1e-9) + 1e-15:
        warnings.warn(
            f"the butterfly approximation has relative error {B.relative_error:.3g} > "
            f"tol={tol:g}; raise the rank (or use rank='auto'), try permutation='auto', or "
            "the matrix is not compressible on this architecture",
            ToleranceNotMetWarning,
            stacklevel=2,
        )
    return B


def _normalize(A):
    """Return ``(A / 2^e, e)`` with ``max |A / 2^e|`` in ``[0.5, 1)`` (``e = 0`` for zero)."""
    peak = float(np.max(np.abs(A)))
    if peak == 0.0:
        return A, 0
    exponent = int(np.frexp(peak)[1])
    if exponent == 0:
        return A, 0
    A = A.copy()
    values = A.view(A.real.dtype) if A.dtype.kind == "c" else A
    np.ldexp(values, -exponent, out=values)
    return A, exponent


def _rescale(B, exponent):
    """Multiply the factors of ``B`` by ``2^exponent`` in total, spread evenly over them."""
    if exponent == 0:
        return
    n = len(B.factors)
    shares = [exponent // n + (1 if k < exponent % n else 0) for k in range(n)]
    for F, share in zip(B.factors, shares):
        if share:  # exact: a change of exponent (real and imaginary parts alike)
            values = F.view(F.real.dtype) if F.dtype.kind == "c" else F
            np.ldexp(values, share, out=values)
    if not np.all(np.isfinite(B._data)):
        raise ValueError(
            f"the factors overflow {B.dtype}: the entries of A (up to 2^{exponent}) are too "
            "large to be represented by a product of factors in this precision; rescale A"
        )


def _relative(energy, total):
    return float(np.sqrt(max(energy, 0.0) / total)) if total > 0 else 0.0


def _validate_tol(tol):
    if tol is None:
        return None
    if not isinstance(tol, numbers.Real) or isinstance(tol, bool) or not (0 <= tol < np.inf):
        raise ValueError(f"tol must be a non-negative float or None, got {tol!r}")
    return float(tol)


def _factorize_permuted(
    A,
    chain,
    ranks,
    budget,
    order,
    orthonormalize,
    row_perm,
    col_perm,
    shape,
    dtype,
    max_params=None,
):
    M, N = A.shape
    rp = np.arange(M) if row_perm is None else np.asarray(row_perm)
    cp = np.arange(N) if col_perm is None else np.asarray(col_perm)
    if rp.shape != (M,) or cp.shape != (N,):
        raise ValueError(
            f"row_perm and col_perm must have lengths {M} and {N}, got {rp.shape} and {cp.shape}"
        )
    Ap = A[np.ix_(rp, cp)] if (row_perm is not None or col_perm is not None) else A
    total = float(np.vdot(A, A).real)
    if order == "balanced":
        factors, dropped = _balanced(Ap, chain, ranks, orthonormalize)
    else:
        factors, _, dropped = _l2r(Ap, chain, ranks, budget, orthonormalize, max_params)
    B = ButterflyMatrix(
        [f.astype(dtype, copy=False) for f in factors],
        row_perm=row_perm,
        col_perm=col_perm,
        shape=shape,
    )
    if dropped is not None:  # else measured on the dense residual by the caller
        B.split_errors = dropped / total if total > 0 else dropped
        B.relative_error = _relative(float(dropped.sum()), total)
    return B
