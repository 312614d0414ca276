"""Sketching throughput, peak memory and scale estimation against NumPy and pycle.

Run: ``python benchmarks/bench_sketch.py`` (``--quick`` for a short run). BLAS is pinned
to one thread; each figure is the median of ``--repeats`` runs on the same data, all
implementations in the same process. Features/s counts complex features (n × m); the
throughput table gives wall time and CPU time (the machine may be shared: CPU time is
the steadier figure for one thread; the n_jobs=2 row needs the wall time on two idle
cores). "previous float32 path" is the sketch pass before the fused kernel (the numba
projection, then NumPy's float32 cos and sin in two more passes), kept here as the
baseline of issue 17.
"""

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import time
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_limits

from skfrugal.sketching import FourierSketcher, estimate_scale

try:
    import pycle.sketching as pycle_sk
except ImportError:  # pragma: no cover - optional reference
    pycle_sk = None


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
    """The sketch pass before the fused kernel: projection loop, then NumPy float32 trig."""
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
    d = 10
    print(f"\n## Sketch throughput and peak memory (d={d}, m={m}, one thread; "
          "last columns: time relative to skfrugal float32, error vs skfrugal float64)")
    header = (f"{'n':>9} | {'implementation':<33} | {'wall s':>7} | {'CPU s':>7} | "
              f"{'G features/s wall':>17} | {'G features/s CPU':>16} | {'peak MiB':>8} | "
              f"{'wall / ours':>11} | {'max |err|':>9}")
    print(header)
    print("-" * len(header))
    X_fit = mixture(20000, 0, d=d)
    ours32 = FourierSketcher(sketch_size=m, random_state=0).fit(X_fit)
    ours2 = FourierSketcher(sketch_size=m, n_jobs=2, random_state=0).fit(X_fit)
    ours64 = FourierSketcher(sketch_size=m, dtype="float64", random_state=0).fit(X_fit)
    ours1b = FourierSketcher(sketch_size=m, quantization="1bit", random_state=0).fit(X_fit)
    omega = ours32.frequencies_ / ours32.std_[:, None]
    for n in sizes:
        X = mixture(n, 1, d=d)
        Xc = X - ours32.mean_
        ours32.sketch(X[:1000])  # warm
        ours2.sketch(X[:1000])
        ours1b.sketch(X[:1000])
        rows = [("skfrugal float32 (fused)", *measure(lambda: ours32.sketch(X).mean, repeats)),  # noqa: B023
                ("skfrugal float32, n_jobs=2", *measure(lambda: ours2.sketch(X).mean, repeats)),  # noqa: B023
                ("previous float32 path", *measure(
                    lambda: previous_float32(X, omega, ours32.mean_), repeats)),  # noqa: B023
                ("skfrugal float64", *measure(lambda: ours64.sketch(X).mean, repeats))]  # noqa: B023
        rows.append(("numpy complex128", *measure(lambda: numpy_complex128(Xc, omega),  # noqa: B023
                                                  repeats)))
        # other features (1-bit signs of the dithered phases): no error column
        rows.append(("skfrugal float32, 1-bit quantized",
                     *measure(lambda: ours1b.sketch(X).mean, repeats)[:3], None))  # noqa: B023
        if pycle_sk is not None and n <= pycle_max_n:
            fmap = pycle_sk.SimpleFeatureMap("complexExponential", omega)
            tp, cp, pp, sp = measure(lambda: pycle_sk.computeSketch(Xc, fmap), 1)  # noqa: B023
            rows.append(("pycle computeSketch", tp, cp, pp, np.conj(sp)))  # exp(+iωx)
        reference = rows[3][4]
        t32 = rows[0][1]
        for name, t, c, p, s in rows:
            err = "-" if s is None else f"{np.max(np.abs(np.asarray(s) - reference)):.1e}"
            print(f"{n:>9,} | {name:<33} | {t:>7.3f} | {c:>7.3f} | {n * m / t / 1e9:>17.3f} | "
                  f"{n * m / c / 1e9:>16.3f} | {p / 2**20:>8.1f} | {t / t32:>10.2f}x | "
                  f"{err:>9}")


def scale_table(n_seeds):
    print("\n## Scale estimation on the notes' benchmark (K=d=10, unit clusters, n=1e5): "
          "estimate / true intra-cluster variance (1.0)")
    header = (f"{'estimator':<34} | {'min':>5} | {'median':>6} | {'max':>5} | "
              f"{'within 30%':>10} | {'time (s)':>8}")
    print(header)
    print("-" * len(header))
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
        print(f"{name:<34} | {v.min():>5.2f} | {np.median(v):>6.2f} | {v.max():>5.2f} | "
              f"{int(np.sum(np.abs(v - 1) <= 0.3)):>7}/{n_seeds} | {np.median(times):>8.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sketch-size", type=int, default=1000)
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    with threadpool_limits(limits=1, user_api="blas"):
        throughput_table(sizes, args.sketch_size, 1 if args.quick else args.repeats,
                         pycle_max_n=100_000)
        scale_table(3 if args.quick else 10)


if __name__ == "__main__":
    main()
