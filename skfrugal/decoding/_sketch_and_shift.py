"""Sketch and shift: mean shift on the sketched kernel density, then a k-Gaussian fit.

After Belhadji and Gribonval (TMLR 2024). CL-OMPR maximises the sketched kernel
density from one random point of the bounding box, where in dimension 10 it is noise;
this decoder climbs it with mean-shift steps from many points at once
(:mod:`~skfrugal.decoding._mean_shift`). :func:`sketch_and_shift` runs named steps:

1. :func:`_find_modes`: mean shift from points drawn from the data's envelope, modes
   above the sidelobe level, merged when closer than ``σ̄``;
2. :func:`_complete_greedily`: when there are fewer modes than ``K``, the missing atoms
   are chosen one by one from a random pool (matching pursuit over a random dictionary);
3. :func:`_choose_atoms`: ``K`` atoms by NNLS on normalised atoms, then a global descent
   of centroids, variances and weights;
4. :func:`_replacement_rounds`: modes of the residual sketch's density (missed or
   merged clusters) are tried, each by a fit of ``K + 1`` atoms, the lightest dropped;
5. :func:`_coarse_to_fine`: another fit, ``K`` atoms near the data's mean descended
   on the sketch of the data smoothed at decreasing bandwidths (then step 4). It runs
   first, instead of steps 1-4, when the mean-shift kernel is more than
   ``WIDE_KERNEL`` (4) times wider (in variance) than the data (in high dimension,
   see below), else when the fit of steps 1-4 leaves a residual above twice the
   sketch's noise level; the other fit runs only when the first leaves the residual
   above that target, and the smaller residual is kept;
6. :func:`_polish`: a final tight descent (within the variance bounds).

Why mean shift fails in high dimension: a kernel built from frequencies of radius
``ρ`` is close to ``exp(-ρ² ‖x‖² / 2d)`` (the average of ``cos(ρ φᵀx)`` over the
directions ``φ``), so its width grows like ``√d / ρ``; the frequencies of a sketch sit
at ``ρ ≈ 1 / σ̄`` (beyond, a cluster's characteristic function is below the sampling
noise), so at ``d = 64`` the kernel is about 2.5 times wider than the distance
between clusters of the notes' mixture, and the density's highest mode is near the data's
mean, where every cluster's tail adds up: mean shift from random starts ends there
(measured: 1 to 5 modes of 10 clusters). The joint descent of ``K`` atoms does
resolve the clusters (started at the true centres it reaches the sampling noise); it
needs starts it can move, which atoms of the smoothed sketch give: at a smoothing
``h²`` of the order of the data's variance every atom overlaps every cluster, and the
gradient pulls the atoms apart.

The user guide (:ref:`cluster`) explains each default and the measurements behind it.
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skfrugal.decoding._atoms import _atom_sketches
from skfrugal.decoding._descent import _global_descent, _nnls_weights, _residual_cost
from skfrugal.decoding._inputs import DecoderInputs
from skfrugal.decoding._mean_shift import (
    BANDWIDTH_LEVELS,
    _gaussian_kernel_weights,
    _mean_shift,
    merge_modes,
    sidelobe_level,
)
from skfrugal.decoding._result import DecodeResult
from skfrugal.decoding._validation import check_inputs, check_levels, check_variance_bounds

SHIFT_ITER = 50  # mean-shift steps from the data (first modes)
SHIFT_ITER_RESIDUAL = 20  # ... and on residuals, in the replacement rounds
MAX_REPLACE_ROUNDS = 10  # replacement rounds: K, at most this,
REPLACE_BUDGET = 200  # ... and at most this / K (a round costs O(K m d) per evaluation)
#: ... and until the fit, polished, is within the target; polished when within this
#: multiple of the target
POLISH_FACTOR = 10.0
#: Coarse-to-fine fit: tried when the residual exceeds this multiple of the noise level
FALLBACK_NOISE_FACTOR = 2.0
#: ... from K atoms drawn around the data's mean at this fraction of its spread,
FALLBACK_SPREAD = 0.5
#: ... descended at smoothings h² = spread · 2^-i, i = 0 .. FALLBACK_LEVELS - 1, then 0
FALLBACK_LEVELS = 5
FALLBACK_ITER = 100  # L-BFGS iterations per smoothing level
FALLBACK_DRAWS = 4  # draws of the starting atoms, until one fit reaches the target
#: The coarse-to-fine fit runs first (before any mean shift) when the mean-shift kernel's
#: variance per feature exceeds this multiple of the data's (measured on the notes'
#: mixture: 0.8 at d = 10, 3.8 at d = 32, 7 at d = 48, 10 at d = 64, 40 at d = 256)
WIDE_KERNEL = 4.0


@dataclass
class _Problem:
    """What the steps of one sketch-and-shift decoding share."""

    inputs: object
    K: int
    metric: np.ndarray
    upper_variance: object
    new_var: np.ndarray
    kernel: tuple
    levels: tuple
    rng: object
    max_iter_descent: int
    tol: float
    polish_tol: float

    def draw(self, n_points, spread=1.0):
        """Points drawn from ``N(mean, spread² diag(var))`` of the data, clipped to the box."""
        inp = self.inputs
        points = inp.data_mean + spread * np.sqrt(inp.data_var) * self.rng.standard_normal(
            (n_points, inp.data_mean.shape[0]))
        return np.clip(points, inp.lower, inp.upper)

    def shift(self, sketch, n_points, max_iter):
        inp = self.inputs
        return _mean_shift(self.draw(n_points), sketch, inp.frequencies, kernel=self.kernel,
                          levels=self.levels, lower=inp.lower, upper=inp.upper,
                          max_iter=max_iter)

    @property
    def feature_metric(self):
        """Per-feature factor of the atoms' variances (ones for diagonal atoms)."""
        return np.ones_like(self.metric) if self.new_var.ndim == 2 else self.metric

    @property
    def spread(self):
        """The data's variance per feature, in units of the atoms' variances."""
        return float(np.mean(self.inputs.data_var / self.feature_metric))

    def atoms(self, centers, variances):
        return _atom_sketches(self.inputs.frequencies, centers, variances, metric=self.metric)

    def descend(self, centers, variances, weights=None, tol=None, bounds=None):
        """Global descent from ``(centers, variances, weights)`` (NNLS weights if None)."""
        inp = self.inputs
        if weights is None:
            weights = _nnls_weights(inp.z, self.atoms(centers, variances))
        bounds = (0.0, self.upper_variance) if bounds is None else bounds
        return _global_descent(inp.z, inp.frequencies, centers, variances, weights,
                              inp.lower, inp.upper, variance_bounds=bounds,
                              max_iter=self.max_iter_descent,
                              tol=self.tol if tol is None else tol, metric=self.metric)

    def hard_threshold(self, centers, variances):
        """Indices of the ``K`` atoms kept by NNLS on normalised atoms (CL-OMPR's step 3)."""
        beta = _nnls_weights(self.inputs.z, self.atoms(centers, variances), normalize=True)
        return np.sort(np.argsort(-beta, kind="stable")[:self.K]), beta


