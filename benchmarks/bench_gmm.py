"""Compressive Gaussian mixtures against EM (scikit-learn's GaussianMixture).

Synthetic diagonal GMMs (``make_gmm(variances="diag", weights="dirichlet")``, d=10),
K in {5, 10}, n in {1e5, 1e6}, several seeds. For each run: the held-out mean
log-likelihood of the compressive model minus EM's (``GaussianMixture(covariance_type=
"diag", n_init=1)``, positive when we are better), the mixture-Wasserstein distance
MW2 of each model to the true one, the time of the sketch pass, of the decoding and of
EM's fit, and the memory of what the decoder sees (sketch + frequencies) against the
data's. One table per decoder, medians over seeds (min/max of the log-likelihood gap).

BLAS is pinned to one thread; numba (sketching kernels) is warmed first. Usage::

    python benchmarks/bench_gmm.py                       # the full grid (slow)
    python benchmarks/bench_gmm.py --n 100000 --seeds 3  # a part of it
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import time

import numpy as np
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from skfrugal.datasets import make_gmm
from skfrugal.metrics import gmm_log_likelihood, mixture_wasserstein
from skfrugal.mixture import CompressiveGaussianMixture
from skfrugal.sketching import FourierSketcher
from skfrugal.utils import warm_up

N_TEST = 20_000


def run_one(n, K, d, seed, decoders):
    X, _, centers, variances, weights = make_gmm(
        n + N_TEST, d, K, variances="diag", weights="dirichlet", random_state=seed)
    X_train, X_test = X[:n], X[n:]
    start = time.perf_counter()
    em = GaussianMixture(K, covariance_type="diag", n_init=1, random_state=seed).fit(X_train)
    t_em = time.perf_counter() - start
    ll_em = gmm_log_likelihood(X_test, em.weights_, em.means_, em.covariances_)
    mw_em = mixture_wasserstein(weights, centers, variances, em.weights_, em.means_,
                                em.covariances_)
    start = time.perf_counter()
    sketcher = FourierSketcher(5 * (2 * d + 1) * K, random_state=seed).fit(X_train)
    sketch = sketcher.sketch(X_train)
    t_sketch = time.perf_counter() - start
    rows = {}
    for decoder in decoders:
        start = time.perf_counter()
        gmm = CompressiveGaussianMixture(K, decoder=decoder, random_state=seed)
        gmm.fit_sketch(sketch)
        t_dec = time.perf_counter() - start
        ll = gmm_log_likelihood(X_test, gmm.weights_, gmm.means_, gmm.covariances_)
        mw = mixture_wasserstein(weights, centers, variances, gmm.weights_, gmm.means_,
                                 gmm.covariances_)
        rows[decoder] = dict(gap=ll - ll_em, mw=mw, mw_em=mw_em, t_sketch=t_sketch,
                             t_dec=t_dec, t_em=t_em,
                             kb=(sketch.nbytes + sketcher.frequencies_.nbytes) / 1024,
                             data_kb=X_train.nbytes / 1024)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--K", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--decoders", default="sketch_and_shift,cl_ompr,split")
    args = parser.parse_args()
    decoders = args.decoders.split(",")
    start = time.perf_counter()
    warm_up()
    print(f"numba warm-up (compile or cache load): {time.perf_counter() - start:.1f} s")
    results = {dec: [] for dec in decoders}
    with threadpool_limits(1):
        for K in args.K:
            for n in args.n:
                runs = [run_one(n, K, args.d, seed, decoders) for seed in range(args.seeds)]
                for dec in decoders:
                    results[dec].append((K, n, [r[dec] for r in runs]))
    for dec in decoders:
        print(f"\ndecoder={dec!r}, d={args.d}, m=5(2d+1)K, {args.seeds} seeds "
              f"(medians; ΔLL = held-out nat/sample, ours - EM)")
        header = (f"{'K':>3} {'n':>9} | {'ΔLL med':>8} {'ΔLL min':>8} {'ΔLL max':>8} "
                  f"{'≥-0.02':>6} | {'MW ours':>7} {'MW EM':>7} | {'sketch s':>8} "
                  f"{'decode s':>8} {'EM s':>7} {'EM/ours':>7} | {'sketch KB':>9} "
                  f"{'data KB':>9}")
        print(header)
        print("-" * len(header))
        for K, n, rows in results[dec]:
            gap = np.array([r["gap"] for r in rows])

            def med(key, rows=rows):
                return float(np.median([r[key] for r in rows]))

            ours = med("t_sketch") + med("t_dec")
            print(f"{K:>3} {n:>9} | {np.median(gap):>+8.3f} {gap.min():>+8.3f} "
                  f"{gap.max():>+8.3f} {int(np.sum(gap >= -0.02)):>3}/{len(gap):<2} | "
                  f"{med('mw'):>7.3f} {med('mw_em'):>7.3f} | {med('t_sketch'):>8.2f} "
                  f"{med('t_dec'):>8.2f} {med('t_em'):>7.2f} {med('t_em') / ours:>7.2f} | "
                  f"{med('kb'):>9.0f} {med('data_kb'):>9.0f}")


if __name__ == "__main__":
    main()
