"""Sorted proximal operators against brute force, scikit-learn's isotonic regression and skglm."""

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from sklearn.isotonic import isotonic_regression

from skfrugal.proximal import (
    lambda_sequence,
    prox_sorted,
    prox_sorted_l1,
    sorted_l1_dual_norm,
    sorted_l1_norm,
)

PARAMS = {"l1": {}, "mcp": {"gamma": 2.5}, "scad": {"a": 3.7}, "log": {"log_eps": 1.5},
          "lq": {}}


def psi(t, lam, penalty, gamma=2.5, a=3.7, log_eps=1.5, q=0.5):
    """Scalar penalty, written from the definitions (independent of the kernels)."""
    t = np.abs(t)
    if penalty == "l1":
        return lam * t
    if penalty == "mcp":
        return np.where(t <= gamma * lam, lam * t - t**2 / (2 * gamma), gamma * lam**2 / 2)
    if penalty == "scad":
        mid = (2 * a * lam * t - t**2 - lam**2) / (2 * (a - 1))
        return np.where(t <= lam, lam * t, np.where(t <= a * lam, mid, lam**2 * (a + 1) / 2))
    if penalty == "log":
        return lam * np.log1p(t / log_eps)
    return lam * t**q


def objective(u, y, lam, penalty, step, **kw):
    mags = np.sort(np.abs(u))[::-1]
    return 0.5 * np.sum((u - y) ** 2) + step * np.sum(psi(mags, lam, penalty, **kw))


def block_candidates(z, lam, penalty, step, **kw):
    """Local minimisers over t >= 0 of a block's objective (brute force, by scipy)."""

    def f(t):
        return 0.5 * np.sum((t - z) ** 2) + step * np.sum(psi(t, lam, penalty, **kw))

    hi = z.max() + 1.0
    cands = [0.0]
    if penalty == "lq":
        # at most one positive local minimiser: the minimiser on [t_min, hi]
        q = kw.get("q", 0.5)
        mu = step * lam.mean()
        tmin = (mu * q * (1 - q)) ** (1 / (2 - q))
        if tmin < hi:
            cands.append(minimize_scalar(f, bounds=(tmin, hi), method="bounded",
                                         options={"xatol": 1e-13}).x)
    else:
        grid = np.linspace(0, hi, 2001)[:, None]
        fg = 0.5 * np.sum((grid - z) ** 2, axis=1) + step * np.sum(
            psi(grid, lam, penalty, **kw), axis=1
        )
        t0 = grid[np.argmin(fg), 0]
        lo_, hi_ = max(t0 - hi / 1000, 0.0), t0 + hi / 1000
        cands.append(minimize_scalar(f, bounds=(lo_, hi_), method="bounded",
                                     options={"xatol": 1e-13}).x)
    return cands, f


def brute_force_iso(z, lam, penalty, step, **kw):
    """Minimum of (P_iso) by enumeration of contiguous partitions (p <= 8)."""
    p = len(z)
    best = np.inf
    best_x = None
    cache = {}

    def candidates(s, e):
        if (s, e) not in cache:
            cache[s, e] = block_candidates(z[s:e], lam[s:e], penalty, step, **kw)
        return cache[s, e]

    for cuts in itertools.product([0, 1], repeat=p - 1):
        bounds = [0] + [i + 1 for i, c in enumerate(cuts) if c] + [p]
        blocks = list(zip(bounds[:-1], bounds[1:]))
        per_block = [candidates(s, e) for s, e in blocks]
        for choice in itertools.product(*[range(len(c[0])) for c in per_block]):
            vals = [per_block[b][0][k] for b, k in enumerate(choice)]
            if any(vals[b] < vals[b + 1] - 1e-12 for b in range(len(vals) - 1)):
                continue
            obj = sum(per_block[b][1](v) for b, v in enumerate(vals))
            if obj < best:
                best = obj
                best_x = np.concatenate([np.full(e - s, v) for (s, e), v in zip(blocks, vals)])
    return best, best_x


