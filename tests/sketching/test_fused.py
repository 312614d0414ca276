"""The fused float32 sketching kernel: accuracy, vectorisation, exact and invariant sums."""

import platform

import numpy as np
import pytest

from skfrugal.sketching import FourierSketcher, sketch_chunk
from skfrugal.sketching._batch_moments import centre_blocks, merge_blocks
from skfrugal.sketching._fused import (
    BLOCK,
    LANES,
    SCALE,
    TILE,
    feature_sums,
    half_turn_blocks,
    half_turn_phases,
    sincos_pi,
)


@pytest.mark.parametrize("top", [0.5, 4.0, 1e3, 1e6])
def test_sincos_pi_against_float64(top):
    # the documented bounds: 1.8e-7 in floating point, 2.1e-7 once rounded to 2^-24
    t = np.random.default_rng(0).uniform(-top, top, 400_000).astype(np.float32)
    t[:6] = [0.0, 0.5, -0.5, 0.25, 1.0, -2.5]
    s, c = np.empty_like(t), np.empty_like(t)
    sincos_pi(t, s, c)
    exact = np.pi * t.astype(np.float64)
    assert np.abs(s - np.sin(exact)).max() <= 1.8e-7
    assert np.abs(c - np.cos(exact)).max() <= 1.8e-7
    # the sketch's integers are these values times 2^24, rounded (exact in float32)
    sq = np.rint(s.astype(np.float64) * SCALE) / SCALE
    cq = np.rint(c.astype(np.float64) * SCALE) / SCALE
    assert np.abs(sq - np.sin(exact)).max() <= 2.1e-7
    assert np.abs(cq - np.cos(exact)).max() <= 2.1e-7


def test_sincos_pi_is_bounded_for_any_finite_phase():
    big = np.array([3e38, -3e38, 2.0**23 + 1, 2.0**31, 1e30, -7e9], dtype=np.float32)
    s, c = np.empty_like(big), np.empty_like(big)
    sincos_pi(big, s, c)
    # beyond 2^23 half-turns float32 holds integers: sin(π t) = 0, |cos(π t)| = 1
    np.testing.assert_array_equal(s, 0.0)
    np.testing.assert_array_equal(np.abs(c), 1.0)


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="the check reads x86 assembly")
def test_sine_cosine_loop_is_vectorised():
    from numba import njit

    from skfrugal.sketching import _fused

    # a fresh (uncached) compilation, to read its assembly
    fresh = njit(fastmath=_fused._FASTMATH, nogil=True)(_fused.sincos_pi.py_func)
    t = np.zeros(64, dtype=np.float32)
    fresh(t, t.copy(), t.copy())
    asm = fresh.inspect_asm(fresh.signatures[0])
    packed = [line for line in asm.splitlines()
              if "vfmadd" in line and "ps" in line.split()[0] and ("ymm" in line or "zmm" in line)]
    if not packed and "xmm" in asm and "vfmadd" not in asm:
        pytest.skip("this CPU has no FMA / AVX2 for LLVM to target")
    # the polynomials' FMAs run on packed registers (8 or 16 lanes), not on scalars
    assert len(packed) >= 8


def _row_by_row(x, w3, m):
    acc = np.zeros((2, m), dtype=np.int64)
    phases = np.empty((4, w3.shape[2]), dtype=np.float32)
    counts = np.empty((2, w3.shape[2]), dtype=np.int32)
    rows = []
    for i in range(x.shape[0]):
        one = np.zeros((2, m), dtype=np.int64)
        feature_sums(x, w3, m, i, i + 1, one[0], one[1], phases, counts)
        rows.append(one)
    feature_sums(x, w3, m, 0, x.shape[0], acc[0], acc[1], phases, counts)
    return acc, np.array(rows)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5, 6, 7, 9, 10, 13])
