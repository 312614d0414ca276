"""Compile (or load from the cache) the numba kernels of skfrugal.sketching."""

import numpy as np


def warm_up():
    """Call every kernel of the subpackage once per dtype it is given (C order)."""
    from skfrugal.sketching._batch_moments import centre_blocks, merge_blocks
    from skfrugal.sketching._fused import (
        feature_sums,
        half_turn_blocks,
        half_turn_phases,
        sincos_pi,
    )
    from skfrugal.sketching._projection import project_rows
    from skfrugal.sketching._quantized import quantized_feature_sums, quantized_signs

    for dtype in (np.float32, np.float64):
        x = np.ones((5, 2), dtype=dtype)
        project_rows(x, np.ones((2, 3), dtype=dtype), np.empty((5, 3), dtype=dtype))
    x = np.ones((5, 2), dtype=np.float32)
    w3 = half_turn_blocks(np.ones((2, 3)))
    acc = np.zeros((2, 3), dtype=np.int64)
    feature_sums(x, w3, 3, 0, 5, acc[0], acc[1], np.empty((4, w3.shape[2]), dtype=np.float32),
                 np.empty((2, w3.shape[2]), dtype=np.int32))
    half_turn_phases(x, w3, 3, np.empty((5, 3), dtype=np.float32))
    delta = np.zeros(w3.shape[0] * w3.shape[2], dtype=np.float32)
    quantized_feature_sums(x, w3, delta, 3, 0, 5, acc[0], acc[1],
                           np.empty((4, w3.shape[2]), dtype=np.float32),
                           np.empty((2, w3.shape[2]), dtype=np.int32))
    t = np.ones((2, 3), dtype=np.float32)
    quantized_signs(t, delta, t.copy(), t.copy())
    v = np.ones(3, dtype=np.float32)
    sincos_pi(v, v.copy(), v.copy())
    stats = np.empty((1, 4, 2))
    for raw_dtype in (np.float32, np.float64):  # the data's dtype
        for out_dtype in (np.float32, np.float64):  # the sketch's dtype
            raw = np.ones((5, 2), dtype=raw_dtype)
            centre_blocks(raw, np.zeros(2, dtype=raw_dtype), np.empty((5, 2), dtype=out_dtype),
                          0, 1, 8, stats)
    merge_blocks(np.zeros((4, 2)), 0, stats, 5, 8)
    from skfrugal.sketching._structured import StructuredFrequencies, StructuredSums

    op = StructuredFrequencies(np.ones((1, 3, 32)), np.ones(20), 2)
    for dtype in (np.float32, np.float64):  # structured_phases
        op.astype(dtype).project(np.ones((5, 2), dtype=dtype), np.empty((5, 20), dtype))
    acc = np.zeros((2, 20), dtype=np.int64)
    StructuredSums(op, 1)(x, 0, 5, acc[0], acc[1], 0)  # structured_sums
