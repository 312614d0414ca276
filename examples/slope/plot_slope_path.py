"""
The SLOPE regularisation path
=============================

:func:`~skfrugal.linear_model.slope_path` solves SLOPE for a decreasing grid of
``alpha``, from ``alpha_max`` (the smallest value with an all-zero solution, given by the
dual sorted L1 norm) down, each solve warm-started from the previous one and restricted
to the features predicted active by the strong screening rule (checked against the
optimality conditions, so the path is exact). Coefficients enter in clusters and
clusters split as ``alpha`` decreases.
"""

import matplotlib.pyplot as plt
import numpy as np

from skfrugal.datasets import make_correlated_regression
from skfrugal.linear_model import slope_path

X, y, coef = make_correlated_regression(
    150, 40, 9, rho=0.8, noise=0.5, support="groups", random_state=0
)
path = slope_path(X, y, n_alphas=60, alpha_min_ratio=1e-3)

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 7), sharex=True,
                               gridspec_kw={"height_ratios": [3, 1]})
for j in range(X.shape[1]):
    style = "-" if coef[j] != 0 else ":"
    ax1.plot(path.alphas, path.coefs[j], style, lw=1.5 if coef[j] else 0.8)
ax1.set_xscale("log")
ax1.set_ylabel("coefficient")
ax1.set_title("SLOPE path (solid: true non-zeros)")
ax2.step(path.alphas, path.n_clusters, where="post", label="clusters")
ax2.step(path.alphas, (path.coefs != 0).sum(0), where="post", label="non-zeros")
ax2.set_xscale("log")
ax2.set_xlabel("alpha")
ax2.legend()
ax1.invert_xaxis()
fig.tight_layout()
plt.show()

print(f"alpha_max = {path.alphas[0]:.4f}; max duality gap on the path: "
      f"{np.nanmax(path.dual_gaps):.1e}")
