"""Compile (or load from the cache) the numba kernels of skfrugal.covariance."""

import numpy as np


def warm_up():
    """Call every kernel of the subpackage once on tiny inputs."""
    from skfrugal.covariance._quic import _newton_direction

    p = 3
    S = np.eye(p) + 0.1
    W = np.eye(p)
    X = np.eye(p)
    idx = np.array([0, 0, 1], dtype=np.int64)
    jdx = np.array([0, 1, 1], dtype=np.int64)
    _newton_direction(S, W, X, 0.05, idx, jdx, 2, 1e-3, np.zeros((p, p)), np.zeros((p, p)))