def _find_modes(problem, n_candidates):
    """Step 1: modes of the sketched density, from ``n_candidates`` mean-shift starts."""
    z = problem.inputs.z
    points, density, n_steps = problem.shift(z, n_candidates, SHIFT_ITER)
    alive = density > sidelobe_level(z, problem.kernel[0])
    if not np.any(alive):
        alive = density >= np.max(density)
    modes, _ = merge_modes(points[alive], density[alive], np.sqrt(problem.inputs.scale))
    return modes, n_steps


def _complete_greedily(problem, modes, n_candidates):
    """Step 2: add ``K - len(modes)`` atoms, each the pool point that best explains the residual.

    In high dimension the sketched density can have a single mode; the missing atoms
    are then chosen by matching pursuit over a random dictionary (Gaussian atoms at
    ``n_candidates`` points drawn like the mean-shift starts).
    """
    n_modes = modes.shape[0]
    z = problem.inputs.z
    new_var = problem.new_var
    pool = problem.draw(n_candidates)
    pool_atoms = problem.atoms(pool, np.repeat(new_var, n_candidates, axis=0))
    chosen = []
    atoms = problem.atoms(modes, np.repeat(new_var, n_modes, axis=0))
    for _ in range(problem.K - n_modes):
        w = _nnls_weights(z, atoms)
        residual = z - w @ atoms
        corr = (pool_atoms.conj() @ residual).real
        corr[chosen] = -np.inf
        best = int(np.argmax(corr))
        chosen.append(best)
        atoms = np.vstack([atoms, pool_atoms[best]])
    return np.vstack([modes, pool[chosen]])


