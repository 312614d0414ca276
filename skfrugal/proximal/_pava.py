"""Pool-adjacent-violators kernels for the proximal operators of sorted penalties.

The proximal operator of ``step * Psi`` with ``Psi(x) = sum_i psi(|x|_(i); lambda_i)``
reduces, after sorting ``|y|`` decreasingly into ``z``, to the isotonic problem

    (P_iso)  min_{x_1 >= ... >= x_m >= 0}  sum_i 1/2 (x_i - z_i)^2 + step * psi(x_i; lambda_i),

solved by pool-adjacent-violators (PAV): push each index as a block holding the
minimiser of its own term; while the previous block's value is not larger than the
top one, pool them and recompute the pooled block's value. The blocks at the end are
the clusters of the solution.

Block values (``B = [s, e)``, ``n = e - s``, ``Sz`` and ``Sl`` the sums of ``z`` and of
``lambda`` over ``B``, kept on the PAV stack; ``L`` the prefix sums of ``lambda``):

- L1: ``max((Sz - step Sl) / n, 0)``, O(1).
- MCP: the derivative ``g`` of the pooled objective is increasing, piecewise linear,
  with kinks at ``gamma * lambda_j``. When the root is beyond all of the block's kinks
  or below all of them (the usual case) a closed form in ``Sz`` and ``Sl`` gives it in
  O(1); otherwise a binary search over the kinks with the prefix sums ``L`` finds the
  active prefix, O(log n).
- SCAD: kinks at ``lambda_j`` and ``a lambda_j``. When the root is in one regime for
  the whole block (slope ``lambda``, middle, flat) a closed form gives it in O(1);
  otherwise two binary searches bracket it, each evaluation of ``g`` at a kink O(1)
  (the number of weights of the block in each regime there is read from prefix
  counts computed once per prox by two linear merges, :func:`scad_counts`): O(log n).
  ``L`` and the counts are computed at the first search only.
- log-sum and l_q (``psi = lambda phi``): the pooled objective is
  ``n/2 (t - mean z)^2 + step Sl phi(t) + const``, so the block value is the scalar
  prox of ``step * mean(lambda) * phi`` at ``mean z``.

The sort: :func:`make_keys` packs each kept entry into a 64-bit key (magnitude bits,
then index and sign) that NumPy sorts as doubles (:func:`sort_keys`) several times
faster than ``argsort``; :func:`sorted_magnitudes` gathers the exact magnitudes in
that order and repairs the order of near-ties; :func:`pav_scatter` runs PAV and
writes the signed values back.

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
def _mcp_ends(n, sz, sl, lam_first, lam_last, eta, gamma):
    # Value of an MCP block from its sums (sz of z, sl of lambda) when the whole block
    # is on one side of its kinks (all active, or none), which is the usual case;
    # -1.0 when it straddles a kink. k = n (all active) iff g(gamma lam_last) >= 0;
    # k = 0 iff g(gamma lam_first) < 0. Block sums (not differences of prefix sums)
    # keep short blocks far down a long vector exact.
    if sz <= eta * sl:
        return 0.0
    if n * gamma * lam_last - sz + eta * (sl - n * lam_last) >= 0.0:
        return max((sz - eta * sl) / (n - eta * n / gamma), 0.0)
    if n * gamma * lam_first - sz < 0.0:
        return sz / n
    return -1.0


@njit(cache=True)
def _mcp_search(s, e, sz, lam, cum, eta, gamma):
    # MCP block straddling a kink: binary search of the size k in [1, n) of the active
    # prefix (the largest k with g(gamma lam_k) >= 0), O(log n) with prefix sums
    n = e - s
    lo, hi = 1, n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _mcp_g(mid, n, s, sz, lam, cum, eta, gamma) >= 0.0:
            lo = mid
        else:
            hi = mid
    k = lo
    t = (sz - eta * (cum[s + k] - cum[s])) / (n - eta * k / gamma)
    return max(t, 0.0)


@njit(cache=True)
def scad_counts(lam, a, above, below):
    """Global kink counts for the SCAD block values, by two merges in O(m).

    ``above[i] = #{j : lam_j >= a lam_i}`` and ``below[i] = #{j : a lam_j >= lam_i}``:
    both are prefix lengths (``lam`` is non-increasing) and non-decreasing in ``i``.
    Within a block ``[s, e)``, the number of its weights in the first (slope
    ``lam``) regime at ``t = a lam_i`` is ``clip(above[i] - s, 0, e - s)``, and the
    number outside the last (flat) regime at ``t = lam_i`` is
    ``clip(below[i] - s, 0, e - s)``: each evaluation of the pooled derivative at a
    kink is O(1), so each block value is O(log |B|).
    """
    m = lam.shape[0]
    j = 0
    for i in range(m):
        t = a * lam[i]
        while j < m and lam[j] >= t:
            j += 1
        above[i] = j
    j = 0
    for i in range(m):
        t = lam[i]
        while j < m and a * lam[j] >= t:
            j += 1
        below[i] = j


@njit(cache=True, inline="always")
def _scad_g(t, c1, c2, n, s, sz, cum, eta, a):
    # derivative of the pooled SCAD objective at t, c1 = #{lam_j >= t}, c2 = #{a lam_j >= t}
    mid = (a * (cum[s + c2] - cum[s + c1]) - (c2 - c1) * t) / (a - 1.0)
    return n * t - sz + eta * ((cum[s + c1] - cum[s]) + mid)


@njit(cache=True, inline="always")
def _clip_count(c, s, e):
    return min(max(c, s), e) - s


@njit(cache=True, inline="always")
def _scad_g_kink(upper, k, n, s, e, sz, lam, cum, counts, eta, a):
    # g at the k-th kink of the block: t = lam[s + k - 1] (upper=False: c1 = k, c2 from
    # the global counts ``below``) or t = a lam[s + k - 1] (upper=True: c2 = k, c1 from
    # ``above``)
    i = s + k - 1
    c = _clip_count(counts[i], s, e)
    if upper:
        return _scad_g(a * lam[i], c, k, n, s, sz, cum, eta, a)
    return _scad_g(lam[i], k, c, n, s, sz, cum, eta, a)


@njit(cache=True)
def _scad_last_kink(upper, base, n, s, e, sz, lam, cum, counts, eta, a):
    # largest k in [base, n] with g(kink k) >= 0, given that it holds at base (or
    # base = 0): the ends first, then bisection
    if base == n or _scad_g_kink(upper, n, n, s, e, sz, lam, cum, counts, eta, a) >= 0.0:
        return n
    if _scad_g_kink(upper, base + 1, n, s, e, sz, lam, cum, counts, eta, a) < 0.0:
        return base
    lo, hi = base + 1, n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _scad_g_kink(upper, mid, n, s, e, sz, lam, cum, counts, eta, a) >= 0.0:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True, inline="always")
def _scad_ends(n, sz, sl, lam_first, lam_last, eta, a):
    # Value of a SCAD block from its sums when the whole block is in one regime at the
    # root (slope lambda: t <= lam_last; middle: lam_first < t <= a lam_last; flat:
    # t > a lam_first), which is the usual case; -1.0 otherwise. g is the pooled
    # derivative, continuous and increasing; at a kink, the weights equal to it can be
    # counted in either adjacent regime.
    if sz <= eta * sl:
        return 0.0
    if n * lam_last - sz + eta * sl >= 0.0:  # g(lam_last) >= 0: all in the first regime
        return (sz - eta * sl) / n
    if n * a * lam_first - sz < 0.0:  # g(a lam_first) < 0: all flat
        return sz / n
    if a * lam_last >= lam_first:
        c = eta / (a - 1.0)
        if (n * lam_first - sz + c * (a * sl - n * lam_first) < 0.0
                and n * a * lam_last - sz + c * (a * sl - n * a * lam_last) >= 0.0):
            return (sz - c * a * sl) / (n - c * n)  # all in the middle regime
    return -1.0


@njit(cache=True)
def _scad_search(s, e, sz, lam, cum, above, below, eta, a):
    # SCAD block with weights in two or three regimes at the root, sz > eta * sum(lam):
    # O(log n) with the prefix sums and the global kink counts of scad_counts
    n = e - s
    # k1 = largest k in [0, n] with g(lam_k) >= 0; k2 = largest k in [k1, n] with
    # g(a lam_k) >= 0 (g(a lam_k) >= g(lam_k) >= 0 for k <= k1)
    k1 = _scad_last_kink(False, 0, n, s, e, sz, lam, cum, below, eta, a)
    k2 = _scad_last_kink(True, k1, n, s, e, sz, lam, cum, above, eta, a)
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
def _block_scalar(code, n, sz, sl, eta, param):
    # log-sum and l_q: the scalar prox of step * mean(lambda) * phi at the block mean
    mu = eta * sl / n
    if code == 3:
        return prox_log_scalar(sz / n, mu, param)
    return prox_lq_scalar(sz / n, mu, param)


# One PAV loop per block-value family: a single loop dispatching on the penalty code
# was several times slower (the reference counts of the arrays passed to the inlined
# SCAD helpers were not pruned, costing atomic operations at every push and merge).


@njit(cache=True)
def _pav_l1(z, lam, eta, starts, sums):
    # Stack of blocks (start, sum of z - eta lam); the value of the top block is kept
    # in a register and the others are recomputed (sum / length) only after a merge,
    # so that no array of values is needed (``sums`` may be ``z``), which saves the
    # page faults of a work array at large sizes. The block values are computed by
    # the caller (_l1_value), in the pass that uses them.
    m = z.shape[0]
    top = -1
    top_val = 0.0
    for i in range(m):
        s = i
        sm = z[i] - eta * lam[i]
        v = sm
        while top >= 0 and top_val <= v:
            sm += sums[top]
            s = starts[top]
            top -= 1
            v = sm / (i + 1 - s)
            if top >= 0:
                top_val = sums[top] / (s - starts[top])
        top += 1
        starts[top] = s
        sums[top] = sm
        top_val = v
    n_blocks = top + 1
    starts[n_blocks] = m
    return n_blocks


@njit(cache=True, inline="always")
def _l1_value(n, sm):
    # most blocks are singletons when the weights are small: skip their division
    return max(sm if n == 1 else sm / n, 0.0)


@njit(cache=True)
def _cumsum_into(lam, m, cum):
    cum[0] = 0.0
    for i in range(m):
        cum[i + 1] = cum[i] + lam[i]


@njit(cache=True, inline="always")
def _kinked_ends(code, n, sz, sl, lam_first, lam_last, eta, param):
    if code == 1:
        return _mcp_ends(n, sz, sl, lam_first, lam_last, eta, param)
    return _scad_ends(n, sz, sl, lam_first, lam_last, eta, param)


@njit(cache=True, inline="always")
def _kinked_single(code, zi, li, eta, param, c1, c2):
    # value of a one-entry block (the scalar prox), with c1 = 1 / (1 - eta / gamma) for
    # MCP, c1 = eta / (a - 1) and c2 = 1 / (1 - c1) for SCAD: what _kinked_ends gives
    # for n = 1, with multiplications instead of divisions
    if zi <= eta * li:
        return 0.0
    if code == 1:
        return (zi - eta * li) * c1 if zi <= param * li else zi
    if zi <= li + eta * li:
        return zi - eta * li
    if zi > param * li:
        return zi
    return (zi - c1 * param * li) * c2


@njit(cache=True)
def _kinked_search(code, s, e, sz, lam, cum, above, below, ready, eta, param):
    # value of an MCP or SCAD block whose root is not in a single regime; computes
    # the prefix sums (and the SCAD kink counts) at its first call
    if not ready[0]:
        m = cum.shape[0] - 1
        _cumsum_into(lam, m, cum)
        if code == 2:
            scad_counts(lam[:m], param, above, below)
        ready[0] = True
    if code == 1:
        return _mcp_search(s, e, sz, lam, cum, eta, param)
    return _scad_search(s, e, sz, lam, cum, above, below, eta, param)


@njit(cache=True, inline="always")
def _kinked_consts(code, eta, param):
    # the constants c1, c2 of _kinked_single (zeros for the other penalties)
    if code == 1:
        return 1.0 / (1.0 - eta / param), 0.0
    if code == 2:
        c1 = eta / (param - 1.0)
        return c1, 1.0 / (1.0 - c1)
    return 0.0, 0.0


@njit(cache=True)
def _pav_kinked(z, lam, code, eta, param, starts, sums, lsums, cum, above, below, ready):
    # MCP and SCAD: the stack of _pav_l1 (top value in a register, the block below
    # recomputed after a merge, no array of values) with block sums of lambda in
    # ``lsums``, written for blocks of two or more entries only (a one-entry block's
    # sum is its weight: with small weights, where most blocks are one entry, lsums is
    # hardly touched). Block values come from _kinked_ends (scalar arguments only); the rare
    # blocks whose root is between kinks call _kinked_search, which builds the prefix
    # sums ``cum`` (and the SCAD counts ``above``, ``below``) at its first call
    # (``ready``). Passing arrays to a function, inlined or not, costs reference
    # counting (atomic operations) at each call: with arrays passed only on the rare
    # path, this loop is about ten times faster. The final block values are computed
    # by the caller, in the pass that uses them.
    m = z.shape[0]
    c1, c2 = _kinked_consts(code, eta, param)
    top = -1
    top_val = 0.0
    for i in range(m):
        s = i
        sz = z[i]
        sl = lam[i]
        v = _kinked_single(code, sz, sl, eta, param, c1, c2)
        while top >= 0 and top_val <= v:
            sb = starts[top]  # the top block is [sb, s)
            sz += sums[top]
            sl += lam[sb] if s - sb == 1 else lsums[top]
            s = sb
            top -= 1
            v = _kinked_ends(code, i + 1 - s, sz, sl, lam[s], lam[i], eta, param)
            if v < 0.0:
                v = _kinked_search(code, s, i + 1, sz, lam, cum, above, below, ready, eta,
                                   param)
            if top >= 0:
                sb = starts[top]
                if s - sb == 1:
                    top_val = _kinked_single(code, sums[top], lam[sb], eta, param, c1, c2)
                else:
                    top_val = _kinked_ends(code, s - sb, sums[top], lsums[top], lam[sb],
                                           lam[s - 1], eta, param)
                if top_val < 0.0:
                    top_val = _kinked_search(code, sb, s, sums[top], lam, cum, above, below,
                                             ready, eta, param)
        top += 1
        starts[top] = s
        sums[top] = sz
        if s < i:
            lsums[top] = sl
        top_val = v
    n_blocks = top + 1
    starts[n_blocks] = m
    return n_blocks


@njit(cache=True)
def _pav_scalar(z, lam, code, eta, param, starts, val, sums, lsums):
    m = z.shape[0]
    top = -1
    for i in range(m):
        top += 1
        starts[top] = i
        sz = z[i]
        sl = lam[i]
        sums[top] = sz
        lsums[top] = sl
        val[top] = _block_scalar(code, 1, sz, sl, eta, param)
        while top > 0 and val[top - 1] <= val[top]:
            sums[top - 1] += sums[top]
            lsums[top - 1] += lsums[top]
            top -= 1
            val[top] = _block_scalar(code, i + 1 - starts[top], sums[top], lsums[top], eta,
                                     param)
    return top + 1


def key_shift(p):
    """Number of low key bits holding ``(index << 1) | sign`` for vectors of length p.

    The smallest ``s >= 1`` with ``2**s >= 2 p`` (plain Python: the prox computes it
    once per call, where a numba call would cost more than the formula).
    """
    return max(1, (2 * p - 1).bit_length())


def sort_keys(keys):
    """Sort the keys of :func:`make_keys` in place, as doubles.

    NumPy's float64 sort was 15-20% faster than its uint64 sort of the same 64-bit
    patterns at p = 1e4 to 1e6 (AVX2, NumPy 2.4), itself several times faster than
    ``argsort``.
    """
    keys.view(np.float64).sort()


@njit(cache=True)
def make_keys(y, threshold, shift, keys):
    """Sort keys of the entries with ``|y_i| > threshold``, in one pass over ``y``.

    Doubles of one sign order like their bit patterns. Each key is the bit pattern of
    ``-|y_i|`` with its low ``key_shift(p)`` bits replaced by ``(i << 1) | sign(y_i)``:
    a negative finite double (zero or denormal for tiny ``|y_i|``, never NaN). An
    increasing sort of these doubles (:func:`sort_keys`) orders the entries by
    decreasing magnitude up to a relative ``2**(key_shift(p) - 52)``, ties in the
    kept bits by decreasing index, and carries the index and the sign along. The
    exact order is restored by :func:`sorted_magnitudes`.

    Parameters
    ----------
    y : ndarray of shape (p,), float64
        The vector.
    threshold : float
        Entries with ``|y_i| <= threshold`` get no key.
    shift : int
        ``key_shift(p)``.
    keys : ndarray of shape (p,), uint64
        Output.

    Returns
    -------
    m : int
        Number of keys written (``keys[:m]``).
    """
    p = y.shape[0]
    hi = ~np.uint64((1 << shift) - 1)
    raw = y.view(np.uint64)
    sign_bit = np.uint64(1) << np.uint64(63)
    one = np.uint64(1)
    m = 0
    for i in range(p):
        # branch-free: always write, advance only past kept entries (a branch on a
        # coin-flip condition would be mispredicted half of the time)
        b = raw[i]
        keys[m] = (b & hi) | sign_bit | (np.uint64(i) << one) | (b >> np.uint64(63))
        m += np.int64(abs(y[i]) > threshold)
    return m


@njit(cache=True)
def sorted_magnitudes(y, keys, shift, z, budget):
    """Gather ``z[k] = |y_i|`` in key order and make ``z`` exactly non-increasing.

    One pass: each gathered value is inserted into place among the previous ones
    (keys and values move together). The keys agree with the exact order up to their
    truncated bits, so the insertions are short; if they exceed ``budget`` moves in
    total (adversarial inputs with very many near-ties), give up and return False so
    that the caller sorts exactly instead.
    """
    m = keys.shape[0]
    low = np.uint64((1 << shift) - 1)
    one = np.uint64(1)
    moves = 0
    for k in range(m):
        key = keys[k]
        v = abs(y[np.int64((key & low) >> one)])
        if k > 0 and v > z[k - 1]:
            t = k
            while t > 0 and z[t - 1] < v:
                z[t] = z[t - 1]
                keys[t] = keys[t - 1]
                t -= 1
            z[t] = v
            keys[t] = key
            moves += k - t
            if moves > budget:
                return False
        else:
            z[k] = v
    return True


# The scatter loops, one per block-value family like the PAV loops (the arrays of
# the rare search path are passed once per call). Blocks are strictly decreasing:
# the first block at zero ends the scatter (the rest of ``out`` stays zero). The
# signs are applied branch-free (they are coin flips: a branch is mispredicted half
# of the time), and one-entry blocks, the most frequent ones, are written without
# an inner loop.


@njit(cache=True, inline="always")
def _write_block(out, keys, sb, eb, v, low, one):
    # value v with each entry's sign at each entry's index; the first entry outside the
    # loop, so that one-entry blocks (the most frequent) run no loop
    key = keys[sb]
    out[np.int64((key & low) >> one)] = v * (1.0 - 2.0 * np.float64(key & one))
    for k in range(sb + 1, eb):
        key = keys[k]
        out[np.int64((key & low) >> one)] = v * (1.0 - 2.0 * np.float64(key & one))


@njit(cache=True)
def _scatter_l1(n_blocks, starts, sums, keys, shift, out):
    low = np.uint64((1 << shift) - 1)
    one = np.uint64(1)
    for b in range(n_blocks):
        sb = starts[b]
        eb = starts[b + 1]
        v = _l1_value(eb - sb, sums[b])
        if v <= 0.0:
            return b
        _write_block(out, keys, sb, eb, v, low, one)
    return n_blocks


@njit(cache=True)
def _scatter_kinked(code, n_blocks, starts, sums, lsums, lam, eta, param, keys, shift, out,
                    cum, above, below, ready):
    low = np.uint64((1 << shift) - 1)
    one = np.uint64(1)
    c1, c2 = _kinked_consts(code, eta, param)
    for b in range(n_blocks):
        sb = starts[b]
        eb = starts[b + 1]
        if eb - sb == 1:
            v = _kinked_single(code, sums[b], lam[sb], eta, param, c1, c2)
        else:
            v = _kinked_ends(code, eb - sb, sums[b], lsums[b], lam[sb], lam[eb - 1], eta,
                             param)
            if v < 0.0:
                v = _kinked_search(code, sb, eb, sums[b], lam, cum, above, below, ready, eta,
                                   param)
        if v <= 0.0:
            return b
        _write_block(out, keys, sb, eb, v, low, one)
    return n_blocks


@njit(cache=True)
def _scatter_values(n_blocks, starts, val, keys, shift, out):
    low = np.uint64((1 << shift) - 1)
    one = np.uint64(1)
    for b in range(n_blocks):
        v = val[b]
        if v <= 0.0:
            return b
        _write_block(out, keys, starts[b], starts[b + 1], v, low, one)
    return n_blocks


@njit(cache=True)
def pav_scatter(z, keys, shift, lam, code, eta, param, out, labels, want_labels,
                starts, val, sums, lsums):
    """Solve (P_iso) for the sorted magnitudes ``z`` by PAV; scatter back with signs.

    Parameters
    ----------
    z : ndarray of shape (m,)
        Magnitudes, non-increasing and non-negative.
    keys : ndarray of shape (m,), uint64
        ``(index << 1) | sign`` in the low ``shift`` bits: where each entry of ``z``
        goes in ``out`` and with which sign.
    shift : int
        Number of low key bits holding ``(index << 1) | sign`` (:func:`key_shift`).
    lam : ndarray of shape (>= m,)
        Non-increasing, non-negative weights (the first ``m`` are used).
    code : int
        Penalty code (``PENALTY_CODES``).
    eta : float
        Step size.
    param : float
        gamma (MCP), a (SCAD), eps (log-sum) or q (l_q); unused for L1.
    out : ndarray of shape (p,)
        Output, zero on entry; entries without a key stay zero.
    labels : ndarray of shape (p,), int64
        Output if ``want_labels`` (zero on entry): 0 for zeros, 1..K by decreasing
        magnitude.
    want_labels : bool
        Whether to fill ``labels``.
    starts : ndarray of shape (>= m + 1,), int64
        Work space: the block boundaries.
    val : ndarray of shape (>= m,)
        Work space for the block values of log-sum and l_q (unused otherwise: the
        values of L1, MCP and SCAD blocks are computed from their sums in the pass
        that scatters them, so that no array of values is written and read back).
    sums, lsums : ndarray of shape (>= m,)
        Work space (the PAV stack: block sums of ``z`` and of ``lam``; ``sums`` may be
        ``z`` itself, ``lsums`` is unused for L1).

    Returns
    -------
    n_clusters : int
        Number of non-zero clusters.
    """
    m = z.shape[0]
    # untouched (hence free) unless an MCP or SCAD block needs a search
    kinked = code == 1 or code == 2
    cum = np.empty(m + 1 if kinked else 0)
    above = np.empty(m if code == 2 else 0, dtype=np.int64)
    below = np.empty(m if code == 2 else 0, dtype=np.int64)
    ready = np.zeros(1, dtype=np.bool_)
    if code == 0:
        n_blocks = _pav_l1(z, lam, eta, starts, sums)
        n_clusters = _scatter_l1(n_blocks, starts, sums, keys, shift, out)
    elif kinked:
        n_blocks = _pav_kinked(z, lam, code, eta, param, starts, sums, lsums, cum, above,
                               below, ready)
        n_clusters = _scatter_kinked(code, n_blocks, starts, sums, lsums, lam, eta, param, keys,
                                     shift, out, cum, above, below, ready)
    else:
        n_blocks = _pav_scalar(z, lam, code, eta, param, starts, val, sums, lsums)
        starts[n_blocks] = m
        n_clusters = _scatter_values(n_blocks, starts, val, keys, shift, out)
    low = np.uint64((1 << shift) - 1)
    one = np.uint64(1)
    if want_labels:
        for b in range(n_clusters):
            for k in range(starts[b], starts[b + 1]):
                labels[np.int64((keys[k] & low) >> one)] = b + 1
    return n_clusters
