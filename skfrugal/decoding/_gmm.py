"""Decoders of Gaussian mixtures with diagonal (or spherical) covariances from a sketch.

Built on the primitives shared by every decoder (atom sketches, NNLS
weights, bounded global descent of the sketch residual):

- :func:`cl_ompr_gmm`: Algorithm 1 of Keriven, Bourrier, Gribonval and Pérez (2018)
  with Gaussian atoms ``θ = (μ, s²)`` selected, thresholded and descended directly (the
  k-means CL-OMPR, :func:`~skfrugal.decoding.cl_ompr`, selects Diracs). Step 1 maximises the
  correlation of the *normalised* Gaussian atom with the residual over ``(μ, s²)``; its
  start is the best of a few points drawn from the data's Gaussian envelope rather than
  one point of the bounding box.
- :func:`split_gmm`: the hierarchical splitting variant (Algorithm 2 of the same paper):
  start from one Gaussian, split every atom in two along its direction of largest
  variance, keep the ``K`` best atoms by NNLS on normalised atoms, descend; ``⌈log₂ K⌉``
  rounds, so ``O(m d K log K)`` instead of ``O(m d K²)``.

Everything works in the sketch's standardised coordinates. Variances come in two
forms: diagonal, of shape ``(K, d)``, or spherical, of shape ``(K,)`` meaning
``s_k² · metric`` (``metric`` turns "spherical in the data's units" into the
standardised coordinates, see :func:`~skfrugal.decoding.atom_sketches`).
"""

import math
from numbers import Integral

import numpy as np
from scipy.optimize import minimize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skfrugal.decoding._atoms import _atom_sketches
from skfrugal.decoding._descent import _global_descent, _nnls_weights, _residual_cost
from skfrugal.decoding._inputs import DecoderInputs
from skfrugal.decoding._result import DecodeResult
from skfrugal.decoding._validation import check_inputs, check_variance_bounds

#: Floor of the decoded variances, relative to the sketch scale ``σ̄²`` (standardised
#: units). A sketch at bandwidth ``σ̄`` does not resolve much finer detail; the floor
#: keeps a component from collapsing onto a point (an infinite likelihood).
VARIANCE_FLOOR = 1e-3


#: Smoothing of the splitting rounds with ``k`` atoms: ``h² = SPLIT_SMOOTHING · σ² k^(-2/d)``
#: for a data variance ``σ²`` (mean over the features): ``k`` blobs of that variance
#: fill the data's volume.
SPLIT_SMOOTHING = 0.5


def _split_smoothing(spread, k, d):
    return SPLIT_SMOOTHING * spread * k ** (-2.0 / d)


@validate_params(
    {"inputs": [DecoderInputs], "covariance": [StrOptions({"spherical", "diag"})]},
    prefer_skip_nested_validation=True,
)
def gmm_variance_bounds(inputs, covariance):
    """Bounds of the variances of mixture components: ``1e-3 σ̄²`` to the data's variance.

    Parameters
    ----------
    inputs : DecoderInputs
        The decoder inputs (their ``scale``, ``data_var`` and ``metric``).
    covariance : {"diag", "spherical"}
        Variance model.

    Returns
    -------
    bounds : (float, ndarray or float)
        Floor and ceiling, per feature (``"diag"``) or for the spherical ``s²``.
    """
    check_inputs(inputs)
    floor = VARIANCE_FLOOR * float(inputs.scale)
    if covariance == "diag":
        return floor, np.maximum(inputs.data_var, floor)
    return floor, max(float(np.max(inputs.data_var / inputs.metric)), floor)


def _variance_matrix(variances, metric, d):
    """``(K, d)`` per-feature variances of diagonal or spherical atoms."""
    variances = np.asarray(variances, dtype=np.float64)
    if variances.ndim == 2:
        return variances
    g = np.ones(d) if metric is None else np.asarray(metric, dtype=np.float64)
    return variances[:, None] * g[None, :]


