"""``skfrugal demo kmeans``: k-means of a 2-million-sample stream from a sketch.

Draws ``n`` samples of a ``K``-cluster Gaussian mixture batch by batch, sketches the
stream in one pass (``m`` complex numbers instead of ``n × d`` floats), decodes the
clusters with both decoders, and compares them with KMeans run on the full data held
in memory.
"""

import time
import tracemalloc
import warnings

import numpy as np

NAME = "kmeans"
SUMMARY = "compressive k-means of a streamed 2e6-sample mixture, both decoders vs KMeans"


def add_arguments(parser):
    """Add the demo's options to an argparse parser."""
    parser.add_argument("--n-samples", type=int, default=2_000_000, help="stream length")
    parser.add_argument("--batch-size", type=int, default=100_000, help="rows per batch")
    parser.add_argument("--n-clusters", type=int, default=10, help="number of clusters K")
    parser.add_argument("--n-features", type=int, default=10, help="dimension d")
    parser.add_argument("--sketch-size", type=int, default=None,
                        help="frequencies m (default 10·K·d)")
    parser.add_argument("--kmeans-n-init", type=int, default=3,
                        help="n_init of the full-data KMeans baseline")
    parser.add_argument("--seed", type=int, default=0, help="random seed")


def _stream(n, batch, K, d, seed):
    from skfrugal.datasets import make_gmm

    _, _, centers, _, _ = make_gmm(1, d, K, random_state=seed)
    rng = np.random.default_rng(seed)
    for start in range(0, n, batch):
        b = min(batch, n - start)
        labels = rng.integers(K, size=b)
        yield centers[labels] + rng.standard_normal((b, d)), labels


def _fmt_bytes(n):
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def run(args):
    """Run the demo and print its table."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from skfrugal.cluster import CompressiveKMeans
    from skfrugal.metrics import kmeans_inertia
    from skfrugal.sketching import FourierSketcher

    n, batch, K, d = args.n_samples, args.batch_size, args.n_clusters, args.n_features
    print(f"Compressive k-means: a stream of n={n:,} samples, d={d}, K={K} clusters, "
          f"batches of {batch:,}")

    # one pass over the stream: only the sketch is kept
    tracemalloc.start()
    start = time.perf_counter()
    m = 10 * K * d if args.sketch_size is None else args.sketch_size
    sketcher = FourierSketcher(m, random_state=args.seed)
    for X, _ in _stream(n, batch, K, d, args.seed):
        # the first batch also fits the operator (scale, standardisation)
        sketcher.partial_fit(X)
    sketch = sketcher.sketch_
    t_sketch = time.perf_counter() - start
    sketch_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"sketched in {t_sketch:.1f} s ({n * m / t_sketch / 1e6:.0f} M features/s), "
          f"peak extra memory {_fmt_bytes(sketch_peak)}")

    # the full data, for the baseline and the scores
    X = np.empty((n, d))
    y = np.empty(n, dtype=np.int64)
    for i, (xb, yb) in enumerate(_stream(n, batch, K, d, args.seed)):
        X[i * batch:i * batch + xb.shape[0]] = xb
        y[i * batch:i * batch + xb.shape[0]] = yb
    tracemalloc.start()
    start = time.perf_counter()
    km = KMeans(K, n_init=args.kmeans_n_init, random_state=args.seed).fit(X)
    t_km = time.perf_counter() - start
    km_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    rows = []
    for decoder in ("sketch_and_shift", "cl_ompr"):
        dec = CompressiveKMeans(K, decoder=decoder, random_state=args.seed)
        tracemalloc.start()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            dec.fit_sketch(sketch)
        t_dec = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append((f"CompressiveKMeans {decoder}", dec.cluster_centers_,
                     f"{t_sketch:.1f} + {t_dec:.2f}", max(sketch_peak, peak), sketch.nbytes))
    rows.append((f"KMeans(n_init={args.kmeans_n_init}), full data", km.cluster_centers_,
                 f"{t_km:.1f}", km_peak + X.nbytes, X.nbytes))
    ref = km.inertia_
    print()
    header = (f"| {'method':<36} | {'SSE / KMeans':>12} | {'ARI':>6} | "
              f"{'time s (sketch + decode)':>24} | {'peak memory':>11} | {'stored':>9} |")
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for name, centers, t, mem, stored in rows:
        sq = ((centers**2).sum(1)[None, :] - 2 * X[:200_000] @ centers.T).argmin(axis=1)
        ari = adjusted_rand_score(y[:200_000], sq)
        sse = kmeans_inertia(X, centers) / ref
        print(f"| {name:<36} | {sse:>12.4f} | {ari:>6.3f} | {t:>24} | "
              f"{_fmt_bytes(mem):>11} | {_fmt_bytes(stored):>9} |")
    print(f"\nThe sketch holds {m} complex numbers ({_fmt_bytes(sketch.nbytes)} with its "
          f"bounds and moments) instead of {n:,} x {d} floats ({_fmt_bytes(X.nbytes)}): "
          f"{X.nbytes / sketch.nbytes:,.0f} times smaller. ARI against the true labels on "
          "the first 200,000 samples; peak memory of the data itself counted for KMeans.\n"
          "Both decoders read the same sketch (CompressiveKMeans.fit_sketch); the stream "
          "was sketched by FourierSketcher.partial_fit, batch by batch.")
