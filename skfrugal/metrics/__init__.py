"""skfrugal.metrics."""

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

__all__ = [
    "centroid_error",
    "edge_f1_score",
    "graph_recovery_scores",
    "kmeans_inertia",
    "matched_centroid_distances",
    "relative_frobenius_error",
    "sse_ratio",
]
