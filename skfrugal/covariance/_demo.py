"""``skfrugal demo glasso``: a Gaussian graph recovered from a sketch of a stream."""

import time
import warnings

import numpy as np

NAME = "glasso"
SUMMARY = (
    "stream samples of a sparse Gaussian graph into a rank-one-projection sketch and "
    "recover the graph: edge F1, sketch size vs covariance size, full-data baseline"
)


def add_arguments(parser):
    """Add the demo's options to ``parser``."""
    parser.add_argument("--n-features", type=int, default=60, help="dimension p (default: 60)")
    parser.add_argument("--n-samples", type=int, default=200_000,
                        help="samples in the stream (default: 2e5)")
    parser.add_argument("--chunk-size", type=int, default=20_000,
                        help="samples per chunk (default: 2e4)")
    parser.add_argument("--ratio", type=float, default=0.5,
                        help="sketch size as a fraction of p(p+1)/2 (default: 0.5)")
    parser.add_argument("--alpha", type=float, default=0.1,
                        help="l1 penalty, in GraphicalLasso units (default: 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")


def run(args):
    """Run the demo and print its report."""
    from threadpoolctl import threadpool_limits

    from skfrugal.covariance import CompressiveGraphicalLasso, graphical_lasso
    from skfrugal.datasets import make_sparse_precision
    from skfrugal.metrics import graph_recovery_scores

    p = args.n_features
    full_size = p * (p + 1) // 2
    m = max(2, int(round(args.ratio * full_size)))
    prec = make_sparse_precision(p, n_edges=int(1.44 * p), random_state=args.seed)
    L = np.linalg.cholesky(np.linalg.inv(prec))
    rng = np.random.default_rng(args.seed + 1)
    warnings.simplefilter("ignore")
    with threadpool_limits(limits=1, user_api="blas"):
        model = CompressiveGraphicalLasso(alpha=args.alpha, sketch_size=m,
                                          random_state=args.seed)
        t0 = time.perf_counter()
        # the full-data baseline accumulates the p x p scatter matrix of the same stream
        total, scatter, t_scatter = np.zeros(p), np.zeros((p, p)), 0.0
        for start in range(0, args.n_samples, args.chunk_size):
            b = min(args.chunk_size, args.n_samples - start)
            chunk = rng.standard_normal((b, p)) @ L.T + 5.0
            t1 = time.perf_counter()
            total += chunk.sum(axis=0)
            scatter += (chunk - 5.0).T @ (chunk - 5.0)
            t_scatter += time.perf_counter() - t1
            if start == 0:
                model.partial_fit(chunk)  # fits the operator, decodes
            else:
                model.sketch_ = model.sketch_ + model.sketcher_.sketch(chunk)
        t_sketch = time.perf_counter() - t0 - t_scatter
        t0 = time.perf_counter()
        model.fit_sketch(model.sketch_)
        t_decode = time.perf_counter() - t0
        t0 = time.perf_counter()
        n = args.n_samples
        shift = total / n - 5.0
        S = scatter / n - np.outer(shift, shift)
        full_precision = graphical_lasso(S, args.alpha)[1]
        t_full = time.perf_counter() - t0
    s = graph_recovery_scores(prec, model.precision_, threshold=1e-6)
    f = graph_recovery_scores(prec, full_precision, threshold=1e-6)
    print(f"skfrugal demo glasso: p={p}, {s['n_edges_true']} true edges, "
          f"{model.sketch_.n_samples} streamed samples (chunks of {args.chunk_size})")
    print(f"sketch: m={m} projections + 4p moments = {m + 4 * p} floats "
          f"({model.sketch_.nbytes / 1e3:.1f} kB) vs covariance {full_size} floats "
          f"({full_size * 8 / 1e3:.1f} kB), ratio {(m + 4 * p) / full_size:.2f}")
    print(f"{'method':<38}{'edge F1':>8}{'precision':>10}{'recall':>8}{'edges':>7}"
          f"{'seconds':>9}")
    print(f"{'compressive (sketch of the stream)':<38}{s['f1']:>8.3f}{s['precision']:>10.3f}"
          f"{s['recall']:>8.3f}{s['n_edges_pred']:>7}{t_decode:>9.2f}")
    print(f"{'full-data graphical lasso (p x p)':<38}{f['f1']:>8.3f}"
          f"{f['precision']:>10.3f}{f['recall']:>8.3f}{f['n_edges_pred']:>7}{t_full:>9.2f}")
    print(f"sketching: {t_sketch:.2f} s ({model.sketch_.n_samples / t_sketch:,.0f} rows/s); "
          f"decoder iterations {model.n_iter_}, sketch residual "
          f"{model.sketch_residual_:.3f}; alpha={args.alpha}")
    return 0
