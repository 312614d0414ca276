"""Butterfly factors stored in float16, bfloat16 or int8, with optimal rank-one scalings.

A product of butterfly factors does not change when a column of one factor is
multiplied by ``λ`` and the matching row of the next one by ``1 / λ``. Rounding does:
``round(λ x)`` is not ``λ round(x)``. Gribonval, Mary and Riccietti ("Optimal
quantization of rank-one matrices in floating-point arithmetic, with applications to
butterfly factorizations", 2023; "Scaling is all you need") choose these scalings
optimally for a rank-one matrix ``x yᵀ``: the error ``‖x yᵀ - Q(λ x) Q(y / λ)ᵀ‖`` is a
piecewise constant function of ``λ``, constant between the values where an entry of
``λ x`` or ``y / λ`` crosses a rounding midpoint, and periodic under ``λ → 2 λ`` in
floating point; evaluating it once on every piece of ``[1, 2)`` finds the global
optimum.

Here the factorization is redone left to right on the product to quantize, with the
quantization inside it. At each split the block ``Z`` of each rank-one group is ``u
(uᵀ Z)``; the column ``u`` is stored as ``Q(λ u)`` with the ``λ`` that makes it the most
parallel to ``u`` (the optimal rank-one scaling when the right part is then refitted,
which it is: the remainder becomes the least-squares ``pinv(Q(λ u)) Z``, so the next
factors absorb both the scale and the first-order effect of the rounding). At the last
split both sides are stored: the rank-one problem ``x yᵀ`` itself, solved exactly. For
int8, each column's codes are ``round(λ u)`` with ``λ`` up to ``127 / max |u|``; the
scales travel to the last factor, which keeps one float32 scale per row.
"""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from skfrugal.butterfly._architecture import _chain_from_patterns
from skfrugal.butterfly._kernels import best_float_scales, best_pair_scales
from skfrugal.butterfly._matrix import ButterflyMatrix

DTYPES = ("float16", "bfloat16", "int8")
_CHUNK = 1 << 21  # candidate evaluations per chunk of columns
_INT_GRID = 64  # scalings tried per factor for integer codes


class _Format:
    """A number format: floating point with ``t`` fraction bits, or integers up to ``top``."""

    def __init__(self, kind, bits):
        self.kind = kind  # "float" or "int"
        self.t = int(bits) if kind == "float" else None
        self.top = (1 << (int(bits) - 1)) - 1 if kind == "int" else None

    def round(self, x):
        if self.kind == "int":
            return np.clip(np.round(x), -self.top, self.top)
        m, e = np.frexp(x)
        return np.ldexp(np.round(np.ldexp(m, self.t + 1)), e - self.t - 1)


def _format(dtype):
    return {
        "float16": _Format("float", 10),
        "bfloat16": _Format("float", 7),
        "int8": _Format("int", 8),
    }[dtype]


def _best_column_scale(U, fmt):
    """For each column ``u`` (rows of ``U``, shape ``(K, b)``), the ``λ`` in ``[1, 2)``
    maximizing ``cos² ∠(u, Q(λ u))``: the rounding whose least-squares refit loses the
    least.

    ``Q(λ u)`` is constant between the breakpoints ``λ = m / |u_i|`` (``m`` a rounding
    midpoint in ``[|u_i|, 2 |u_i|)``) and scale-invariant under ``λ → 2 λ``, so the
    breakpoints of all entries, merged in increasing order, list every distinct
    rounding; at each one a single entry moves up one grid step, so ``⟨u, Q⟩`` and
    ``‖Q‖²`` are updated in O(1) (numba kernel :func:`best_float_scales`).
    """
    out = np.empty(U.shape[0])
    best_float_scales(np.ascontiguousarray(U, dtype=np.float64), fmt.t, out)
    return out


