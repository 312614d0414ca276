"""Weight sequences of the sorted L1 norm."""

from numbers import Integral, Real

import numpy as np
from scipy.special import ndtri
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

LAMBDA_KINDS = ("bh", "gaussian", "oscar", "lasso")


@validate_params(
    {
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "kind": [StrOptions(set(LAMBDA_KINDS))],
        "q": [Interval(Real, 0, 1, closed="neither")],
        "n_samples": [Interval(Real, 0, None, closed="neither"), None],
        "theta1": [Interval(Real, 0, None, closed="left")],
        "theta2": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def lambda_sequence(
    n_features, kind="bh", q=0.1, n_samples=None, theta1=1.0, theta2=0.5
):
    r"""Return a standard non-increasing weight sequence for SLOPE.

    - ``"bh"`` (Benjamini-Hochberg): :math:`\lambda_j = \Phi^{-1}(1 - jq / (2p))`.
      With an orthogonal design and noise level :math:`\sigma`, SLOPE with
      :math:`\sigma\lambda` controls the false discovery rate at level ``q``.
    - ``"gaussian"``: the BH sequence corrected for the variance added by the
      selected features in a Gaussian design (Bogdan et al. 2015, section 3.2.2):
      :math:`\lambda_j = \lambda^{BH}_j \sqrt{1 + \sum_{k<j} \lambda_k^2 / (n - j)}`,
      kept non-increasing (flat from its first increase on). Needs ``n_samples``.
    - ``"oscar"``: :math:`\lambda_j = \theta_1 + (p - j)\theta_2` (Bondell and Reich).
    - ``"lasso"``: all ones (SLOPE reduces to the lasso).

    Parameters
    ----------
    n_features : int
        Length ``p`` of the sequence.
    kind : {"bh", "gaussian", "oscar", "lasso"}, default="bh"
        Family of the sequence.
    q : float, default=0.1
        Target false discovery rate, in (0, 1), for ``"bh"`` and ``"gaussian"``.
    n_samples : float, default=None
        Number of samples, required by ``"gaussian"`` (the sum of the sample weights
        for weighted data: frequency weights).
    theta1 : float, default=1.0
        Offset of the OSCAR sequence (>= 0).
    theta2 : float, default=0.5
        Slope of the OSCAR sequence (>= 0).

    Returns
    -------
    lambdas : ndarray of shape (n_features,)
        Non-negative, non-increasing weights.

    Examples
    --------
    >>> from skfrugal.proximal import lambda_sequence
    >>> lambda_sequence(4, "bh", q=0.2).round(3)
    array([1.96 , 1.645, 1.44 , 1.282])
    >>> lambda_sequence(3, "oscar", theta1=1.0, theta2=0.5)
    array([2. , 1.5, 1. ])
    """
    return lambda_sequence_unchecked(n_features, kind, q, n_samples, theta1, theta2)


def lambda_sequence_unchecked(n_features, kind="bh", q=0.1, n_samples=None, theta1=1.0,
                              theta2=0.5):
    """:func:`lambda_sequence` on parameters validated by the caller (an estimator's
    constraints): no per-call validation."""
    p = int(n_features)
    j = np.arange(1, p + 1)
    if kind == "lasso":
        return np.ones(p)
    if kind == "oscar":
        return theta1 + (p - j) * float(theta2)
    lam = -ndtri(j * q / (2.0 * p))  # the normal quantile Phi^-1(1 - jq/(2p))
    if kind == "bh":
        return lam
    if n_samples is None:
        raise ValueError("kind='gaussian' needs n_samples, got None")
    if not np.isfinite(n_samples) or n_samples < 2:
        raise ValueError(f"n_samples must be finite and >= 2 for kind='gaussian', got "
                         f"{n_samples}")
    out = lam.copy()
    sq = 0.0
    for k in range(1, p):
        sq += out[k - 1] ** 2
        if n_samples - k - 1 <= 0:
            out[k:] = out[k - 1]
            break
        corrected = lam[k] * np.sqrt(1.0 + sq / (n_samples - k - 1))
        if corrected > out[k - 1]:
            out[k:] = out[k - 1]
            break
        out[k] = corrected
    return out
