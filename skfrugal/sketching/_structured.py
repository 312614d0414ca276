"""Structured frequencies: sign diagonals and fast Walsh-Hadamard transforms.

A dense frequency matrix costs ``O(d m)`` per sample. Structured frequencies cost
``O(m log d)``: the ``m`` frequencies come in blocks of ``d'`` (``d`` zero-padded to a
power of two, at least :data:`MIN_BLOCK`), and block ``b`` is the rows of

    ``M_b = H D_{b,3} H D_{b,2} H D_{b,1}``

restricted to the first ``d`` columns, with ``H`` the (unnormalised) ``d' × d'``
Walsh-Hadamard matrix and ``D_{b,k}`` diagonals of independent random signs (the
"structured orthogonal random features" of Yu et al. 2016, the fast sketching
operators of Chatalic, Gribonval and Keriven 2018). Row ``j`` of a block gives the
direction of frequency ``j``; its radius is drawn from the operator's radial law, so
that ``ω_j = R_j / sqrt(scale) · M_b[j, :d] / ‖M_b[j, :d]‖``: the radii have exactly the
dense law, and the directions are close to uniform on the sphere (three sign-Hadamard
rounds). The kernels apply ``M_b`` with three in-place Walsh-Hadamard transforms and
scale each row by ``R_j / (sqrt(scale) ‖M_b[j, :d]‖)``.

The padding floor: with ``d'`` the next power of two, a block restricted to ``d = 2``
or ``3`` columns has only 4 or 14 distinct directions (measured over 4000 rows);
``d' >= 32`` gives a few hundred to thousands and a distribution of ``|φᵀu|`` within
Kolmogorov-Smirnov distance 0.05 of the uniform law's. Rows that vanish on the first
``d`` columns (they exist for small ``d``: about one block in four at ``d = 3``,
``d' = 4``) have no direction; blocks holding one are redrawn.

The kernels vectorise the transforms across samples: a group of :data:`LANES` samples
is stored as ``v[k, lane]``, so every butterfly ``v[k] ± v[k + h]`` of every stage
is a contiguous run of ``LANES · h`` floats whatever ``h``. The sketch kernel feeds the
sine-cosine and the exact integer sums of :mod:`skfrugal.sketching._fused` (kernel
v2): the row factors are in **half-turns** (divided by ``π`` once:
:meth:`~StructuredFrequencies.half_turns`), each feature is rounded to a multiple of
``2^-24`` and summed as an integer (int32 per lane over a tile of :data:`TILE` rows,
then int64), so the sketch is the same bit for bit whatever the batching, the
chunking or the number of threads. A sample's phases do not depend on its batch,
tile, group or lane (additions, exact sign flips, the first diagonal's product and
one product per phase, each written out before the next pass); the phase is written
``0 + v f`` so that it is one rounded product that LLVM cannot fuse into the
reduction ``t - rint(t)``, and :func:`structured_phases` computes exactly the same
phases, so :meth:`FourierSketcher.transform` gives the sketch's features. Padding
lanes of a short group hold zeros, whose features ``(0, 2^24)`` are subtracted
exactly.

Why not :mod:`skfrugal.butterfly`: its kernel multiplies by general 2 × 2 blocks given
as data (two products and a sum per output) and writes the result out; here the
butterflies are additions only, the sign diagonals are applied in place, and the
phases go straight to the sine-cosine while they are in L1 cache.
"""

import numpy as np
from numba import njit

from ._fused import _quantized

LANES = 16
# rows per tile: gathered lane-major once, then transformed block by block; each lane's
# int32 counts hold TILE / LANES = 16 features (|sum| <= 2^28)
TILE = 256
MIN_BLOCK = 32
# redraws of a block whose rows vanish on the first d columns before giving up
_MAX_REDRAWS = 100

_FASTMATH = {"contract"}


