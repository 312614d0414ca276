"""
=======================================================
Butterfly versus Gaussian random projection in pipeline
=======================================================

:class:`~skfrugal.butterfly.ButterflyRandomProjection` is a drop-in for
:class:`~sklearn.random_projection.GaussianRandomProjection`: random signs, an orthogonal
butterfly with flat entries (a randomised Walsh-Hadamard transform) and a subset of
rows. It distorts pairwise distances as little as the Gaussian projection at the same
number of components, and its cost grows as ``n log n`` instead of ``n k``: it gets faster
than the dense Gaussian product once ``k`` is a few hundred and ``n`` a few thousand
(dense BLAS runs many more flops per second than the sparse factors), and it never
stores the ``k × n`` matrix.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.spatial.distance import pdist
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.random_projection import GaussianRandomProjection

from skfrugal.butterfly import ButterflyRandomProjection

rng = np.random.default_rng(0)
k = 512
sizes = [1024, 2048, 4096]
rows = []
for n in sizes:
    X = rng.standard_normal((300, n))
    sub = X[:100]
    for name, proj in (
        ("butterfly", ButterflyRandomProjection(n_components=k, random_state=0)),
        ("gaussian", GaussianRandomProjection(n_components=k, random_state=0)),
    ):
        proj.fit(X)
        proj.transform(X[:2])  # load the compiled kernels before timing
        start = time.perf_counter()
        proj.transform(X)
        elapsed = time.perf_counter() - start
        distortion = np.abs(pdist(proj.transform(sub)) / pdist(sub) - 1).mean()
        rows.append((name, n, elapsed, distortion))
        print(f"{name:9s} n={n:5d}  {elapsed * 1e3:7.1f} ms  mean distortion {distortion:.3f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
for name in ("butterfly", "gaussian"):
    pts = [(n, t, d) for m, n, t, d in rows if m == name]
    ns, ts, ds = zip(*pts)
    ax1.plot(ns, np.array(ts) * 1e3, "o-", label=name)
    ax2.plot(ns, ds, "o-", label=name)
ax1.set_xscale("log", base=2)
ax1.set_xlabel("n features")
ax1.set_ylabel("transform time of 300 samples (ms)")
ax2.set_xscale("log", base=2)
ax2.set_xlabel("n features")
ax2.set_ylabel(f"mean |distance ratio - 1| (k = {k})")
ax1.legend()
plt.tight_layout()
plt.show()

# %%
# In a pipeline
# -------------
# Either projection feeds a classifier the same way.
X, y = load_digits(return_X_y=True)
X = X / 16.0
for proj in (
    ButterflyRandomProjection(n_components=32, random_state=0),
    GaussianRandomProjection(n_components=32, random_state=0),
):
    pipe = make_pipeline(proj, LogisticRegression(max_iter=1000))
    print(type(proj).__name__, cross_val_score(pipe, X, y, cv=3).mean().round(3))
