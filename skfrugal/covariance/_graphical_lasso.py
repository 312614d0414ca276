"""GraphicalLasso: the full-data estimator (block coordinate descent, QUIC and ADMM
fallbacks), with per-entry penalties and non-convex penalties."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import validate_data

from skfrugal.covariance._base import BaseCovariance
from skfrugal.covariance._penalties import PENALTIES, lla_weights
from skfrugal.covariance._solver import (
    SOLVERS,
    as_penalty_matrix,
    check_graphical_lasso_result,
    solve_graphical_lasso,
)
from skfrugal.covariance._validation import (
    check_covariance,
    check_penalty,
    check_square_matrix,
    check_variances,
    empirical_covariance_checked,
)

# local linear approximation: at most this many reweighted solves after the ℓ1 one
_LLA_MAX_ITER = 30
# ... stopping when no weight moves by more than this fraction of the largest penalty
_LLA_RTOL = 1e-4

# the constraints shared by the functions and estimators of the full-data lasso
PENALTY_CONSTRAINTS = {
    "penalty": [StrOptions(set(PENALTIES))],
    "gamma": [Interval(Real, 0, None, closed="neither")],
    "a": [Interval(Real, 2, None, closed="neither")],
}
SOLVER_CONSTRAINTS = {
    "solver": [StrOptions(set(SOLVERS))],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="neither")],
}
ALPHA_CONSTRAINT = [Interval(Real, 0, None, closed="left"), "array-like"]


def fit_penalized(S, alpha, penalty="l1", gamma=3.0, a=3.7, *, precision_init=None,
                  max_iter=100, tol=1e-4, solver="auto", warn=True):
    """Solve the ℓ1 problem, then (MCP/SCAD) reweight by local linear approximation.

    ``S`` and ``alpha`` (a scalar or a penalty matrix) are validated by the caller.
    Each reweighted solve is warm-started from the previous solution; the iteration
    stops when no weight moves by more than ``1e-4`` times the largest finite
    penalty (a fixed point: the returned ``Θ`` solves the weighted problem of its own
    weights); after 30 reweightings it warns (``warn=True``) or reports the fit as not
    converged (``warn=False``: paths count their failures themselves; warnings
    filters are not thread-safe).

    Returns
    -------
    covariance, precision : ndarray of shape (p, p)
    n_iter : int
        Iterations of the solver, summed over the reweightings.
    gap : float
        Duality gap of the last weighted problem.
    converged : bool
        Whether the last solve reached ``tol`` (and, with ``warn=False``, the
        reweighting a fixed point).
    weights : float or ndarray of shape (p, p)
        The penalty of the last solve (``alpha`` for ``penalty="l1"``).
    """
    cov, prec, n_iter, gap, conv = solve_graphical_lasso(
        S, alpha, precision_init=precision_init, max_iter=max_iter, tol=tol, solver=solver)
    if penalty == "l1":
        return cov, prec, n_iter, gap, conv, alpha
    A = as_penalty_matrix(alpha, S.shape[0])
    finite = np.isfinite(A)
    scale = A[finite].max(initial=0.0)
    variances = np.diag(S)
    weights = A
    change = 0.0
    for _ in range(_LLA_MAX_ITER):
        new = lla_weights(prec, A, variances, penalty, gamma, a)
        change = float(np.abs(new[finite] - weights[finite]).max(initial=0.0))
        if change <= _LLA_RTOL * scale:
            return cov, prec, n_iter, gap, conv, weights
        weights = new
        cov, prec, it, gap, conv = solve_graphical_lasso(
            S, weights, precision_init=prec, max_iter=max_iter, tol=tol, solver=solver)
        n_iter += it
    if not warn:
        return cov, prec, n_iter, gap, False, weights
    warnings.warn(
        f"the local linear approximation of the {penalty} penalty did not reach a fixed "
        f"point in {_LLA_MAX_ITER} reweightings (last weight change {change:.3g}, "
        f"{change / scale:.2g} of the largest penalty)",
        ConvergenceWarning,
        stacklevel=3,
    )
    return cov, prec, n_iter, gap, conv, weights


@validate_params(
    {
        "emp_cov": ["array-like"],
        "alpha": ALPHA_CONSTRAINT,
        **PENALTY_CONSTRAINTS,
        **SOLVER_CONSTRAINTS,
        "precision_init": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def graphical_lasso(emp_cov, alpha, *, penalty="l1", gamma=3.0, a=3.7, solver="auto",
                    precision_init=None, max_iter=100, tol=1e-4):
    """Sparse inverse covariance by the penalised Gaussian likelihood.

    Solves ``min_{Θ ≻ 0} -log det Θ + tr(S Θ) + Σ_ij A_ij |Θ_ij|``; for a scalar
    ``alpha``, ``A = alpha`` off the diagonal and 0 on it (the problem of
    :func:`sklearn.covariance.graphical_lasso`). The problem splits into the connected
    components of ``|S_ij| > A_ij``, each solved by block coordinate descent, with a
    Newton method (QUIC) and then ADMM as fallbacks when it breaks down on
    ill-conditioned blocks. ``penalty="mcp"`` or ``"scad"`` replaces ``|Θ_ij|`` by a
    concave penalty, fitted by local linear approximation (reweighted solves from the
    ℓ1 solution).

    Parameters
    ----------
    emp_cov : array-like of shape (n_features, n_features)
        Empirical covariance: symmetric, positive semi-definite, positive diagonal.
    alpha : float or array-like of shape (n_features, n_features)
        Penalty: a scalar ``>= 0`` penalises the off-diagonal entries (as
        scikit-learn); a symmetric non-negative matrix gives one weight per entry
        (``A_ij |Θ_ij|``; its diagonal penalises ``Θ_ii``; ``inf`` off the diagonal
        forces ``Θ_ij = 0``). Without an off-diagonal penalty (``alpha=0``) the result
        is the exact inverse of ``emp_cov`` (a ``ValueError`` when it is singular).
    penalty : {"l1", "mcp", "scad"}, default="l1"
        Penalty applied to the off-diagonal entries, with level ``A_ij``.
    gamma : float, default=3.0
        MCP concavity (``> 0``); the weight of an entry vanishes from
        ``S_ii S_jj |Θ_ij| = gamma A_ij`` on (``|Θ_ij| = gamma A_ij`` on
        standardised data).
    a : float, default=3.7
        SCAD parameter (``> 2``).
    solver : {"auto", "bcd", "quic", "admm"}, default="auto"
        See :class:`GraphicalLasso`.
    precision_init : array-like of shape (n_features, n_features), default=None
        Warm start.
    max_iter : int, default=100
        Iterations per block and per method (sweeps of block coordinate descent,
        Newton iterations; ADMM gets ``50 * max_iter``).
    tol : float, default=1e-4
        Duality-gap tolerance, the same for every solver (scikit-learn's definition,
        ``|tr(S Θ) - p + Σ_ij A_ij |Θ_ij|| <= tol``).

    Returns
    -------
    covariance : ndarray of shape (n_features, n_features)
        ``Θ^{-1}``.
    precision : ndarray of shape (n_features, n_features)
        ``Θ``.
    n_iter : int
        Iterations (summed over the reweightings of a non-convex penalty).
    dual_gap : float
        Duality gap of the (last weighted) problem at ``Θ``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.covariance import graphical_lasso
    >>> S = np.array([[1.0, 0.5, 0.1], [0.5, 1.0, 0.0], [0.1, 0.0, 1.0]])
    >>> cov, prec, n_iter, gap = graphical_lasso(S, alpha=0.2)
    >>> bool(prec[0, 2] == 0.0), bool(abs(gap) < 1e-4)
    (True, True)

    A penalty matrix: an infinite weight forbids an edge, a zero one leaves it free.

    >>> A = np.array([[0.0, 0.0, np.inf], [0.0, 0.0, 0.2], [np.inf, 0.2, 0.0]])
    >>> prec = graphical_lasso(S, A)[1]
    >>> bool(prec[0, 2] == 0.0), bool(prec[0, 1] < 0)
    (True, True)
    """
    S = check_covariance(emp_cov, "emp_cov")
    p = S.shape[0]
    alpha = check_penalty(alpha, p)
    if precision_init is not None:
        precision_init = check_square_matrix(precision_init, "precision_init")
        if precision_init.shape != S.shape:
            raise ValueError(
                f"precision_init has shape {precision_init.shape}, emp_cov {S.shape}")
    cov, prec, n_iter, gap, converged, _ = fit_penalized(
        S, alpha, penalty, gamma, a, precision_init=precision_init, max_iter=max_iter,
        tol=tol, solver=solver)
    check_graphical_lasso_result(prec, max_iter, gap, tol, converged)
    return cov, prec, n_iter, gap


class _BaseGraphicalLasso(BaseCovariance):
    """Shared fitting steps of the full-data estimators (data or precomputed
    covariance in, a penalised fit at one ``alpha`` out)."""

    store_precision = True  # read by EmpiricalCovariance.get_precision

    def _location_and_covariance(self, X):
        """Validate the input of ``fit``; return ``(location, S)``."""
        X = validate_data(self, X, ensure_min_features=2, ensure_min_samples=2, order="C")
        if getattr(self, "covariance", None) == "precomputed":
            S = check_covariance(X, "the precomputed covariance X")
            return np.zeros(S.shape[0]), S
        location, S = empirical_covariance_checked(X, self.assume_centered)
        check_variances(S, "the empirical covariance of X")
        return location, S

    def _fit_at(self, S, alpha, precision_init=None):
        """Fit at ``alpha``; return (covariance, precision, n_iter, gap, weights)."""
        cov, prec, n_iter, gap, converged, weights = fit_penalized(
            S, alpha, self.penalty, self.gamma, self.a, precision_init=precision_init,
            max_iter=self.max_iter, tol=self.tol, solver=self.solver)
        check_graphical_lasso_result(prec, self.max_iter, gap, self.tol, converged)
        return cov, prec, n_iter, gap, weights

    def _store(self, fit):
        self.covariance_, self.precision_, self.n_iter_, self.dual_gap_, weights = fit
        if self.penalty != "l1":
            self.penalty_weights_ = weights


class GraphicalLasso(_BaseGraphicalLasso):
    """Sparse inverse covariance (graphical lasso): fast and robust.

    The same estimator as :class:`sklearn.covariance.GraphicalLasso` (same objective,
    same ``alpha``, same duality gap as stopping rule) with a different solver, and
    three additions: a penalty matrix (one weight per entry; infinite weights forbid
    edges), non-convex penalties (MCP, SCAD) and the exact inverse at ``alpha=0``.
    The problem is split into the connected components of the thresholded
    covariance, and each block is solved by block coordinate descent
    (scikit-learn's ``cd`` algorithm compiled with numba, each column's lasso solved
    exactly by an active-set method). When that breaks down, QUIC (Newton steps
    whose direction is computed by coordinate descent on the free set; every iterate
    positive definite) takes over, and ADMM in correlation units when the Newton
    direction stalls. It solves problems where scikit-learn's coordinate descent
    stops with "Non SPD result" (for instance ``p = 200``,
    ``make_sparse_spd_matrix(alpha=0.95)``).

    Parameters
    ----------
    alpha : float or array-like of shape (n_features, n_features), default=0.01
        Penalty. A scalar penalises the off-diagonal entries of the precision
        (``alpha Σ_{i≠j} |Θ_ij|``, as scikit-learn); a symmetric non-negative matrix
        ``A`` gives one weight per entry (``Σ_ij A_ij |Θ_ij|``): its diagonal
        penalises ``Θ_ii``, and ``inf`` off the diagonal forces ``Θ_ij = 0`` (a
        known absent edge; scikit-learn issue #27652). With no off-diagonal penalty
        (``alpha=0``), ``precision_`` is the inverse of the empirical covariance
        (a ``ValueError`` when it is singular).
    penalty : {"l1", "mcp", "scad"}, default="l1"
        Penalty of the off-diagonal entries (level ``alpha``). ``"mcp"`` and
        ``"scad"`` are concave: large entries are not shrunk (less bias); they are
        fitted by local linear approximation, a few weighted graphical lassos from
        the ℓ1 solution (see :func:`graphical_lasso`).
    gamma : float, default=3.0
        MCP concavity (``> 0``).
    a : float, default=3.7
        SCAD parameter (``> 2``).
    covariance : "precomputed" or None, default=None
        ``"precomputed"``: ``fit`` takes the empirical covariance matrix instead of
        the data (as scikit-learn's ``GraphicalLasso``); ``location_`` is then zero.
    solver : {"auto", "bcd", "quic", "admm"}, default="auto"
        ``"auto"`` runs block coordinate descent, switches to QUIC when it breaks
        down or stalls, and to ADMM when QUIC stalls; the others run one method
        (``"bcd"`` raises ``FloatingPointError`` when it breaks down). Every solver
        stops on the same duality gap and ``tol``. (This replaces scikit-learn's
        ``mode`` and ``enet_tol``.)
    max_iter : int, default=100
        Maximum number of iterations per block and per method (sweeps of block
        coordinate descent, Newton iterations; ADMM gets ``50 * max_iter``).
    tol : float, default=1e-4
        Stop when the duality gap ``|tr(S Θ) - p + Σ_ij A_ij |Θ_ij||`` is below
        ``tol`` (scikit-learn's definition, the same for every solver).
    assume_centered : bool, default=False
        If True, do not centre the data.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated mean.
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance ``Θ^{-1}`` (the inverse of ``precision_`` to rounding).
    precision_ : ndarray of shape (n_features, n_features)
        Estimated sparse precision ``Θ``.
    n_iter_ : int
        Largest number of iterations over the blocks (summed over the methods that
        ran, and over the reweightings of a non-convex penalty).
    dual_gap_ : float
        Duality gap at the solution (of the last weighted problem for MCP/SCAD).
    penalty_weights_ : ndarray of shape (n_features, n_features)
        Only for ``penalty="mcp"`` or ``"scad"``: the weights of the last weighted
        graphical lasso, the penalty derivatives at ``precision_`` to within
        ``1e-4`` of ``alpha`` (a fixed point of the local linear approximation).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    GraphicalLassoCV : Chooses ``alpha`` by cross-validation.
    GraphicalLassoEBIC : Chooses ``alpha`` by the extended BIC.
    CompressiveGraphicalLasso : The same model decoded from a compressed sketch.
    sklearn.covariance.GraphicalLasso : The coordinate-descent implementation.

    References
    ----------
    .. [1] J. Friedman, T. Hastie, R. Tibshirani, "Sparse inverse covariance
       estimation with the graphical lasso", Biostatistics 2008.
    .. [2] C.-J. Hsieh, M. Sustik, I. Dhillon, P. Ravikumar, "QUIC: quadratic
       approximation for sparse inverse covariance estimation", JMLR 2014.
    .. [3] R. Mazumder, T. Hastie, "Exact covariance thresholding into connected
       components for large-scale graphical lasso", JMLR 2012.
    .. [4] J. Fan, Y. Feng, Y. Wu, "Network exploration via the adaptive LASSO and
       SCAD penalties", Annals of Applied Statistics 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.covariance import GraphicalLasso
    >>> from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
    >>> prec = make_sparse_precision(10, n_edges=8, random_state=0)
    >>> X = sample_gaussian_graph(500, prec, random_state=0)
    >>> model = GraphicalLasso(alpha=0.05).fit(X)
    >>> model.precision_.shape
    (10, 10)
    >>> bool(abs(model.dual_gap_) < 1e-4)
    True
    >>> S = np.cov(X, rowvar=False, bias=True)
    >>> pre = GraphicalLasso(alpha=0.05, covariance="precomputed").fit(S)
    >>> bool(np.allclose(pre.precision_, model.precision_, atol=1e-3))
    True
    """

    _parameter_constraints: dict = {
        "alpha": ALPHA_CONSTRAINT,
        **PENALTY_CONSTRAINTS,
        "covariance": [StrOptions({"precomputed"}), None],
        **SOLVER_CONSTRAINTS,
        "assume_centered": ["boolean"],
    }

    def __init__(self, alpha=0.01, *, penalty="l1", gamma=3.0, a=3.7, covariance=None,
                 solver="auto", max_iter=100, tol=1e-4, assume_centered=False):
        self.alpha = alpha
        self.penalty = penalty
        self.gamma = gamma
        self.a = a
        self.covariance = covariance
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.assume_centered = assume_centered

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the sparse precision matrix to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_features, n_features)
            Data (at least 2 samples and 2 features); the empirical covariance when
            ``covariance="precomputed"``.
        y : None
            Ignored.

        Returns
        -------
        self : GraphicalLasso
            The fitted estimator.
        """
        self.location_, S = self._location_and_covariance(X)
        self._store(self._fit_at(S, check_penalty(self.alpha, S.shape[0])))
        return self
