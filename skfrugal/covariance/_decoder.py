"""The compressive graphical-lasso decoder: graphical lasso as a denoiser of sketch steps.

Given rank-one measurements ``y_j = a_jᵀ Ĉ a_j`` (``j = 1..m``, ``a_j ~ N(0, I/m)``) and
the exact diagonal ``diag(Ĉ)`` (the sketch keeps per-feature moments), the decoder
minimises over precision matrices ``Θ ≻ 0``

    F(Θ) = (m/4) ||A(Θ^{-1}) - y||² + alpha Σ_{i≠j} |Θ_ij|,     A(Σ)_j = a_jᵀ Σ a_j,

by Bregman (-log det) proximal-gradient steps (Vayer et al., arXiv:2311.04673):

    G = (m/2) offdiag(A*(A(Σ) - y)),   S = Σ - γ G,   Θ = glasso(S, γ alpha),  Σ = Θ^{-1}.

Because ``E[(m/2) A*A(Δ)] = Δ + tr(Δ) I / 2``, the scaled gradient is, on the
off-diagonal entries, an unbiased preconditioned step (the trace direction that
dominates the Lipschitz constant acts on the diagonal only, which we do not
estimate: it is pinned to the exact variances). Its fixed points satisfy
``Σ - Ĉ ≈ alpha Z`` with ``Z ∈ ∂||Θ||_{1,off}``: the optimality condition of
:class:`sklearn.covariance.GraphicalLasso` at the same ``alpha``, so ``alpha`` has
the same units in the compressive and full-data estimators.

The iteration is a fixed-point map (its fixed points are not exactly the minimisers of
``F``, whose Θ-gradient is ``-Σ G Σ``), so ``F`` need not decrease monotonically.
Safeguards: the spectrum of ``S`` is clipped from below before the inner solve (it can
be indefinite); ``γ`` is backtracked when the inner solve fails or ``F`` exceeds its
largest value over the last ten iterations (a non-monotone rule, Grippo et al. 1986),
and grows back after a success; the inner solver is warm-started
from the current ``Θ``; the decoder stops on the relative change of ``Σ``. A decoder
that cannot make an acceptable step stops with a ``ConvergenceWarning`` on its last
accepted iterate, and a precision that is not positive definite raises
``FloatingPointError``: it is never returned.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skfrugal.covariance._quic import _cholesky, graphical_lasso_quic


def rank_one_forward(A, Sigma):
    """``A(Σ)_j = a_jᵀ Σ a_j`` for the columns ``a_j`` of ``A``."""
    return np.einsum("ij,ij->j", A, Sigma @ A)


def rank_one_adjoint(A, r):
    """``A*(r) = Σ_j r_j a_j a_jᵀ = A diag(r) Aᵀ``."""
    return (A * r) @ A.T


def _offdiag_l1(X):
    return np.abs(X).sum() - np.abs(np.diag(X)).sum()


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


def decode_precision(y, A, diagonal, alpha, *, max_iter=100, tol=1e-4,
                     inner_max_iter=100, inner_tol=1e-4, precision_init=None,
                     spectrum_floor=1e-3, window=10, verbose=False):
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
        Budget of the inner graphical-lasso solves.
    precision_init : ndarray of shape (p, p), default=None
        Warm start; default ``diag(1 / diagonal)``.
    spectrum_floor : float, default=1e-3
        Eigenvalues of the inner problem's ``S`` are clipped to at least
        ``spectrum_floor * mean(diagonal)``.
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
    if precision_init is not None and _cholesky(precision_init)[1]:
        Theta = np.array(precision_init, dtype=np.float64)
        c, _ = _cholesky(Theta)
        Sigma = np.linalg.inv(Theta)
        Sigma = 0.5 * (Sigma + Sigma.T)
    else:
        Theta = np.diag(1.0 / diagonal)
        Sigma = np.diag(diagonal)
    r = rank_one_forward(A, Sigma) - y
    gamma = 1.0
    converged = False
    n_iter = 0
    obj = 0.25 * m * float(r @ r) + alpha * _offdiag_l1(Theta)
    history = [obj]
    gamma_max, last_change = 1.0, np.inf
    for n_iter in range(1, max_iter + 1):
        G = 0.5 * m * rank_one_adjoint(A, r)
        np.fill_diagonal(G, 0.0)
        accepted = False
        for _ in range(8):
            S = Sigma - gamma * G
            np.fill_diagonal(S, diagonal)
            S = _clip_spectrum(S, floor)
            try:
                Sig_new, Th_new, _, _, _ = graphical_lasso_quic(
                    S, gamma * alpha, precision_init=Theta, max_iter=inner_max_iter,
                    tol=inner_tol, solver="quic",
                )
            except (FloatingPointError, np.linalg.LinAlgError, ValueError):
                gamma *= 0.5
                continue
            r_new = rank_one_forward(A, Sig_new) - y
            obj_new = 0.25 * m * float(r_new @ r_new) + alpha * _offdiag_l1(Th_new)
            # the iteration is a fixed-point map, not a descent method on F:
            # non-monotone acceptance against the worst of the last `window` values
            reference = max(history[-window:])
            if np.isfinite(obj_new) and (n_iter == 1 or obj_new <= reference):
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
        change = np.linalg.norm(Sig_new - Sigma) / max(np.linalg.norm(Sig_new), 1e-300)
        Sigma, Theta, r = Sig_new, Th_new, r_new
        history.append(obj_new)
        if verbose:
            print(f"iter {n_iter}: step {gamma:.3g}, change {change:.2e}, "
                  f"residual {np.linalg.norm(r):.4g}")
        if change <= tol:
            converged = True
            break
        # damping: an iteration that moves more than the previous one oscillates
        # (γ beyond the map's contraction range on the null space of A): halve γ
        # for the next step; otherwise let it grow back slowly
        if change > last_change:
            gamma_max = max(gamma_max * 0.5, 1e-3)
        gamma = min(gamma_max, 1.25 * gamma)
        last_change = change
    if not np.all(np.isfinite(Theta)) or not _cholesky(Theta)[1]:
        raise FloatingPointError(
            "the compressive decoder diverged: its precision matrix is not positive "
            "definite; increase alpha or the sketch size"
        )
    residual = float(np.linalg.norm(r) / max(np.linalg.norm(y), 1e-300))
    return Sigma, Theta, n_iter, residual, converged
