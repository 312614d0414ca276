"""ADMM for the graphical lasso, in correlation units (the last-resort fallback)."""

import numpy as np

from skfrugal.covariance._exceptions import NotPositiveDefiniteError
from skfrugal.covariance._linalg import cholesky, inverse_from_cholesky
from skfrugal.covariance._objective import duality_gap


def admm_block(S, A, X0, max_iter, tol):
    """ADMM on the standardised block (robust when QUIC's inner problem is too ill-posed).

    The problem is rewritten in correlation units, ``Θ' = D Θ D`` with
    ``D = diag(sqrt(S_ii))``, where the penalty becomes ``A_ij / (d_i d_j)``; this
    makes the ADMM penalty parameter ``rho`` scale-free. ``rho`` is adapted by residual
    balancing (Boyd et al. 2011, §3.4.1). Returns (Θ, W, n_iter, gap, converged).
    """
    p = S.shape[0]
    d = np.sqrt(np.diag(S))
    dd = np.outer(d, d)
    R = S / dd
    An = A / dd
    np.fill_diagonal(An, 0.0)
    Z = np.asarray(X0, dtype=np.float64) * dd
    rho = 1.0
    c, ok = cholesky(Z)
    U = (inverse_from_cholesky(c) - R) / rho if ok else np.zeros((p, p))
    if not ok:
        Z = np.eye(p)
    best = (None, None, np.inf)
    n_iter = 0
    T = None
    for n_iter in range(1, max_iter + 1):
        try:
            w, Q = np.linalg.eigh(rho * (Z - U) - R)
        except np.linalg.LinAlgError:  # a non-finite iterate: ADMM diverged
            break
        theta = (w + np.sqrt(w * w + 4.0 * rho)) / (2.0 * rho)
        T = (Q * theta) @ Q.T
        V = T + U
        Z_old = Z
        Z = np.sign(V) * np.maximum(np.abs(V) - An / rho, 0.0)
        U = V - Z
        if n_iter % 5 == 0 or n_iter == max_iter:
            P = Z / dd
            c, ok = cholesky(P)
            if ok:
                gap = duality_gap(S, P, A)
                if abs(gap) < abs(best[2]):
                    best = (P, c, gap)
                if abs(gap) <= tol:
                    break
        r = np.linalg.norm(T - Z)
        s = rho * np.linalg.norm(Z - Z_old)
        if r > 10.0 * s:
            rho *= 2.0
            U *= 0.5
        elif s > 10.0 * r:
            rho *= 0.5
            U *= 2.0
    P, c, gap = best
    if P is None and T is None:
        raise NotPositiveDefiniteError("ADMM diverged (non-finite iterates)")
    if P is None:  # Z never positive definite: return the (dense, PD) Θ iterate
        P = T / dd
        P = 0.5 * (P + P.T)
        c, ok = cholesky(P)
        if not ok:
            raise NotPositiveDefiniteError("ADMM did not produce a positive-definite matrix")
        gap = duality_gap(S, P, A)
    return P, inverse_from_cholesky(c), n_iter, gap, abs(gap) <= tol
