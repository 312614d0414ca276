"""Data-fitting losses of the sorted-penalty models, with their Fenchel duals.

Each loss is ``f(z) = sum_i w_i l(y_i, z_i)`` with weights ``w`` summing to one (the
sample weights divided by their sum: integer weights are repeated rows), ``z = X beta
+ b`` (shape ``(n,)``, or ``(n, K)`` for the multinomial loss). A loss gives its value,
its gradient in ``z`` and the diagonal of its Hessian (for the proximal Newton
solver), the intercept of the model without features, the saturated value (the
minimum over ``z``, for a scale-free relative gap), and the dual value at a dual
point built from the gradient:

- ``dual_point(g)`` returns ``u`` feasible for the conjugate (``f*(u) < inf``) and, with
  an intercept, with ``sum_i u_i = 0`` (per class for the multinomial loss), obtained by
  scaling ``g`` sample-wise by factors in ``[0, 1]``;
- the caller divides ``u`` by ``max(1, J*(X^T u))`` (the dual sorted L1 norm), which
  keeps it feasible, and ``dual_value(u)`` is then a lower bound on the optimum.

The conjugates (``s`` and ``v`` the dual variables of each sample):

- squared ``1/2 (y - z)^2``: ``f*(u) = sum u_i^2 / (2 w_i) + u_i y_i``;
- logistic ``log(1 + e^z) - y z`` (``y`` in {0, 1}): ``u_i = w_i (s_i - y_i)``,
  ``s_i in [0, 1]``, ``f*(u) = sum w_i (s_i log s_i + (1 - s_i) log(1 - s_i))``;
- multinomial ``logsumexp(z) - z_{y}``: ``u_i = w_i (s_i - e_{y_i})``, ``s_i`` in the
  simplex, ``f*(u) = sum w_i sum_k s_ik log s_ik``;
- Poisson ``e^z - y z``: ``u_i = w_i (v_i - y_i)``, ``v_i >= 0``,
  ``f*(u) = sum w_i (v_i log v_i - v_i)``.
"""

import numpy as np
from scipy.special import expit, log_expit, softmax, xlogy

from skfrugal.linear_model._loss_kernels import (
    logistic_dual_value,
    logistic_grad_hess,
    logistic_value_along,
    logistic_value_dual_point,
)

_EMPTY = np.empty(0)

# largest linear predictor fed to exp in the Poisson loss (exp(700) ~ 1e304)
_ZMAX = 700.0


class _Loss:
    """Compositions of the per-loss methods; a loss may override them with one pass."""

    def grad_hess(self, z):
        """Gradient and Hessian diagonal at ``z``."""
        return self.grad(z), self.hess(z)

    def value_along(self, z, dz, t):
        """The loss at ``z + t dz``."""
        return self.value(z + t * dz)

    def value_dual_point(self, z, fit_intercept):
        """The loss at ``z`` and the dual point built from its gradient."""
        return self.value(z), self.dual_point(self.grad(z), fit_intercept)

    def value_dual_point_slope(self, z, fit_intercept, dz):
        """:meth:`value_dual_point` and the derivative of the loss along ``dz``."""
        g = self.grad(z)
        return self.value(z), self.dual_point(g, fit_intercept), float(np.sum(g * dz))

    def scaled_dual_value(self, u, scale):
        """The dual objective at ``u / scale``."""
        return self.dual_value(u / scale)


class SquaredLoss(_Loss):
    """``1/2 sum_i w_i (y_i - z_i)^2``."""

    name = "squared"
    multi = False

    def __init__(self, y, w):
        self.y, self.w = y, w

    def value(self, z):
        r = self.y - z
        return 0.5 * float(self.w @ (r * r))

    def grad(self, z):
        return self.w * (z - self.y)

    def hess(self, z):
        return self.w

    def null_intercept(self):
        return float(self.w @ self.y)

    def saturated(self):
        return 0.0

    def dual_point(self, g, fit_intercept):
        if fit_intercept:
            return g - self.w * g.sum()
        return g.copy()

    def separated(self, z):
        return False

    def dual_value(self, u):
        pos = self.w > 0
        return -float(np.sum(u[pos] ** 2 / (2 * self.w[pos])) + u @ self.y)


def _balance(g, fit_intercept):
    """Scale the positive or the negative entries of ``g`` down so that they sum to 0."""
    if not fit_intercept:
        return g.copy()
    u = g.copy()
    pos = u > 0
    s_pos, s_neg = u[pos].sum(), -u[~pos].sum()
    if s_pos > s_neg:
        u[pos] *= s_neg / s_pos
    elif s_neg > 0:
        u[~pos] *= s_pos / s_neg
    return u


