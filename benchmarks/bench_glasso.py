"""Benchmark: compressive graphical lasso vs full data, subsample, and scikit-learn.

Prints three tables:

1. graph recovery (edge F1, relative Frobenius error of Θ) of the compressive
   estimator at m / (p(p+1)/2) in {0.1, 0.25, 0.5, 1, 2}, against full-data glasso
   (ours and scikit-learn's) and glasso on a memory-matched raw subsample (m / p rows),
   with the oracle alpha (best F1 over a grid, per method) and, for the compressive
   estimator at every ratio, the alpha chosen by CompressiveGraphicalLassoCV
   (held-out log-likelihood, one-standard-error rule);
2. full-data solver speed: our GraphicalLasso vs scikit-learn's ``cd`` at the same
   duality gap (time ratio), including the ill-conditioned case where scikit-learn
   fails;
3. sketching throughput and peak memory against n (streamed in chunks);
4. real tables (``--tables real``; the ``covariance_*`` data sets of
   ``benchmarks/_real_data.py``: gene expression with n < p, yeast, digits, Caravan,
   Sachs cytometry, breast cancer), standardised and raw: the compressive estimator at
   m = p(p+1)/2 and p(p+1)/4 against the full-data graphical lasso at the same alpha
   (0.1 to 0.7 of max |S_ij|): edge F1, relative excess of the graphical-lasso
   objective on the full-data covariance, decoder CPU time, decoder rounds, and a
   summary of the cases meeting issue 18's targets (F1 >= 0.9 at p(p+1)/2, >= 0.7 at
   p(p+1)/4, decode <= 5 s at p = 200, m = p(p+1)/4).

Run ``python benchmarks/bench_glasso.py`` (reduced default: p = 100, n = 1000, 2
seeds, about 5-8 minutes on one core) or ``--full`` for p in {100, 200},
n in {1000, 10000} and 5 seeds (hours: run it in pieces with ``--p``, ``--n`` and
``--tables recovery``; ``--graph spd95`` for the ill-conditioned graph). Per-seed lines
report F1, relative Frobenius error and the oracle alpha of every method, so pieces run
separately can be summarised together (medians and minima over seeds).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.covariance import GraphicalLasso as SkGraphicalLasso
from sklearn.covariance import empirical_covariance
from sklearn.datasets import make_sparse_spd_matrix
from threadpoolctl import threadpool_limits

from skfrugal.covariance import (
    CompressiveGraphicalLasso,
    CompressiveGraphicalLassoCV,
    CovarianceSketcher,
    graphical_lasso,
)
from skfrugal.covariance._objective import duality_gap
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
from skfrugal.metrics import edge_f1_score, relative_frobenius_error

RATIOS = (0.1, 0.25, 0.5, 1.0, 2.0)
ALPHAS = (0.05, 0.1, 0.15, 0.2, 0.3)


def _quiet():
    warnings.simplefilter("ignore")


def _oracle(prec, fits):
    """Best F1 over the alpha grid, and the Frobenius error at that alpha."""
    best = max(fits, key=lambda t: t[0])
    return best


def _score(prec, theta):
    return edge_f1_score(prec, theta, threshold=1e-6), relative_frobenius_error(prec, theta)


def _full(S, prec, solver):
    out = []
    for a in ALPHAS:
        try:
            if solver == "ours":
                theta = graphical_lasso(S, a)[1]
            else:
                theta = SkGraphicalLasso(alpha=a, covariance="precomputed").fit(S).precision_
            out.append((*_score(prec, theta), a))
        except FloatingPointError:
            continue
    return _oracle(prec, out) if out else (np.nan, np.nan, np.nan)


def make_graph(graph, p, seed):
    """True precision of the recovery table, in the units of the sampled features.

    ``"sparse"``: :func:`make_sparse_precision` with ``1.44 p`` edges (well conditioned);
    ``"spd95"`` / ``"spd98"``: :func:`sklearn.datasets.make_sparse_spd_matrix` with
    ``alpha=0.95`` / ``0.98``, rescaled to unit variances (``Θ -> D Θ D``,
    ``D² = diag(Θ^{-1})``; the graph is unchanged). ``"spd95"`` is the ill-conditioned
    case (seed 0, p = 100: 551 edges, condition number 270 after rescaling).
    """
    if graph == "sparse":
        return make_sparse_precision(p, n_edges=int(1.44 * p), random_state=seed)
    prec = make_sparse_spd_matrix(p, alpha=float("0." + graph[3:]), random_state=seed)
    d = np.sqrt(np.diag(np.linalg.inv(prec)))
    prec = prec * np.outer(d, d)
    return 0.5 * (prec + prec.T)


def recovery_table(ps, ns, seeds, with_cv, cv_ratios=RATIOS, tol=1e-4, graph="sparse",
                   ratios=RATIOS):
    print(f"\n## Graph recovery (oracle alpha per method; mean over seeds {list(seeds)}; "
          f"graph {graph!r})")
    print(f"alpha grid {ALPHAS}; F1 threshold 1e-6; sketch: CompressiveGraphicalLasso "
          f"(max_iter=100, tol={tol:g})")
    print("CV alpha: CompressiveGraphicalLassoCV(alphas=grid, cv=3, scoring='log_likelihood', "
          "selection='one_se', tol=1e-3)" if with_cv else "CV alpha: not run")
    header = ("p", "n", "ratio", "m", "F1 sketch", "F1 sketch CV α", "F1 subsample",
              "F1 full (ours)", "F1 full (sklearn)", "F1 sketch/full", "relF Θ sketch",
              "relF Θ sketch CV α", "relF Θ sub", "relF Θ full", "decode s")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    cv_rows = []
    for p in ps:
        P = p * (p + 1) // 2
        for n in ns:
            acc = {r: [] for r in ratios}
            full_ours, full_sk = [], []
            for seed in seeds:
                prec = make_graph(graph, p, seed)
                X = sample_gaussian_graph(n, prec, random_state=1000 + seed)
                S = empirical_covariance(X)
                full_ours.append(_full(S, prec, "ours"))
                full_sk.append(_full(S, prec, "sklearn"))
                for r in ratios:
                    m = max(2, int(round(r * P)))
                    fits = []
                    t0 = time.perf_counter()
                    for a in ALPHAS:
                        model = CompressiveGraphicalLasso(alpha=a, sketch_size=m, tol=tol,
                                                          random_state=seed).fit(X)
                        fits.append((*_score(prec, model.precision_), a))
                    dt = (time.perf_counter() - t0) / len(ALPHAS)
                    n_sub = max(2, m // p)
                    sub = X[:n_sub]
                    Ssub = empirical_covariance(sub)
                    sub_fits = []
                    for a in ALPHAS + (0.5, 0.8):
                        try:
                            sub_fits.append((*_score(prec, graphical_lasso(Ssub, a)[1]), a))
                        except (FloatingPointError, ValueError):
                            continue
                    cv_fit = (np.nan, np.nan)
                    if with_cv and r in cv_ratios:
                        cv = CompressiveGraphicalLassoCV(alphas=list(ALPHAS), cv=3,
                                                         sketch_size=m, tol=1e-3,
                                                         random_state=seed).fit(X)
                        cv_fit = _score(prec, cv.precision_)
                        cv_rows.append((p, n, r, seed, cv.alpha_, *cv_fit))
                    best, best_sub = _oracle(prec, fits), _oracle(prec, sub_fits)
                    print(f"  seed {seed} ratio {r}: F1 sketch {best[0]:.3f} "
                          f"CV {cv_fit[0]:.3f} subsample {best_sub[0]:.3f} "
                          f"full ours {full_ours[-1][0]:.3f} sklearn {full_sk[-1][0]:.3f} "
                          f"({dt:.2f} s/fit) relF sketch {best[1]:.3f} CV {cv_fit[1]:.3f} "
                          f"subsample {best_sub[1]:.3f} full ours {full_ours[-1][1]:.3f} "
                          f"alpha sketch {best[2]:g} full {full_ours[-1][2]:g}", flush=True)
                    acc[r].append((_oracle(prec, fits), _oracle(prec, sub_fits), dt, cv_fit))
            fo = np.nanmean([f[0] for f in full_ours])
            fs = np.nanmean([f[0] for f in full_sk])
            eo = np.nanmean([f[1] for f in full_ours])
            for r in ratios:
                f_sk = np.mean([a[0][0] for a in acc[r]])
                f_sub = np.mean([a[1][0] for a in acc[r]])
                e_sk = np.mean([a[0][1] for a in acc[r]])
                e_sub = np.mean([a[1][1] for a in acc[r]])
                dt = np.mean([a[2] for a in acc[r]])
                f_cv = np.mean([a[3][0] for a in acc[r]])  # nan when not run
                e_cv = np.mean([a[3][1] for a in acc[r]])
                m = max(2, int(round(r * P)))
                print(f"| {p} | {n} | {r} | {m} | {f_sk:.3f} | {f_cv:.3f} | {f_sub:.3f} | "
                      f"{fo:.3f} | {fs:.3f} | {f_sk / fo:.2f} | {e_sk:.3f} | {e_cv:.3f} | "
                      f"{e_sub:.3f} | {eo:.3f} | {dt:.2f} |", flush=True)
    if cv_rows:
        print("\n## CV alpha per seed (CompressiveGraphicalLassoCV, held-out log-likelihood, "
              "one-standard-error rule)")
        print("| p | n | ratio | seed | alpha_ | F1 | relF Θ |")
        print("|---|---|---|---|---|---|---|")
        for row in cv_rows:
            print("| {} | {} | {} | {} | {:.3g} | {:.3f} | {:.3f} |".format(*row))


def _median_time(fn, repeats):
    """Median CPU time of the process (one thread: the wall time of an idle machine,
    but not inflated when the shared machine is loaded)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.process_time()
        out = fn()
        times.append(time.process_time() - t0)
    return float(np.median(times)), out


