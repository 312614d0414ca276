"""Mean shift on the sketched kernel density, each point at its own bandwidth.

The correlation of a Dirac at ``c`` with a sketch, ``f(c) = Σ_j w_j Re(exp(i ω_jᵀ c) z_j)
= (1/n) Σ_i κ(x_i - c)``, is a kernel density estimate of the data with kernel
``κ(x) = Σ_j w_j cos(ω_jᵀ x)``; its gradient is ``∇f(c) = -Σ_j w_j ω_j Im(exp(i ω_jᵀ c)
z_j)``. :func:`gaussian_kernel_weights` chooses weights ``w_j`` that make ``κ`` Gaussian,
:func:`mean_shift` climbs ``f`` from many points at once and :func:`merge_modes` keeps
one point per mode. Sketch and shift (:func:`~skfrugal.decoding.sketch_and_shift`) is
built on them.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from skfrugal.decoding._atoms import _correlation_and_gradient
from skfrugal.decoding._kernels import mean_shift_kernel, merge_kernel
from skfrugal.decoding._validation import (
    as_float_array,
    check_box,
    check_frequency_range,
    check_levels,
    check_phases,
    check_problem,
)

BANDWIDTH_LEVELS = (1.0, 2.0, 4.0, 8.0)
#: Every MERGE_EVERY steps, moving points closer than MERGE_RADIUS · H to another moving
#: point stop and end where it ends (at K = d = 10, m = 200, 1500 starts, every point
#: still moved after 50 steps: 48 ms; merged so, 23 ms for the same 24 modes, and the
#: same residuals of sketch and shift's fits on 30 sketches)
MERGE_EVERY, MERGE_RADIUS = 5, 0.1


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


@validate_params(
    {
        "frequencies": ["array-like"],
    },
    prefer_skip_nested_validation=True,
)
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
    frequencies = as_float_array(frequencies, "frequencies", 2)
    check_frequency_range(frequencies)
    return _gaussian_kernel_weights(frequencies)


def _gaussian_kernel_weights(frequencies):
    """Unchecked :func:`gaussian_kernel_weights` (arguments validated by the caller)."""
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


@validate_params(
    {
        "points": ["array-like"],
        "z": ["array-like"],
        "frequencies": ["array-like"],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "lower": ["array-like", None],
        "upper": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
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
    ones, and no point is pulled across modes it already sits on. Every 5 steps, a
    moving point closer than ``0.1 H`` to another moving point stops and ends where
    that point ends (their paths coincide to within that distance).

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
    z, frequencies, points, _, _ = check_problem(z, frequencies, points)
    if (lower is None) != (upper is None):
        raise ValueError("give both lower and upper, or neither")
    if lower is not None:
        lower, upper = check_box(lower, upper, frequencies.shape[0])
    check_phases(frequencies, points, lower, upper)
    levels = check_levels(levels)
    if kernel is not None:
        if isinstance(kernel, str) or len(kernel) != 2:
            raise ValueError("kernel must be (weights of shape (m,), a positive bandwidth)")
        weights, h2 = kernel
        weights = as_float_array(weights, "kernel weights", 1)
        if (weights.shape[0] != frequencies.shape[1] or np.any(weights < 0)
                or not weights.sum() > 0 or not isinstance(h2, Real)
                or not (0 < h2 < np.inf)):
            raise ValueError("kernel must be (non-negative weights of shape (m,), a positive "
                             "finite bandwidth)")
        kernel = (weights, float(h2))
    return _mean_shift(points, z, frequencies, kernel=kernel, levels=tuple(levels),
                       max_iter=max_iter, tol=tol, threshold=threshold, lower=lower,
                       upper=upper)


def _mean_shift(points, z, frequencies, *, kernel=None, levels=BANDWIDTH_LEVELS,
               max_iter=50, tol=1e-3, threshold=2.0, lower=None, upper=None):
    """Unchecked :func:`mean_shift` (arguments validated by the caller)."""
    points = np.array(points, dtype=np.float64)
    weights, h2 = _gaussian_kernel_weights(frequencies) if kernel is None else kernel
    radius_sq = np.einsum("ij,ij->j", frequencies, frequencies)
    sketches, bandwidths, floors, level_weights = [], [], [], []
    for b in levels:
        w = weights * np.exp(-0.5 * (b * b - 1.0) * h2 * radius_sq)
        w = w / w.sum()
        # entries 1e12 times below the largest weigh nothing
        w[w < 1e-12 * w.max()] = 0.0
        sketches.append(z * w)
        level_weights.append(w)
        bandwidths.append(b * b * h2)
        floors.append(threshold * sidelobe_level(z, w))
    # Only the entries that carry all but 1e-3 of the weight at some level are used
    # (at d = 64, m = 6400: about 40% of them, for a kernel changed by < 1e-3)
    used = np.zeros(frequencies.shape[1], dtype=bool)
    for wl in level_weights:
        order = np.argsort(-wl, kind="stable")
        share = np.cumsum(wl[order])
        used[order[:np.searchsorted(share, (1.0 - 1e-3) * share[-1]) + 1]] = True
    # one compiled loop per point: the phases and their sine and cosine are computed
    # once per step and serve every level (the levels differ only by the weights)
    d = frequencies.shape[0]
    n_steps = mean_shift_kernel(
        points, np.ascontiguousarray(frequencies[:, used]),
        np.stack([zl[used].real for zl in sketches]),
        np.stack([zl[used].imag for zl in sketches]),
        np.array(floors, dtype=np.float64), np.array(bandwidths, dtype=np.float64),
        np.full(d, -np.inf) if lower is None else np.asarray(lower, dtype=np.float64),
        np.full(d, np.inf) if upper is None else np.asarray(upper, dtype=np.float64),
        int(max_iter), float(tol * np.sqrt(h2)), MERGE_EVERY, (MERGE_RADIUS**2) * h2)
    density, _ = _correlation_and_gradient(points, sketches[0], frequencies)
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
    points = np.ascontiguousarray(points, dtype=np.float64)
    order = np.argsort(-np.asarray(density), kind="stable").astype(np.int64)
    kept = np.empty(points.shape[0], dtype=np.int64)
    kept = kept[:merge_kernel(points, order, float(radius) ** 2, kept)]
    return points[kept], density[kept]


def sidelobe_level(z, weights):
    """Standard deviation of ``Σ_j w_j Re(exp(i ω_jᵀ c) z_j)`` far from the data.

    Far from the data the phases are random, so the weighted density estimate is noise
    of this standard deviation (the kernel's sidelobes).

    Parameters
    ----------
    z : ndarray of shape (m,), complex
        The sketch (or a residual sketch).
    weights : ndarray of shape (m,)
        Weights of the entries.

    Returns
    -------
    level : float
    """
    return float(np.sqrt(np.sum((weights * np.abs(z)) ** 2) / 2.0))
