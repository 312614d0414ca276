"""The fused sketching kernel: projection, float32 sine and cosine, exact integer sums.

One pass over a batch of centred samples computes, for every frequency ``j``,
``Σ_i cos(π t_ij)`` and ``Σ_i sin(π t_ij)``, where ``t_ij = x̃_iᵀ ω_j / π`` is the phase
in **half-turns** (the frequencies are divided by ``π`` once, before the pass):

* **Reduction without Cody–Waite.** With the phase in half-turns, ``q = rint(t)`` and
  ``u = t - q`` are exact in float32 (``|u| <= 1/2``), so ``sin(π t) = (-1)^q sin(π u)``
  and ``cos(π t) = (-1)^q cos(π u)``: one rounding and one subtraction replace the
  three-part reduction by ``π/2``, and every finite ``t`` gives ``|u| <= 1/2`` (beyond
  ``2^23`` half-turns, where float32 holds only integers, ``u = 0``).
* **Polynomials.** ``sin(π u) ≈ u P(u²)`` (degree 9) and ``cos(π u) ≈ Q(u²)`` (degree 8),
  minimax on ``[0, 1/2]`` (Lawson's iteration; approximation error 3.3e-9 and 5.3e-8).
  They are branch-free, and so is the sign: the parity of ``q`` shifted into bit 31 is
  XORed into both floats' sign bits (two bitwise operations where a select would need
  a negation and a blend per value), so LLVM vectorises the loop over frequencies (16
  lanes with AVX-512; checked on the assembly by ``tests/sketching/test_fused.py``).
* **Exact integer sums.** The coefficients carry a factor :data:`SCALE` ``= 2^24``, so
  each feature comes out as ``2^24 cos`` and is rounded to an integer (a multiple of
  ``2^-24 = 6e-8`` in the feature's units); the integers of :data:`TILE` rows are added
  in int32 (no overflow: ``|sum| <= 124 · 2^24 < 2^31``), then into int64 accumulators.
  Integer sums are exact and do not depend on their order: the sketch is **the same bit
  for bit** whatever the batching, the chunking or the number of threads, as long as a
  chunk holds fewer than ``2^29`` rows (the int64 sums then convert exactly to float64).
* **Projection.** Rows go four at a time; a row's phase is always the same sequence
  ``t ← x_0 ω_0``, then ``t ← fma(x_k, ω_k, t)`` for ``k = 1, 2, ...``, so a sample's phases,
  hence its features, do not depend on its group, tile or batch. The features are summed
  by blocks of :data:`BLOCK` frequencies (kept in L1 cache); the frequency matrix is
  stored block by block (:func:`half_turn_blocks`) and the last four features' products
  are fused into the sine-cosine loop.

Accuracy, against NumPy's float64 ``sin(π t)`` and ``cos(π t)`` of the same float32 ``t``:
at most 1.8e-7 (floating point) and 2.1e-7 after rounding to ``2^-24`` (measured over
2·10⁶ points per range up to ``|t| = 10⁶``; tested). The float32 rounding of the phase
itself, ``6e-8 · |t|`` half-turns, is the larger error from ``|t| ≈ 1`` on.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

TILE = 124  # rows per int32 tile: the largest multiple of 4 with TILE · 2^24 < 2^31
BLOCK = 512
LANES = 16  # float32 lanes of an AVX-512 register: blocks are padded to a multiple
SCALE = 2.0**24

_F = np.float32
# minimax coefficients on [0, 1/2] (absolute error), times SCALE (a power of two: exact)
_S1, _S3, _S5, _S7, _S9 = (
    _F(c * SCALE) for c in (3.14159258, -5.16770688, 2.55003138, -0.59804517, 0.07722013)
)
_C0, _C2, _C4, _C6, _C8 = (
    _F(c * SCALE) for c in (1.0, -4.93479552, 4.05845134, -1.33209387, 0.22008065)
)
_UNSCALE = _F(1.0 / SCALE)
_ZERO = _F(0.0)
_SIGN_BIT = np.int32(31)
# 'contract' lets LLVM fuse a * b + c into one FMA (no reordering of sums: every
# row's phase is the same sequence of operations whatever batch it falls in)
_FASTMATH = {"contract"}


@intrinsic
def _bits(typingctx, x):
    """The bits of a float32 as an int32 (a no-op reinterpretation)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.int32(types.float32), codegen


