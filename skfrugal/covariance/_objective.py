"""The graphical-lasso objective and its duality gap (scikit-learn's definitions).

The penalty is ``Σ_ij A_ij |Θ_ij|`` for a symmetric non-negative matrix ``A`` (a
scalar ``alpha`` is ``A = alpha (11ᵀ - I)``, the off-diagonal penalty of scikit-learn).
An infinite ``A_ij`` forces ``Θ_ij = 0``; the products ``A_ij |Θ_ij|`` are summed over
the non-zeros of ``Θ`` only, so that ``inf * 0`` counts as 0.
"""

import numpy as np


def off_l1(X):
    """``Σ_{i≠j} |X_ij|``."""
    return np.abs(X).sum() - np.abs(np.diag(X)).sum()


def penalty_value(X, alpha):
    """``Σ_ij A_ij |X_ij|`` for a penalty matrix ``A``, or ``alpha Σ_{i≠j} |X_ij|``
    for a scalar (``inf * 0 = 0``)."""
    if np.ndim(alpha) == 0:
        return float(alpha) * off_l1(X)
    nz = X != 0
    return float(np.sum(alpha[nz] * np.abs(X[nz])))


def objective(S, X, logdet, alpha):
    """``-log det Θ + tr(S Θ) + Σ_ij A_ij |Θ_ij|`` given ``log det Θ``."""
    return -logdet + float(np.sum(S * X)) + penalty_value(X, alpha)


def duality_gap(S, precision, alpha):
    """Duality gap of the graphical lasso as scikit-learn computes it.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance.
    precision : ndarray of shape (p, p)
        A positive-definite precision matrix ``Θ``.
    alpha : float or ndarray of shape (p, p)
        Off-diagonal penalty, or penalty matrix.

    Returns
    -------
    gap : float
        ``tr(S Θ) - p + Σ_ij A_ij |Θ_ij|``: zero at the optimum (it is the gap
        between the primal objective at ``Θ`` and the dual objective at ``Θ^{-1}``).
        Every solver stops on it.
    """
    p = S.shape[0]
    return float(np.sum(S * precision) - p + penalty_value(precision, alpha))
