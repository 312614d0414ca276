"""Random-feature sketches: one pass, batches, merges, Dask, quantization, privacy.

A sketch is the average of per-sample random features. :class:`FourierSketcher` fits
the operator (standardisation, scale, frequencies), returns per-sample features with
``transform`` and a mergeable :class:`Sketch` with ``sketch``; ``partial_fit`` streams.
``quantization="1bit"`` quantizes the dithered features to their signs;
``privacy=epsilon`` or ``(epsilon, delta)`` releases differentially private sketches
(:func:`noise_calibration` gives the noise a release gets).
"""

from skfrugal.sketching._dask import reduce_dask_chunks
from skfrugal.sketching._features import fourier_features, sketch_chunk
from skfrugal.sketching._frequencies import draw_frequencies
from skfrugal.sketching._operator import SketchOperatorMixin
from skfrugal.sketching._privacy import noise_calibration
from skfrugal.sketching._scale import estimate_scale
from skfrugal.sketching._sketch import Sketch, merge_chunk_stats
from skfrugal.sketching._sketcher import FourierSketcher, fourier_sketch_chunk
from skfrugal.sketching._validation import check_sketch

__all__ = [
    "FourierSketcher",
    "Sketch",
    "SketchOperatorMixin",
    "check_sketch",
    "draw_frequencies",
    "estimate_scale",
    "fourier_features",
    "fourier_sketch_chunk",
    "merge_chunk_stats",
    "noise_calibration",
    "reduce_dask_chunks",
    "sketch_chunk",
]
