"""Regularisation path of the sorted-penalty models (strong screening, warm starts)."""

from numbers import Integral, Real

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Hidden, Interval, StrOptions, validate_params
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_X_y

from skfrugal.linear_model._fit import Problem, fit_one
from skfrugal.linear_model._solvers import cluster_labels, null_model, strong_set_size
from skfrugal.proximal._lambdas import LAMBDA_KINDS
from skfrugal.proximal._penalty import PENALTIES, SortedPenalty, renamed

PATH_LOSSES = ("squared", "logistic", "multinomial", "poisson")


def check_alphas(alphas):
    """Validate a user grid of ``alpha``: non-empty, finite, >= 0; sorted decreasingly."""
    arr = np.asarray(alphas)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)):
        raise TypeError(f"alphas must be numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError("alphas must be real, got complex values")
    arr = arr.astype(np.float64).ravel()
    if arr.size == 0:
        raise ValueError("alphas must be non-empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"alphas must be finite, got {arr[~np.isfinite(arr)][:3]}")
    if np.any(arr < 0):
        raise ValueError(f"alphas must be >= 0, got min {arr.min():g}")
    return arr


def targets_for(loss, y, classes=None):
    """Loss targets from ``y``: values, 0/1 labels or a one-hot matrix (and classes)."""
    if loss in ("squared", "poisson"):
        y = np.asarray(y, dtype=np.float64)
        if loss == "poisson":
            if np.any(y < 0):
                raise ValueError(f"Poisson targets must be >= 0, got min(y) = {y.min():g}")
            if not np.any(y > 0):
                raise ValueError("Poisson targets are all zero: the model has no finite fit")
        return y, None
    check_classification_targets(y)
    classes = np.unique(y) if classes is None else classes
    if classes.size < 2:
        raise ValueError(f"classification needs 2 classes or more, got {classes.size}")
    if loss == "logistic" and classes.size != 2:
        raise ValueError(f"loss='logistic' needs 2 classes, got {classes.size}; use "
                         "loss='multinomial'")
    if classes.size == 2 and loss == "logistic":
        return (y == classes[1]).astype(np.float64), classes
    return LabelBinarizer().fit(classes).transform(y).astype(np.float64), classes


def default_grid(alpha_max, n_alphas, alpha_min_ratio, n, p):
    """Log grid from ``alpha_max`` to ``alpha_min_ratio * alpha_max``."""
    ratio = alpha_min_ratio if alpha_min_ratio is not None else (1e-2 if n < p else 1e-4)
    if not alpha_max > 0:
        return np.zeros(1)
    return alpha_max * np.geomspace(1.0, ratio, n_alphas)


# a path stops (as glmnet's, R SLOPE's and sortedl1's do, for every loss) once its fit
# explains this fraction of the null model's deviance, or when that fraction grew by
# less than PATH_DEVIANCE_CHANGE since the previous alpha
PATH_DEVIANCE_RATIO = 0.999
PATH_DEVIANCE_CHANGE = 1e-5


def _deviance_ratio(prob, beta, b):
    """Fraction of the null model's deviance explained by ``(beta, b)``."""
    loss = prob.loss
    _, znull = null_model(loss, prob.fit_intercept)
    dev_null = loss.value(znull) - loss.saturated()
    if not dev_null > 0:
        return 0.0
    return 1.0 - (loss.value(prob.design.matvec(beta) + b) - loss.saturated()) / dev_null


def path_on_problem(prob, alphas, penalty, max_iter, tol, screening=True,
                    max_variables=None):
    """Solve ``prob`` along the non-increasing ``alphas`` with warm starts.

    Returns
    -------
    coefs : list of ndarray (full coefficients per alpha)
    intercepts, gaps, n_iter : lists
    """
    beta, b = prob.zeros()
    loss, design = prob.loss, prob.design
    coefs, intercepts, gaps, iters = [], [], [], []
    alpha_prev = max(prob.alpha_max, alphas[0]) if alphas.size else 0.0
    ratio_prev = -np.inf
    for alpha in alphas:
        ws = None
        if screening and design.n_features > 0 and alpha > 0:
            z = design.matvec(beta) + b
            corr = design.rmatvec(loss.dual_point(loss.grad(z), prob.fit_intercept))
            a = np.abs(corr).ravel()
            order = np.argsort(-a)
            size = strong_set_size(a[order], alpha * prob.lam_kept,
                                   alpha_prev * prob.lam_kept)
            ws = np.unique(order[: max(size, 1)] // prob.n_outputs)
        elif not screening:
            ws = np.arange(design.n_features)
        beta, b, it, gap, _, _ = fit_one(prob, alpha, penalty, beta, b, max_iter, tol,
                                         ws=ws)
        full = prob.full(beta)
        active = full if full.ndim == 1 else np.any(full != 0, axis=1)
        if max_variables is not None and np.count_nonzero(active) > max_variables:
            break
        coefs.append(full)
        intercepts.append(np.array(b, dtype=np.float64).copy())
        gaps.append(gap)
        iters.append(it)
        alpha_prev = alpha
        ratio = _deviance_ratio(prob, beta, b)
        if ratio >= PATH_DEVIANCE_RATIO or ratio - ratio_prev < PATH_DEVIANCE_CHANGE:
            # a (nearly) saturated fit -- separated classes, an interpolating regression,
            # where the smaller alphas only fit noise at a high solver cost -- or a flat
            # tail of the path
            break
        ratio_prev = ratio
    return coefs, intercepts, gaps, iters


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "loss": [StrOptions(set(PATH_LOSSES))],
        "alphas": ["array-like", None],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
        "alpha_min_ratio": [Interval(Real, 0, 1, closed="right"), None],
        "lambdas": [StrOptions(set(LAMBDA_KINDS)), "array-like"],
        "q": [Interval(Real, 0, 1, closed="neither")],
        "theta1": [Interval(Real, 0, None, closed="left")],
        "theta2": [Interval(Real, 0, None, closed="left")],
        "penalty": [StrOptions(set(PENALTIES))],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "a": [Interval(Real, 2, None, closed="neither")],
        "log_eps": [Interval(Real, 0, None, closed="neither")],
        "lq_exponent": [Interval(Real, 0, 1, closed="neither")],
        "fit_intercept": ["boolean"],
        "sample_weight": ["array-like", None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "screening": ["boolean"],
        "max_variables": [Interval(Integral, 0, None, closed="left"), None],
        "eps": [Interval(Real, 0, None, closed="neither"), Hidden(StrOptions({"deprecated"}))],
    },
    prefer_skip_nested_validation=True,
)
def slope_path(
    X,
    y,
    *,
    loss="squared",
    alphas=None,
    n_alphas=100,
    alpha_min_ratio=None,
    lambdas="bh",
    q=0.1,
    theta1=1.0,
    theta2=0.5,
    penalty="l1",
    gamma=3.0,
    a=3.7,
    log_eps=1.0,
    lq_exponent=0.5,
    fit_intercept=True,
    sample_weight=None,
    max_iter=1000,
    tol=1e-7,
    screening=True,
    max_variables=None,
    eps="deprecated",
):
    r"""Compute the regularisation path of a sorted-penalty model.

    Solves the problem of :class:`SLOPERegression` (``loss="squared"``),
    :class:`SLOPEClassifier` (``"logistic"``, ``"multinomial"``) or
    :class:`SLOPEPoissonRegression` (``"poisson"``) for a decreasing grid of
    ``alpha``, each from the previous solution (warm start). For SLOPE with the
    squared, logistic and Poisson losses, the strong screening rule (Larsson, Bogdan
    and Wallin 2020) gives the starting working set at the next ``alpha``; the solver
    adds the features that violate the optimality conditions of the full problem
    until none remain, so the path is exact. Non-convex penalties are warm-started
    along the path.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Design.
    y : array-like of shape (n_samples,)
        Targets (values, counts or class labels).
    loss : {"squared", "logistic", "multinomial", "poisson"}, default="squared"
        The loss.
    alphas : array-like, default=None
        Values of ``alpha`` (sorted decreasingly); if None, a log grid from
        ``alpha_max`` (smallest ``alpha`` with a zero solution) to
        ``alpha_min_ratio * alpha_max``.
    n_alphas : int, default=100
        Length of the automatic grid.
    alpha_min_ratio : float, default=None
        End of the automatic grid relative to ``alpha_max``; 1e-2 if
        ``n_samples < n_features`` else 1e-4.
    lambdas : {"bh", "gaussian", "oscar", "lasso"} or array-like, default="bh"
        Weight sequence (length ``n_features``, times the number of classes for the
        multinomial loss).
    q : float, default=0.1
        FDR level of the ``"bh"`` and ``"gaussian"`` sequences.
    theta1 : float, default=1.0
        Offset of the ``"oscar"`` sequence.
    theta2 : float, default=0.5
        Slope of the ``"oscar"`` sequence.
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        Scalar penalty.
    gamma : float, default=3.0
        MCP parameter.
    a : float, default=3.7
        SCAD parameter.
    log_eps : float, default=1.0
        Log-sum parameter.
    lq_exponent : float, default=0.5
        Exponent of the l_q penalty, in (0, 1).
    fit_intercept : bool, default=True
        Fit an intercept.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    max_iter : int, default=1000
        Maximum iterations per ``alpha``.
    tol : float, default=1e-7
        Relative duality gap (SLOPE) or fixed-point residual (non-convex).
    screening : bool, default=True
        Use the strong rule and working sets.
    max_variables : int, default=None
        Early stopping: the path ends before the first ``alpha`` whose solution has
        more than ``max_variables`` non-zero features (R SLOPE's ``max_variables``).
    eps : float
        Deprecated alias of ``log_eps`` (FutureWarning).

    Returns
    -------
    path : Bunch
        ``alphas`` (n_points,), ``coefs`` (n_features, n_points) or (n_classes,
        n_features, n_points) for the multinomial loss, ``intercepts`` (n_points,)
        or (n_classes, n_points), ``dual_gaps`` (n_points,; NaN for non-convex
        penalties), ``n_iter`` (n_points,), ``n_clusters`` (n_points,),
        ``lambdas``, ``alpha_max`` and ``classes`` (None for regression).
        ``n_points`` is the grid length, or less with ``max_variables``; the path
        also ends (as glmnet's, R SLOPE's and sortedl1's do, for every loss) after
        a fit that explains 99.9 % of the null model's deviance (classification:
        the classes are then (nearly) separated, the solutions at smaller
        ``alpha`` grow without a finite limit; regression: the fit (nearly)
        interpolates, the smaller ``alpha`` only fit noise and are the slowest to
        solve) or whose explained fraction grew by less than 1e-5 since the
        previous ``alpha`` (a flat tail).

    See Also
    --------
    SLOPERegression : One point of the path.
    SLOPERegressionCV : Choice of ``alpha`` on the path by cross-validation.
    SLOPEClassifierCV : The same for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.linear_model import slope_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 8))
    >>> y = X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(50)
    >>> path = slope_path(X, y, n_alphas=5)
    >>> path.coefs.shape
    (8, 5)
    >>> path.n_clusters
    array([0, 2, 4, 8, 8])
    >>> slope_path(X, y, n_alphas=5, max_variables=2).coefs.shape
    (8, 2)
    """
    log_eps = renamed(log_eps, eps, "eps", "log_eps", 1.0)
    X, y = check_X_y(X, y, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
                     y_numeric=loss in ("squared", "poisson"), ensure_min_samples=2)
    pen = SortedPenalty(penalty, gamma=gamma, a=a, log_eps=log_eps, lq_exponent=lq_exponent)
    targets, classes = targets_for(loss, y)
    prob = Problem(X, targets, loss, sample_weight, fit_intercept, lambdas, q, theta1, theta2)
    n, p = X.shape
    if alphas is None:
        grid = default_grid(prob.alpha_max, n_alphas, alpha_min_ratio, n, p)
    else:
        grid = np.sort(check_alphas(alphas))[::-1]
    coefs, intercepts, gaps, iters = path_on_problem(
        prob, grid, pen, max_iter, tol, screening=screening, max_variables=max_variables)
    k = len(coefs)
    multi = prob.n_outputs > 1
    if k:
        C = np.stack(coefs, axis=-1)  # (p, n_points) or (p, K, n_points)
        C = np.transpose(C, (1, 0, 2)) if multi else C
        B = np.stack(intercepts, axis=-1)
    else:
        C = np.zeros((prob.n_outputs, p, 0) if multi else (p, 0))
        B = np.zeros((prob.n_outputs, 0) if multi else 0)
    n_clusters = np.array([cluster_labels(C[..., i])[1] for i in range(k)], dtype=np.int64)
    return Bunch(alphas=grid[:k], coefs=C, intercepts=B,
                 dual_gaps=np.array(gaps, dtype=np.float64),
                 n_iter=np.array(iters, dtype=np.int64), n_clusters=n_clusters,
                 lambdas=prob.lambdas, alpha_max=float(prob.alpha_max), classes=classes)
