import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from skfrugal.sketching import FourierSketcher, Sketch


def _brute_force_sketch(X, sketcher):
    """Independent reference: complex128 exp of the standardised data, all at once."""
    Xs = (X - X.mean(axis=0)) / X.std(axis=0) if sketcher.standardize else X
    return np.exp(-1j * (Xs @ sketcher.frequencies_)).mean(axis=0)


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return rng.normal(loc=[0.0, 5.0, -3.0], scale=[1.0, 0.1, 20.0], size=(3000, 3))


@pytest.mark.parametrize("dtype, tol", [("float32", 2e-6), ("float64", 1e-12)])
def test_sketch_matches_brute_force(X, dtype, tol):
    sketcher = FourierSketcher(sketch_size=64, dtype=dtype, random_state=0).fit(X)
    sketch = sketcher.sketch(X)
    np.testing.assert_allclose(sketch.mean, _brute_force_sketch(X, sketcher), atol=tol, rtol=0)
    assert sketch.n_samples == 3000
    np.testing.assert_allclose(sketch.data_min, X.min(axis=0))
    np.testing.assert_allclose(sketch.data_max, X.max(axis=0))
    np.testing.assert_allclose(sketch.data_mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sketch.data_var, X.var(axis=0), rtol=1e-10)


def test_standardisation_attributes(X):
    sketcher = FourierSketcher(sketch_size=8, random_state=0).fit(X)
    np.testing.assert_allclose(sketcher.mean_, X.mean(axis=0))
    np.testing.assert_allclose(sketcher.std_, X.std(axis=0))
    raw = FourierSketcher(sketch_size=8, standardize=False, scale=2.0, random_state=0).fit(X)
    np.testing.assert_array_equal(raw.mean_, 0)
    np.testing.assert_array_equal(raw.std_, 1)
    assert raw.scale_ == 2.0


def test_constant_feature_gets_unit_std(X):
    X = X.copy()
    X[:, 1] = 7.0
    sketcher = FourierSketcher(sketch_size=8, random_state=0).fit(X)
    assert sketcher.std_[1] == 1.0
    assert np.isfinite(sketcher.sketch(X).mean).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batching_does_not_change_the_sketch(X, dtype):
    # float32 features of a sample do not depend on its batch; sums are float64
    sketches = [
        FourierSketcher(sketch_size=50, batch_size=b, dtype=dtype, random_state=0)
        .fit(X).sketch(X).mean
        for b in (3, 7, 256, 5000)
    ]
    for other in sketches[1:]:
        np.testing.assert_allclose(other, sketches[0], rtol=1e-12, atol=1e-13)


def test_partial_fit_streams_the_same_sketch(X):
    streamed = FourierSketcher(sketch_size=40, random_state=0)
    for chunk in np.array_split(X, 7):
        streamed.partial_fit(chunk)
    # the operator was fitted on the first chunk; same operator, one shot
    reference = streamed.sketch(X)
    assert streamed.sketch_.n_samples == X.shape[0]
    np.testing.assert_allclose(streamed.sketch_.mean, reference.mean, rtol=1e-12, atol=1e-14)
    assert streamed.sketch_.operator_id == streamed.operator_id_


def test_same_seed_same_operator(X):
    a = FourierSketcher(sketch_size=30, random_state=4).fit(X)
    b = FourierSketcher(sketch_size=30, random_state=4).fit(X)
    c = FourierSketcher(sketch_size=30, random_state=5).fit(X)
    assert a.operator_id_ == b.operator_id_ != c.operator_id_
    (a.sketch(X[:10]) + b.sketch(X[10:]))  # merge across instances of the same operator
    with pytest.raises(ValueError, match="different operators"):
        a.sketch(X[:10]) + c.sketch(X[10:])


def test_transform_approximates_the_gaussian_kernel():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 4))
    sketcher = FourierSketcher(
        sketch_size=20000, frequency_law="gaussian", scale=2.0, standardize=False,
        dtype="float64", random_state=0,
    ).fit(X)
    F = sketcher.transform(X)
    sq_dist = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(F @ F.T, np.exp(-sq_dist / (2 * 2.0)), atol=0.03)


def test_transform_and_sketch_agree(X):
    sketcher = FourierSketcher(sketch_size=25, random_state=0).fit(X)
    T = sketcher.transform(X)
    m = 25
    assert T.shape == (X.shape[0], 2 * m)
    z = np.sqrt(m) * (T[:, :m] + 1j * T[:, m:]).mean(axis=0)
    np.testing.assert_allclose(z, sketcher.sketch(X).mean, atol=1e-6)
    assert sketcher.transform(X.astype(np.float32)).dtype == np.float32
    names = sketcher.get_feature_names_out()
    assert names[0] == "fouriersketcher0" and len(names) == 2 * m


def test_memmap_is_read_in_batches(tmp_path, X):
    path = tmp_path / "X.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    sketcher = FourierSketcher(sketch_size=16, batch_size=100, random_state=0).fit(X)
    np.testing.assert_allclose(sketcher.sketch(mapped).mean, sketcher.sketch(X).mean,
                               rtol=1e-12)


def test_in_a_pipeline_as_kernel_approximation():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = (np.linalg.norm(X, axis=1) > 1.2).astype(int)  # not linearly separable
    model = make_pipeline(FourierSketcher(sketch_size=200, random_state=0), LinearSVC())
    assert model.fit(X[:300], y[:300]).score(X[300:], y[300:]) > 0.9


@pytest.mark.parametrize(
    "X_bad, error, match",
    [
        (np.array([[1.0, np.nan, 2.0]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf, 2.0]]), ValueError, "infinity"),
        (np.ones((2, 3), dtype=complex), TypeError, "complex"),
        (np.ones((0, 3)), ValueError, "0 sample"),
        (np.ones(3), ValueError, "2D array"),
        (np.ones((4, 2)), ValueError, "3 features"),
        (np.array([["a", "b", "c"]]), TypeError, "real numbers"),
    ],
)
def test_sketch_rejects_bad_input(X, X_bad, error, match):
    sketcher = FourierSketcher(sketch_size=8, random_state=0).fit(X)
    with pytest.raises(error, match=match):
        sketcher.sketch(X_bad)


def test_nan_deep_in_a_large_array_is_found(X):
    sketcher = FourierSketcher(sketch_size=8, batch_size=256, random_state=0).fit(X)
    X = X.copy()
    X[2999, 0] = np.nan
    with pytest.raises(ValueError, match="rows 2816 to 2999"):
        sketcher.sketch(X)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(sketch_size=0), "sketch_size"),
        (dict(sketch_size=-3), "sketch_size"),
        (dict(scale=0.0), "scale"),
        (dict(frequency_law="laplace"), "frequency_law"),
        (dict(dtype="float16"), "dtype"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_invalid_parameters(X, params, match):
    with pytest.raises(ValueError, match=match):
        FourierSketcher(**params).fit(X)


def test_sketch_before_fit_raises(X):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FourierSketcher().sketch(X)


def test_sketch_is_a_sketch(X):
    assert isinstance(FourierSketcher(sketch_size=4, random_state=0).fit(X).sketch(X), Sketch)