def normalized_correlation_and_gradient(mean, variance, residual, frequencies, omega_sq,
                                        metric=None):
    """Correlation ``Re⟨A(θ) / ‖A(θ)‖, r⟩`` of one Gaussian atom with a residual, and gradient.

    With ``D_j = exp(-½ Σ_l ω_lj² s_l²)``, ``c_j = Re(exp(i ω_jᵀ μ) r_j)``,
    ``N = Σ_j D_j c_j`` and ``Q = Σ_j D_j²``, the value is ``N / √Q`` (CL-OMPR's step-1
    objective with Gaussian atoms; ``√Q = ‖A(θ)‖`` does not depend on ``μ``).

    Parameters
    ----------
    mean : ndarray of shape (d,)
        Location ``μ``.
    variance : ndarray of shape (d,) or (1,)
        Diagonal variances ``s²``, or one spherical variance (times ``metric``).
    residual : ndarray of shape (m,), complex
        Residual sketch ``r``.
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    omega_sq : ndarray of shape (d, m)
        ``Ω²``.
    metric : ndarray of shape (d,), default=None
        Per-feature factor of a spherical variance; ``None`` means that ``variance``
        is diagonal.

    Returns
    -------
    value : float
        ``N / √Q``.
    grad_mean : ndarray of shape (d,)
        Gradient with respect to ``μ``.
    grad_variance : ndarray of the shape of ``variance``
        Gradient with respect to the variance(s).
    """
    spherical = metric is not None
    s2 = variance * metric if spherical else variance
    phase = mean @ frequencies
    cos, sin = np.cos(phase), np.sin(phase)
    a, b = residual.real, residual.imag
    c = cos * a - sin * b  # Re(exp(iφ) r)
    s = cos * b + sin * a  # Im(exp(iφ) r)
    damp = np.exp(-0.5 * (s2 @ omega_sq))
    num = float(damp @ c)
    q = float(damp @ damp)
    root = math.sqrt(max(q, 1e-300))
    value = num / root
    grad_mean = -(frequencies @ (damp * s)) / root
    grad_s2 = -0.5 * (omega_sq @ (damp * c)) / root + 0.5 * num / root**3 * (
        omega_sq @ (damp * damp))
    if spherical:
        grad_var = np.array([float(metric @ grad_s2)])
    else:
        grad_var = grad_s2
    return value, grad_mean, grad_var


def _select_gaussian_atom(residual, frequencies, omega_sq, mean0, var0, lower, upper,
                          var_lo, var_hi, metric, max_iter):
    """Step 1 of CL-OMPR: ascend the normalised correlation over ``(μ, s²)`` (L-BFGS-B)."""
    d = mean0.shape[0]
    nv = var0.shape[0]
    scale = max(float(np.abs(residual).sum()) / math.sqrt(residual.shape[0]), 1e-300)

    def fun(p):
        value, gm, gv = normalized_correlation_and_gradient(
            p[:d], p[d:], residual, frequencies, omega_sq, metric)
        return -value / scale, -np.concatenate([gm, gv]) / scale

    bounds = list(zip(lower, upper)) + list(zip(
        np.broadcast_to(var_lo, (nv,)), np.broadcast_to(var_hi, (nv,))))
    x0 = np.concatenate([np.clip(mean0, lower, upper),
                         np.clip(var0, np.broadcast_to(var_lo, (nv,)),
                                 np.broadcast_to(var_hi, (nv,)))])
    result = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": max_iter})
    return result.x[:d], result.x[d:]


def _keep_best(z, frequencies, centers, variances, K, metric):
    """Indices of the ``K`` atoms with the largest NNLS weights on normalised atoms."""
    atoms = _atom_sketches(frequencies, centers, variances, metric=metric)
    beta = _nnls_weights(z, atoms, normalize=True)
    return np.sort(np.argsort(-beta, kind="stable")[:K])


def _finish(z, frequencies, centers, variances, weights, metric, n_iter, info):
    cost = _residual_cost(z, frequencies, centers, variances, weights, metric)
    total = float(weights.sum())
    K = centers.shape[0]
    weights = weights / total if total > 0 else np.full(K, 1.0 / K)
    info = dict(info, mass=total)
    return DecodeResult(centers=centers, variances=variances, weights=weights, cost=cost,
                        n_iter=n_iter, info=info)


