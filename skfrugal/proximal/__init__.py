"""Proximal operators of sorted penalties (SLOPE and sorted non-convex penalties).

Exact pool-adjacent-violators (PAV) kernels for the sorted L1 norm and for sorted
MCP, SCAD and log-sum penalties in their weakly convex regime, the sorted l_q
penalty, standard weight sequences, the sorted L1 norm and its dual, and
:class:`SortedPenalty`, which holds a penalty, its parameter and its step rules.
"""

from skfrugal.proximal._lambdas import lambda_sequence
from skfrugal.proximal._norms import sorted_l1_dual_norm, sorted_l1_norm
from skfrugal.proximal._penalty import SortedPenalty
from skfrugal.proximal._prox import prox_sorted, prox_sorted_l1

__all__ = [
    "SortedPenalty",
    "lambda_sequence",
    "prox_sorted",
    "prox_sorted_l1",
    "sorted_l1_dual_norm",
    "sorted_l1_norm",
]
