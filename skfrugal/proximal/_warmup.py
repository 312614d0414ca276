"""Warm-up of the PAV kernels (one signature each: float64, int64)."""

import numpy as np

from skfrugal.proximal._pava import PENALTY_CODES
from skfrugal.proximal._prox import check_lambdas, check_vector, prox_sorted_unchecked


def warm_up():
    """Compile (or load from the numba cache) every kernel of skfrugal.proximal."""
    y = np.array([3.0, -1.0, 2.0, 0.1])
    lam = np.array([1.0, 0.8, 0.5, 0.2])
    check_vector(y)
    check_lambdas(lam, 4)
    params = {"l1": 0.0, "mcp": 3.0, "scad": 3.7, "log": 2.0, "lq": 0.5}
    for name, code in PENALTY_CODES.items():
        for labels in (True, False):
            prox_sorted_unchecked(y, lam, code, 0.5, params[name], return_clusters=labels)
