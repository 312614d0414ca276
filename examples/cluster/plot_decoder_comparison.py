"""
===================================================
Sketch and shift versus CL-OMPR across sketch sizes
===================================================

Both decoders read the same sketches of mixtures of ``K = 4`` unit Gaussian clusters in
dimension ``d = 4`` (centres ``~ N(0, 1.5² K^{2/d} I)``, the benchmark of Keriven et al.),
for sketch sizes from ``m = K d`` to ``10 K d``. A decoding succeeds when its k-means
cost is within 2% of ``KMeans(n_init=10)`` on the full data.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans

from skfrugal.cluster import CompressiveKMeans
from skfrugal.datasets import make_gmm
from skfrugal.metrics import sse_ratio

K = d = 4
factors = [1, 2, 5, 10]
seeds = range(3)
success = {"sketch_and_shift": np.zeros(len(factors)), "cl_ompr": np.zeros(len(factors))}
start = time.perf_counter()
for seed in seeds:
    X, *_ = make_gmm(10_000, d, K, random_state=seed)
    ref = KMeans(K, n_init=10, random_state=seed).fit(X)
    for i, f in enumerate(factors):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # small sketches warn
            sketch = CompressiveKMeans(K, sketch_size=f * K * d, random_state=seed).fit(X)
            for decoder in success:
                est = CompressiveKMeans(K, decoder=decoder, random_state=seed)
                est.fit_sketch(sketch.sketch_)
                ok = sse_ratio(X, est.cluster_centers_, ref.cluster_centers_) <= 1.02
                success[decoder][i] += ok / len(seeds)
print(f"{len(seeds) * len(factors)} sketches decoded twice in {time.perf_counter() - start:.0f} s")
for decoder, rate in success.items():
    print(f"{decoder:>16}: success rate {np.round(rate, 2)} at m/(Kd) = {factors}")

fig, ax = plt.subplots(figsize=(6, 4))
for decoder, rate in success.items():
    ax.plot(factors, rate, "o-", label=decoder)
ax.set_xscale("log")
ax.set_xticks(factors, [str(f) for f in factors])
ax.set_xlabel("sketch size m / (K d)")
ax.set_ylabel("success rate (SSE within 2% of KMeans)")
ax.set_ylim(-0.05, 1.05)
ax.legend()
fig.tight_layout()
plt.show()
