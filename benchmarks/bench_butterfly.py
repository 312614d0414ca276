"""Butterfly factorization and products: skfrugal against pyfaust, lazylinop and dense BLAS.

Run:  python benchmarks/bench_butterfly.py [--sizes 256 1024 4096] [--repeats 3]
          [--sections factorization products sizes]

One BLAS thread (set before NumPy is imported), numba kernels warmed first (compile
time reported apart). Factorization times are CPU seconds of this process (robust to
other load on the machine; every library runs single-threaded), median of repeats;
errors are relative Frobenius errors ``‖A - Â‖_F / ‖A‖_F`` computed the same way for
every library from its dense product. Product times are wall-clock medians.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.linalg import hadamard  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)

from skfrugal.butterfly import (  # noqa: E402
    ButterflyMatrix,
    bit_reversal_permutation,
    butterfly_factorize,
    butterfly_patterns,
)


def cpu_median(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return float(np.median(times)), out


def wall_median(fn, repeats, number=1):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return float(np.median(times))


def rel(A, D):
    return float(np.linalg.norm(A - D) / np.linalg.norm(A))


def targets(n, rng):
    F = np.ascontiguousarray(np.fft.fft(np.eye(n))[:, bit_reversal_permutation(n)])
    H = hadamard(n).astype(np.float64)
    B = ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(n, n)]).toarray()
    noise = rng.standard_normal((n, n))
    noisy = B + 0.01 * np.linalg.norm(B) / np.linalg.norm(noise) * noise
    G = rng.standard_normal((n, n))
    return {"DFT·bitrev": F, "Hadamard": H, "butterfly+1%": noisy, "Gaussian": G}


def reference_methods():
    methods = {}
    try:
        import pyfaust.fact as pf

        methods["pyfaust bbtree"] = lambda A: pf.butterfly(A, type="bbtree").toarray()
        methods["pyfaust fdb"] = lambda A: pf.fdb(
            A,
            n_factors=int(np.log2(A.shape[0])),
            rank=1,
            orthonormalize=True,
            hierarchical_order="left-to-right",
        ).toarray()
    except ImportError:
        print("pyfaust not installed: skipped")
    try:
        from lazylinop.butterfly import Chain, ksd

        methods["lazylinop ksd"] = lambda A: ksd(A, Chain.square_dyadic(A.shape)).toarray()
    except ImportError:
        print("lazylinop not installed: skipped")
    return methods


def bench_factorization(sizes, repeats, rng):
    methods = reference_methods()
    names = list(methods)
    print("\n## Factorization (CPU s / relative error; ratio = their time / ours)\n")
    head = "| n | target | skfrugal | " + " | ".join(names) + " |"
    print(head)
    print("|" + "---|" * (3 + len(names)))
    for n in sizes:
        reps = repeats if n <= 1024 else 1
        for name, A in targets(n, rng).items():
            t, B = cpu_median(lambda A=A: butterfly_factorize(A), reps)
            ours = rel(A, B.toarray())
            cells = [f"{t:.3f} s / {ours:.1e}"]
            for m in names:
                try:
                    tm, D = cpu_median(lambda A=A, m=m: methods[m](A), reps)
                    cells.append(f"{tm:.3f} s / {rel(A, D):.1e} (×{tm / t:.1f})")
                except Exception as exc:  # a reference that cannot handle the input
                    cells.append(f"failed: {type(exc).__name__}")
            print(f"| {n} | {name} | " + " | ".join(cells) + " |", flush=True)


def bench_products(sizes, rng, n_vectors=1000):
    print(f"\n## Products ({n_vectors} vectors, samples × features layout, X Aᵀ) vs dense BLAS\n")
    try:
        import pyfaust
        import scipy.sparse as sp
    except ImportError:
        pyfaust = None
    print(
        "| n | dtype | butterfly | dense | speed-up | pyfaust Faust (same factors) "
        "| 1 vector: butterfly | dense | speed-up |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        factors = [rng.standard_normal(p) for p in butterfly_patterns(n, n)]
        for dtype in (np.float64, np.float32, np.complex128):
            fs = [f.astype(dtype) for f in factors]
            if np.dtype(dtype).kind == "c":
                fs = [f + 1j * rng.standard_normal(f.shape) for f in fs]
            B = ButterflyMatrix(fs)
            A = np.ascontiguousarray(B.toarray())
            X = rng.standard_normal((n_vectors, n)).astype(dtype)
            x = X[0].copy()
            np.testing.assert_allclose(B.apply_rows(X[:3]), X[:3] @ A.T, rtol=1e-3, atol=1e-3)
            tb = wall_median(lambda B=B, X=X: B.apply_rows(X), 5)
            td = wall_median(lambda A=A, X=X: X @ A.T, 5)
            number = 200 if n <= 1024 else 50
            vb = wall_median(lambda B=B, x=x: B @ x, 5, number)
            vd = wall_median(lambda A=A, x=x: A @ x, 5, number)
            faust = "not installed"
            if pyfaust is not None:
                try:  # pyfaust's own product on the same factors, columns layout
                    F = pyfaust.Faust([sp.csr_matrix(f) for f in B.to_sparse_factors()])
                    XT = np.ascontiguousarray(X.T)
                    tf = wall_median(lambda F=F, XT=XT: F @ XT, 5)
                    faust = f"{tf * 1e3:.2f} ms (ours ×{tf / tb:.1f})"
                except (ValueError, TypeError) as exc:
                    faust = f"failed: {type(exc).__name__}"
            print(
                f"| {n} | {np.dtype(dtype).name} | {tb * 1e3:.2f} ms | {td * 1e3:.2f} ms | "
                f"×{td / tb:.1f} | {faust} | {vb * 1e6:.1f} µs | {vd * 1e6:.1f} µs "
                f"| ×{vd / vb:.1f} |",
                flush=True,
            )


def bench_general_sizes(rng, repeats, n_vectors=1000):
    print("\n## Non-power-of-two sizes (exact butterflies of the 'auto' architecture)\n")
    print(
        "| shape | factors | params (% dense) | factorize | error "
        "| 1000 vectors: butterfly | dense | speed-up |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for shape in [(1000, 1000), (48, 80), (768, 1536)]:
        pats = butterfly_patterns(*shape)
        B0 = ButterflyMatrix([rng.standard_normal(p) for p in pats])
        A = B0.toarray()
        t, B = cpu_median(lambda A=A: butterfly_factorize(A), repeats)
        X = rng.standard_normal((n_vectors, shape[1]))
        tb = wall_median(lambda B=B, X=X: B.apply_rows(X), 5)
        td = wall_median(lambda A=A, X=X: X @ A.T, 5)
        print(
            f"| {shape[0]}×{shape[1]} | {len(pats)} | {B.n_params} "
            f"({100 / B.compression_ratio:.1f}%) "
            f"| {t:.3f} s | {rel(A, B.toarray()):.1e} | {tb * 1e3:.2f} ms | {td * 1e3:.2f} ms "
            f"| ×{td / tb:.1f} |",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--sections",
        nargs="+",
        default=["factorization", "products", "sizes"],
        choices=["factorization", "products", "sizes"],
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1):
        t = time.perf_counter()
        from skfrugal.butterfly._warmup import warm_up

        warm_up()
        print(f"numba warm-up (compile or cache load): {time.perf_counter() - t:.2f} s")
        if "factorization" in args.sections:
            bench_factorization(args.sizes, args.repeats, rng)
        if "products" in args.sections:
            bench_products(args.sizes, rng)
        if "sizes" in args.sections:
            bench_general_sizes(rng, args.repeats)


if __name__ == "__main__":
    main()