def _choose_atoms(problem, modes):
    """Step 3: keep ``K`` of the modes (NNLS on normalised atoms), then fit them."""
    mode_var = np.repeat(problem.new_var, modes.shape[0], axis=0)
    keep, _ = problem.hard_threshold(modes, mode_var)
    centers, variances, weights, cost, _ = problem.descend(modes[keep], mode_var[keep])
    return centers, variances, weights, cost


def _try_mode(problem, centers, variances, weights, new_center, split):
    """Fit ``K`` atoms with the residual mode ``new_center`` among the candidates."""
    K = problem.K
    cand_c = np.vstack([centers, new_center])
    cand_v = np.concatenate([variances, problem.new_var])
    if split:
        # fit K + 1 atoms, so that the new atom and an atom that covered two clusters
        # share them out; then drop the lightest atom and refit
        cand_w = np.concatenate([weights, [0.0]])
        c1, v1, w1, _, _ = problem.descend(cand_c, cand_v, np.maximum(cand_w, 1e-3))
        keep = np.sort(np.argsort(-w1, kind="stable")[:K])
        c2, v2, w2, cost2, _ = problem.descend(c1[keep], v1[keep], w1[keep])
    else:
        keep, beta = problem.hard_threshold(cand_c, cand_v)
        if K not in keep:  # the new atom lost: try it instead of the weakest
            weakest = int(np.argmin(beta[:K]))
            keep = np.sort(np.concatenate([np.delete(np.arange(K), weakest), [K]]))
        c2, v2, w2, cost2, _ = problem.descend(cand_c[keep], cand_v[keep])
    return c2, v2, w2, cost2