@validate_params(
    {
        "inputs": [DecoderInputs],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance": [StrOptions({"spherical", "diag"})],
        "variance_bounds": ["array-like", tuple, None],
        "random_state": ["random_state"],
        "n_starts": [Interval(Integral, 1, None, closed="left")],
        "n_iter": [None, Interval(Integral, 1, None, closed="left")],
        "max_iter_atom": [Interval(Integral, 1, None, closed="left")],
        "max_iter_descent": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def cl_ompr_gmm(
    inputs,
    n_components,
    *,
    covariance="diag",
    variance_bounds=None,
    random_state=None,
    n_starts=16,
    n_iter=None,
    max_iter_atom=100,
    max_iter_descent=300,
):
    """Decode a Gaussian mixture by CL-OMPR with Gaussian atoms (Keriven et al. 2018, Alg. 1).

    ``T = 2K`` iterations of: (1) select the Gaussian atom most correlated with the
    residual, (2) add it to the support, (3) keep the ``K`` atoms of largest NNLS weight
    on normalised atoms when the support exceeds ``K``, (4) NNLS weights, (5) global
    descent of the residual over every mean, variance and weight.

    Parameters
    ----------
    inputs : DecoderInputs
        The sketch, its frequencies, the bounds of the data (the means stay in this
        box), its mean and variance (the starting points of the atom searches are drawn
        from ``N(data_mean, diag(data_var))``) and the sketch scale ``σ̄²``.
    n_components : int
        Number of components ``K``.
    covariance : {"diag", "spherical"}, default="diag"
        Variance model of the atoms (spherical: ``s² · inputs.metric``).
    variance_bounds : (float or ndarray, float or ndarray), default=None
        Bounds of the variances (floor and ceiling), broadcast against one atom's
        variances; ``None``: :func:`gmm_variance_bounds`.
    random_state : numpy.random.RandomState, default=None
        Source of the starting points and initial variances.
    n_starts : int, default=16
        Candidate starting means drawn per atom search; the one most correlated with
        the residual starts the ascent (``1`` is the paper's single random start).
    n_iter : int, default=None
        Number of outer iterations; ``None`` means ``2 K``.
    max_iter_atom : int, default=100
        L-BFGS-B iterations of each atom search.
    max_iter_descent : int, default=300
        L-BFGS iterations of each global descent.

    Returns
    -------
    result : DecodeResult
        Means, variances (``(K, d)`` or ``(K,)``), weights summing to one, diagnostics.
    """
    K = check_inputs(inputs, n_components)
    variance_bounds = check_variance_bounds(variance_bounds, inputs.frequencies.shape[0])
    random_state = check_random_state(random_state)
    z, frequencies, lower, upper = inputs.z, inputs.frequencies, inputs.lower, inputs.upper
    scale, data_mean, data_var = float(inputs.scale), inputs.data_mean, inputs.data_var
    d = frequencies.shape[0]
    n_iter = 2 * K if n_iter is None else int(n_iter)
    omega_sq = frequencies * frequencies
    g = None if covariance == "diag" else inputs.metric
    if variance_bounds is None:
        variance_bounds = gmm_variance_bounds(inputs, covariance)
    var_lo, var_hi = variance_bounds
    nv = d if covariance == "diag" else 1
    sd = np.sqrt(np.maximum(data_var, 0.0))
    centers = np.empty((0, d))
    variances = np.empty((0, nv))
    weights = np.empty(0)
    residual = z.copy()
    for _ in range(n_iter):
        starts = np.clip(data_mean + sd * random_state.standard_normal((n_starts, d)),
                         lower, upper)
        var0 = random_state.uniform(0.5 * scale, 1.5 * scale, size=nv)
        if covariance != "diag":
            var0 = var0 / float(np.mean(g))
        best, best_value = None, -np.inf
        for start in starts:
            value = normalized_correlation_and_gradient(
                start, var0, residual, frequencies, omega_sq, g)[0]
            if value > best_value:
                best, best_value = start, value
        mu, s2 = _select_gaussian_atom(residual, frequencies, omega_sq, best, var0,
                                       lower, upper, var_lo, var_hi, g, max_iter_atom)
        centers = np.vstack([centers, mu])
        variances = np.vstack([variances, s2])
        v = variances if covariance == "diag" else variances[:, 0]
        if centers.shape[0] > K:
            keep = _keep_best(z, frequencies, centers, v, K, g)
            centers, variances = centers[keep], variances[keep]
            v = variances if covariance == "diag" else variances[:, 0]
        weights = _nnls_weights(z, _atom_sketches(frequencies, centers, v, omega_sq, g))
        centers, v, weights, _, _ = _global_descent(
            z, frequencies, centers, v, weights, lower, upper,
            variance_bounds=(var_lo, var_hi), max_iter=max_iter_descent, metric=g)
        variances = v if covariance == "diag" else v[:, None]
        residual = z - weights @ _atom_sketches(frequencies, centers, v, omega_sq, g)
    v = variances if covariance == "diag" else variances[:, 0]
    return _finish(z, frequencies, centers, v, weights, g, n_iter, {})


@validate_params(
    {
        "inputs": [DecoderInputs],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance": [StrOptions({"spherical", "diag"})],
        "variance_bounds": ["array-like", tuple, None],
        "random_state": ["random_state"],
        "max_iter_descent": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def split_gmm(
    inputs,
    n_components,
    *,
    covariance="diag",
    variance_bounds=None,
    random_state=None,
    max_iter_descent=300,
):
    """Decode a Gaussian mixture by hierarchical splitting (Keriven et al. 2018, Alg. 2).

    Start from one Gaussian with the data's mean and variance; in each of
    ``⌈log₂ K⌉`` rounds, split every atom ``N(μ, diag(s²))`` in two,
    ``μ ± s_l e_l`` along its feature ``l`` of largest variance (whose variance is
    divided by two, the remaining ones kept), drop the atoms of smallest NNLS weight
    on normalised atoms one at a time (the weights recomputed after each removal)
    until ``K`` remain, refit the weights by NNLS and descend on every parameter.
    No atom search: ``O(m d K log K)`` in all.

    Parameters
    ----------
    inputs : DecoderInputs
        The sketch, its frequencies, the bounds of the data and its mean and variance
        (the first atom).
    n_components : int
        Number of components ``K``.
    covariance : {"diag", "spherical"}, default="diag"
        Variance model of the atoms (spherical: ``s² · inputs.metric``).
    variance_bounds : (float or ndarray, float or ndarray), default=None
        Bounds of the variances; ``None``: :func:`gmm_variance_bounds`.
    random_state : None
        Unused (the splitting is deterministic); accepted for a uniform signature.
    max_iter_descent : int, default=300
        L-BFGS iterations of each global descent.

    Returns
    -------
    result : DecodeResult
        Means, variances, weights summing to one, diagnostics.
    """
    K = check_inputs(inputs, n_components)
    variance_bounds = check_variance_bounds(variance_bounds, inputs.frequencies.shape[0])
    random_state = check_random_state(random_state)
    z, frequencies, lower, upper = inputs.z, inputs.frequencies, inputs.lower, inputs.upper
    data_mean, data_var = inputs.data_mean, inputs.data_var
    d = frequencies.shape[0]
    omega_sq = frequencies * frequencies
    g = None if covariance == "diag" else inputs.metric
    if variance_bounds is None:
        variance_bounds = gmm_variance_bounds(inputs, covariance)
    var_lo, var_hi = variance_bounds
    centers = np.asarray(data_mean, dtype=np.float64)[None, :].copy()
    if covariance == "diag":
        variances = np.asarray(data_var, dtype=np.float64)[None, :].copy()
    else:
        variances = np.array([float(np.mean(data_var / g))])
    weights = np.ones(1)
    n_rounds = 0
    spread = float(np.mean(data_var / (np.ones(d) if g is None else g)))
    radius_sq = (np.ones(d) if g is None else g) @ omega_sq
    while True:
        # coarse to fine: while there are fewer atoms than K, fit the sketch of the
        # data smoothed by N(0, h² g) (z · exp(-½ h² ‖ω‖²_g)) with atoms widened by h²,
        # so that k atoms see k broad blobs rather than the finest structure
        k = centers.shape[0]
        # one atom is the data's mean and variance: no fit needed; K atoms are fitted
        # at the smoothing of K atoms, then to the sketch itself
        levels = [] if k == 1 < K else [_split_smoothing(spread, k, d)]
        for h2 in levels + ([0.0] if k >= K else []):
            smooth = np.exp(-0.5 * h2 * radius_sq)
            centers, variances, weights, _, _ = _global_descent(
                z * smooth, frequencies, centers, variances + h2, weights, lower, upper,
                variance_bounds=(var_lo + h2, var_hi + h2), max_iter=max_iter_descent,
                metric=g)
            variances = variances - h2
        if k >= K:
            break
        n_rounds += 1
        full = _variance_matrix(variances, g, d)
        axis = np.argmax(full, axis=1)
        rows = np.arange(centers.shape[0])
        step = np.zeros_like(centers)
        step[rows, axis] = np.sqrt(full[rows, axis])
        new_c = np.vstack([centers - step, centers + step])
        if covariance == "diag":
            v = variances.copy()
            v[rows, axis] /= 2.0
            new_v = np.vstack([v, v])
        else:
            new_v = np.concatenate([variances, variances]) * (1.0 - 0.5 / d)
        new_c = np.clip(new_c, lower, upper)
        if new_c.shape[0] > K:
            # fit all the halves at the next level of smoothing, keep the K heaviest
            h2 = _split_smoothing(spread, new_c.shape[0], d)
            smooth = np.exp(-0.5 * h2 * radius_sq)
            w0 = _nnls_weights(z * smooth, _atom_sketches(frequencies, new_c, new_v + h2,
                                                        omega_sq, g))
            new_c, new_v, w0, _, _ = _global_descent(
                z * smooth, frequencies, new_c, new_v + h2, np.maximum(w0, 1e-3), lower,
                upper, variance_bounds=(var_lo + h2, var_hi + h2),
                max_iter=max_iter_descent, metric=g)
            keep = np.sort(np.argsort(-w0, kind="stable")[:K])
            new_c, new_v = new_c[keep], new_v[keep] - h2
        centers, variances = new_c, new_v
        weights = _nnls_weights(z, _atom_sketches(frequencies, centers, variances, omega_sq, g))
    n_repairs = 0
    if K > 1:
        # a fixed pool of points of the data's envelope (the decoder stays deterministic)
        pool = np.clip(data_mean + np.sqrt(np.maximum(data_var, 0.0))
                       * np.random.RandomState(0).standard_normal((max(200, 30 * K), d)),
                       lower, upper)
        centers, variances, weights, n_repairs = _split_repairs(
            z, frequencies, centers, variances, weights, lower, upper, (var_lo, var_hi), g,
            max_iter_descent, pool)
    return _finish(z, frequencies, centers, variances, weights, g, n_rounds,
                   {"n_repairs": n_repairs})


def _split_halves(centers, variances, g, index):
    """The two halves of atom ``index`` along its feature of largest variance."""
    d = centers.shape[1]
    full = _variance_matrix(variances[index:index + 1], g, d)[0]
    axis = int(np.argmax(full))
    step = np.zeros(d)
    step[axis] = np.sqrt(full[axis])
    if variances.ndim == 2:
        v = variances[index].copy()
        v[axis] /= 2.0
        new_v = np.vstack([v, v])
    else:
        new_v = np.full(2, variances[index] * (1.0 - 0.5 / d))
    return np.vstack([centers[index] - step, centers[index] + step]), new_v


def _split_repairs(z, frequencies, centers, variances, weights, lower, upper, bounds, g,
                   max_iter, pool):
    """Add an atom, refit ``K + 1`` atoms and drop the lightest, while it pays.

    Splitting every atom at once can give two atoms to one cluster and one atom to two
    clusters, or leave a cluster far from every atom. Each round tries, in turn, the
    point of ``pool`` whose atom correlates best with the residual (a missed cluster),
    then splits of the atoms of largest ``weight × variance`` (an atom covering two
    clusters), and keeps the first trial that lowers the residual; at most ``K``
    rounds.
    """
    K, d = centers.shape
    cost = _residual_cost(z, frequencies, centers, variances, weights, g)
    n_repairs = 0
    for _ in range(K):
        spread = weights * _variance_matrix(variances, g, d).sum(axis=1)
        residual = z - weights @ _atom_sketches(frequencies, centers, variances, metric=g)
        new_v = variances[np.argmax(weights)][None] if variances.ndim == 2 else (
            np.full(1, variances[np.argmax(weights)]))
        pool_atoms = _atom_sketches(frequencies, pool, np.repeat(new_v, pool.shape[0], 0),
                                   metric=g)
        best_point = pool[int(np.argmax((pool_atoms.conj() @ residual).real))]
        trials = [None, *np.argsort(-spread, kind="stable")[:3]]
        improved = False
        for index in trials:
            if index is None:  # a new atom where the residual is
                cand_c = np.vstack([centers, best_point])
                cand_v = np.concatenate([variances, new_v])
                cand_w = np.concatenate([weights, [max(weights.min(), 1e-3)]])
            else:
                halves_c, halves_v = _split_halves(centers, variances, g, index)
                rest = np.arange(K) != index
                cand_c = np.vstack([centers[rest], halves_c])
                cand_v = np.concatenate([variances[rest], halves_v])
                cand_w = np.concatenate([weights[rest], np.full(2, weights[index] / 2.0)])
            c1, v1, w1, _, _ = _global_descent(z, frequencies, cand_c, cand_v, cand_w, lower,
                                              upper, variance_bounds=bounds,
                                              max_iter=max_iter, tol=1e-6, metric=g)
            keep = np.sort(np.argsort(-w1, kind="stable")[:K])
            c2, v2, w2, cost2, _ = _global_descent(z, frequencies, c1[keep], v1[keep],
                                                  w1[keep], lower, upper,
                                                  variance_bounds=bounds,
                                                  max_iter=max_iter, metric=g)
            if cost2 < cost * (1.0 - 1e-3):
                centers, variances, weights, cost = c2, v2, w2, cost2
                n_repairs += 1
                improved = True
                break
        if not improved:
            break
    return centers, variances, weights, n_repairs
