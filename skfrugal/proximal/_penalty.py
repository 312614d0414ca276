"""The sorted penalty object: scalar penalty, its parameter, value, prox and step rules."""

import numbers
import warnings

import numpy as np

from skfrugal.proximal._pava import PENALTY_CODES, lq_threshold

PENALTIES = tuple(PENALTY_CODES)
# the parameter of each scalar penalty (None for L1)
PARAM_NAMES = {"l1": None, "mcp": "gamma", "scad": "a", "log": "log_eps", "lq": "lq_exponent"}
# fraction of the exactness bound used as the largest step by the solvers
STEP_SAFETY = 0.99


def _real(value, name, low=None, high=None, low_open=True, high_open=True):
    # type(value) is float first: the check against the numbers.Real ABC is slow
    if type(value) is not float and (
        isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
    ):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def renamed(new_value, old_value, old, new, default):
    """Resolve a renamed parameter: warn (FutureWarning) if the old name was passed.

    ``old_value`` is the string ``"deprecated"`` when the old name was not used.
    Returns the value to use.
    """
    if isinstance(old_value, str) and old_value == "deprecated":
        return new_value
    warnings.warn(
        f"the parameter {old!r} is renamed {new!r} (it clashed with another meaning of "
        f"{old!r}); {old!r} will be removed in skfrugal 0.4",
        FutureWarning,
        stacklevel=3,
    )
    if new_value != default:
        raise ValueError(f"pass {new!r} only (got both {old!r} and {new!r})")
    return old_value


def zero_threshold(code, step, lam_min, param):
    """Zero threshold of the prox for a penalty code (see SortedPenalty.zero_threshold)."""
    mu = step * lam_min
    if code == PENALTY_CODES["log"]:
        return mu / param
    if code == PENALTY_CODES["lq"]:
        return lq_threshold(mu, param) if mu > 0 else 0.0
    return mu


