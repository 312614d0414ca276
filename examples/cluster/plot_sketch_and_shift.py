"""
==========================================
Sketch and shift: k-means from a sketch
==========================================

A data set of 20,000 points in 2-D is summarised by a sketch of 100 complex numbers.
The sketch gives the kernel density of the data for free (a Fourier series), and its
gradient: :func:`~skfrugal.decoding.sketch_and_shift` climbs that density with mean
shift from many starting points, keeps ``K`` of the modes and fits Gaussian clusters to
the sketch. Below: the data, the density computed from the sketch alone, the mean-shift
trajectories and the recovered centroids.
"""

import matplotlib.pyplot as plt
import numpy as np

from skfrugal.cluster import (
    CompressiveKMeans,
    correlation_and_gradient,
    gaussian_kernel_weights,
    mean_shift,
)
from skfrugal.datasets import make_gmm

X, labels, centers, _, _ = make_gmm(20_000, 2, 5, separation=2.5, random_state=1)
km = CompressiveKMeans(n_clusters=5, random_state=0).fit(X)
print(f"sketch of {km.sketch_.mean.size} complex numbers for {X.shape[0]} x 2 data; "
      f"relative residual {km.decoder_cost_:.1e}")

# %%
# The density seen through the sketch
# -----------------------------------
# In the operator's standardised coordinates, ``f(c) = Σ_j w_j Re(exp(iω_jᵀc) z_j)``
# with weights that make the kernel Gaussian.
op = km.sketcher_
z, omega = km.sketch_.mean, op.frequencies_
w, h2 = gaussian_kernel_weights(omega)
grid_x, grid_y = np.meshgrid(np.linspace(X[:, 0].min(), X[:, 0].max(), 120),
                             np.linspace(X[:, 1].min(), X[:, 1].max(), 120))
grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
density, _ = correlation_and_gradient((grid - op.mean_) / op.std_, z * w, omega)

# %%
# Mean-shift trajectories, one step at a time
# -------------------------------------------
rng = np.random.default_rng(0)
points = rng.standard_normal((40, 2))  # starts drawn from N(mean, var) of the data
lower, upper = (X.min(axis=0) - op.mean_) / op.std_, (X.max(axis=0) - op.mean_) / op.std_
path = [points]
for _ in range(15):
    points, _, _ = mean_shift(points, z, omega, kernel=(w, h2), max_iter=1,
                              lower=lower, upper=upper)
    path.append(points)
path = np.array(path) * op.std_ + op.mean_

fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
axes[0].scatter(X[::10, 0], X[::10, 1], s=2, c=labels[::10], cmap="tab10", alpha=0.5)
axes[0].set_title("data (1 point in 10)")
axes[1].contourf(grid_x, grid_y, density.reshape(grid_x.shape), levels=20, cmap="Greys")
for k in range(path.shape[1]):
    axes[1].plot(path[:, k, 0], path[:, k, 1], "-", color="tab:blue", lw=0.8)
axes[1].plot(path[0, :, 0], path[0, :, 1], ".", color="tab:blue", label="starts")
for ax in axes:
    ax.plot(centers[:, 0], centers[:, 1], "k+", ms=14, mew=2, label="true centres")
    ax.plot(*km.cluster_centers_.T, "rx", ms=10, mew=2, label="decoded centroids")
axes[1].set_title("density from the sketch, mean-shift paths")
axes[1].legend(loc="lower right")
fig.tight_layout()
plt.show()
