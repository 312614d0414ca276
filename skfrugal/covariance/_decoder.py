"""The compressive graphical-lasso decoder.

Given rank-one measurements ``y_j = a_jᵀ Ĉ a_j`` (``j = 1..m``) of an empirical
covariance ``Ĉ``, its exact diagonal (the sketch keeps per-feature moments) and the
number of samples ``n`` it averages, the decoder works in two stages.

1. **The covariances that reproduce the sketch.** ``Ĉ`` is positive semi-definite, of
   rank at most ``r = min(p, n - 1)``, with a known diagonal: the decoder looks for
   ``C = V Vᵀ``, ``V`` of shape ``(p, r)`` with rows of norms ``sqrt(Ĉ_ii)``, that
   minimises ``||A(C) - y||²`` (:func:`covariance_from_sketch`; L-BFGS on the
   row-normalised factor, a Burer–Monteiro parametrisation). The fit reproduces the
   sketch to rounding whenever a positive semi-definite ``C`` can. When ``m`` is at
   least the ``p r - r(r-1)/2 - p`` degrees of freedom of such matrices, ``C`` is
   ``Ĉ`` itself (quadratic measurements of a low-rank positive semi-definite matrix
   determine it, Chen, Chi & Goldsmith 2015): the decoder then returns the full-data
   graphical lasso at the same ``alpha`` up to the fit's accuracy.
2. **A graphical-lasso model among them.** Below that, many covariances reproduce the
   sketch. For a full-rank covariance (``n > p``) with ``m < 0.9 dof``, the decoder
   alternates ``Θ = glasso(C, alpha)`` and a projection of
   ``Σ = Θ^{-1}`` back onto the covariances that reproduce the sketch (the same fit,
   warm-started at ``Σ``): the part of ``Ĉ`` the sketch observes comes from the
   data, the rest from the sparse model. The rounds stop when the graph and ``C``
   settle (or after ``max_rounds``). The projection's correction is taken
   ``dof / m`` times (it observes about ``m / dof`` of each entry's deviation, and
   ``alpha`` would otherwise act on entries shrunk by that ratio: a large ``alpha``
   then empties the graph). For ``n ≤ p`` the rank bound is the better prior (on
   gene-expression tables the alternation lowered the edge F1 by 0.05 on average):
   stage 1 alone decides.

``alpha`` keeps the units of :class:`sklearn.covariance.GraphicalLasso`: the inner
problem is the graphical lasso of ``C``.

Why not a gradient method on ``(m/4)||A(Θ^{-1}) - y||² + alpha ||Θ||_{1,off}``: near
``m = p(p+1)/2`` the least-squares problem in ``Σ`` is as ill-conditioned as a square
random system (the Marchenko–Pastur spectrum of ``A*A`` reaches 0), and the
preconditioned proximal-gradient decoder this module used before needed hundreds of
operator applications per decode and still stopped far from the full-data graph on
real covariances (edge F1 0.4-0.5 at small ``alpha``). The positive semi-definite,
rank-aware fit uses structure the plain least-squares step ignores and converges in
tens of L-BFGS iterations.
"""

import numpy as np
from scipy.optimize import minimize

from skfrugal.covariance._linalg import cholesky
from skfrugal.covariance._solver import solve_graphical_lasso


def rank_one_forward(A, Sigma):
    """``A(Σ)_j = a_jᵀ Σ a_j`` for the columns ``a_j`` of ``A``."""
    return np.einsum("ij,ij->j", A, Sigma @ A)


def rank_one_adjoint(A, r):
    """``A*(r) = Σ_j r_j a_j a_jᵀ = A diag(r) Aᵀ``."""
    return (A * r) @ A.T


def moment_estimate(y, A, diagonal):
    """One-shot unbiased estimate of the covariance from the measurements.

    Off-diagonal ``(m/2) offdiag(A*(y - A(diag)))``, diagonal the exact variances.
    Unbiased but noisy (per-entry noise about ``tr(Σ)/sqrt(m)``): the starting point
    of the decoder and the source of the default ``alpha`` grid of the CV estimator.
    """
    m = A.shape[1]
    r = y - rank_one_forward(A, np.diag(diagonal))
    S = 0.5 * m * rank_one_adjoint(A, r)
    np.fill_diagonal(S, diagonal)
    return S



# stage 2 runs for full-rank covariances (n > p) when m < NEAR_DETERMINED * dof; near dof
# it only costs time. For n <= p it does not run: on the NCI60 and Khan genes (p = 100,
# m = p(p+1)/4 = 0.6 dof) it raised the edge F1 at alpha = 0.1 max|S_ij| (0.50 -> 0.65)
# but lowered it at 0.5-0.7 (0.76 -> 0.40), 0.05 lower on average (the rank bound is the
# better prior there); at p = 200 (0.96 dof) it cost four times the fit for no gain
NEAR_DETERMINED = 0.9


