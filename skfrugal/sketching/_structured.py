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
is a contiguous run of ``LANES · h`` floats whatever ``h``. The sketch kernel keeps the
contract of :mod:`skfrugal.sketching._fused`: tiles of ``TILE`` rows whose float64
sums are written to their own rows and added in tile order (the same result bit for
bit whatever the number of threads), and a sample's phases, hence its features, are
the same whatever batch, tile, group or lane it falls in (only additions, exact sign
flips and one product per phase; the phases are stored before the sine-cosine, as in
:func:`structured_phases`, so :meth:`FourierSketcher.transform` gives the same
features). Within a tile each lane has its own float64 accumulators, summed over the
lanes in order at the end of the tile.

Why not :mod:`skfrugal.butterfly`: its kernel multiplies by general 2 × 2 blocks given
as data (two products and a sum per output) and writes the result out; here the
butterflies are additions only, the sign diagonals are applied in place, and the
phases go straight to the sine-cosine while they are in L1 cache.
"""

import numpy as np
from numba import njit

from ._fused import TILE, _accumulate, _sincos32

LANES = 16
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


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def structured_phases(x, diagonals, scales, out, xt, expanded, v):
    """Write the phases ``x @ Ω`` of structured frequencies into ``out``.

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
    xt, expanded, v : ndarray
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
            factors = expanded[3]
            for r0 in range(start, stop, LANES):
                g = (r0 - start) // LANES
                _transform_group(xt[g * group_width:(g + 1) * group_width], expanded, v,
                                 size)
                for lane in range(min(LANES, stop - r0)):
                    row = out[r0 + lane, j0:j0 + nb]
                    for j in range(nb):
                        row[j] = v[j * LANES + lane] * factors[j * LANES + lane]


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def structured_sums(x, diagonals, scales, first_tile, last_tile, cos_part, sin_part,
                    xt, expanded, v, p, cos_lanes, sin_lanes):
    """Fill ``cos_part[t]`` and ``sin_part[t]`` for the tiles ``first_tile .. last_tile - 1``.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), float32, C-contiguous
        Centred samples.
    diagonals : ndarray of shape (n_blocks, 3, block_size), float32
        The blocks' diagonals (see :func:`structured_phases`).
    scales : ndarray of shape (n_frequencies,), float32
        Factor of each row of the blocks.
    first_tile, last_tile : int
        Tiles of ``TILE`` rows to process.
    cos_part, sin_part : ndarray of shape (n_tiles, n_frequencies), float64
        Receive each tile's sums of ``cos`` and ``sin`` of the phases.
    xt, expanded, v, p, cos_lanes, sin_lanes : ndarray
        Work space (see :meth:`StructuredFrequencies.work_space`).
    """
    n, d = x.shape
    n_blocks, _, size = diagonals.shape
    m = scales.shape[0]
    group_width = d * LANES
    for t in range(first_tile, last_tile):
        start = t * TILE
        stop = min(n, start + TILE)
        _gather_tile(x, start, stop, xt)
        for b in range(n_blocks):
            j0 = b * size
            nb = min(size, m - j0)
            width = nb * LANES
            _expand_block(diagonals[b], scales, j0, nb, expanded)
            factors = expanded[3]
            for e in range(width):
                cos_lanes[e] = 0.0
                sin_lanes[e] = 0.0
            for r0 in range(start, stop, LANES):
                g = (r0 - start) // LANES
                _transform_group(xt[g * group_width:(g + 1) * group_width], expanded, v,
                                 size)
                for e in range(width):
                    p[e] = v[e] * factors[e]
                nr = min(LANES, stop - r0)
                if nr == LANES:
                    _accumulate(p[:width], cos_lanes[:width], sin_lanes[:width])
                else:  # the last group of a short tile: its real lanes only
                    for j in range(nb):
                        base = j * LANES
                        for lane in range(nr):
                            s, c = _sincos32(p[base + lane])
                            cos_lanes[base + lane] += np.float64(c)
                            sin_lanes[base + lane] += np.float64(s)
            for j in range(nb):
                base = j * LANES
                c_sum = cos_lanes[base]
                s_sum = sin_lanes[base]
                for lane in range(1, LANES):
                    c_sum += cos_lanes[base + lane]
                    s_sum += sin_lanes[base + lane]
                cos_part[t, j0 + j] = c_sum
                sin_part[t, j0 + j] = s_sum


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
    >>> from skfrugal.sketching import StructuredFrequencies
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
        if not 1 <= n_features <= size:
            raise ValueError(f"n_features={n_features} must be between 1 and {size}")
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

    def project(self, x, out):
        """Write the phases ``x @ Ω`` (``x`` C-contiguous, of the kernels' dtype) into
        ``out``; return ``out``."""
        xt, expanded, v = self._buffers(self.dtype)
        structured_phases(x, self.diagonals, self.scales, out, xt, expanded, v)
        return out

    def toarray(self):
        """The dense ``(n_features, n_frequencies)`` matrix, computed in float64."""
        op = self.astype(np.float64)
        return op.project(np.eye(self.n_features), np.empty(self.shape))

    def _buffers(self, dtype):
        width = self.block_size * LANES
        return (np.empty(TILE * self.n_features, dtype), np.empty((4, width), dtype),
                np.empty(width, dtype))

    def work_space(self):
        """Buffers of one thread of :func:`structured_feature_sums`: a tile's samples,
        a block's diagonals, the transformed group, its phases, per-lane sums."""
        width = self.block_size * LANES
        return (*self._buffers(np.float32), np.empty(width, np.float32),
                np.empty(width), np.empty(width))


def structured_feature_sums(x, w, first_tile, last_tile, cos_part, sin_part, work):
    """:func:`~skfrugal.sketching._fused.feature_sums` for structured frequencies.

    ``w`` is a float32 :class:`StructuredFrequencies` and ``work`` the tuple of its
    :meth:`~StructuredFrequencies.work_space`.
    """
    structured_sums(x, w.diagonals, w.scales, first_tile, last_tile, cos_part, sin_part,
                    *work)


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