def random_instance(rng, p, kind):
    y = rng.standard_normal(p) * 2
    if kind == "ties":
        y = rng.choice([-2.0, -1.0, 1.0, 1.5, 2.0], size=p)
    elif kind == "zeros":
        y[rng.random(p) < 0.4] = 0.0
    lam = np.sort(rng.uniform(0.1, 1.5, p))[::-1]
    if kind == "ties":
        lam = np.sort(rng.choice([0.3, 0.8, 1.2], size=p))[::-1]
    return y, lam


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad", "log"])
@pytest.mark.parametrize("kind", ["gaussian", "ties", "zeros"])
def test_convex_regimes_match_brute_force(penalty, kind):
    rng = np.random.default_rng(hash((penalty, kind)) % 2**32)
    for _ in range(6):
        p = int(rng.integers(1, 8))
        y, lam = random_instance(rng, p, kind)
        step = 0.9 if penalty != "log" else 0.9 * 1.5**2 / lam[0] * rng.uniform(0.5, 1)
        u, labels = prox_sorted(y, lam, penalty, step, return_clusters=True, **PARAMS[penalty])
        z = np.sort(np.abs(y))[::-1]
        best, best_x = brute_force_iso(z, lam, penalty, step, **PARAMS[penalty])
        ours = objective(u, y, lam, penalty, step, **PARAMS[penalty])
        assert ours <= best + 1e-9 * max(1.0, abs(best))
        # convex case: unique minimiser
        np.testing.assert_allclose(np.sort(np.abs(u))[::-1], best_x, atol=1e-6)
        assert np.all(u * y >= 0)
        # labels: 0 exactly on zeros, equal labels exactly on equal magnitudes
        assert np.array_equal(labels == 0, u == 0)
        for k in range(1, labels.max() + 1):
            mags = np.abs(u[labels == k])
            assert mags.size and np.all(mags == mags[0])
        if labels.max() > 1:
            means = [np.abs(u[labels == k])[0] for k in range(1, labels.max() + 1)]
            assert np.all(np.diff(means) < 0)


@pytest.mark.parametrize("penalty", ["mcp", "scad", "log"])
def test_convex_regimes_match_slsqp(penalty):
    """p = 12 instances against SLSQP on (P_iso)."""
    rng = np.random.default_rng(3)
    for _ in range(3):
        p = 12
        y, lam = random_instance(rng, p, "gaussian")
        step = 0.9 if penalty != "log" else 0.8 * 1.5**2 / lam[0]
        u = prox_sorted(y, lam, penalty, step, **PARAMS[penalty])
        z = np.sort(np.abs(y))[::-1]

        def f(x, z=z, step=step, lam=lam):
            return 0.5 * np.sum((x - z) ** 2) + step * np.sum(
                psi(x, lam, penalty, **PARAMS[penalty])
            )

        cons = [{"type": "ineq", "fun": lambda x: np.append(x[:-1] - x[1:], x[-1])}]
        x0 = np.sort(np.abs(u))[::-1]
        res = minimize(f, np.maximum(z - step * lam, 0), constraints=cons, method="SLSQP",
                       options={"ftol": 1e-14, "maxiter": 500})
        assert f(x0) <= res.fun + 1e-8


def test_l1_matches_isotonic_regression_route():
    rng = np.random.default_rng(0)
    for p in [1, 2, 10, 1000]:
        y = rng.standard_normal(p) * 3
        lam = np.sort(rng.uniform(0, 2, p))[::-1]
        step = 0.7
        z = np.abs(y)
        order = np.argsort(-z)
        iso = isotonic_regression(z[order] - step * lam, increasing=False)
        ref = np.zeros(p)
        ref[order] = np.maximum(iso, 0)
        ref *= np.sign(y)
        np.testing.assert_allclose(prox_sorted_l1(y, lam, step), ref, atol=1e-12)


def test_l1_matches_skglm():
    pytest.importorskip("skglm")
    from skglm.penalties import SLOPE

    rng = np.random.default_rng(1)
    y = rng.standard_normal(500)
    lam = lambda_sequence(500, "bh", q=0.2)
    ref = SLOPE(alpha=0.3, alphas=lam).prox_vec(y, 0.5)
    np.testing.assert_allclose(prox_sorted_l1(y, 0.3 * lam, 0.5), ref, atol=1e-12)


