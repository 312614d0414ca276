"""Compile (or load from the cache) the numba kernels of skfrugal.decoding."""

import numpy as np


def warm_up():
    """Call every kernel of the subpackage once on tiny inputs (float64, C order)."""
    from skfrugal.decoding._kernels import (
        correlation_grad_kernel,
        mean_shift_kernel,
        merge_kernel,
        sincos_kernel,
    )
    from skfrugal.decoding._lbfgs import box_lbfgs, mixture_objective, objective_work

    K, d, m = 2, 2, 3
    x = np.linspace(-3.0, 3.0, m)
    sincos_kernel(x, np.empty(m), np.empty(m))
    frequencies = np.ones((d, m))
    centers = np.zeros((K, d))
    z_re, z_im = np.ones(m), np.zeros(m)
    for p in (0, 1, d):  # Dirac, spherical, diagonal atoms
        n = K * (d + p + 1)
        mixture_objective(np.full(n, 0.5), K, z_re, z_im, frequencies, np.ones((p, m)), 1.0,
                          np.empty(n), *objective_work(K, d, p, m))
    correlation_grad_kernel(centers, z_re, z_im, frequencies, np.empty(K),
                            np.empty((K, d)))
    for p in (0, 1, d):
        n = K * (d + p + 1)
        box_lbfgs(np.full(n, 0.5), np.zeros(n), np.full(n, np.inf), K, z_re, z_im,
                  frequencies, np.ones((p, m)), 1.0, 2, 1e-6, 1e-10)
    levels = 2
    mean_shift_kernel(centers.copy(), frequencies, np.ones((levels, m)),
                      np.zeros((levels, m)), np.zeros(levels), np.ones(levels),
                      np.full(d, -np.inf), np.full(d, np.inf), 2, 1e-3, 1, 1e-2)
    merge_kernel(centers, np.arange(K, dtype=np.int64), 1.0, np.empty(K, dtype=np.int64))
