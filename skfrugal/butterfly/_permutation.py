"""Recover unknown row and column permutations of a square dyadic butterfly.

A rank-one dyadic butterfly ``A = K_1 ⋯ K_L`` (``n = 2^L``) has, at every level
``ℓ``, a partition of its rows into classes of ``2^ℓ`` rows and of its columns into
classes of ``n / 2^ℓ`` columns such that every row class × column class block is of
rank one; row classes grow and column classes shrink with ``ℓ``, nested (Zheng,
Riccietti and Gribonval, 2023; Zheng, Puy, Riccietti, Pérez and Gribonval, 2023). A
row and column permutation only relabels these classes, so the permutations are found
level by level from the rank-one blocks:

1. pair the rows so that each pair is of rank one on each half of the columns, and
   find those halves (for the first level: ``A = K_1 diag(B_0, B_1)``, the pairs are
   the rows that ``K_1`` mixes, the halves the columns of ``B_0`` and ``B_1``);
2. replace each pair by its rank-one "super-row" on each half: the blocks ``B_0``,
   ``B_1`` are butterflies of half the size sharing their rows, and the search goes on
   with all blocks at once.

Each level starts from the strongest rows: the mate of each is the row with which it
splits the columns into two rank-one groups best (a two-line clustering of the 2-D
columns of the pair, for every candidate at once, scored relative to the weaker row).
From their halves it alternates: the row pairs as the perfect matching of least total
rank-one residual on the halves (an optimal assignment of the symmetric residual
matrix, whose 2-cycles are the pairs, then partner exchanges), the column halves from
the pairs that fit best (per block the best of a spectral split, the leading
eigenvector of a centred affinity that is 1 between columns parallel in every pair,
and of the previous halves, each refined k-means-like on the rank-one residual). The
run of least residual over two starts is kept. On small levels every pair of rows is
also scored without halves. The positions follow from the nesting: the pair found at
level ``ℓ`` sets bit ``L - ℓ`` of the row index, the half bit ``L - ℓ`` of the column
index, so that ``A[row_perm][:, col_perm]`` is a butterfly of the standard dyadic
chain.
"""

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse.linalg import eigsh

_REFERENCE_ROWS = 4  # strongest rows tried as references at each level (best mate kept)
_ROUNDS = 6  # at most this many alternations between column halves and row pairs
_MAX_SWEEPS = 50  # sweeps of partner exchanges improving a matching
_REFINE_ITER = 20  # k-means-like iterations refining a bipartition of the columns
_AFFINITY_PAIRS = 128  # pairs used by the spectral bipartition of the columns
_DENSE_EIGH = 256  # above this many columns, the leading eigenvector comes from Lanczos
_FREE_COSTS_SIZE = 1 << 18  # n_rows² n below which every pair is scored without halves


def _top_direction(a, b, c):
    """Unit top eigenvectors of the 2×2 Hermitian matrices ``[[a, b], [b̄, c]]``."""
    half_gap = np.sqrt(((a - c) / 2) ** 2 + np.abs(b) ** 2)
    lam = (a + c) / 2 + half_gap
    # two expressions of the eigenvector; keep the better conditioned one
    v1 = np.stack([b, (lam - a).astype(b.dtype)])
    v2 = np.stack([(lam - c).astype(b.dtype), np.conj(b)])
    n1 = np.sqrt((np.abs(v1) ** 2).sum(0))
    n2 = np.sqrt((np.abs(v2) ** 2).sum(0))
    use1 = n1 >= n2
    v = np.where(use1, v1, v2)
    norm = np.where(use1, n1, n2)
    degenerate = norm <= 1e-300  # a multiple of the identity: any direction
    v[0] = np.where(degenerate, 1.0, v[0])
    v[1] = np.where(degenerate, 0.0, v[1])
    norm = np.where(degenerate, 1.0, norm)
    return v / norm