def test_lq_against_brute_force():
    """Plain PAV with exact block proxes: a fixed point, optimal on most instances."""
    rng = np.random.default_rng(5)
    n_opt, n = 0, 0
    worst = 0.0
    for q in [0.5, 2 / 3, 0.3]:
        for _ in range(25):
            p = int(rng.integers(1, 7))
            y, lam = random_instance(rng, p, "gaussian")
            step = rng.uniform(0.2, 1.0)
            u = prox_sorted(y, lam, "lq", step, lq_exponent=q)
            z = np.sort(np.abs(y))[::-1]
            best, _ = brute_force_iso(z, lam, "lq", step, q=q)
            ours = objective(u, y, lam, "lq", step, q=q)
            assert ours >= best - 1e-9  # brute force is a true lower bound
            excess = (ours - best) / max(1.0, abs(best))
            worst = max(worst, excess)
            n_opt += excess < 1e-8
            n += 1
            # never worse than the all-zero point
            assert ours <= 0.5 * np.sum(y**2) + 1e-12
    assert n_opt / n >= 0.9, (n_opt, n, worst)
    assert worst < 0.05


@pytest.mark.parametrize("q", [0.5, 2 / 3, 0.25, 0.9])
def test_scalar_lq_prox_against_grid(q):
    """p = 1: the prox is the scalar l_q prox, compared with a fine grid."""
    for y in [-3.0, -0.8, 0.0, 0.4, 1.1, 2.0, 7.0]:
        u = prox_sorted(np.array([y]), [0.9], "lq", 1.0, lq_exponent=q)[0]
        t = np.linspace(0, abs(y), 200001)
        f = 0.5 * (t - abs(y)) ** 2 + 0.9 * t**q
        fu = 0.5 * (abs(u) - abs(y)) ** 2 + 0.9 * abs(u) ** q
        assert fu <= f.min() + 1e-10
        assert u * y >= 0


def test_all_zero_output_and_p1():
    for pen in PARAMS:
        lam = np.array([1.0, 1.0, 1.0]) if pen == "log" else np.array([2.0, 1.0, 1.0])
        u, labels = prox_sorted([0.5, -0.3, 0.9], lam, pen, 0.95, return_clusters=True,
                                **({"log_eps": 1.0} if pen == "log" else PARAMS[pen]))
        np.testing.assert_array_equal(u, 0.0)
        np.testing.assert_array_equal(labels, 0)
    # p = 1: soft thresholding for L1, firm thresholding for MCP
    assert prox_sorted_l1([3.0], [1.0], 0.5)[0] == 2.5
    np.testing.assert_allclose(prox_sorted([1.5], [1.0], "mcp", 1.0, gamma=2.0), [1.0])
    np.testing.assert_allclose(prox_sorted([2.5], [1.0], "mcp", 1.0, gamma=2.0), [2.5])


def test_float32_in_float32_out():
    u = prox_sorted_l1(np.array([3.0, -1.0], dtype=np.float32), [1.0, 0.5])
    assert u.dtype == np.float32
    np.testing.assert_allclose(u, [2.0, -0.5])


def test_lambda_sequences():
    from scipy.stats import norm

    p = 7
    np.testing.assert_allclose(
        lambda_sequence(p, "bh", q=0.1), norm.ppf(1 - np.arange(1, p + 1) * 0.1 / (2 * p))
    )
    np.testing.assert_allclose(lambda_sequence(p, "lasso"), np.ones(p))
    np.testing.assert_allclose(lambda_sequence(3, "oscar", theta1=2, theta2=1), [4, 3, 2])
    g = lambda_sequence(50, "gaussian", q=0.1, n_samples=200)
    bh = lambda_sequence(50, "bh", q=0.1)
    assert np.all(np.diff(g) <= 0) and np.all(g >= bh - 1e-12) and g[0] == bh[0]
    # first correction, from the formula
    np.testing.assert_allclose(g[1], bh[1] * np.sqrt(1 + bh[0] ** 2 / (200 - 2)))


