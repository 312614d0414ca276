"""The graphical-lasso objective and its duality gap (scikit-learn's definitions)."""

import numpy as np


def off_l1(X):
    """``Σ_{i≠j} |X_ij|``."""
    return np.abs(X).sum() - np.abs(np.diag(X)).sum()


def objective(S, X, logdet, alpha):
    """``-log det Θ + tr(S Θ) + alpha ||Θ||_{1,off}`` given ``log det Θ``."""
    return -logdet + float(np.sum(S * X)) + alpha * off_l1(X)


def duality_gap(S, precision, alpha):
    """Duality gap of the graphical lasso as scikit-learn computes it.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance.
    precision : ndarray of shape (p, p)
        A positive-definite precision matrix ``Θ``.
    alpha : float
        Off-diagonal penalty.

    Returns
    -------
    gap : float
        ``tr(S Θ) - p + alpha ||Θ||_{1,off}``: zero at the optimum (it is the gap
        between the primal objective at ``Θ`` and the dual objective at ``Θ^{-1}``).
    """
    p = S.shape[0]
    return float(np.sum(S * precision) - p + alpha * off_l1(precision))
