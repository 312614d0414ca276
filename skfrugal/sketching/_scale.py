"""Estimation of the sketch scale (the mean intra-cluster variance) from a small sample."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from skfrugal.sketching._features import sketch_chunk
from skfrugal.sketching._frequencies import draw_frequencies

#: Grids of the fits, in log space around the current scale ``σ̄²`` (for ``s``) and
#: the data's variance (for ``τ``): ranges, then points per range
_S_RANGE, _TAU_RANGE = (1e-4, 1e4), (1e-4, 1e3)
_S_POINTS, _TAU_POINTS, _BLOB_POINTS = 81, 57, 161
#: Zoom rounds around the best grid point (each: 9 points over ±1 cell per axis)
_ZOOMS = 5


def _subsample(rng, n_total, size):
    """Sorted indices of ``size`` distinct rows of ``n_total``, uniformly at random.

    ``RandomState.choice(n, size, replace=False)`` permutes all ``n`` indices (30 ms
    for a chunk of 1e6 rows, more than the rest of the estimate); when ``size`` is a
    small share of ``n_total``, distinct indices among a few more uniform draws are a
    uniform random subset, of which ``size`` are kept at random.
    """
    if 4 * size > n_total:
        return np.sort(rng.choice(n_total, size, replace=False))
    drawn = np.unique(rng.randint(0, n_total, size=size + size // 8 + 16))
    while drawn.shape[0] < size:
        drawn = np.union1d(drawn, rng.randint(0, n_total, size=size))
    return np.sort(rng.choice(drawn, size, replace=False))


def _blob_costs(r2, mean_power, weights, s):
    """Half the weighted squared residual of ``exp(-r² s)`` for each ``s``."""
    res = (np.exp(-np.outer(s, r2)) - mean_power) * weights
    return 0.5 * np.einsum("ij,ij->i", res, res)


def _cluster_costs(r2, mean_power, weights, tau, s, amp_min):
    """Half the weighted squared residual of the clusters' model on the grid ``τ × s``.

    For fixed ``(τ, s)`` the model ``e^{-r² s} (e^{-r² τ} + A (1 - e^{-r² τ}))`` is
    affine in ``A``, the residual ``v + A u``: its least-squares ``A``, clipped to
    ``[amp_min, 1]``, is exact. The sums over blocks ``u·u``, ``u·v`` and ``v·v``
    expand into products of ``(τ, block)`` and ``(block, s)`` matrices.
    """
    a = weights * weights
    decay = np.exp(-np.outer(r2, s))  # (block, s)
    inter = np.exp(-np.outer(tau, r2))  # (τ, block)
    e2 = a[:, None] * decay * decay
    pe = (a * mean_power)[:, None] * decay
    rest = 1.0 - inter
    uu = (rest * rest) @ e2
    uv = (inter * rest) @ e2 - rest @ pe
    vv = (inter * inter) @ e2 - 2.0 * (inter @ pe) + float(a @ (mean_power * mean_power))
    amp = np.clip(-uv / np.where(uu > 0, uu, 1.0), amp_min, 1.0)
    return 0.5 * np.maximum(vv + amp * (2.0 * uv + amp * uu), 0.0)


def _zoom(best, cell):
    """9 points over ``best ± cell`` (the next, finer grid around a grid's best point)."""
    return best + np.linspace(-cell, cell, 9)


def _fit_decay(radius2, power, n, n_blocks, scale, scale0, amp_min=0.0):
    """Fit the block-mean power; return the intra-cluster variance ``s``.

    Two models are fitted by weighted least squares, each block weighted by the
    inverse of the standard error of its mean power (floored at 3% of the power, the
    model error we accept, and at the sampling noise ``1/n``):

    - one cluster: ``exp(-r² s)``;
    - clusters: ``(A + (1 - A) exp(-r² τ)) exp(-r² s)``.

    Both are minimised globally on log-spaced grids (``s`` from 1e-4 to 1e4 times the
    current scale, ``τ`` from 1e-4 to 1e3 times the data's variance ``scale0``: beyond,
    ``exp(-r² τ)`` is 0 or 1 on every block), ``A`` solved in closed form for each
    ``(τ, s)``, then refined by zooming on the best point (relative precision 1e-4).
    A local least-squares solver, started from a few points, depended on its path: with
    other Jacobians it ran off to ``τ = 1e120`` on a small three-cluster sample.

    The second model is kept only when it fits significantly better (a drop of the
    chi-square by more than 25): otherwise the data look like one blob, a case where
    the second model is not identifiable (``A = 0`` fits any split ``s + τ``).
    ``amp_min`` is a lower bound of ``A`` (``1 / K`` for ``K`` clusters); at 1 only the
    one-blob model is fitted.
    """
    blocks = np.array_split(np.arange(power.shape[0]), n_blocks)
    r2 = np.array([radius2[b].mean() for b in blocks])
    mean_power = np.array([power[b].mean() for b in blocks])
    stderr = np.array([power[b].std() / np.sqrt(len(b)) for b in blocks])
    stderr = np.maximum(stderr + 1.0 / (n * np.sqrt(len(blocks[0]))), 0.03 * np.abs(mean_power))
    weights = 1.0 / stderr

    log_s = np.log(scale) + np.linspace(*np.log(_S_RANGE), _BLOB_POINTS)
    for _ in range(_ZOOMS):
        costs = _blob_costs(r2, mean_power, weights, np.exp(log_s))
        log_s = _zoom(log_s[np.argmin(costs)], log_s[1] - log_s[0])
    one_s = float(np.exp(log_s[4]))
    if amp_min >= 1.0:
        return one_s
    one_cost = float(_blob_costs(r2, mean_power, weights, np.array([one_s]))[0])
    log_tau = np.log(scale0) + np.linspace(*np.log(_TAU_RANGE), _TAU_POINTS)
    log_s = np.log(scale) + np.linspace(*np.log(_S_RANGE), _S_POINTS)
    for _ in range(_ZOOMS):
        costs = _cluster_costs(r2, mean_power, weights, np.exp(log_tau), np.exp(log_s),
                               amp_min)
        i, j = np.unravel_index(np.argmin(costs), costs.shape)
        best_cost = float(costs[i, j])
        log_tau = _zoom(log_tau[i], log_tau[1] - log_tau[0])
        log_s = _zoom(log_s[j], log_s[1] - log_s[0])
    return float(np.exp(log_s[4]) if 2.0 * (one_cost - best_cost) > 25.0 else one_s)


@validate_params(
    {
        "X": ["array-like"],
        "n_frequencies": [Interval(Integral, 10, None, closed="left")],
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "n_blocks": [Interval(Integral, 3, None, closed="left")],
        "n_iter": [Interval(Integral, 1, 100, closed="both")],
        "n_clusters": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def estimate_scale(
    X, *, n_frequencies=1000, n_samples=10000, n_blocks=40, n_iter=5, n_clusters=None,
    random_state=None,
):
    """Estimate the scale ``σ̄²`` of a Fourier sketch: the mean intra-cluster variance.

    A pre-sketch of a small random subsample is computed at frequencies drawn from the
    adapted-radius law; its power ``|z(ω)|²`` is averaged over blocks of frequencies of
    similar radius and fitted with the decay a mixture of isotropic clusters produces.
    For clusters of variance ``σ²`` with centres of characteristic function ``φ_C``,
    ``|z(ω)|² = |φ_C(ω)|² exp(-‖ω‖² σ²)``: at small radii the centres still interfere
    (``|φ_C|² → 1``), at larger radii the cross terms average out and the shell mean of
    ``|φ_C|²`` falls to ``A = Σ_k α_k²``. The fitted model is therefore
    ``(A + (1 - A) exp(-‖ω‖² τ)) exp(-‖ω‖² σ²)``, after removing the sampling bias
    ``(1 - |z|²) / n`` of the empirical power; frequencies are redrawn at the new scale
    and the fit repeated ``n_iter`` times. Blocks are weighted by the inverse standard
    error of their mean power, and the one-blob model ``exp(-‖ω‖² σ²)`` is kept when
    the two-regime model does not fit significantly better.

    When the number of clusters ``K`` is known (``n_clusters``), ``A = Σ_k α_k²`` is
    bounded below by ``1 / K`` (Cauchy-Schwarz). Without this bound, real data whose
    power decays slowly at large radii (fine structure: near-duplicates, tight
    sub-clusters) is fitted by a tiny ``A`` and a tiny ``σ²``: on scikit-learn's digits
    embedded in 10 spectral dimensions the estimate fell to 0.003-0.05 (over 5 seeds)
    against 0.24 for the intra-cluster variance of KMeans; with ``K = 10`` it is
    0.08-0.10 (standardised pixels: 0.17-0.36 without the bound, 0.30-0.31 with it).

    This differs from Keriven et al. (2018, Alg. 3), which fits ``exp(-‖ω‖² σ² / 2)``
    to the per-block maximum of ``|z|``: that envelope sits below 1 where the clusters'
    phases do not align, which biases σ² upward (1.4 to 1.9 times on a K=d=10 mixture
    of unit clusters). Measured here on that benchmark (10 seeds): 0.94 to 1.10 times
    the true variance; 0.8 to 1.25 times from K=1 to 50 clusters and d=2 to 20.

    Parameters
    ----------
    X : array-like of shape (n_samples_total, n_features)
        Data (already standardised if the sketch standardises).
    n_frequencies : int, default=1000
        Frequencies of the pre-sketch.
    n_samples : int, default=10000
        Size of the random subsample (all of X if smaller).
    n_blocks : int, default=40
        Number of radius blocks whose mean power is fitted.
    n_iter : int, default=5
        Number of redraw-and-fit rounds (at most 100).
    n_clusters : int, default=None
        Number of clusters, if known: ``1 / n_clusters`` bounds the share ``A`` of the
        power that the cluster centres keep at large radii from below (``1`` fits one
        blob).
    random_state : int, RandomState instance or None, default=None
        Seed of the subsample and the frequencies.

    Returns
    -------
    scale : float
        The estimated ``σ̄²`` in the units of X squared.

    See Also
    --------
    draw_frequencies : Draw frequencies at a given scale.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import estimate_scale
    >>> rng = np.random.default_rng(0)
    >>> centres = rng.normal(scale=6.0, size=(5, 4))
    >>> X = centres[rng.integers(5, size=20000)] + rng.normal(size=(20000, 4))
    >>> 0.7 < estimate_scale(X, random_state=0) < 1.3   # unit clusters
    True
    """
    X = check_array(X, dtype=np.float64, ensure_min_samples=2, input_name="X")
    rng = check_random_state(random_state)
    n_total, d = X.shape
    if n_total > n_samples:
        X = X[_subsample(rng, n_total, n_samples)]
    # far from magnitude 1, in units of a power of two near the data's magnitude
    # (exact): scale-free from 1e-300 to 1e300, and the result scaled back
    shift = int(np.frexp(np.max(np.abs(X)))[1])
    shift = shift if abs(shift) > 8 else 0
    X = np.ldexp(X, -shift)
    X = X - X.mean(axis=0)
    n = X.shape[0]
    scale0 = scale = float(np.mean(X.var(axis=0)))
    if scale == 0.0:
        raise ValueError("X is constant: its scale cannot be estimated")
    n_blocks = min(n_blocks, n_frequencies // 5)
    amp_min = 0.0 if n_clusters is None else 1.0 / n_clusters
    for _ in range(n_iter):
        omega = draw_frequencies(n_frequencies, d, "adapted_radius", scale, rng)
        radius2 = np.einsum("ij,ij->j", omega, omega)
        order = np.argsort(radius2)
        feature_sum = sketch_chunk(X, omega[:, order], np.zeros(d), np.float32)[0]
        power = np.abs(feature_sum / n) ** 2
        power = (power - 1.0 / n) / (1.0 - 1.0 / n)  # remove the sampling bias
        scale = _fit_decay(radius2[order], power, n, n_blocks, scale, scale0, amp_min)
    with np.errstate(over="ignore", under="ignore"):
        result = float(np.ldexp(scale, 2 * shift))
    if not (np.isfinite(result) and result >= np.finfo(np.float64).tiny):
        raise ValueError(
            f"the scale of X ({scale:.3g} x 2^{2 * shift}) is outside the float64 range; "
            "rescale X")
    return result
