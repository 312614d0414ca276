"""Proximal operators of the sorted L1 norm and of sorted non-convex penalties."""

from numbers import Real

import numpy as np
from numba import njit
from sklearn.utils._param_validation import Hidden, Interval, StrOptions, validate_params

from skfrugal.proximal._checks import first_non_finite, weights_violation
from skfrugal.proximal._pava import (
    key_shift,
    make_keys,
    pav_scatter,
    sort_keys,
    sorted_magnitudes,
)
from skfrugal.proximal._penalty import (
    PENALTIES,
    SortedPenalty,
    _real,
    renamed,
    zero_threshold,
)


def check_vector(x, name="x"):
    """Return ``x`` as a finite 1-D float64 array, or raise a clear error."""
    arr = np.asarray(x)
    if arr.dtype == np.float64 and arr.ndim == 1 and arr.shape[0] > 0:
        # fast path (the usual case; the generic checks cost several microseconds)
        if not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr)
        i = first_non_finite(arr)
        if i >= 0:
            raise ValueError(f"{name} must be finite, got {name}[{i}]={arr[i]}")
        return arr
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must have at least one entry, got an empty array")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    i = first_non_finite(arr)
    if i >= 0:
        raise ValueError(f"{name} must be finite, got {name}[{i}]={arr[i]}")
    return arr


def check_lambdas(lambdas, n_features, name="lambdas"):
    """Validate a weight sequence: 1-D, length ``n_features``, finite, >= 0, non-increasing.

    Parameters
    ----------
    lambdas : array-like of shape (n_features,)
        The weights.
    n_features : int
        Expected length.
    name : str, default="lambdas"
        Name used in error messages.

    Returns
    -------
    lambdas : ndarray of shape (n_features,), float64
    """
    lam = check_vector(lambdas, name)
    if lam.shape[0] != n_features:
        raise ValueError(
            f"{name} must have length n_features={n_features}, got length {lam.shape[0]}"
        )
    kind, i = weights_violation(lam)
    if kind == 2:
        raise ValueError(f"{name} must be non-negative, got min {lam.min():g}")
    if kind == 3:
        raise ValueError(
            f"{name} must be non-increasing, got {name}[{i}]={lam[i]:g} < "
            f"{name}[{i + 1}]={lam[i + 1]:g}"
        )
    return lam


# up to this length the prox runs as one numba call (the same steps as below, the sort
# of the keys in numba: one dispatch instead of a dozen calls and allocations)
SMALL_PROX = 4096


@njit(cache=True)
def _prox_small(y, lam, code, step, param, threshold, shift, out):
    """The steps of :func:`prox_sorted_unchecked` in one call, into ``out`` (zeros).

    Returns False, with ``out`` untouched, when the keys need the exact sort (very
    many near-ties): the caller then takes the general path.
    """
    p = y.shape[0]
    keys = np.empty(p, dtype=np.uint64)
    m = make_keys(y, threshold, shift, keys)
    keys = np.sort(keys[:m].view(np.float64)).view(np.uint64)
    z = np.empty(m)
    if not sorted_magnitudes(y, keys, shift, z, 4 * m + 1024):
        return False
    starts = np.empty(m + 1, dtype=np.int64)
    val = z if code <= 2 else np.empty(m)
    lsums = np.empty(m if code != 0 else 0)
    pav_scatter(z, keys, shift, lam, code, step, param, out, np.zeros(0, dtype=np.int64),
                False, starts, val, z, lsums)
    return True


def prox_sorted_unchecked(y, lam, code, step, param, return_clusters=False):
    """Prox on validated float64 inputs (the solvers call this in their loops).

    Returns
    -------
    out : ndarray of shape (p,)
    labels : ndarray of shape (p,), int64, only if ``return_clusters``
    """
    p = y.shape[0]
    threshold = zero_threshold(code, step, lam[-1], param)
    if p <= SMALL_PROX and not return_clusters:
        out = np.zeros(p)
        if _prox_small(y, lam, code, float(step), float(param), threshold, key_shift(p),
                       out):
            return out
    # work arrays are allocated by NumPy (large ones get transparent huge pages, which
    # makes the random accesses of the gather and the scatter cheaper)
    keys = np.empty(p, dtype=np.uint64)
    shift = key_shift(p)
    m = make_keys(y, threshold, shift, keys)
    keys = keys[:m]
    sort_keys(keys)
    z = np.empty(m)
    if not sorted_magnitudes(y, keys, shift, z, 4 * m + 1024):
        # very many near-ties (equal in their high bits): sort exactly instead
        index = ((keys & np.uint64((1 << shift) - 1)) >> np.uint64(1)).astype(np.int64)
        order = index[np.argsort(-np.abs(y[index]), kind="stable")]
        keys = (order.astype(np.uint64) << np.uint64(1)) | np.signbit(y[order]).astype(
            np.uint64)
        z = np.abs(y[order])
    out = np.zeros(p)
    labels = np.zeros(p if return_clusters else 0, dtype=np.int64)
    starts = np.empty(m + 1, dtype=np.int64)
    # z doubles as the PAV stack of sums (block b's sum is written at b <= i after z[i]
    # is read); L1, MCP and SCAD need no array of block values (computed in the
    # scatter pass): each work array costs page faults at large sizes
    val = z if code <= 2 else np.empty(m)
    lsums = np.empty(m if code != 0 else 0)
    pav_scatter(z, keys, shift, lam, code, step, param, out, labels, return_clusters,
                starts, val, z, lsums)
    if return_clusters:
        return out, labels
    return out


