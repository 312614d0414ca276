"""Sketching throughput, peak memory and scale estimation against NumPy and pycle.

Run: ``python benchmarks/bench_sketch.py`` (``--quick`` for a short run). BLAS is pinned
to one thread; each figure is the median of ``--repeats`` runs on the same data, all
implementations in the same process. Features/s counts complex features (n × m).
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


def measure(func, repeats):
    times, peaks, out = [], [], None
    for _ in range(repeats):
        tracemalloc.start()
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return float(np.median(times)), float(np.median(peaks)), out


def throughput_table(sizes, m, repeats, pycle_max_n):
    d = 10
    print(f"\n## Sketch throughput and peak memory (d={d}, m={m}, one thread; "
          "last columns: time relative to skfrugal float32, error vs skfrugal float64)")
    header = (f"{'n':>9} | {'implementation':<24} | {'time (s)':>9} | {'M features/s':>12} | "
              f"{'peak MiB':>9} | {'slower than ours':>16} | {'max |err|':>9}")
    print(header)
    print("-" * len(header))
    X_fit = mixture(20000, 0, d=d)
    ours32 = FourierSketcher(sketch_size=m, random_state=0).fit(X_fit)
    ours64 = FourierSketcher(sketch_size=m, dtype="float64", random_state=0).fit(X_fit)
    omega = ours32.frequencies_ / ours32.std_[:, None]
    for n in sizes:
        X = mixture(n, 1, d=d)
        Xc = X - ours32.mean_
        ours32.sketch(X[:1000])  # warm
        t32, p32, s32 = measure(lambda: ours32.sketch(X).mean, repeats)  # noqa: B023
        t64, p64, s64 = measure(lambda: ours64.sketch(X).mean, repeats)  # noqa: B023
        rows = [("skfrugal float32", t32, p32, s32), ("skfrugal float64", t64, p64, s64)]
        tn, pn, sn = measure(lambda: numpy_complex128(Xc, omega), repeats)  # noqa: B023
        rows.append(("numpy complex128", tn, pn, sn))
        if pycle_sk is not None and n <= pycle_max_n:
            fmap = pycle_sk.SimpleFeatureMap("complexExponential", omega)
            tp, pp, sp = measure(lambda: pycle_sk.computeSketch(Xc, fmap), 1)  # noqa: B023
            rows.append(("pycle computeSketch", tp, pp, np.conj(sp)))  # pycle: exp(+iωx)
        reference = s64
        for name, t, p, s in rows:
            err = np.max(np.abs(np.asarray(s) - reference))
            print(f"{n:>9,} | {name:<24} | {t:>9.3f} | {n * m / t / 1e6:>12.1f} | "
                  f"{p / 2**20:>9.1f} | {t / t32:>15.2f}x | {err:>9.1e}")


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
