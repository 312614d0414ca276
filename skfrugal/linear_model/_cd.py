"""Cluster-wise coordinate descent for SLOPE least squares (Larsson et al. 2023).

Between two proximal gradient steps (which let coefficients enter, leave, split and
merge clusters), coordinate descent moves each non-zero cluster as one coordinate:
with ``d = sum_{j in C} sign(beta_j) x_j`` (centred when there is an intercept) the
objective along ``beta_C = z sign(beta_C)`` is ``h/2 (z - w)^2 + J(z)`` where
``h = sum_i h_i d_i^2``, ``w = c + sum_i h_i d_i r_i / h`` (sample weights ``h_i``:
``1/n`` for least squares, the Hessian diagonal of a proximal Newton step otherwise)
and ``J`` is convex, piecewise linear in ``|z|`` with kinks at the magnitudes of the
other clusters: the minimiser (the
"SLOPE thresholding" of the paper) either lies inside one of the intervals between
these magnitudes, or at one of them (the cluster merges into that cluster), or at 0
(the cluster leaves). Every move is an exact minimisation of a convex function along
a direction, so the objective never increases.

The clusters are linked lists of coefficient indices, kept in decreasing order of
magnitude; a merge concatenates two lists in O(1). Equal magnitudes are exact (a merge
sets the moved cluster to the other cluster's value), so the cluster labels of the
result are exact.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def _build_clusters(beta, cval, csize, head, tail, nxt, corder, where, above):
    """Group the non-zero entries of ``beta`` by equal magnitude; return the count.

    ``corder[t]`` is the cluster at position ``t`` (decreasing magnitude), ``where`` its
    inverse, ``above[t]`` the number of coefficients in the clusters at positions < t.
    """
    p = beta.shape[0]
    n_nz = 0
    for j in range(p):
        if beta[j] != 0.0:
            n_nz += 1
    idx = np.empty(n_nz, dtype=np.int64)
    mags = np.empty(n_nz)
    k = 0
    for j in range(p):
        if beta[j] != 0.0:
            idx[k] = j
            mags[k] = abs(beta[j])
            k += 1
    order = np.argsort(-mags, kind="mergesort")
    n_clusters = 0
    for t in range(n_nz):
        j = idx[order[t]]
        v = mags[order[t]]
        nxt[j] = -1
        if n_clusters > 0 and cval[n_clusters - 1] == v:
            c = n_clusters - 1
            nxt[tail[c]] = j
            tail[c] = j
            csize[c] += 1
        else:
            c = n_clusters
            cval[c] = v
            csize[c] = 1
            head[c] = j
            tail[c] = j
            corder[c] = c
            where[c] = c
            n_clusters += 1
    _recount(corder, csize, above, 0, n_clusters)
    return n_clusters


@njit(cache=True)
def _recount(corder, csize, above, start, n_active):
    """Recompute the prefix counts ``above`` from position ``start`` on."""
    if start == 0:
        above[0] = 0
        start = 1
    for t in range(start, n_active + 1):
        above[t] = above[t - 1] + csize[corder[t - 1]]


@njit(cache=True)
def _slope_threshold(absw, a, k, pos, m, cval, corder, above, n_active, cum):
    """Minimise ``1/2 (z - absw)^2 / a + J(z)`` over z >= 0 for cluster ``k`` of size m.

    ``J`` is the sorted L1 norm along ``beta_k = z sign(beta_k)`` with the other clusters
    fixed: between two consecutive other magnitudes (a region) the ``m`` coefficients
    take ``m`` consecutive weights, so the minimiser in region ``t`` is ``absw - a s_t``
    (``s_t`` the sum of those weights), which does not decrease with ``t`` while the
    region's lower end does: the answer lies in the first region (from the top) where
    it exceeds the lower end, or at that region's upper end (a merge). The search starts
    at the region of the current value (position ``pos`` of ``k``), so a small move costs
    O(1) rather than O(number of clusters).

    Returns ``(z, target)`` where ``target`` is the cluster it merges into (or -1).
    """
    n_others = n_active - 1
    t = pos  # regions and "others" are indexed with k removed from the order
    zc = _region_value(absw, a, t, pos, m, above, cum)
    if zc > _region_lo(t, pos, n_others, cval, corder):
        while t > 0:
            z_up = _region_value(absw, a, t - 1, pos, m, above, cum)
            if not z_up > _region_lo(t - 1, pos, n_others, cval, corder):
                break
            t -= 1
            zc = z_up
    else:
        while t < n_others:
            t += 1
            zc = _region_value(absw, a, t, pos, m, above, cum)
            if zc > _region_lo(t, pos, n_others, cval, corder):
                break
        if t == n_others and not zc > 0.0:
            return 0.0, -1
    if t > 0:
        up = corder[t - 1] if t - 1 < pos else corder[t]  # the other cluster above
        if zc >= cval[up]:
            return cval[up], up
    return zc, -1


@njit(cache=True)
def _region_value(absw, a, t, pos, m, above, cum):
    """Unconstrained minimiser in region ``t`` (others indexing, ``k`` at ``pos``)."""
    before = above[t] if t <= pos else above[t + 1] - m
    return absw - a * (cum[before + m] - cum[before])


@njit(cache=True)
def _region_lo(t, pos, n_others, cval, corder):
    """Lower end of region ``t``: the magnitude of the other cluster below it (or 0)."""
    if t == n_others:
        return 0.0
    return cval[corder[t] if t < pos else corder[t + 1]]


@njit(cache=True)
def _move_cluster(k, z_abs, target, cval, csize, head, tail, nxt, corder, where, above,
                  n_active):
    """Update the cluster order after cluster ``k`` moved to magnitude ``z_abs``.

    A move within the order swaps ``k`` with its neighbours (O(distance)); a cluster that
    leaves (0) or merges is removed, and the counts below it are recomputed.
    """
    pos = where[k]
    m = csize[k]
    if z_abs == 0.0 or target >= 0:
        for u in range(pos, n_active - 1):
            corder[u] = corder[u + 1]
            where[corder[u]] = u
        n_active -= 1
        start = pos
        if target >= 0:
            nxt[tail[target]] = head[k]
            tail[target] = tail[k]
            csize[target] += m
            start = min(pos, where[target])
        _recount(corder, csize, above, start, n_active)
        return n_active
    cval[k] = z_abs
    while pos > 0 and cval[corder[pos - 1]] < z_abs:  # up: swap with the one above
        o = corder[pos - 1]
        corder[pos] = o
        where[o] = pos
        above[pos] = above[pos - 1] + m
        pos -= 1
    while pos + 1 < n_active and cval[corder[pos + 1]] > z_abs:  # down
        o = corder[pos + 1]
        corder[pos] = o
        where[o] = pos
        above[pos + 1] = above[pos] + csize[o]
        pos += 1
    corder[pos] = k
    where[k] = pos
    return n_active


# reductions may be reordered (SIMD); no assumption on NaN / inf
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}


@njit(cache=True, fastmath=_FASTMATH)
def _singleton_curvature(X, col, cls, K, mj, h, uniform):
    """``sum_i h_i (x_i - m)^2`` for one dense column (the curvature of its coordinate)."""
    n = X.shape[0]
    acc = 0.0
    if uniform:
        for i in range(n):
            v = X[i, col] - mj
            acc += v * v
        return acc / n
    for i in range(n):
        v = X[i, col] - mj
        acc += h[i * K + cls] * v * v
    return acc


@njit(cache=True, fastmath=_FASTMATH)
def _singleton_grad(X, col, cls, K, mj, r, h, uniform):
    """``sum_i h_i (x_i - m) r_i`` for one dense column (the model's negative gradient)."""
    n = X.shape[0]
    acc = 0.0
    if uniform:
        for i in range(n):
            acc += (X[i, col] - mj) * r[i * K + cls]
        return acc / n
    if K == 1:
        for i in range(n):
            acc += h[i] * (X[i, col] - mj) * r[i]
        return acc
    for i in range(n):
        acc += h[i * K + cls] * (X[i, col] - mj) * r[i * K + cls]
    return acc


@njit(cache=True, fastmath=_FASTMATH)
def _singleton_move(X, col, cls, K, mj, r, step):
    """``r -= step (x - m)`` on one dense column."""
    n = X.shape[0]
    if K == 1:
        for i in range(n):
            r[i] -= step * (X[i, col] - mj)
        return
    for i in range(n):
        r[i * K + cls] -= step * (X[i, col] - mj)


@njit(cache=True, fastmath=_FASTMATH)
def _move_then_grad(X, pcol, pm, pstep, col, mj, r, h, uniform):
    """``r -= pstep (x_pcol - pm)`` fused with the gradient of the next singleton.

    Returns ``sum_i h_i (x_col,i - mj) r_i`` at the moved ``r`` (one output): the
    residual and the weights are read once for both (the gradient reads each entry of
    ``r`` right after it is moved, as the two separate passes do).
    """
    n = X.shape[0]
    acc = 0.0
    if uniform:
        for i in range(n):
            ri = r[i] - pstep * (X[i, pcol] - pm)
            r[i] = ri
            acc += (X[i, col] - mj) * ri
        return acc / n
    for i in range(n):
        ri = r[i] - pstep * (X[i, pcol] - pm)
        r[i] = ri
        acc += h[i] * (X[i, col] - mj) * ri
    return acc


@njit(cache=True, fastmath=_FASTMATH)
def _cluster_direction(dense, X, data, indices, indptr, xmean, center, beta, head, nxt, K,
                       n, d, shift):
    """``d = sum_{j in C} sign(beta_j) (x_j - m_j)`` over the linked list from ``head``."""
    d[:] = 0.0
    shift[:] = 0.0
    j = head
    while j != -1:
        sj = 1.0 if beta[j] > 0 else -1.0
        col = j // K
        cls = j - col * K
        if dense:
            if K == 1:
                for i in range(n):
                    d[i] += sj * X[i, col]
            else:
                for i in range(n):
                    d[i * K + cls] += sj * X[i, col]
        else:
            for ii in range(indptr[col], indptr[col + 1]):
                d[indices[ii] * K + cls] += sj * data[ii]
        shift[cls] += sj * xmean[j]
        j = nxt[j]
    if center:
        for i in range(n):
            for c in range(K):
                d[i * K + c] -= shift[c]


@njit(cache=True)
def _cd_core(dense, X, data, indices, indptr, xmean, center, r, beta, lam, n_epochs, tol, h,
             n_out, curv_in, cache_dirs):
    # h: sample weights of the quadratic (empty: uniform 1 / n); n_out outputs (K > 1:
    # beta is the C-ordered flat (p, K) matrix, r and h the flat (n, K) matrices).
    # Stops after an epoch whose largest move (in the norm of the model) is <= tol.
    K = n_out
    m = r.shape[0]
    n = m // K
    uniform = h.shape[0] == 0
    p = beta.shape[0]
    cum = np.empty(p + 1)
    cum[0] = 0.0
    for j in range(p):
        cum[j + 1] = cum[j] + lam[j]
    cval = np.empty(p)
    csize = np.zeros(p, dtype=np.int64)
    head = np.empty(p, dtype=np.int64)
    tail = np.empty(p, dtype=np.int64)
    nxt = np.empty(p, dtype=np.int64)
    corder = np.empty(p, dtype=np.int64)
    where = np.empty(p, dtype=np.int64)
    above = np.empty(p + 1, dtype=np.int64)
    n_active = _build_clusters(beta, cval, csize, head, tail, nxt, corder, where, above)
    alive = np.ones(max(n_active, 1), dtype=np.bool_)
    # curvature of each singleton cluster's coordinate, once per call (dense designs:
    # a singleton then costs two passes over its column instead of five)
    # (given by the caller as curv_in, length p, or computed here)
    given = curv_in.shape[0] == p
    curv = curv_in if given else np.full(p, -1.0)
    if dense and not given:
        for k in range(n_active):
            if csize[k] == 1:
                j = head[k]
                col = j // K
                curv[j] = _singleton_curvature(X, col, j - col * K, K,
                                               xmean[j] if center else 0.0, h, uniform)
    d = np.empty(m)
    shift = np.zeros(K)
    # the direction (and curvature) of each cluster of several coefficients, kept from
    # one epoch to the next while its members and signs stay (a merge into it or a
    # sign flip rebuilds it): then a visit costs two passes over the samples instead
    # of one per member plus four. Slots are bounded (16 MB); beyond, no cache.
    cap = min(n_active, max(1, (1 << 21) // max(m, 1))) if cache_dirs else 0
    dbuf = np.empty((cap, m))
    hbuf = np.empty(cap)
    slot = np.full(max(n_active, 1), -1, dtype=np.int64)
    valid = np.zeros(max(n_active, 1), dtype=np.bool_)
    n_slots = 0
    dk = d
    snapshot = np.empty(max(n_active, 1), dtype=np.int64)
    # one output, dense: a singleton's move is deferred and fused with the next
    # singleton's gradient (pending: column, mean, step), applied before anything else
    # reads r
    fuse = dense and K == 1
    pending = False
    p_col = 0
    p_m = 0.0
    p_step = 0.0
    epoch = 0
    for epoch in range(n_epochs):  # noqa: B007 (the count is returned)
        max_change = 0.0
        n_snap = n_active
        for t in range(n_snap):
            snapshot[t] = corder[t]
        for t in range(n_snap):
            k = snapshot[t]
            if not alive[k]:
                continue
            single = dense and csize[k] == 1
            if single:
                j = head[k]
                col = j // K
                cls = j - col * K
                mj = xmean[j] if center else 0.0
                sj = 1.0 if beta[j] > 0 else -1.0
                hh = curv[j]
                if pending:
                    gr = sj * _move_then_grad(X, p_col, p_m, p_step, col, mj, r, h,
                                              uniform)
                    pending = False
                else:
                    gr = sj * _singleton_grad(X, col, cls, K, mj, r, h, uniform)
            else:
                if pending:
                    _singleton_move(X, p_col, 0, 1, p_m, r, p_step)
                    pending = False
                sl = slot[k]
                if sl < 0 and n_slots < cap:
                    sl = n_slots
                    slot[k] = sl
                    n_slots += 1
                dk = dbuf[sl] if sl >= 0 else d
                if sl >= 0 and valid[k]:
                    hh = hbuf[sl]
                    gr = 0.0
                    if uniform:
                        for i in range(n):
                            gr += dk[i] * r[i]
                        gr /= n
                    else:
                        for i in range(m):
                            gr += h[i] * dk[i] * r[i]
                else:
                    _cluster_direction(dense, X, data, indices, indptr, xmean, center, beta,
                                       head[k], nxt, K, n, dk, shift)
                    hh = 0.0
                    gr = 0.0
                    if uniform:
                        for i in range(n):
                            hh += dk[i] * dk[i]
                            gr += dk[i] * r[i]
                        hh /= n
                        gr /= n
                    else:
                        for i in range(m):
                            hd = h[i] * dk[i]
                            hh += hd * dk[i]
                            gr += hd * r[i]
                    if sl >= 0:
                        hbuf[sl] = hh
                        valid[k] = True
            if hh <= 0.0:
                continue
            c = cval[k]
            w = c + gr / hh
            z_abs, target = _slope_threshold(
                abs(w), 1.0 / hh, k, where[k], csize[k], cval, corder, above, n_active, cum
            )
            z = z_abs if w >= 0 else -z_abs
            delta = z - c
            if delta == 0.0:
                continue
            if single and fuse:
                pending, p_col, p_m, p_step = True, col, mj, delta * sj
            elif single:
                _singleton_move(X, col, cls, K, mj, r, delta * sj)
            else:
                for i in range(m):
                    r[i] -= delta * dk[i]
                if z < 0:
                    valid[k] = False  # the signs flip: so does the direction
            j = head[k]
            while j != -1:
                beta[j] = z if beta[j] > 0 else -z
                j = nxt[j]
            change = abs(delta) * np.sqrt(hh)
            if change > max_change:
                max_change = change
            n_active = _move_cluster(
                k, z_abs, target, cval, csize, head, tail, nxt, corder, where, above, n_active
            )
            if target >= 0:
                valid[target] = False  # k's members join target: its direction changes
            if z_abs == 0.0 or target >= 0:
                alive[k] = False
        if pending:
            _singleton_move(X, p_col, 0, 1, p_m, r, p_step)
            pending = False
        if max_change <= tol:
            break
    return epoch + 1


@njit(cache=True)
def cd_epochs_dense(X, xmean, center, r, beta, lam, n_epochs, tol, h, n_out, curv,
                    cache_dirs):
    """Cluster coordinate descent epochs on a Fortran-ordered dense design.

    Minimises ``1/2 sum_i h_i (r_i - (X_c d)_i)^2 + J(beta + d)`` over ``d``, ``X_c`` the
    design centred by ``xmean`` when ``center`` (the ``h``-weighted column means: the
    intercept is profiled out). ``h`` empty means uniform weights ``1 / n``. ``r`` (the
    centred residual) and ``beta`` are updated in place; ``lam`` are the scaled weights
    ``alpha * lambdas``. With ``n_out = K > 1`` outputs (multinomial), ``beta`` is the
    flat C-ordered (p, K) matrix (entry ``j K + k`` multiplies column ``j`` in output
    ``k``), ``r``, ``h`` the flat (n, K) matrices and ``xmean`` the flat (p, K) means
    (per output weights). ``curv`` (length ``p``, or empty: computed here) holds each
    coefficient's curvature ``sum_i h_i (x_ij - xmean_j)^2``; ``cache_dirs`` keeps the
    directions of the clusters of several coefficients between epochs. Returns the
    number of epochs.
    """
    empty_f = np.empty(0)
    empty_i = np.empty(0, dtype=np.int64)
    return _cd_core(True, X, empty_f, empty_i, empty_i, xmean, center, r, beta, lam,
                    n_epochs, tol, h, n_out, curv, cache_dirs)


@njit(cache=True)
def cd_epochs_sparse(data, indices, indptr, xmean, center, r, beta, lam, n_epochs, tol, h,
                     n_out, cache_dirs):
    """Cluster coordinate descent epochs on a CSC design (``data, indices, indptr``)."""
    empty_x = np.empty((0, 0)).T
    empty_f = np.empty(0)
    return _cd_core(False, empty_x, data, indices, indptr, xmean, center, r, beta, lam,
                    n_epochs, tol, h, n_out, empty_f, cache_dirs)
