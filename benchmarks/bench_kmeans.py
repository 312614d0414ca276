"""Compressive k-means against KMeans, MiniBatchKMeans and pycle's CL-OMPR.

Run ``python benchmarks/bench_kmeans.py`` (about 10 minutes on a busy 2-core machine);
``--huge`` adds the n = 1e7 streamed run, ``--quick`` runs 3 seeds and n = 1e5 only,
``--tables 1`` prints table 1 only, ``--seeds N`` sets its number of seeds.

Tables:

1. quality on the benchmark of the notes (K = d = 10, centres ~ N(0, 1.5² K^{2/d} I),
   unit clusters, n = 1e5, 10 seeds), at m = 10 K d and m = 2 K d: SSE relative to
   KMeans(n_init=10) on the same data, seeds within 2 %, centroid error (in cluster
   standard deviations, Hungarian matching, against the true centres and against the
   KMeans centroids) when all clusters are found, decode time. Both decoders decode
   the *same* sketch.
2. fit time and peak memory (tracemalloc; the data itself excluded) at n = 1e5, 1e6
   (and 1e7 streamed in chunks with ``--huge``) for CompressiveKMeans,
   KMeans(n_init=10), MiniBatchKMeans and pycle's CL-OMPR, as ratios to ours.
3. scikit-learn's digits (1797 samples, 10 classes) on standardised pixels (d = 64)
   and on a 10-dimensional spectral embedding
   (``SpectralEmbedding(n_components=10, random_state=0)``): per seed and decoder,
   adjusted Rand index against the classes, against KMeans(n_init=10) on the same
   features, SSE and fit time relative to KMeans (``--digits-seeds N``).
4. 1-bit quantized sketches (``FourierSketcher(quantization="1bit")``) on the setup of
   table 1 (n = 1e5, ``--seeds`` seeds), at m = 2, 4, 10 and 20 K d, beside the
   unquantized sketch of the same frequencies: SSE relative to KMeans(n_init=10),
   seeds within 5 % and 2 %, DecodingWarnings.
5. private sketches (``FourierSketcher(privacy=...)``) on the same mixture at n = 1e5
   and 1e6 (``--private-seeds`` seeds), m = 10 K d, ε = 0.1, 1, 10 (Laplace) and
   (ε, 1e-6) (Gaussian): public box [-12, 12]^d, scale estimated with
   ``estimate_scale`` on 10 000 public samples (an independent draw of the same
   mixture), decoded with ``CompressiveKMeans.fit_sketch``; SSE relative to
   KMeans(n_init=10) on the private data, the noise level of the released sketch
   (sampling and privacy noise, relative to its power) and the relative error of the
   released count. The "exact" row is the same operator without privacy.

BLAS and OpenMP are pinned to one thread before NumPy is imported.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans, MiniBatchKMeans  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.manifold import SpectralEmbedding  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skfrugal.cluster import CompressiveKMeans  # noqa: E402
from skfrugal.datasets import make_gmm  # noqa: E402
from skfrugal.decoding import DecodingWarning, decoder_inputs  # noqa: E402
from skfrugal.metrics import centroid_error, sse_ratio  # noqa: E402
from skfrugal.sketching import FourierSketcher, estimate_scale  # noqa: E402
from skfrugal.utils import warm_up  # noqa: E402

K = D = 10
STREAM_FROM = 10**7  # sizes at which the data is streamed in chunks
STREAM_CHUNK = 10**6
PYCLE_UP_TO = 10**6


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _timed_memory(fn):
    tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, elapsed, peak


def _pycle_fit(X, m, seed):
    import pycle.compressive_learning as cl
    import pycle.sketching as pk

    np.random.seed(seed)  # noqa: NPY002 - pycle draws from the global NumPy state
    Sigma = pk.estimate_Sigma(X, 500, n0=min(5000, X.shape[0]), verbose=0)
    Omega = pk.drawFrequencies("AR", X.shape[1], m, Sigma)
    Phi = pk.SimpleFeatureMap("ComplexExponential", Omega)
    z = pk.computeSketch(X, Phi)
    bounds = np.array([X.min(axis=0), X.max(axis=0)])
    solver = cl.CLOMP_CKM(Phi, K, bounds, z)
    solver.fit_once()
    return solver.get_centroids()


def quality(seeds, n):
    print(f"\n## 1. Quality: K=d={K}, n={n:.0e}, {len(seeds)} seeds "
          "(SSE ratio to KMeans(n_init=10); centroid error in cluster std)\n")
    rows = {}
    floor = []
    for seed in seeds:
        X, labels, centers, _, _ = make_gmm(n, D, K, random_state=seed)
        empirical = np.array([X[labels == k].mean(axis=0) for k in range(K)])
        floor.append(centroid_error(empirical, centers, reduce="max"))
        ref = KMeans(K, n_init=10, random_state=seed).fit(X)
        for factor in (10, 2):
            m = factor * K * D
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                ss = CompressiveKMeans(K, sketch_size=m, random_state=seed).fit(X)
                for decoder in ("sketch_and_shift", "cl_ompr"):
                    est = CompressiveKMeans(K, decoder=decoder, random_state=seed)
                    _, t = _timed(lambda est=est, sk=ss.sketch_: est.fit_sketch(sk))
                    c = est.cluster_centers_
                    rows.setdefault((factor, decoder), []).append((
                        sse_ratio(X, c, ref.cluster_centers_),
                        centroid_error(c, centers, reduce="max"),
                        centroid_error(c, empirical, reduce="max"),
                        centroid_error(c, ref.cluster_centers_, reduce="max"),
                        centroid_error(c, centers, reduce="mean"),
                        t,
                    ))
    header = (f"| {'m':>9} | {'decoder':<16} | {'within 2%':>9} | {'median SSE ratio':>16} | "
              f"{'worst SSE ratio':>15} | {'max err vs true':>15} | "
              f"{'vs cluster means':>16} | {'vs KMeans':>9} | {'mean err vs true':>16} | "
              f"{'decode s med/max':>16} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for (factor, decoder), vals in rows.items():
        vals = np.array(vals)
        ok = vals[:, 0] <= 1.02
        found = vals[:, 1] < 1.0  # every true centre has an estimate within 1 std
        if found.any():
            med = np.median(vals[found], axis=0)
            errs = (f"{f'{med[1]:.3f} ({found.sum()})':>15} | {med[2]:>16.3f} | "
                    f"{med[3]:>9.3f} | {med[4]:>16.3f}")
        else:
            errs = f"{'-':>15} | {'-':>16} | {'-':>9} | {'-':>16}"
        times = f"{np.median(vals[:, 5]):.2f} / {vals[:, 5].max():.2f}"
        print(f"| {f'{factor}Kd={factor * K * D}':>9} | {decoder:<16} | "
              f"{f'{ok.sum()}/{len(ok)}':>9} | {np.median(vals[:, 0]):>16.4f} | "
              f"{vals[:, 0].max():>15.4f} | {errs} | {times:>16} |")
    print("\nerror columns: median, over the seeds where all clusters are found (count in "
          "brackets), of the largest (\"max\") or average (\"mean\") matched centroid "
          "distance, in cluster std, to the true centres, to the empirical means of the "
          "true clusters, and to KMeans(n_init=10)'s centroids. Sampling floor: the "
          "empirical cluster means themselves are a median max distance of "
          f"{np.median(floor):.3f} from the true centres.")


def _chunks(n, seed, chunk):
    # the same mixture as make_gmm(random_state=seed), drawn chunk by chunk
    _, _, centers, _, _ = make_gmm(1, D, K, random_state=seed)
    rng = np.random.default_rng(seed + 1000)
    for start in range(0, n, chunk):
        b = min(chunk, n - start)
        yield centers[rng.integers(K, size=b)] + rng.standard_normal((b, D))


def _speed_rows(n, with_pycle):
    """(name, seconds, peak bytes, centroids) of each method at size n; data excluded."""
    results = []
    if n < STREAM_FROM:
        X, _, _, _, _ = make_gmm(n, D, K, random_state=0)
        ours, t, mem = _timed_memory(
            lambda: CompressiveKMeans(K, random_state=0).fit(X))
        results.append(("CompressiveKMeans (S&S)", t, mem, ours.cluster_centers_))
        mb, t, mem = _timed_memory(
            lambda: MiniBatchKMeans(K, n_init=3, random_state=0).fit(X))
        results.append(("MiniBatchKMeans", t, mem, mb.cluster_centers_))
    else:  # streamed: chunks generated on the fly, never materialised
        est = CompressiveKMeans(K, random_state=0)

        def stream_ours():
            sketch = None
            for chunk in _chunks(n, 0, STREAM_CHUNK):
                if sketch is None:  # the first chunk fits the operator
                    sketch = est.partial_fit(chunk).sketch_
                else:  # the others are only sketched; one decoding at the end
                    sketch = sketch + est.sketcher_.sketch(chunk)
            return est.fit_sketch(sketch)

        _, t, mem = _timed_memory(stream_ours)
        results.append(("CompressiveKMeans streamed", t, mem, est.cluster_centers_))
        mbk = MiniBatchKMeans(K, random_state=0)

        def stream_mb():
            for chunk in _chunks(n, 0, STREAM_CHUNK):
                mbk.partial_fit(chunk)
            return mbk

        _, t, mem = _timed_memory(stream_mb)
        results.append(("MiniBatchKMeans.partial_fit", t, mem, mbk.cluster_centers_))
        # the baselines that need the data in memory get the same data, materialised
        X = np.concatenate(list(_chunks(n, 0, STREAM_CHUNK)))
    km, t, mem = _timed_memory(lambda: KMeans(K, n_init=10, random_state=0).fit(X))
    results.insert(1, ("KMeans(n_init=10)", t, mem, km.cluster_centers_))
    if with_pycle and n <= PYCLE_UP_TO:
        try:
            c, t, mem = _timed_memory(lambda: _pycle_fit(X, 10 * K * D, 0))
            results.append(("pycle 1.2 CL-OMPR", t, mem, c))
        except Exception as exc:  # pragma: no cover - depends on the installed pycle
            print(f"pycle failed: {exc!r}")
    return X, km, results


def speed(sizes, with_pycle):
    print("\n## 2. Fit time and peak memory (tracemalloc, data excluded), seed 0\n")
    header = (f"| {'n':>6} | {'method':<28} | {'fit s':>8} | {'time / ours':>11} | "
              f"{'peak MB':>9} | {'memory / ours':>13} | {'SSE / KMeans':>12} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for n in sizes:
        X, km, results = _speed_rows(n, with_pycle)
        t0, m0 = results[0][1], results[0][2]
        for name, t, mem, c in results:
            print(f"| {n:>6.0e} | {name:<28} | {t:>8.2f} | {t / t0:>11.2f} | "
                  f"{mem / 2**20:>9.1f} | {mem / m0:>13.2f} | "
                  f"{sse_ratio(X, c, km.cluster_centers_):>12.4f} |", flush=True)
        del X
    print(f"\nfrom n = {STREAM_FROM:.0e} our estimator and MiniBatchKMeans read the data in "
          f"chunks of {STREAM_CHUNK:.0e} rows generated on the fly (partial_fit); KMeans "
          "gets the same data materialised in memory (not counted in its peak); pycle "
          f"runs up to n = {PYCLE_UP_TO:.0e} (its complex128 sketching would take about "
          "10 minutes at 1e7). SSE on the full data.")


def digits_features():
    """The two representations of scikit-learn's digits the table and the tests use."""
    X, y = load_digits(return_X_y=True)
    return y, {
        "standardised pixels (64)": StandardScaler().fit_transform(X),
        "spectral embedding (10)": SpectralEmbedding(n_components=10,
                                                     random_state=0).fit_transform(X),
    }


