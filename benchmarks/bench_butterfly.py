"""Butterfly factorization and products: skfrugal against pyfaust, lazylinop and dense BLAS.

Run:  python benchmarks/bench_butterfly.py [--sizes 256 1024 4096] [--repeats 3]
          [--sections factorization products sizes balanced deformable permutations
           quantization]

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

from scipy.fft import dct  # noqa: E402

from skfrugal.butterfly import (  # noqa: E402
    ButterflyMatrix,
    bit_reversal_permutation,
    butterfly_factorize,
    butterfly_patterns,
    quantize_butterfly,
)
from skfrugal.butterfly._quantize import _dense_product, _Format, _quantize  # noqa: E402


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


def _pyfaust():
    try:
        import pyfaust.fact as pf
    except ImportError:
        print("pyfaust not installed: its columns are skipped")
        return None
    return pf


def _cell(fn, A, reps=1):
    """``time / error`` of ``fn(A)`` (a dense approximation), or why it failed."""
    try:
        t, D = cpu_median(lambda: fn(A), reps)
    except Exception as exc:  # a reference that cannot handle the input
        return f"failed: {type(exc).__name__}", None
    return f"{t:.3f} s / {rel(A, D):.1e}", t


def zero_block_butterfly(n, rng, zero_fraction=0.3):
    factors = []
    for p in butterfly_patterns(n, n):
        f = rng.standard_normal(p)
        f[rng.random(p) < zero_fraction] = 0.0
        factors.append(f)
    return ButterflyMatrix(factors).toarray()


def bench_balanced(rng, repeats):
    """Exact butterflies with zero blocks and noisy ones, both orders, against pyfaust."""
    pf = _pyfaust()
    print("\n## Balanced order: exact butterflies with zero blocks, noisy butterflies\n")
    print("CPU s / relative error; pyfaust fdb with log2 factors, rank 1, orthonormalized.\n")
    corner = np.zeros((8, 8))
    corner[:5, :5] = 1.0
    n = 1024
    noisy = ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(n, n)]).toarray()
    noise = rng.standard_normal(noisy.shape)
    noise *= 0.01 * np.linalg.norm(noisy) / np.linalg.norm(noise)
    cases = [
        ("8×8, ones in 5×5", corner, False),
        ("7×11 ones (ours padded)", np.ones((7, 11)), True),
        ("97×101 ones (ours padded)", np.ones((97, 101)), True),
        ("256, 30% zero entries", zero_block_butterfly(256, rng), False),
        ("1024, 30% zero entries", zero_block_butterfly(1024, rng), False),
        ("1024, butterfly + 1% noise", noisy + noise, False),
    ]
    methods = {
        "skfrugal l2r": lambda A, pad: butterfly_factorize(A, pad=pad).toarray(),
        "skfrugal balanced": lambda A, pad: butterfly_factorize(
            A, pad=pad, order="balanced"
        ).toarray(),
    }
    if pf is not None:
        def fdb(order):
            return lambda A, pad: pf.fdb(
                A,
                n_factors=max(2, int(np.log2(max(A.shape)))),
                rank=1,
                orthonormalize=True,
                hierarchical_order=order,
            ).toarray()

        methods["pyfaust fdb l2r"] = fdb("left-to-right")
        methods["pyfaust fdb balanced"] = fdb("balanced")
        methods["pyfaust bbtree"] = lambda A, pad: pf.butterfly(A, type="bbtree").toarray()
    names = list(methods)
    print("| matrix | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, A, pad in cases:
        reps = repeats if A.shape[0] <= 256 else 1
        cells = [_cell(lambda X, m=m, p=pad: methods[m](X, p), A, reps)[0] for m in names]
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    L = int(np.log2(n))
    bound = np.sqrt(L - 1) * np.linalg.norm(noise) / np.linalg.norm(noisy + noise)
    print(f"\nbound sqrt(L - 1) × noise level for the noisy case: {bound:.2e}")


def bench_deformable(rng, repeats):
    """Deformable chains (any sizes, n_factors) against pyfaust's fdb."""
    pf = _pyfaust()
    print("\n## Deformable butterflies: exact deformable butterflies + 1% noise\n")
    print(
        "Our chain: the monotone chain with the fewest parameters (fewest diagonal factors "
        "first); pyfaust fdb: its own smallest monotone chain. CPU s / relative error "
        "(noise level ≈ 1e-2).\n"
    )
    print(
        "| shape | n_factors | rank | params ours | params fdb | skfrugal | pyfaust fdb "
        "| ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for shape, n_factors, rank in [
        ((2, 2), 2, 1),
        ((97, 101), 3, 1),
        ((48, 80), 3, 2),
        ((360, 240), 5, 1),
        ((1000, 1000), 3, 1),
        ((1024, 1024), 4, 2),
    ]:
        kw = {"architecture": "deformable", "n_factors": n_factors, "rank": rank}
        pats = butterfly_patterns(*shape, **kw)
        A = ButterflyMatrix([rng.standard_normal(p) for p in pats]).toarray()
        noise = rng.standard_normal(shape)
        A += 0.01 * np.linalg.norm(A) / np.linalg.norm(noise) * noise
        t, B = cpu_median(lambda A=A, kw=kw: butterfly_factorize(A, **kw), repeats)
        ours = f"{t:.3f} s / {rel(A, B.toarray()):.2e}"
        theirs, params, ratio = "not installed", "", ""
        if pf is not None:
            try:
                tf, F = cpu_median(
                    lambda A=A, k=n_factors, r=rank: pf.fdb(
                        A, n_factors=k, rank=r, orthonormalize=True
                    ),
                    repeats,
                )
                theirs = f"{tf:.3f} s / {rel(A, F.toarray()):.2e}"
                params = str(int(F.nnz_sum()))
                ratio = f"×{tf / t:.1f}"
            except Exception as exc:
                theirs = f"failed: {type(exc).__name__}"
        print(
            f"| {shape[0]}×{shape[1]} | {n_factors} | {rank} | {B.n_params} | {params} "
            f"| {ours} | {theirs} | {ratio} |",
            flush=True,
        )


