"""Butterfly (Kronecker-sparse) factorizations: supports, factorization, fast products.

A butterfly matrix is a product of ``L`` sparse factors with Kronecker supports
``I_a ⊗ 1_{b×c} ⊗ I_d``; the DFT, the Hadamard and the DCT matrices are such products,
and a product costs ``O(n log n)`` instead of ``O(n²)``. This subpackage finds the
factors of a dense matrix with an error guarantee (the error comes for free), applies
them with fast numba kernels, and wraps both in scikit-learn estimators.
"""

from skfrugal.butterfly._approximation import ButterflyApproximation, NotCompressibleWarning
from skfrugal.butterfly._architecture import (
    bit_reversal_permutation,
    butterfly_patterns,
    check_patterns,
    digit_reversal_permutation,
    padded_shape,
)
from skfrugal.butterfly._factorization import ButterflyFactorization
from skfrugal.butterfly._factorize import ToleranceNotMetWarning, butterfly_factorize
from skfrugal.butterfly._matrix import ButterflyMatrix
from skfrugal.butterfly._quantize import QuantizedButterfly, quantize_butterfly
from skfrugal.butterfly._random_projection import ButterflyRandomProjection, random_flat_butterfly

__all__ = [
    "ButterflyApproximation",
    "ButterflyFactorization",
    "ButterflyMatrix",
    "ButterflyRandomProjection",
    "NotCompressibleWarning",
    "QuantizedButterfly",
    "ToleranceNotMetWarning",
    "bit_reversal_permutation",
    "butterfly_factorize",
    "butterfly_patterns",
    "check_patterns",
    "digit_reversal_permutation",
    "padded_shape",
    "quantize_butterfly",
    "random_flat_butterfly",
]
