"""
Choosing the penalty, penalty matrices and non-convex penalties
===============================================================

The full-data :class:`~skfrugal.covariance.GraphicalLasso` goes beyond
:class:`sklearn.covariance.GraphicalLasso` in three ways, shown here on a sparse
Gaussian graph with ``p = 30`` variables and 30 edges:

1. ``alpha`` chosen by cross-validated likelihood
   (:class:`~skfrugal.covariance.GraphicalLassoCV`, scikit-learn's interface and
   selection rule) or by the extended BIC
   (:class:`~skfrugal.covariance.GraphicalLassoEBIC`): the likelihood rewards
   prediction and keeps many small spurious edges, EBIC targets the graph;
2. the concave MCP penalty (``penalty="mcp"``, by local linear approximation) does not
   shrink large entries: less bias than the ℓ1 penalty at the same ``alpha``;
3. a penalty matrix (one weight per entry): an infinite weight forbids an edge, a
   zero weight leaves it unpenalised.
"""

import matplotlib.pyplot as plt
import numpy as np

from skfrugal.covariance import GraphicalLasso, GraphicalLassoCV, GraphicalLassoEBIC
from skfrugal.datasets import make_sparse_precision, sample_gaussian_graph
from skfrugal.metrics import edge_f1_score

p, n = 30, 500
precision = make_sparse_precision(p, n_edges=30, random_state=0)
X = sample_gaussian_graph(n, precision, random_state=1)

# %%
# Cross-validation against the extended BIC
# -----------------------------------------
cv = GraphicalLassoCV().fit(X)
ebic = GraphicalLassoEBIC(alphas=20).fit(X)
for name, model in (("CV", cv), ("EBIC", ebic)):
    edges = np.count_nonzero(np.triu(model.precision_, 1))
    f1 = edge_f1_score(precision, model.precision_, threshold=1e-8)
    print(f"{name:5s} alpha = {model.alpha_:.3f}: {edges} edges (true: 30), edge F1 {f1:.2f}")

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
ax = axes[0]
order = np.argsort(cv.cv_results_["alphas"][:-1])
ax.semilogx(cv.cv_results_["alphas"][:-1][order],
            cv.cv_results_["mean_test_score"][:-1][order], "o-", label="CV log-likelihood")
ax.axvline(cv.alpha_, color="C0", ls=":")
ax.set_xlabel("alpha")
ax.set_ylabel("mean held-out log-likelihood")
ax2 = ax.twinx()
ax2.semilogx(ebic.alphas_, ebic.criterion_, "s-", color="C1", label="EBIC")
ax2.axvline(ebic.alpha_, color="C1", ls=":")
ax2.set_ylabel("EBIC (lower is better)")
ax.set_title("Choosing alpha")
fig.legend(loc="lower left", bbox_to_anchor=(0.06, 0.15), fontsize=8)

# %%
# MCP against ℓ1 at the same alpha
# --------------------------------
# On the true edges, ℓ1 shrinks every estimate towards zero; MCP leaves the large ones
# (beyond ``gamma * alpha`` in correlation units) unpenalised.
alpha = ebic.alpha_
l1 = GraphicalLasso(alpha=alpha).fit(X)
mcp = GraphicalLasso(alpha=alpha, penalty="mcp").fit(X)
edges = np.triu(precision, 1) != 0
ax = axes[1]
ax.plot(precision[edges], l1.precision_[edges], "o", ms=4, label="ℓ1")
ax.plot(precision[edges], mcp.precision_[edges], "s", ms=4, label="MCP")
lim = np.abs(precision[edges]).max() * 1.1
ax.plot([-lim, lim], [-lim, lim], "k:", lw=1)
ax.set_xlabel("true precision entry")
ax.set_ylabel("estimate")
ax.set_title(f"True edges at alpha = {alpha:.2f}")
ax.legend(fontsize=8)
for name, model in (("l1", l1), ("mcp", mcp)):
    bias = np.mean(np.abs(model.precision_[edges]) - np.abs(precision[edges]))
    print(f"{name}: mean shrinkage on the true edges {bias:+.3f}, "
          f"Frobenius error {np.linalg.norm(model.precision_ - precision):.2f}")

# %%
# A penalty matrix: forbidding the edges between two groups
# ---------------------------------------------------------
weights = np.full((p, p), alpha)
np.fill_diagonal(weights, 0.0)
weights[:15, 15:] = weights[15:, :15] = np.inf
constrained = GraphicalLasso(alpha=weights).fit(X)
print("edges between the groups:", np.count_nonzero(constrained.precision_[:15, 15:]))
ax = axes[2]
ax.imshow(np.abs(constrained.precision_) > 0, cmap="Greys")
ax.set_title("Support with forbidden cross-group edges")
fig.tight_layout()
plt.show()
