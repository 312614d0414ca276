"""Input checks of the full-data graphical lasso: covariance matrices, penalty
matrices, and the empirical covariance of data of any magnitude."""

import numpy as np
from sklearn.covariance import empirical_covariance
from sklearn.utils import check_array

from skfrugal.covariance._linalg import cholesky

# relative asymmetry tolerated in a covariance matrix (rounding of a product X^T X)
_SYMMETRY_RTOL = 1e-10
# relative size of the most negative eigenvalue tolerated in a covariance matrix
_PSD_RTOL = 1e-8


def check_square_matrix(M, name):
    """``M`` as a finite real float64 square matrix; a clear error otherwise."""
    M = check_array(M, dtype=np.float64, input_name=name, ensure_min_samples=1,
                    ensure_min_features=1)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    return M


def check_covariance(S, name="emp_cov"):
    """Check that ``S`` is a covariance matrix and return it as float64.

    ``S`` must be square, finite, real, symmetric (to a relative ``1e-10``), with a
    positive diagonal, and positive semi-definite (its smallest eigenvalue not below
    ``-1e-8`` times the largest variance).
    """
    S = check_square_matrix(S, name)
    scale = np.abs(S).max()
    work = np.subtract(S, S.T)  # one p x p temporary for the checks
    np.abs(work, out=work)
    asym = work.max()
    if asym > _SYMMETRY_RTOL * scale:
        i, j = np.unravel_index(np.argmax(work), S.shape)
        raise ValueError(
            f"{name} must be symmetric: entries ({i}, {j}) and ({j}, {i}) differ by "
            f"{asym:.3g} (largest entry {scale:.3g})"
        )
    check_variances(S, name)
    diag = np.diag(S)
    _check_range(np.log10(diag.min()), np.log10(diag.max()), name)
    if asym > 0:
        S = 0.5 * (S + S.T)
    c = 2.0 ** np.round(np.log2(diag.max()))  # exact rescaling
    np.divide(S, c, out=work)
    work.flat[:: S.shape[0] + 1] += _PSD_RTOL
    if not cholesky(work, overwrite=True)[1]:
        low = float(np.linalg.eigvalsh(S)[0])
        raise ValueError(
            f"{name} is not positive semi-definite (smallest eigenvalue {low:.3g}, "
            f"largest variance {diag.max():.3g}): a covariance matrix is; project it "
            "onto the positive semi-definite cone first (clip its eigenvalues at 0)"
        )
    return S


def check_variances(S, name="the covariance"):
    """Raise a ValueError naming the first feature whose variance is not positive."""
    diag = np.diag(S)
    if np.any(diag <= 0):
        bad = int(np.flatnonzero(diag <= 0)[0])
        raise ValueError(
            f"{name} must have a positive diagonal; feature {bad} has variance "
            f"{diag[bad]} (drop constant features)"
        )


def _check_range(log10_low, log10_high, name):
    """Variances between ``10**log10_low`` and ``10**log10_high`` must have
    representable inverses: raise a ValueError otherwise."""
    finfo = np.finfo(np.float64)
    if log10_high >= np.log10(finfo.max) - 1 or log10_low <= np.log10(finfo.tiny) + 1:
        raise ValueError(
            f"{name} is outside the range of float64 (variances from 1e{log10_low:.0f} "
            f"to 1e{log10_high:.0f}; a precision matrix holds their inverses): rescale "
            "the data (alpha is in the units of the covariance)"
        )


