"""Numba kernels: the product of a chain of Kronecker-sparse factors with many vectors.

The factors are flattened into one 1-D array ``data`` (factor ``ℓ`` at
``data[offsets[ℓ]:offsets[ℓ + 1]]``, C order of its 4-D array ``T[a, b, c, d]``) with
their patterns in an ``(L, 4)`` int64 array. A tile of ``tile`` vectors is gathered
(through the input permutation, zero-padded) into a ``features × tile`` buffer so that
the innermost loop runs over the vectors of the tile (contiguous, vectorised whatever
the pattern), goes through all the factors while it stays in cache, and is scattered
(through the output permutation, cropped) to the output. The same kernel serves both
layouts: ``samples_first=True`` for ``X`` of shape ``(n_samples, n_features)`` (the
scikit-learn layout, ``Y = X Aᵀ``) and ``False`` for ``X`` of shape
``(n_features, n_columns)`` (``Y = A X``).
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def chain_apply(X, Y, data, offsets, patterns, in_index, out_index, samples_first, tile):
    """Write ``A X`` (columns layout) or ``X Aᵀ`` (samples layout) into ``Y``."""
    n_factors = patterns.shape[0]
    n_in = X.shape[1] if samples_first else X.shape[0]
    n_out = Y.shape[1] if samples_first else Y.shape[0]
    n_vec = X.shape[0] if samples_first else X.shape[1]
    width_in = patterns[n_factors - 1, 0] * patterns[n_factors - 1, 2] * patterns[n_factors - 1, 3]
    width = width_in
    for f in range(n_factors):
        rows = patterns[f, 0] * patterns[f, 1] * patterns[f, 3]
        if rows > width:
            width = rows
    width_out = patterns[0, 0] * patterns[0, 1] * patterns[0, 3]
    cur = np.empty(width * tile, dtype=Y.dtype)
    nxt = np.empty(width * tile, dtype=Y.dtype)
    zero = Y.dtype.type(0)
    for s0 in range(0, n_vec, tile):
        S = min(tile, n_vec - s0)
        # gather the tile, features first (rows of X read contiguously, from L2 on)
        if samples_first:
            for s in range(S):
                for f in range(width_in):
                    src = in_index[f]
                    cur[f * S + s] = X[s0 + s, src] if src < n_in else zero
        else:
            for f in range(width_in):
                src = in_index[f]
                base = f * S
                if src < n_in:
                    for s in range(S):
                        cur[base + s] = X[src, s0 + s]
                else:
                    for s in range(S):
                        cur[base + s] = zero
        # through the factors, rightmost first
        for ell in range(n_factors - 1, -1, -1):
            if S == 1:
                _factor_single(
                    cur,
                    nxt,
                    data,
                    offsets[ell],
                    patterns[ell, 0],
                    patterns[ell, 1],
                    patterns[ell, 2],
                    patterns[ell, 3],
                )
            else:
                _factor_tile(
                    cur,
                    nxt,
                    data,
                    offsets[ell],
                    patterns[ell, 0],
                    patterns[ell, 1],
                    patterns[ell, 2],
                    patterns[ell, 3],
                    S,
                )
            cur, nxt = nxt, cur
        # scatter, cropped
        if samples_first:
            for s in range(S):
                for r in range(width_out):
                    dst = out_index[r]
                    if dst < n_out:
                        Y[s0 + s, dst] = cur[r * S + s]
        else:
            for r in range(width_out):
                dst = out_index[r]
                if dst < n_out:
                    base = r * S
                    for s in range(S):
                        Y[dst, s0 + s] = cur[base + s]


@njit(cache=True, nogil=True)
def _factor_tile(cur, nxt, data, off, a, b, c, d, S):
    """``nxt = K cur`` for a tile of ``S`` vectors stored features-first."""
    for i in range(a):
        for j in range(b):
            row0 = (i * b + j) * d
            t0 = off + (i * b + j) * c * d
            in0 = i * c * d
            if c == 2:
                for l in range(d):
                    o = nxt[(row0 + l) * S : (row0 + l + 1) * S]
                    u = data[t0 + l]
                    v = data[t0 + d + l]
                    ib = (in0 + l) * S
                    x = cur[ib : ib + S]
                    y = cur[ib + d * S : ib + d * S + S]
                    for s in range(S):
                        o[s] = u * x[s] + v * y[s]
            else:
                for l in range(d):
                    o = nxt[(row0 + l) * S : (row0 + l + 1) * S]
                    t = data[t0 + l]
                    ib = (in0 + l) * S
                    x = cur[ib : ib + S]
                    for s in range(S):
                        o[s] = t * x[s]
                    for k in range(1, c):
                        t = data[t0 + k * d + l]
                        ib = (in0 + k * d + l) * S
                        x = cur[ib : ib + S]
                        for s in range(S):
                            o[s] += t * x[s]


@njit(cache=True, nogil=True)
def _factor_single(cur, nxt, data, off, a, b, c, d):
    """``nxt = K cur`` for one vector."""
    if d == 1 and b == 2 and c == 2:  # radix-2 last factor: 2x2 blocks, unrolled
        for i in range(a):
            t = off + 4 * i
            x0 = cur[2 * i]
            x1 = cur[2 * i + 1]
            nxt[2 * i] = data[t] * x0 + data[t + 1] * x1
            nxt[2 * i + 1] = data[t + 2] * x0 + data[t + 3] * x1
        return
    if d == 1:
        t = off
        for i in range(a):
            in0 = i * c
            for j in range(b):
                acc = data[t] * cur[in0]
                for k in range(1, c):
                    acc += data[t + k] * cur[in0 + k]
                t += c
                nxt[i * b + j] = acc
        return
    for i in range(a):
        for j in range(b):
            row0 = (i * b + j) * d
            t0 = off + (i * b + j) * c * d
            in0 = i * c * d
            if c == 2 and d >= 8:  # slices: no aliasing, the loop vectorises
                o = nxt[row0 : row0 + d]
                u = data[t0 : t0 + d]
                v = data[t0 + d : t0 + 2 * d]
                x = cur[in0 : in0 + d]
                y = cur[in0 + d : in0 + 2 * d]
                for l in range(d):
                    o[l] = u[l] * x[l] + v[l] * y[l]
            elif c == 2:
                for l in range(d):
                    nxt[row0 + l] = (
                        data[t0 + l] * cur[in0 + l] + data[t0 + d + l] * cur[in0 + d + l]
                    )
            else:
                for l in range(d):
                    acc = data[t0 + l] * cur[in0 + l]
                    for k in range(1, c):
                        acc += data[t0 + k * d + l] * cur[in0 + k * d + l]
                    nxt[row0 + l] = acc