def _replacement_rounds(problem, fit, n_candidates, n_replace, n_tries, split, target):
    """Step 4: swap in modes of the residual's density while they lower the residual.

    A mode of the residual sketch's density is a missed cluster, or one of two clusters
    covered by a single atom. Each round tries up to ``n_tries`` residual modes (by
    decreasing density) and keeps the first that lowers the residual by more than 0.1%;
    the rounds stop at the first round without improvement, or once the fit, polished,
    is within ``target``: the descents that try modes stop early (``tol``), and past the
    last missed cluster each round only continued the descent (measured at K = d = 10,
    m = 200: loose fits at 3 to 8 times the noise level polish to 0.4-0.5 times it,
    and 6 to 8 of the 10 rounds were spent lowering the loose residual by 1% each).
    """
    centers, variances, weights, cost = fit
    inp = problem.inputs
    accepted = n_rounds = n_steps = 0
    for _ in range(n_replace):
        if cost <= POLISH_FACTOR * target:
            c, v, w, polished, _ = problem.descend(centers, variances, weights,
                                                   tol=problem.polish_tol)
            if polished <= target:
                return (c, v, w, polished), accepted, n_rounds, n_steps
        n_rounds += 1
        residual = inp.z - weights @ problem.atoms(centers, variances)
        pts, dens, steps = problem.shift(residual, max(n_candidates // 4, 50),
                                         SHIFT_ITER_RESIDUAL)
        n_steps += steps
        above = dens > sidelobe_level(residual, problem.kernel[0])
        if not np.any(above):
            break  # nothing left above the sidelobes
        tries, _ = merge_modes(pts[above], dens[above], np.sqrt(inp.scale))
        improved = False
        for new_center in tries[:n_tries]:
            c2, v2, w2, cost2 = _try_mode(problem, centers, variances, weights, new_center,
                                          split)
            if cost2 < cost * (1.0 - 1e-3):
                centers, variances, weights, cost = c2, v2, w2, cost2
                accepted += 1
                improved = True
                break
        if not improved:
            break
    return (centers, variances, weights, cost), accepted, n_rounds, n_steps


def _coarse_to_fine(problem, target):
    """Step 5: the best of up to ``FALLBACK_DRAWS`` fits of :func:`_coarse_to_fine_once`.

    The draws stop at the first fit whose residual is within ``target`` (measured at
    d = 48, K = 8, n = 2000: half of the draws merge two clusters and leave 3 to 7
    times the noise level, the others 0.5 to 0.9 times it).
    """
    best = None
    for _ in range(FALLBACK_DRAWS):
        fit = _coarse_to_fine_once(problem)
        if best is None or fit[3] < best[3]:
            best = fit
        if best[3] <= target:
            break
    return best


def _coarse_to_fine_once(problem):
    """``K`` atoms near the data's mean, fitted from a coarse to a fine sketch.

    The sketch multiplied by ``exp(-½ h² ‖ω_j‖²_g)`` is that of the data convolved with
    ``N(0, h² g)``; atoms widened by ``h²`` fit it. The smoothings go from the data's
    mean variance per feature (``spread``), where every atom overlaps every cluster,
    down by halves to the sketch itself; each level starts from the previous fit.
    """
    inp = problem.inputs
    K = problem.K
    spread = problem.spread
    radius_sq = problem.feature_metric @ (inp.frequencies * inp.frequencies)
    centers = problem.draw(K, FALLBACK_SPREAD)
    variances = np.repeat(problem.new_var, K, axis=0)
    weights = None
    cost = np.inf
    for level in range(FALLBACK_LEVELS + 1):
        h2 = spread * 0.5**level if level < FALLBACK_LEVELS else 0.0
        z = inp.z * np.exp(-0.5 * h2 * radius_sq)
        widened = variances + h2
        if weights is None:
            weights = np.maximum(_nnls_weights(z, problem.atoms(centers, widened)), 1e-3)
        centers, widened, weights, cost, _ = _global_descent(
            z, inp.frequencies, centers, widened, weights, inp.lower, inp.upper,
            variance_bounds=(h2, problem.upper_variance + h2),
            max_iter=FALLBACK_ITER if h2 > 0 else problem.max_iter_descent,
            tol=problem.tol if h2 > 0 else problem.polish_tol, metric=problem.metric)
        variances = widened - h2
    return centers, variances, weights, cost


def _polish(problem, fit, polish_tol, variance_bounds):
    """Step 6: a tight final descent; within ``variance_bounds`` when they floor the variances."""
    centers, variances, weights, cost = fit
    centers, variances, weights, cost, _ = problem.descend(centers, variances, weights,
                                                           tol=polish_tol)
    total = weights.sum()
    if np.any(np.asarray(variance_bounds[0]) > 0):
        # the descents above floor the variances at 0 (the search is freer so): polish
        # once more within the bounds
        lo, hi = variance_bounds
        v = np.clip(variances, lo, hi)
        w = weights / total if total > 0 else np.full(problem.K, 1.0 / problem.K)
        centers, variances, w, _, _ = problem.descend(centers, v, w, tol=1e-9,
                                                      bounds=(lo, hi))
        inp = problem.inputs
        cost = _residual_cost(inp.z, inp.frequencies, centers, variances, w, problem.metric)
        weights = w
        total = float(weights.sum())
    return centers, variances, weights, cost, total


def _default_variance_bounds(inputs, covariance, metric):
    if covariance == "diag":
        return 0.0, np.maximum(inputs.data_var, 1e-12)
    return 0.0, max(float(np.max(inputs.data_var / metric)), 1e-12)


@validate_params(
    {
        "inputs": [DecoderInputs],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance": [StrOptions({"spherical", "diag"})],
        "variance_bounds": ["array-like", tuple, None],
        "random_state": ["random_state"],
        "n_candidates": [None, Interval(Integral, 1, None, closed="left")],
        "levels": ["array-like"],
        "n_replace": [None, Interval(Integral, 0, None, closed="left")],
        "n_tries": [Interval(Integral, 1, None, closed="left")],
        "split": ["boolean"],
        "coarse_to_fine": ["boolean"],
        "max_iter_descent": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "polish_tol": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def sketch_and_shift(
    inputs,
    n_components,
    *,
    covariance="spherical",
    variance_bounds=None,
    random_state=None,
    n_candidates=None,
    levels=BANDWIDTH_LEVELS,
    n_replace=None,
    n_tries=3,
    split=True,
    coarse_to_fine=True,
    max_iter_descent=300,
    tol=1e-6,
    polish_tol=1e-10,
):
    """Decode a sketch into ``n_components`` Gaussian clusters by sketch and shift.

    Parameters
    ----------
    inputs : DecoderInputs
        The sketch, its frequencies, the data's bounds, mean and variance and the
        sketch scale ``σ̄²`` (see :func:`decoder_inputs`).
    n_components : int
        Number of clusters ``K``.
    covariance : {"spherical", "diag"}, default="spherical"
        Variance model of the fitted Gaussians: ``s_k² · inputs.metric`` or
        ``diag(s_k²)``.
    variance_bounds : (float or ndarray, float or ndarray), default=None
        Bounds of the variances. The mode-finding descents floor the variances at 0
        and a final descent applies the lower bound. ``None``: ``(0, data_var)``
        (divided by the metric for spherical atoms).
    random_state : numpy.random.RandomState, default=None
        Source of the starting points.
    n_candidates : int, default=None
        Number of mean-shift starts; ``None`` means
        ``max(30 K, 200, min(300000 // m, 150 K))``.
    levels : sequence of float, default=(1, 2, 4, 8)
        Bandwidth multipliers of the mean shift (see :func:`mean_shift`).
    n_replace : int, default=None
        Maximum rounds of replacement (a mode of the residual sketch swapped in when
        it lowers the residual); ``None`` means ``min(K, 10, max(1, 200 // K))`` (a
        round costs ``O(K m d)`` per evaluation: the total stays bounded at large K).
    n_tries : int, default=3
        Modes of the residual tried (by decreasing density) in each round before the
        rounds stop.
    split : bool, default=True
        How a residual mode is tried: ``True`` fits ``K + 1`` atoms, drops the
        lightest and refits; ``False`` swaps it for the weakest atom (by NNLS on
        normalised atoms) and fits once (half the cost, but an atom that covers two
        clusters is never split).
    coarse_to_fine : bool, default=True
        Whether to try the coarse-to-fine fit (``K`` atoms near the data's mean,
        descended on the sketch smoothed at bandwidths ``h² = spread · 2^-i``, ``i = 0
        .. 4``, then on the sketch itself): first, when the mean-shift kernel is more
        than 4 times wider (in variance) than the data (from ``d ≈ 32`` on the notes'
        mixture), else when the fit from the modes leaves a residual above twice the
        sketch's noise level. ``False``: the fit from the modes only (from ``d ≈ 48``
        on, it misses or merges clusters on some data sets).
    max_iter_descent : int, default=300
        L-BFGS iterations of each global descent.
    tol : float, default=1e-6
        Relative tolerance on the cost of the global descents that choose and replace
        atoms.
    polish_tol : float, default=1e-10
        Relative tolerance on the cost of the final descent, from the chosen atoms.

    Returns
    -------
    result : DecodeResult
        Centres, variances, weights summing to one and diagnostics (number of modes
        found, replacements accepted, mean-shift steps, the fits tried in ``"fits"``,
        ``"modes"`` and/or ``"coarse"``, and the one kept in ``"kept"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding import DecoderInputs, mixture_sketch, sketch_and_shift
    >>> from skfrugal.sketching import draw_frequencies
    >>> centers = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    >>> omega = draw_frequencies(60, 2, scale=0.1, random_state=0)
    >>> z = mixture_sketch(omega, centers, np.full(3, 0.1), np.full(3, 1 / 3))
    >>> inputs = DecoderInputs.from_arrays(z, omega, [-1, -1], [4, 4], scale=0.1)
    >>> res = sketch_and_shift(inputs, 3, random_state=np.random.RandomState(0))
    >>> sorted(np.round(res.centers).astype(int).tolist())
    [[0, 0], [0, 3], [3, 0]]
    """
    K = check_inputs(inputs, n_components)
    variance_bounds = check_variance_bounds(variance_bounds, inputs.frequencies.shape[0])
    levels = check_levels(levels)
    random_state = check_random_state(random_state)
    inp = inputs
    m = inp.frequencies.shape[1]
    scale = float(inp.scale)
    metric = inp.metric
    if variance_bounds is None:
        variance_bounds = _default_variance_bounds(inp, covariance, metric)
    if covariance == "diag":
        hi = variance_bounds[1]
        new_var = np.minimum(scale, hi)[None, :]
    else:
        hi = max(float(np.max(variance_bounds[1])), 1e-12)
        new_var = np.array([min(scale / float(np.mean(metric)), hi)])
    if n_candidates is None:
        n_candidates = max(30 * K, 200, min(300_000 // m, 150 * K))
    problem = _Problem(
        inputs=inp, K=K, metric=metric, upper_variance=hi, new_var=new_var,
        kernel=_gaussian_kernel_weights(inp.frequencies), levels=levels, rng=random_state,
        max_iter_descent=max_iter_descent, tol=tol, polish_tol=polish_tol,
    )
    if n_replace is None:
        n_replace = min(K, MAX_REPLACE_ROUNDS, max(1, REPLACE_BUDGET // K))
    n_replace = int(n_replace)
    target = FALLBACK_NOISE_FACTOR * inp.restart_noise_level
    # a kernel much wider than the data (high dimension) makes one hump of it: the
    # coarse-to-fine fit first, the mean shift only if that fit misses the target;
    # otherwise the modes first, the coarse-to-fine fit if they miss it
    wide = problem.kernel[1] > WIDE_KERNEL * problem.spread
    paths = ("coarse", "modes") if wide else ("modes", "coarse")
    if not coarse_to_fine:
        paths = ("modes",)
    n_modes = n_steps = 0
    fit = None
    accepted = n_rounds = 0
    tried = []
    for path in paths:
        tried.append(path)
        if path == "modes":
            modes, steps = _find_modes(problem, n_candidates)
            n_modes, n_steps = modes.shape[0], n_steps + steps
            start = _complete_greedily(problem, modes, n_candidates) if n_modes < K else modes
            other = _choose_atoms(problem, start)
            run = True
        else:
            other = _coarse_to_fine(problem, target)
            run = other[3] > target
        if run:
            other, more, rounds, steps = _replacement_rounds(problem, other, n_candidates,
                                                             n_replace, n_tries, split,
                                                             target)
            accepted, n_rounds, n_steps = accepted + more, n_rounds + rounds, n_steps + steps
        if other[3] > target:
            # the descents that choose atoms stop early (tol): judge the fit polished (at
            # K = d = 10, mode fits at 2-3 times the noise level polish to 0.4-0.5)
            c, v, w, cost, _ = problem.descend(*other[:3], tol=polish_tol)
            other = (c, v, w, cost)
        if fit is None or other[3] < fit[3]:
            fit, kept = other, path
        if fit[3] <= target:
            break
    centers, variances, weights, cost, total = _polish(problem, fit, polish_tol,
                                                       variance_bounds)
    weights = weights / total if total > 0 else np.full(K, 1.0 / K)
    return DecodeResult(
        centers=centers, variances=variances, weights=weights, cost=cost, n_iter=n_steps,
        info={"n_modes": n_modes, "n_replaced": accepted, "n_replace_rounds": n_rounds,
              "fits": tuple(tried), "kept": kept,
              "kernel_bandwidth_sq": problem.kernel[1], "mass": float(total)},
    )
