"""The value decoders return."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class DecodeResult:
    """Parameters of a mixture decoded from a sketch, with diagnostics.

    Attributes
    ----------
    centers : ndarray of shape (K, d)
        Locations of the atoms (cluster centroids, component means).
    variances : None or ndarray of shape (K,) or (K, d)
        Spherical or diagonal variances of the atoms; ``None`` for Diracs.
    weights : ndarray of shape (K,)
        Non-negative weights summing to one.
    cost : float
        Relative squared sketch residual ``‖z - Σ_k α_k A_k‖² / ‖z‖²`` (before the
        weights are normalised).
    n_iter : int
        Outer iterations of the decoder.
    info : dict
        Decoder-specific diagnostics.
    """

    centers: np.ndarray
    variances: object
    weights: np.ndarray
    cost: float
    n_iter: int
    info: dict = field(default_factory=dict)
