"""Cholesky factorisations and inverses shared by the graphical-lasso solvers."""

import numpy as np
from numba import njit
from scipy.linalg import lapack


@njit(cache=True, nogil=True)
def fill_upper(A):
    """Copy the lower triangle of ``A`` onto its upper triangle, in place."""
    p = A.shape[0]
    for i in range(p):
        for j in range(i + 1, p):
            A[i, j] = A[j, i]


def cholesky(A, overwrite=False):
    """Return ``(lower Cholesky factor, True)``, or ``(None, False)`` when ``A`` is not
    numerically positive definite. ``overwrite=True`` factorises a symmetric ``A`` in
    place (no copy)."""
    if overwrite and A.flags.c_contiguous:
        A = A.T  # the same symmetric matrix, Fortran-ordered: LAPACK works in place
    c, info = lapack.dpotrf(A, lower=1, clean=1, overwrite_a=int(overwrite))
    if info != 0 or not np.all(np.isfinite(c)):
        return None, False
    return c, True


def inverse_from_cholesky(c):
    """``A^{-1}`` (C-contiguous, exactly symmetric) from the lower factor of ``A``;
    ``c`` is overwritten when it is Fortran-ordered (as :func:`cholesky` returns it)."""
    inv, info = lapack.dpotri(c, lower=1, overwrite_c=1)
    if info != 0:  # pragma: no cover - c comes from a successful dpotrf
        raise np.linalg.LinAlgError("matrix inversion failed")
    fill_upper(inv)
    # symmetric: the transpose of a Fortran-ordered result is the same matrix in C order
    return np.ascontiguousarray(inv.T if inv.flags.f_contiguous else inv)
