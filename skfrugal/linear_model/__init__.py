"""Linear models with sorted penalties: SLOPE and sorted non-convex penalties.

:class:`SLOPERegression` (least squares), :class:`SLOPEClassifier` (logistic, and
native multinomial for more classes) and :class:`SLOPEPoissonRegression` (Poisson, log
link) fit SLOPE by proximal Newton with hybrid coordinate descent on working sets
(accelerated proximal gradient for the multinomial loss), and sorted MCP, SCAD,
log-sum and l_q penalties by monotone proximal gradient with exact PAV proxes, with
sample weights, relaxed refits and a scale-free default ``alpha``. :func:`slope_path`
computes a screened, warm-started regularisation path for every loss, and
:class:`SLOPERegressionCV` and :class:`SLOPEClassifierCV` choose ``alpha`` (and the FDR
level ``q``) by cross-validation.
"""

from skfrugal.linear_model._cv import SLOPEClassifierCV, SLOPERegressionCV
from skfrugal.linear_model._path import slope_path
from skfrugal.linear_model._slope import (
    SLOPEClassifier,
    SLOPEPoissonRegression,
    SLOPERegression,
)

__all__ = [
    "SLOPEClassifier",
    "SLOPEClassifierCV",
    "SLOPEPoissonRegression",
    "SLOPERegression",
    "SLOPERegressionCV",
    "slope_path",
]
