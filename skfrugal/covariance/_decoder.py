"""The compressive graphical-lasso decoder: graphical lasso as a denoiser of sketch steps.

Given rank-one measurements ``y_j = a_jᵀ Ĉ a_j`` (``j = 1..m``, ``a_j ~ N(0, I/m)``) and
the exact diagonal ``diag(Ĉ)`` (the sketch keeps per-feature moments), the decoder
minimises over precision matrices ``Θ ≻ 0``

    F(Θ) = (m/4) ||A(Θ^{-1}) - y||² + alpha Σ_{i≠j} |Θ_ij|,     A(Σ)_j = a_jᵀ Σ a_j,

by Bregman (-log det) proximal-gradient steps (Vayer et al., arXiv:2311.04673) with a
least-squares preconditioner:

    D ≈ H⁺ offdiag(A*(A(Σ) - y)),   H = offdiag ∘ A*A on zero-diagonal matrices,
    S = Σ - γ c D,   Θ = glasso(S, γ alpha),  Σ = Θ^{-1},   c = max(1, p(p-1) / (2m)).

``D`` is computed by a few conjugate-gradient steps on ``H D = b``, warm-started from
the previous outer iteration (so the solve becomes exact as the outer iteration
settles). With ``m ≥ p(p-1)/2`` measurements ``H`` is invertible, ``D = Σ - Ĉ``
exactly, and the fixed points are those of :class:`sklearn.covariance.GraphicalLasso`
on the full-data covariance at the same ``alpha`` (the unpreconditioned gradient
``(m/2) A*A(Σ - Ĉ)`` measures the data fit in the random ``A*A`` metric instead, which
cost 15% of edge F1 at ``m = p(p+1)/2``). Below, ``D`` is the projection of ``Σ - Ĉ``
on the ``m``-dimensional row space of ``A`` (``m / (p(p-1)/2)`` of the identity on
average, hence the factor ``c``, which keeps ``alpha`` in the units of
:class:`sklearn.covariance.GraphicalLasso`): a step with ``γ c = 1`` replaces the
observed part of ``Σ`` by the data and keeps the unobserved part, and the graphical
lasso fills it in. ``cg_iter=0`` gives the unpreconditioned step
``(m/2) offdiag(A*(A(Σ) - y))`` (``E[(m/2) A*A(Δ)] = Δ + tr(Δ) I / 2``).

The iteration is a fixed-point map (its fixed points are not exactly the minimisers of
``F``), so ``F`` need not decrease monotonically.

Safeguards: the spectrum of ``S`` is clipped from below before the inner solve (it can
be indefinite); ``γ`` is backtracked when the inner solve fails, or when ``F`` exceeds
its largest value over the last ten iterations (a non-monotone rule, Grippo et al.
1986) while the step moves ``Σ`` more than the previous one; it is halved for the next
step when both happen, and grows back after a success; the inner solver is
warm-started from the current ``Θ``; the decoder stops when the relative change of
``Σ`` per unit step falls below ``tol``. A decoder
that cannot make an acceptable step stops with a ``ConvergenceWarning`` on its last
accepted iterate, and a precision that is not positive definite raises
``FloatingPointError``: it is never returned.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skfrugal.covariance._linalg import cholesky
from skfrugal.covariance._objective import off_l1
from skfrugal.covariance._solver import solve_graphical_lasso


def rank_one_forward(A, Sigma):
    """``A(Σ)_j = a_jᵀ Σ a_j`` for the columns ``a_j`` of ``A``."""
    return np.einsum("ij,ij->j", A, Sigma @ A)


def rank_one_adjoint(A, r):
    """``A*(r) = Σ_j r_j a_j a_jᵀ = A diag(r) Aᵀ``."""
    return (A * r) @ A.T


def _clip_spectrum(S, floor):
    w, Q = np.linalg.eigh(S)
    if w[0] >= floor:
        return S
    w = np.maximum(w, floor)
    S = (Q * w) @ Q.T
    return 0.5 * (S + S.T)


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


def _gram_offdiag(A, D):
    """``offdiag(A*(A(D)))``: the normal operator of ``A`` on zero-diagonal matrices."""
    out = rank_one_adjoint(A, rank_one_forward(A, D))
    np.fill_diagonal(out, 0.0)
    return out


def _cg_normal(A, b, x, n_iter):
    """``n_iter`` conjugate-gradient steps on ``offdiag(A*A)(x) = b`` from ``x``.

    ``b`` lies in the range of the (symmetric, positive semi-definite) operator; when
    ``x`` does too, the iterates stay there, so on a singular operator (``m`` below
    the ``p(p-1)/2`` off-diagonal unknowns) CG converges to the minimum-norm
    solution: the least-squares projection onto the row space of ``A``.
    """
    r = b - _gram_offdiag(A, x)
    rs = float(np.vdot(r, r))
    stop = 1e-24 * float(np.vdot(b, b))
    d = r.copy()
    for _ in range(n_iter):
        if rs <= stop:
            break
        Hd = _gram_offdiag(A, d)
        curv = float(np.vdot(d, Hd))
        if curv <= 0:
            break
        step = rs / curv
        x = x + step * d
        r = r - step * Hd
        rs_new = float(np.vdot(r, r))
        d = r + (rs_new / rs) * d
        rs = rs_new
    return x


def decode_precision(y, A, diagonal, alpha, *, max_iter=100, tol=1e-4,
                     inner_max_iter=100, inner_tol=1e-4, precision_init=None,
                     spectrum_floor=1e-3, window=10, cg_iter=5, verbose=False):
    """Decode a sparse precision matrix from rank-one covariance measurements.

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
    max_iter : int, default=100
        Maximum number of outer (proximal-gradient) iterations.
    tol : float, default=1e-4
        Stop when ``||Σ_k - Σ_{k-1}||_F <= tol ||Σ_k||_F``.
    inner_max_iter, inner_tol : int, float
        Budget of the inner graphical-lasso solves (duality gap
        ``min(inner_tol, tol)``).
    precision_init : ndarray of shape (p, p), default=None
        Warm start; default ``diag(1 / diagonal)``.
    spectrum_floor : float, default=1e-3
        Eigenvalues of the inner problem's ``S`` are clipped to at least
        ``spectrum_floor * mean(diagonal)``.
    cg_iter : int, default=5
        Conjugate-gradient steps of the least-squares preconditioner per outer
        iteration (warm-started); 0 takes the plain gradient ``(m/2) A*(A(Σ) - y)``.
    window : int, default=10
        Non-monotone acceptance: a step is accepted when ``F`` is below its largest
        value over the last ``window`` iterations (the first step always is).
    verbose : bool, default=False
        Print the objective at each iteration.

    Returns
    -------
    covariance : ndarray of shape (p, p)
    precision : ndarray of shape (p, p)
        Positive definite.
    n_iter : int
    residual : float
        Relative sketch residual ``||A(Σ) - y|| / ||y||``.
    converged : bool
    """
    p, m = A.shape
    diagonal = np.asarray(diagonal, dtype=np.float64)
    floor = spectrum_floor * float(diagonal.mean())
    if precision_init is not None and cholesky(precision_init)[1]:
        Theta = np.array(precision_init, dtype=np.float64)
        Sigma = np.linalg.inv(Theta)
        Sigma = 0.5 * (Sigma + Sigma.T)
    else:
        Theta = np.diag(1.0 / diagonal)
        Sigma = np.diag(diagonal)
    r = rank_one_forward(A, Sigma) - y
    n_off = p * (p - 1) // 2
    # scale of the least-squares direction: below n_off measurements it is a projection
    # onto an m-dimensional subspace, (m / n_off) of the identity on average
    scale = max(1.0, n_off / m) if cg_iter > 0 else 1.0
    gamma = 1.0 / scale
    D = np.zeros((p, p))
    converged = False
    n_iter = 0
    obj = 0.25 * m * float(r @ r) + alpha * off_l1(Theta)
    history = [obj]
    gamma_max, last_change = 1.0 / scale, np.inf
    for n_iter in range(1, max_iter + 1):
        if cg_iter > 0:
            b = rank_one_adjoint(A, r)
            np.fill_diagonal(b, 0.0)
            if n_iter == 1:
                D = (0.5 * m / scale) * b  # the unpreconditioned step, in the range
            D = _cg_normal(A, b, D, cg_iter)
            G = scale * D
        else:
            G = 0.5 * m * rank_one_adjoint(A, r)
            np.fill_diagonal(G, 0.0)
        accepted = False
        for _ in range(8):
            S = Sigma - gamma * G
            np.fill_diagonal(S, diagonal)
            S = _clip_spectrum(S, floor)
            try:
                Sig_new, Th_new, _, _, _ = solve_graphical_lasso(
                    S, gamma * alpha, precision_init=Theta, max_iter=inner_max_iter,
                    tol=min(inner_tol, tol), solver="quic",
                )
            except (FloatingPointError, np.linalg.LinAlgError, ValueError):
                gamma *= 0.5
                continue
            r_new = rank_one_forward(A, Sig_new) - y
            obj_new = 0.25 * m * float(r_new @ r_new) + alpha * off_l1(Th_new)
            change = np.linalg.norm(Sig_new - Sigma) / max(np.linalg.norm(Sig_new), 1e-300)
            # the iteration is a fixed-point map, not a descent method on F:
            # accept a step that decreases F against the worst of the last `window`
            # values (non-monotone), or that moves less than the previous one (the
            # map contracts towards its fixed point, which need not minimise F)
            reference = max(history[-window:])
            if np.isfinite(obj_new) and (n_iter == 1 or obj_new <= reference
                                         or change <= last_change):
                accepted = True
                break
            gamma *= 0.5
        if not accepted and last_change <= 100.0 * tol:
            # near a fixed point the map need not decrease F any more: stop there
            converged = True
            break
        if not accepted:
            warnings.warn(
                f"the compressive decoder could not make an acceptable step at iteration "
                f"{n_iter} (step size below {gamma:.1e}); returning the last accepted "
                "positive-definite iterate",
                ConvergenceWarning,
                stacklevel=3,
            )
            break
        Sigma, Theta, r = Sig_new, Th_new, r_new
        history.append(obj_new)
        if verbose:
            print(f"iter {n_iter}: step {gamma:.3g}, change {change:.2e}, "
                  f"residual {np.linalg.norm(r):.4g}")
        # the change per unit step: a short step moving little is no convergence
        if change <= tol * min(1.0, gamma * scale):
            converged = True
            break
        # damping: an iteration that moves more than the previous one while F grows
        # oscillates (γ beyond the map's contraction range on the null space of A):
        # halve γ for the next step; otherwise let it grow back slowly
        if change > last_change and obj_new > history[-2]:
            gamma_max = max(gamma_max * 0.5, 1e-3 / scale)
        gamma = min(gamma_max, 1.25 * gamma)
        last_change = change
    if not np.all(np.isfinite(Theta)) or not cholesky(Theta)[1]:
        raise FloatingPointError(
            "the compressive decoder diverged: its precision matrix is not positive "
            "definite; increase alpha or the sketch size"
        )
    residual = float(np.linalg.norm(r) / max(np.linalg.norm(y), 1e-300))
    return Sigma, Theta, n_iter, residual, converged
