"""``skfrugal demo sketch``: stream a million samples into a sketch of a few kilobytes."""

import time
import tracemalloc

import numpy as np

NAME = "sketch"
SUMMARY = (
    "sketch a stream of generated samples in batches: merge check, throughput, "
    "memory independent of n"
)


def add_arguments(parser):
    """Add the demo's options to ``parser``."""
    parser.add_argument("--n-samples", type=int, default=1_000_000,
                        help="samples in the stream (default: 1e6)")
    parser.add_argument("--n-features", type=int, default=10, help="dimension (default: 10)")
    parser.add_argument("--sketch-size", type=int, default=1000,
                        help="frequencies m (default: 1000)")
    parser.add_argument("--chunk-size", type=int, default=50_000,
                        help="samples per chunk of the stream (default: 5e4)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")


def _stream(n_samples, n_features, chunk_size, seed, n_clusters=10):
    """Yield chunks of a Gaussian mixture, generated on the fly (never held whole)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=1.5 * n_clusters ** (1 / n_features),
                         size=(n_clusters, n_features))
    for start in range(0, n_samples, chunk_size):
        size = min(chunk_size, n_samples - start)
        labels = rng.integers(n_clusters, size=size)
        yield centres[labels] + rng.normal(size=(size, n_features))


def _sketch_stream(sketcher, n_samples, args):
    """Return (per-chunk sketches merged, seconds, peak traced bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    chunk_sketches = []
    for chunk in _stream(n_samples, args.n_features, args.chunk_size, args.seed + 1):
        chunk_sketches.append(sketcher.sketch(chunk))
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return chunk_sketches, elapsed, peak


def run(args):
    """Run the demo and print its report."""
    from threadpoolctl import threadpool_limits

    from skfrugal.sketching import FourierSketcher

    d, m = args.n_features, args.sketch_size
    first = next(_stream(20_000, d, 20_000, args.seed + 1))
    with threadpool_limits(limits=1, user_api="blas"):
        sketcher = FourierSketcher(sketch_size=m, random_state=args.seed).fit(first)
        print(f"skfrugal demo sketch: {args.n_samples:,} samples x {d} features, "
              f"m = {m} frequencies, chunks of {args.chunk_size:,} (one core)")
        print(f"  operator fitted on 20,000 samples: scale sigma^2 = {sketcher.scale_:.3f} "
              f"(standardised units), operator id {sketcher.operator_id_}")
        rows = []
        for n in sorted({max(args.n_samples // 10, args.chunk_size), args.n_samples}):
            chunks, elapsed, peak = _sketch_stream(sketcher, n, args)
            rows.append((n, elapsed, peak))
        merged = sum(chunks)
        # one-shot sketch of the first n_small samples held in memory, other batching
        n_small = rows[0][0]
        whole = np.concatenate(list(_stream(n_small, d, args.chunk_size, args.seed + 1)))
        one_shot = sketcher.sketch(whole)
        small_merged = sum(sketcher.sketch(c) for c in
                           _stream(n_small, d, args.chunk_size, args.seed + 1))
        del whole
        # the same stream again, one partial_fit per chunk, into one running sketch
        streaming = FourierSketcher(sketch_size=m, random_state=args.seed).fit(first)
        for chunk in _stream(args.n_samples, d, args.chunk_size, args.seed + 1):
            streaming.partial_fit(chunk)
    running = streaming.sketch_
    gap = np.max(np.abs(running.mean - merged.mean)) / np.max(np.abs(merged.mean))
    gap_one = np.max(np.abs(one_shot.mean - small_merged.mean)) / np.max(np.abs(one_shot.mean))

    print()
    print(f"  {'n':>11} {'time (s)':>9} {'samples/s':>11} {'features/s':>11} {'peak memory':>12}")
    for n, elapsed, peak in rows:
        print(f"  {n:>11,} {elapsed:>9.2f} {n / elapsed:>11.3g} {n * m / elapsed:>11.3g} "
              f"{peak / 2**20:>9.1f} MiB")
    growth = rows[-1][2] / rows[0][2]
    print()
    print(f"  peak memory grows {growth:.2f}x while n grows "
          f"{rows[-1][0] / rows[0][0]:.0f}x: O(batch x m), independent of n")
    print(f"  sketch: {m} complex numbers = {merged.feature_sum.nbytes / 1024:.1f} KiB for "
          f"{args.n_samples * d * 8 / 2**20:,.0f} MiB of float64 data "
          f"({args.n_samples * d * 8 / merged.feature_sum.nbytes:,.0f}x smaller)")
    print(f"  merge of {len(chunks)} chunk sketches vs one running sketch (partial_fit): "
          f"max relative difference {gap:.1e}")
    print(f"  merge of chunk sketches vs one-shot sketch of the first {n_small:,} samples "
          f"in memory: max relative difference {gap_one:.1e}")
    print(f"  data mean/variance kept exactly in the sketch: mean[0] = "
          f"{merged.data_mean[0]:.4f}, var[0] = {merged.data_var[0]:.4f}")
    if max(gap, gap_one) > 1e-10:
        raise RuntimeError(f"merged and one-pass sketches differ by {max(gap, gap_one):.1e}")
