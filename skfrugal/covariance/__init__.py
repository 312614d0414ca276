"""Sparse precision matrices (Gaussian graphs) from data or from compressed sketches.

:class:`CovarianceSketcher` reduces data, in one mergeable pass, to random rank-one
projections of their covariance; :class:`CompressiveGraphicalLasso` (and its CV
variant) decodes a sparse precision matrix from such a sketch; :class:`GraphicalLasso`
is the full-data baseline with a fast and robust solver (compiled block coordinate
descent, with Newton and ADMM fallbacks).
"""

from skfrugal.covariance._compressive import (
    CompressionWarning,
    CompressiveGraphicalLasso,
    CompressiveGraphicalLassoCV,
    auto_sketch_size,
)
from skfrugal.covariance._decoder import (
    covariance_from_sketch,
    decode_precision,
    rank_one_adjoint,
    rank_one_forward,
)
from skfrugal.covariance._graphical_lasso import GraphicalLasso, graphical_lasso
from skfrugal.covariance._sketcher import (
    CovarianceSketcher,
    centred_sketch,
    covariance_sketch_chunk,
)

__all__ = [
    "CompressionWarning",
    "CompressiveGraphicalLasso",
    "CompressiveGraphicalLassoCV",
    "CovarianceSketcher",
    "GraphicalLasso",
    "auto_sketch_size",
    "centred_sketch",
    "covariance_from_sketch",
    "covariance_sketch_chunk",
    "decode_precision",
    "graphical_lasso",
    "rank_one_adjoint",
    "rank_one_forward",
]
