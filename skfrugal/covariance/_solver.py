"""The graphical-lasso solver: component screening, then a solver per block.

Solves, for a symmetric ``S`` with a positive diagonal and a symmetric non-negative
penalty matrix ``A`` (possibly infinite off the diagonal),

    min_{Θ ≻ 0}  -log det Θ + tr(S Θ) + Σ_ij A_ij |Θ_ij|,

the problem of :func:`sklearn.covariance.graphical_lasso` when ``A = alpha (11ᵀ - I)``
(a scalar ``alpha``: the diagonal is not penalised). A penalty on the diagonal is a
shift of ``S`` (``Θ_ii > 0``, so ``A_ii |Θ_ii| = A_ii Θ_ii``): the blocks are solved
for ``S + diag(A)`` and the off-diagonal part of ``A``. An infinite ``A_ij`` forces
``Θ_ij = 0``. The problem is solved in units where ``max_i S_ii`` is about 1 (a power
of two, so the scaling is exact: ``Θ(S / c, A / c) = c Θ(S, A)``), which keeps
covariances of any magnitude representable inside the solvers.

1. the problem splits into the connected components of the graph ``|S_ij| > A_ij``
   (Witten, Friedman & Simon 2011; Mazumder & Hastie 2012): isolated variables get
   ``Θ_ii = 1 / S_ii`` in closed form and each block is solved on its own;
2. ``solver="auto"`` solves a block by block coordinate descent
   (:mod:`~skfrugal.covariance._bcd`, the algorithm of scikit-learn's ``cd`` with exact
   active-set column solves, compiled); when it breaks down or stalls, QUIC
   (:mod:`~skfrugal.covariance._quic`, Newton, every iterate positive definite) takes
   over from its last positive-definite iterate, and ADMM
   (:mod:`~skfrugal.covariance._admm`) when the Newton direction stalls in turn.

Every solver stops on the same criterion, the duality gap of scikit-learn,
``|tr(S Θ) - p + Σ_ij A_ij |Θ_ij|| <= tol`` (each block with a share of ``tol``
proportional to its size), so that ``tol`` means the same thing for every ``solver`` and
as in :class:`sklearn.covariance.GraphicalLasso`. Without an off-diagonal penalty the
solution is the inverse of ``S + diag(A)``, computed in closed form.
"""

import warnings

import numpy as np
from numba import njit
from sklearn.exceptions import ConvergenceWarning

from skfrugal.covariance._admm import admm_block
from skfrugal.covariance._bcd import bcd_block
from skfrugal.covariance._exceptions import NotPositiveDefiniteError, SingularCovarianceError
from skfrugal.covariance._linalg import cholesky, inverse_from_cholesky
from skfrugal.covariance._objective import duality_gap
from skfrugal.covariance._quic import quic_block

SOLVERS = ("auto", "bcd", "quic", "admm")


@njit(cache=True, nogil=True)
def _threshold_components(S, A, labels):
    """Connected components of the graph ``|S_ij| > A_ij`` (``i != j``).

    Breadth-first search on the dense matrix, ``O(p²)``. Writes the component of each
    variable into ``labels`` (numbered in order of their smallest variable) and returns
    the number of components.
    """
    p = S.shape[0]
    labels[:] = -1
    queue = np.empty(p, dtype=np.int64)
    n_comp = 0
    for root in range(p):
        if labels[root] >= 0:
            continue
        labels[root] = n_comp
        queue[0] = root
        head = 0
        tail = 1
        while head < tail:
            i = queue[head]
            head += 1
            for j in range(p):
                if labels[j] < 0 and j != i and abs(S[i, j]) > A[i, j]:
                    labels[j] = n_comp
                    queue[tail] = j
                    tail += 1
        n_comp += 1
    return n_comp