@intrinsic
def _from_bits(typingctx, x):
    """The float32 whose bits are the int32 ``x``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _scaled_sincos(t):
    """``(2^24 sin(π t), 2^24 cos(π t))`` in float32.

    ``(-1)^q`` is applied by flipping the sign bits: the parity of ``q`` (its lowest
    bit) shifted into bit 31, XORed in. Beyond ``2^31`` half-turns (``u = 0`` there) the
    conversion of ``q`` saturates, which is harmless.
    """
    q = np.rint(t)
    u = t - q
    u2 = u * u
    s = u * (_S1 + u2 * (_S3 + u2 * (_S5 + u2 * (_S7 + u2 * _S9))))
    c = _C0 + u2 * (_C2 + u2 * (_C4 + u2 * (_C6 + u2 * _C8)))
    sign = np.int32(q) << _SIGN_BIT
    return _from_bits(_bits(s) ^ sign), _from_bits(_bits(c) ^ sign)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _quantized(t):
    """``(round(2^24 sin(π t)), round(2^24 cos(π t)))`` as int32."""
    s, c = _scaled_sincos(t)
    return np.int32(np.rint(s)), np.int32(np.rint(c))


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def sincos_pi(t, sin_out, cos_out):
    """Float32 ``sin(π t)`` and ``cos(π t)`` of a 1-D float32 array, elementwise.

    The same polynomials as the sketch (whose integers are these values times
    :data:`SCALE`, rounded).
    """
    for j in range(t.shape[0]):
        s, c = _scaled_sincos(t[j])
        sin_out[j] = s * _UNSCALE
        cos_out[j] = c * _UNSCALE


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _first(p, a, wb, nb, count):
    """``p = a_0 w_0 + ...`` over the first ``count`` (1 to 4) features.

    Each sum starts from zero (``0 + a_0 w_0`` is one FMA, the rounded product), so
    that every later term is one FMA on the running sum: were the sum to start from
    the product, LLVM could fuse the *first* product into the second addition, and the
    order of rounding would depend on the number of features.
    """
    if count == 1:
        a0 = a[0]
        for j in range(nb):
            v = _ZERO
            v += a0 * wb[0, j]
            p[j] = v
    elif count == 2:
        a0, a1 = a[0], a[1]
        for j in range(nb):
            v = _ZERO
            v += a0 * wb[0, j]
            v += a1 * wb[1, j]
            p[j] = v
    elif count == 3:
        a0, a1, a2 = a[0], a[1], a[2]
        for j in range(nb):
            v = _ZERO
            v += a0 * wb[0, j]
            v += a1 * wb[1, j]
            v += a2 * wb[2, j]
            p[j] = v
    else:
        a0, a1, a2, a3 = a[0], a[1], a[2], a[3]
        for j in range(nb):
            v = _ZERO
            v += a0 * wb[0, j]
            v += a1 * wb[1, j]
            v += a2 * wb[2, j]
            v += a3 * wb[3, j]
            p[j] = v


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _add4(p, a, wb, k, nb):
    """``p += a_k w_k + ... + a_{k+3} w_{k+3}``, one FMA at a time."""
    a0, a1, a2, a3 = a[k], a[k + 1], a[k + 2], a[k + 3]
    for j in range(nb):
        v = p[j]
        v += a0 * wb[k, j]
        v += a1 * wb[k + 1, j]
        v += a2 * wb[k + 2, j]
        v += a3 * wb[k + 3, j]
        p[j] = v


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _add4_rows4(p, x0, x1, x2, x3, wb, k, nb):
    """:func:`_add4` on four rows at once (each frequency row loaded once)."""
    p0, p1, p2, p3 = p[0], p[1], p[2], p[3]
    a0, a1, a2, a3 = x0[k], x0[k + 1], x0[k + 2], x0[k + 3]
    b0, b1, b2, b3 = x1[k], x1[k + 1], x1[k + 2], x1[k + 3]
    e0, e1, e2, e3 = x2[k], x2[k + 1], x2[k + 2], x2[k + 3]
    g0, g1, g2, g3 = x3[k], x3[k + 1], x3[k + 2], x3[k + 3]
    for j in range(nb):
        w0, w1, w2, w3 = wb[k, j], wb[k + 1, j], wb[k + 2, j], wb[k + 3, j]
        t0 = p0[j]
        t0 += a0 * w0
        t0 += a1 * w1
        t0 += a2 * w2
        t0 += a3 * w3
        t1 = p1[j]
        t1 += b0 * w0
        t1 += b1 * w1
        t1 += b2 * w2
        t1 += b3 * w3
        t2 = p2[j]
        t2 += e0 * w0
        t2 += e1 * w1
        t2 += e2 * w2
        t2 += e3 * w3
        t3 = p3[j]
        t3 += g0 * w0
        t3 += g1 * w1
        t3 += g2 * w2
        t3 += g3 * w3
        p0[j] = t0
        p1[j] = t1
        p2[j] = t2
        p3[j] = t3


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _split(d):
    """Features in the first block (1 to 4); the others go by fours."""
    return d - 4 * ((d - 1) // 4)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _phases(a, wb, nb, p):
    """The phases of one row over a block: ``p = aᵀ wb`` (all features)."""
    d = a.shape[0]
    f = _split(d)
    _first(p, a, wb, nb, f)
    for k in range(f, d, 4):
        _add4(p, a, wb, k, nb)


@njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _four_rows(x0, x1, x2, x3, wb, nb, p, ci, si):
    """Add four rows' quantized features over a block to ``ci``, ``si``."""
    d = x0.shape[0]
    p0, p1, p2, p3 = p[0], p[1], p[2], p[3]
    f = _split(d)
    _first(p0, x0, wb, nb, f)
    _first(p1, x1, wb, nb, f)
    _first(p2, x2, wb, nb, f)
    _first(p3, x3, wb, nb, f)
    if d <= 4:
        for j in range(nb):
            s0, c0 = _quantized(p0[j])
            s1, c1 = _quantized(p1[j])
            s2, c2 = _quantized(p2[j])
            s3, c3 = _quantized(p3[j])
            ci[j] += (c0 + c1) + (c2 + c3)
            si[j] += (s0 + s1) + (s2 + s3)
        return
    k = f
    while k < d - 4:
        _add4_rows4(p, x0, x1, x2, x3, wb, k, nb)
        k += 4
    # the last four features, fused with the sine-cosine (the same FMAs as _add4)
    a0, a1, a2, a3 = x0[k], x0[k + 1], x0[k + 2], x0[k + 3]
    b0, b1, b2, b3 = x1[k], x1[k + 1], x1[k + 2], x1[k + 3]
    e0, e1, e2, e3 = x2[k], x2[k + 1], x2[k + 2], x2[k + 3]
    g0, g1, g2, g3 = x3[k], x3[k + 1], x3[k + 2], x3[k + 3]
    for j in range(nb):
        w0, w1, w2, w3 = wb[k, j], wb[k + 1, j], wb[k + 2, j], wb[k + 3, j]
        t0 = p0[j]
        t0 += a0 * w0
        t0 += a1 * w1
        t0 += a2 * w2
        t0 += a3 * w3
        t1 = p1[j]
        t1 += b0 * w0
        t1 += b1 * w1
        t1 += b2 * w2
        t1 += b3 * w3
        t2 = p2[j]
        t2 += e0 * w0
        t2 += e1 * w1
        t2 += e2 * w2
        t2 += e3 * w3
        t3 = p3[j]
        t3 += g0 * w0
        t3 += g1 * w1
        t3 += g2 * w2
        t3 += g3 * w3
        s0, c0 = _quantized(t0)
        s1, c1 = _quantized(t1)
        s2, c2 = _quantized(t2)
        s3, c3 = _quantized(t3)
        ci[j] += (c0 + c1) + (c2 + c3)
        si[j] += (s0 + s1) + (s2 + s3)


