"""CovarianceSketcher: exact measurements, merging, streaming, Dask, persistence."""

import numpy as np
import pytest

from skfrugal.covariance import CovarianceSketcher, centred_sketch
from skfrugal.sketching import FourierSketcher, Sketch


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    L = rng.normal(size=(6, 6))
    return rng.normal(size=(3000, 6)) @ L.T + 50.0  # far from the origin


def _quad(A, C):
    return np.einsum("ij,ik,kj->j", A, C, A)


def test_measurements_are_exact_rank_one_projections(data):
    op = CovarianceSketcher(sketch_size=40, random_state=0).fit(data[:100])
    sk = op.sketch(data)
    C = np.cov(data.T, bias=True)
    np.testing.assert_allclose(op.measurements(sk), _quad(op.projections_, C), rtol=1e-9)
    M = data.T @ data / len(data)
    y0 = op.measurements(sk, assume_centered=True)
    np.testing.assert_allclose(y0, _quad(op.projections_, M), rtol=1e-9)
    y, diag, loc = centred_sketch(sk)
    np.testing.assert_allclose(diag, np.diag(C), rtol=1e-10)
    np.testing.assert_allclose(loc, data.mean(axis=0), rtol=1e-12)
    # the projections have the law N(0, I/m): E||a||² = p/m
    assert np.mean(np.sum(op.projections_**2, axis=0)) == pytest.approx(6 / 40, rel=0.15)


def test_merge_batches_partial_fit_and_transform(data):
    op = CovarianceSketcher(sketch_size=25, batch_size=97, random_state=1).fit(data)
    whole = op.sketch(data)
    parts = op.sketch(data[:1234]) + op.sketch(data[1234:])
    np.testing.assert_allclose(parts.feature_sum, whole.feature_sum, rtol=1e-12)
    np.testing.assert_allclose(op.measurements(parts), op.measurements(whole), rtol=1e-9)
    stream = CovarianceSketcher(sketch_size=25, random_state=1)
    for chunk in np.array_split(data, 7):
        stream.partial_fit(chunk)
    C = np.cov(data.T, bias=True)
    np.testing.assert_allclose(stream.measurements(), _quad(stream.projections_, C), rtol=1e-9)
    T = op.transform(data[:10])
    np.testing.assert_allclose(T.sum(axis=0), op.sketch(data[:10]).feature_sum, rtol=1e-12)
    assert op.transform(data[:10].astype(np.float32)).dtype == np.float32


def test_memmap_and_save_load(data, tmp_path):
    path = tmp_path / "x.dat"
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=data.shape)
    mm[:] = data
    mm.flush()
    ro = np.memmap(path, dtype=np.float64, mode="r", shape=data.shape)
    op = CovarianceSketcher(sketch_size=10, random_state=0).fit(data[:50])
    sk = op.sketch(ro)
    np.testing.assert_allclose(sk.feature_sum, op.sketch(data).feature_sum, rtol=1e-12)
    sk.save(tmp_path / "s.npz")
    back = Sketch.load(tmp_path / "s.npz")
    assert back.operator_id == sk.operator_id
    np.testing.assert_allclose(back.operator.measurements(back), op.measurements(sk))


def test_dask_array_matches_numpy(data):
    da = pytest.importorskip("dask.array")
    import dask

    X = da.from_array(data, chunks=(700, 3))
    op = CovarianceSketcher(sketch_size=12, random_state=0).fit(data)
    with dask.config.set(scheduler="synchronous"):
        sk = op.sketch(X)
    np.testing.assert_allclose(sk.feature_sum, op.sketch(data).feature_sum, rtol=1e-12)
    np.testing.assert_allclose(sk.data_m2, op.sketch(data).data_m2, rtol=1e-10)
    with dask.config.set(scheduler="threads"):
        fitted = CovarianceSketcher(sketch_size=12, random_state=0).fit(X)
        sk2 = fitted.sketch(X)
    np.testing.assert_allclose(fitted.center_, data.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fitted.measurements(sk2), op.measurements(sk), rtol=1e-9)


def test_bad_input_and_foreign_operators(data):
    op = CovarianceSketcher(sketch_size=10, random_state=0).fit(data)
    other = CovarianceSketcher(sketch_size=10, random_state=1).fit(data)
    with pytest.raises(ValueError, match="different operators"):
        op.sketch(data) + other.sketch(data)
    with pytest.raises(ValueError, match="not by this operator"):
        op.measurements(other.sketch(data))
    bad = data.copy()
    bad[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        op.sketch(bad)
    with pytest.raises(ValueError, match="features"):
        op.sketch(data[:, :3])
    with pytest.raises(TypeError, match="complex"):
        op.sketch(data.astype(complex))
    fourier = FourierSketcher(sketch_size=5, random_state=0).fit(data)
    with pytest.raises(ValueError, match="different operators"):
        op.sketch(data) + fourier.sketch(data)


def test_batch_second_moment_route_equals_projections(data):
    from skfrugal.covariance._sketcher import _use_batch_covariance, covariance_sketch_chunk

    op = CovarianceSketcher(sketch_size=40, random_state=0).fit(data[:100])
    A, c = op.projections_, op.center_
    expected = (((data - c) @ A) ** 2).sum(axis=0)
    assert not _use_batch_covariance(6, 40, 8) and _use_batch_covariance(6, 40, 1000)
    rows = covariance_sketch_chunk(data, A, c, batch_size=8)
    moments = covariance_sketch_chunk(data, A, c, batch_size=1000)
    auto = covariance_sketch_chunk(data, A, c)
    for stats in (rows, moments, auto):
        np.testing.assert_allclose(stats[0], expected, rtol=1e-12)
        for got, ref in zip(stats[1:], rows[1:]):
            np.testing.assert_allclose(got, ref, rtol=1e-12)