def _solve_block(S, A, X0, max_iter, tol, solver="auto"):
    """Solve one connected block. Returns (Θ, W, n_iter, gap, converged).

    ``A`` is the block's penalty matrix (zero diagonal). ``X0=None`` starts each method
    from its default. ``"auto"``: block coordinate descent; on breakdown or stall,
    QUIC from its last positive-definite iterate (else from the start), then ADMM
    (warm-started) when the Newton direction stalls, which happens on very
    ill-conditioned blocks.
    """
    start = np.diag(1.0 / np.diag(S)) if X0 is None else X0
    if solver == "admm":
        return admm_block(S, A, start, 50 * max_iter, tol)
    n_bcd = 0
    if solver in ("auto", "bcd"):
        X, W, n_bcd, gap, converged = bcd_block(S, A, X0, max_iter, tol)
        if solver == "bcd":
            if X is None:
                raise NotPositiveDefiniteError(
                    "block coordinate descent broke down (a non-positive-definite "
                    "iterate): the problem is too ill-conditioned for solver='bcd'; "
                    "use solver='auto'"
                )
            return X, W, n_bcd, gap, converged
        if converged:
            return X, W, n_bcd, gap, converged
        if X is not None:
            start = X
    X, W, n_iter, gap, converged, stalled = quic_block(S, A, start, max_iter, tol,
                                                       stop_on_stall=solver == "auto")
    n_iter += n_bcd
    if converged or not stalled:
        return X, W, n_iter, gap, converged
    Xa, Wa, it_a, gap_a, conv_a = admm_block(S, A, X, 50 * max_iter, tol)
    if abs(gap_a) < abs(gap):
        return Xa, Wa, n_iter + it_a, gap_a, conv_a
    return X, W, n_iter + it_a, gap, converged


def as_penalty_matrix(alpha, p):
    """The ``p x p`` penalty matrix of a scalar ``alpha`` (``alpha`` off the diagonal,
    0 on it, as in scikit-learn) or of an already validated matrix (a float64 copy)."""
    if np.ndim(alpha) == 0:
        A = np.full((p, p), float(alpha))
        np.fill_diagonal(A, 0.0)
        return A
    return np.array(alpha, dtype=np.float64, order="C")


