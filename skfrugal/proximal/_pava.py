"""Pool-adjacent-violators kernels for the proximal operators of sorted penalties.

The proximal operator of ``step * Psi`` with ``Psi(x) = sum_i psi(|x|_(i); lambda_i)``
reduces, after sorting ``|y|`` decreasingly into ``z``, to the isotonic problem

    (P_iso)  min_{x_1 >= ... >= x_m >= 0}  sum_i 1/2 (x_i - z_i)^2 + step * psi(x_i; lambda_i),

solved by pool-adjacent-violators (PAV): push each index as a block holding the
minimiser of its own term; while the previous block's value is not larger than the
top one, pool them and recompute the pooled block's value. The blocks at the end are
the clusters of the solution.

Block values (``B = [s, e)``, ``n = e - s``, ``Sz`` the sum of ``z`` over ``B``, ``L`` the
prefix sums of ``lambda``):

- L1: ``max((Sz - step (L[e] - L[s])) / n, 0)``, O(1).
- MCP: the derivative of the pooled objective is piecewise linear with kinks at
  ``gamma * lambda_j``; a binary search over the kinks with prefix sums finds the
  active prefix in O(log n).
- SCAD: kinks at ``lambda_j`` and ``a lambda_j``; two binary searches bracket the root
  (O(log^2 n) as each evaluation counts a prefix by bisection), then a closed form.
- log-sum and l_q (``psi = lambda phi``): the pooled objective is
  ``n/2 (t - mean z)^2 + step (L[e] - L[s]) phi(t) + const``, so the block value is the
  scalar prox of ``step * mean(lambda) * phi`` at ``mean z``.

Every kernel works on float64 C-contiguous arrays and int64 indices: the Python
wrappers normalise inputs so that each kernel has exactly one signature.
"""

import numpy as np
from numba import njit

# penalty codes shared with the Python wrappers and the solvers
L1, MCP, SCAD, LOG, LQ = 0, 1, 2, 3, 4
PENALTY_CODES = {"l1": L1, "mcp": MCP, "scad": SCAD, "log": LOG, "lq": LQ}


@njit(cache=True, inline="always")
def _mcp_g(k, n, s, sz, lam, cum, eta, gamma):
    # derivative of the pooled MCP objective at the kink t = gamma * lam[s + k - 1]
    t = gamma * lam[s + k - 1]
    return n * t - sz + eta * ((cum[s + k - 1] - cum[s]) - (k - 1) * t / gamma)


@njit(cache=True, inline="always")
def _block_mcp(s, e, sz, lam, cum, eta, gamma):
    n = e - s
    if sz <= eta * (cum[e] - cum[s]):
        return 0.0
    # largest k in [0, n] with g(gamma * lam_k) >= 0 (k = 0 stands for t = +inf)
    lo, hi = 0, n + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _mcp_g(mid, n, s, sz, lam, cum, eta, gamma) >= 0.0:
            lo = mid
        else:
            hi = mid
    k = lo
    t = (sz - eta * (cum[s + k] - cum[s])) / (n - eta * k / gamma)
    return max(t, 0.0)


@njit(cache=True, inline="always")
def _count_ge(values, s, e, t, scale):
    # number of j in [s, e) with scale * values[j] >= t (values non-increasing)
    lo, hi = s, e
    while lo < hi:
        mid = (lo + hi) // 2
        if scale * values[mid] >= t:
            lo = mid + 1
        else:
            hi = mid
    return lo - s


@njit(cache=True, inline="always")
def _scad_g(t, c1, c2, n, s, sz, cum, eta, a):
    # derivative of the pooled SCAD objective at t, c1 = #{lam_j >= t}, c2 = #{a lam_j >= t}
    mid = (a * (cum[s + c2] - cum[s + c1]) - (c2 - c1) * t) / (a - 1.0)
    return n * t - sz + eta * ((cum[s + c1] - cum[s]) + mid)


@njit(cache=True, inline="always")
def _block_scad(s, e, sz, lam, cum, eta, a):
    n = e - s
    if sz <= eta * (cum[e] - cum[s]):
        return 0.0
    # bracket among the kinks lam_k: largest k with g(lam_k) >= 0
    lo, hi = 0, n + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        t = lam[s + mid - 1]
        c2 = _count_ge(lam, s, e, t, a)
        if _scad_g(t, mid, c2, n, s, sz, cum, eta, a) >= 0.0:
            lo = mid
        else:
            hi = mid
    k1 = lo
    # bracket among the kinks a * lam_k: largest k with g(a lam_k) >= 0
    lo, hi = 0, n + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        t = a * lam[s + mid - 1]
        c1 = _count_ge(lam, s, e, t, 1.0)
        if _scad_g(t, c1, mid, n, s, sz, cum, eta, a) >= 0.0:
            lo = mid
        else:
            hi = mid
    k2 = max(lo, k1)
    num = sz - eta * (cum[s + k1] - cum[s]) - eta * a * (cum[s + k2] - cum[s + k1]) / (a - 1.0)
    den = n - eta * (k2 - k1) / (a - 1.0)
    return max(num / den, 0.0)


