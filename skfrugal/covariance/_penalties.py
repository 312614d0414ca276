"""Non-convex penalties (MCP, SCAD) by local linear approximation on the weighted solver.

The local linear approximation (LLA; Zou & Li 2008, Fan, Feng & Wu 2009) minimises
``-log det Θ + tr(S Θ) + Σ_{i≠j} P(|Θ_ij|)`` for a concave penalty ``P`` by a
sequence of weighted graphical lassos: starting from the ℓ1 solution, the weights are
the derivatives ``P'(|Θ_ij|)`` at the current estimate. Each step is a
majorisation-minimisation step (the objective does not increase), and a fixed point
``Θ = argmin weighted(P'(|Θ|))`` satisfies the first-order conditions of the
non-convex problem. Large entries get a small (MCP: zero) weight, hence the smaller
bias than the ℓ1 penalty.

Units. ``|Θ_ij|`` has the units of ``1 / S`` and ``λ = A_ij`` those of ``S``: the
derivative is evaluated at ``T_ij = S_ii S_jj |Θ_ij|`` (in correlation units, the
entry is ``d_ij |Θ_ij|`` and the penalty ``A_ij / d_ij``, ``d_ij = sqrt(S_ii S_jj)``;
back in the units of ``S``, ``d_ij P'_{A_ij / d_ij}(d_ij |Θ_ij|) = P'_{A_ij}(T_ij)``
for MCP and SCAD). On standardised data (unit variances) this is the textbook
``P'_λ(|Θ_ij|)``; in general ``gamma`` and ``a`` are dimensionless, and rescaling the
data rescales ``alpha`` exactly as for the ℓ1 penalty.
"""

import numpy as np

PENALTIES = ("l1", "mcp", "scad")


def penalty_derivative(T, A, penalty, gamma=3.0, a=3.7):
    """Derivative ``P'_A(T)`` of the penalty at ``T >= 0``, elementwise.

    Parameters
    ----------
    T : ndarray
        Points (non-negative).
    A : ndarray or float
        Penalty levels ``λ`` (``inf`` stays ``inf``).
    penalty : {"l1", "mcp", "scad"}
        ``"l1"``: ``λ``; ``"mcp"``: ``max(λ - T / gamma, 0)`` (Zhang 2010);
        ``"scad"``: ``λ`` for ``T <= λ``, ``max(a λ - T, 0) / (a - 1)`` beyond
        (Fan & Li 2001).
    gamma : float, default=3.0
        MCP concavity (``> 0``; the weight vanishes from ``T = gamma λ`` on).
    a : float, default=3.7
        SCAD parameter (``> 2``; the weight vanishes from ``T = a λ`` on).

    Returns
    -------
    weights : ndarray
    """
    T = np.asarray(T, dtype=np.float64)
    A = np.broadcast_to(np.asarray(A, dtype=np.float64), T.shape)
    if penalty == "l1":
        return np.array(A)
    if penalty == "mcp":
        return np.maximum(A - T / gamma, 0.0)
    with np.errstate(invalid="ignore"):  # inf - inf where A is infinite
        beyond = np.maximum(a * A - T, 0.0) / (a - 1.0)
    return np.where(T <= A, A, beyond)


def lla_weights(precision, A, variances, penalty, gamma, a):
    """Penalty matrix of the next LLA step at ``precision``.

    Off the diagonal, ``P'_{A_ij}(S_ii S_jj |Θ_ij|)`` (see the module docstring for
    the units); the diagonal of ``A`` is kept (the diagonal penalty stays linear).
    """
    T = np.abs(precision) * np.outer(variances, variances)
    W = penalty_derivative(T, A, penalty, gamma, a)
    np.fill_diagonal(W, np.diag(A))
    return W