@validate_params(
    {
        "x": ["array-like"],
        "lambdas": ["array-like"],
        "penalty": [StrOptions(set(PENALTIES)), SortedPenalty],
        "step": [Interval(Real, 0, None, closed="neither")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "a": [Interval(Real, 2, None, closed="neither")],
        "log_eps": [Interval(Real, 0, None, closed="neither")],
        "lq_exponent": [Interval(Real, 0, 1, closed="neither")],
        "return_clusters": ["boolean"],
        "eps": [Interval(Real, 0, None, closed="neither"), Hidden(StrOptions({"deprecated"}))],
        "q": [Interval(Real, 0, 1, closed="neither"), Hidden(StrOptions({"deprecated"}))],
    },
    prefer_skip_nested_validation=True,
)
def prox_sorted(
    x,
    lambdas,
    penalty="l1",
    step=1.0,
    *,
    gamma=3.0,
    a=3.7,
    log_eps=1.0,
    lq_exponent=0.5,
    return_clusters=False,
    eps="deprecated",
    q="deprecated",
):
    r"""Proximal operator of a sorted penalty, exact by pool-adjacent-violators.

    Computes :math:`\mathrm{prox}_{\eta\Psi}(x) = \arg\min_u \frac12\|u - x\|^2 +
    \eta \Psi(u)` with :math:`\Psi(u) = \sum_i \psi(|u|_{(i)}; \lambda_i)`, where
    :math:`|u|_{(1)} \ge \dots \ge |u|_{(p)}` and :math:`\psi(t; \lambda)` is, for
    :math:`t \ge 0`:

    - ``"l1"``: :math:`\lambda t` (the sorted L1 norm, SLOPE);
    - ``"mcp"``: :math:`\lambda t - t^2 / (2\gamma)` for :math:`t \le \gamma\lambda`,
      :math:`\gamma \lambda^2 / 2` beyond;
    - ``"scad"``: :math:`\lambda t` for :math:`t \le \lambda`,
      :math:`(2a\lambda t - t^2 - \lambda^2) / (2(a - 1))` up to :math:`a\lambda`,
      :math:`\lambda^2 (a + 1) / 2` beyond;
    - ``"log"``: :math:`\lambda \log(1 + t / \varepsilon)`;
    - ``"lq"``: :math:`\lambda t^q`, :math:`0 < q < 1`.

    The operator is exact when every term of the isotonic problem is convex: always
    for L1; for MCP when ``step < gamma``; for SCAD when ``step < a - 1``; for log-sum
    when ``step * lambdas[0] < eps**2``. A ``ValueError`` is raised otherwise. For
    ``"lq"`` (never convex) the same PAV with exact block proximal maps (closed forms
    for q = 1/2 and 2/3) returns a fixed point with the sorted structure whose value
    matched the global minimum on almost all random instances tested against brute
    force; it is not guaranteed to be the global minimiser.

    Entries with ``|x_i|`` at or below the scalar threshold of ``step * lambdas[-1]``
    are zero whatever the others and are left out of the sort. The others are sorted
    by NumPy's ``sort`` on 64-bit keys that carry the index in the low bits of the
    magnitude's bit pattern (several times faster than ``argsort``); an insertion
    pass then restores the exact order before PAV.

    Parameters
    ----------
    x : array-like of shape (p,)
        Point at which the prox is evaluated.
    lambdas : array-like of shape (p,)
        Non-negative, non-increasing weights.
    penalty : {"l1", "mcp", "scad", "log", "lq"} or SortedPenalty, default="l1"
        The scalar penalty :math:`\psi` (a :class:`SortedPenalty` carries its own
        parameter: ``gamma``, ``a``, ``log_eps`` and ``lq_exponent`` are then ignored).
    step : float, default=1.0
        Step size :math:`\eta > 0`.
    gamma : float, default=3.0
        MCP concavity parameter (> 0).
    a : float, default=3.7
        SCAD parameter (> 2).
    log_eps : float, default=1.0
        Log-sum parameter :math:`\varepsilon` (> 0).
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty, in (0, 1).
    return_clusters : bool, default=False
        Also return the cluster labels: 0 for zero entries, then 1, ..., K for the
        PAV blocks by decreasing magnitude (entries of one block share a magnitude).
    eps : float
        Deprecated alias of ``log_eps`` (renamed: ``eps`` is the path length of
        scikit-learn's path functions). FutureWarning.
    q : float
        Deprecated alias of ``lq_exponent`` (renamed: ``q`` is the FDR level of the
        weights elsewhere). FutureWarning.

    Returns
    -------
    u : ndarray of shape (p,)
        The proximal point (float32 if ``x`` is float32, float64 otherwise).
    labels : ndarray of shape (p,), int64
        Cluster labels, only if ``return_clusters`` is True.

    See Also
    --------
    prox_sorted_l1 : The SLOPE case.
    lambda_sequence : Standard weight sequences.

    References
    ----------
    .. [1] M. Bogdan, E. van den Berg, C. Sabatti, W. Su and E. J. Candès, "SLOPE:
       adaptive variable selection via convex optimization", Ann. Appl. Stat., 2015.
    .. [2] A. Gagneux, M. Massias, E. Soubies and R. Gribonval, "Proximal operators of
       sorted nonconvex penalties", arXiv:2506.15315, 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.proximal import prox_sorted
    >>> x = np.array([3.0, -2.9, 0.5, 1.0])
    >>> u, labels = prox_sorted(x, [1.0, 0.8, 0.6, 0.4], "mcp", gamma=2.0,
    ...                         return_clusters=True)
    >>> u
    array([ 3. , -2.9,  0.2,  0.8])
    >>> labels
    array([1, 2, 4, 3])
    """
    log_eps = renamed(log_eps, eps, "eps", "log_eps", 1.0)
    lq_exponent = renamed(lq_exponent, q, "q", "lq_exponent", 0.5)
    dtype = np.asarray(x).dtype
    y = check_vector(x, "x")
    step = _real(step, "step", low=0.0)
    lam = check_lambdas(lambdas, y.shape[0])
    if not isinstance(penalty, SortedPenalty):
        penalty = SortedPenalty(penalty, gamma=gamma, a=a, log_eps=log_eps,
                                lq_exponent=lq_exponent)
    penalty.check_step(step, lam[0])
    res = penalty._prox(y, lam, step, return_clusters=return_clusters)
    out = res[0] if return_clusters else res
    if dtype == np.float32:
        out = out.astype(np.float32)
    return (out, res[1]) if return_clusters else out


@validate_params(
    {
        "x": ["array-like"],
        "lambdas": ["array-like"],
        "step": [Interval(Real, 0, None, closed="neither")],
        "return_clusters": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def prox_sorted_l1(x, lambdas, step=1.0, *, return_clusters=False):
    r"""Proximal operator of the sorted L1 norm (the SLOPE penalty).

    :math:`\arg\min_u \frac12 \|u - x\|^2 + \eta \sum_i \lambda_i |u|_{(i)}`, by the
    stack algorithm (PAV) of Bogdan et al. (2015) after a NumPy sort of the entries
    that can be non-zero (``|x_i| > step * lambdas[-1]``).

    Parameters
    ----------
    x : array-like of shape (p,)
        Point at which the prox is evaluated.
    lambdas : array-like of shape (p,)
        Non-negative, non-increasing weights.
    step : float, default=1.0
        Step size :math:`\eta > 0`.
    return_clusters : bool, default=False
        Also return the cluster labels (0 for zeros, 1..K by decreasing magnitude).

    Returns
    -------
    u : ndarray of shape (p,)
        The proximal point.
    labels : ndarray of shape (p,), int64
        Only if ``return_clusters`` is True.

    See Also
    --------
    prox_sorted : Sorted non-convex penalties.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.proximal import prox_sorted_l1
    >>> prox_sorted_l1(np.array([4.0, -3.0, 1.0]), [2.0, 1.0, 0.5])
    array([ 2. , -2. ,  0.5])
    """
    return prox_sorted(x, lambdas, "l1", step, return_clusters=return_clusters)
