"""The projection ``x̃ᵀ Ω`` of a batch of samples, computed the same way for every row.

A BLAS product is faster, but it is not invariant to the batching: OpenBLAS picks
kernels and summation orders by the shape of the call (a one-row batch goes through a
matrix-vector kernel, and the rows at the edge of a tile through another kernel), so a
sample's float32 phases changed in the last bit with the batch it fell in, and sketches
of different chunkings disagreed at about 1e-9 relative instead of float64 rounding.
Here each row is the fixed sequence ``x_0 ω_0 + x_1 ω_1 + ...`` whatever the batch;
four rows share each load of a frequency row. Products and sums may be fused into FMAs
(``fastmath={"contract"}``, nothing reordered), as in the fused sketching kernel of
``_fused.py``: a sample's float32 phases are the same in :meth:`FourierSketcher.transform`
and in its sketch.
"""

from numba import njit


@njit(cache=True, nogil=True, fastmath={"contract"})
def project_rows(x, w, out):
    """Write ``x @ w`` into ``out``, each row summed over features in order.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), C-contiguous
        Centred samples.
    w : ndarray of shape (n_features, n_frequencies), C-contiguous, dtype of ``x``
        Frequency matrix.
    out : ndarray of shape (n_rows, n_frequencies), C-contiguous, dtype of ``x``
        Receives the phases.
    """
    n, d = x.shape
    m = w.shape[1]
    w0 = w[0]
    i = 0
    while i + 4 <= n:
        r0, r1, r2, r3 = out[i], out[i + 1], out[i + 2], out[i + 3]
        a0, a1, a2, a3 = x[i, 0], x[i + 1, 0], x[i + 2, 0], x[i + 3, 0]
        for j in range(m):
            wj = w0[j]
            r0[j] = a0 * wj
            r1[j] = a1 * wj
            r2[j] = a2 * wj
            r3[j] = a3 * wj
        for k in range(1, d):
            wk = w[k]
            a0, a1, a2, a3 = x[i, k], x[i + 1, k], x[i + 2, k], x[i + 3, k]
            for j in range(m):
                wj = wk[j]
                r0[j] += a0 * wj
                r1[j] += a1 * wj
                r2[j] += a2 * wj
                r3[j] += a3 * wj
        i += 4
    for r in range(i, n):
        row = out[r]
        a0 = x[r, 0]
        for j in range(m):
            row[j] = a0 * w0[j]
        for k in range(1, d):
            wk = w[k]
            a0 = x[r, k]
            for j in range(m):
                row[j] += a0 * wk[j]
