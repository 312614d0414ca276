"""Compressive Gaussian mixtures: mixtures learned from a sketch of the data.

:class:`CompressiveGaussianMixture` sketches the data in one pass and decodes the
weights, means and diagonal (or spherical) variances of a Gaussian mixture from the
sketch with the decoders of :mod:`skfrugal.decoding`: sketch and shift,
:func:`cl_ompr_gmm` (CL-OMPR with Gaussian atoms) and :func:`split_gmm` (hierarchical
splitting), re-exported here where they were first published.
"""

from skfrugal.decoding import cl_ompr_gmm, split_gmm
from skfrugal.mixture._decode import decode_gmm
from skfrugal.mixture._gaussian_mixture import CompressiveGaussianMixture

__all__ = [
    "CompressiveGaussianMixture",
    "cl_ompr_gmm",
    "decode_gmm",
    "split_gmm",
]
