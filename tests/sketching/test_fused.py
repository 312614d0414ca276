"""The fused float32 sketching kernel: accuracy, batch invariance, threads."""

import numpy as np
import pytest

from skfrugal.sketching import FourierSketcher, sketch_chunk
from skfrugal.sketching._fused import TILE, feature_sums, sincos32


@pytest.mark.parametrize("top", [4.0, 1e3, 1e6])
def test_sincos32_against_float64(top):
    x = np.random.default_rng(0).uniform(-top, top, 200_000).astype(np.float32)
    x[:3] = [0.0, np.float32(np.pi / 4), -np.float32(np.pi / 2)]
    s, c = np.empty_like(x), np.empty_like(x)
    sincos32(x, s, c)
    exact = x.astype(np.float64)
    assert np.abs(s - np.sin(exact)).max() <= 1.1e-7
    assert np.abs(c - np.cos(exact)).max() <= 1.1e-7


def _tile_sums(x, w):
    n_tiles = -(-x.shape[0] // TILE)
    cos_part = np.empty((n_tiles, w.shape[1]))
    sin_part = np.empty((n_tiles, w.shape[1]))
    feature_sums(x, w, 0, n_tiles, cos_part, sin_part, np.empty((4, w.shape[1]), np.float32))
    return cos_part, sin_part


@pytest.mark.parametrize("d", [1, 3, 10])
def test_a_row_contributes_the_same_whatever_its_group(d):
    # one tile of 11 rows (two groups of four, three single rows) against the rows one
    # by one, added in the same order: bitwise equal, so a sample's features do not
    # depend on the batching
    rng = np.random.default_rng(d)
    x = rng.normal(size=(11, d)).astype(np.float32)
    w = (3 * rng.normal(size=(d, 37))).astype(np.float32)
    cos_tile, sin_tile = _tile_sums(x, w)
    cos_rows, sin_rows = np.zeros(37), np.zeros(37)
    for i in range(11):
        c, s = _tile_sums(x[i:i + 1], w)
        cos_rows += c[0]
        sin_rows += s[0]
    assert np.array_equal(cos_tile[0], cos_rows)
    assert np.array_equal(sin_tile[0], sin_rows)
    # and against float64 trigonometry of the same float32 phases
    phases = (x.astype(np.float64) @ w.astype(np.float64))
    np.testing.assert_allclose(cos_tile[0], np.cos(phases).sum(axis=0), atol=5e-5)
    np.testing.assert_allclose(sin_tile[0], np.sin(phases).sum(axis=0), atol=5e-5)


def test_sketch_bitwise_identical_whatever_n_jobs_and_close_for_any_batching():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 10))
    w = rng.normal(size=(10, 300))
    mean = X.mean(axis=0)
    ref = sketch_chunk(X, w, mean, np.float32, batch_size=2000)[0]
    for n_jobs in (2, 3, -1):
        other = sketch_chunk(X, w, mean, np.float32, batch_size=2000, n_jobs=n_jobs)[0]
        assert np.array_equal(ref, other)
    for batch_size in (1, 7, 256, 4999, None):
        other = sketch_chunk(X, w, mean, np.float32, batch_size=batch_size)[0]
        np.testing.assert_allclose(other, ref, rtol=0, atol=1e-12 * len(X))
    exact = np.exp(-1j * ((X - mean) @ w)).sum(axis=0)
    assert np.abs(ref - exact).max() / len(X) < 2e-6


def test_transform_features_are_the_sketch_features():
    # float32 computation (the default dtype), float64 output for float64 input
    X = np.random.default_rng(1).normal(size=(700, 4))
    sk = FourierSketcher(sketch_size=50, random_state=0).fit(X)
    T = sk.transform(X)
    z = np.sqrt(50) * (T[:, :50] + 1j * T[:, 50:]).sum(axis=0)
    np.testing.assert_allclose(sk.sketch(X).feature_sum, z, rtol=0, atol=1e-9)


def test_sketcher_n_jobs_and_verbose(capsys):
    X = np.random.default_rng(2).normal(size=(3000, 6))
    one = FourierSketcher(sketch_size=64, random_state=0).fit(X)
    two = FourierSketcher(sketch_size=64, n_jobs=2, random_state=0).fit(X)
    assert one.operator_id_ == two.operator_id_  # threads do not change the operator
    assert np.array_equal(one.sketch(X).feature_sum, two.sketch(X).feature_sum)
    loud = FourierSketcher(sketch_size=64, verbose=1, random_state=0).fit(X)
    loud.partial_fit(X[:1000]).partial_fit(X[1000:])
    out = capsys.readouterr().out
    assert "partial_fit: 1,000 rows at" in out and "3,000 rows in the sketch" in out
    np.testing.assert_allclose(loud.sketch_.feature_sum, one.sketch(X).feature_sum,
                               rtol=0, atol=1e-9)
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
    np.testing.assert_allclose(reported.feature_sum, quiet.feature_sum, rtol=0, atol=1e-10)
