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


def cholesky(A):
    """Return ``(lower Cholesky factor, True)``, or ``(None, False)`` when ``A`` is not
    numerically positive definite."""
    c, info = lapack.dpotrf(A, lower=1, clean=1, overwrite_a=0)
    if info != 0 or not np.all(np.isfinite(c)):
        return None, False
    return c, True


def inverse_from_cholesky(c):
    """``A^{-1}`` (C-contiguous, exactly symmetric) from the lower factor of ``A``."""
    inv, info = lapack.dpotri(c, lower=1)
    if info != 0:  # pragma: no cover - c comes from a successful dpotrf
        raise np.linalg.LinAlgError("matrix inversion failed")
    fill_upper(inv)
    # symmetric: the transpose of a Fortran-ordered result is the same matrix in C order
    return np.ascontiguousarray(inv.T if inv.flags.f_contiguous else inv)
