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
def _build_clusters(beta, cval, csize, head, tail, nxt, corder):
    """Group the non-zero entries of ``beta`` by equal magnitude; return the count."""
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
            n_clusters += 1
    return n_clusters


@njit(cache=True)
def _slope_threshold(absw, a, k, cval, csize, corder, n_active, cum, m):
    """Minimise ``1/2 (z - absw)^2 / a + J(z)`` over z >= 0 for cluster ``k`` of size m.

    Returns ``(z, target)`` where ``target`` is the cluster it merges into (or -1).
    """
    before = 0  # number of coefficients in the other clusters above the region
    prev_val = np.inf
    for t in range(n_active):
        other = corder[t]
        if other == k:
            continue
        hi = prev_val
        lo = cval[other]
        s = cum[before + m] - cum[before]
        zc = absw - a * s
        if zc >= hi:
            return hi, corder_prev_target(corder, t, k)
        if zc > lo:
            return zc, -1
        before += csize[other]
        prev_val = lo
    s = cum[before + m] - cum[before]
    zc = absw - a * s
    if zc >= prev_val:
        return prev_val, corder_last_target(corder, n_active, k)
    if zc > 0.0:
        return zc, -1
    return 0.0, -1


@njit(cache=True)
def corder_prev_target(corder, t, k):
    """The other cluster just above position ``t`` (skipping ``k``)."""
    for u in range(t - 1, -1, -1):
        if corder[u] != k:
            return corder[u]
    return -1


@njit(cache=True)
def corder_last_target(corder, n_active, k):
    """The last other cluster in the order (skipping ``k``)."""
    for u in range(n_active - 1, -1, -1):
        if corder[u] != k:
            return corder[u]
    return -1


@njit(cache=True)
def _move_cluster(k, z_abs, target, beta, cval, csize, head, tail, nxt, corder, n_active):
    """Update the cluster order after cluster ``k`` moved to magnitude ``z_abs``."""
    # remove k from the order
    pos = 0
    while corder[pos] != k:
        pos += 1
    for u in range(pos, n_active - 1):
        corder[u] = corder[u + 1]
    n_active -= 1
    if z_abs == 0.0:
        return n_active
    if target >= 0:
        nxt[tail[target]] = head[k]
        tail[target] = tail[k]
        csize[target] += csize[k]
        return n_active
    cval[k] = z_abs
    pos = 0
    while pos < n_active and cval[corder[pos]] > z_abs:
        pos += 1
    for u in range(n_active, pos, -1):
        corder[u] = corder[u - 1]
    corder[pos] = k
    return n_active + 1


@njit(cache=True)
def _cd_core(dense, X, data, indices, indptr, xmean, center, r, beta, lam, n_epochs, tol, h,
             n_out):
    # h: sample weights of the quadratic (empty: uniform 1 / n); n_out outputs (K > 1:
    # beta is the C-ordered flat (p, K) matrix, r and h the flat (n, K) matrices)
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
    n_active = _build_clusters(beta, cval, csize, head, tail, nxt, corder)
    alive = np.ones(max(n_active, 1), dtype=np.bool_)
    d = np.empty(m)
    shift = np.zeros(K)
    snapshot = np.empty(max(n_active, 1), dtype=np.int64)
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
            d[:] = 0.0
            shift[:] = 0.0
            j = head[k]
            while j != -1:
                sj = 1.0 if beta[j] > 0 else -1.0
                if K == 1:
                    if dense:
                        for i in range(n):
                            d[i] += sj * X[i, j]
                    else:
                        for ii in range(indptr[j], indptr[j + 1]):
                            d[indices[ii]] += sj * data[ii]
                    shift[0] += sj * xmean[j]
                else:
                    col = j // K
                    cls = j - col * K
                    if dense:
                        for i in range(n):
                            d[i * K + cls] += sj * X[i, col]
                    else:
                        for ii in range(indptr[col], indptr[col + 1]):
                            d[indices[ii] * K + cls] += sj * data[ii]
                    shift[cls] += sj * xmean[j]
                j = nxt[j]
            hh = 0.0
            gr = 0.0
            if center:
                if K == 1:
                    s0 = shift[0]
                    for i in range(n):
                        d[i] -= s0
                else:
                    for i in range(n):
                        for c in range(K):
                            d[i * K + c] -= shift[c]
            if uniform:
                for i in range(n):
                    hh += d[i] * d[i]
                    gr += d[i] * r[i]
                hh /= n
                gr /= n
            else:
                for i in range(m):
                    hd = h[i] * d[i]
                    hh += hd * d[i]
                    gr += hd * r[i]
            if hh <= 0.0:
                continue
            c = cval[k]
            w = c + gr / hh
            z_abs, target = _slope_threshold(
                abs(w), 1.0 / hh, k, cval, csize, corder, n_active, cum, csize[k]
            )
            z = z_abs if w >= 0 else -z_abs
            delta = z - c
            if delta == 0.0:
                continue
            for i in range(m):
                r[i] -= delta * d[i]
            j = head[k]
            while j != -1:
                beta[j] = z if beta[j] > 0 else -z
                j = nxt[j]
            change = abs(delta) * np.sqrt(hh)
            if change > max_change:
                max_change = change
            n_active = _move_cluster(
                k, z_abs, target, beta, cval, csize, head, tail, nxt, corder, n_active
            )
            if z_abs == 0.0 or target >= 0:
                alive[k] = False
        if max_change <= tol:
            break
    return epoch + 1


@njit(cache=True)
def cd_epochs_dense(X, xmean, center, r, beta, lam, n_epochs, tol, h, n_out):
    """Cluster coordinate descent epochs on a Fortran-ordered dense design.

    Minimises ``1/2 sum_i h_i (r_i - (X_c d)_i)^2 + J(beta + d)`` over ``d``, ``X_c`` the
    design centred by ``xmean`` when ``center`` (the ``h``-weighted column means: the
    intercept is profiled out). ``h`` empty means uniform weights ``1 / n``. ``r`` (the
    centred residual) and ``beta`` are updated in place; ``lam`` are the scaled weights
    ``alpha * lambdas``. With ``n_out = K > 1`` outputs (multinomial), ``beta`` is the
    flat C-ordered (p, K) matrix (entry ``j K + k`` multiplies column ``j`` in output
    ``k``), ``r``, ``h`` the flat (n, K) matrices and ``xmean`` the flat (p, K) means
    (per output weights). Returns the number of epochs.
    """
    empty_f = np.empty(0)
    empty_i = np.empty(0, dtype=np.int64)
    return _cd_core(True, X, empty_f, empty_i, empty_i, xmean, center, r, beta, lam,
                    n_epochs, tol, h, n_out)


@njit(cache=True)
def cd_epochs_sparse(data, indices, indptr, xmean, center, r, beta, lam, n_epochs, tol, h,
                     n_out):
    """Cluster coordinate descent epochs on a CSC design (``data, indices, indptr``)."""
    empty_x = np.empty((0, 0)).T
    return _cd_core(False, empty_x, data, indices, indptr, xmean, center, r, beta, lam,
                    n_epochs, tol, h, n_out)