class SortedPenalty:
    r"""A sorted penalty :math:`\Psi(x) = \sum_i \psi(|x|_{(i)}; \lambda_i)`.

    Holds the scalar penalty :math:`\psi` and its parameter, and everything the prox,
    the solvers, the path and the cross-validation need to know about it: its kernel
    code, its value, its proximal operator, the largest step for which the PAV prox is
    exact, and the threshold below which an entry of the prox is zero. The estimators
    build one per fit.

    Scalar penalties, for :math:`t \ge 0`:

    - ``"l1"``: :math:`\lambda t` (SLOPE), convex;
    - ``"mcp"``: :math:`\lambda t - t^2/(2\gamma)` up to :math:`\gamma\lambda`, then
      :math:`\gamma\lambda^2/2`; prox exact for ``step < gamma``;
    - ``"scad"``: :math:`\lambda t` up to :math:`\lambda`, then
      :math:`(2a\lambda t - t^2 - \lambda^2)/(2(a-1))` up to :math:`a\lambda`, then
      :math:`\lambda^2(a+1)/2`; prox exact for ``step < a - 1``;
    - ``"log"``: :math:`\lambda\log(1 + t/\varepsilon)`; prox exact for
      ``step * lambdas[0] < log_eps**2``;
    - ``"lq"``: :math:`\lambda t^q`; never convex (the PAV prox returns a fixed point
      with the sorted structure, see :func:`prox_sorted`).

    Parameters
    ----------
    penalty : {"l1", "mcp", "scad", "log", "lq"}, default="l1"
        The scalar penalty.
    gamma : float, default=3.0
        MCP parameter (> 0).
    a : float, default=3.7
        SCAD parameter (> 2).
    log_eps : float, default=1.0
        Log-sum parameter :math:`\varepsilon` (> 0).
    lq_exponent : float, default=0.5
        Exponent :math:`q` of the l_q penalty, in (0, 1).

    Attributes
    ----------
    name : str
        The scalar penalty.
    code : int
        Its code in the PAV kernels.
    param : float
        Its parameter (gamma, a, log_eps or lq_exponent; 0.0 for L1).
    param_name : str or None
        The parameter's name.
    convex : bool
        True for L1 only.

    See Also
    --------
    prox_sorted : The proximal operator.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.proximal import SortedPenalty
    >>> pen = SortedPenalty("mcp", gamma=2.0)
    >>> pen.max_step(lambda_max=1.0)
    2.0
    >>> lam = np.array([1.0, 0.5])
    >>> pen.value(np.array([0.5, -3.0]), lam)
    1.1875
    >>> pen.prox(np.array([0.5, -3.0]), lam, step=1.0)
    array([ 0., -3.])
    """

    def __init__(self, penalty="l1", *, gamma=3.0, a=3.7, log_eps=1.0, lq_exponent=0.5):
        if not isinstance(penalty, str) or penalty not in PENALTY_CODES:
            raise ValueError(f"penalty must be one of {PENALTIES}, got {penalty!r}")
        self.name = penalty
        self.code = PENALTY_CODES[penalty]
        self.param_name = PARAM_NAMES[penalty]
        # every parameter is checked, also those the chosen penalty does not use
        params = {"gamma": _real(gamma, "gamma", low=0.0), "a": _real(a, "a", low=2.0),
                  "log_eps": _real(log_eps, "log_eps", low=0.0),
                  "lq_exponent": _real(lq_exponent, "lq_exponent", low=0.0, high=1.0)}
        self.param = 0.0 if self.param_name is None else params[self.param_name]
        self.convex = penalty == "l1"

    def __repr__(self):
        if self.param_name is None:
            return f"SortedPenalty({self.name!r})"
        return f"SortedPenalty({self.name!r}, {self.param_name}={self.param:g})"

    def max_step(self, lambda_max):
        """Supremum of the steps for which the PAV prox is exact.

        Parameters
        ----------
        lambda_max : float
            The largest weight (``lambdas[0]``).

        Returns
        -------
        step : float
            ``inf`` for L1 and l_q (no bound), ``gamma`` for MCP, ``a - 1`` for SCAD,
            ``log_eps**2 / lambda_max`` for log-sum.
        """
        lambda_max = _real(lambda_max, "lambda_max", low=0.0, low_open=False)
        if self.name == "mcp":
            return self.param
        if self.name == "scad":
            return self.param - 1.0
        if self.name == "log":
            return self.param**2 / lambda_max if lambda_max > 0 else np.inf
        return np.inf

    def step_cap(self, lambda_max):
        """Largest step the solvers take: a fixed fraction of :meth:`max_step`.

        Parameters
        ----------
        lambda_max : float
            The largest weight.

        Returns
        -------
        step : float
        """
        return STEP_SAFETY * self.max_step(lambda_max)

    def check_step(self, step, lambda_max):
        """Raise ``ValueError`` if the prox at ``step`` is not exact.

        Parameters
        ----------
        step : float
            Step size.
        lambda_max : float
            The largest weight.
        """
        step = _real(step, "step", low=0.0)
        if step < self.max_step(lambda_max):
            return
        if self.name == "mcp":
            raise ValueError(
                f"the sorted MCP prox is exact only for step < gamma: got step={step:g}, "
                f"gamma={self.param:g}; increase gamma or decrease step"
            )
        if self.name == "scad":
            raise ValueError(
                f"the sorted SCAD prox is exact only for step < a - 1: got step={step:g}, "
                f"a={self.param:g}; increase a or decrease step"
            )
        raise ValueError(
            "the sorted log-sum prox is exact only for step * lambdas[0] < log_eps**2: got "
            f"step={step:g}, lambdas[0]={lambda_max:g}, log_eps={self.param:g}; increase "
            "log_eps or decrease step"
        )

    def zero_threshold(self, step, lambda_min):
        """Magnitude at or below which an entry of the prox is zero whatever the others.

        An entry with ``|y_i| <= t``, ``t`` the scalar threshold of the smallest weight
        ``step * lambda_min``, is zero at the optimum of the isotonic problem: zeroing
        the suffix of such entries keeps the order constraint and decreases each of
        their terms. Only the other entries are sorted.

        Parameters
        ----------
        step : float
            Step size.
        lambda_min : float
            The smallest weight.

        Returns
        -------
        threshold : float
        """
        step = _real(step, "step", low=0.0)
        lambda_min = _real(lambda_min, "lambda_min", low=0.0, low_open=False)
        return zero_threshold(self.code, step, lambda_min, self.param)

    def value(self, x, lambdas):
        """Value of the penalty at ``x``.

        Parameters
        ----------
        x : array-like of shape (p,)
            Finite real vector.
        lambdas : array-like of shape (p,)
            Non-increasing, non-negative, finite weights.

        Returns
        -------
        value : float
        """
        from skfrugal.proximal._prox import check_lambdas, check_vector

        x = check_vector(x, "x")
        return self._value(x, check_lambdas(lambdas, x.shape[0]))

    def _value(self, x, lambdas):
        """:meth:`value` on validated arrays (``x`` of any shape: it is flattened)."""
        t = np.sort(np.abs(np.ravel(x)))[::-1]
        lam = lambdas
        if self.name == "l1":
            return float(t @ lam)
        if self.name == "mcp":
            g = self.param
            v = np.where(t <= g * lam, lam * t - t**2 / (2 * g), g * lam**2 / 2)
        elif self.name == "scad":
            a = self.param
            mid = (2 * a * lam * t - t**2 - lam**2) / (2 * (a - 1))
            v = np.where(t <= lam, lam * t, np.where(t <= a * lam, mid, lam**2 * (a + 1) / 2))
        elif self.name == "log":
            v = lam * np.log1p(t / self.param)
        else:
            v = lam * t**self.param
        return float(v.sum())

    def prox(self, y, lambdas, step=1.0, return_clusters=False):
        """Proximal operator of ``step`` times the penalty at ``y``.

        Parameters
        ----------
        y : array-like of shape (p,)
            Finite real point.
        lambdas : array-like of shape (p,)
            Non-increasing, non-negative, finite weights.
        step : float, default=1.0
            Step size (> 0; for MCP, SCAD and log-sum, below :meth:`max_step`).
        return_clusters : bool, default=False
            Also return the PAV cluster labels.

        Returns
        -------
        u : ndarray of shape (p,)
        labels : ndarray of shape (p,), int64, only if ``return_clusters``
        """
        from skfrugal.proximal._prox import check_lambdas, check_vector

        y = check_vector(y, "y")
        lam = check_lambdas(lambdas, y.shape[0])
        step = _real(step, "step", low=0.0)
        if not isinstance(return_clusters, (bool, np.bool_)):
            raise TypeError(f"return_clusters must be a bool, got {return_clusters!r}")
        self.check_step(step, lam[0])
        return self._prox(y, lam, step, bool(return_clusters))

    def _prox(self, y, lambdas, step=1.0, return_clusters=False):
        """:meth:`prox` on validated float64 C-contiguous arrays (for the solvers)."""
        from skfrugal.proximal._prox import prox_sorted_unchecked

        return prox_sorted_unchecked(y, lambdas, self.code, step, self.param,
                                     return_clusters=return_clusters)
