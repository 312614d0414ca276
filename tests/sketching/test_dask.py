import numpy as np
import pytest

from skfrugal.sketching import FourierSketcher

da = pytest.importorskip("dask.array")


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5003, 4)) * [1, 2, 3, 4]


def test_dask_sketch_equals_in_memory_sketch(data):
    sketcher = FourierSketcher(sketch_size=64, random_state=0).fit(data)
    X = da.from_array(data, chunks=((1000, 1, 2000, 2002), (2, 2)))
    lazy = sketcher.sketch(X)
    eager = sketcher.sketch(data)
    assert lazy.n_samples == eager.n_samples
    np.testing.assert_allclose(lazy.feature_sum, eager.feature_sum, rtol=1e-10)
    np.testing.assert_allclose(lazy.data_mean, eager.data_mean, rtol=1e-12)
    np.testing.assert_allclose(lazy.data_var, eager.data_var, rtol=1e-10)
    np.testing.assert_array_equal(lazy.data_min, eager.data_min)


def test_fit_and_partial_fit_on_dask(data):
    X = da.from_array(data, chunks=1000)
    sketcher = FourierSketcher(sketch_size=16, random_state=0).fit(X)
    np.testing.assert_allclose(sketcher.mean_, data.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sketcher.std_, data.std(axis=0), rtol=1e-10)
    streamed = FourierSketcher(sketch_size=16, random_state=0)
    streamed.partial_fit(X[:2000]).partial_fit(X[2000:])
    np.testing.assert_allclose(streamed.sketch_.mean, streamed.sketch(data).mean, rtol=1e-10)


def test_nan_in_a_dask_block_is_reported(data):
    sketcher = FourierSketcher(sketch_size=8, random_state=0).fit(data)
    bad = data.copy()
    bad[4000, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sketcher.sketch(da.from_array(bad, chunks=1000))


@pytest.mark.dask
def test_sketch_on_a_local_cluster_with_processes(data):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        sketcher = FourierSketcher(sketch_size=64, random_state=0).fit(data)
        lazy = sketcher.sketch(da.from_array(data, chunks=500))
    np.testing.assert_allclose(lazy.feature_sum, sketcher.sketch(data).feature_sum, rtol=1e-10)
    assert lazy.n_samples == data.shape[0]