@njit(cache=True, nogil=True, inline="always")
def padded_width(nb, width):
    """``nb`` rounded up to a multiple of :data:`LANES` (at most ``width``)."""
    return min(width, -(-nb // LANES) * LANES)


@njit(cache=True, nogil=True)
def check_work_space(w3, phases, counts):
    """Refuse per-thread buffers narrower than the frequency blocks (the kernels fill
    whole registers of :data:`LANES` lanes, up to ``w3.shape[2]``)."""
    width = w3.shape[2]
    if phases.shape[0] < 4 or phases.shape[1] < width or counts.shape[0] < 2 \
            or counts.shape[1] < width:
        raise ValueError("the work space is narrower than the frequency blocks")


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def feature_sums(x, w3, m, start, stop, cos_acc, sin_acc, phases, counts):
    """Add the quantized features of rows ``start .. stop - 1`` to the accumulators.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), float32, C-contiguous
        Centred samples.
    w3 : ndarray of shape (n_blocks, n_features, BLOCK), float32, C-contiguous
        Frequency matrix in half-turns, block by block (:func:`half_turn_blocks`).
    m : int
        Number of frequencies (``<= n_blocks * BLOCK``).
    start, stop : int
        Rows to add (``0 <= start <= stop <= n_rows``).
    cos_acc, sin_acc : ndarray of shape (m,), int64
        Receive ``Σ_i round(2^24 cos(π t_ij))`` and the same for ``sin``.
    phases : ndarray of shape (4, w3.shape[2]), float32
        Work space (one per thread).
    counts : ndarray of shape (2, w3.shape[2]), int32
        Work space (one per thread).
    """
    width = w3.shape[2]
    check_work_space(w3, phases, counts)
    ci, si = counts[0], counts[1]
    for t0 in range(start, stop, TILE):
        t1 = min(stop, t0 + TILE)
        for b in range(w3.shape[0]):
            wb = w3[b]
            j0 = b * width
            nb = min(m, j0 + width) - j0
            # whole registers: the padding frequencies are zero (their sums are dropped),
            # and a loop of whole registers has no scalar remainder (m = 200 ran 10 %
            # slower than m = 208 with one)
            nv = padded_width(nb, width)
            for j in range(nv):
                ci[j] = 0
                si[j] = 0
            i = t0
            while i + 4 <= t1:
                _four_rows(x[i], x[i + 1], x[i + 2], x[i + 3], wb, nv, phases, ci, si)
                i += 4
            p = phases[0]
            while i < t1:
                _phases(x[i], wb, nv, p)
                for j in range(nv):
                    s, c = _quantized(p[j])
                    ci[j] += c
                    si[j] += s
                i += 1
            for j in range(nb):
                cos_acc[j0 + j] += ci[j]
                sin_acc[j0 + j] += si[j]


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def half_turn_phases(x, w3, m, out):
    """Write the phases ``t = x w3`` (half-turns) of every row into ``out``.

    The same operations, in the same order, as :func:`feature_sums`: a row's phases are
    bit for bit those its sketch features come from.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_features), float32, C-contiguous
    w3 : ndarray of shape (n_blocks, n_features, BLOCK), float32, C-contiguous
    m : int
    out : ndarray of shape (n_rows, m), float32, C-contiguous
    """
    width = w3.shape[2]
    for b in range(w3.shape[0]):
        wb = w3[b]
        j0 = b * width
        nb = min(m, j0 + width) - j0
        for i in range(x.shape[0]):
            _phases(x[i], wb, nb, out[i, j0:j0 + nb])


def half_turn_blocks(weights, block=BLOCK):
    """The frequency matrix divided by ``π``, in float32, stored block by block.

    Parameters
    ----------
    weights : ndarray of shape (n_features, m)
        Frequencies (radians per unit of the centred data).
    block : int, default=BLOCK
        Frequencies per block.

    Returns
    -------
    w3 : ndarray of shape (ceil(m / block), n_features, width), float32
        ``w3[b, k, j] = weights[k, b * width + j] / π`` (zero past ``m``), where
        ``width`` is ``block`` or, for fewer frequencies, ``m`` rounded up to a multiple
        of :data:`LANES`.
    """
    d, m = weights.shape
    width = min(block, -(-max(m, 1) // LANES) * LANES)
    n_blocks = max(1, -(-m // width))
    padded = np.zeros((d, n_blocks * width), dtype=np.float32)
    padded[:, :m] = np.asarray(weights, dtype=np.float64) / np.pi
    return np.ascontiguousarray(padded.reshape(d, n_blocks, width).transpose(1, 0, 2))