def _best_pair_scale(X, Z, Y, fmt):
    """For each group, the ``λ`` minimizing ``‖Z - Q(λ x) Q(y / λ)ᵀ‖``: the optimal
    rank-one quantization of ``x yᵀ`` (``X``: ``(K, b)``, ``Z``: ``(K, b, c)``, ``Y``:
    ``(K, c)``), measured against the block ``Z`` it approximates (numba kernel
    :func:`best_pair_scales`)."""
    out = np.empty(X.shape[0])
    best_pair_scales(
        np.ascontiguousarray(X, dtype=np.float64),
        np.ascontiguousarray(Z, dtype=np.float64),
        np.ascontiguousarray(Y, dtype=np.float64),
        fmt.t,
        out,
    )
    return out


def _top_left(Zv, r):
    U = np.linalg.svd(Zv, full_matrices=False)[0]
    return U[..., :r]


def _batched_lstsq(Q, Zv):
    # Q: (..., b, r) with full column rank r <= b; solve via QR, robust to scaling
    q, rr = np.linalg.qr(Q)
    rhs = np.swapaxes(q, -1, -2) @ Zv
    diag = np.abs(np.diagonal(rr, axis1=-2, axis2=-1))
    ok = diag > 1e-300
    if np.all(ok):
        return np.linalg.solve(rr, rhs)
    return np.linalg.pinv(Q) @ Zv


def _quantize_scaled(T, chain, ranks, fmt):
    """Quantization-aware left-to-right factorization of the dense ``T`` (see module)."""
    from skfrugal.butterfly._factorize import _diagonal_blocks

    a0, d_last = chain.a0, chain.d_last
    bs, cs = chain.row_radices, chain.col_radices
    L = chain.n_factors
    R = _diagonal_blocks(T, a0, int(np.prod(bs)), int(np.prod(cs)), d_last)
    factors, row_scales = [], None
    previous = 1
    for ell in range(1, L):
        a = a0 * int(np.prod(cs[: ell - 1]))
        b = bs[ell - 1] * previous
        p, q, C2 = cs[ell - 1], int(np.prod(bs[ell:])), int(np.prod(cs[ell:]))
        r = ranks[ell - 1]
        Zv = R.reshape(a, b, q, p, C2, d_last).transpose(0, 2, 3, 5, 1, 4)  # (a,q,p,dL,b,C2)
        U = _top_left(Zv, r)  # (a, q, p, dL, b, r)
        cols = np.swapaxes(U, -1, -2).reshape(-1, b)
        last_pair = ell == L - 1 and r == 1 and fmt.kind == "float"
        if last_pair:
            # the last split stores both sides: the rank-one problem x yᵀ, optimally
            Z = Zv.reshape(-1, b, C2)
            Y = np.einsum("kb,kbc->kc", cols, Z)
            lam = _best_pair_scale(cols, Z, Y, fmt)
            Q = fmt.round(lam[:, None] * cols)
            last = fmt.round(Y / lam[:, None])
            right = last.reshape(a, q, p, d_last, 1, C2)
        elif fmt.kind == "float":
            lam = _best_column_scale(cols, fmt)
            Q = fmt.round(lam[:, None] * cols)
            Qg = np.swapaxes(Q.reshape(a, q, p, d_last, r, b), -1, -2)
            right = _batched_lstsq(Qg, Zv)  # (a, q, p, dL, r, C2)
        else:
            Q, right = _integer_split(cols, Zv, fmt, (a, q, p, d_last, r, b))
        Qg = np.swapaxes(Q.reshape(a, q, p, d_last, r, b), -1, -2)
        factor = np.ascontiguousarray(Qg.transpose(0, 4, 2, 5, 1, 3))
        factors.append(factor.reshape(a, b, p * r, q * d_last))
        R = np.ascontiguousarray(right.transpose(0, 2, 4, 1, 5, 3))
        R = R.reshape(a * p, r * q, C2, d_last)
        previous = r
        if last_pair:
            factors.append(R)
            return factors, row_scales
    factors.append(_round_last(R, fmt))
    if fmt.kind == "int":
        factors[-1], row_scales = factors[-1]
    return factors, row_scales


