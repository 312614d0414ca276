"""Compressive clustering: k-means from a sketch.

:class:`CompressiveKMeans` sketches the data in one pass and decodes centroids,
weights and variances from the sketch with the decoders of :mod:`skfrugal.decoding`
(:func:`sketch_and_shift`, :func:`cl_ompr`). The decoders and their building blocks
(:func:`atom_sketches`, :func:`mixture_sketch`, :func:`global_descent`, ...) are
re-exported here, where they were first published.
"""

from skfrugal.cluster._decode import decode_kmeans
from skfrugal.cluster._kmeans import CompressiveKMeans
from skfrugal.decoding import (
    DecodeResult,
    atom_sketches,
    cl_ompr,
    correlation_and_gradient,
    gaussian_kernel_weights,
    global_descent,
    mean_shift,
    mixture_cost_and_gradient,
    mixture_sketch,
    nnls_weights,
    residual_cost,
    sketch_and_shift,
    sketch_noise_level,
)

__all__ = [
    "CompressiveKMeans",
    "DecodeResult",
    "atom_sketches",
    "cl_ompr",
    "correlation_and_gradient",
    "decode_kmeans",
    "gaussian_kernel_weights",
    "global_descent",
    "mean_shift",
    "mixture_cost_and_gradient",
    "mixture_sketch",
    "nnls_weights",
    "residual_cost",
    "sketch_and_shift",
    "sketch_noise_level",
]
