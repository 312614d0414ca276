"""Linear models with sorted penalties: SLOPE and sorted non-convex penalties.

:class:`SLOPERegression` (least squares) and :class:`SLOPEClassifier` (logistic) fit
SLOPE by hybrid coordinate descent / accelerated proximal gradient and sorted MCP,
SCAD, log-sum and l_q penalties by monotone proximal gradient with exact PAV proxes;
:func:`slope_path` computes a screened, warm-started regularisation path and
:class:`SLOPERegressionCV` chooses ``alpha`` (and the FDR level ``q``) by
cross-validation.
"""

from skfrugal.linear_model._path import SLOPERegressionCV, slope_path
from skfrugal.linear_model._slope import SLOPEClassifier, SLOPERegression

__all__ = ["SLOPEClassifier", "SLOPERegression", "SLOPERegressionCV", "slope_path"]
