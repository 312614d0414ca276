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

import math

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


@njit(cache=True, nogil=True)
def _grid_point(base, size, j):
    """Point ``j`` of the float grid with ``size`` points per binade from ``base``."""
    if j < size:
        return base * (1.0 + j / size)
    return 2.0 * base * (1.0 + (j - size) / size)


@njit(cache=True, nogil=True)
def _earliest(breakpoints):
    """Index of the entry whose next breakpoint comes first (merging sorted sequences)."""
    pick = 0
    for i in range(1, breakpoints.shape[0]):
        if breakpoints[i] < breakpoints[pick]:
            pick = i
    return pick


@njit(cache=True, nogil=True)
def best_float_scales(U, t, out):
    """For each row ``u`` of ``U``: the ``λ`` in ``[1, 2)`` maximizing ``cos²(u, Q_t(λ u))``.

    ``Q_t`` rounds to ``t`` fraction bits. Each entry's rounding changes at the
    ``2^t`` midpoints of the grid in ``[|u_i|, 2 |u_i|)``, where ``|Q_t(λ u_i)|`` moves
    up one grid step; the entries' breakpoints are merged in increasing ``λ`` while
    ``⟨|u|, |Q|⟩`` and ``‖Q‖²`` are updated, so every distinct rounding is scored once.
    Writes the chosen ``λ`` (1 when no breakpoint improves on it) into ``out``.
    """
    K, b = U.shape
    size = 1 << t
    base = np.empty(b)
    j = np.empty(b, dtype=np.int64)
    v = np.empty(b)
    lo = np.empty(b)
    hi = np.empty(b)
    nxt = np.empty(b)  # the next breakpoint of each entry (2: none left)
    for k in range(K):
        dot = 0.0
        qq = 0.0
        for i in range(b):
            v[i] = abs(U[k, i])
            nxt[i] = 2.0
            if v[i] > 0.0:
                m, ex = math.frexp(v[i])
                base[i] = math.ldexp(1.0, ex - 1)  # base <= v < 2 base
                jj = _first_above(v[i], base[i], size)
                j[i] = jj
                lo[i] = _grid_point(base[i], size, jj)
                hi[i] = _grid_point(base[i], size, jj + 1)
                nxt[i] = (lo[i] + hi[i]) / 2 / v[i]
                dot += v[i] * lo[i]
                qq += lo[i] * lo[i]
        best = dot * dot / qq if qq > 0.0 else -1.0
        best_lam = 1.0
        while True:
            pick = _earliest(nxt)
            lam = nxt[pick]
            if lam >= 2.0:
                break
            dot += v[pick] * (hi[pick] - lo[pick])
            qq += hi[pick] * hi[pick] - lo[pick] * lo[pick]
            j[pick] += 1
            lo[pick] = hi[pick]
            hi[pick] = _grid_point(base[pick], size, j[pick] + 1)
            nxt[pick] = (lo[pick] + hi[pick]) / 2 / v[pick]
            score = dot * dot / qq
            if score > best * (1.0 + 1e-15):
                best = score
                best_lam = lam * (1.0 + 1e-12)
        out[k] = best_lam


@njit(cache=True, nogil=True)
def _first_above(value, base, size):
    """Index of the first grid midpoint above ``value`` (grid from ``base``)."""
    if value < 2.0 * base:
        jj = int(math.floor((value / base - 1.0) * size - 0.5)) + 1
    else:
        jj = size + int(math.floor((value / (2.0 * base) - 1.0) * size - 0.5)) + 1
    if jj < 0:
        jj = 0
    while jj > 0 and (_grid_point(base, size, jj - 1) + _grid_point(base, size, jj)) / 2 > value:
        jj -= 1
    while (_grid_point(base, size, jj) + _grid_point(base, size, jj + 1)) / 2 <= value:
        jj += 1
    return jj


