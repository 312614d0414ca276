"""
====================================================
Recovering fast transforms from their dense matrices
====================================================

The Hadamard, DFT and DCT-II matrices are products of sparse butterfly factors: that is
what makes their fast algorithms fast. :func:`~skfrugal.butterfly.butterfly_factorize`
recovers these factors from the dense matrices alone, up to rounding, and reports the
error for free. The DFT needs its columns in bit-reversed order, and the DCT-II is a
rank-4 butterfly once its columns are bit-reversed; ``permutation="auto"`` finds both.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.fft import dct
from scipy.linalg import hadamard

from skfrugal.butterfly import bit_reversal_permutation, butterfly_factorize

n = 32
matrices = {
    "Hadamard": (hadamard(n) / np.sqrt(n), 1, "auto"),
    "DFT": (np.fft.fft(np.eye(n), norm="ortho"), 1, "auto"),
    # at this small size rank 4 nearly fills the blocks, so the identity would also fit:
    # give the bit reversal to show the DCT's own structure (``"auto"`` finds it at n >= 64)
    "DCT-II": (dct(np.eye(n), norm="ortho", axis=0), 4, (None, bit_reversal_permutation(n))),
}
results = {}
for name, (A, rank, permutation) in matrices.items():
    B = butterfly_factorize(A, rank=rank, permutation=permutation)
    dense_error = np.linalg.norm(B.toarray() - A) / np.linalg.norm(A)
    results[name] = B
    print(
        f"{name:8s} rank {rank}  permutation {B.permutation:8s}  reported error "
        f"{B.relative_error:.1e}  dense error {dense_error:.1e}  "
        f"{B.n_params} parameters vs {A.size}"
    )

# %%
# The supports of the factors
# ---------------------------
# Each row shows the sparse factors whose product is the matrix, leftmost first (a
# permutation matrix last when the columns needed one). Rank-1 factors have two
# non-zeros per row; the rank-4 factors of the DCT are wider: their blocks carry 4
# columns per input.
fig = plt.figure(figsize=(11, 6.5), layout="constrained")
rows = fig.subfigures(len(results), 1)
for sub, (name, B) in zip(rows, results.items()):
    factors = B.to_sparse_factors()
    axes = np.atleast_1d(sub.subplots(1, len(factors)))
    for ax, S in zip(axes, factors):
        ax.imshow(S.toarray() != 0, cmap="Greys", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{S.shape[0]}×{S.shape[1]}", fontsize=8)
    sub.supylabel(name, fontsize=10)
fig.suptitle("Sparse factors recovered from dense matrices (n = 32)")
plt.show()
