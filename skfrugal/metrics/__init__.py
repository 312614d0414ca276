"""Quality of recovered models: clustering (SSE ratio, matched centroid error), mixtures
(log-likelihood, mixture Wasserstein distance), graphs (edge F1, Frobenius error).
"""

from skfrugal.metrics._clustering import (
    centroid_error,
    kmeans_inertia,
    matched_centroid_distances,
    sse_ratio,
)
from skfrugal.metrics._graph import (
    edge_f1_score,
    graph_recovery_scores,
    relative_frobenius_error,
)
from skfrugal.metrics._mixture import gmm_log_likelihood, mixture_wasserstein

__all__ = [
    "centroid_error",
    "edge_f1_score",
    "gmm_log_likelihood",
    "graph_recovery_scores",
    "kmeans_inertia",
    "matched_centroid_distances",
    "mixture_wasserstein",
    "relative_frobenius_error",
    "sse_ratio",
]
