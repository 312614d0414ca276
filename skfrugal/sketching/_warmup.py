"""Compile (or load from the cache) the numba kernels of skfrugal.sketching."""

import numpy as np


def warm_up():
    """Call every kernel of the subpackage once per dtype it is given (C order)."""
    from skfrugal.sketching._fused import (
        feature_sums,
        quantize32,
        quantized_feature_sums,
        sincos32,
    )
    from skfrugal.sketching._projection import project_rows

    for dtype in (np.float32, np.float64):
        x = np.ones((5, 2), dtype=dtype)
        project_rows(x, np.ones((2, 3), dtype=dtype), np.empty((5, 3), dtype=dtype))
    x = np.ones((5, 2), dtype=np.float32)
    parts = np.empty((1, 3))
    feature_sums(x, np.ones((2, 3), dtype=np.float32), 0, 1, parts, parts.copy(),
                 np.empty((4, 3), dtype=np.float32))
    quantized_feature_sums(x, np.ones((2, 3), dtype=np.float32), np.zeros(3, np.float32), 0,
                           1, parts, parts.copy(), np.empty((4, 3), dtype=np.float32))
    v = np.ones(3, dtype=np.float32)
    sincos32(v, v.copy(), v.copy())
    p = np.ones((2, 3), dtype=np.float32)
    quantize32(p, v, p.copy(), p.copy())