class LogisticLoss(_Loss):
    """``sum_i w_i (log(1 + e^{z_i}) - y_i z_i)``, ``y`` in {0, 1}."""

    name = "logistic"
    multi = False

    def __init__(self, y, w):
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        self._sign = np.where(y > 0, 1.0, -1.0)

    def value(self, z):
        # log(1 + e^z) - y z = -log_expit(s z), s = +1 for y = 1 and -1 for y = 0
        return -float(self.w @ log_expit(self._sign * z))

    # one-pass kernels of the solvers (z: float64 vectors of the solvers)
    def grad_hess(self, z):
        g, h = np.empty_like(z), np.empty_like(z)
        logistic_grad_hess(z, self.y, self.w, g, h)
        return g, h

    def value_along(self, z, dz, t):
        return logistic_value_along(z, dz, float(t), self._sign, self.w)

    def value_dual_point(self, z, fit_intercept):
        u = np.empty_like(z)
        f, _ = logistic_value_dual_point(z, self.y, self._sign, self.w, fit_intercept,
                                         _EMPTY, u)
        return f, u

    def value_dual_point_slope(self, z, fit_intercept, dz):
        u = np.empty_like(z)
        f, slope = logistic_value_dual_point(z, self.y, self._sign, self.w, fit_intercept,
                                             dz, u)
        return f, u, slope

    def scaled_dual_value(self, u, scale):
        return logistic_dual_value(u, float(scale), self.y, self.w)

    def grad(self, z):
        return self.w * (expit(z) - self.y)

    def hess(self, z):
        p = expit(z)
        return self.w * (p * (1.0 - p))

    def null_intercept(self):
        m = float(self.w @ self.y)
        return float(np.log(m) - np.log1p(-m))

    def saturated(self):
        return 0.0

    def dual_point(self, g, fit_intercept):
        return _balance(g, fit_intercept)

    def separated(self, z):
        """Whether ``z`` classifies every sample of positive weight strictly right.

        Then the classes are linearly separable: scaling the model up drives the loss
        to 0, so the unpenalised loss has no minimiser.
        """
        pos = self.w > 0
        return bool(np.all(np.where(self.y[pos] > 0, z[pos], -z[pos]) > 0))

    def dual_value(self, u):
        pos = self.w > 0
        s = np.clip(self.y[pos] + u[pos] / self.w[pos], 0.0, 1.0)
        return -float(self.w[pos] @ (xlogy(s, s) + xlogy(1.0 - s, 1.0 - s)))


class PoissonLoss(_Loss):
    """``sum_i w_i (e^{z_i} - y_i z_i)``, ``y >= 0`` (log link)."""

    name = "poisson"
    multi = False

    def __init__(self, y, w):
        self.y, self.w = y, w

    def value(self, z):
        if np.any(z > _ZMAX):
            return np.inf
        return float(self.w @ (np.exp(z) - self.y * z))

    def grad(self, z):
        return self.w * (np.exp(np.minimum(z, _ZMAX)) - self.y)

    def hess(self, z):
        return self.w * np.exp(np.minimum(z, _ZMAX))

    def null_intercept(self):
        return float(np.log(self.w @ self.y))

    def saturated(self):
        return float(self.w @ (self.y - xlogy(self.y, self.y)))

    def dual_point(self, g, fit_intercept):
        return _balance(g, fit_intercept)

    def separated(self, z):
        return False

    def dual_value(self, u):
        pos = self.w > 0
        v = np.maximum(self.y[pos] + u[pos] / self.w[pos], 0.0)
        return -float(self.w[pos] @ (xlogy(v, v) - v))


class MultinomialLoss(_Loss):
    """``sum_i w_i (logsumexp(z_i) - z_{i, y_i})`` over K classes, ``Y`` one-hot (n, K)."""

    name = "multinomial"
    multi = True

    def __init__(self, Y, w):
        self.y, self.w = Y, w

    def value(self, Z):
        m = Z.max(axis=1)
        lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
        return float(self.w @ (lse - np.sum(Z * self.y, axis=1)))

    def grad(self, Z):
        return self.w[:, None] * (softmax(Z, axis=1) - self.y)

    def hess(self, Z):
        """Diagonal of each sample's K x K Hessian block (the cross terms are left out)."""
        P = softmax(Z, axis=1)
        return self.w[:, None] * (P * (1.0 - P))

    def null_intercept(self):
        pi = self.w @ self.y
        b = np.log(pi)
        return b - b.mean()

    def saturated(self):
        return 0.0

    def dual_point(self, G, fit_intercept):
        """Scale each class's samples by tau_c in (0, 1] so that every column sums to 0.

        With ``A[c, k]`` the sum over samples of class ``c`` of their probability of
        class ``k != c``, the column sums vanish when ``sum_{c != k} tau_c A[c, k] =
        tau_k sum_{k' != k} A[k, k']``: ``tau`` is the stationary distribution of the
        Markov chain of rates ``A`` (positive when ``A`` is), scaled to max 1.
        """
        if not fit_intercept:
            return G.copy()
        K = self.y.shape[1]
        cls = np.argmax(self.y, axis=1)
        pos = self.w > 0
        P = G[pos] / self.w[pos, None] + self.y[pos]  # probabilities
        A = np.zeros((K, K))
        np.add.at(A, cls[pos], self.w[pos, None] * P)
        np.fill_diagonal(A, 0.0)
        Q = A.T - np.diag(A.sum(axis=1))  # Q tau = 0
        # tau: null vector of Q, normalised (the last equation is replaced by sum = 1)
        M = Q.copy()
        M[-1] = 1.0
        rhs = np.zeros(K)
        rhs[-1] = 1.0
        try:
            tau = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:
            return np.zeros_like(G)
        if not np.all(np.isfinite(tau)) or tau.min() <= 0:
            return np.zeros_like(G)
        tau /= tau.max()
        return G * tau[cls][:, None]

    def separated(self, Z):
        """Whether ``Z`` ranks the true class strictly first for every sample of
        positive weight (then the loss has no minimiser without a penalty)."""
        pos = self.w > 0
        Zp, Yp = Z[pos], self.y[pos] > 0
        true = Zp[Yp]
        other = np.where(Yp, -np.inf, Zp).max(axis=1)
        return bool(np.all(true > other))

    def dual_value(self, U):
        pos = self.w > 0
        S = np.clip(self.y[pos] + U[pos] / self.w[pos, None], 0.0, 1.0)
        return -float(self.w[pos] @ np.sum(xlogy(S, S), axis=1))


LOSSES = {"squared": SquaredLoss, "logistic": LogisticLoss, "poisson": PoissonLoss,
          "multinomial": MultinomialLoss}