def degrees_of_freedom(n_features, rank):
    """Degrees of freedom of ``p x p`` positive semi-definite matrices of rank ``r`` with
    a fixed diagonal: ``p r - r(r-1)/2 - p``."""
    p, r = int(n_features), int(rank)
    return p * r - r * (r - 1) // 2 - p


def _leading_factor(C, rank):
    """Unit rows ``N`` of shape ``(p, rank)``: the rows of the factor ``V`` of the best
    rank-``rank`` positive semi-definite approximation ``V Vᵀ`` of ``C``, normalised.

    A row that the leading eigenvectors miss (a feature uncorrelated with the others,
    whose variance is not among the ``rank`` largest eigenvalues) is nearly zero; it
    gets a small deterministic direction, so that every row has a direction.
    """
    w, Q = np.linalg.eigh(0.5 * (C + C.T))
    w, Q = w[::-1][:rank], Q[:, ::-1][:, :rank]
    N = Q * np.sqrt(np.maximum(w, 1e-6 * max(float(w[0]), 1e-300)))
    norms = np.linalg.norm(N, axis=1)
    weak = norms <= 1e-6 * max(float(norms.max()), 1e-300)
    if np.any(weak):
        jitter = np.random.default_rng(0).normal(size=(int(weak.sum()), rank))
        N[weak] += 1e-3 * float(norms.max()) * jitter
        norms = np.linalg.norm(N, axis=1)
    return N / norms[:, None]


def _clip_spectrum(S, floor, diagonal):
    """``S`` with its eigenvalues raised to ``floor`` and its diagonal reset."""
    w, Q = np.linalg.eigh(S)
    if w[0] >= floor:
        return S
    S = (Q * np.maximum(w, floor)) @ Q.T
    S = 0.5 * (S + S.T)
    np.fill_diagonal(S, diagonal)
    return S


def covariance_from_sketch(y, A, diagonal, *, rank=None, init=None, max_iter=200,
                           tol=1e-6):
    """A positive semi-definite covariance that reproduces rank-one measurements.

    Minimises ``||A(C) - y||² / ||y||²`` over ``C = V Vᵀ`` with ``V`` of shape
    ``(p, rank)`` and ``C_ii = diagonal_i`` (the rows of ``V`` are normalised to the
    norms ``sqrt(diagonal_i)``), by L-BFGS on ``V``. Each iteration costs two products
    of the ``p x m`` projections with a ``p x rank`` matrix.

    Parameters
    ----------
    y : ndarray of shape (m,)
        Centred measurements ``a_jᵀ Ĉ a_j``.
    A : ndarray of shape (p, m)
        The projection vectors as columns.
    diagonal : ndarray of shape (p,)
        The exact, positive variances ``Ĉ_ii``.
    rank : int, default=None
        Rank of the factor; ``None`` means ``p``. An empirical covariance of ``n``
        samples has rank at most ``n - 1``.
    init : ndarray of shape (p, p), default=None
        Starting covariance (its leading factor is used); default
        :func:`moment_estimate`.
    max_iter : int, default=200
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-6
        Stop when the relative residual ``||A(C) - y|| / ||y||`` falls below ``tol``
        (the products run in single precision: residuals stall near ``1e-6``).

    Returns
    -------
    covariance : ndarray of shape (p, p)
        Positive semi-definite, with the given diagonal.
    residual : float
        ``||A(C) - y|| / ||y||``.
    n_iter : int
        L-BFGS iterations.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.covariance import covariance_from_sketch, rank_one_forward
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(5, 8))                  # n = 5 samples, p = 8 features
    >>> C = np.cov(X, rowvar=False, bias=True)       # rank 4
    >>> A = rng.normal(size=(8, 30)) / np.sqrt(30)   # m = 30 < 36 entries
    >>> est, residual, _ = covariance_from_sketch(
    ...     rank_one_forward(A, C), A, np.diag(C), rank=4, max_iter=500, tol=1e-10)
    >>> bool(np.allclose(est, C, atol=1e-5))
    True
    """
    y = np.asarray(y, dtype=np.float64)
    A = np.asarray(A, dtype=np.float64)
    diagonal = np.asarray(diagonal, dtype=np.float64)
    p = A.shape[0]
    rank = p if rank is None else int(min(max(rank, 1), p))
    norm_y = max(float(y @ y), 1e-300)
    sd = np.sqrt(diagonal)
    if init is None:
        init = moment_estimate(y, A, diagonal)
    N0 = _leading_factor(init, rank)  # unit rows: L-BFGS starts at unit scale
    # the two products with the projections are the whole cost: single precision
    # BLAS is 2.7x faster (p = 200, m = 10050) and its rounding (1e-7 of a_jᵀ V)
    # stays below the fit's tolerance; residuals and gradients are summed in float64
    A32 = A.astype(np.float32)

    def fun(x):
        N = x.reshape(p, rank)
        norms = np.maximum(np.linalg.norm(N, axis=1), 1e-300)
        U = N / norms[:, None]
        B = (A32.T @ (sd[:, None] * U).astype(np.float32)).astype(np.float64)
        res = np.einsum("ij,ij->i", B, B) - y              # a_jᵀ V Vᵀ a_j - y_j
        G = A32 @ (res[:, None] * B).astype(np.float32)    # (1/4) d f / d V
        G = (4.0 * sd)[:, None] * G.astype(np.float64)
        G -= np.sum(G * U, axis=1)[:, None] * U            # through the normalisation
        G /= norms[:, None]
        return float(res @ res) / norm_y, G.ravel() / norm_y

    result = minimize(
        fun, N0.ravel(), jac=True, method="L-BFGS-B",
        options={"maxiter": int(max_iter), "ftol": 1e-2 * tol**2, "gtol": 1e-12 * tol},
    )
    N = result.x.reshape(p, rank)
    if not np.all(np.isfinite(N)):
        raise FloatingPointError("the sketch fit diverged (non-finite factor)")
    V = sd[:, None] * (N / np.maximum(np.linalg.norm(N, axis=1), 1e-300)[:, None])
    C = V @ V.T
    residual = float(np.linalg.norm(rank_one_forward(A, C) - y) / np.sqrt(norm_y))
    return C, residual, int(result.nit)


