"""GraphicalLassoEBIC: the penalty chosen by the extended Bayesian information
criterion (Foygel & Drton 2010) along a warm-started path."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from skfrugal.covariance._graphical_lasso import (
    PENALTY_CONSTRAINTS,
    SOLVER_CONSTRAINTS,
    _BaseGraphicalLasso,
)
from skfrugal.covariance._linalg import cholesky
from skfrugal.covariance._path import alpha_max, check_alphas, path_fits, warn_path_fits


def _ebic(emp_cov, precision, n_samples, gamma=0.5):
    """Extended BIC of a Gaussian graphical model (Foygel & Drton 2010).

    ``n (tr(S Θ) - log det Θ) + |E| log n + 4 gamma |E| log p``, where ``|E|`` is the
    number of edges (non-zero ``Θ_ij``, ``i < j``): minus twice the log-likelihood
    (without its constant ``n p log 2π``) plus the BIC penalty and ``4 gamma log p``
    per edge for the number of graphs of that size. ``gamma = 0`` is the BIC.
    """
    p = emp_cov.shape[0]
    c, ok = cholesky(precision)
    if not ok:
        return np.inf
    logdet = 2.0 * float(np.log(np.diag(c)).sum())
    n_edges = (np.count_nonzero(precision) - np.count_nonzero(np.diag(precision))) // 2
    fit = n_samples * (float(np.sum(emp_cov * precision)) - logdet)
    return fit + n_edges * (np.log(n_samples) + 4.0 * gamma * np.log(p))


class GraphicalLassoEBIC(_BaseGraphicalLasso):
    """Sparse inverse covariance with ``alpha`` chosen by the extended BIC.

    The graphical lasso is fitted along a decreasing grid of penalties on all the
    data (each fit warm-started from the previous one, no refit per fold) and the
    fit that minimises the extended Bayesian information criterion

    .. math::

        \\mathrm{EBIC}_γ = n\\,(\\operatorname{tr}(SΘ) - \\log\\det Θ)
        + |E| \\log n + 4 γ |E| \\log p

    is kept (``|E|`` the number of edges; Foygel & Drton 2010). Cross-validated
    likelihood (:class:`GraphicalLassoCV`) rewards prediction and selects dense
    graphs; EBIC targets the graph, and with ``ebic_gamma > 0`` stays consistent when
    ``p`` grows with ``n``. ``ebic_gamma=0`` is the ordinary BIC. It needs the number
    of samples: with ``covariance="precomputed"``, pass ``n_samples`` to ``fit``.

    Parameters
    ----------
    alphas : int or array-like of shape (n_alphas,), default=10
        The grid, or its length ``>= 2``: geometric from ``alpha_max`` (the largest
        off-diagonal ``|S_ij|``, where the graph is empty) down to ``alpha_max / 100``.
    ebic_gamma : float, default=0.5
        ``γ`` in ``[0, 1]``: the weight of the ``log p`` term per edge (0.5 is the
        value recommended by Foygel & Drton; 0 gives the BIC).
    penalty : {"l1", "mcp", "scad"}, default="l1"
        See :class:`GraphicalLasso`.
    gamma : float, default=3.0
        MCP concavity (not the EBIC ``γ``: see ``ebic_gamma``).
    a : float, default=3.7
        SCAD parameter.
    covariance : "precomputed" or None, default=None
        ``"precomputed"``: ``fit`` takes the empirical covariance and ``n_samples``.
    solver : {"auto", "bcd", "quic", "admm"}, default="auto"
        See :class:`GraphicalLasso`.
    max_iter : int, default=100
        Iterations of every fit.
    tol : float, default=1e-4
        Duality-gap tolerance of every fit.
    assume_centered : bool, default=False
        If True, do not centre the data.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated mean (zero with a precomputed covariance).
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance at ``alpha_``.
    precision_ : ndarray of shape (n_features, n_features)
        Estimated sparse precision at ``alpha_``.
    alpha_ : float
        The penalty of the smallest EBIC.
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    criterion_ : ndarray of shape (n_alphas,)
        EBIC at each alpha of the grid (``inf`` where the fit failed).
    n_iter_ : int
        Iterations of the chosen fit.
    dual_gap_ : float
        Duality gap of the chosen fit.
    penalty_weights_ : ndarray of shape (n_features, n_features)
        Only for ``penalty="mcp"`` or ``"scad"``; see :class:`GraphicalLasso`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    GraphicalLassoCV : Chooses ``alpha`` by cross-validated likelihood.
    GraphicalLasso : The estimator at a fixed ``alpha``.

    References
    ----------
    .. [1] R. Foygel, M. Drton, "Extended Bayesian information criteria for Gaussian
       graphical models", NeurIPS 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.covariance import GraphicalLassoEBIC
    >>> from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
    >>> prec = make_sparse_precision(10, n_edges=8, random_state=0)
    >>> X = sample_gaussian_graph(500, prec, random_state=0)
    >>> model = GraphicalLassoEBIC().fit(X)
    >>> bool(model.criterion_.min() == model.criterion_[model.alphas_ == model.alpha_][0])
    True
    >>> S = np.cov(X, rowvar=False, bias=True)
    >>> pre = GraphicalLassoEBIC(covariance="precomputed").fit(S, n_samples=500)
    >>> bool(pre.alpha_ == model.alpha_)
    True
    """

    _parameter_constraints: dict = {
        "alphas": [Interval(Integral, 2, None, closed="left"), "array-like"],
        "ebic_gamma": [Interval(Real, 0, 1, closed="both")],
        **PENALTY_CONSTRAINTS,
        "covariance": [StrOptions({"precomputed"}), None],
        **SOLVER_CONSTRAINTS,
        "assume_centered": ["boolean"],
    }

    def __init__(self, *, alphas=10, ebic_gamma=0.5, penalty="l1", gamma=3.0, a=3.7,
                 covariance=None, solver="auto", max_iter=100, tol=1e-4,
                 assume_centered=False):
        self.alphas = alphas
        self.ebic_gamma = ebic_gamma
        self.penalty = penalty
        self.gamma = gamma
        self.a = a
        self.covariance = covariance
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.assume_centered = assume_centered

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, n_samples=None):
        """Fit the path and keep the fit of the smallest EBIC.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_features, n_features)
            Data; the empirical covariance when ``covariance="precomputed"``.
        y : None
            Ignored.
        n_samples : int, default=None
            Number of samples behind the precomputed covariance (required with
            ``covariance="precomputed"``, refused otherwise).

        Returns
        -------
        self : GraphicalLassoEBIC
            The fitted estimator.
        """
        precomputed = self.covariance == "precomputed"
        if precomputed:
            if n_samples is None:
                raise ValueError(
                    "the EBIC needs the number of samples behind the covariance: "
                    "fit(S, n_samples=n) with covariance='precomputed'")
            if (isinstance(n_samples, bool) or not isinstance(n_samples, Integral)
                    or n_samples < 1):
                raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
            n = int(n_samples)
        elif n_samples is not None:
            raise ValueError(
                "n_samples is only for covariance='precomputed' (with data, it is "
                "the number of rows of X)")
        self.location_, S = self._location_and_covariance(X)
        if not precomputed:
            n = np.shape(X)[0]
        if isinstance(self.alphas, Integral):
            grid = alpha_max(S) * np.logspace(0, -2, self.alphas)
        else:
            grid = check_alphas(self.alphas)
        fits = path_fits(S, grid, penalty=self.penalty, gamma=self.gamma, a=self.a,
                         solver=self.solver, tol=self.tol, max_iter=self.max_iter)
        warn_path_fits(grid, fits, self.tol, where="EBIC path")
        self.alphas_ = grid
        self.criterion_ = np.array([np.inf if f[1] is None else
                                    _ebic(S, f[1], n, self.ebic_gamma) for f in fits])
        if not np.isfinite(self.criterion_).any():
            raise ValueError("every fit of the EBIC path failed (no positive-definite "
                             f"solution for alphas {grid[0]:.3g} to {grid[-1]:.3g})")
        best = int(np.argmin(self.criterion_))
        self.alpha_ = float(grid[best])
        cov, prec, n_iter, gap, _, _, weights = fits[best]
        self._store((cov, prec, n_iter, gap, weights))
        return self