def block_size(n_features):
    """Block size ``d'``: the next power of two ``>= n_features``, at least :data:`MIN_BLOCK`."""
    return max(MIN_BLOCK, 1 << (int(n_features) - 1).bit_length())


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _fwht_lanes(v, n):
    """In-place unnormalised Walsh-Hadamard transform of ``v[k, lane]`` over ``k < n``
    (``v`` flat, ``LANES`` lanes per ``k``), two stages per pass."""
    total = n * LANES
    h = LANES
    # views rather than v[e + h]: an index known to be non-negative needs no
    # wraparound check, which would keep LLVM from vectorising the loops
    while 2 * h < total:  # radix 4: stages h and 2h in one pass over the buffer
        for i in range(0, total, 4 * h):
            va = v[i:i + h]
            vb = v[i + h:i + 2 * h]
            vc = v[i + 2 * h:i + 3 * h]
            vd = v[i + 3 * h:i + 4 * h]
            for e in range(h):
                a = va[e]
                b = vb[e]
                c = vc[e]
                d = vd[e]
                ab, amb = a + b, a - b
                cd, cmd = c + d, c - d
                va[e] = ab + cd
                vb[e] = amb + cmd
                vc[e] = ab - cd
                vd[e] = amb - cmd
        h *= 4
    if h < total:  # an odd number of stages: the last one alone
        vb = v[h:2 * h]
        for e in range(h):
            a = v[e]
            b = vb[e]
            v[e] = a + b
            vb[e] = a - b


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _gather_tile(x, start, stop, xt):
    """``xt[g, k, lane] = x[start + g LANES + lane, k]`` (zero lanes past ``stop``): each
    group of the tile with the samples as the fastest axis, flat."""
    n_features = x.shape[1]
    zero = xt.dtype.type(0)
    for r in range(stop - start):
        g, lane = divmod(r, LANES)
        dst = xt[g * n_features * LANES:(g + 1) * n_features * LANES]
        src = x[start + r]
        for k in range(n_features):
            dst[k * LANES + lane] = src[k]
    n_groups = -(-(stop - start) // LANES)
    for r in range(stop - start, n_groups * LANES):
        g, lane = divmod(r, LANES)
        dst = xt[g * n_features * LANES:(g + 1) * n_features * LANES]
        for k in range(n_features):
            dst[k * LANES + lane] = zero


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _expand_block(diagonals, scales, j0, nb, expanded):
    """``expanded[k, i, lane] = diagonals[k, i]`` for ``k < 3`` and
    ``expanded[3, j, lane] = scales[j0 + j]`` for ``j < nb``: the block's diagonals and
    row factors repeated over the lanes, so that applying them is a flat product."""
    size = diagonals.shape[1]
    for k in range(3):
        row = diagonals[k]
        dst = expanded[k]
        for i in range(size):
            s = row[i]
            for lane in range(LANES):
                dst[i * LANES + lane] = s
    dst = expanded[3]
    for j in range(nb):
        s = scales[j0 + j]
        for lane in range(LANES):
            dst[j * LANES + lane] = s


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _transform_group(group, expanded, v, n):
    """``v = H D3 H D2 H D1 [group; 0]`` for one group of ``LANES`` samples (``group``
    flat ``(n_features, LANES)``, ``v`` flat ``(n, LANES)``)."""
    width = group.shape[0]
    d1 = expanded[0]
    for e in range(width):
        v[e] = group[e] * d1[e]
    zero = v.dtype.type(0)
    for e in range(width, n * LANES):
        v[e] = zero
    _fwht_lanes(v, n)
    for k in range(1, 3):
        dk = expanded[k]
        for e in range(n * LANES):
            v[e] *= dk[e]
        _fwht_lanes(v, n)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _scaled(v, factors, p, width):
    """``p = 0 + v · factors`` elementwise: one rounded product per phase (see the
    module documentation: the zero start keeps LLVM from fusing it further)."""
    zero = p.dtype.type(0)
    for e in range(width):
        t = zero
        t += v[e] * factors[e]
        p[e] = t


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def structured_phases(x, diagonals, scales, out, xt, expanded, v, p):
    """Write the phases ``x @ Ω`` of structured frequencies into ``out``.

    In float32 with half-turn ``scales``, these are bit for bit the phases whose
    features :func:`structured_sums` adds up.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), C-contiguous
        Centred samples (float32 or float64, the dtype of ``diagonals``).
    diagonals : ndarray of shape (n_blocks, 3, block_size)
        Each block's three diagonals ``D1, D2, D3`` (``D1`` may fold per-feature
        factors, such as ``1 / std``, into its signs).
    scales : ndarray of shape (n_frequencies,)
        Factor of each row of the blocks.
    out : ndarray of shape (n_rows, n_frequencies)
        Receives the phases.
    xt, expanded, v, p : ndarray
        Work space (see :meth:`StructuredFrequencies.work_space`).
    """
    n, d = x.shape
    n_blocks, _, size = diagonals.shape
    m = scales.shape[0]
    group_width = d * LANES
    for start in range(0, n, TILE):
        stop = min(n, start + TILE)
        _gather_tile(x, start, stop, xt)
        for b in range(n_blocks):
            j0 = b * size
            nb = min(size, m - j0)
            _expand_block(diagonals[b], scales, j0, nb, expanded)
            for r0 in range(start, stop, LANES):
                g = (r0 - start) // LANES
                _transform_group(xt[g * group_width:(g + 1) * group_width], expanded, v,
                                 size)
                _scaled(v, expanded[3], p, nb * LANES)
                for lane in range(min(LANES, stop - r0)):
                    row = out[r0 + lane, j0:j0 + nb]
                    for j in range(nb):
                        row[j] = p[j * LANES + lane]


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def structured_sums(x, diagonals, scales, start, stop, cos_acc, sin_acc, xt, expanded, v,
                    p, counts):
    """Add the quantized features of rows ``start .. stop - 1`` to the accumulators.

    The structured counterpart of :func:`skfrugal.sketching._fused.feature_sums`.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), float32, C-contiguous
        Centred samples.
    diagonals : ndarray of shape (n_blocks, 3, block_size), float32
        The blocks' diagonals (see :func:`structured_phases`).
    scales : ndarray of shape (n_frequencies,), float32
        Factor of each row of the blocks, in half-turns.
    start, stop : int
        Rows to add (``0 <= start <= stop <= n_rows``).
    cos_acc, sin_acc : ndarray of shape (n_frequencies,), int64
        Receive ``Σ_i round(2^24 cos(π t_ij))`` and the same for ``sin``.
    xt, expanded, v, p, counts : ndarray
        Work space (see :meth:`StructuredFrequencies.work_space`).
    """
    d = x.shape[1]
    n_blocks, _, size = diagonals.shape
    m = scales.shape[0]
    group_width = d * LANES
    ci, si = counts[0], counts[1]
    one = np.int32(2**24)  # the cosine feature of a zero (padding) lane
    for t0 in range(start, stop, TILE):
        t1 = min(stop, t0 + TILE)
        _gather_tile(x, t0, t1, xt)
        for b in range(n_blocks):
            j0 = b * size
            nb = min(size, m - j0)
            width = nb * LANES
            _expand_block(diagonals[b], scales, j0, nb, expanded)
            for e in range(width):
                ci[e] = 0
                si[e] = 0
            for r0 in range(t0, t1, LANES):
                g = (r0 - t0) // LANES
                _transform_group(xt[g * group_width:(g + 1) * group_width], expanded, v,
                                 size)
                _scaled(v, expanded[3], p, width)
                for e in range(width):
                    s, c = _quantized(p[e])
                    ci[e] += c
                    si[e] += s
            padding = -(-(t1 - t0) // LANES) * LANES - (t1 - t0)
            for j in range(nb):
                base = j * LANES
                c_sum = np.int64(0)
                s_sum = np.int64(0)
                for lane in range(LANES):
                    c_sum += ci[base + lane]
                    s_sum += si[base + lane]
                cos_acc[j0 + j] += c_sum - padding * one
                sin_acc[j0 + j] += s_sum


class StructuredFrequencies:
    """A frequency matrix ``Ω`` of sign-Hadamard blocks, applied in ``O(m log d)``.

    ``Ω[:, j] = scales[j] · M_b[j - b d', :d]`` with
    ``M_b = H · diag(diagonals[b, 2]) · H · diag(diagonals[b, 1]) · H ·
    diag(diagonals[b, 0])``, ``H`` the unnormalised Walsh-Hadamard matrix of size
    ``d'`` (see the module documentation). It stands in for the dense
    ``(n_features, n_frequencies)`` array wherever the sketching functions take
    ``weights`` (:func:`sketch_chunk`, :func:`fourier_features`,
    :func:`fourier_sketch_chunk`), and pickles to Dask workers.

    Parameters
    ----------
    diagonals : ndarray of shape (n_blocks, 3, block_size)
        The diagonals of each block (signs; the first may fold per-feature factors).
    scales : ndarray of shape (n_frequencies,)
        Factor of each row; ``n_frequencies <= n_blocks * block_size``.
    n_features : int
        Number of rows ``d <= block_size`` of ``Ω``.

    Attributes
    ----------
    shape : tuple of int
        ``(n_features, n_frequencies)``.
    dtype : numpy.dtype
        Precision of the kernels (that of ``diagonals``).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.linalg import hadamard
    >>> from skfrugal.sketching._structured import StructuredFrequencies
    >>> rng = np.random.default_rng(0)
    >>> D = rng.choice([-1.0, 1.0], size=(1, 3, 32))
    >>> omega = StructuredFrequencies(D, np.ones(20), n_features=5)
    >>> H = hadamard(32)
    >>> M = H @ np.diag(D[0, 2]) @ H @ np.diag(D[0, 1]) @ H @ np.diag(D[0, 0])
    >>> np.array_equal(omega.toarray(), M[:20, :5].T)
    True
    """

    def __init__(self, diagonals, scales, n_features):
        diagonals = np.asarray(diagonals)
        dtype = np.float32 if diagonals.dtype == np.float32 else np.float64
        self.diagonals = np.ascontiguousarray(diagonals, dtype=dtype)
        self.scales = np.ascontiguousarray(scales, dtype=dtype)
        n_blocks, three, size = self.diagonals.shape
        m = self.scales.shape[0]
        if three != 3 or size < 1 or size & (size - 1):
            raise ValueError(
                f"diagonals must have shape (n_blocks, 3, 2**k), got {self.diagonals.shape}")
        if not (n_blocks - 1) * size < m <= n_blocks * size:
            raise ValueError(f"{m} scales do not fill {n_blocks} blocks of {size} rows")
        if (not isinstance(n_features, (int, np.integer)) or isinstance(n_features, bool)
                or not 1 <= n_features <= size):
            raise ValueError(f"n_features={n_features!r} must be an integer between 1 and "
                             f"{size}")
        if not (np.isfinite(self.diagonals).all() and np.isfinite(self.scales).all()):
            raise ValueError("diagonals and scales must be finite")
        self.n_features = int(n_features)

    @property
    def shape(self):
        return (self.n_features, self.scales.shape[0])

    @property
    def dtype(self):
        return self.diagonals.dtype

    @property
    def block_size(self):
        return self.diagonals.shape[2]

    def astype(self, dtype):
        """The same frequencies with kernels in ``dtype`` (float32 or float64)."""
        return StructuredFrequencies(self.diagonals.astype(dtype), self.scales.astype(dtype),
                                     self.n_features)

    def divide_rows(self, factors):
        """The frequencies ``Ω / factors[:, None]`` (folded into the first diagonal)."""
        diagonals = self.diagonals.copy()
        diagonals[:, 0, :self.n_features] /= np.asarray(factors, dtype=np.float64)
        return StructuredFrequencies(diagonals, self.scales, self.n_features)

    def half_turns(self):
        """The float32 frequencies divided by ``π`` (the fused kernel's phases)."""
        return StructuredFrequencies(self.diagonals.astype(np.float32),
                                     (self.scales.astype(np.float64) / np.pi).astype(np.float32),
                                     self.n_features)

    def project(self, x, out):
        """Write the phases ``x @ Ω`` (``x`` C-contiguous, of the kernels' dtype) into
        ``out``; return ``out``."""
        structured_phases(x, self.diagonals, self.scales, out, *self.work_space()[:4])
        return out

    def toarray(self):
        """The dense ``(n_features, n_frequencies)`` matrix, computed in float64."""
        op = self.astype(np.float64)
        return op.project(np.eye(self.n_features), np.empty(self.shape))

    def work_space(self):
        """Buffers of one thread of the kernels: a tile's samples (lane-major), a
        block's diagonals and row factors, the transformed group, its phases, and the
        per-lane int32 counts of :func:`structured_sums`."""
        width = self.block_size * LANES
        dtype = self.dtype
        return (np.empty(TILE * self.n_features, dtype), np.empty((4, width), dtype),
                np.empty(width, dtype), np.empty(width, dtype),
                np.empty((2, width), np.int32))


class StructuredSums:
    """The fused float32 sums of structured frequencies, one work space per thread.

    The counterpart, for :class:`StructuredFrequencies`, of the dense kernel's state in
    :mod:`skfrugal.sketching._features`: ``sums(x, start, stop, cos_acc, sin_acc, k)``
    adds rows ``start .. stop - 1`` with thread ``k``'s buffers.

    Parameters
    ----------
    weights : StructuredFrequencies
        Frequencies in radians per unit of the centred data.
    n_jobs : int
        Number of threads.
    """

    def __init__(self, weights, n_jobs):
        self.op = weights.half_turns()
        self.work = [self.op.work_space() for _ in range(n_jobs)]

    def __call__(self, x, start, stop, cos_acc, sin_acc, k):
        structured_sums(x, self.op.diagonals, self.op.scales, start, stop, cos_acc,
                        sin_acc, *self.work[k])


def draw_structured(n_frequencies, n_features, random_state):
    """Draw the sign diagonals of ``ceil(n_frequencies / d')`` blocks.

    Blocks with a row that vanishes on the first ``n_features`` columns are redrawn.

    Parameters
    ----------
    n_frequencies : int
        Number of frequencies ``m``.
    n_features : int
        Dimension ``d``.
    random_state : numpy.random.RandomState
        Source of randomness.

    Returns
    -------
    signs : ndarray of shape (n_blocks, 3, block_size), int8
        The diagonals ``D1, D2, D3`` of each block.
    rows : ndarray of shape (n_features, n_frequencies)
        The rows ``M_b[j, :d]`` of the blocks (unnormalised, transposed; no column is
        zero).
    """
    size = block_size(n_features)
    n_blocks = -(-n_frequencies // size)
    signs = np.empty((n_blocks, 3, size), dtype=np.int8)
    rows = np.empty((n_features, n_blocks * size))
    for b in range(n_blocks):
        for _ in range(_MAX_REDRAWS):
            block = (2 * random_state.randint(0, 2, size=(1, 3, size)) - 1).astype(np.int8)
            block_rows = StructuredFrequencies(block, np.ones(size), n_features).toarray()
            if np.all(np.any(block_rows != 0, axis=0)):
                break
        else:  # pragma: no cover - probability below 0.25 ** 100
            raise RuntimeError(f"could not draw a structured block for d={n_features}")
        signs[b] = block[0]
        rows[:, b * size:(b + 1) * size] = block_rows
    return signs, rows[:, :n_frequencies]


def structured_frequencies(signs, radii, scale, n_features, rows=None):
    """The structured operator of given signs and radii, and its dense matrix.

    Parameters
    ----------
    signs : ndarray of shape (n_blocks, 3, block_size)
        Sign diagonals (from :func:`draw_structured`).
    radii : ndarray of shape (n_frequencies,)
        Radius ``R_j`` of each frequency at unit scale.
    scale : float
        The squared kernel bandwidth: ``‖ω_j‖ = R_j / sqrt(scale)``.
    n_features : int
        Dimension ``d``.
    rows : ndarray of shape (n_features, n_frequencies), default=None
        The blocks' rows if already computed (:func:`draw_structured`).

    Returns
    -------
    operator : StructuredFrequencies
        The operator in float64 (``astype`` gives the float32 kernels' one).
    frequencies : ndarray of shape (n_features, n_frequencies)
        The same frequencies as a dense matrix, float64.
    """
    radii = np.asarray(radii, dtype=np.float64)
    if rows is None:
        rows = StructuredFrequencies(signs, np.ones(radii.shape[0]), n_features).toarray()
    scales = radii / (np.sqrt(scale) * np.sqrt(np.einsum("ij,ij->j", rows, rows)))
    return StructuredFrequencies(signs, scales, n_features), rows * scales
