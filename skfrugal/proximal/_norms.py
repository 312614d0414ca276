"""The sorted L1 norm and its dual norm."""

import numpy as np
from sklearn.utils._param_validation import validate_params

from skfrugal.proximal._prox import check_lambdas, check_vector


@validate_params({"x": ["array-like"], "lambdas": ["array-like"]},
                 prefer_skip_nested_validation=True)
def sorted_l1_norm(x, lambdas):
    r"""Return the sorted L1 norm :math:`J_\lambda(x) = \sum_i \lambda_i |x|_{(i)}`.

    Parameters
    ----------
    x : array-like of shape (p,)
        Vector.
    lambdas : array-like of shape (p,)
        Non-negative, non-increasing weights.

    Returns
    -------
    norm : float

    See Also
    --------
    sorted_l1_dual_norm : Its dual norm.

    Examples
    --------
    >>> from skfrugal.proximal import sorted_l1_norm
    >>> sorted_l1_norm([1.0, -3.0, 2.0], [3.0, 2.0, 1.0])
    14.0
    """
    x = check_vector(x, "x")
    lam = check_lambdas(lambdas, x.shape[0])
    return float(np.sort(np.abs(x))[::-1] @ lam)


@validate_params({"x": ["array-like"], "lambdas": ["array-like"]},
                 prefer_skip_nested_validation=True)
def sorted_l1_dual_norm(x, lambdas):
    r"""Return the dual norm of the sorted L1 norm.

    :math:`J^*_\lambda(x) = \max_k \sum_{j \le k} |x|_{(j)} / \sum_{j \le k}
    \lambda_j`. For SLOPE regression, ``sorted_l1_dual_norm(X.T @ y / n, lambdas)``
    is the smallest ``alpha`` for which the solution is zero.

    Parameters
    ----------
    x : array-like of shape (p,)
        Vector.
    lambdas : array-like of shape (p,)
        Non-negative, non-increasing weights, ``lambdas[0] > 0``.

    Returns
    -------
    norm : float
        ``inf`` when a prefix of ``lambdas`` sums to zero while ``x`` has a non-zero
        entry there.

    See Also
    --------
    sorted_l1_norm : The primal norm.

    Examples
    --------
    >>> from skfrugal.proximal import sorted_l1_dual_norm
    >>> sorted_l1_dual_norm([1.0, -3.0, 2.0], [3.0, 2.0, 1.0])
    1.0
    """
    x = check_vector(x, "x")
    lam = check_lambdas(lambdas, x.shape[0])
    if lam[0] <= 0:
        raise ValueError(f"lambdas[0] must be > 0 for the dual norm, got {lam[0]:g}")
    return dual_norm_unchecked(x, lam)


def dual_norm_unchecked(x, lam):
    """Dual sorted L1 norm on validated arrays."""
    cx = np.cumsum(np.sort(np.abs(x))[::-1])
    cl = np.cumsum(lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cl > 0, cx / np.where(cl > 0, cl, 1.0), np.where(cx > 0, np.inf, 0.0))
    return float(ratio.max())