def _two_lines(x, y, n_iter=6):
    """Two-line clustering of the points ``(x_j, y_j)`` for a batch of point sets.

    ``x`` and ``y`` have shape ``(batch, n_points)``. Returns ``(residual, margin)``:
    the energy off the two lines through the origin (the rank-one residual of the two
    groups) and how much more energy each point keeps on the second line than on the
    first (its sign is the group).
    """
    energy = np.abs(x) ** 2 + np.abs(y) ** 2
    rows = np.arange(x.shape[0])
    first = np.argmax(energy, axis=1)
    u = np.stack([x[rows, first], y[rows, first]])
    u = u / np.maximum(np.sqrt((np.abs(u) ** 2).sum(0)), 1e-300)
    off = energy - np.abs(np.conj(u[0])[:, None] * x + np.conj(u[1])[:, None] * y) ** 2
    second = np.argmax(off, axis=1)
    w = np.stack([x[rows, second], y[rows, second]])
    w = w / np.maximum(np.sqrt((np.abs(w) ** 2).sum(0)), 1e-300)
    xx, yy, xy = np.abs(x) ** 2, np.abs(y) ** 2, x * np.conj(y)
    for _ in range(n_iter + 1):
        pu = np.abs(np.conj(u[0])[:, None] * x + np.conj(u[1])[:, None] * y) ** 2
        pw = np.abs(np.conj(w[0])[:, None] * x + np.conj(w[1])[:, None] * y) ** 2
        on_w = pw > pu
        lines = []
        for mask in (~on_w, on_w):
            lines.append(
                _top_direction((xx * mask).sum(1), (xy * mask).sum(1), (yy * mask).sum(1))
            )
        u, w = lines
    residual = (energy - np.maximum(pu, pw)).sum(1)
    return residual, pw - pu


