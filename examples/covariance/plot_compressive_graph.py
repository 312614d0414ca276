"""
Recovering a graph from a compressed sketch
===========================================

A sparse Gaussian graphical model with ``p = 30`` variables is sampled, the samples
are reduced to a :class:`~skfrugal.covariance.CovarianceSketcher` sketch of ``m``
rank-one projections, and :class:`~skfrugal.covariance.CompressiveGraphicalLasso`
decodes the precision matrix. We compare, at each memory budget, with the graphical
lasso on a raw subsample that fits in the same memory (``m / p`` rows), and with the
full-data graphical lasso. ``alpha`` is the best of a small grid for each method
(an oracle choice; see :class:`~skfrugal.covariance.CompressiveGraphicalLassoCV` for
a data-driven one).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

from skfrugal.covariance import CompressiveGraphicalLasso, graphical_lasso
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
from skfrugal.metrics import edge_f1_score

warnings.simplefilter("ignore")
p, n = 30, 2000
precision = make_sparse_precision(p, n_edges=40, random_state=0)
X = sample_gaussian_graph(n, precision, random_state=1)
full_size = p * (p + 1) // 2
alphas = (0.1, 0.2, 0.3)


def best_fit(fit):
    fits = [(edge_f1_score(precision, theta, threshold=1e-6), theta)
            for theta in map(fit, alphas)]
    return max(fits, key=lambda t: t[0])


f1_full, theta_full = best_fit(lambda a: graphical_lasso(np.cov(X.T, bias=True), a)[1])

ratios = [0.1, 0.25, 0.5, 1.0, 2.0]
f1_sketch, f1_sub, estimates = [], [], {}
for r in ratios:
    m = int(r * full_size)
    f1, theta = best_fit(lambda a, m=m: CompressiveGraphicalLasso(
        alpha=a, sketch_size=m, tol=1e-3, max_iter=50, random_state=0).fit(X).precision_)
    f1_sketch.append(f1)
    estimates[r] = theta
    sub = X[: max(2, m // p)]
    f1_sub.append(best_fit(lambda a, sub=sub: graphical_lasso(
        np.cov(sub.T, bias=True), a)[1])[0])

# %%
# True and estimated adjacency matrices
# -------------------------------------
fig, axes = plt.subplots(1, 4, figsize=(12, 3.6), layout="constrained")
shown = [("true graph", precision), ("full data", theta_full),
         (f"sketch, m = {int(0.5 * full_size)}", estimates[0.5]),
         (f"sketch, m = {int(2 * full_size)}", estimates[2.0])]
for ax, (title, theta) in zip(axes, shown):
    ax.imshow(np.abs(theta) > 1e-6, cmap="Greys", interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])

# %%
# Edge F1 against the memory budget
# ---------------------------------
fig, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
ax.plot(ratios, f1_sketch, "o-", label="compressive (sketch of all rows)")
ax.plot(ratios, f1_sub, "s--", label="glasso on a memory-matched subsample")
ax.axhline(f1_full, color="k", lw=1, label="full-data glasso")
ax.set_xscale("log")
ax.set_xlabel("memory m / (p(p+1)/2)")
ax.set_ylabel("edge F1 (oracle alpha)")
ax.set_ylim(0, 1.05)
ax.legend(loc="lower right")
plt.show()
print("F1 sketch:", np.round(f1_sketch, 2), "subsample:", np.round(f1_sub, 2),
      f"full data: {f1_full:.2f}")
