"""Decoders shared by every compressive estimator decoded from a Fourier sketch.

A decoder fits a mixture of atoms (Diracs, spherical or diagonal Gaussians) to a sketch
``z`` by minimising the sketch residual ``‖z - Σ_k α_k A(θ_k)‖``. Every decoder has the
signature ``decoder(inputs, n_components, *, covariance, variance_bounds, random_state)``
where ``inputs`` is a :class:`DecoderInputs` (made from a
:class:`~skfrugal.sketching.Sketch` by :func:`decoder_inputs`); :func:`decode` runs one by
name, with the restart policy. :mod:`skfrugal.cluster` and :mod:`skfrugal.mixture` are
thin estimators over this layer.

- :func:`sketch_and_shift`: mean shift on the sketched kernel density, then a
  k-Gaussian fit (Belhadji and Gribonval 2024);
- :func:`cl_ompr`: CL-OMPR with Dirac atoms (Keriven et al. 2018, Alg. 1);
- :func:`cl_ompr_gmm`: CL-OMPR with Gaussian atoms; :func:`split_gmm`: hierarchical
  splitting (Alg. 2);
- building blocks: :func:`atom_sketches`, :func:`mixture_sketch`,
  :func:`mixture_cost_and_gradient`, :func:`correlation_and_gradient`,
  :func:`global_descent`, :func:`nnls_weights`, :func:`residual_cost`,
  :func:`gaussian_kernel_weights`, :func:`mean_shift`, :func:`sketch_noise_level`.
"""

from skfrugal.decoding._atoms import (
    atom_sketches,
    correlation_and_gradient,
    mixture_cost_and_gradient,
    mixture_sketch,
)
from skfrugal.decoding._cl_ompr import cl_ompr
from skfrugal.decoding._decode import DECODERS, decode
from skfrugal.decoding._descent import global_descent, nnls_weights, residual_cost
from skfrugal.decoding._estimator import DecodingWarning
from skfrugal.decoding._gmm import cl_ompr_gmm, gmm_variance_bounds, split_gmm
from skfrugal.decoding._inputs import DecoderInputs, decoder_inputs, sketch_noise_level
from skfrugal.decoding._mean_shift import gaussian_kernel_weights, mean_shift
from skfrugal.decoding._result import DecodeResult
from skfrugal.decoding._sketch_and_shift import sketch_and_shift

__all__ = [
    "DECODERS",
    "DecodeResult",
    "DecoderInputs",
    "DecodingWarning",
    "atom_sketches",
    "cl_ompr",
    "cl_ompr_gmm",
    "correlation_and_gradient",
    "decode",
    "decoder_inputs",
    "gaussian_kernel_weights",
    "global_descent",
    "gmm_variance_bounds",
    "mean_shift",
    "mixture_cost_and_gradient",
    "mixture_sketch",
    "nnls_weights",
    "residual_cost",
    "sketch_and_shift",
    "sketch_noise_level",
    "split_gmm",
]