@njit(cache=True)
def prox_log_scalar(z, mu, eps):
    """Prox of ``mu * log(1 + t / eps)`` at ``z >= 0`` in the convex regime ``mu < eps**2``."""
    if z * eps <= mu:
        return 0.0
    return 0.5 * ((z - eps) + np.sqrt((z + eps) ** 2 - 4.0 * mu))


@njit(cache=True)
def lq_threshold(mu, q):
    """Smallest ``z`` whose prox of ``mu * t**q`` is non-zero."""
    return (2.0 - q) / (2.0 * (1.0 - q)) * (2.0 * mu * (1.0 - q)) ** (1.0 / (2.0 - q))


@njit(cache=True)
def prox_lq_scalar(z, mu, q):
    """Global minimiser over ``t >= 0`` of ``1/2 (t - z)^2 + mu t^q`` (ties go to 0).

    Closed forms for q = 1/2 (half thresholding) and q = 2/3 (Ferrari's quartic),
    polished by Newton; otherwise Newton from ``t = z`` on the convex function
    ``h(t) = t - z + mu q t^(q - 1)``, which converges monotonically to its larger root.
    """
    if mu <= 0.0:
        return z
    if z <= lq_threshold(mu, q):
        return 0.0
    if q == 0.5:
        phi = np.arccos(-(3.0**1.5 / 4.0) * mu * z**-1.5)
        t = (2.0 / 3.0) * z * (1.0 + np.cos((2.0 / 3.0) * phi))
    elif abs(q - 2.0 / 3.0) < 1e-14:
        r = 2.0 * mu / 3.0
        c = z * z / 8.0
        disc = (c / 2.0) ** 2 - (r / 3.0) ** 3
        if disc >= 0.0:
            sq = np.sqrt(disc)
            m = np.cbrt(c / 2.0 + sq) + np.cbrt(c / 2.0 - sq)
        else:
            m = 2.0 * np.sqrt(r / 3.0) * np.cos(np.arccos((c / 2.0) / (r / 3.0) ** 1.5) / 3.0)
        rm = np.sqrt(2.0 * m)
        s = 0.5 * (rm + np.sqrt(max(2.0 * z / rm - 2.0 * m, 0.0)))
        t = s * s * s
    else:
        t = z
    # Newton polish (a few steps from a closed form, to convergence otherwise)
    tmin = (mu * q * (1.0 - q)) ** (1.0 / (2.0 - q))
    for _ in range(100):
        h = t - z + mu * q * t ** (q - 1.0)
        dh = 1.0 - mu * q * (1.0 - q) * t ** (q - 2.0)
        if dh <= 0.0:
            break
        t_new = t - h / dh
        if t_new < tmin:
            t_new = 0.5 * (t + tmin)
        if abs(t_new - t) <= 1e-15 * t:
            t = t_new
            break
        t = t_new
    return t


@njit(cache=True, inline="always")
def _block_value(code, s, e, sz, lam, cum, eta, param):
    n = e - s
    if code == 0:
        return max((sz - eta * (cum[e] - cum[s])) / n, 0.0)
    if code == 1:
        return _block_mcp(s, e, sz, lam, cum, eta, param)
    if code == 2:
        return _block_scad(s, e, sz, lam, cum, eta, param)
    mu = eta * (cum[e] - cum[s]) / n
    if code == 3:
        return prox_log_scalar(sz / n, mu, param)
    return prox_lq_scalar(sz / n, mu, param)