def speed_table(repeats, full, large=False):
    print("\n## Full-data solver: ours (auto: block coordinate descent, QUIC and ADMM "
          "fallbacks) vs scikit-learn cd, same gap")
    print(f"median CPU seconds over {repeats} runs; ours runs to |gap| <= |sklearn's gap|; "
          "'quic': our Newton solver alone (solver='quic', no fallback; its gap shows "
          "whether it got there in max_iter=100)")
    print("| case | p | alpha | sklearn s | sklearn gap | ours s | ours gap | speed-up "
          "| quic s | quic gap |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    cases = []
    for p in (100, 200) if full else (100,):
        prec = make_sparse_precision(p, n_edges=int(1.44 * p), random_state=0)
        X = sample_gaussian_graph(1000, prec, random_state=1)
        cases.append((f"sparse graph p={p}", X))
        prec = make_sparse_spd_matrix(p, alpha=0.98, random_state=0)
        X = np.random.default_rng(0).multivariate_normal(np.zeros(p), np.linalg.inv(prec), 1000)
        cases.append((f"sklearn spd alpha=.98 p={p}", (X - X.mean(0)) / X.std(0)))
    prec = make_sparse_spd_matrix(200, alpha=0.95, random_state=0)
    X = np.random.default_rng(0).multivariate_normal(np.zeros(200), np.linalg.inv(prec), 1000)
    cases.append(("ill-conditioned spd alpha=.95 p=200", (X - X.mean(0)) / X.std(0)))
    if large:
        prec = make_sparse_spd_matrix(400, alpha=0.98, random_state=0)
        X = np.random.default_rng(0).multivariate_normal(np.zeros(400), np.linalg.inv(prec), 1000)
        cases.append(("large: sklearn spd alpha=.98 p=400", (X - X.mean(0)) / X.std(0)))
    for name, X in cases:
        reps = 1 if name.startswith(("ill", "large")) else repeats
        S = empirical_covariance(X)
        p = S.shape[0]
        for a in (0.05, 0.1):
            try:
                t_sk, th = _median_time(
                    lambda a=a, S=S: SkGraphicalLasso(alpha=a, covariance="precomputed",
                                                 tol=1e-4, max_iter=100).fit(S).precision_,
                    reps)
                g_sk = duality_gap(S, th, a)
                tol = max(abs(g_sk), 1e-8)
                sk_txt = f"{t_sk:.3f}"
            except FloatingPointError:
                t_sk, g_sk, tol, sk_txt = np.nan, np.nan, 1e-4, "fails (non SPD)"
            t_us, out = _median_time(lambda a=a, tol=tol, S=S: graphical_lasso(S, a, tol=tol),
                                     reps)
            speed = f"{t_sk / t_us:.1f}x" if np.isfinite(t_sk) else "-"
            try:
                t_q, out_q = _median_time(
                    lambda a=a, tol=tol, S=S: graphical_lasso(S, a, tol=tol, solver="quic"),
                    reps)
                q_txt = f"{t_q:.3f} | {out_q[3]:.1e}"
            except FloatingPointError:
                q_txt = "fails | -"
            print(f"| {name} | {p} | {a} | {sk_txt} | {g_sk:.1e} | {t_us:.3f} | "
                  f"{out[3]:.1e} | {speed} | {q_txt} |")


def stream_table(ns, p=100, ratio=0.25, chunk=5000):
    P = p * (p + 1) // 2
    m = int(ratio * P)
    print(f"\n## Sketching throughput and peak memory, streamed (p={p}, m={m}, "
          f"chunks of {chunk} rows generated on the fly)")
    print("| n | seconds | rows/s | peak traced MB | sketch KB | covariance KB |")
    print("|---|---|---|---|---|---|")
    prec = make_sparse_precision(p, random_state=0)
    op = CovarianceSketcher(sketch_size=m, random_state=0).fit(
        sample_gaussian_graph(1000, prec, random_state=0))
    for n in ns:
        rng = np.random.default_rng(1)
        L = np.linalg.cholesky(np.linalg.inv(prec))
        tracemalloc.start()
        t0 = time.perf_counter()
        sk = None
        for start in range(0, n, chunk):
            b = min(chunk, n - start)
            Xc = rng.standard_normal((b, p)) @ L.T
            part = op.sketch(Xc)
            sk = part if sk is None else sk + part
            del Xc
        dt = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(f"| {n} | {dt:.2f} | {n / dt:,.0f} | {peak:.1f} | {sk.nbytes / 1e3:.1f} | "
              f"{P * 8 / 1e3:.1f} |")


REAL_FRACTIONS = (0.1, 0.3, 0.5, 0.7)
REAL_RATIOS = (1.0, 0.5)
REAL_TARGETS = {1.0: 0.9, 0.5: 0.7}


def _glasso_objective(S, theta, alpha):
    logdet = np.linalg.slogdet(theta)[1]
    off = np.abs(theta).sum() - np.abs(np.diag(theta)).sum()
    return -logdet + np.sum(S * theta) + alpha * off


def real_table(names, scalings=("standardised", "raw")):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _real_data import MissingDataset, covariance_datasets

    loaders = covariance_datasets()
    rows = []
    print("\nTable 4: real tables, compressive vs full-data graphical lasso at the same alpha")
    print(f"{'data':14s} {'scaling':12s} {'p':>4s} {'n':>5s} {'m/(p(p+1)/2)':>12s} "
          f"{'alpha/max':>9s} {'edges':>6s} {'F1':>6s} {'obj excess':>10s} {'CPU s':>6s} "
          f"{'rounds':>6s}")
    for name in names:
        try:
            X0, _ = loaders[name]()
        except MissingDataset as exc:
            print(f"{name}: skipped ({exc})")
            continue
        for scaling in scalings:
            X = (X0 - X0.mean(axis=0)) / X0.std(axis=0) if scaling == "standardised" else X0
            S = empirical_covariance(X)
            p = S.shape[0]
            top = np.abs(S - np.diag(np.diag(S))).max()
            for frac in REAL_FRACTIONS:
                alpha = frac * top
                full = graphical_lasso(S, alpha)[1]
                edges = int((np.abs(full[np.triu_indices(p, 1)]) > 1e-8).sum())
                for ratio in REAL_RATIOS:
                    m = int(ratio * p * (p + 1) / 2)
                    sketch = CovarianceSketcher(m, random_state=0).fit(X).sketch(X)
                    est = CompressiveGraphicalLasso(alpha, sketch_size=m)
                    start = time.process_time()
                    est.fit_sketch(sketch)
                    cpu = time.process_time() - start
                    f1 = edge_f1_score(full, est.precision_)
                    ref = _glasso_objective(S, full, alpha)
                    excess = (_glasso_objective(S, est.precision_, alpha) - ref) / abs(ref)
                    rows.append(dict(name=name, scaling=scaling, p=p, ratio=ratio, f1=f1,
                                     cpu=cpu))
                    print(f"{name:14s} {scaling:12s} {p:4d} {X.shape[0]:5d} {ratio:12.2f} "
                          f"{frac:9.1f} {edges:6d} {f1:6.3f} {excess:10.1e} {cpu:6.2f} "
                          f"{est.n_iter_:6d}", flush=True)
    print("\nTargets (cases meeting / cases; F1 median and minimum)")
    for ratio, target in REAL_TARGETS.items():
        for scaling in scalings:
            f1 = np.array([r["f1"] for r in rows if r["ratio"] == ratio
                           and r["scaling"] == scaling])
            if f1.size:
                print(f"  m = {ratio:.2f} p(p+1)/2, {scaling:12s}: F1 >= {target}: "
                      f"{int((f1 >= target).sum())}/{f1.size}  (median {np.median(f1):.3f}, "
                      f"min {f1.min():.3f})")
    slow = [r["cpu"] for r in rows if r["p"] == 200 and r["ratio"] == 0.5]
    if slow:
        print(f"  decode CPU at p = 200, m = p(p+1)/4: max {max(slow):.2f} s "
              f"(target 5 s), {sum(t <= 5 for t in slow)}/{len(slow)} within")


def main():
    global ALPHAS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the complete protocol")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", action="store_true",
                        help="speed table: add make_sparse_spd_matrix(.98) at p = 400 (one run "
                        "each; scikit-learn takes about 10 s)")
    parser.add_argument("--p", type=int, nargs="+", default=None,
                        help="dimensions of the recovery table (to run the protocol in pieces)")
    parser.add_argument("--n", type=int, nargs="+", default=None,
                        help="sample sizes of the recovery table")
    parser.add_argument("--tables", default="speed,stream,recovery",
                        help="comma-separated subset of speed,stream,recovery,real")
    parser.add_argument("--datasets", nargs="+",
                        default=["nci60_50", "nci60_100", "nci60_200", "khan_100", "khan_200",
                                 "yeast", "digits", "caravan", "sachs", "breast_cancer"],
                        help="real tables of --tables real")
    parser.add_argument("--no-cv", action="store_true", help="skip the CV-alpha fits")
    parser.add_argument("--ratios", type=float, nargs="+", default=list(RATIOS),
                        help="compression ratios m / (p(p+1)/2) of the recovery table")
    parser.add_argument("--cv-ratios", type=float, nargs="+", default=list(RATIOS),
                        help="ratios at which CompressiveGraphicalLassoCV is run")
    parser.add_argument("--alphas", type=float, nargs="+", default=None,
                        help=f"alpha grid of the recovery table (default {ALPHAS})")
    parser.add_argument("--tol", type=float, default=1e-4,
                        help="tol of the compressive fits at a fixed alpha")
    parser.add_argument("--graph", default="sparse", choices=("sparse", "spd95", "spd98"),
                        help="graph of the recovery table: make_sparse_precision (1.44 p "
                        "edges) or make_sparse_spd_matrix(alpha=.95/.98) at unit variances "
                        "(spd95: the ill-conditioned case)")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds are first-seed .. first-seed + seeds - 1")
    args = parser.parse_args()
    _quiet()
    seeds = args.seeds or (5 if args.full else 2)
    ps = tuple(args.p) if args.p else ((100, 200) if args.full else (100,))
    ns = tuple(args.n) if args.n else ((1000, 10000) if args.full else (1000,))
    tables = set(args.tables.split(","))
    if args.alphas:
        ALPHAS = tuple(args.alphas)
    with threadpool_limits(limits=1):
        t0 = time.perf_counter()
        from skfrugal.covariance._warmup import warm_up

        warm_up()
        print(f"numba warm-up (load or compile): {time.perf_counter() - t0:.2f} s")
        if "speed" in tables:
            speed_table(args.repeats, args.full, args.large)
        if "stream" in tables:
            stream_table((10_000, 100_000, 400_000))
        if "recovery" in tables:
            recovery_table(ps, ns, range(args.first_seed, args.first_seed + seeds),
                           with_cv=not args.no_cv, cv_ratios=tuple(args.cv_ratios),
                           tol=args.tol, graph=args.graph, ratios=tuple(args.ratios))
        if "real" in tables:
            real_table(args.datasets)


if __name__ == "__main__":
    main()
