"""Sketching throughput, threads, a streamed k-means end to end, and scale estimation.

Run: ``python benchmarks/bench_sketch.py`` (``--quick`` for a short run; ``--tables``
picks tables among ``throughput,threads,e2e,structured,kmeans,scale``). BLAS and
OpenMP are pinned to one thread; numba is warmed first; each figure is the median of
``--repeats`` runs on the same data, all implementations in the same process. The
machine's load average is printed with every table (the machine may be shared: CPU
time is the steadier figure for one thread; the threads table needs the wall time and
two idle cores).

**Features/s** counts complex features: ``n × m`` per sketch of ``n`` samples with
``m`` frequencies (each feature is one cosine and one sine).

Tables:

1. ``throughput`` (d=10, m=1000): the sketch pass of :class:`FourierSketcher` (float32
   and float64) against the kernel alone, the first fused kernel (commit a24dad0), the
   float32 path before it (the numba projection, then NumPy's float32 ``cos`` and
   ``sin``: issue 17's "today"), a complex128 NumPy ``exp`` and pycle's
   ``computeSketch``; error against skfrugal float64.
2. ``threads``: wall time of the float32 sketch with ``n_jobs=1`` and ``n_jobs=2``
   (the two sketches compared bit for bit).
3. ``e2e``: ``CompressiveKMeans`` on n = 1e7 samples (K = d = 10, the notes'
   mixture) streamed in chunks of 1e6 rows through ``FourierSketcher.partial_fit``
   and decoded once with ``fit_sketch``, against one pass of
   ``MiniBatchKMeans.partial_fit`` over the same chunks (the data is materialised
   once beforehand; only the consumption is timed). SSE on all 1e7 samples relative to
   ``KMeans(n_init=10)`` fitted on a random subsample of 1e6 rows.
4. ``structured`` (d = 64, 256, 1024; m = 4096): dense against structured
   frequencies (``operator="structured"``): the projection alone (the numba loop and
   BLAS for the dense matrix, the fast Walsh-Hadamard kernel) and the whole sketch pass.
5. ``kmeans`` (d = 64, 256; K = 10, m = 10Kd): compressive k-means SSE from a dense and
   a structured sketch of the same data, relative to ``KMeans(n_init=10)``.
6. ``scale``: the scale estimate on the notes' benchmark against pycle's.
"""

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skfrugal.sketching import FourierSketcher, estimate_scale  # noqa: E402
from skfrugal.sketching._fused import (  # noqa: E402
    feature_sums,
    half_turn_blocks,
    half_turn_phases,
)
from skfrugal.utils import warm_up  # noqa: E402

try:
    import pycle.sketching as pycle_sk
except ImportError:  # pragma: no cover - optional reference
    pycle_sk = None

K = D = 10


def load():
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, 2 cores)"


def mixture(n, seed, K=10, d=10):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=1.5 * K ** (1 / d), size=(K, d))
    return centres[rng.integers(K, size=n)] + rng.normal(size=(n, d))


def numpy_complex128(X, omega, batch=4096):
    """Plain NumPy reference: complex128 exp of the batch projection."""
    total = np.zeros(omega.shape[1], dtype=complex)
    for start in range(0, X.shape[0], batch):
        total += np.exp(-1j * (X[start:start + batch] @ omega)).sum(axis=0)
    return total / X.shape[0]


def previous_float32(X, omega, mean, batch=1048):
    """The sketch pass before any fused kernel: projection loop, then NumPy float32 trig."""
    from skfrugal.sketching._projection import project_rows

    w = np.ascontiguousarray(omega, dtype=np.float32)
    m = w.shape[1]
    cos_sum, sin_sum = np.zeros(m), np.zeros(m)
    phases = np.empty((batch, m), np.float32)
    trig = np.empty_like(phases)
    for start in range(0, X.shape[0], batch):
        xc = np.ascontiguousarray(X[start:start + batch] - mean, dtype=np.float32)
        p, t = phases[:len(xc)], trig[:len(xc)]
        project_rows(xc, w, p)
        np.cos(p, out=t)
        cos_sum += t.sum(axis=0, dtype=np.float64)
        np.sin(p, out=t)
        sin_sum += t.sum(axis=0, dtype=np.float64)
    return (cos_sum - 1j * sin_sum) / X.shape[0]