def test_norms_against_definitions():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(9)
    lam = np.sort(rng.uniform(0.1, 2, 9))[::-1]
    assert np.isclose(sorted_l1_norm(x, lam), np.sort(np.abs(x))[::-1] @ lam)
    # dual norm = max of <x, u> over the unit ball of J, whose extreme points are
    # signed, permuted vectors (1, .., 1, 0, .., 0) / sum(lam[:k])
    best = 0.0
    a = np.sort(np.abs(x))[::-1]
    for k in range(1, 10):
        best = max(best, a[:k].sum() / lam[:k].sum())
    assert np.isclose(sorted_l1_dual_norm(x, lam), best)
    # Hölder-type inequality <x, v> <= J(v) J*(x)
    for _ in range(20):
        v = rng.standard_normal(9)
        assert x @ v <= sorted_l1_norm(v, lam) * sorted_l1_dual_norm(x, lam) + 1e-12


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lambdas": [1.0, 2.0, 0.5]}, ValueError, "non-increasing"),
        ({"lambdas": [1.0, -1.0, -2.0]}, ValueError, "non-negative"),
        ({"lambdas": [1.0, 0.5]}, ValueError, "length n_features=3"),
        ({"x": [1.0, np.nan, 0.0]}, ValueError, "finite"),
        ({"x": [1.0, np.inf, 0.0]}, ValueError, "finite"),
        ({"x": np.array([1j, 0, 0])}, TypeError, "complex"),
        ({"x": np.ones((3, 1))}, ValueError, "1-D"),
        ({"penalty": "mcp", "gamma": 0.5}, ValueError, "step < gamma"),
        ({"penalty": "scad", "a": 1.5}, ValueError, "'a' parameter of prox_sorted"),
        ({"penalty": "scad", "a": 2.5, "step": 2.0}, ValueError, "step < a - 1"),
        ({"penalty": "log", "log_eps": 0.5}, ValueError, "log_eps\\*\\*2"),
        ({"penalty": "lq", "lq_exponent": 1.5}, ValueError, "'lq_exponent' parameter"),
        ({"penalty": "huber"}, ValueError, "'penalty' parameter of prox_sorted"),
        ({"step": -1.0}, ValueError, "'step' parameter of prox_sorted"),
        ({"step": np.nan}, ValueError, "'step' parameter of prox_sorted"),
        ({"step": np.inf}, ValueError, "'step' parameter of prox_sorted"),
        ({"lambdas": np.ones((3, 1))}, ValueError, "1-D"),
        ({"lambdas": np.array([1j, 0, 0])}, TypeError, "complex"),
        ({"lambdas": np.ones(3, dtype=np.int8)[::-1] * 0 + 1}, None, None),
        ({"x": []}, ValueError, "empty"),
        ({"x": np.array(["a", "b", "c"])}, TypeError, "numeric"),
        ({"return_clusters": 1}, ValueError, "'return_clusters' parameter"),
        ({"lambdas": [1.0, np.nan, 0.0]}, ValueError, "finite"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = {"x": [1.0, -2.0, 0.5], "lambdas": [1.0, 0.5, 0.2], "step": 1.0}
    args.update(kwargs)
    x, lam = args.pop("x"), args.pop("lambdas")
    if error is None:  # accepted (integer weights are converted)
        assert prox_sorted(x, lam, **args).shape == (3,)
        return
    with pytest.raises(error, match=match):
        prox_sorted(x, lam, **args)


def test_bad_lambda_sequence_arguments():
    with pytest.raises(ValueError, match="'kind' parameter"):
        lambda_sequence(3, "foo")
    with pytest.raises(ValueError, match="'q' parameter"):
        lambda_sequence(3, "bh", q=1.5)
    with pytest.raises(ValueError, match="'q' parameter"):
        lambda_sequence(3, "bh", q=np.nan)
    with pytest.raises(ValueError, match="n_samples"):
        lambda_sequence(3, "gaussian")
    with pytest.raises(ValueError, match="'n_features' parameter"):
        lambda_sequence(0)
    with pytest.raises(ValueError, match="'theta1' parameter"):
        lambda_sequence(3, "oscar", theta1=np.inf)


def test_renamed_parameters_warn_and_still_work():
    """``eps`` (log-sum) became ``log_eps`` and ``q`` (l_q exponent) ``lq_exponent``:
    the old names give the same result with a FutureWarning; both at once is an error."""
    y = np.array([2.0, -1.0, 0.3])
    lam = np.array([1.0, 0.6, 0.2])
    with pytest.warns(FutureWarning, match="'eps' is renamed 'log_eps'"):
        old = prox_sorted(y, lam, "log", 0.5, eps=2.0)
    np.testing.assert_array_equal(old, prox_sorted(y, lam, "log", 0.5, log_eps=2.0))
    with pytest.warns(FutureWarning, match="'q' is renamed 'lq_exponent'"):
        old = prox_sorted(y, lam, "lq", 0.5, q=2 / 3)
    np.testing.assert_array_equal(old, prox_sorted(y, lam, "lq", 0.5, lq_exponent=2 / 3))
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="only"):
        prox_sorted(y, lam, "log", 0.5, eps=2.0, log_eps=3.0)


