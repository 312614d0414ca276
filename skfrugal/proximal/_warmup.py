"""Warm-up of the PAV kernels (one signature each: float64, int64)."""

import numpy as np

from skfrugal.proximal._norms import dual_norm_unchecked, sorted_l1_unchecked
from skfrugal.proximal._penalty import PENALTIES, SortedPenalty
from skfrugal.proximal._prox import check_lambdas, check_vector


def warm_up():
    """Compile (or load from the numba cache) every kernel of skfrugal.proximal."""
    y = np.array([3.0, -1.0, 2.0, 0.1])
    lam = np.array([1.0, 0.8, 0.5, 0.2])
    check_vector(y)
    check_lambdas(lam, 4)
    dual_norm_unchecked(y, lam)
    sorted_l1_unchecked(y, lam)
    for name in PENALTIES:
        pen = SortedPenalty(name, log_eps=2.0)
        for labels in (True, False):
            pen._prox(y, lam, 0.5, return_clusters=labels)