def kernel_only(x32, w3, m):
    """The fused kernel on centred float32 rows, no batching, moments or threads."""
    acc = np.zeros((2, m), dtype=np.int64)
    feature_sums(x32, w3, m, 0, x32.shape[0], acc[0], acc[1],
                 np.empty((4, w3.shape[2]), np.float32), np.empty((2, w3.shape[2]), np.int32))
    return (acc[0] - 1j * acc[1]) / 2.0**24 / x32.shape[0]


def measure(func, repeats):
    times, cpus, peaks, out = [], [], [], None
    for _ in range(repeats):
        tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        out = func()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return float(np.median(times)), float(np.median(cpus)), float(np.median(peaks)), out


def throughput_table(sizes, m, repeats, pycle_max_n):
    from _kernel_a24dad0 import sketch_a24dad0

    d = D
    print(f"\n## 1. Sketch throughput and peak memory (d={d}, m={m}, one thread)\n")
    print(load())
    header = (f"| {'n':>9} | {'implementation':<34} | {'wall s':>7} | {'CPU s':>7} | "
              f"{'G feat/s wall':>13} | {'G feat/s CPU':>12} | {'peak MiB':>8} | "
              f"{'CPU / ours':>10} | {'max |err|':>9} |")
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    X_fit = mixture(20000, 0, d=d)
    ours32 = FourierSketcher(sketch_size=m, random_state=0).fit(X_fit)
    ours64 = FourierSketcher(sketch_size=m, dtype="float64", random_state=0).fit(X_fit)
    ours1b = FourierSketcher(sketch_size=m, quantization="1bit", random_state=0).fit(X_fit)
    omega = ours32.frequencies_ / ours32.std_[:, None]
    w3 = half_turn_blocks(omega)
    for n in sizes:
        X = mixture(n, 1, d=d)
        Xc = X - ours32.mean_
        x32 = np.ascontiguousarray(Xc, dtype=np.float32)
        sketch_a24dad0(X[:1000], omega, ours32.mean_)  # compiled before timing
        previous_float32(X[:1000], omega, ours32.mean_)
        runs = [
            ("skfrugal float32 (FourierSketcher)", lambda: ours32.sketch(X).mean),  # noqa: B023
            ("  its kernel alone", lambda: kernel_only(x32, w3, m)),  # noqa: B023
            ("first fused kernel (a24dad0)",
             lambda: sketch_a24dad0(X, omega, ours32.mean_)),  # noqa: B023
            ("float32 before it (issue's today)",
             lambda: previous_float32(X, omega, ours32.mean_)),  # noqa: B023
            ("skfrugal float64", lambda: ours64.sketch(X).mean),  # noqa: B023
            ("numpy complex128", lambda: numpy_complex128(Xc, omega)),  # noqa: B023
        ]
        rows = [(name, *measure(fn, repeats)) for name, fn in runs]
        # other features (signs of the dithered phases): no error column
        rows.append(("skfrugal float32, 1-bit quantized",
                     *measure(lambda: ours1b.sketch(X).mean, repeats)[:3], None))  # noqa: B023
        if pycle_sk is not None and n <= pycle_max_n:
            fmap = pycle_sk.SimpleFeatureMap("complexExponential", omega)
            tp, cp, pp, sp = measure(lambda: pycle_sk.computeSketch(Xc, fmap), 1)  # noqa: B023
            rows.append(("pycle computeSketch", tp, cp, pp, np.conj(sp)))  # exp(+iωx)
        reference = rows[4][4]
        c32 = rows[0][2]
        for name, t, c, p, s in rows:
            err = "-" if s is None else f"{np.max(np.abs(np.asarray(s) - reference)):.1e}"
            print(f"| {n:>9,} | {name:<34} | {t:>7.3f} | {c:>7.3f} | {n * m / t / 1e9:>13.3f} | "
                  f"{n * m / c / 1e9:>12.3f} | {p / 2**20:>8.1f} | {c / c32:>9.2f}x | "
                  f"{err:>9} |", flush=True)
    print(load())