@njit(cache=True, nogil=True)
def best_pair_scales(X, Z, Y, t, out):
    """For each group: the ``λ`` in ``[1, 2)`` minimizing ``‖Z - Q_t(λ x) Q_t(y / λ)ᵀ‖``.

    The optimal rank-one quantization (Gribonval, Mary, Riccietti): as ``λ`` grows,
    ``|Q_t(λ x_i)|`` moves up one grid step at each midpoint of ``[|x_i|, 2 |x_i|)`` and
    ``|Q_t(y_j / λ)|`` down one step at each midpoint of ``(|y_j| / 2, |y_j|]``; the
    breakpoints of all entries are merged in increasing ``λ`` and the error
    ``‖Z‖² - 2 x̂ᵀ Z ŷ + ‖x̂‖² ‖ŷ‖²`` is updated in ``O(b + c)`` per breakpoint through
    ``Z ŷ`` and ``Zᵀ x̂``. ``X``: ``(K, b)``, ``Z``: ``(K, b, c)``, ``Y``: ``(K, c)``.
    """
    K, b = X.shape
    c = Y.shape[1]
    n = b + c
    size = 1 << t
    base = np.empty(n)
    j = np.empty(n, dtype=np.int64)
    mag = np.empty(n)
    sign = np.empty(n)
    cur = np.empty(n)  # current |rounded value|
    other = np.empty(n)  # the grid value it moves to at its next breakpoint
    nxt = np.empty(n)
    zy = np.empty(b)
    zx = np.empty(c)
    for k in range(K):
        for i in range(n):
            value = X[k, i] if i < b else Y[k, i - b]
            mag[i] = abs(value)
            sign[i] = 1.0 if value >= 0 else -1.0
            cur[i] = 0.0
            nxt[i] = 2.0
            if mag[i] == 0.0:
                continue
            m, ex = math.frexp(mag[i])
            if i < b:  # grid from 2^e up: values grow with λ
                base[i] = math.ldexp(1.0, ex - 1)
                jj = _first_above(mag[i], base[i], size)
                cur[i] = _grid_point(base[i], size, jj)
                other[i] = _grid_point(base[i], size, jj + 1)
                nxt[i] = (cur[i] + other[i]) / 2 / mag[i]
            else:  # grid from 2^(e-1) up: y / λ shrinks towards |y| / 2
                base[i] = math.ldexp(1.0, ex - 2)
                jj = _first_above(mag[i], base[i], size)  # midpoint (jj, jj+1) above |y|
                cur[i] = _grid_point(base[i], size, jj)
                if jj > 0:
                    other[i] = _grid_point(base[i], size, jj - 1)
                    nxt[i] = mag[i] / ((cur[i] + other[i]) / 2)
            j[i] = jj
        # signed rounded values and the running products
        xx = 0.0
        yy = 0.0
        for i in range(b):
            xx += cur[i] * cur[i]
        for i in range(b, n):
            yy += cur[i] * cur[i]
        zz = 0.0
        for i in range(b):
            zy[i] = 0.0
            for q in range(c):
                zz += Z[k, i, q] * Z[k, i, q]
                zy[i] += Z[k, i, q] * sign[b + q] * cur[b + q]
        cross = 0.0
        for q in range(c):
            zx[q] = 0.0
            for i in range(b):
                zx[q] += Z[k, i, q] * sign[i] * cur[i]
            cross += zx[q] * sign[b + q] * cur[b + q]
        best = zz - 2.0 * cross + xx * yy
        best_lam = 1.0
        while True:
            pick = _earliest(nxt)
            lam = nxt[pick]
            if lam >= 2.0:
                break
            delta = sign[pick] * (other[pick] - cur[pick])
            if pick < b:
                cross += delta * zy[pick]
                xx += other[pick] * other[pick] - cur[pick] * cur[pick]
                for q in range(c):
                    zx[q] += Z[k, pick, q] * delta
                cur[pick] = other[pick]
                j[pick] += 1
                other[pick] = _grid_point(base[pick], size, j[pick] + 1)
                nxt[pick] = (cur[pick] + other[pick]) / 2 / mag[pick]
            else:
                q = pick - b
                cross += delta * zx[q]
                yy += other[pick] * other[pick] - cur[pick] * cur[pick]
                for i in range(b):
                    zy[i] += Z[k, i, q] * delta
                cur[pick] = other[pick]
                j[pick] -= 1
                if j[pick] > 0:
                    other[pick] = _grid_point(base[pick], size, j[pick] - 1)
                    nxt[pick] = mag[pick] / ((cur[pick] + other[pick]) / 2)
                else:
                    nxt[pick] = 2.0
            err = zz - 2.0 * cross + xx * yy
            if err < best - 1e-15 * zz:
                best = err
                best_lam = lam * (1.0 + 1e-12)
        out[k] = best_lam