def digits(seeds):
    print(f"\n## 3. Digits (1797 x 64, 10 classes), default CompressiveKMeans(10), "
          f"{len(seeds)} seeds\n")
    y, feats = digits_features()
    header = (f"| {'features':<24} | {'seed':>4} | {'decoder':<16} | {'ARI':>5} | "
              f"{'ARI KMeans':>10} | {'ARI vs KMeans':>13} | {'SSE / KMeans':>12} | "
              f"{'fit s':>6} | {'time / KMeans':>13} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    summary = {}
    for name, F in feats.items():
        for seed in seeds:
            km, t_km = _timed(lambda F=F, seed=seed: KMeans(10, n_init=10,
                                                            random_state=seed).fit(F))
            ari_km = adjusted_rand_score(y, km.labels_)
            for decoder in ("sketch_and_shift", "cl_ompr"):
                est = CompressiveKMeans(10, decoder=decoder, random_state=seed)
                _, t = _timed(lambda est=est, F=F: est.fit(F))
                row = (adjusted_rand_score(y, est.labels_), ari_km,
                       adjusted_rand_score(km.labels_, est.labels_),
                       est.inertia_ / km.inertia_, t, t / t_km)
                summary.setdefault((name, decoder), []).append(row)
                print(f"| {name:<24} | {seed:>4} | {decoder:<16} | {row[0]:>5.3f} | "
                      f"{row[1]:>10.3f} | {row[2]:>13.3f} | {row[3]:>12.3f} | "
                      f"{row[4]:>6.2f} | {row[5]:>13.1f} |", flush=True)
    print("\nmean over the seeds (min-max):\n")
    header = (f"| {'features':<24} | {'decoder':<16} | {'ARI':>17} | {'ARI KMeans':>17} | "
              f"{'SSE / KMeans':>17} | {'fit s median':>12} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for (name, decoder), rows in summary.items():
        r = np.array(rows)

        def cell(col, r=r):
            return f"{r[:, col].mean():.3f} ({r[:, col].min():.2f}-{r[:, col].max():.2f})"

        print(f"| {name:<24} | {decoder:<16} | {cell(0):>17} | {cell(1):>17} | "
              f"{cell(3):>17} | {np.median(r[:, 4]):>12.2f} |")
    print("\nARI: adjusted Rand index against the digit classes; KMeans is "
          "KMeans(n_init=10, random_state=seed) on the same features; SSE on the "
          "features; fit time includes sketching and decoding (numba warmed up).")


def _decode_counting_warnings(sketch, seed):
    """CompressiveKMeans(K).fit_sketch(sketch); returns the centres and whether it warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = CompressiveKMeans(K, random_state=seed).fit_sketch(sketch)
    warned = any(issubclass(w.category, DecodingWarning) for w in caught)
    return est.cluster_centers_, warned


def quantized(seeds, n, factors=(2, 4, 10, 20)):
    print(f"\n## 4. 1-bit quantized sketches: K=d={K}, n={n:.0e}, {len(seeds)} seeds "
          "(SSE ratio to KMeans(n_init=10); the same frequencies without and with "
          "quantization)\n")
    rows = {}
    for seed in seeds:
        X, *_ = make_gmm(n, D, K, random_state=seed)
        ref = KMeans(K, n_init=10, random_state=seed).fit(X).cluster_centers_
        for factor in factors:
            m = factor * K * D
            for quantization in (None, "1bit"):
                sketcher = FourierSketcher(m, scale_n_clusters=K, quantization=quantization,
                                           random_state=seed).fit(X)
                centres, warned = _decode_counting_warnings(sketcher.sketch(X), seed)
                rows.setdefault((factor, quantization), []).append(
                    (sse_ratio(X, centres, ref), warned))
    header = (f"| {'m':>9} | {'features':<11} | {'within 5%':>9} | {'within 2%':>9} | "
              f"{'median SSE ratio':>16} | {'worst SSE ratio':>15} | {'warnings':>8} |")
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for (factor, quantization), vals in rows.items():
        ratio = np.array([v[0] for v in vals])
        warned = sum(v[1] for v in vals)
        print(f"| {f'{factor}Kd={factor * K * D}':>9} | {quantization or 'exponential':<11} | "
              f"{f'{(ratio <= 1.05).sum()}/{len(ratio)}':>9} | "
              f"{f'{(ratio <= 1.02).sum()}/{len(ratio)}':>9} | {np.median(ratio):>16.4f} | "
              f"{ratio.max():>15.4f} | {warned:>8} |")
    print("\nwarnings: decodings that raised DecodingWarning (residual above 5 times the "
          "noise level, which for a quantized sketch includes its higher harmonics).")


PRIVATE_BOX = 12.0


def _public_scale(centers, seed):
    """The scale estimated on 10 000 public samples of the mixture, in box units."""
    rng = np.random.default_rng(seed + 10_000)
    public = centers[rng.integers(K, size=10_000)] + rng.standard_normal((10_000, D))
    public = np.clip(public, -PRIVATE_BOX, PRIVATE_BOX) / PRIVATE_BOX
    return estimate_scale(public, n_clusters=K, random_state=seed)


def private(seeds, sizes):
    m = 10 * K * D
    box = np.array([[-PRIVATE_BOX] * D, [PRIVATE_BOX] * D])
    print(f"\n## 5. Private sketches: K=d={K}, m={m}, box [-{PRIVATE_BOX:g}, "
          f"{PRIVATE_BOX:g}]^{D}, {len(seeds)} seeds (SSE ratio to KMeans(n_init=10))\n")
    settings = [("exact", None, None), ("ε=0.1", 0.1, None), ("ε=1", 1.0, None),
                ("ε=10", 10.0, None), ("(ε,δ)=(0.1,1e-6)", (0.1, 1e-6), None),
                ("(ε,δ)=(1,1e-6)", (1.0, 1e-6), None), ("ε=1, 1bit", 1.0, "1bit")]
    rows = {}
    for n in sizes:
        for seed in seeds:
            X, _, centers, _, _ = make_gmm(n, D, K, random_state=seed)
            ref = KMeans(K, n_init=10, random_state=seed).fit(X).cluster_centers_
            scale = _public_scale(centers, seed)
            for name, privacy, quantization in settings:
                sketcher = FourierSketcher(m, bounds=box, scale=scale, privacy=privacy,
                                           quantization=quantization,
                                           random_state=seed).fit(X)
                sketch = sketcher.sketch(X)
                centres, warned = _decode_counting_warnings(sketch, seed)
                rows.setdefault((n, name), []).append((
                    sse_ratio(X, centres, ref), decoder_inputs(sketch).noise_level,
                    abs(sketch.n_samples / n - 1), warned))
    header = (f"| {'n':>5} | {'privacy':<18} | {'within 5%':>9} | {'median SSE ratio':>16} | "
              f"{'worst SSE ratio':>15} | {'noise level':>11} | {'count error':>11} | "
              f"{'warnings':>8} |")
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for (n, name), vals in rows.items():
        vals = np.array(vals, dtype=float)
        ratio = vals[:, 0]
        print(f"| {n:>5.0e} | {name:<18} | {f'{(ratio <= 1.05).sum()}/{len(ratio)}':>9} | "
              f"{np.median(ratio):>16.4f} | {ratio.max():>15.4f} | "
              f"{np.median(vals[:, 1]):>11.2e} | {np.median(vals[:, 2]):>11.1e} | "
              f"{int(vals[:, 3].sum()):>8} |")
    print("\nnoise level: median relative squared noise of the released sketch (sampling, "
          "privacy noise and, for 1bit, higher harmonics; see DecoderInputs.noise_level); "
          "count error: median |released count / n - 1|.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, n=1e5 only")
    parser.add_argument("--huge", action="store_true", help="add the 1e7 streamed run")
    parser.add_argument("--sizes", default=None,
                        help="comma-separated sizes of table 2, e.g. 1e5,1e6,1e7 "
                             "(default 1e5,1e6; 1e5 with --quick; --huge adds 1e7)")
    parser.add_argument("--no-pycle", action="store_true", help="skip pycle")
    parser.add_argument("--tables", default="1,2,3",
                        help="comma-separated tables to print (default: 1,2,3; 4: "
                             "quantized, 5: private)")
    parser.add_argument("--seeds", type=int, default=None,
                        help="number of seeds of table 1 (default 10, 3 with --quick)")
    parser.add_argument("--private-seeds", type=int, default=None,
                        help="number of seeds of table 5 (default 5, 2 with --quick)")
    parser.add_argument("--private-sizes", default=None,
                        help="comma-separated sizes of table 5 (default 1e5,1e6)")
    parser.add_argument("--digits-seeds", type=int, default=None,
                        help="number of seeds of table 3 (default 5, 2 with --quick)")
    args = parser.parse_args()
    tables = {int(t) for t in args.tables.split(",")}
    # warm-up: numba kernels (compile time reported apart), imports and first calls
    start = time.perf_counter()
    warm_up()
    print(f"numba warm-up (compile or cache load): {time.perf_counter() - start:.1f} s")
    Xw, *_ = make_gmm(2000, D, K, random_state=0)
    CompressiveKMeans(K, random_state=0).fit(Xw)
    seeds = range(args.seeds or (3 if args.quick else 10))
    if 1 in tables:
        quality(seeds, 10**5)
    if args.sizes:
        sizes = [int(float(v)) for v in args.sizes.split(",")]
    else:
        sizes = [10**5] if args.quick else [10**5, 10**6]
        if args.huge:
            sizes.append(10**7)
    if 2 in tables:
        speed(sizes, not args.no_pycle)
    if 3 in tables:
        digits(range(args.digits_seeds or (2 if args.quick else 5)))
    if 4 in tables:
        quantized(seeds, 10**5)
    if 5 in tables:
        private_sizes = ([int(float(v)) for v in args.private_sizes.split(",")]
                         if args.private_sizes else [10**5] if args.quick else [10**5, 10**6])
        private(range(args.private_seeds or (2 if args.quick else 5)), private_sizes)


if __name__ == "__main__":
    main()
