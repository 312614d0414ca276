"""``skfrugal demo gmm``: a Gaussian mixture learned from a sketch of a generated stream.

Draws ``n`` samples of a ``K``-component diagonal Gaussian mixture batch by batch,
sketches the stream in one pass (``m = 5 (2d + 1) K`` complex numbers instead of
``n × d`` floats), decodes the mixture from the sketch, and compares it with EM
(:class:`sklearn.mixture.GaussianMixture`) run on the full data held in memory:
held-out log-likelihood, mixture-Wasserstein distance to the true model, time and
peak memory.
"""

import time
import tracemalloc

import numpy as np

NAME = "gmm"
SUMMARY = "compressive Gaussian mixture of a streamed 1e6-sample mixture vs EM"


def add_arguments(parser):
    """Add the demo's options to an argparse parser."""
    parser.add_argument("--n-samples", type=int, default=1_000_000, help="stream length")
    parser.add_argument("--batch-size", type=int, default=100_000, help="rows per batch")
    parser.add_argument("--n-components", type=int, default=5, help="components K")
    parser.add_argument("--n-features", type=int, default=10, help="dimension d")
    parser.add_argument("--sketch-size", type=int, default=None,
                        help="frequencies m (default 5·(2d+1)·K)")
    parser.add_argument("--decoder", default="sketch_and_shift",
                        choices=["sketch_and_shift", "cl_ompr", "split"])
    parser.add_argument("--seed", type=int, default=0, help="random seed")


def _truth(K, d, seed):
    from skfrugal.datasets import make_gmm

    _, _, means, variances, weights = make_gmm(1, d, K, variances="diag",
                                               weights="dirichlet", random_state=seed)
    return means, variances, weights


def _stream(n, batch, truth, seed):
    means, variances, weights = truth
    rng = np.random.default_rng(seed)
    K, d = means.shape
    for start in range(0, n, batch):
        b = min(batch, n - start)
        labels = rng.choice(K, size=b, p=weights)
        yield means[labels] + np.sqrt(variances[labels]) * rng.standard_normal((b, d))


def _fmt_bytes(n):
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def run(args):
    """Run the demo and print its table."""
    from sklearn.mixture import GaussianMixture

    from skfrugal.metrics import gmm_log_likelihood, mixture_wasserstein
    from skfrugal.mixture import CompressiveGaussianMixture
    from skfrugal.sketching import FourierSketcher

    n, batch, K, d = args.n_samples, args.batch_size, args.n_components, args.n_features
    truth = _truth(K, d, args.seed)
    print(f"Compressive Gaussian mixture: a stream of n={n:,} samples, d={d}, K={K} "
          f"diagonal components, batches of {batch:,}")

    tracemalloc.start()
    start = time.perf_counter()
    m = 5 * (2 * d + 1) * K if args.sketch_size is None else args.sketch_size
    sketcher = FourierSketcher(m, random_state=args.seed)
    for X in _stream(n, batch, truth, args.seed):
        sketcher.partial_fit(X)  # the first batch also fits the operator
    sketch = sketcher.sketch_
    t_sketch = time.perf_counter() - start
    sketch_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    tracemalloc.start()
    start = time.perf_counter()
    gmm = CompressiveGaussianMixture(K, decoder=args.decoder, random_state=args.seed)
    gmm.fit_sketch(sketch)
    t_dec = time.perf_counter() - start
    dec_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    X = np.concatenate(list(_stream(n, batch, truth, args.seed)))
    X_test = np.concatenate(list(_stream(20_000, 20_000, truth, args.seed + 1)))
    tracemalloc.start()
    start = time.perf_counter()
    em = GaussianMixture(K, covariance_type="diag", random_state=args.seed).fit(X)
    t_em = time.perf_counter() - start
    em_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    rows = [
        (f"CompressiveGaussianMixture ({args.decoder})", gmm,
         f"{t_sketch:.1f} + {t_dec:.2f}", max(sketch_peak, dec_peak), sketch.nbytes),
        ("GaussianMixture (EM), full data", em, f"{t_em:.1f}", em_peak + X.nbytes,
         X.nbytes),
    ]
    header = (f"| {'method':<46} | {'held-out LL':>11} | {'MW2 to truth':>12} | "
              f"{'time s (sketch + decode)':>24} | {'peak memory':>11} | {'stored':>9} |")
    print()
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for name, model, t, mem, stored in rows:
        ll = gmm_log_likelihood(X_test, model.weights_, model.means_, model.covariances_)
        mw = mixture_wasserstein(truth[2], truth[0], truth[1], model.weights_,
                                 model.means_, model.covariances_)
        print(f"| {name:<46} | {ll:>11.4f} | {mw:>12.4f} | {t:>24} | "
              f"{_fmt_bytes(mem):>11} | {_fmt_bytes(stored):>9} |")
    ll_true = gmm_log_likelihood(X_test, truth[2], truth[0], truth[1])
    print(f"\nTrue model: held-out log-likelihood {ll_true:.4f} nat/sample (20,000 "
          f"held-out samples). The sketch holds {m} complex numbers "
          f"({_fmt_bytes(sketch.nbytes)} with its bounds and moments) instead of "
          f"{n:,} x {d} floats ({_fmt_bytes(X.nbytes)}): {X.nbytes / sketch.nbytes:,.0f} "
          "times smaller; EM's peak memory counts the data it needs in memory.")
