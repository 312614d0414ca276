"""Compressive clustering: k-means from a sketch, and the decoders.

:class:`CompressiveKMeans` sketches the data in one pass and decodes centroids,
weights and variances from the sketch. The decoders are functions over plain arrays,
shared with :mod:`skfrugal.mixture`: :func:`sketch_and_shift` (mean shift on the
sketched kernel density, then a k-Gaussian fit) and :func:`cl_ompr` (Keriven et al.
2018). :func:`atom_sketches`, :func:`mixture_sketch` and :func:`global_descent` are the
pieces they are built from.
"""

from skfrugal.cluster._atoms import (
    atom_sketches,
    correlation_and_gradient,
    mixture_cost_and_gradient,
    mixture_sketch,
)
from skfrugal.cluster._cl_ompr import cl_ompr
from skfrugal.cluster._decode import decode_kmeans, sketch_noise_level
from skfrugal.cluster._descent import global_descent, nnls_weights, residual_cost
from skfrugal.cluster._kmeans import CompressiveKMeans
from skfrugal.cluster._result import DecodeResult
from skfrugal.cluster._sketch_and_shift import (
    gaussian_kernel_weights,
    mean_shift,
    sketch_and_shift,
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
