"""ButterflyMatrix: a product of Kronecker-sparse factors as a SciPy LinearOperator."""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from skfrugal.butterfly._architecture import check_patterns, check_product_chain
from skfrugal.butterfly._kernels import chain_apply

KERNEL_DTYPES = (np.float32, np.float64, np.complex64, np.complex128)
TILE_BYTES = 1 << 18  # each of the two tile buffers aims at 256 KiB (L2)


def _tile(width, itemsize, n_vectors):
    if n_vectors == 1:
        return 1
    tile = TILE_BYTES // (width * itemsize)
    return int(min(64, max(8, tile - tile % 4)))


def _kernel_dtype(*dtypes):
    dtype = np.result_type(*dtypes)
    if dtype.kind in "biu":
        dtype = np.result_type(dtype, np.float64)
    if dtype not in KERNEL_DTYPES:
        raise TypeError(f"unsupported dtype {dtype}; use float32, float64, complex64 or complex128")
    return np.dtype(dtype)


def _as_permutation(perm, n, name):
    if perm is None:
        return np.arange(n, dtype=np.int64)
    perm = np.asarray(perm)
    if perm.ndim != 1 or perm.shape[0] != n or perm.dtype.kind not in "iu":
        raise ValueError(f"{name} must be a 1-D integer array of length {n}, got {perm!r}")
    perm = perm.astype(np.int64)
    if not np.array_equal(np.sort(perm), np.arange(n)):
        raise ValueError(f"{name} must be a permutation of range({n})")
    return np.ascontiguousarray(perm)


