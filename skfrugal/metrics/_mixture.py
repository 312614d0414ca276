"""Mixture metrics: held-out log-likelihood and mixture-Wasserstein distance of diagonal GMMs."""

from numbers import Integral

import numpy as np
from scipy.special import logsumexp
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array


def _check_gmm(weights, means, covariances, name):
    means = check_array(means, dtype=np.float64, input_name=f"means{name}")
    K, d = means.shape
    weights = check_array(weights, dtype=np.float64, ensure_2d=False,
                          input_name=f"weights{name}")
    if weights.shape != (K,) or np.any(weights < 0):
        raise ValueError(
            f"weights{name} must be {K} non-negative finite numbers, got shape "
            f"{weights.shape}"
        )
    if not weights.sum() > 0:
        raise ValueError(f"weights{name} must have a positive sum, got all zeros")
    cov = check_array(covariances, dtype=np.float64, ensure_2d=False,
                      input_name=f"covariances{name}")
    if cov.shape == (K,):
        cov = np.repeat(cov[:, None], d, axis=1)
    if cov.shape != (K, d):
        raise ValueError(
            f"covariances{name} must be diagonal, of shape ({K}, {d}) or ({K},), got "
            f"shape {cov.shape}"
        )
    if not np.all(np.isfinite(cov)) or np.any(cov < 0):
        raise ValueError(f"covariances{name} must be finite and non-negative")
    return weights / weights.sum(), means, cov


@validate_params(
    {
        "X": ["array-like"],
        "weights": ["array-like"],
        "means": ["array-like"],
        "covariances": ["array-like"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def gmm_log_likelihood(X, weights, means, covariances, batch_size=65536):
    """Mean log-likelihood of samples under a Gaussian mixture with diagonal covariances.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples (read by batches, so a memmap is fine).
    weights : array-like of shape (n_components,)
        Mixture weights (normalised to sum to one).
    means : array-like of shape (n_components, n_features)
        Component means.
    covariances : array-like of shape (n_components, n_features) or (n_components,)
        Diagonal covariances, or one variance per component (spherical). Must be > 0.
    batch_size : int, default=65536
        Rows per batch.

    Returns
    -------
    log_likelihood : float
        ``(1/n) Σ_i log Σ_k w_k N(x_i | μ_k, diag(v_k))``, in nats per sample.

    Raises
    ------
    ValueError
        If an input holds NaN or infinity, the shapes disagree, a variance is not
        positive, or the log-likelihood is beyond the float64 range (samples about
        1e150 standard deviations from every component).

    Examples
    --------
    >>> from skfrugal.metrics import gmm_log_likelihood
    >>> round(gmm_log_likelihood([[0.0]], [1.0], [[0.0]], [1.0]), 4)  # -log √(2π)
    -0.9189
    """
    weights, means, cov = _check_gmm(weights, means, covariances, "")
    if np.any(cov <= 0):
        raise ValueError("covariances must be > 0 for a likelihood")
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub"):
        X = check_array(X, dtype=np.float64, input_name="X")
    n, d = X.shape
    if d != means.shape[1]:
        raise ValueError(f"X has {d} features, the mixture {means.shape[1]}")
    if n == 0:
        raise ValueError("X is empty (0 samples)")
    prec = 1.0 / cov
    const = (np.log(np.maximum(weights, 1e-300))
             - 0.5 * (d * np.log(2.0 * np.pi) + np.log(cov).sum(axis=1)
                      + np.einsum("kd,kd->k", means * means, prec)))
    mp = (means * prec).T
    total = 0.0
    for start in range(0, n, batch_size):
        xb = check_array(np.asarray(X[start:start + batch_size]), dtype=np.float64,
                         input_name="X")
        with np.errstate(over="ignore", invalid="ignore"):
            lp = const[None, :] + xb @ mp - 0.5 * ((xb * xb) @ prec.T)
            total += float(logsumexp(lp, axis=1).sum())
    if not np.isfinite(total):
        raise ValueError(
            "the log-likelihood is beyond the float64 range: the samples are too far from "
            "every component (or the data too large) for their densities to be represented"
        )
    return total / n


@validate_params(
    {name: ["array-like"] for name in ("weights1", "means1", "covariances1", "weights2",
                                       "means2", "covariances2")},
    prefer_skip_nested_validation=True,
)
def mixture_wasserstein(weights1, means1, covariances1, weights2, means2, covariances2):
    """Mixture-Wasserstein distance MW₂ between two Gaussian mixtures with diagonal covariances.

    The optimal transport distance between the mixtures restricted to couplings that
    are themselves Gaussian mixtures (Delon and Desolneux 2020): a discrete transport
    between the components, with cost the squared 2-Wasserstein distance between
    Gaussians, ``‖μ - μ'‖² + ‖√v - √v'‖²`` for diagonal covariances. Solved exactly
    with POT's :func:`ot.emd2`; equals :func:`ot.gmm.gmm_ot_loss` on diagonal
    covariance matrices.

    Parameters
    ----------
    weights1, means1, covariances1 : array-like
        First mixture: weights of shape (K1,), means (K1, d), diagonal covariances
        (K1, d) or spherical (K1,).
    weights2, means2, covariances2 : array-like
        Second mixture (K2 components).

    Returns
    -------
    distance : float
        ``MW₂`` (the square root of the transport cost), in the data's units.

    Examples
    --------
    >>> from skfrugal.metrics import mixture_wasserstein
    >>> mixture_wasserstein([1.0], [[0.0, 0.0]], [[1.0, 1.0]],
    ...                     [1.0], [[3.0, 4.0]], [[1.0, 1.0]])
    5.0
    """
    import ot

    w1, m1, c1 = _check_gmm(weights1, means1, covariances1, "1")
    w2, m2, c2 = _check_gmm(weights2, means2, covariances2, "2")
    if m1.shape[1] != m2.shape[1]:
        raise ValueError(
            f"the mixtures have different dimensions: {m1.shape[1]} and {m2.shape[1]}"
        )
    s1, s2 = np.sqrt(c1), np.sqrt(c2)
    # in units of the largest mean or standard deviation: no overflow or underflow of
    # the squared distances anywhere in the float64 range
    unit = max(float(np.max(np.abs(a))) for a in (m1, m2, s1, s2)) or 1.0
    m1, m2, s1, s2 = m1 / unit, m2 / unit, s1 / unit, s2 / unit
    cost = (((m1[:, None, :] - m2[None, :, :]) ** 2).sum(axis=2)
            + ((s1[:, None, :] - s2[None, :, :]) ** 2).sum(axis=2))
    return float(np.sqrt(max(float(ot.emd2(w1, w2, cost)), 0.0)) * unit)