def test_a_row_contributes_the_same_whatever_its_group(d):
    # 11 rows: two groups of four (the fused four-row loop) and three single rows; every
    # first-block size (1 to 4) and both branches (d <= 4, fused last block) are covered
    rng = np.random.default_rng(d)
    x = rng.normal(size=(11, d)).astype(np.float32)
    weights = 3 * rng.normal(size=(d, 37))
    w3 = half_turn_blocks(weights, block=16)  # three blocks, the last one partial
    together, rows = _row_by_row(x, w3, 37)
    np.testing.assert_array_equal(together, rows.sum(axis=0))
    # every row's integers: 2^24 cos(π t) rounded, t the row's float32 phases
    t = np.empty((11, 37), dtype=np.float32)
    half_turn_phases(x, w3, 37, t)
    s, c = np.empty_like(t), np.empty_like(t)
    sincos_pi(t.ravel(), s.ravel(), c.ravel())
    np.testing.assert_array_equal(rows[:, 0], np.rint(c.astype(np.float64) * SCALE))
    np.testing.assert_array_equal(rows[:, 1], np.rint(s.astype(np.float64) * SCALE))
    # and each phase is the documented sequence t = x_0 w_0, t = fma(x_k, w_k, t),
    # emulated here in float64 (a product of float32 numbers is exact in float64)
    w32 = (weights / np.pi).astype(np.float32)
    ref = x[:, :1] * w32[:1]
    for k in range(1, d):
        ref = (x[:, k:k + 1].astype(np.float64) * w32[k] + ref).astype(np.float32)
    np.testing.assert_array_equal(t, ref)


def test_int32_tiles_cannot_overflow():
    # the largest possible integers (cos = 1 on every row) over many tiles
    x = np.zeros((5 * TILE + 3, 2), dtype=np.float32)
    w3 = half_turn_blocks(np.ones((2, 5)))
    acc = np.zeros((2, 5), dtype=np.int64)
    feature_sums(x, w3, 5, 0, x.shape[0], acc[0], acc[1], np.empty((4, w3.shape[2]), np.float32),
                 np.empty((2, w3.shape[2]), np.int32))
    np.testing.assert_array_equal(acc[0], x.shape[0] * int(SCALE))
    np.testing.assert_array_equal(acc[1], 0)


def test_sketch_bitwise_identical_whatever_n_jobs_batching_and_chunking():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 10))
    w = rng.normal(size=(10, 300))
    mean = X.mean(axis=0)
    ref = sketch_chunk(X, w, mean, np.float32, batch_size=2000)[0]
    for n_jobs in (2, 3, -1):
        other = sketch_chunk(X, w, mean, np.float32, batch_size=2000, n_jobs=n_jobs)[0]
        np.testing.assert_array_equal(other, ref)
    for batch_size in (1, 7, 256, 4999, None):
        other = sketch_chunk(X, w, mean, np.float32, batch_size=batch_size)[0]
        np.testing.assert_array_equal(other, ref)
    # chunks summed in any order: the same float64 numbers (multiples of 2^-24)
    parts = [sketch_chunk(X[a:b], w, mean, np.float32)[0]
             for a, b in ((3000, 5000), (0, 1), (1, 3000))]
    np.testing.assert_array_equal((parts[0] + parts[1]) + parts[2], ref)
    exact = np.exp(-1j * ((X - mean) @ w)).sum(axis=0)
    assert np.abs(ref - exact).max() / len(X) < 2e-6


def test_sketcher_sketch_independent_of_chunks_and_threads():
    X = np.random.default_rng(4).normal(size=(3001, 7))
    sk = FourierSketcher(sketch_size=90, random_state=0).fit(X)
    whole = sk.sketch(X)
    merged = sk.sketch(X[:1234]) + sk.sketch(X[1234:2000]) + sk.sketch(X[2000:])
    np.testing.assert_array_equal(merged.feature_sum, whole.feature_sum)
    threaded = FourierSketcher(sketch_size=90, n_jobs=2, batch_size=333,
                               random_state=0).fit(X).sketch(X)
    np.testing.assert_array_equal(threaded.feature_sum, whole.feature_sum)