def check_penalty(alpha, n_features, name="alpha"):
    """Validate a penalty: a scalar ``>= 0`` (returned as float) or a symmetric
    non-negative ``(n_features, n_features)`` matrix without NaN, with a finite
    diagonal (returned as a float64 copy)."""
    if np.ndim(alpha) == 0:
        value = float(np.real_if_close(alpha))
        if np.iscomplexobj(alpha):
            raise TypeError(f"{name} must be real, got {alpha!r}")
        if not value >= 0:
            raise ValueError(f"{name} must be >= 0, got {alpha!r}")
        return value
    A = np.asarray(alpha)
    if np.iscomplexobj(A):
        raise TypeError(f"the penalty matrix {name} must be real, got dtype {A.dtype}")
    if A.dtype.kind not in "biuf":
        raise TypeError(f"the penalty matrix {name} must be numeric, got dtype {A.dtype}")
    A = np.array(A, dtype=np.float64, order="C")
    p = n_features
    if A.shape != (p, p):
        raise ValueError(
            f"the penalty matrix {name} must have shape ({p}, {p}) (one weight per "
            f"entry of the precision matrix), got {A.shape}"
        )
    if np.isnan(A).any():
        raise ValueError(f"the penalty matrix {name} contains NaN")
    if (A < 0).any():
        raise ValueError(f"the penalty matrix {name} must be non-negative, min {A.min():g}")
    if not np.array_equal(A, A.T):
        finite = np.isfinite(A) & np.isfinite(A.T)
        gap = np.abs(A - A.T)[finite].max(initial=0.0)
        if (np.isinf(A) != np.isinf(A.T)).any() or gap > _SYMMETRY_RTOL * np.abs(
                A[finite]).max(initial=0.0):
            raise ValueError(f"the penalty matrix {name} must be symmetric")
        A = np.where(finite, 0.5 * (A + A.T), A)
    if not np.isfinite(np.diag(A)).all():
        raise ValueError(
            f"the diagonal of the penalty matrix {name} must be finite (the diagonal "
            "of a precision matrix is positive, it cannot be forced to zero)"
        )
    return A


def empirical_covariance_checked(X, assume_centered=False):
    """Location and empirical covariance of validated data ``X``, computed without
    overflow or underflow whatever the magnitude of ``X``.

    ``X`` is rescaled by a power of two (exact) before the products; a
    :class:`ValueError` is raised when the covariance itself, or the precision it
    leads to, is outside the range of float64 (for example data of magnitude
    ``1e200``, whose covariance is about ``1e400``).

    Returns
    -------
    location : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)
    """
    big = float(np.abs(X).max())
    e = int(np.floor(np.log2(big))) if big > 0 else 0
    Xs = np.ldexp(X, -e)
    location = np.zeros(X.shape[1]) if assume_centered else Xs.mean(axis=0)
    S = empirical_covariance(Xs, assume_centered=assume_centered)
    diag = np.diag(S)
    positive = diag[diag > 0]
    if positive.size:
        # log10 of the extreme variances in the units of X
        _check_range(np.log10(positive.min()) + 2 * e * np.log10(2.0),
                     np.log10(positive.max()) + 2 * e * np.log10(2.0),
                     "the covariance of X")
    return np.ldexp(location, e), np.ldexp(S, 2 * e)


# |values| of projections, measurements and variances above this give squares or
# products beyond float64 in the rank-one measurements (a_jᵀ Σ a_j sums p² products)
_MEASUREMENT_MAX = 1e100


def _finite_real(M, name, ndim):
    """``M`` as a finite real float64 array of ``ndim`` dimensions, not empty and of
    magnitude at most ``1e100``; a clear TypeError/ValueError otherwise."""
    if np.iscomplexobj(M):
        raise TypeError(f"{name} must be real, got a complex array")
    M = check_array(M, dtype=np.float64, ensure_2d=ndim == 2, input_name=name,
                    ensure_min_samples=1, ensure_min_features=1, copy=False)
    if M.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {M.shape}")
    top = np.abs(M).max()
    if top > _MEASUREMENT_MAX:
        raise ValueError(
            f"{name} has entries of magnitude {top:.3g}: products of rank-one "
            f"measurements overflow float64 beyond {_MEASUREMENT_MAX:g}; rescale")
    return M


def check_rank_one(A, **arrays):
    """Validate projections ``A`` of shape ``(p, m)`` and the arrays that go with
    them: ``y``/``r`` of shape ``(m,)``, ``diagonal`` of shape ``(p,)`` (positive),
    ``Sigma`` of shape ``(p, p)``. Returns the checked arrays, ``A`` first."""
    A = _finite_real(A, "A (the projections)", 2)
    p, m = A.shape
    shapes = {"y": (m,), "r": (m,), "diagonal": (p,), "Sigma": (p, p)}
    out = [A]
    for name, value in arrays.items():
        if value is None:
            out.append(None)
            continue
        M = _finite_real(value, name, len(shapes[name]))
        if M.shape != shapes[name]:
            raise ValueError(
                f"{name} must have shape {shapes[name]} for projections A of shape "
                f"{A.shape} (p features, m measurements), got {M.shape}")
        if name == "diagonal" and not np.all(M > 0):
            bad = int(np.flatnonzero(~(M > 0))[0])
            raise ValueError(f"diagonal (the variances) must be positive; entry {bad} "
                             f"is {M[bad]}")
        out.append(M)
    return out