def solve_graphical_lasso(S, alpha, *, precision_init=None, max_iter=100, tol=1e-4,
                          solver="auto", verbose=False):
    """Solve the graphical lasso block by block after component screening.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Symmetric matrix with a positive diagonal (an empirical covariance, or the
        positive-definite surrogate of a decoder step).
    alpha : float or ndarray of shape (p, p)
        Off-diagonal ℓ1 penalty, as ``alpha`` of
        :func:`sklearn.covariance.graphical_lasso`, or a symmetric non-negative
        penalty matrix ``A`` (penalty ``Σ_ij A_ij |Θ_ij|``; ``inf`` off the diagonal
        forces a zero; the diagonal must be finite). Not validated here.
    precision_init : ndarray of shape (p, p), default=None
        Warm start (used block by block where it is positive definite, with zeros
        where the penalty is infinite); default: each method's own start (a point of
        the dual box for block coordinate descent; ``Θ = diag(1 / S_ii)`` for QUIC and
        ADMM).
    max_iter : int, default=100
        Maximum number of iterations per block and per method (sweeps of block
        coordinate descent, Newton iterations; ADMM gets ``50 * max_iter``).
    tol : float, default=1e-4
        Stop when the duality gap of the whole problem falls below ``tol``
        (the gap splits additively over blocks; each block gets a share ``tol`` times
        its size over ``p``).
    solver : {"auto", "bcd", "quic", "admm"}, default="auto"
        ``"bcd"``: block coordinate descent only (``FloatingPointError`` when it
        breaks down); ``"quic"``: Newton iterations only; ``"admm"``: ADMM only (up
        to ``50 * max_iter`` iterations); ``"auto"``: block coordinate descent, then
        QUIC from its last positive-definite iterate when it breaks down or stalls,
        then ADMM when the Newton direction stops converging.
    verbose : bool, default=False
        Print the blocks and their iterations.

    Returns
    -------
    covariance : ndarray of shape (p, p)
        ``Θ^{-1}`` (the inverse of ``precision`` to rounding).
    precision : ndarray of shape (p, p)
        ``Θ``, positive definite.
    n_iter : int
        Largest number of iterations over the blocks (summed over the methods that
        ran; 0 for the closed form).
    gap : float
        Duality gap of the returned ``Θ``.
    converged : bool
        Whether the gap reached ``tol``.
    """
    S = np.asarray(S, dtype=np.float64)
    p = S.shape[0]
    scalar = np.ndim(alpha) == 0
    d_pen = np.zeros(p) if scalar else np.diag(alpha)
    diag = np.diag(S) + d_pen  # a diagonal penalty shifts S
    if np.any(diag <= 0) or not np.all(np.isfinite(diag)):
        raise ValueError("S must have a positive finite diagonal (no constant feature)")
    # solved in units where max diag(S) ~ 1 (a power of two: exact), with the
    # off-diagonal penalty As; a few p x p arrays only (p = 2000: 32 MB each)
    c = 2.0 ** np.round(np.log2(diag.max()))
    Ss = S / c
    Ss.flat[:: p + 1] += d_pen / c
    As = as_penalty_matrix(alpha, p)
    np.fill_diagonal(As, 0.0)
    As /= c
    diag = diag / c
    gap_alpha = float(alpha) / c if scalar else As  # the diagonal part is in Ss
    X0_all = None
    if precision_init is not None:
        X0_all = np.array(precision_init, dtype=np.float64) * c
        X0_all[np.isinf(As)] = 0.0
    if not np.any(As):  # no off-diagonal penalty: Θ = (S + diag(A))^{-1}
        ch, ok = cholesky(Ss)
        if not ok:
            raise SingularCovarianceError(
                "without an off-diagonal penalty the solution is the inverse of the "
                "covariance, which is singular here (fewer samples than features, or "
                "collinear features): use alpha > 0"
            )
        precision = inverse_from_cholesky(ch)
        gap = duality_gap(Ss, precision, 0.0)
        precision /= c
        Ss *= c
        return Ss, precision, 0, gap, True
    labels = np.empty(p, dtype=np.int64)
    n_comp = _threshold_components(Ss, As, labels)
    n_iter_max = 0
    converged = True
    if n_comp == 1:  # one block: no copies
        precision, covariance, n_iter_max, gap_b, converged = _solve_block(
            Ss, As, X0_all, max_iter, tol, solver)
        if verbose:
            print(f"block of {p}: {n_iter_max} iterations, gap {gap_b:.2e}")
    else:
        precision = np.zeros((p, p))
        covariance = np.zeros((p, p))
    for comp in range(n_comp if n_comp > 1 else 0):
        idx = np.flatnonzero(labels == comp)
        if idx.size == 1:
            i = idx[0]
            precision[i, i] = 1.0 / diag[i]
            covariance[i, i] = diag[i]
            continue
        block = np.ix_(idx, idx)
        X0 = None if X0_all is None else X0_all[block]
        Xb, Wb, it, gap_b, conv = _solve_block(np.ascontiguousarray(Ss[block]),
                                               np.ascontiguousarray(As[block]), X0,
                                               max_iter, tol * idx.size / p, solver)
        if verbose:
            print(f"block of {idx.size}: {it} iterations, gap {gap_b:.2e}")
        precision[block] = Xb
        covariance[block] = Wb
        n_iter_max = max(n_iter_max, it)
        converged &= conv
    gap = duality_gap(Ss, precision, gap_alpha)  # scale-free
    precision /= c
    covariance *= c
    return covariance, precision, n_iter_max, gap, converged and abs(gap) <= tol * 1.01


def check_graphical_lasso_result(precision, max_iter, gap, tol, converged, warn=True):
    """Raise when Θ is not SPD; warn when the gap did not reach ``tol``."""
    if not np.all(np.isfinite(precision)) or not cholesky(precision)[1]:
        raise NotPositiveDefiniteError(
            "The graphical-lasso solver returned a matrix that is not positive "
            "definite; the problem is too ill-conditioned at this alpha"
        )
    if warn and not converged:
        warnings.warn(
            f"graphical lasso did not reach the duality gap tol={tol:g} in "
            f"max_iter={max_iter} iterations (gap {gap:.3g}); increase max_iter",
            ConvergenceWarning,
            stacklevel=3,
        )
