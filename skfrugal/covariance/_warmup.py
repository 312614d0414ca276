"""Compile (or load from the cache) the numba kernels of skfrugal.covariance."""

import numpy as np


def warm_up():
    """Call every kernel of the subpackage once on tiny inputs."""
    from skfrugal.covariance._quic import (
        _fill_upper,
        _free_set,
        _model_decrease,
        _newton_direction,
        _threshold_components,
        _trial_point,
    )

    p = 3
    S = np.eye(p) + 0.1
    W = np.eye(p)
    X = np.eye(p)
    free_i = np.empty(p * (p + 1) // 2, dtype=np.int64)
    free_j = np.empty(p * (p + 1) // 2, dtype=np.int64)
    n_free = _free_set(S, W, X, 0.05, free_i, free_j)
    _newton_direction(S, W, X, 0.05, free_i[:n_free], free_j[:n_free], 1, 1e-3,
                      np.zeros((p, p)), np.zeros((p, p)))
    _model_decrease(S, W, X, np.zeros((p, p)), 0.05)
    _trial_point(X, W, 0.5, S, 0.05, np.empty((p, p)))
    _fill_upper(np.eye(p))
    _fill_upper(np.asfortranarray(np.eye(p)))
    _threshold_components(S, 0.05, np.empty(p, dtype=np.int64))
