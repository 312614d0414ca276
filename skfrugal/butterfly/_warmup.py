"""Compile (or load from the cache) the numba kernels of skfrugal.butterfly."""

import numpy as np


def warm_up():
    """Run every butterfly kernel once: the products and the quantization searches.

    Products run per dtype, in both layouts, for tiles and single vectors.
    The boundary code (:class:`ButterflyMatrix`) casts inputs to C-contiguous,
    writeable float32, float64, complex64 or complex128 arrays, so one call per dtype
    covers every signature.

    Examples
    --------
    >>> from skfrugal.butterfly._warmup import warm_up
    >>> warm_up()
    """
    from skfrugal.butterfly._kernels import best_float_scales, best_pair_scales
    from skfrugal.butterfly._matrix import KERNEL_DTYPES, ButterflyMatrix

    for dtype in KERNEL_DTYPES:
        B = ButterflyMatrix(
            [np.ones((1, 2, 2, 2), dtype=dtype), np.ones((2, 2, 3, 1), dtype=dtype)]
        )
        B @ np.ones(6, dtype=dtype)
        B.apply_rows(np.ones((3, 6), dtype=dtype))
    out = np.empty(2)
    best_float_scales(np.ones((2, 2)), 3, out)
    best_pair_scales(np.ones((2, 2)), np.ones((2, 2, 2)), np.ones((2, 2)), 3, out)
