"""Benchmark of the sorted proximal operators and SLOPE solvers against sortedl1 and skglm.

Run::

    python benchmarks/bench_slope.py            # everything (about 3 minutes)
    python benchmarks/bench_slope.py --quick    # prox + p = 5000 fit only, no skglm fit

Three tables, each measured in this process on the same data for every library, BLAS
pinned to one thread, numba warmed first (compile / cache-load times reported apart),
median of repeats (for the prox, of rounds that call every function in turn):

1. prox: time of ``prox_sorted_l1`` and of the sorted-MCP prox vs ``np.argsort`` of
   the magnitudes of the same vector (float64 ``|y|``, computed outside the timing:
   the floor, PAV is linear, the sort is not) and skglm's SLOPE prox;
   "kept" is the fraction of entries above the prefilter threshold. Timed by default
   in CPU time of this thread (``--timer cpu``): the machine is shared, and at
   p >= 1e5 most calls are preempted by other processes, which adds whole scheduler
   time slices to their wall time (``--timer wall`` measures wall time).
2. fit: n = 1000, AR(1) correlation 0.6, 20 true non-zeros, BH q = 0.1,
   alpha = sigma / sqrt(n), relative duality gap 1e-8 (centred data, no intercept, so
   that all libraries solve the identical problem); objective differences relative.
3. path: 100 alphas from alpha_max to 1e-2 alpha_max on the p = 5000 problem.
4. logistic (``--sections logistic``): binary logistic SLOPE against sortedl1's
   ``loss="logistic"`` on real tables shipped in wheels (``benchmarks/_real_data.py``:
   breast cancer, its pairwise products, Khan and NCI60 gene expression, Caravan,
   yeast; multiclass tables as one class against the rest) and on generated data
   (n = 500, AR(1) 0.5 design, 20 non-zeros, p = 100 to 10 000). X standardised, BH
   q = 0.1, alpha = 0.05 and 0.01 alpha_max, the same tolerance passed to both (1e-4
   and 1e-7); "obj diff" is (ours - sortedl1) / sortedl1 of the same objective
   (negative: ours lower). Times are medians of interleaved repeats. With
   ``--baseline DIR`` (the root of another checkout, e.g. ``main``), that
   revision's ``SLOPEClassifier`` is timed in the same rounds (its package copied
   under the name ``skfrugal_baseline``, kernels compiled first): the "base" columns
   give its time and its ratio to sortedl1, side by side with ours.
   ``--logistic-timer cpu`` times in CPU time of this thread (both libraries run in
   it) instead of wall time, for a loaded machine.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import subprocess
import sys
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits


def median_time(fn, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def compile_times():
    """Cold compile (empty cache dir) and cache-load times of our kernels, in subprocesses."""
    code = (
        "import time; t = time.perf_counter();"
        "from skfrugal.proximal._warmup import warm_up as a; a();"
        "from skfrugal.linear_model._warmup import warm_up as b; b();"
        "print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        cold = float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                    capture_output=True, text=True).stdout)
        cached = float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    return cold, cached


def interleaved_times(fns, rounds, clock=time.perf_counter):
    """Median time of each function, calling them in turn ``rounds`` times.

    Interleaving makes the load of other processes fall on every function alike
    (caches shared with them, frequency), so the ratios are stable even where the
    absolute times are not. ``clock`` is ``time.perf_counter`` (wall time) or
    ``time.thread_time`` (CPU time of this thread: preemption by other processes
    excluded; kernel time such as page faults included).
    """
    times = np.empty((rounds, len(fns)))
    outs = [None] * len(fns)
    for r in range(rounds):
        for j, fn in enumerate(fns):
            t0 = clock()
            outs[j] = fn()
            times[r, j] = clock() - t0
    return np.median(times, axis=0), outs


def bench_prox(sizes, timer="cpu"):
    from skfrugal.proximal import lambda_sequence, prox_sorted, prox_sorted_l1

    try:
        from skglm.utils.prox_funcs import prox_SLOPE

        prox_SLOPE(np.linspace(2, 1, 10), np.linspace(1, 0.1, 10))  # compile
    except ImportError:
        prox_SLOPE = None
    rng = np.random.default_rng(0)
    clock = time.thread_time if timer == "cpu" else time.perf_counter
    print(f"\n## prox ({timer} time, milliseconds, median of interleaved rounds; ratios to "
          "np.argsort of |y|, the same vector's magnitudes)")
    print(f"{'p':>8} {'lambda':>8} {'kept':>5} {'argsort':>9} {'SLOPE':>9} {'ratio':>6} "
          f"{'MCP':>9} {'ratio':>6} {'skglm':>9} {'ratio':>6}")
    for p in sizes:
        y = rng.standard_normal(p)
        mags = np.abs(y)
        bh = lambda_sequence(p, "bh", q=0.1)
        rounds = max(9, int(2e6 / p))
        for label, scale in (("BH/100", 0.01), ("BH/2", 0.5), ("BH", 1.0)):
            lam = scale * bh
            fns = [lambda mags=mags: np.argsort(mags),
                   lambda y=y, lam=lam: prox_sorted_l1(y, lam),
                   lambda y=y, lam=lam: prox_sorted(y, lam, "mcp", gamma=3.0)]
            if prox_SLOPE is not None:

                def skglm_prox(y=y, lam=lam):
                    a = np.abs(y)
                    order = np.argsort(a)[::-1]
                    out = np.zeros_like(y)
                    out[order] = prox_SLOPE(a[order], lam)
                    return np.sign(y) * out

                fns.append(skglm_prox)
            t, outs = interleaved_times(fns, rounds, clock)
            t *= 1e3
            if prox_SLOPE is not None:
                assert np.allclose(outs[1], outs[3], atol=1e-10)
                sk = f"{t[3]:9.3f} {t[3] / t[0]:6.2f}"
            else:
                sk = f"{'n/a':>9} {'':>6}"
            kept = np.mean(np.abs(y) > lam[-1])
            print(f"{p:>8} {label:>8} {kept:5.2f} {t[0]:9.3f} {t[1]:9.3f} "
                  f"{t[1] / t[0]:6.2f} {t[2]:9.3f} {t[2] / t[0]:6.2f} {sk}")


def make_problem(p, seed=0):
    from skfrugal.datasets import make_correlated_regression

    X, y, _ = make_correlated_regression(1000, p, 20, rho=0.6, noise=1.0, random_state=seed)
    X = np.asfortranarray(X - X.mean(axis=0))
    y = y - y.mean()
    return X, y


def objective(X, y, coef, lam_a):
    r = y - X @ coef
    return r @ r / (2 * len(y)) + np.sort(np.abs(coef))[::-1] @ lam_a


def bench_fit(sizes, repeats, with_skglm):
    import sortedl1

    from skfrugal.linear_model import SLOPERegression
    from skfrugal.proximal import lambda_sequence

    print("\n## fit, n = 1000, AR(1) 0.6, BH q = 0.1, alpha = 1/sqrt(n), rel. gap 1e-8")
    print(f"{'p':>6} {'skfrugal s':>10} {'sortedl1 s':>10} {'ratio':>6} {'rel obj diff':>12} "
          f"{'clusters':>8} {'skglm s':>8} {'ratio':>6} {'skglm obj diff':>14}")
    for p in sizes:
        X, y = make_problem(p)
        n = X.shape[0]
        lam = lambda_sequence(p, "bh", q=0.1)
        alpha = 1.0 / np.sqrt(n)

        def ours(X=X, y=y, alpha=alpha):
            return SLOPERegression(alpha=alpha, fit_intercept=False, tol=1e-8).fit(X, y)

        def ref(X=X, y=y, lam=lam, alpha=alpha):
            return sortedl1.Slope(lam=lam, alpha=alpha, fit_intercept=False,
                                  tol=1e-8).fit(X, y)

        t_ours, m = median_time(ours, repeats)
        t_ref, r = median_time(ref, repeats)
        f_ours = objective(X, y, m.coef_, alpha * lam)
        f_ref = objective(X, y, np.ravel(r.coef_), alpha * lam)
        sk = f"{'-':>8} {'':>6} {'':>14}"
        if with_skglm:
            try:
                from skglm import GeneralizedLinearEstimator
                from skglm.datafits import Quadratic
                from skglm.penalties import SLOPE
                from skglm.solvers import FISTA

                def skglm_est(lam, alpha=alpha):
                    return GeneralizedLinearEstimator(
                        Quadratic(), SLOPE(alpha=alpha, alphas=lam),
                        solver=FISTA(max_iter=20000, tol=1e-8, opt_strategy="fixpoint"),
                    )

                t0 = time.perf_counter()
                skglm_est(lam[:50]).fit(X[:, :50], y)  # JIT compile on a small problem
                print(f"  (skglm first-call compile: {time.perf_counter() - t0:.1f} s)")
                est = skglm_est(lam)
                t0 = time.perf_counter()
                est.fit(X, y)
                t_sk = time.perf_counter() - t0
                f_sk = objective(X, y, est.coef_, alpha * lam)
                sk = f"{t_sk:8.2f} {t_sk / t_ours:6.1f} {(f_sk - f_ref) / f_ref:14.1e}"
            except ImportError:
                pass
        print(f"{p:>6} {t_ours:10.3f} {t_ref:10.3f} {t_ours / t_ref:6.2f} "
              f"{(f_ours - f_ref) / f_ref:12.1e} {m.n_clusters_:>8} {sk}")


def bench_path(p, repeats):
    import sortedl1

    from skfrugal.linear_model import slope_path
    from skfrugal.proximal import lambda_sequence

    X, y = make_problem(p)
    lam = lambda_sequence(p, "bh", q=0.1)
    t_ours, path = median_time(lambda: slope_path(X, y, n_alphas=100, alpha_min_ratio=1e-2,
                                                  fit_intercept=False, tol=1e-8), repeats)

    def ref():
        return sortedl1.Slope(lam=lam, fit_intercept=False, tol=1e-8).path(
            X, y, alphas=path.alphas, tol_dev_change=0.0, tol_dev_ratio=1.0)

    t_ref, r = median_time(ref, repeats)
    coefs = np.asarray(r.coefs)[:, 0, :]
    k = coefs.shape[1]
    f_ours = np.array([objective(X, y, path.coefs[:, i], a * lam)
                       for i, a in enumerate(path.alphas[:k])])
    f_ref = np.array([objective(X, y, coefs[:, i], a * lam)
                      for i, a in enumerate(path.alphas[:k])])
    print(f"\n## path, 100 alphas down to 1e-2 alpha_max, p = {p}, rel. gap 1e-8")
    print(f"{'skfrugal s':>10} {'sortedl1 s':>10} {'ratio':>6} {'sortedl1 points':>15} "
          f"{'max rel obj diff':>16}")
    print(f"{t_ours:10.3f} {t_ref:10.3f} {t_ours / t_ref:6.2f} {k:>15} "
          f"{np.max((f_ours - f_ref) / f_ref):16.1e}")


def load_baseline(root, tmp):
    """Import the ``skfrugal`` package of the checkout ``root`` as ``skfrugal_baseline``.

    The package is copied into ``tmp`` with its absolute imports renamed, so that both
    revisions live in one process; its numba kernels are compiled (or loaded from the
    copy's cache) before any timing.
    """
    import importlib
    import re
    import shutil

    dest = os.path.join(tmp, "skfrugal_baseline")
    shutil.copytree(os.path.join(root, "skfrugal"), dest,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for folder, _, files in os.walk(dest):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path) as f:
                    text = f.read()
                text = re.sub(r"\bskfrugal(?=[. ])", "skfrugal_baseline", text)
                with open(path, "w") as f:
                    f.write(text)
    sys.path.insert(0, tmp)
    for sub in ("proximal", "linear_model"):
        importlib.import_module(f"skfrugal_baseline.{sub}._warmup").warm_up()
    return importlib.import_module("skfrugal_baseline.linear_model").SLOPEClassifier


def logistic_objective(X, y, coef, b, lam_a):
    z = X @ coef + b
    return float(np.mean(np.logaddexp(0, z) - y * z) + np.sort(np.abs(coef))[::-1] @ lam_a)


def logistic_problems(quick):
    """(name, X standardised (F-ordered), y in {0, 1}) of the logistic table."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _real_data
    from sklearn.preprocessing import StandardScaler

    out = []
    for name, loader in _real_data.slope_datasets().items():
        if quick and name not in ("breast_cancer", "cancer_pairs", "khan"):
            continue
        try:
            X, y = loader()
        except _real_data.MissingDataset as err:
            print(f"  ({name} skipped: {err})")
            continue
        labels, counts = np.unique(y, return_counts=True)
        y01 = (y == labels[np.argmax(counts)]).astype(float) if labels.size > 2 else (
            y == labels[1]).astype(float)
        X = StandardScaler().fit_transform(X[:, np.ptp(X, axis=0) > 0])
        out.append((name, np.asfortranarray(X), y01))
    rng = np.random.default_rng(0)
    for p in ([100, 1000] if quick else [100, 1000, 10000]):
        n = 500
        Z = rng.standard_normal((n, p))
        X = np.empty((n, p))
        X[:, 0] = Z[:, 0]
        for j in range(1, p):  # AR(1) correlation 0.5 between neighbours
            X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(1 - 0.25) * Z[:, j]
        beta = np.zeros(p)
        beta[rng.choice(p, 20, replace=False)] = rng.choice([-1.0, 1.0], 20)
        y01 = (rng.random(n) < 1 / (1 + np.exp(-X @ beta))).astype(float)
        out.append((f"generated p={p}", np.asfortranarray(StandardScaler().fit_transform(X)),
                    y01))
    return out


def bench_logistic(repeats, quick, baseline=None, clock=time.perf_counter):
    import sortedl1

    from skfrugal.linear_model import SLOPEClassifier
    from skfrugal.linear_model._fit import Problem
    from skfrugal.proximal import lambda_sequence

    kind = "CPU" if clock is time.thread_time else "wall"
    print(f"\n## logistic SLOPE vs sortedl1 (same tol; {kind} seconds, medians of "
          "interleaved repeats; ratio = ours / sortedl1)")
    print(f"{'data':<20} {'n':>5} {'p':>6} {'a/amax':>6} {'tol':>6} {'skfrugal':>9} "
          f"{'sortedl1':>9} {'ratio':>6} {'obj diff':>9} {'nnz':>5}"
          + (f" {'base':>9} {'base ratio':>10}" if baseline is not None else ""))
    ratios, base_ratios = [], []
    for name, X, y in logistic_problems(quick):
        n, p = X.shape
        lam = lambda_sequence(p, "bh", q=0.1)
        amax = Problem(X, y, "logistic", None, True, "bh").alpha_max
        for ratio in (0.05, 0.01):
            alpha = ratio * amax
            for tol in (1e-4, 1e-7):
                def ours(X=X, y=y, alpha=alpha, tol=tol):
                    return SLOPEClassifier(alpha=alpha, tol=tol, max_iter=10000).fit(X, y)

                def ref(X=X, y=y, alpha=alpha, tol=tol, lam=lam):
                    return sortedl1.Slope(lam=lam, alpha=alpha, loss="logistic",
                                          tol=tol).fit(X, y)

                fns = [ours, ref]
                if baseline is not None:
                    def base(X=X, y=y, alpha=alpha, tol=tol):
                        return baseline(alpha=alpha, tol=tol, max_iter=10000).fit(X, y)

                    fns.append(base)
                t, (m, r, *_) = interleaved_times(fns, repeats, clock)
                f_ours = logistic_objective(X, y, m.coef_, m.intercept_, alpha * lam)
                f_ref = logistic_objective(X, y, np.ravel(r.coef_),
                                           float(np.ravel(r.intercept_)[0]), alpha * lam)
                ratios.append(t[0] / t[1])
                extra = ""
                if baseline is not None:
                    base_ratios.append(t[2] / t[1])
                    extra = f" {t[2]:9.4f} {t[2] / t[1]:10.2f}"
                print(f"{name:<20} {n:>5} {p:>6} {ratio:>6g} {tol:>6g} {t[0]:9.4f} "
                      f"{t[1]:9.4f} {t[0] / t[1]:6.2f} {(f_ours - f_ref) / f_ref:9.1e} "
                      f"{np.count_nonzero(m.coef_):>5}" + extra)
    for label, values in (("ratio", ratios), ("base ratio", base_ratios)):
        if values:
            r = np.array(values)
            print(f"{label}: geometric mean {np.exp(np.mean(np.log(r))):.2f}, max "
                  f"{r.max():.2f}, {np.sum(r <= 1)}/{r.size} rows <= 1")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run")
    parser.add_argument("--sections", default="compile,prox,fit,path,logistic",
                        help="comma-separated subset of compile,prox,fit,path,logistic")
    parser.add_argument("--no-skglm", action="store_true", help="skip skglm's (slow) fits")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each fit")
    parser.add_argument("--baseline", metavar="DIR", default=None,
                        help="root of another checkout whose SLOPEClassifier the "
                        "logistic table times in the same rounds")
    parser.add_argument("--logistic-timer", default="wall", choices=("cpu", "wall"),
                        help="clock of the logistic table: wall time (default) or CPU "
                        "time of this thread (preemption by other processes excluded)")
    parser.add_argument("--timer", default="cpu", choices=("cpu", "wall"),
                        help="clock of the prox table: CPU time of this thread (default; "
                        "the machine is shared) or wall time")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if "compile" in sections:
        cold, cached = compile_times()
        print(f"numba kernels (proximal + linear_model), imports included: cold compile "
              f"{cold:.1f} s, load from cache {cached:.2f} s")
    from skfrugal.utils import warm_up

    warm_up()
    with threadpool_limits(limits=1):
        if "prox" in sections:
            bench_prox([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000],
                       timer=args.timer)
        if "fit" in sections:
            bench_fit([5000] if args.quick else [5000, 10000], repeats=args.repeats,
                      with_skglm=not (args.quick or args.no_skglm))
        if "path" in sections and not args.quick:
            bench_path(5000, repeats=1)
        if "logistic" in sections:
            clock = time.thread_time if args.logistic_timer == "cpu" else time.perf_counter
            if args.baseline is None:
                bench_logistic(max(args.repeats, 3), args.quick, clock=clock)
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    bench_logistic(max(args.repeats, 3), args.quick,
                                   load_baseline(args.baseline, tmp), clock)


if __name__ == "__main__":
    main()