def _integer_split(cols, Zv, fmt, shape):
    """Integer codes ``round(λ U)`` for the whole factor, ``λ`` the best of a grid.

    Separate column scales, as floats get, would make the codes of a factor far from
    orthogonal (``λ`` up to ``127 / max |u|`` differs from column to column), and the
    later splits' errors, measured on the remainder, would be amplified by the product
    of such factors; one ``λ`` per factor keeps the codes a multiple of a nearly
    orthonormal factor. It is chosen among 64 values in the top binade below
    ``127 / max |U|`` by the refitted residual.
    """
    lam_max = fmt.top / max(float(np.abs(cols).max()), 1e-300)
    best = None
    for lam in lam_max * (1 - np.arange(_INT_GRID) / (2 * _INT_GRID)):
        Q = fmt.round(lam * cols)
        Qg = np.swapaxes(Q.reshape(shape), -1, -2)
        right = _batched_lstsq(Qg, Zv)
        residual = Zv - Qg @ right
        energy = float(np.vdot(residual, residual))
        if best is None or energy < best[0]:
            best = (energy, Q, right)
    return best[1], best[2]


def _round_last(F, fmt):
    """Round the last factor: as is for floats, with one scale per row for integers."""
    if fmt.kind == "float":
        return fmt.round(F)
    a, b, c, d = F.shape
    rows = F.transpose(0, 1, 3, 2).reshape(-1, c)  # one row of the factor per (i, j, l)
    peak = np.abs(rows).max(axis=1)
    scale = np.where(peak > 0, peak / fmt.top, 1.0)
    codes = fmt.round(rows / scale[:, None])
    return codes.reshape(a, b, d, c).transpose(0, 1, 3, 2), scale


def _quantize_naive(factors, fmt):
    """Round each factor by itself (int8: one max-abs scale per factor)."""
    if fmt.kind == "float":
        return [fmt.round(F) for F in factors], None
    out, scales = [], []
    for F in factors:
        peak = float(np.abs(F).max())
        scale = peak / fmt.top if peak > 0 else 1.0
        out.append(fmt.round(F / scale))
        scales.append(scale)
    return out, np.array(scales)


def _peak_exponents(factors):
    """The powers of two bringing each array's largest entry into ``[0.5, 1)``."""
    out = []
    for F in factors:
        peak = float(np.abs(F).max())
        out.append(int(np.frexp(peak)[1]) if peak > 0 else 0)
    return out


def _encode(values, dtype):
    """Store exactly representable values in their storage dtype."""
    if dtype == "float16":
        return values.astype(np.float16)
    if dtype == "bfloat16":
        bits = values.astype(np.float32).view(np.uint32)
        return (bits >> 16).astype(np.uint16)  # exact: the low half is zero
    return values.astype(np.int8)


def _decode(codes, dtype):
    if dtype == "bfloat16":
        return (codes.astype(np.uint32) << 16).view(np.float32)
    return codes.astype(np.float32)