def decode_precision(y, A, diagonal, alpha, *, n_samples=None, max_iter=300, tol=1e-4,
                     max_rounds=10, inner_max_iter=100, inner_tol=1e-4,
                     precision_init=None, sketch_covariance=None, verbose=False):
    """Decode a sparse precision matrix from rank-one covariance measurements.

    See the module documentation for the method.

    Parameters
    ----------
    y : ndarray of shape (m,)
        Centred measurements ``a_jᵀ Ĉ a_j``.
    A : ndarray of shape (p, m)
        The projection vectors as columns.
    diagonal : ndarray of shape (p,)
        The exact variances ``Ĉ_ii`` (positive).
    alpha : float
        Off-diagonal ℓ1 penalty, in the units of
        :class:`sklearn.covariance.GraphicalLasso`.
    n_samples : int, default=None
        Number of samples the sketch averages (then ``Ĉ`` has rank at most
        ``n_samples - 1``); ``None``: unknown, full rank.
    max_iter : int, default=300
        L-BFGS iterations of the first fit to the sketch (each later projection gets a
        tenth, at least 10).
    tol : float, default=1e-4
        Relative tolerance: of the fit's residual (``tol / 100``, at least ``1e-5``:
        the fit's products run in single precision), and of the change of ``C``
        between rounds.
    max_rounds : int, default=10
        Maximum number of alternations of stage 2.
    inner_max_iter, inner_tol : int, float
        Budget and duality-gap tolerance of each graphical-lasso solve.
    precision_init : ndarray of shape (p, p), default=None
        Warm start of the first graphical-lasso solve (e.g. the solution at a nearby
        ``alpha``).
    sketch_covariance : ndarray of shape (p, p), default=None
        The stage-1 fit, when it was already computed (it does not depend on
        ``alpha``: a path or a cross-validation computes it once per sketch).
    verbose : bool, default=False
        Print the rounds.

    Returns
    -------
    covariance : ndarray of shape (p, p)
        ``Θ^{-1}``.
    precision : ndarray of shape (p, p)
        Positive definite.
    n_iter : int
        Rounds of stage 2 (0 when it does not run: ``n_samples <= p`` or
        ``m >= 0.9 dof``).
    residual : float
        Relative sketch residual ``||A(Σ) - y|| / ||y||`` of the decoded covariance
        (it includes the graphical lasso's own deviation from ``Ĉ``, at most ``alpha``
        per entry).
    fit_residual : float
        Relative residual of the last covariance ``C`` fitted to the sketch: well
        above ``tol / 100`` means that no positive semi-definite covariance was found
        to reproduce the sketch.
    converged : bool
        Whether the fit reached its tolerance and the rounds settled.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.covariance import (CovarianceSketcher, centred_sketch,
    ...                                  decode_precision, graphical_lasso)
    >>> from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
    >>> X = sample_gaussian_graph(500, make_sparse_precision(8, n_edges=6, random_state=0),
    ...                           random_state=0)
    >>> sketch = CovarianceSketcher(36, random_state=0).fit(X).sketch(X)  # m = p(p+1)/2
    >>> y, diag, _ = centred_sketch(sketch)
    >>> cov, prec, *_ = decode_precision(y, sketch.operator.projections_, diag, 0.1,
    ...                                  n_samples=500)
    >>> full = graphical_lasso(np.cov(X, rowvar=False, bias=True), 0.1)[1]
    >>> bool(np.array_equal(np.abs(prec) > 1e-8, np.abs(full) > 1e-8))
    True
    """
    A = np.asarray(A, dtype=np.float64)
    p, m = A.shape
    diagonal = np.asarray(diagonal, dtype=np.float64)
    rank = p if n_samples is None else int(min(p, max(int(n_samples) - 1, 1)))
    # the fit's products run in single precision: relative residuals of 1e-6 are
    # rounding, so its tolerance stops at 1e-5
    fit_tol = max(1e-2 * tol, 1e-5)
    fit_converged = True
    if sketch_covariance is None:
        C, fit_res, n_fit = covariance_from_sketch(y, A, diagonal, rank=rank,
                                                   max_iter=max_iter, tol=fit_tol)
        fit_converged = fit_res <= fit_tol
    else:
        C = np.asarray(sketch_covariance, dtype=np.float64)
        fit_res = float(np.linalg.norm(rank_one_forward(A, C) - y)
                        / max(np.linalg.norm(y), 1e-300))
    Sigma, Theta, _, _, inner_ok = solve_graphical_lasso(
        C, alpha, precision_init=precision_init, max_iter=inner_max_iter, tol=inner_tol)
    n_rounds = 0
    settled, stalled = True, False
    dof = degrees_of_freedom(p, rank)
    if rank == p and m < NEAR_DETERMINED * dof:
        settled = False
        support = np.abs(Theta) > 0
        # the projection onto the covariances that reproduce the sketch corrects the
        # m observed directions of Σ: about m / dof of each entry's deviation. Taking
        # `relax` times that correction keeps alpha in the units of the full-data
        # graphical lasso (without it, the off-diagonal entries come out shrunk by
        # that ratio and a large alpha empties the graph)
        relax = max(1.0, dof / m)
        floor = 1e-3 * float(diagonal.mean())
        for n_rounds in range(1, max_rounds + 1):
            C_fit, fit_res, _ = covariance_from_sketch(
                y, A, diagonal, rank=rank, init=Sigma, max_iter=max(10, max_iter // 10),
                tol=fit_tol)
            # an over-relaxed step the graphical lasso cannot solve (far outside the
            # positive-definite cone after clipping) is retried closer to the fit
            step = relax
            for _ in range(4):
                C_new = _clip_spectrum(Sigma + step * (C_fit - Sigma), floor, diagonal)
                try:
                    solved = solve_graphical_lasso(C_new, alpha, precision_init=Theta,
                                                   max_iter=inner_max_iter, tol=inner_tol)
                    break
                except (FloatingPointError, np.linalg.LinAlgError):
                    solved = None
                    step = 1.0 + 0.25 * (step - 1.0) if step > 1.0 else step
            if solved is None:
                stalled = True
                break
            relax = step  # later rounds start from the step that worked
            change = np.linalg.norm(C_new - C) / max(np.linalg.norm(C), 1e-300)
            C = C_new
            Sigma, Theta, _, _, inner_ok = solved
            new_support = np.abs(Theta) > 0
            if verbose:
                print(f"round {n_rounds}: change of C {change:.2e}, "
                      f"{int(new_support.sum() - p) // 2} edges, fit residual {fit_res:.1e}")
            stable = np.array_equal(new_support, support)
            support = new_support
            if stable and change <= tol:
                settled = True
                break
    if not np.all(np.isfinite(Theta)) or not cholesky(Theta)[1]:
        raise FloatingPointError(
            "the compressive decoder's precision matrix is not positive definite; "
            "increase alpha"
        )
    y_norm = max(float(np.linalg.norm(y)), 1e-300)
    residual = float(np.linalg.norm(rank_one_forward(A, Sigma) - y) / y_norm)
    converged = bool(settled and inner_ok and (fit_converged or fit_res <= fit_tol))
    if stalled:
        converged = False
    return Sigma, Theta, n_rounds, residual, float(fit_res), converged
