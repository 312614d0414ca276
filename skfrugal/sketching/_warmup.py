"""Compile (or load from the cache) the numba kernels of skfrugal.sketching."""

import numpy as np


def warm_up():
    """Call every kernel of the subpackage once per dtype it is given (C order)."""
    from skfrugal.sketching._fused import feature_sums, sincos32
    from skfrugal.sketching._projection import project_rows

    for dtype in (np.float32, np.float64):
        x = np.ones((5, 2), dtype=dtype)
        project_rows(x, np.ones((2, 3), dtype=dtype), np.empty((5, 3), dtype=dtype))
    x = np.ones((5, 2), dtype=np.float32)
    parts = np.empty((1, 3))
    feature_sums(x, np.ones((2, 3), dtype=np.float32), 0, 1, parts, parts.copy(),
                 np.empty((4, 3), dtype=np.float32))
    v = np.ones(3, dtype=np.float32)
    sincos32(v, v.copy(), v.copy())
    from skfrugal.sketching._structured import StructuredFrequencies, structured_feature_sums

    op = StructuredFrequencies(np.ones((1, 3, 32)), np.ones(20), 2)
    for dtype in (np.float32, np.float64):  # structured_phases
        op.astype(dtype).project(np.ones((5, 2), dtype=dtype), np.empty((5, 20), dtype))
    op = op.astype(np.float32)
    structured_feature_sums(x, op, 0, 1, np.empty((1, 20)), np.empty((1, 20)),
                            op.work_space())