class ButterflyMatrix(LinearOperator):
    """A product of Kronecker-sparse (butterfly) factors, with optional permutations.

    The operator is ``Â = crop(Pᵣᵀ K_1 K_2 ⋯ K_L P_c)``: the factors ``K_ℓ`` have
    patterns ``(a, b, c, d)`` and values ``T[a, b, c, d]`` with
    ``K[i*b*d + j*d + l, i*c*d + k*d + l] = T[i, j, k, l]``; ``Â[row_perm][:, col_perm]``
    is the product of the factors (zero-padded to the factors' shape, then cropped to
    ``shape``). Products run in a numba kernel that takes a tile of vectors through all
    the factors while it stays in cache, in both layouts: ``A @ X`` for columns and
    :meth:`apply_rows` (``X Âᵀ``) for the samples × features layout of scikit-learn.

    Parameters
    ----------
    factors : list of ndarray of shape (a, b, c, d)
        The values of the factors, leftmost first. Stored C-contiguous, in one buffer,
        with the common dtype of the factors.
    row_perm, col_perm : ndarray of int, default=None
        Permutations of the rows and columns of the factors' product (``None``: the
        identity).
    shape : tuple of int, default=None
        The shape of the operator, at most the shape of the factors' product (the
        factors act on zero-padded vectors and the result is cropped). ``None``: the
        shape of the product.

    Attributes
    ----------
    factors : list of ndarray
        The factors' values (4-D, C-contiguous views of one buffer).
    patterns : list of tuple of int
        The patterns ``(a, b, c, d)``.
    ranks : list of int or None
        The ranks of the chain's splits (``None`` when the chain is a valid product
        but not chainable, as the transpose of a chainable chain).
    row_perm, col_perm : ndarray of int64
        The permutations.
    relative_error : float or None
        When made by :func:`butterfly_factorize`: ``‖A - Â‖_F / ‖A‖_F``.
    split_errors : ndarray or None
        When made by :func:`butterfly_factorize`: the squared Frobenius error added by
        each split (plus the energy of ``A`` outside the chain's support, first),
        relative to ``‖A‖_F²`` (orthonormalized factorizations only; in the balanced
        order a split inside the left half of a larger split adds none of its own:
        the larger split's entry holds it).
    permutation : str or None
        When made by :func:`butterfly_factorize`: which permutation was kept
        (``"identity"``, ``"rows"``, ``"columns"``, ``"recovered"`` or ``"given"``).

    See Also
    --------
    butterfly_factorize : Approximate a matrix by a ButterflyMatrix.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.linalg import hadamard
    >>> from skfrugal.butterfly import ButterflyMatrix
    >>> h = np.array([[1.0, 1.0], [1.0, -1.0]])
    >>> factors = [np.broadcast_to(h[None, :, :, None], (1, 2, 2, 4)),
    ...            np.broadcast_to(h[None, :, :, None], (2, 2, 2, 2)),
    ...            np.broadcast_to(h[None, :, :, None], (4, 2, 2, 1))]
    >>> B = ButterflyMatrix(factors)
    >>> B.shape, B.n_params
    ((8, 8), 48)
    >>> np.allclose(B.toarray(), hadamard(8))
    True
    >>> np.allclose(B @ np.ones(8), hadamard(8) @ np.ones(8))
    True
    """

    def __init__(self, factors, row_perm=None, col_perm=None, shape=None):
        if len(factors) == 0:
            raise ValueError("factors must be a non-empty list of 4-D arrays")
        factors = [np.asarray(f) for f in factors]
        for i, f in enumerate(factors):
            if f.ndim != 4:
                raise ValueError(f"factor {i} must be a 4-D array (a, b, c, d), got ndim={f.ndim}")
        patterns = [tuple(int(v) for v in f.shape) for f in factors]
        check_product_chain(patterns)
        try:
            self.ranks = check_patterns(patterns)
        except ValueError:  # e.g. the transpose of a chainable chain: a valid product
            self.ranks = None
        dtype = _kernel_dtype(*[f.dtype for f in factors])
        sizes = [f.size for f in factors]
        self._offsets = np.zeros(len(factors) + 1, dtype=np.int64)
        self._offsets[1:] = np.cumsum(sizes)
        self._data = np.empty(int(self._offsets[-1]), dtype=dtype)
        for f, lo, hi in zip(factors, self._offsets[:-1], self._offsets[1:]):
            self._data[lo:hi] = f.ravel()
        if not np.all(np.isfinite(self._data)):
            raise ValueError("factors must be finite (no NaN or inf)")
        self.factors = [
            self._data[lo:hi].reshape(p)
            for p, lo, hi in zip(patterns, self._offsets, self._offsets[1:])
        ]
        self.patterns = patterns
        self._patterns_arr = np.array(patterns, dtype=np.int64)
        a, b, _, d = patterns[0]
        a2, _, c2, d2 = patterns[-1]
        full_shape = (a * b * d, a2 * c2 * d2)
        self.full_shape = full_shape
        self._width = max(full_shape[1], *(p[0] * p[1] * p[3] for p in patterns))
        if shape is None:
            shape = full_shape
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2 or not (
            1 <= shape[0] <= full_shape[0] and 1 <= shape[1] <= full_shape[1]
        ):
            raise ValueError(f"shape must be at most the factors' shape {full_shape}, got {shape}")
        self.row_perm = _as_permutation(row_perm, full_shape[0], "row_perm")
        self.col_perm = _as_permutation(col_perm, full_shape[1], "col_perm")
        self.relative_error = None
        self.split_errors = None
        self.permutation = None
        super().__init__(dtype=dtype, shape=shape)

    # -- size ----------------------------------------------------------------------
    @property
    def n_params(self):
        """Number of stored values of the factors (multiply-adds per vector)."""
        return int(self._data.size)

    @property
    def compression_ratio(self):
        """``n_rows * n_cols / n_params``: how many times smaller than the dense matrix."""
        return self.shape[0] * self.shape[1] / self.n_params

    def astype(self, dtype):
        """Return a copy with factors of another dtype (same patterns and permutations).

        Parameters
        ----------
        dtype : dtype
            float32, float64, complex64 or complex128.

        Returns
        -------
        B : ButterflyMatrix
        """
        dtype = _kernel_dtype(dtype)
        out = ButterflyMatrix(
            [f.astype(dtype) for f in self.factors],
            row_perm=self.row_perm,
            col_perm=self.col_perm,
            shape=self.shape,
        )
        out.relative_error, out.split_errors = self.relative_error, self.split_errors
        out.permutation = self.permutation
        return out

    # -- products ------------------------------------------------------------------
    def _apply(self, X, samples_first):
        X = np.asarray(X)
        dtype = self.dtype if X.dtype == self.dtype else _kernel_dtype(self.dtype, X.dtype)
        if not np.all(np.isfinite(X)):
            raise ValueError("the vectors to multiply contain NaN or infinity")
        data = self._data if self._data.dtype == dtype else self._data.astype(dtype)
        X = np.ascontiguousarray(X, dtype=dtype)
        if not X.flags.writeable:  # one kernel signature: never a read-only array type
            X = X.copy()
        if samples_first:
            Y = np.empty((X.shape[0], self.shape[0]), dtype=dtype)
        else:
            Y = np.empty((self.shape[0], X.shape[1]), dtype=dtype)
        if X.size:
            chain_apply(
                X,
                Y,
                data,
                self._offsets,
                self._patterns_arr,
                self.col_perm,
                self.row_perm,
                samples_first,
                _tile(self._width, dtype.itemsize, X.shape[0 if samples_first else 1]),
            )
        elif Y.size:
            Y[...] = 0
        return Y

    def apply_rows(self, X):
        """Return ``X Âᵀ``: the operator applied to each row of ``X``.

        This is the samples × features layout of scikit-learn (``transform``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_cols)
            The vectors, one per row.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_rows)
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.shape[1]:
            raise ValueError(f"X must have shape (n_samples, {self.shape[1]}), got {X.shape}")
        return self._apply(X, True)

    def __matmul__(self, other):
        # fast path for one vector (LinearOperator's generic checks cost more than the
        # product itself for n up to a few thousands)
        if (
            isinstance(other, np.ndarray)
            and other.ndim == 1
            and other.shape[0] == self.shape[1]
            and other.dtype == self.dtype
        ):
            return self._apply(other.reshape(-1, 1), False).reshape(-1)
        return super().__matmul__(other)

    def _matmat(self, X):
        return self._apply(X, False)

    def _matvec(self, x):
        x = np.asarray(x)
        return self._apply(x.reshape(-1, 1), False).reshape(-1)

    def _transposed(self, conjugate):
        factors = [f.swapaxes(1, 2) for f in reversed(self.factors)]
        if conjugate and self.dtype.kind == "c":
            factors = [np.conj(f) for f in factors]
        return ButterflyMatrix(
            factors,
            row_perm=self.col_perm,
            col_perm=self.row_perm,
            shape=(self.shape[1], self.shape[0]),
        )

    def _adjoint(self):
        return self._transposed(conjugate=True)

    def _transpose(self):
        return self._transposed(conjugate=False)

    def _rmatvec(self, x):
        return self._adjoint().matvec(x)

    def _rmatmat(self, X):
        return self._adjoint().matmat(X)

    # -- conversions ---------------------------------------------------------------
    def toarray(self):
        """Return the dense matrix ``Â``.

        Returns
        -------
        A : ndarray of shape (n_rows, n_cols)
        """
        return self._apply(np.eye(self.shape[1], dtype=self.dtype), False)

    def to_sparse_factors(self):
        """Return sparse matrices whose product (left to right) is ``Â``.

        Returns
        -------
        factors : list of scipy.sparse.csr_array
            ``[Pᵣᵀ, K_1, ..., K_L, P_c]``, the permutation (and cropping) matrices left
            out when they are identities.
        """
        out = []
        m_full, n_full = self.full_shape
        m, n = self.shape
        if m != m_full or not np.array_equal(self.row_perm, np.arange(m_full)):
            keep = self.row_perm < m
            p = sp.csr_array(
                (np.ones(keep.sum()), (self.row_perm[keep], np.flatnonzero(keep))),
                shape=(m, m_full),
            )
            out.append(p)
        for f in self.factors:
            out.append(_factor_to_csr(f))
        if n != n_full or not np.array_equal(self.col_perm, np.arange(n_full)):
            keep = self.col_perm < n
            p = sp.csr_array(
                (np.ones(keep.sum()), (np.flatnonzero(keep), self.col_perm[keep])),
                shape=(n_full, n),
            )
            out.append(p)
        return out

    def __repr__(self):
        return (
            f"<ButterflyMatrix {self.shape[0]}x{self.shape[1]} with {len(self.factors)} "
            f"factors, {self.n_params} parameters, dtype={self.dtype}>"
        )


def _factor_to_csr(T):
    """Return the Kronecker-sparse factor with values ``T[a, b, c, d]`` as a CSR array."""
    a, b, c, d = T.shape
    i, j, k, l = np.meshgrid(np.arange(a), np.arange(b), np.arange(c), np.arange(d), indexing="ij")
    rows = (i * b + j) * d + l
    cols = (i * c + k) * d + l
    return sp.csr_array((T.ravel(), (rows.ravel(), cols.ravel())), shape=(a * b * d, a * c * d))