class QuantizedButterfly:
    """Butterfly factors stored in a low-precision format.

    Made by :func:`quantize_butterfly`. The factors are kept as ``float16``,
    ``bfloat16`` (the upper halves of float32 numbers, as ``uint16``) or ``int8`` codes;
    :meth:`to_butterfly` decodes them into a float32 :class:`ButterflyMatrix` for fast
    products.

    Attributes
    ----------
    codes : list of ndarray
        The stored factors (patterns ``(a, b, c, d)``), dtype float16, uint16
        (bfloat16 bits) or int8.
    dtype : str
        ``"float16"``, ``"bfloat16"`` or ``"int8"``.
    scales : ndarray or None
        int8 only: the float32 scales (one per row of the last factor for
        ``method="scaled"``, one per factor for ``"naive"``).
    exponent : int
        The product is multiplied by ``2**exponent`` (kept out of the factors so
        that they stay in the format's range).
    relative_error : float
        ``‖A - Â_q‖_F / ‖A‖_F`` against the operator that was quantized.
    method : str
        ``"scaled"`` or ``"naive"``.
    """

    def __init__(self, codes, dtype, scales, exponent, method, row_perm, col_perm, shape):
        self.codes = codes
        self.dtype = dtype
        self.scales = scales
        self.exponent = int(exponent)
        self.method = method
        self.row_perm, self.col_perm, self.shape = row_perm, col_perm, shape
        self.relative_error = None

    @property
    def n_params(self):
        """Number of stored values of the factors."""
        return int(sum(c.size for c in self.codes))

    @property
    def nbytes(self):
        """Bytes of storage: the codes and the scales."""
        scales = 0 if self.scales is None else 4 * int(np.size(self.scales))
        return int(sum(c.nbytes for c in self.codes)) + scales

    @property
    def bits_per_parameter(self):
        """``8 * nbytes / n_params``: the storage cost of one value, scales included."""
        return 8 * self.nbytes / self.n_params

    def _values(self):
        values = [_decode(c, self.dtype).astype(np.float64) for c in self.codes]
        if self.scales is not None:
            if self.method == "naive":
                values = [v * s for v, s in zip(values, self.scales)]
            else:
                a, b, c, d = values[-1].shape
                s = self.scales.reshape(a, b, d)[:, :, None, :]
                values[-1] = values[-1] * s
        if self.exponent:
            n = len(values)
            shares = [self.exponent // n + (1 if k < self.exponent % n else 0) for k in range(n)]
            values = [np.ldexp(v, s) for v, s in zip(values, shares)]
        return values

    def to_butterfly(self, dtype=np.float32):
        """Decode the factors into a :class:`ButterflyMatrix` (float32 by default).

        Parameters
        ----------
        dtype : {np.float32, np.float64}, default=np.float32
            The dtype of the decoded factors (every stored value is exact in float32).

        Returns
        -------
        B : ButterflyMatrix
        """
        return ButterflyMatrix(
            [v.astype(dtype) for v in self._values()],
            row_perm=self.row_perm,
            col_perm=self.col_perm,
            shape=self.shape,
        )

    def toarray(self):
        """Return the dense matrix of the quantized product (float64).

        Returns
        -------
        A : ndarray of shape (n_rows, n_cols)
        """
        return self.to_butterfly(np.float64).toarray()

    def __repr__(self):
        return (
            f"<QuantizedButterfly {self.shape[0]}x{self.shape[1]} {self.dtype} "
            f"({self.method}), {self.n_params} parameters, {self.nbytes} bytes>"
        )


def _quantize(B, fmt, method):
    """Quantize ``B``'s factors in ``fmt``: ``(values, scales, exponent, target)``.

    ``values`` (exactly representable in ``fmt``, with ``scales`` for integers) times
    ``2**exponent`` approximate ``B``'s product; ``target`` is that product over
    ``2**exponent``, to measure the error in range.
    """
    core = ButterflyMatrix(B.factors)
    T = core.toarray().astype(np.float64)
    if method == "naive":
        exps = _peak_exponents(core.factors)
        factors = [np.ldexp(F.astype(np.float64), -e) for F, e in zip(core.factors, exps)]
        values, scales = _quantize_naive(factors, fmt)
        exponent = sum(exps)
        return values, scales, exponent, np.ldexp(T, -exponent)
    exponent = _peak_exponents([T])[0]
    T = np.ldexp(T, -exponent)
    chain, ranks = _chain_from_patterns(core.patterns)
    values, scales = _quantize_scaled(T, chain, ranks, fmt)
    if fmt.kind == "float":
        # powers of two between consecutive factors are exact and cancel: bring each
        # factor's peak to about 1 so that all stay in the format's range
        for k in range(len(values) - 1):
            e = _peak_exponents([values[k]])[0]
            values[k] = np.ldexp(values[k], -e)
            values[k + 1] = np.ldexp(values[k + 1], e)
        e = _peak_exponents([values[-1]])[0]
        values[-1] = np.ldexp(values[-1], -e)
        exponent += e
        T = np.ldexp(T, -e)
    return values, scales, exponent, T


def _dense_product(values, scales, method):
    vals = list(values)
    if scales is not None:
        if method == "naive":
            vals = [v * s for v, s in zip(vals, scales)]
        else:
            a, b, c, d = vals[-1].shape
            vals[-1] = vals[-1] * scales.reshape(a, b, d)[:, :, None, :]
    return ButterflyMatrix(vals).toarray()


@validate_params(
    {
        "B": [ButterflyMatrix],
        "dtype": [StrOptions(set(DTYPES))],
        "method": [StrOptions({"scaled", "naive"})],
    },
    prefer_skip_nested_validation=True,
)
def quantize_butterfly(B, dtype="float16", method="scaled"):
    """Store the factors of a butterfly in float16, bfloat16 or int8.

    ``method="scaled"`` redoes the left-to-right factorization of ``B``'s product with
    the rounding inside: each factor's column ``u`` is stored as ``Q(λ u)`` with the
    scaling ``λ`` that keeps it the most parallel to ``u`` (found exactly among the
    finitely many pieces on which the rounding is constant) and the rest of the product
    is refitted to it; the last two factors get the optimal rank-one scaling of
    Gribonval, Mary and Riccietti (their ``x yᵀ`` both rounded). ``"naive"`` rounds
    each factor as it is (int8: one max-abs scale per factor).

    Parameters
    ----------
    B : ButterflyMatrix
        Real factors of a chainable chain (as :func:`butterfly_factorize` returns).
    dtype : {"float16", "bfloat16", "int8"}, default="float16"
        Storage format: 10, 7 fraction bits, or integer codes in ``[-127, 127]`` (with
        one float32 scale per row of the last factor, or per factor for ``"naive"``).
    method : {"scaled", "naive"}, default="scaled"
        Optimal scalings with refitting, or plain rounding.

    Returns
    -------
    Q : QuantizedButterfly
        With ``relative_error`` (against ``B``), ``nbytes`` and
        ``bits_per_parameter``; ``Q.to_butterfly()`` is a float32
        :class:`ButterflyMatrix`.

    Raises
    ------
    TypeError
        If ``B`` has complex factors.
    ValueError
        If ``B``'s chain is not chainable (a transposed chain: quantize ``B`` before
        transposing).

    References
    ----------
    R. Gribonval, T. Mary, E. Riccietti, "Optimal quantization of rank-one matrices in
    floating-point arithmetic, with applications to butterfly factorizations", 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.butterfly import butterfly_factorize, quantize_butterfly
    >>> F = np.fft.fft(np.eye(256), norm="ortho").real
    >>> B = butterfly_factorize(np.ascontiguousarray(F), rank=2)
    >>> naive = quantize_butterfly(B, "bfloat16", method="naive")
    >>> scaled = quantize_butterfly(B, "bfloat16")
    >>> bool(scaled.relative_error < naive.relative_error)
    True
    >>> scaled.bits_per_parameter
    16.0
    """
    if B.dtype.kind == "c":
        raise TypeError("quantize_butterfly takes real factors; got complex ones")
    if method == "scaled" and B.ranks is None:
        raise ValueError(
            "B's chain is not chainable (e.g. the transpose of a factorization); quantize "
            "the factorization itself"
        )
    fmt = _format(dtype)
    values, scales, exponent, target = _quantize(B, fmt, method)
    codes = [_encode(v, dtype) for v in values]
    Q = QuantizedButterfly(
        codes,
        dtype,
        None if scales is None else np.asarray(scales, dtype=np.float32),
        exponent,
        method,
        B.row_perm,
        B.col_perm,
        B.shape,
    )
    # the error of what is stored (decoded, scales in float32), in range
    stored = [_decode(c, dtype).astype(np.float64) for c in codes]
    residual = target - _dense_product(stored, Q.scales, method)
    norm = float(np.vdot(target, target))
    Q.relative_error = float(np.sqrt(np.vdot(residual, residual) / norm)) if norm > 0 else 0.0
    return Q
