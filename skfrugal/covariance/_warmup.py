"""Compile (or load from the cache) the numba kernels of skfrugal.covariance."""

import numpy as np


def warm_up():
    """Call every kernel of the subpackage once on tiny inputs."""
    from skfrugal.covariance._bcd import _box_start, glasso_bcd
    from skfrugal.covariance._linalg import fill_upper
    from skfrugal.covariance._quic import (
        _free_set,
        _model_decrease,
        _newton_direction,
        _trial_point,
    )
    from skfrugal.covariance._solver import _threshold_components

    p = 3
    S = np.eye(p) + 0.1
    A = np.full((p, p), 0.05)
    np.fill_diagonal(A, 0.0)
    W = np.eye(p)
    X = np.eye(p)
    free_i = np.empty(p * (p + 1) // 2, dtype=np.int64)
    free_j = np.empty(p * (p + 1) // 2, dtype=np.int64)
    n_free = _free_set(S, W, X, A, free_i, free_j)
    _newton_direction(S, W, X, A, free_i[:n_free], free_j[:n_free], 1, 1e-3,
                      np.zeros((p, p)), np.zeros((p, p)))
    _model_decrease(S, W, X, np.zeros((p, p)), A)
    _trial_point(X, W, 0.5, S, A, np.empty((p, p)))
    _box_start(S, A)
    fill_upper(np.eye(p))
    fill_upper(np.asfortranarray(np.eye(p)))
    _threshold_components(S, A, np.empty(p, dtype=np.int64))
    # a cold start (coordinate descent) and a warm one (active-set solves)
    B = np.zeros((p, p))
    for loose in (True, True, False):
        glasso_bcd(S, A, S.copy(), B, np.zeros((p, p)), 2, 1e-12, 1e-8, np.empty(2), loose)