def threads_table(n, m, repeats):
    print(f"\n## 2. Threads: float32 sketch of n={n:,} (d={D}, m={m}), wall time\n")
    print(load())
    X = mixture(n, 1)
    sketchers = {j: FourierSketcher(sketch_size=m, n_jobs=j, random_state=0).fit(X[:20000])
                 for j in (1, 2)}
    for sk in sketchers.values():
        sk.sketch(X[:5000])
    times = {1: [], 2: []}
    sketches = {}
    for _ in range(repeats):  # interleaved, so that both see the same load
        for j, sk in sketchers.items():
            start = time.perf_counter()
            sketches[j] = sk.sketch(X)
            times[j].append(time.perf_counter() - start)
    t1, t2 = np.median(times[1]), np.median(times[2])
    print(f"| {'n_jobs':>6} | {'wall s (median)':>15} | {'G features/s':>12} | {'speed-up':>8} |")
    print(f"|{'-' * 8}|{'-' * 17}|{'-' * 14}|{'-' * 10}|")
    for j, t in ((1, t1), (2, t2)):
        print(f"| {j:>6} | {t:>15.3f} | {n * m / t / 1e9:>12.3f} | {t1 / t:>7.2f}x |")
    same = sketches[1] == sketches[2]
    print(f"\nn_jobs=1 and n_jobs=2 sketches identical bit for bit (every field): {same}")
    print(load())


def e2e_table(n, chunk, sizes, n_jobs_list):
    from sklearn.cluster import KMeans, MiniBatchKMeans

    from skfrugal.cluster import CompressiveKMeans
    from skfrugal.datasets import make_gmm
    from skfrugal.metrics import kmeans_inertia

    print(f"\n## 3. End to end: k-means of n={n:.0e} streamed samples (K=d={K}), "
          f"chunks of {chunk:.0e} rows\n")
    print(load())
    _, _, centers, _, _ = make_gmm(1, D, K, random_state=0)
    rng = np.random.default_rng(1000)
    X = centers[rng.integers(K, size=n)] + rng.standard_normal((n, D))
    sub = X[np.random.default_rng(0).choice(n, min(n, 10**6), replace=False)]
    start = time.perf_counter()
    km = KMeans(K, n_init=10, random_state=0).fit(sub)
    t_km = time.perf_counter() - start
    ref = kmeans_inertia(X, km.cluster_centers_)

    def chunks():
        for s in range(0, n, chunk):
            yield X[s:s + chunk]

    rows = []
    for threads in n_jobs_list:
        def mbk():
            est = MiniBatchKMeans(K, random_state=0)
            for part in chunks():
                est.partial_fit(part)
            return est.cluster_centers_

        with threadpool_limits(limits=threads, user_api="openmp"):
            start, cpu = time.perf_counter(), time.process_time()
            c = mbk()
            rows.append((f"MiniBatchKMeans.partial_fit, {threads} thread(s)",
                         time.perf_counter() - start, time.process_time() - cpu, None, c))
    for m in sizes:
        for threads in n_jobs_list:
            start, cpu = time.perf_counter(), time.process_time()
            sk = FourierSketcher(sketch_size=m, scale_n_clusters=K, n_jobs=threads,
                                 random_state=0)
            marks = [start]
            for part in chunks():
                sk.partial_fit(part)
                marks.append(time.perf_counter())
            est = CompressiveKMeans(K, random_state=0).fit_sketch(sk.sketch_)
            marks.append(time.perf_counter())
            # first chunk (operator fit + its sketch), the other chunks, the decoding
            parts = (marks[1] - marks[0], marks[-2] - marks[1], marks[-1] - marks[-2])
            rows.append((f"ours m={m}, n_jobs={threads}", marks[-1] - start,
                         time.process_time() - cpu, parts, est.cluster_centers_))
    header = (f"| {'method':<40} | {'wall s':>7} | {'first chunk / others / decode s':>31} | "
              f"{'CPU s':>7} | {'wall / MBK 1 thr':>16} | {'SSE / KMeans(n_init=10)':>23} |")
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    t_mbk = rows[0][1]
    for name, t, cpu, parts, c in rows:
        split = "" if parts is None else " / ".join(f"{v:.2f}" for v in parts)
        print(f"| {name:<40} | {t:>7.2f} | {split:>31} | {cpu:>7.2f} | {t / t_mbk:>16.2f} | "
              f"{kmeans_inertia(X, c) / ref:>23.4f} |", flush=True)
    print(f"\nKMeans(n_init=10) on a subsample of {len(sub):,} rows took {t_km:.1f} s; every "
          "SSE is on all the samples. Ours: FourierSketcher.partial_fit per chunk (the first "
          "chunk also fits the operator: moments, scale estimate and frequencies), then one "
          "CompressiveKMeans.fit_sketch (the decoding).")
    print(load())