@njit(cache=True)
def pav(z, lam, code, eta, param, x, starts):
    """Solve (P_iso) for ``z`` sorted non-increasing and non-negative.

    Parameters
    ----------
    z : ndarray of shape (m,)
        Sorted magnitudes.
    lam : ndarray of shape (m,)
        Non-increasing, non-negative weights.
    code : int
        Penalty code (``PENALTY_CODES``).
    eta : float
        Step size.
    param : float
        gamma (MCP), a (SCAD), eps (log-sum) or q (l_q); unused for L1.
    x : ndarray of shape (m,)
        Output: the solution.
    starts : ndarray of shape (m + 1,), int64
        Output: ``starts[:n_blocks + 1]`` are the block boundaries.

    Returns
    -------
    n_blocks : int
    """
    m = z.shape[0]
    val = np.empty(m)
    sums = np.empty(m)
    if code == 0:
        # L1 fast path: running sums of z - eta * lam, clipped at 0 when written
        top = -1
        for i in range(m):
            top += 1
            starts[top] = i
            v = z[i] - eta * lam[i]
            sums[top] = v
            val[top] = v
            while top > 0 and val[top - 1] <= val[top]:
                sums[top - 1] += sums[top]
                top -= 1
                val[top] = sums[top] / (i + 1 - starts[top])
        n_blocks = top + 1
        starts[n_blocks] = m
        for b in range(n_blocks):
            v = max(val[b], 0.0)
            for i in range(starts[b], starts[b + 1]):
                x[i] = v
        return n_blocks
    cum = np.empty(m + 1)
    cum[0] = 0.0
    for i in range(m):
        cum[i + 1] = cum[i] + lam[i]
    top = -1
    for i in range(m):
        top += 1
        starts[top] = i
        sums[top] = z[i]
        val[top] = _block_value(code, i, i + 1, z[i], lam, cum, eta, param)
        while top > 0 and val[top - 1] <= val[top]:
            sums[top - 1] += sums[top]
            top -= 1
            val[top] = _block_value(code, starts[top], i + 1, sums[top], lam, cum, eta, param)
    n_blocks = top + 1
    starts[n_blocks] = m
    for b in range(n_blocks):
        for i in range(starts[b], starts[b + 1]):
            x[i] = val[b]
    return n_blocks


@njit(cache=True)
def prefilter(y, threshold, idx, mags):
    """Write the indices and magnitudes of the entries with ``|y_i| > threshold``.

    Returns
    -------
    m : int
        Number of entries kept (``idx[:m]``, ``mags[:m]``).
    """
    m = 0
    for i in range(y.shape[0]):
        v = abs(y[i])
        if v > threshold:
            idx[m] = i
            mags[m] = v
            m += 1
    return m


@njit(cache=True)
def make_keys(mags, m, keys):
    """Sort keys: the bits of ``mags[j]`` with the low bits replaced by ``j``.

    Non-negative doubles order like their bit patterns, so sorting these integers
    (NumPy's ``sort``, several times faster than ``argsort``) orders the entries by
    magnitude up to a relative 2**-(52 - bits) and carries the index along; the exact
    order is restored afterwards by an insertion pass over the nearly sorted values.

    Returns
    -------
    mask : int
        ``2**bits - 1``, to extract the indices.
    """
    bits = 1
    while (1 << bits) < m:
        bits += 1
    mask = np.uint64((1 << bits) - 1)
    hi = ~mask
    raw = mags.view(np.uint64)
    for j in range(m):
        keys[j] = (raw[j] & hi) | np.uint64(j)
    return (1 << bits) - 1


@njit(cache=True)
def pav_scatter(y, idx, mags, keys, mask, lam, code, eta, param, out, labels, want_labels):
    """PAV on the kept entries ordered by the sorted ``keys``, scattered back with signs.

    ``out`` and ``labels`` must be zero on entry; entries outside ``idx`` stay zero.
    ``labels`` (filled only if ``want_labels``) gets 0 for zeros and 1..K by decreasing
    magnitude. ``mags`` is overwritten (reused as a buffer). The scatter goes through
    the compact arrays first, so that the writes into ``out`` run in increasing index
    order: random accesses dominate the cost at large sizes.

    Returns
    -------
    n_clusters : int
        Number of non-zero clusters.
    """
    m = keys.shape[0]
    umask = np.uint64(mask)
    perm = np.empty(m, dtype=np.int64)
    z = np.empty(m)
    for k in range(m):
        j = np.int64(keys[m - 1 - k] & umask)
        perm[k] = j
        z[k] = mags[j]
    # exact decreasing order (the keys agree with it up to the truncated bits)
    for k in range(1, m):
        v = z[k]
        if v > z[k - 1]:
            j = perm[k]
            t = k
            while t > 0 and z[t - 1] < v:
                z[t] = z[t - 1]
                perm[t] = perm[t - 1]
                t -= 1
            z[t] = v
            perm[t] = j
    starts = np.empty(m + 1, dtype=np.int64)
    n_blocks = pav(z, lam[:m], code, eta, param, z, starts)
    lab = np.zeros(m if want_labels else 0, dtype=np.int64)
    n_clusters = 0
    for b in range(n_blocks):
        v = z[starts[b]]
        if v > 0.0:
            n_clusters += 1
        for k in range(starts[b], starts[b + 1]):
            j = perm[k]
            mags[j] = v
            if want_labels and v > 0.0:
                lab[j] = n_clusters
    for j in range(m):
        i = idx[j]
        v = mags[j]
        if v > 0.0:
            out[i] = v if y[i] > 0 else -v
            if want_labels:
                labels[i] = lab[j]
    return n_clusters
