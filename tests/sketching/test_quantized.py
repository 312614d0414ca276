"""1-bit quantized sketches: the kernel, its invariances, transform, state, decoding."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

from skfrugal.cluster import CompressiveKMeans
from skfrugal.datasets import make_gmm
from skfrugal.metrics import sse_ratio
from skfrugal.sketching import FourierSketcher, sketch_chunk
from skfrugal.sketching._fused import TILE, half_turn_blocks, half_turn_phases, sincos_pi
from skfrugal.sketching._quantized import (
    half_turn_dither,
    quantized_feature_sums,
    quantized_signs,
)


def _brute_force(X, w, mean, dither):
    """Sum of ``sign cos - i sign sin`` of the dithered phases, in float64 NumPy."""
    phase = (X - mean) @ w + dither
    return (np.where(np.cos(phase) >= 0, 1.0, -1.0).sum(axis=0)
            - 1j * np.where(np.sin(phase) >= 0, 1.0, -1.0).sum(axis=0))


def test_signs_are_those_of_the_sine_cosine():
    # the sign-only reduction against the signs of the kernel's float32 sine-cosine and
    # of float64 trigonometry of the same dithered half-turn phase, over the zeros of
    # the sine and cosine and large phases
    rng = np.random.default_rng(0)
    t = rng.uniform(-1e4, 1e4, (1, 300_000)).astype(np.float32)
    t[0, :8] = [0.0, -0.0, 0.5, -0.5, 1.0, 0.75, 2.0**23, -3.25]
    delta = np.zeros(t.shape[1], np.float32)
    delta[8:] = rng.uniform(0, 2, t.shape[1] - 8).astype(np.float32)
    s, c = np.empty_like(t), np.empty_like(t)
    quantized_signs(t, delta, s, c)
    v = (t[0] + delta).astype(np.float32)  # the kernel's float32 dithered phase
    s32, c32 = np.empty_like(v), np.empty_like(v)
    sincos_pi(v, s32, c32)
    exact_s = np.sin(np.pi * v.astype(np.float64))
    exact_c = np.cos(np.pi * v.astype(np.float64))
    # away from zeros of the sine/cosine (where only the convention decides), the signs
    # are those of the polynomials and of float64 trigonometry
    clear_s, clear_c = np.abs(exact_s) > 1e-6, np.abs(exact_c) > 1e-6
    assert clear_s.mean() > 0.99 and clear_c.mean() > 0.99
    np.testing.assert_array_equal(s[0][clear_s], np.where(s32 >= 0, 1, -1)[clear_s])
    np.testing.assert_array_equal(c[0][clear_c], np.where(c32 >= 0, 1, -1)[clear_c])
    np.testing.assert_array_equal(s[0][clear_s], np.sign(exact_s[clear_s]))
    np.testing.assert_array_equal(c[0][clear_c], np.sign(exact_c[clear_c]))
    # the convention at the zeros: sin(π·0) -> +1, cos(π/2) -> +1 (the next half-period's)
    assert s[0, 0] == 1 and c[0, 2] == 1 and c[0, 3] == 1


@pytest.mark.parametrize("d", [1, 3, 4, 5, 10])
def test_quantized_kernel_rows_and_tiles(d):
    # 75 rows (more than a tile; groups of four and single rows) against the rows one
    # by one: equal (integer sums), so a sample's features do not depend on batching,
    # and equal to the signs of the kernel's own phases (half_turn_phases)
    rng = np.random.default_rng(d)
    n, m = TILE + 11, 600  # two frequency blocks
    x = rng.normal(size=(n, d)).astype(np.float32)
    w3 = half_turn_blocks(3 * rng.normal(size=(d, m)))
    delta = half_turn_dither(rng.uniform(0, 2 * np.pi, m), w3)

    def sums(rows):
        acc = np.zeros((2, m), np.int64)
        quantized_feature_sums(rows, w3, delta, m, 0, rows.shape[0], acc[0], acc[1],
                               np.empty((4, w3.shape[2]), np.float32),
                               np.empty((2, w3.shape[2]), np.int32))
        return acc

    whole = sums(x)
    rows = np.array([sums(x[i:i + 1]) for i in range(n)]).sum(axis=0)
    np.testing.assert_array_equal(whole, rows)
    assert np.abs(whole).max() <= n
    t = np.empty((n, m), np.float32)
    half_turn_phases(x, w3, m, t)
    s, c = np.empty_like(t), np.empty_like(t)
    quantized_signs(t, delta, s, c)
    np.testing.assert_array_equal(whole[0], c.sum(axis=0))
    np.testing.assert_array_equal(whole[1], s.sum(axis=0))
    # the float64 signs of the same dithered phases, away from exact zeros (a float32
    # phase can land on a half-integer, where only the convention decides)
    v = (t + delta[:m]).astype(np.float64)
    for signs, exact in ((c, np.cos(np.pi * v)), (s, np.sin(np.pi * v))):
        clear = np.abs(exact) > 1e-9
        assert clear.mean() > 0.999
        np.testing.assert_array_equal(signs[clear], np.sign(exact[clear]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_quantized_sketch_invariant_to_batching_and_threads(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 10))
    w = rng.normal(size=(10, 200))
    mean = X.mean(axis=0)
    xi = rng.uniform(0, 2 * np.pi, 200)
    ref = sketch_chunk(X, w, mean, dtype, batch_size=2000, dither=xi)[0]
    for kwargs in ({"n_jobs": 2}, {"n_jobs": -1}, {"batch_size": 1}, {"batch_size": 7},
                   {"batch_size": 4999}, {}):
        other = sketch_chunk(X, w, mean, dtype, dither=xi, **kwargs)[0]
        assert np.array_equal(ref, other), kwargs  # integer sums: bit for bit
    # against NumPy in float64: the phases differ in their last bits, which flips a
    # sign only where a phase sits on a quadrant boundary (a handful of 2e6 signs)
    flips = np.abs(ref - _brute_force(X, w, mean, xi))
    assert flips.real.sum() + flips.imag.sum() <= 2 * 4


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_transform_gives_the_summed_quantized_features(dtype):
    X = np.random.default_rng(1).normal(size=(700, 4))
    sk = FourierSketcher(sketch_size=50, quantization="1bit", dtype=dtype,
                         random_state=0).fit(X)
    T = sk.transform(X)
    assert set(np.unique(np.round(T * np.sqrt(50), 12))) == {-1.0, 1.0}
    z = np.sqrt(50) * (T[:, :50] + 1j * T[:, 50:]).sum(axis=0)
    np.testing.assert_allclose(sk.sketch(X).feature_sum, z, rtol=0, atol=1e-9)
    # transform and sketch of float32 data too
    T32 = sk.transform(X.astype(np.float32))
    assert T32.dtype == np.float32


def test_dither_is_operator_state():
    X = np.random.default_rng(2).normal(size=(500, 3))
    plain = FourierSketcher(sketch_size=40, scale=1.0, random_state=0).fit(X)
    quant = FourierSketcher(sketch_size=40, scale=1.0, quantization="1bit",
                            random_state=0).fit(X)
    # the same frequencies (the dither is drawn after them), another operator
    np.testing.assert_array_equal(plain.frequencies_, quant.frequencies_)
    assert not hasattr(plain, "dither_")
    assert quant.dither_.shape == (40,)
    assert np.all((quant.dither_ >= 0) & (quant.dither_ < 2 * np.pi))
    assert plain.operator_id_ != quant.operator_id_
    with pytest.raises(ValueError, match="different operators"):
        plain.sketch(X) + quant.sketch(X)
    other = FourierSketcher(sketch_size=40, scale=1.0, quantization="1bit",
                            random_state=0).fit(X)
    other.dither_ = other.dither_[::-1].copy()
    assert other._compute_operator_id() != quant.operator_id_
    # refitting without quantization drops the dither
    quant.set_params(quantization=None).fit(X)
    assert not hasattr(quant, "dither_") and quant.operator_id_ == plain.operator_id_


@pytest.mark.parametrize("route", ["pickle", "npz", "dict"])
def test_quantized_round_trip(round_trip, route):
    X = np.random.default_rng(3).normal(size=(1000, 3))
    sk = FourierSketcher(sketch_size=30, quantization="1bit", random_state=0).fit(X)
    s = sk.sketch(X[:600])
    back = round_trip(s, route)
    assert back == s
    op = back.operator
    assert op.quantization == "1bit" and op.operator_id_ == sk.operator_id_
    np.testing.assert_array_equal(op.dither_, sk.dither_)
    assert (back + op.sketch(X[600:])) == sk.sketch(X[:600]) + sk.sketch(X[600:])


def test_quantized_compressive_kmeans_matches_kmeans():
    X, *_ = make_gmm(20_000, 3, 4, random_state=0)
    sk = FourierSketcher(sketch_size=150, quantization="1bit", scale_n_clusters=4,
                         random_state=0).fit(X)
    est = CompressiveKMeans(4, random_state=0).fit_sketch(sk.sketch(X))
    ref = KMeans(4, n_init=10, random_state=0).fit(X)
    assert sse_ratio(X, est.cluster_centers_, ref.cluster_centers_) < 1.02


def test_quantization_parameter_is_checked():
    X = np.random.default_rng(4).normal(size=(50, 2))
    with pytest.raises(ValueError, match="quantization"):
        FourierSketcher(sketch_size=8, quantization="2bit").fit(X)
    with pytest.raises(ValueError, match="quantization"):
        FourierSketcher(sketch_size=8, quantization=True).fit(X)