def test_sorted_penalty_object():
    """SortedPenalty: step bounds, value against psi, prox equal to prox_sorted."""
    from skfrugal.proximal import SortedPenalty

    rng = np.random.default_rng(7)
    y = 2 * rng.standard_normal(12)
    lam = np.sort(rng.uniform(0.1, 1.0, 12))[::-1]
    bounds = {"l1": np.inf, "mcp": 2.5, "scad": 2.7, "log": 1.5**2 / lam[0], "lq": np.inf}
    for name, kw in PARAMS.items():
        pen = SortedPenalty(name, **kw)
        assert pen.max_step(lam[0]) == pytest.approx(bounds[name])
        assert pen.convex == (name == "l1")
        assert pen.value(y, lam) == pytest.approx(
            np.sum(psi(np.sort(np.abs(y))[::-1], lam, name)))
        step = min(1.0, 0.5 * pen.max_step(lam[0]))
        np.testing.assert_array_equal(pen.prox(y, lam, step),
                                      prox_sorted(y, lam, name, step, **kw))
        np.testing.assert_array_equal(pen.prox(y, lam, step),
                                      prox_sorted(y, lam, pen, step))
        assert name in repr(pen)
    with pytest.raises(ValueError, match="step < gamma"):
        SortedPenalty("mcp", gamma=1.0).check_step(1.0, 1.0)
    with pytest.raises(ValueError, match="penalty must be one of"):
        SortedPenalty("huber")
    with pytest.raises(TypeError, match="gamma must be a real number"):
        SortedPenalty("mcp", gamma="3")


@pytest.mark.parametrize("spread", [2**22, 2**12])
def test_near_ties_in_the_low_bits_are_ordered_exactly(spread):
    """The sort keys drop the low mantissa bits: values that differ only there must
    still come out in exact order (checked against the isotonic-regression route).
    With ``spread = 2**22`` the insertion pass repairs the order; with ``2**12`` every
    group of near-ties shares its key bits, the insertions would be quadratic and the
    exact fallback sort takes over (both paths are checked to be taken)."""
    from skfrugal.proximal._pava import key_shift, make_keys, sort_keys, sorted_magnitudes

    rng = np.random.default_rng(7)
    p = 5000
    base = rng.choice([0.5, 1.0, 2.0], size=p)
    y = base * (1 + rng.integers(0, spread, size=p) * np.finfo(float).eps)
    keys = np.empty(p, dtype=np.uint64)
    keys = keys[: make_keys(y, 0.0, key_shift(p), keys)]
    sort_keys(keys)
    fast = sorted_magnitudes(y, keys, key_shift(p), np.empty(p), 4 * p + 1024)
    assert fast == (spread == 2**22)
    y *= rng.choice([-1.0, 1.0], size=p)
    for scale in [1e-6, 1e-14]:
        lam = np.sort(rng.uniform(0, scale, p))[::-1]
        z = np.abs(y)
        order = np.argsort(-z, kind="stable")
        iso = isotonic_regression(z[order] - lam, increasing=False)
        ref = np.zeros(p)
        ref[order] = np.maximum(iso, 0) * np.sign(y[order])
        u = prox_sorted_l1(y, lam)
        np.testing.assert_allclose(u, ref, rtol=0, atol=1e-13)
        # exact monotonicity: a larger input never gets a smaller output
        a = np.abs(u)[order]
        assert np.all(np.diff(a) <= 0)