def _balanced_split(score):
    """Labels splitting each row of ``score`` in two halves of equal size."""
    order = np.argsort(score, axis=-1, kind="stable")
    labels = np.zeros(score.shape, dtype=bool)
    np.put_along_axis(labels, order[..., score.shape[-1] // 2 :], True, axis=-1)
    return labels


def _mate_residuals(blocks, s0):
    """Two-line residual of the pairs of ``s0`` with every row, and their margins.

    ``blocks`` has shape ``(n_blocks, n_rows, n_cols)``; on each block the pair must
    be of rank one on two groups of columns, which the two-line clustering finds
    without knowing the groups.
    """
    m, n_rows, n_cols = blocks.shape
    x = np.broadcast_to(blocks[:, s0 : s0 + 1], blocks.shape).reshape(m * n_rows, n_cols)
    residual, margin = _two_lines(x, blocks.reshape(m * n_rows, n_cols))
    return residual.reshape(m, n_rows).sum(0), margin.reshape(m, n_rows, n_cols)


def _find_mate(blocks, s0):
    """The row whose pair with ``s0`` is closest to rank one on two column groups.

    Returns ``(mate, score, halves)`` with the halves (one bipartition per block) that
    this pair induces.
    """
    residual, margin = _mate_residuals(blocks, s0)
    energy = (np.abs(blocks) ** 2).sum((0, 2))
    # relative to the weaker row: a strong row fits any two lines through the axis of
    # its own coordinate, so the total energy would favour it over the true mate
    score = residual / np.maximum(np.minimum(energy, energy[s0]), 1e-300)
    score[s0] = np.inf
    mate = int(np.argmin(score))
    return mate, score[mate], _balanced_split(margin[:, mate])


def _free_pair_costs(blocks):
    """Two-line residual of every pair of rows: a pair cost that needs no halves."""
    n_rows = blocks.shape[1]
    cost = np.empty((n_rows, n_rows))
    for s0 in range(n_rows):
        cost[s0] = _mate_residuals(blocks, s0)[0]
    cost = np.minimum(cost, cost.T)
    np.fill_diagonal(cost, np.inf)
    return cost


def _halves_from_pairs(blocks, pairs):
    """Spectral bipartition of the columns of each block given row pairs.

    Two columns are in the same half when, for every pair ``p``, their 2-D vectors
    ``x_pj``, ``x_pj'`` are parallel. The affinity ``Σ_p |⟨x_pj, x_pj'⟩|² /
    Σ_p ‖x_pj‖² ‖x_pj'‖²`` is 1 inside a half and smaller across (its numerator is a
    product of rank-one features ``vec(x xᴴ)``, so it costs two matrix products); the
    leading eigenvector of the doubly centred affinity splits the halves.
    """
    if pairs.shape[0] > _AFFINITY_PAIRS:
        pairs = pairs[np.linspace(0, pairs.shape[0] - 1, _AFFINITY_PAIRS).astype(int)]
    x = blocks[:, pairs[:, 0]]
    y = blocks[:, pairs[:, 1]]
    cross = x * np.conj(y)
    features = np.concatenate(
        [np.abs(x) ** 2, np.abs(y) ** 2, np.sqrt(2) * cross.real, np.sqrt(2) * cross.imag],
        axis=1,
    )  # (n_blocks, 4 n_pairs, n_cols): <f_j, f_j'> = sum_p |<x_pj, x_pj'>|^2
    energy = np.abs(x) ** 2 + np.abs(y) ** 2
    affinity = (features.swapaxes(1, 2) @ features) / np.maximum(
        energy.swapaxes(1, 2) @ energy, 1e-300
    )
    affinity -= affinity.mean(axis=1, keepdims=True)
    affinity -= affinity.mean(axis=2, keepdims=True)
    affinity = (affinity + affinity.swapaxes(1, 2)) / 2
    if affinity.shape[-1] <= _DENSE_EIGH:
        leading = np.linalg.eigh(affinity)[1][..., -1]
    else:  # one eigenpair of a large matrix: Lanczos
        start = np.random.default_rng(0).standard_normal(affinity.shape[-1])
        leading = np.stack(
            [eigsh(S, k=1, which="LA", v0=start)[1][:, 0] for S in affinity]
        )
    return _balanced_split(leading)


def _refine_halves(blocks, pairs, labels, n_iter=_REFINE_ITER):
    """Improve the bipartitions of the columns of each block for the given row pairs.

    Alternates, as k-means does, between the best line of each pair on each half (the
    top eigenvector of its 2×2 scatter) and the balanced assignment of each column to
    the half whose lines leave it the less energy: the rank-one residual itself, so
    columns with little energy, whose directions noise decides, weigh little.
    """
    x = blocks[:, pairs[:, 0]]
    y = blocks[:, pairs[:, 1]]
    xx, yy, xy = np.abs(x) ** 2, np.abs(y) ** 2, x * np.conj(y)
    for _ in range(n_iter):
        kept = []
        for mask in (~labels, labels):
            mask = mask[:, None, :]
            u = _top_direction((xx * mask).sum(2), (xy * mask).sum(2), (yy * mask).sum(2))
            proj = np.abs(np.conj(u[0])[..., None] * x + np.conj(u[1])[..., None] * y) ** 2
            kept.append(proj.sum(1))  # energy each column keeps on this half's lines
        new = _balanced_split(kept[1] - kept[0])
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _block_residuals(blocks, pairs, halves):
    """Rank-one residual energy of the given pairs on the halves, per block."""
    out = 0.0
    for mask in (~halves, halves):
        X = blocks * mask[:, None, :]
        x, y = X[:, pairs[:, 0]], X[:, pairs[:, 1]]
        a = (np.abs(x) ** 2).sum(2)
        c = (np.abs(y) ** 2).sum(2)
        b = (x * np.conj(y)).sum(2)
        tr = a + c
        det = a * c - np.abs(b) ** 2
        out = out + ((tr - np.sqrt(np.maximum(tr * tr - 4 * det, 0.0))) / 2).sum(1)
    return out


def _best_halves(blocks, pairs, candidates):
    """For each block, the refined candidate bipartition with the least residual."""
    refined = [_refine_halves(blocks, pairs, h) for h in candidates]
    residual = np.stack([_block_residuals(blocks, pairs, h) for h in refined])
    choice = np.argmin(residual, axis=0)
    return np.stack(refined)[choice, np.arange(blocks.shape[0])]


def _pair_costs(blocks, halves):
    """Rank-one residual energy of every pair of rows over every (block, half).

    Returns ``(residual, normalized)``: the residual energy itself (what a pairing adds
    to the error) and divided by the weaker row's energy (scale-free).
    """
    n_rows = blocks.shape[1]
    cost = np.zeros((n_rows, n_rows))
    total = np.zeros(n_rows)
    for mask in (~halves, halves):
        X = blocks * mask[:, None, :]
        G = X @ np.conj(X.swapaxes(1, 2))  # (n_blocks, n_rows, n_rows)
        d = np.real(np.diagonal(G, axis1=1, axis2=2))
        total += d.sum(0)
        tr = d[:, :, None] + d[:, None, :]
        det = d[:, :, None] * d[:, None, :] - np.abs(G) ** 2
        cost += ((tr - np.sqrt(np.maximum(tr * tr - 4 * det, 0.0))) / 2).sum(0)
    np.fill_diagonal(cost, np.inf)
    normalized = cost / np.maximum(np.minimum(total[:, None], total[None, :]), 1e-300)
    return cost, normalized


def _greedy_matching(cost):
    """Pair the rows greedily by increasing cost (each row in exactly one pair)."""
    n = cost.shape[0]
    iu = np.triu_indices(n, 1)
    order = np.argsort(cost[iu], kind="stable")
    free = np.ones(n, dtype=bool)
    pairs = []
    for k in order:
        i, j = iu[0][k], iu[1][k]
        if free[i] and free[j]:
            pairs.append((i, j))
            free[i] = free[j] = False
            if len(pairs) == n // 2:
                break
    return np.array(pairs, dtype=np.int64)


def _improve_matching(pairs, cost, max_sweeps=_MAX_SWEEPS):
    """Lower the total cost of a perfect matching by exchanging partners between pairs.

    For two pairs ``(a, b)``, ``(c, d)`` the exchanges ``(a, c), (b, d)`` and
    ``(a, d), (b, c)`` are evaluated for all pairs of pairs at once; the best
    non-overlapping improving exchanges are applied, until none improves (a 2-opt
    local search on the total rank-one residual: a wrong pair that looked best alone
    leaves its rows' mates to costly pairs, which the total sees).
    """
    pairs = pairs.copy()
    for _ in range(max_sweeps):
        a, b = pairs[:, 0], pairs[:, 1]
        current = cost[a, b]
        now = current[:, None] + current[None, :]
        swap1 = cost[a[:, None], a[None, :]] + cost[b[:, None], b[None, :]]
        swap2 = cost[a[:, None], b[None, :]] + cost[b[:, None], a[None, :]]
        gain = now - np.minimum(swap1, swap2)
        gain[np.tril_indices(len(pairs))] = 0.0
        tol = 1e-12 * max(float(np.abs(current).sum()), 1e-300)
        u, v = np.nonzero(gain > tol)
        if u.size == 0:
            break
        order = np.argsort(-gain[u, v], kind="stable")
        used = np.zeros(len(pairs), dtype=bool)
        for k in order:
            i, j = u[k], v[k]
            if used[i] or used[j]:
                continue
            used[i] = used[j] = True
            ai, bi, aj, bj = pairs[i, 0], pairs[i, 1], pairs[j, 0], pairs[j, 1]
            if swap1[i, j] <= swap2[i, j]:
                pairs[i], pairs[j] = (ai, aj), (bi, bj)
            else:
                pairs[i], pairs[j] = (ai, bj), (bi, aj)
    return pairs


def _assignment_matching(cost):
    """A perfect matching from the optimal assignment of the symmetric ``cost``.

    The assignment (a permutation without fixed points) of least total cost is a lower
    bound on any matching; when it is an involution it is the optimal matching itself
    (the usual case: the rank-one mates are each other's best). Its longer cycles are
    cut into alternate pairs (the cheaper of the two ways for an even cycle); rows left
    over by odd cycles are paired greedily.
    """
    n = cost.shape[0]
    finite = np.where(np.isfinite(cost), cost, 0.0)
    big = 1.0 + 2.0 * n * float(finite.max(initial=0.0))
    _, target = linear_sum_assignment(np.where(np.isfinite(cost), cost, big))
    seen = np.zeros(n, dtype=bool)
    pairs, left = [], []
    for start in range(n):
        if seen[start]:
            continue
        cycle = [start]
        seen[start] = True
        k = target[start]
        while k != start:
            cycle.append(k)
            seen[k] = True
            k = target[k]
        if len(cycle) % 2:
            left.append(cycle.pop())
        options = [
            [(cycle[i], cycle[i + 1]) for i in range(0, len(cycle), 2)],
            [(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(1, len(cycle), 2)],
        ]
        pairs.extend(min(options, key=lambda ps: sum(cost[a, b] for a, b in ps)))
    if left:
        left = np.array(left)
        sub = _greedy_matching(cost[np.ix_(left, left)])
        pairs.extend((left[a], left[b]) for a, b in sub)
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _pairing(blocks, halves, with_confidence=False):
    """Pair the rows with the least total rank-one residual on the halves.

    With ``with_confidence`` also return each pair's residual relative to its weaker
    row (small: surely mates).
    """
    residual, normalized = _pair_costs(blocks, halves)
    pairs = _improve_matching(_assignment_matching(residual), residual)
    if with_confidence:
        return pairs, normalized[pairs[:, 0], pairs[:, 1]]
    return pairs


def _reduce(blocks, pairs, halves):
    """The rank-one super-rows of the pairs on each half: twice the blocks, half the size.

    Returns an array of shape ``(2 n_blocks, n_pairs, n_cols / 2)``, block ``2 t + h``
    holding half ``h`` of block ``t``.
    """
    m, _, n_cols = blocks.shape
    out = []
    for mask in (~halves, halves):
        cols = np.nonzero(mask)[1].reshape(m, n_cols // 2)
        part = np.take_along_axis(blocks, cols[:, None, :], axis=2)
        x, y = part[:, pairs[:, 0]], part[:, pairs[:, 1]]
        a = (np.abs(x) ** 2).sum(2)
        c = (np.abs(y) ** 2).sum(2)
        b = (x * np.conj(y)).sum(2)
        u = _top_direction(a, b, c)  # top left singular vector of each 2 × m block
        out.append(np.conj(u[0])[..., None] * x + np.conj(u[1])[..., None] * y)
    return np.stack(out, axis=1).reshape(2 * m, pairs.shape[0], n_cols // 2)


def _alternate(blocks, halves, starts):
    """Alternate row pairs and column halves from ``halves`` until the pairs settle."""
    pairs = None
    for _ in range(_ROUNDS):
        new, confidence = _pairing(blocks, halves, with_confidence=True)
        if pairs is not None and np.array_equal(new, pairs):
            return pairs, halves  # settled: these halves give these pairs
        pairs = new
        # the halves from the pairs that fit best only (a wrong pair would pull them
        # away): per block the best of the spectral split, the current halves and the
        # reference pairs' halves, each refined for those pairs
        sure = pairs[np.argsort(confidence, kind="stable")[: max(4, len(pairs) // 2)]]
        halves = _best_halves(blocks, sure, [_halves_from_pairs(blocks, sure), halves, *starts])
    return _pairing(blocks, halves), halves


def _level(blocks, n):
    """The row pairs and column halves of one level (see the module docstring)."""
    m, n_rows, _ = blocks.shape
    if n_rows == 2:
        pairs = np.array([[0, 1]], dtype=np.int64)
        halves = np.zeros((m, 2), dtype=bool)
        halves[:, 1] = True
    elif n_rows * n_rows * n <= _FREE_COSTS_SIZE:
        # small enough to score every pair without halves: pair on those scores,
        # then split each block's columns for these pairs
        pairs = _assignment_matching(_free_pair_costs(blocks))
        starts = [_halves_from_pairs(blocks, pairs)]
        for s0 in range(min(_REFERENCE_ROWS, pairs.shape[0])):
            _, margin = _mate_residuals(blocks, int(pairs[s0, 0]))
            starts.append(_balanced_split(margin[:, pairs[s0, 1]]))
        halves = _best_halves(blocks, pairs, starts)
        residual, _ = _pair_costs(blocks, halves)
        pairs = _improve_matching(pairs, residual)
        # pairs chosen without halves need not agree on common halves (a Hadamard
        # matrix pairs any two rows): alternate from these halves too, keep the best
        other = _alternate(blocks, halves, starts)
        if _block_residuals(blocks, *other).sum() < _block_residuals(blocks, pairs, halves).sum():
            pairs, halves = other
    else:
        # the strongest rows and their mates (the pair with the least two-line residual
        # of each); the alternation starts from their halves, refined on all of them,
        # and from the best one's alone; the run with the least residual is kept
        energy = (np.abs(blocks) ** 2).sum((0, 2))
        found = []
        for s0 in np.argsort(-energy, kind="stable")[:_REFERENCE_ROWS]:
            mate, score, halves0 = _find_mate(blocks, int(s0))
            found.append((score, (int(s0), mate), halves0))
        found.sort(key=lambda f: f[0])
        reference = np.array([f[1] for f in found])
        starts = [f[2] for f in found]
        best = None
        for initial in (_best_halves(blocks, reference, starts), starts[0]):
            pairs, halves = _alternate(blocks, initial, starts)
            residual = float(_block_residuals(blocks, pairs, halves).sum())
            if best is None or residual < best[0]:
                best = (residual, pairs, halves)
            if residual <= 1e-20 * float(energy.sum()):  # exact: no need for another
                break
        _, pairs, halves = best
    return pairs, halves


def recover_dyadic_permutations(A):
    """Return ``(row_perm, col_perm)`` such that ``A[row_perm][:, col_perm]`` is dyadic.

    For a matrix that is a rank-one square dyadic butterfly up to unknown row and
    column permutations, the returned permutations make it one again (up to the
    permutations that leave the butterfly supports invariant); on a noisy one they find
    the butterfly the noise hides as long as the noise leaves its rank-one blocks
    distinguishable. The factorization of the result tells whether it worked.

    Parameters
    ----------
    A : ndarray of shape (n, n)
        Real or complex, ``n`` a power of two.

    Returns
    -------
    row_perm, col_perm : ndarray of int64
    """
    n = A.shape[0]
    n_levels = n.bit_length() - 1
    blocks = np.ascontiguousarray(A)[None]
    columns = np.arange(n)[None]  # the original index of each column of each block
    col_position = np.zeros(n, dtype=np.int64)
    levels = []  # the pairs of each level (indices into the previous level's rows)
    for level in range(n_levels):
        m, n_rows, n_cols = blocks.shape
        pairs, halves = _level(blocks, n)
        levels.append(pairs)
        col_position[columns[halves]] += n >> (level + 1)
        columns = np.stack(
            [columns[~halves].reshape(m, -1), columns[halves].reshape(m, -1)], axis=1
        ).reshape(2 * m, n_cols // 2)
        blocks = _reduce(blocks, pairs, halves)
    # rows: the pair found at level k puts its second member n / 2^(k+1) further
    position = np.zeros(1, dtype=np.int64)
    for level in range(n_levels - 1, -1, -1):
        pairs = levels[level]
        step = n >> (level + 1)
        below = np.empty(2 * pairs.shape[0], dtype=np.int64)
        below[pairs[:, 0]] = position
        below[pairs[:, 1]] = position + step
        position = below
    row_perm = np.empty(n, dtype=np.int64)
    row_perm[position] = np.arange(n)
    col_perm = np.empty(n, dtype=np.int64)
    col_perm[col_position] = np.arange(n)
    return row_perm, col_perm
