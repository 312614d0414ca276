"""Sketch and shift: mean shift on the sketched kernel density, then a k-Gaussian fit.

After Belhadji and Gribonval (TMLR 2024). The correlation of a Dirac at ``c`` with the
sketch, ``f(c) = Σ_j w_j Re(exp(i ω_jᵀ c) z_j) = (1/n) Σ_i κ(x_i - c)``, is a kernel
density estimate of the data with kernel ``κ(x) = Σ_j w_j cos(ω_jᵀ x)``; its gradient
is ``∇f(c) = -Σ_j w_j ω_j Im(exp(i ω_jᵀ c) z_j)``. CL-OMPR maximises ``f`` from one
random point of the bounding box, where in dimension 10 it is noise; this decoder climbs
it with mean-shift steps from many points at once. The modes found are merged, ``K`` of
them are chosen by non-negative least squares on a dictionary of Gaussian atoms placed
at the modes, and centroids, variances and weights are fitted to the sketch by one
global descent. Rounds of replacement then look for modes of the residual sketch (a
missed cluster) and swap one in when it lowers the residual.

Defaults and why:

- weights ``w_j`` that make the kernel Gaussian (:func:`gaussian_kernel_weights`): the
  kernel of the raw adapted-radius sketch has heavy tails, on which every start of the
  K = d = 10 benchmark collapsed into one mode.
- ``n_candidates = max(30 K, 200, min(300000 / m, 150 K))`` starts, drawn from
  ``N(mean, diag(var))`` of the data (known from the sketch): the data lives there, 30
  per cluster leaves every cluster of weight above about ``1 / (10 K)`` several starts,
  and small sketches (whose density is noisier, with more spurious modes) get more
  starts at the same cost per step (on K = d = 10 at m = 2Kd, 1500 starts instead of
  300 turned 1 success in 5 seeds into 4).
- per-point bandwidths ``H, 2H, 4H, 8H`` (:func:`mean_shift`): each start moves with
  the finest bandwidth at which its density is above twice the sidelobe level, so
  starts far from the data feel it and starts on a mode stay there. Annealing all
  starts from a coarse bandwidth to a fine one merged neighbouring clusters.
- mean-shift step ``c ← c + b² H² ∇f / f`` (exact mean shift for the Gaussian kernel),
  clipped to ``3 b H`` and to the data box; at most 50 steps from the data's
  distribution and 20 on residuals (replacement rounds), a start stops when its step
  falls below ``10⁻³ H``. The phases and their sines and cosines serve all levels, and
  only the sketch entries that carry all but ``10⁻³`` of the kernel weight are used
  (at d = 64, m = 6400: 2500 of them).
- candidates whose density is below the sidelobe level are dropped; modes closer than
  ``σ̄`` are merged.
- fewer modes than ``K``: the missing atoms are added greedily, each the point of a
  random pool (``n_candidates`` draws from the data's distribution) whose Gaussian
  atom correlates best with the residual of the atoms before it. In high dimension
  the sketched density can be unimodal (standardised digits, d = 64: one mode), and
  the former random padding left 9 atoms of 10 to the replacement rounds (adjusted
  Rand index 0.26-0.35 against 0.50-0.58 with greedy atoms, 4 seeds).
- the dictionary atoms are spherical Gaussians of variance ``σ̄²``; the final descent
  fits one variance per cluster (``covariance="spherical"``, in the units given by
  ``metric``) or per cluster and feature (``"diag"``, for mixtures).
- at most ``K`` replacement rounds, three residual modes tried per round; a trial
  fits ``K + 1`` atoms (the current ones and the residual mode), drops the lightest
  and refits (``split=True``): an atom that covered two clusters gives one to the new
  atom, which the former swap of the weakest atom could not do (at ``m = 2 K d`` on
  the K = d = 10 benchmark, 9 → 10 successes in 10 seeds with ``n_init="auto"``); a
  trial is kept when it lowers the residual by more than 0.1%.
- descents that choose and replace atoms stop at a relative cost change of ``10⁻⁶``;
  one final descent polishes at ``10⁻¹⁰`` (the median largest centroid error on the
  benchmark went from 0.06 to 0.049 cluster standard deviations, for about 50 more
  cost evaluations).
"""

import numpy as np

from skfrugal.cluster._atoms import atom_sketches, correlation_and_gradient
from skfrugal.cluster._descent import global_descent, nnls_weights
from skfrugal.cluster._result import DecodeResult

BANDWIDTH_LEVELS = (1.0, 2.0, 4.0, 8.0)
SHIFT_ITER = 50  # mean-shift steps from the data (first modes)
SHIFT_ITER_RESIDUAL = 20  # ... and on residuals, in the replacement rounds


