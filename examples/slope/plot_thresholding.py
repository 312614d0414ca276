"""
Thresholding functions of the sorted penalties
==============================================

For one coordinate (``p = 1``) the proximal operator of a sorted penalty is the
proximal operator of its scalar penalty: the *thresholding function*. L1 gives soft
thresholding (a constant shrinkage of large inputs); MCP and SCAD are continuous and
leave large inputs untouched; log-sum shrinks large inputs less and less; l_q (here
q = 1/2, half thresholding) jumps from 0 to a positive value.

The second panel shows the sorted effect in two dimensions: the prox of the sorted L1
norm maps a whole region of inputs with nearly equal magnitudes onto the diagonal
(``|u_1| = |u_2|``: a cluster), which plain L1 does not.
"""

import matplotlib.pyplot as plt
import numpy as np

from skfrugal.proximal import prox_sorted

grid = np.linspace(-4, 4, 801)
settings = {
    "L1": ("l1", {}),
    "MCP (gamma=2)": ("mcp", {"gamma": 2.0}),
    "SCAD (a=3.7)": ("scad", {"a": 3.7}),
    "log-sum (log_eps=1.5)": ("log", {"log_eps": 1.5}),
    "l_1/2": ("lq", {"q": 0.5}),
}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.8))
for name, (penalty, kw) in settings.items():
    out = [prox_sorted([v], [1.0], penalty, 1.0, **kw)[0] for v in grid]
    ax1.plot(grid, out, label=name)
ax1.plot(grid, grid, color="0.7", lw=0.8, ls="--")
ax1.set_xlabel("input")
ax1.set_ylabel("prox (lambda = 1, step = 1)")
ax1.set_title("scalar thresholding functions")
ax1.legend(fontsize=8)

# two-dimensional sorted L1 prox: where do inputs go?
rng = np.random.default_rng(0)
pts = rng.uniform(-4, 4, size=(600, 2))
lam = np.array([1.5, 0.5])
mapped = np.array([prox_sorted(v, lam) for v in pts])
on_diag = np.isclose(np.abs(mapped[:, 0]), np.abs(mapped[:, 1])) & (mapped != 0).all(1)
ax2.scatter(pts[:, 0], pts[:, 1], s=6, c=np.where(on_diag, "C3", "C0"))
ax2.scatter(mapped[:, 0], mapped[:, 1], s=6, c="k")
ax2.set_aspect("equal")
ax2.set_title("sorted L1 prox, lambda = (1.5, 0.5): inputs (red: clustered)\n"
              "and outputs (black)", fontsize=10)
fig.tight_layout()
plt.show()