def bench_permutations(sizes, rng):
    """Unknown row and column permutations: permutation='search' against pyfaust."""
    pf = _pyfaust()
    print("\n## Unknown permutations: rows and columns shuffled at random\n")
    print(
        "skfrugal permutation='search' (CPU s / error) against the fit of the unshuffled "
        "matrix; pyfaust butterfly(bbtree, perm='default_8') tries 8 fixed permutations.\n"
    )
    print("| n | matrix | search | unshuffled fit | error ratio | pyfaust default_8 |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        B0 = ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(n, n)]).toarray()
        noise = rng.standard_normal((n, n))
        mats = {
            "DFT": np.fft.fft(np.eye(n)),
            "Hadamard": hadamard(n).astype(float),
            "butterfly + 1% noise": B0 + 0.01 * np.linalg.norm(B0) / np.linalg.norm(noise) * noise,
        }
        for name, A in mats.items():
            base_perm = (None, bit_reversal_permutation(n)) if name == "DFT" else None
            base = butterfly_factorize(A, permutation=base_perm).relative_error
            S = A[np.ix_(rng.permutation(n), rng.permutation(n))]
            t, B = cpu_median(lambda S=S: butterfly_factorize(S, permutation="search"), 1)
            err = rel(S, B.toarray())
            ratio = err / base if base > 1e-12 else float("nan")
            theirs = "not installed"
            if pf is not None:
                theirs = _cell(
                    lambda X: pf.butterfly(X, type="bbtree", perm="default_8").toarray(), S
                )[0]
            print(
                f"| {n} | {name} | {t:.2f} s / {err:.1e} | {base:.1e} "
                f"| {'exact' if base <= 1e-12 and err <= 1e-12 else f'{ratio:.3f}'} | {theirs} |",
                flush=True,
            )


def _error(B, fmt, method):
    values, scales, _, target = _quantize(B, fmt, method)
    residual = target - _dense_product(values, scales, method)
    return float(np.linalg.norm(residual) / np.linalg.norm(target))


def bench_quantization(sizes, rng):
    """Error against bits: rounding the factors against the optimal rank-one scalings."""
    print("\n## Quantized factors: relative error against the number of fraction bits\n")
    print(
        "naive: each factor rounded as it is; scaled: quantize_butterfly (optimal scalings "
        "with refits). Floats with t fraction bits are emulated (float16: t = 10, bfloat16: "
        "t = 7, stored for real by quantize_butterfly); int8: integer codes (one max-abs "
        "scale per factor for naive, one per row of the last factor for scaled). pyfaust "
        "has no quantization. gain = log2(naive / scaled): bits saved at equal error.\n"
    )
    print("| n | matrix | format | naive | scaled | ratio | gain (bits) |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        F = np.ascontiguousarray(np.fft.fft(np.eye(n), norm="ortho").real)
        B0 = ButterflyMatrix([rng.standard_normal(p) for p in butterfly_patterns(n, n)]).toarray()
        noise = rng.standard_normal((n, n))
        noisy = B0 + 0.01 * np.linalg.norm(B0) / np.linalg.norm(noise) * noise
        mats = {
            "DCT-II (rank 4)": butterfly_factorize(
                dct(np.eye(n), norm="ortho", axis=0), rank=4, permutation="auto"
            ),
            "DFT real part (rank 2)": butterfly_factorize(F, rank=2),
            "fit of butterfly + 1% noise": butterfly_factorize(noisy),
        }
        for name, B in mats.items():
            formats = [(f"float t={t}", _Format("float", t)) for t in (3, 5, 7, 10)]
            formats.append(("int8", _Format("int", 8)))
            for label, fmt in formats:
                naive, scaled = _error(B, fmt, "naive"), _error(B, fmt, "scaled")
                print(
                    f"| {n} | {name} | {label} | {naive:.2e} | {scaled:.2e} "
                    f"| ×{naive / scaled:.2f} | {np.log2(naive / scaled):.2f} |",
                    flush=True,
                )
        B = mats["fit of butterfly + 1% noise"]
        for dtype in ("float16", "bfloat16", "int8"):
            t = time.perf_counter()
            Q = quantize_butterfly(B, dtype)
            t = time.perf_counter() - t
            print(
                f"| {n} | stored {dtype}: {Q.nbytes} bytes vs {8 * B.n_params} in float64, "
                f"{Q.bits_per_parameter:.1f} bits/value, quantized in {t:.2f} s | | | | | |"
            )


SECTIONS = [
    "factorization",
    "products",
    "sizes",
    "balanced",
    "deformable",
    "permutations",
    "quantization",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--sections",
        nargs="+",
        default=SECTIONS,
        choices=SECTIONS,
    )
    parser.add_argument(
        "--permutation-sizes", type=int, nargs="+", default=[256, 512, 1024]
    )
    parser.add_argument("--quantization-sizes", type=int, nargs="+", default=[256, 1024])
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
        if "balanced" in args.sections:
            bench_balanced(rng, args.repeats)
        if "deformable" in args.sections:
            bench_deformable(rng, args.repeats)
        if "permutations" in args.sections:
            bench_permutations(args.permutation_sizes, rng)
        if "quantization" in args.sections:
            bench_quantization(args.quantization_sizes, rng)


if __name__ == "__main__":
    main()