@pytest.mark.parametrize("d", [1, 3, 6, 10])
def test_transform_features_are_the_sketch_features(d):
    # float32 computation (the default dtype), float64 output for float64 input: the
    # features rounded to 2^-24 add up to the sketch exactly
    X = np.random.default_rng(d).normal(size=(700, d))
    sk = FourierSketcher(sketch_size=50, random_state=0).fit(X)
    T = sk.transform(X) * np.sqrt(50)
    cos32 = T[:, :50].astype(np.float32).astype(np.float64)
    sin32 = -T[:, 50:].astype(np.float32).astype(np.float64)
    total = np.rint(cos32 * SCALE).sum(axis=0) - 1j * np.rint(sin32 * SCALE).sum(axis=0)
    np.testing.assert_array_equal(total / SCALE, sk.sketch(X).feature_sum)


def test_far_outliers_stay_bounded():
    # a point 1e30 away: its float32 phases are meaningless, but its features stay in
    # [-1, 1] (no overflow of the integer sums)
    X = np.random.default_rng(5).normal(size=(200, 3))
    sk = FourierSketcher(sketch_size=40, standardize=False, scale=1.0,
                         random_state=0).fit(X)
    X[7] = [1e30, -1e30, 3e29]
    z = sk.sketch(X).mean
    assert np.all(np.isfinite(z)) and np.all(np.abs(z) <= 1.0 + 1e-12)
    near = sk.sketch(np.delete(X, 7, axis=0)).feature_sum
    assert np.abs(sk.sketch(X).feature_sum - near).max() <= np.sqrt(2) + 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_block_moments_against_numpy(dtype):
    x = (np.random.default_rng(6).normal(size=(257, 5)) * [1, 10, 1e-3, 1e5, 3]
         + [0, -4, 2, 1e5, 7]).astype(dtype)
    centre = np.array([0.5, -4, 2, 1e5, 6], dtype=dtype)
    out = np.empty(x.shape, dtype=np.float32)
    stats = np.empty((3, 4, 5))  # blocks of 100, 100 and 57 rows
    assert centre_blocks(x, centre, out, 0, 3, 100, stats)
    xc = x - centre  # in the data's dtype, as the kernel
    np.testing.assert_array_equal(out, xc.astype(np.float32))
    running = np.array([np.full(5, np.inf), np.full(5, -np.inf), np.zeros(5), np.zeros(5)])
    assert merge_blocks(running, 0, stats, 257, 100) == 257
    x64 = xc.astype(np.float64)
    np.testing.assert_array_equal(running[0], x64.min(axis=0))
    np.testing.assert_array_equal(running[1], x64.max(axis=0))
    np.testing.assert_allclose(running[2], x64.mean(axis=0), rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(running[3], ((x64 - x64.mean(axis=0)) ** 2).sum(axis=0),
                               rtol=1e-10)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[150, 3] = bad
        assert not centre_blocks(y, centre, out, 0, 3, 100, stats)
        assert centre_blocks(y, centre, out, 0, 1, 100, stats)  # block 0 is finite


def test_sketch_chunk_moments_whatever_n_jobs():
    X = np.random.default_rng(7).normal(size=(20_000, 4)) * 3 + 1
    w = np.random.default_rng(8).normal(size=(4, 30))
    one = sketch_chunk(X, w, np.zeros(4), np.float32, batch_size=9000)
    for n_jobs in (2, 3):
        other = sketch_chunk(X, w, np.zeros(4), np.float32, batch_size=9000, n_jobs=n_jobs)
        for a, b in zip(one, other):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(one[4], X.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(one[5], X.var(axis=0) * len(X), rtol=1e-12)
    with pytest.raises(ValueError, match=r"NaN or infinity \(in rows 9000 to 17999"):
        bad = X.copy()
        bad[12_345, 2] = np.nan
        sketch_chunk(bad, w, np.zeros(4), np.float32, batch_size=9000, n_jobs=2)


def test_sketcher_n_jobs_and_verbose(capsys):
    X = np.random.default_rng(2).normal(size=(3000, 6))
    one = FourierSketcher(sketch_size=64, random_state=0).fit(X)
    two = FourierSketcher(sketch_size=64, n_jobs=2, random_state=0).fit(X)
    assert one.operator_id_ == two.operator_id_  # threads do not change the operator
    np.testing.assert_array_equal(one.sketch(X).feature_sum, two.sketch(X).feature_sum)
    loud = FourierSketcher(sketch_size=64, verbose=1, random_state=0).fit(X)
    loud.partial_fit(X[:1000]).partial_fit(X[1000:])
    out = capsys.readouterr().out
    assert "partial_fit: 1,000 rows at" in out and "3,000 rows in the sketch" in out
    np.testing.assert_array_equal(loud.sketch_.feature_sum, one.sketch(X).feature_sum)
    with pytest.raises(ValueError, match="n_jobs must be None or a non-zero integer"):
        FourierSketcher(sketch_size=8, n_jobs=0).fit(X).sketch(X)


def test_verbose_sketch_reports_blocks(monkeypatch, capsys):
    import skfrugal.sketching._operator as operator

    monkeypatch.setattr(operator, "_REPORT_ROWS", 1000)
    X = np.random.default_rng(3).normal(size=(2500, 3))
    sk = FourierSketcher(sketch_size=16, verbose=1, random_state=0).fit(X)
    reported = sk.sketch(X)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "rows/s" in ln]
    assert [ln.split(" rows")[0] for ln in lines] == [
        "[FourierSketcher] 1,000 / 2,500", "[FourierSketcher] 2,000 / 2,500",
        "[FourierSketcher] 2,500 / 2,500"]
    quiet = FourierSketcher(sketch_size=16, random_state=0).fit(X).sketch(X)
    assert reported.n_samples == 2500
    np.testing.assert_array_equal(reported.feature_sum, quiet.feature_sum)


@pytest.mark.parametrize("m", [1, 15, 17, 200, 1000])
def test_padded_lanes_do_not_change_the_sums(m):
    # blocks are computed in whole registers of LANES frequencies; the padding must
    # not leak: each frequency's sum equals the one computed with that frequency alone
    rng = np.random.default_rng(m)
    x = rng.standard_normal((37, 3)).astype(np.float32)
    w = rng.standard_normal((3, m))
    w3 = half_turn_blocks(w)
    assert w3.shape[2] % LANES == 0 or w3.shape[2] == BLOCK
    acc = np.zeros((2, m), dtype=np.int64)
    feature_sums(x, w3, m, 0, x.shape[0], acc[0], acc[1],
                 np.empty((4, w3.shape[2]), np.float32), np.empty((2, w3.shape[2]), np.int32))
    for j in sorted({0, m // 2, m - 1}):
        w3j = half_turn_blocks(w[:, j:j + 1])
        one = np.zeros((2, 1), dtype=np.int64)
        feature_sums(x, w3j, 1, 0, x.shape[0], one[0], one[1],
                     np.empty((4, w3j.shape[2]), np.float32),
                     np.empty((2, w3j.shape[2]), np.int32))
        assert acc[0, j] == one[0, 0] and acc[1, j] == one[1, 0]
    # and against float64 (the features are accurate to ~2e-7 each)
    t = (x.astype(np.float64) @ (w / np.pi).astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(acc[0] / SCALE, np.cos(np.pi * t).sum(axis=0), atol=40 * 1e-6)


def test_narrow_work_space_is_refused():
    x = np.zeros((8, 2), dtype=np.float32)
    w3 = half_turn_blocks(np.ones((2, 5)))
    acc = np.zeros((2, 5), dtype=np.int64)
    with pytest.raises(ValueError, match="work space"):
        feature_sums(x, w3, 5, 0, 8, acc[0], acc[1], np.empty((4, 5), np.float32),
                     np.empty((2, 5), np.int32))