def structured_speed_table(dims, m, repeats):
    """Dense against structured frequencies: projection and sketch pass, one thread."""
    from skfrugal.sketching._projection import project_rows

    print(f"\n## Structured operator: projection and sketch pass (m={m}, float32, one "
          "thread unless stated; CPU time from time.process_time, the steadier figure "
          "on a shared machine; 'CPU / ours' = CPU time of the row / CPU time of the "
          "structured row of the same task)")
    header = (f"{'d':>5} | {'n':>6} | {'task':<10} | {'implementation':<28} | {'wall s':>7} | "
              f"{'CPU s':>7} | {'M features/s CPU':>16} | {'CPU / ours':>10} | "
              f"{'max |err|':>9}")
    print(header)
    print("-" * len(header))
    for d in dims:
        n = max(1024, 2**20 // d)  # rows sketched
        n_proj = min(n, 4096)  # rows projected (the phases are stored)
        X = mixture(n, 1, d=d)
        X_fit = X[:4096]
        dense = FourierSketcher(sketch_size=m, scale=1.0, random_state=0).fit(X_fit)
        fast = FourierSketcher(sketch_size=m, operator="structured", scale=1.0,
                               random_state=0).fit(X_fit)
        fast2 = FourierSketcher(sketch_size=m, operator="structured", scale=1.0, n_jobs=2,
                                random_state=0).fit(X_fit)
        xs = np.ascontiguousarray((X[:n_proj] - fast.mean_) / fast.std_, dtype=np.float32)
        w_dense = np.ascontiguousarray(dense.frequencies_, dtype=np.float32)
        w3_dense = half_turn_blocks(dense.frequencies_)
        w_fast = fast._frequency_operator().astype(np.float32)
        w_written = np.ascontiguousarray(fast.frequencies_, dtype=np.float32)
        out = np.empty((n_proj, m), np.float32)
        omega = fast.frequencies_ / fast.std_[:, None]
        exact_phases = (X[:256] - fast.mean_) @ omega
        exact_sketch = sum(np.exp(-1j * ((X[i:i + 1024] - fast.mean_) @ omega)).sum(axis=0)
                           for i in range(0, n, 1024)) / n
        for sk in (dense, fast, fast2):
            sk.sketch(X[:300])  # warm
        tasks = {
            "projection": [
                ("dense, numba loop", lambda: project_rows(xs, w_dense, out)),  # noqa: B023
                ("dense, fused kernel phases",  # the sketch's own projection (half-turns)
                 lambda: half_turn_phases(xs, w3_dense, m, out)),  # noqa: B023
                ("dense, BLAS sgemm", lambda: np.matmul(xs, w_dense, out=out)),  # noqa: B023
                ("dense loop, written-out Ω",
                 lambda: (project_rows(xs, w_written, out), out)[1]),  # noqa: B023
                ("structured (FWHT)", lambda: w_fast.project(xs, out)),  # noqa: B023
            ],
            "sketch": [
                ("dense (fused)", lambda: dense.sketch(X).mean),  # noqa: B023
                ("structured", lambda: fast.sketch(X).mean),  # noqa: B023
                ("structured, n_jobs=2", lambda: fast2.sketch(X).mean),  # noqa: B023
            ],
        }
        for task, rows in tasks.items():
            rows_done = n_proj if task == "projection" else n
            results = []
            for name, f in rows:
                t, c, _, value = measure(f, repeats)
                if "written" in name or name.startswith("structured"):  # same frequencies
                    err = np.max(np.abs(value[:256] - exact_phases) if task == "projection"
                                 else np.abs(value - exact_sketch))
                    err = f"{err:>9.1e}"
                else:
                    err = f"{'-':>9}"
                results.append((name, t, c, err))
            ours = next(c for name, _, c, _ in results if name.startswith("structured"))
            for name, t, c, err in results:
                print(f"{d:>5} | {rows_done:>6} | {task:<10} | {name:<28} | {t:>7.3f} | "
                      f"{c:>7.3f} | {rows_done * m / c / 1e6:>16.1f} | {c / ours:>9.2f}x | "
                      f"{err}", flush=True)
    print("errors: against float64 products with the written-out frequencies_ (projection) "
          "and the complex128 sketch of them (sketch); the dense rows use other, i.i.d. "
          "frequencies. The n_jobs=2 row needs two idle cores to show its wall time.")


def structured_kmeans_table(dims, n, seeds):
    """Compressive k-means from a dense and a structured sketch of the same data."""
    from sklearn.cluster import KMeans

    from skfrugal.cluster import CompressiveKMeans, global_descent
    from skfrugal.datasets import make_gmm
    from skfrugal.metrics import sse_ratio

    K = 10
    print(f"\n## Structured operator: compressive k-means (K={K}, make_gmm unit clusters, "
          f"n={n:,}, m=10Kd, seeds {list(seeds)}): SSE / KMeans(n_init=10) SSE on the "
          "same data; 'decoded' = CompressiveKMeans(10).fit_sketch, 'from truth' = one "
          "global descent of diagonal Gaussian atoms started at the true centres (the "
          "sketch's information alone, without the decoder's search)")
    header = (f"{'d':>4} | {'seed':>4} | {'dense decoded':>13} | {'struct decoded':>14} | "
              f"{'struct / dense (decoded)':>24} | {'dense from truth':>16} | "
              f"{'struct from truth':>17} | "
              f"{'struct / dense (truth)':>22} | {'sketch s dense':>14} | "
              f"{'sketch s struct':>15}")
    print(header)
    print("-" * len(header))
    summary = {}
    for d in dims:
        m = 10 * K * d
        for seed in seeds:
            X, _, centers, _, _ = make_gmm(n, d, K, random_state=seed)
            km = KMeans(K, n_init=10, random_state=seed).fit(X).cluster_centers_
            row = {}
            for op in ("dense", "structured"):
                sk = FourierSketcher(m, operator=op, scale_n_clusters=K, random_state=seed)
                sk.fit(X)
                _, cpu, _, sketch = measure(lambda sk=sk, X=X: sk.sketch(X), 1)
                est = CompressiveKMeans(K, random_state=seed).fit_sketch(sketch)
                decoded = sse_ratio(X, est.cluster_centers_, km)
                # descent from the true centres, in the operator's standardised units
                mean, std = sk.mean_, sk.std_
                fitted = global_descent(
                    sketch.mean, sk.frequencies_, (centers - mean) / std,
                    np.tile(1.0 / std**2, (K, 1)), np.full(K, 1.0 / K),
                    (sketch.data_min - mean) / std, (sketch.data_max - mean) / std)[0]
                truth = sse_ratio(X, fitted * std + mean, km)
                row[op] = (decoded, truth, cpu)
            ratio = row["structured"][1] / row["dense"][1]
            decoded_ratio = row["structured"][0] / row["dense"][0]
            summary.setdefault(d, []).append((row["dense"][0], row["structured"][0], ratio,
                                              decoded_ratio))
            print(f"{d:>4} | {seed:>4} | {row['dense'][0]:>13.4f} | "
                  f"{row['structured'][0]:>14.4f} | {decoded_ratio:>24.4f} | "
                  f"{row['dense'][1]:>16.4f} | "
                  f"{row['structured'][1]:>17.4f} | {ratio:>22.4f} | "
                  f"{row['dense'][2]:>14.2f} | {row['structured'][2]:>15.2f}", flush=True)
    for d, rows in summary.items():
        r = np.array(rows)
        print(f"d={d}: decoded within 1% of KMeans: dense {np.sum(r[:, 0] <= 1.01)}"
              f"/{len(r)}, structured {np.sum(r[:, 1] <= 1.01)}/{len(r)}; decoded, "
              f"structured / dense SSE: median {np.median(r[:, 3]):.4f}, worst "
              f"{r[:, 3].max():.4f}; from the true centres, structured / dense SSE: median "
              f"{np.median(r[:, 2]):.4f}, worst {r[:, 2].max():.4f}")


def scale_table(n_seeds):
    print("\n## 4. Scale estimation on the notes' benchmark (K=d=10, unit clusters, n=1e5): "
          "estimate / true intra-cluster variance (1.0)\n")
    header = (f"| {'estimator':<34} | {'min':>5} | {'median':>6} | {'max':>5} | "
              f"{'within 30%':>10} | {'time (s)':>8} |")
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    data = [mixture(100_000, seed) for seed in range(n_seeds)]
    runs = {"skfrugal estimate_scale": lambda X, s: estimate_scale(X, random_state=s)}
    if pycle_sk is not None:
        def pycle_sigma(X, s):
            np.random.seed(s)  # noqa: NPY002 (pycle draws from NumPy's global state)
            sigma = pycle_sk.estimate_Sigma(X, 500, c=30, n0=5000)
            return float(np.mean(np.diag(np.atleast_2d(sigma))))
        runs["pycle estimate_Sigma (paper's)"] = pycle_sigma
    for name, func in runs.items():
        values, times = [], []
        for seed, X in enumerate(data):
            start = time.perf_counter()
            values.append(func(X, seed))
            times.append(time.perf_counter() - start)
        v = np.array(values)
        print(f"| {name:<34} | {v.min():>5.2f} | {np.median(v):>6.2f} | {v.max():>5.2f} | "
              f"{int(np.sum(np.abs(v - 1) <= 0.3)):>7}/{n_seeds} | {np.median(times):>8.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sketch-size", type=int, default=1000)
    parser.add_argument("--tables", default="throughput,threads,e2e,structured,kmeans,scale")
    parser.add_argument("--e2e-n", type=float, default=1e7)
    parser.add_argument("--e2e-chunk", type=float, default=1e6,
                        help="rows per chunk of the end-to-end stream")
    parser.add_argument("--e2e-sizes", default="200,1000",
                        help="sketch sizes of the end-to-end table (2Kd = 200, 10Kd = 1000)")
    parser.add_argument("--structured-m", type=int, default=4096,
                        help="sketch size of the structured speed table")
    parser.add_argument("--kmeans-n", type=int, default=20_000,
                        help="samples per data set of the structured k-means table")
    parser.add_argument("--kmeans-seeds", type=int, default=None,
                        help="seeds of the structured k-means table (default 5, 2 quick)")
    parser.add_argument("--kmeans-dims", default="64,256")
    parser.add_argument("--structured-dims", default="64,256,1024")
    args = parser.parse_args()
    tables = set(args.tables.split(","))
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    repeats = 1 if args.quick else args.repeats
    start = time.perf_counter()
    warm_up()
    print(f"numba warm-up: {time.perf_counter() - start:.1f} s")
    with threadpool_limits(limits=1, user_api="blas"):
        if "throughput" in tables:
            throughput_table(sizes, args.sketch_size, repeats, pycle_max_n=100_000)
        if "threads" in tables:
            threads_table(200_000 if args.quick else 2_000_000, args.sketch_size,
                          max(repeats, 3))
        if "e2e" in tables:
            e2e_table(int(10**6 if args.quick else args.e2e_n),
                      int(min(args.e2e_chunk, 10**5) if args.quick else args.e2e_chunk),
                      [int(v) for v in args.e2e_sizes.split(",")], (1, 2))
        if "structured" in tables:
            structured_speed_table([int(v) for v in args.structured_dims.split(",")],
                                   args.structured_m, repeats)
        if "kmeans" in tables:
            structured_kmeans_table(
                [int(v) for v in args.kmeans_dims.split(",")], args.kmeans_n,
                range(args.kmeans_seeds or (2 if args.quick else 5)))
        if "scale" in tables:
            scale_table(3 if args.quick else 10)


if __name__ == "__main__":
    main()