def kkt_violation(u, y, lam, penalty, step, gamma=2.5, a=3.7, eps=1.5):
    """Largest violation of the optimality conditions of (P_iso) at the prox ``u``.

    With ``x`` the sorted magnitudes of ``u`` and ``f_j`` the convex terms of (P_iso),
    ``x`` is optimal iff, within each block of equal values (a cluster), every prefix
    sum of ``f_j'(x_B)`` is >= 0 and the full sum is 0 (>= 0 for a block at 0): the
    prefix sums are the multipliers of the order constraints. Independent of PAV.
    Returns the violation relative to the scale of ``y`` and the blocks found.
    """
    order = np.argsort(-np.abs(y), kind="stable")
    z = np.abs(y)[order]
    x = np.abs(u)[order]
    if penalty == "l1":
        dpsi = lam
    elif penalty == "mcp":
        dpsi = np.maximum(lam - x / gamma, 0.0)
    elif penalty == "scad":
        dpsi = np.where(x <= lam, lam, np.maximum(a * lam - x, 0.0) / (a - 1))
    else:
        dpsi = lam / (eps + x)
    d = x - z + step * dpsi
    worst = 0.0
    blocks = []
    bounds = np.flatnonzero(np.diff(x) != 0) + 1
    for s, e in zip(np.r_[0, bounds], np.r_[bounds, len(x)], strict=True):
        c = np.cumsum(d[s:e])
        worst = max(worst, -c.min())
        if x[s] > 0:
            worst = max(worst, abs(c[-1]))
        blocks.append((s, e, x[s]))
    return worst / max(1.0, np.abs(y).max()), blocks, lam


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad", "log"])
def test_kkt_conditions_large_p(penalty):
    """p = 3000 against the optimality conditions: Gaussian entries, and plateaus of
    near-equal magnitudes across spread weights, which make large blocks whose value
    lies between the kinks of their first and last weights (not in a single regime:
    the O(log |B|) binary-search paths of MCP and SCAD, checked to be taken)."""
    rng = np.random.default_rng(11)
    p = 3000
    step = 0.9 if penalty != "log" else 0.9 * 1.5**2
    n_mixed = 0
    for trial in range(4):
        if trial == 0:
            y = rng.standard_normal(p) * 2
            y[rng.random(p) < 0.1] *= 1e-3
        else:
            levels = rng.uniform(0.5, 3.0, 6)
            y = rng.choice(levels, p) * (1 + 0.01 * rng.standard_normal(p))
            y *= rng.choice([-1.0, 1.0], p)
        lam = np.sort(rng.uniform(0.05, 1.5, p))[::-1]
        lam[500:900] = lam[500]  # ties in the weights
        if penalty == "log":
            lam /= lam[0]
        u = prox_sorted(y, lam, penalty, step, **PARAMS[penalty])
        worst, blocks, lam = kkt_violation(u, y, lam, penalty, step)
        assert worst < 1e-10
        assert np.all(u * y >= 0)
        kinks, outer = (2.5 * lam, 2.5 * lam) if penalty == "mcp" else (lam, 3.7 * lam)
        n_mixed += sum(1 for s, e, t in blocks if t > 0 and e - s > 1 and (
            kinks[e - 1] < t < kinks[s] or outer[e - 1] < t < outer[s]))
    if penalty in ("mcp", "scad"):
        assert n_mixed >= 3, n_mixed


def test_key_shift_formula():
    """key_shift(p) is the smallest s >= 1 with 2**s >= 2p (checked by counting)."""
    from skfrugal.proximal._pava import key_shift

    sizes = list(range(1, 2100)) + [2**k + d for k in range(11, 40) for d in (-1, 0, 1)]
    for p in sizes:
        s = 1
        while (1 << s) < 2 * p:
            s += 1
        assert key_shift(p) == s, p


def test_non_float64_and_strided_inputs():
    """The fast path of the input checks (contiguous float64) and the generic one agree."""
    rng = np.random.default_rng(4)
    y = rng.standard_normal(40)
    lam = np.sort(rng.uniform(0.1, 1.0, 20))[::-1]
    ref = prox_sorted_l1(np.ascontiguousarray(y[::2]), lam, 0.5)
    np.testing.assert_array_equal(prox_sorted_l1(y[::2], lam[::-1][::-1], 0.5), ref)
    np.testing.assert_array_equal(prox_sorted_l1(list(y[::2]), list(lam), 0.5), ref)
    np.testing.assert_array_equal(
        prox_sorted_l1(y[::2].astype(">f8"), lam.astype(np.float32).astype(float), 0.5),
        prox_sorted_l1(y[::2], lam.astype(np.float32).astype(float), 0.5))
    with pytest.raises(ValueError, match=r"x must be finite, got x\[3\]=nan"):
        prox_sorted_l1(np.where(np.arange(20) == 3, np.nan, y[::2]), lam)
    with pytest.raises(ValueError, match="x must be finite"):
        prox_sorted_l1(np.where(np.arange(20) == 3, np.inf, y[::2])[::-1][::-1], lam)
    with pytest.raises(TypeError, match="step must be a real number"):
        prox_sorted_l1(y[::2], lam, True)
    with pytest.raises(TypeError, match="'step' parameter of prox_sorted_l1"):
        prox_sorted_l1(y[::2], lam, "1.0")