def _radial_density(radius):
    """Density of the frequency radii, piecewise constant on equal-count bins."""
    m = radius.shape[0]
    n_bins = int(np.clip(m // 20, 1, 100))
    edges = np.quantile(radius, np.linspace(0.0, 1.0, n_bins + 1))
    edges[0] = 0.0
    edges[-1] = np.nextafter(edges[-1], np.inf)
    widths = np.maximum(np.diff(edges), 1e-300)
    which = np.clip(np.searchsorted(edges, radius, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    return counts[which] / (m * widths[which])


def gaussian_kernel_weights(frequencies):
    """Weights of the sketch entries that make its kernel density estimate Gaussian.

    Whatever the frequency law, ``Σ_j w_j cos(ω_jᵀ x)`` with importance weights
    ``w_j ∝ g(‖ω_j‖) / p(‖ω_j‖)`` approximates a Gaussian kernel ``exp(-‖x‖² / 2H²)``
    when ``g(ρ) ∝ ρ^{d-1} exp(-ρ² H² / 2)`` is the radial density of ``N(0, I / H²)``
    and ``p`` that of the frequencies (estimated from the radii, so no law is assumed).
    The kernel of the raw sketch (all ``w_j`` equal) under the adapted-radius law is a
    mixture of Gaussians of widths ``∝ 1 / R``: its wide components, from the small
    radii, see all clusters at once and make a single hump of the whole data set, on
    which mean shift collapses. ``H²`` is chosen to maximise the effective number of
    frequencies ``(Σ w)² / Σ w²``.

    Parameters
    ----------
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.

    Returns
    -------
    weights : ndarray of shape (m,)
        Non-negative weights summing to one.
    bandwidth_sq : float
        The per-feature variance ``H²`` of the Gaussian kernel.
    """
    d, m = frequencies.shape
    radius_sq = np.einsum("ij,ij->j", frequencies, frequencies)
    radius = np.sqrt(radius_sq)
    density = _radial_density(radius)
    log_radius = np.log(np.maximum(radius, 1e-300))
    typical = float(np.median(radius_sq))
    best = (-1.0, None, None)
    for h2 in np.geomspace(1e-2, 1e2, 161) * (d / max(typical, 1e-300)):
        log_g = (d - 1) * log_radius - 0.5 * h2 * radius_sq
        w = np.exp(log_g - log_g.max()) / density
        n_eff = w.sum() ** 2 / (w @ w)
        if n_eff > best[0]:
            best = (n_eff, w / w.sum(), float(h2))
    return best[1], best[2]


def mean_shift(points, z, frequencies, *, kernel=None, levels=BANDWIDTH_LEVELS,
               max_iter=50, tol=1e-3, threshold=2.0, lower=None, upper=None):
    """Mean-shift ascent of the sketched kernel density, each point at its own bandwidth.

    The density is evaluated with the Gaussian kernel of :func:`gaussian_kernel_weights`
    (bandwidth ``H``) and, for free, with coarser ones (bandwidths ``b · H`` for ``b`` in
    ``levels``: the sketch multiplied by ``exp(-½ (b² - 1) H² ‖ω_j‖²)`` is the sketch of
    the data convolved with ``N(0, (b² - 1) H² I)``). At every step each point moves
    with the finest bandwidth at which its density stands above ``threshold`` times the
    sidelobe level of the sketch kernel: points in the data climb the sharp density,
    points far from it (where the sharp density is noise) feel the pull of the coarse
    ones, and no point is pulled across modes it already sits on.

    Parameters
    ----------
    points : ndarray of shape (P, d)
        Starting points.
    z : ndarray of shape (m,), complex
        The sketch (or a residual sketch).
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    kernel : (ndarray of shape (m,), float), default=None
        Weights of the entries and per-feature variance ``H²`` of the kernel, as
        returned by :func:`gaussian_kernel_weights` (computed when ``None``).
    levels : sequence of float, default=(1, 2, 4, 8)
        Bandwidth multipliers, increasing; the first should be 1.
    max_iter : int, default=50
        Maximum number of steps; points stop once converged at the finest level.
    tol : float, default=1e-3
        Convergence threshold on the step, relative to ``H``.
    threshold : float, default=2.0
        Multiple of the sidelobe level a density must exceed to be trusted.
    lower, upper : ndarray of shape (d,), default=None
        Box the points are kept in.

    Returns
    -------
    points : ndarray of shape (P, d)
        Final positions.
    density : ndarray of shape (P,)
        The kernel density estimate ``f`` at the final positions, finest bandwidth.
    n_steps : int
        Number of steps taken.
    """
    points = np.array(points, dtype=np.float64)
    weights, h2 = gaussian_kernel_weights(frequencies) if kernel is None else kernel
    radius_sq = np.einsum("ij,ij->j", frequencies, frequencies)
    sketches, bandwidths, floors, level_weights = [], [], [], []
    for b in levels:
        w = weights * np.exp(-0.5 * (b * b - 1.0) * h2 * radius_sq)
        w = w / w.sum()
        # entries 1e12 times below the largest weigh nothing; zero them, as float32
        # denormals slowed the products of the float32 evaluation 50-fold
        w[w < 1e-12 * w.max()] = 0.0
        sketches.append(z * w)
        level_weights.append(w)
        bandwidths.append(b * b * h2)
        floors.append(threshold * _sidelobe_level(z, w))
    # float32 evaluation (BLAS for the phases and gradients, NumPy's vectorised float32
    # trig): the phases and their sine and cosine are computed once per step and serve
    # every level (the levels differ only by the weights of the sketch entries).
    # Only the entries that carry all but 1e-3 of the weight at some level are used
    # (at d = 64, m = 6400: about 40% of them, for a kernel changed by < 1e-3)
    used = np.zeros(frequencies.shape[1], dtype=bool)
    for wl in level_weights:
        order = np.argsort(-wl, kind="stable")
        share = np.cumsum(wl[order])
        used[order[:np.searchsorted(share, (1.0 - 1e-3) * share[-1]) + 1]] = True
    dtype = np.float32
    freq = frequencies[:, used].astype(dtype)
    freq_t = np.ascontiguousarray(frequencies[:, used].T, dtype=dtype)
    re = np.stack([zl[used].real for zl in sketches], axis=1).astype(dtype)  # (m', L)
    im = np.stack([zl[used].imag for zl in sketches], axis=1).astype(dtype)
    # -∇f = Σ_j ω_j (cos θ_j b_j + sin θ_j a_j) with a + ib the weighted sketch
    grad_cos = [im[:, lev, None] * freq_t for lev in range(len(levels))]
    grad_sin = [re[:, lev, None] * freq_t for lev in range(len(levels))]
    floors = np.array(floors)
    last = len(levels) - 1
    active = np.arange(points.shape[0])
    n_steps = 0
    for _ in range(max_iter):
        pts = points[active]
        phases = pts.astype(dtype) @ freq
        cos, sin = np.cos(phases), np.sin(phases)
        values = (cos @ re - sin @ im).astype(np.float64)  # (P, L)
        above = values > floors[None, :]
        above[:, last] = True
        level_of = np.argmax(above, axis=1)  # the finest trusted level
        step = np.zeros_like(pts)
        for lev in np.unique(level_of):
            sel = np.flatnonzero(level_of == lev)
            grad = -(cos[sel] @ grad_cos[lev] + sin[sel] @ grad_sin[lev])
            dens = values[sel, lev]
            safe = np.where(dens > 0, dens, np.inf)  # no step where f <= 0
            st = bandwidths[lev] * grad.astype(np.float64) / safe[:, None]
            limit = 3.0 * np.sqrt(bandwidths[lev])
            length = np.linalg.norm(st, axis=1)
            st *= np.minimum(1.0, limit / np.maximum(length, 1e-300))[:, None]
            step[sel] = st
        moved = pts + step
        if lower is not None:
            np.clip(moved, lower, upper, out=moved)
        points[active] = moved
        n_steps += 1
        length = np.linalg.norm(step, axis=1)
        done = (level_of == 0) & (length < tol * np.sqrt(h2))
        stuck = length == 0.0
        active = active[~(done | stuck)]
        if active.size == 0:
            break
    density, _ = correlation_and_gradient(points, sketches[0], frequencies)
    return points, density, n_steps


def merge_modes(points, density, radius):
    """Greedy de-duplication: keep points by decreasing density, at least ``radius`` apart.

    Parameters
    ----------
    points : ndarray of shape (P, d)
        Converged candidates.
    density : ndarray of shape (P,)
        Their density.
    radius : float
        Minimal distance between two kept modes.

    Returns
    -------
    modes : ndarray of shape (Q, d)
    mode_density : ndarray of shape (Q,)
    """
    order = np.argsort(-density, kind="stable")
    kept = []
    for i in order:
        if not kept or np.min(np.sum((points[kept] - points[i]) ** 2, axis=1)) >= radius**2:
            kept.append(i)
    kept = np.array(kept, dtype=np.intp)
    return points[kept], density[kept]


def _sidelobe_level(z, weights):
    # std of Σ_j w_j Re(exp(i ω_jᵀ c) z_j) over c far from the data (random phases)
    return float(np.sqrt(np.sum((weights * np.abs(z)) ** 2) / 2.0))


def _initial_points(n, lower, upper, mean, var, rng):
    points = mean + np.sqrt(var) * rng.standard_normal((n, mean.shape[0]))
    return np.clip(points, lower, upper)


def _hard_threshold(z, frequencies, centers, variances, K, metric):
    """Indices of the ``K`` atoms kept by NNLS on normalised atoms (CL-OMPR's step 3)."""
    atoms = atom_sketches(frequencies, centers, variances, metric=metric)
    beta = nnls_weights(z, atoms, normalize=True)
    return np.sort(np.argsort(-beta, kind="stable")[:K]), beta


def sketch_and_shift(
    z,
    frequencies,
    n_components,
    lower,
    upper,
    *,
    scale,
    data_mean=None,
    data_var=None,
    covariance="spherical",
    metric=None,
    variance_upper=None,
    n_candidates=None,
    levels=BANDWIDTH_LEVELS,
    n_replace=None,
    n_tries=3,
    split=True,
    random_state,
    max_iter_descent=300,
    tol=1e-6,
    polish_tol=1e-10,
):
    """Decode a sketch into ``n_components`` Gaussian clusters by sketch and shift.

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch.
    frequencies : ndarray of shape (d, m)
        The frequencies ``Ω``.
    n_components : int
        Number of clusters ``K``.
    lower, upper : ndarray of shape (d,)
        Bounds of the data.
    scale : float
        The sketch scale ``σ̄²`` (mean intra-cluster variance), in the units of the
        frequencies' inverse squared.
    data_mean, data_var : ndarray of shape (d,), default=None
        Mean and variance of the data, where the candidates are drawn (``None``: the
        centre and squared half-width of the box).
    covariance : {"spherical", "diag"}, default="spherical"
        Variance model of the fitted Gaussians: ``s_k² · metric`` or ``diag(s_k²)``.
    metric : ndarray of shape (d,), default=None
        Per-feature factor of spherical variances (``None``: ones).
    variance_upper : float or ndarray of shape (d,), default=None
        Upper bound of the variances (``None``: ``data_var``, divided by ``metric``).
    n_candidates : int, default=None
        Number of mean-shift starts; ``None`` means
        ``max(30 K, 200, min(300000 // m, 150 K))``.
    levels : sequence of float, default=(1, 2, 4, 8)
        Bandwidth multipliers of the mean shift (see :func:`mean_shift`).
    n_replace : int, default=None
        Maximum rounds of replacement (a mode of the residual sketch swapped in when
        it lowers the residual); ``None`` means ``K``.
    n_tries : int, default=3
        Modes of the residual tried (by decreasing density) in each round before the
        rounds stop.
    split : bool, default=True
        How a residual mode is tried: ``True`` fits ``K + 1`` atoms, drops the
        lightest and refits; ``False`` swaps it for the weakest atom (by NNLS on
        normalised atoms) and fits once (half the cost, but an atom that covers two
        clusters is never split).
    random_state : numpy.random.RandomState
        Source of the starting points.
    max_iter_descent : int, default=300
        L-BFGS-B iterations of each global descent.
    tol : float, default=1e-6
        Relative tolerance on the cost of the global descents that choose and replace
        atoms.
    polish_tol : float, default=1e-10
        Relative tolerance on the cost of the final descent, from the chosen atoms.

    Returns
    -------
    result : DecodeResult
        Centres, variances, weights summing to one and diagnostics (number of modes
        found, replacements accepted, mean-shift steps).
    """
    K = int(n_components)
    d, m = frequencies.shape
    scale = float(scale)
    g = np.ones(d) if metric is None else np.asarray(metric, dtype=np.float64)
    if data_mean is None:
        data_mean = (lower + upper) / 2.0
    if data_var is None:
        data_var = ((upper - lower) / 2.0) ** 2
    if covariance == "diag":
        hi = np.maximum(data_var, 1e-12) if variance_upper is None else variance_upper
        new_var = np.minimum(scale, hi)[None, :]
    else:
        hi = float(np.max(data_var / g)) if variance_upper is None else float(
            np.max(variance_upper))
        hi = max(hi, 1e-12)
        new_var = np.array([min(scale / float(np.mean(g)), hi)])
    if n_candidates is None:
        n_candidates = max(30 * K, 200, min(300_000 // m, 150 * K))
    kernel = gaussian_kernel_weights(frequencies)

    def shift(sketch, n_points, max_iter):
        starts = _initial_points(n_points, lower, upper, data_mean, data_var, random_state)
        return mean_shift(starts, sketch, frequencies, kernel=kernel, levels=levels,
                          lower=lower, upper=upper, max_iter=max_iter)

    def descend(c, v, w=None, tol=tol):
        if w is None:
            w = nnls_weights(z, atom_sketches(frequencies, c, v, metric=g))
        return global_descent(z, frequencies, c, v, w, lower, upper,
                              variance_bounds=(0.0, hi), max_iter=max_iter_descent,
                              tol=tol, metric=g)

    points, density, n_steps = shift(z, n_candidates, SHIFT_ITER)
    alive = density > _sidelobe_level(z, kernel[0])
    if not np.any(alive):
        alive = density >= np.max(density)
    modes, _ = merge_modes(points[alive], density[alive], np.sqrt(scale))
    n_modes = modes.shape[0]
    if n_modes < K:
        # too few modes (in high dimension the sketched density can have a single
        # one): add atoms greedily, each the candidate point whose Gaussian atom
        # correlates best with the residual of the atoms so far (matching pursuit
        # over a random dictionary); replacement then refines them
        pool = _initial_points(n_candidates, lower, upper, data_mean, data_var,
                               random_state)
        pool_atoms = atom_sketches(frequencies, pool, np.repeat(new_var, n_candidates,
                                                                axis=0), metric=g)
        chosen = []
        atoms = atom_sketches(frequencies, modes, np.repeat(new_var, n_modes, axis=0),
                              metric=g)
        for _ in range(K - n_modes):
            w = nnls_weights(z, atoms)
            residual = z - w @ atoms
            corr = (pool_atoms.conj() @ residual).real
            corr[chosen] = -np.inf
            best = int(np.argmax(corr))
            chosen.append(best)
            atoms = np.vstack([atoms, pool_atoms[best]])
        modes = np.vstack([modes, pool[chosen]])
    mode_var = np.repeat(new_var, modes.shape[0], axis=0)
    keep, _ = _hard_threshold(z, frequencies, modes, mode_var, K, g)
    centers, variances, weights, cost, _ = descend(modes[keep], mode_var[keep])

    # replacement: a mode of the residual's density is a missed (or merged) cluster
    n_replace = K if n_replace is None else int(n_replace)
    accepted = n_rounds = 0
    for _ in range(n_replace):
        n_rounds += 1
        residual = z - weights @ atom_sketches(frequencies, centers, variances, metric=g)
        pts, dens, steps = shift(residual, max(n_candidates // 4, 50), SHIFT_ITER_RESIDUAL)
        n_steps += steps
        above = dens > _sidelobe_level(residual, kernel[0])
        if not np.any(above):
            break  # nothing left above the sidelobes
        tries, _ = merge_modes(pts[above], dens[above], np.sqrt(scale))
        improved = False
        for new_center in tries[:n_tries]:
            cand_c = np.vstack([centers, new_center])
            cand_v = np.concatenate([variances, new_var])
            if split:
                # fit K + 1 atoms, so that the new atom and an atom that covered two
                # clusters share them out; then drop the lightest atom and refit
                cand_w = np.concatenate([weights, [0.0]])
                c1, v1, w1, _, _ = descend(cand_c, cand_v, np.maximum(cand_w, 1e-3))
                keep = np.sort(np.argsort(-w1, kind="stable")[:K])
                c2, v2, w2, cost2, _ = descend(c1[keep], v1[keep], w1[keep])
            else:
                keep, beta = _hard_threshold(z, frequencies, cand_c, cand_v, K, g)
                if K not in keep:  # the new atom lost: try it instead of the weakest
                    weakest = int(np.argmin(beta[:K]))
                    keep = np.sort(np.concatenate([np.delete(np.arange(K), weakest), [K]]))
                c2, v2, w2, cost2, _ = descend(cand_c[keep], cand_v[keep])
            if cost2 < cost * (1.0 - 1e-3):
                centers, variances, weights, cost = c2, v2, w2, cost2
                accepted += 1
                improved = True
                break
        if not improved:
            break
    centers, variances, weights, cost, _ = descend(centers, variances, weights,
                                                   tol=polish_tol)
    total = weights.sum()
    weights = weights / total if total > 0 else np.full(K, 1.0 / K)
    return DecodeResult(
        centers=centers, variances=variances, weights=weights, cost=cost, n_iter=n_steps,
        info={"n_modes": n_modes, "n_replaced": accepted, "n_replace_rounds": n_rounds,
              "kernel_bandwidth_sq": kernel[1], "mass": float(total)},
    )