# magnitudes at the edges of the double format: zero, denormals, the smallest normal,
# neighbours of 1 (near-ties in the last bits), huge values
EDGE_VALUES = np.array([
    0.0, 5e-324, 1e-323, 2.5e-310, 2.2250738585072014e-308, 1e-200,
    np.nextafter(1.0, 0.0), 1.0, np.nextafter(1.0, 2.0), 1.0 + 4 * np.finfo(float).eps,
    3.0, 1e200, 1e300,
])


def sorted_keys_route(y, threshold):
    """The prox's sort: keys, NumPy sort as doubles, gather and repair."""
    from skfrugal.proximal._pava import key_shift, make_keys, sort_keys, sorted_magnitudes

    p = y.shape[0]
    keys = np.empty(p, dtype=np.uint64)
    keys = keys[: make_keys(y, threshold, key_shift(p), keys)]
    sort_keys(keys)
    shift = key_shift(p)
    z = np.empty(keys.shape[0])
    fast = sorted_magnitudes(y, keys, shift, z, 4 * keys.shape[0] + 1024)
    low = np.uint64((1 << shift) - 1)
    index = ((keys & low) >> np.uint64(1)).astype(np.int64)
    signs = (keys & np.uint64(1)).astype(bool)
    return fast, z, index, signs


def check_key_route(y, threshold):
    fast, z, index, signs = sorted_keys_route(y, threshold)
    assert fast
    kept = np.flatnonzero(np.abs(y) > threshold)
    # a permutation of the kept entries, carrying their signs, exactly non-increasing
    # (np.array_equal: this runs thousands of times)
    assert np.array_equal(np.sort(index), kept), y
    assert np.array_equal(signs, np.signbit(y[index])), y
    assert np.array_equal(z, np.abs(y[index])), y
    assert np.array_equal(z, np.sort(np.abs(y[kept]))[::-1]), y


def test_sort_keys_exhaustive_edge_values():
    """Every vector of length 2 over the edge values with both signs (negative zeros
    and denormals included), and of length 3 over half of them, at thresholds 0 and
    1: the key route gives the kept entries, their signs and exactly sorted
    magnitudes."""
    vals = np.concatenate([EDGE_VALUES, -EDGE_VALUES])
    for length, v in ((2, vals), (3, vals[::2])):
        for t in itertools.product(range(v.size), repeat=length):
            y = v[list(t)]
            for threshold in (0.0, 1.0):
                check_key_route(y, threshold)


@pytest.mark.parametrize("p", [1, 7, 300, 5000, 70000])
def test_sort_keys_ties_near_ties_and_extremes(p):
    """Log-uniform magnitudes from denormals to 1e300, with exact ties, near-ties one
    to three ulps apart (equal in the kept key bits) and zeros, at sizes with short
    and long keys (shift 1 to 18): the key route against NumPy's sort of the
    magnitudes; then the prox against the stable-argsort route."""
    rng = np.random.default_rng(p)
    y = 10.0 ** rng.uniform(-323, 300, size=p)
    copies = rng.integers(0, p, size=p)
    tie = rng.random(p) < 0.1
    y[tie] = y[copies[tie]]
    near = rng.random(p) < 0.1
    y[near] = y[copies[near]] * (1 + rng.integers(1, 4, size=near.sum()) * np.finfo(float).eps)
    y[rng.random(p) < 0.05] = 0.0
    y *= rng.choice([-1.0, 1.0], size=p)
    assert np.all(np.isfinite(y))
    for threshold in (0.0, 1e-310, 1.0):
        check_key_route(y, threshold)
    # the prox against isotonic regression of the stably sorted magnitudes
    lam = np.sort(rng.uniform(0, 1e-3, p))[::-1]
    z = np.abs(y)
    order = np.argsort(-z, kind="stable")
    iso = isotonic_regression(z[order] - lam, increasing=False)
    ref = np.zeros(p)
    ref[order] = np.maximum(iso, 0) * np.sign(y[order])
    np.testing.assert_allclose(prox_sorted_l1(y, lam), ref, rtol=1e-12, atol=0)
