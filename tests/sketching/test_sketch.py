
import numpy as np
import pytest

from skfrugal.sketching import FourierSketcher, Sketch


@pytest.fixture
def sketcher_and_data():
    X = np.random.default_rng(0).normal(size=(2000, 3)) * [1.0, 10.0, 0.1] + 100.0
    return FourierSketcher(sketch_size=32, random_state=0).fit(X), X


def test_merge_equals_whole(sketcher_and_data):
    sketcher, X = sketcher_and_data
    parts = [sketcher.sketch(c) for c in np.array_split(X, [1, 500, 501, 1700])]
    merged = sum(parts)
    whole = sketcher.sketch(X)
    assert merged.n_samples == whole.n_samples == 2000
    np.testing.assert_allclose(merged.feature_sum, whole.feature_sum, rtol=1e-12)
    np.testing.assert_array_equal(merged.data_min, X.min(axis=0))
    np.testing.assert_array_equal(merged.data_max, X.max(axis=0))
    # Chan's merge of the moments against NumPy on the whole data
    np.testing.assert_allclose(merged.data_mean, X.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(merged.data_var, X.var(axis=0), rtol=1e-10)


def test_empty_sketch_is_neutral(sketcher_and_data):
    sketcher, X = sketcher_and_data
    s = sketcher.sketch(X)
    empty = Sketch.empty(3, (32,), complex, sketcher.operator_id_)
    assert (empty + s) == s and (s + empty) == s
    with pytest.raises(ValueError, match="empty"):
        _ = empty.mean


def test_merge_refuses_other_operators_and_objects(sketcher_and_data):
    sketcher, X = sketcher_and_data
    other = FourierSketcher(sketch_size=32, random_state=1).fit(X)
    with pytest.raises(ValueError, match="different operators"):
        sketcher.sketch(X) + other.sketch(X)
    with pytest.raises(TypeError, match="Sketch"):
        sketcher.sketch(X) + np.ones(32)


@pytest.mark.parametrize("route", ["pickle", "npz", "dict"])
def test_roundtrip_keeps_sketch_and_operator(sketcher_and_data, round_trip, route):
    sketcher, X = sketcher_and_data
    s = sketcher.sketch(X[:1000])
    back = round_trip(s, route)
    assert back == s
    # the operator travelled: it sketches the rest, and the halves merge
    rest = back.operator.sketch(X[1000:])
    np.testing.assert_allclose((back + rest).mean, sketcher.sketch(X).mean, rtol=1e-12)


def test_load_refuses_foreign_operator(sketcher_and_data):
    sketcher, X = sketcher_and_data
    state = sketcher.sketch(X).to_dict()
    state["operator_class"] = "os.system"
    with pytest.raises(ValueError, match="foreign"):
        Sketch.from_dict(state)


def test_inconsistent_bounds_are_refused():
    with pytest.raises(ValueError, match="same length"):
        Sketch(np.zeros(2), 1, np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2), "x")
    with pytest.raises(ValueError, match="n_samples"):
        Sketch(np.zeros(2), -1, np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), "x")


def test_check_sketch(sketcher_and_data):
    from skfrugal.sketching import check_sketch

    sketcher, X = sketcher_and_data
    sketch = sketcher.sketch(X)
    assert check_sketch(sketch, FourierSketcher, n_features=3) is sketcher
    with pytest.raises(TypeError, match="Sketch"):
        check_sketch(sketch.mean, FourierSketcher)
    with pytest.raises(TypeError, match="made by a int"):
        check_sketch(sketch, int)
    with pytest.raises(ValueError, match="expected 4"):
        check_sketch(sketch, FourierSketcher, n_features=4)
    with pytest.raises(ValueError, match="at least 3000"):
        check_sketch(sketch, FourierSketcher, min_samples=3000)
    # a sketch inconsistent with its operator cannot be built...
    with pytest.raises(ValueError, match="another operator"):
        Sketch(*sketch.stats, "another-id", sketcher)
    with pytest.raises(ValueError, match="shape"):
        Sketch(sketch.feature_sum[:5], *sketch.stats[1:], sketch.operator_id, sketcher)
    # ...and one changed after it was built is refused before decoding
    forged = Sketch(*sketch.stats, sketch.operator_id, sketcher)
    forged.operator_id = "another-id"
    with pytest.raises(ValueError, match="another operator"):
        check_sketch(forged, FourierSketcher)
    forged = Sketch(*sketch.stats, sketch.operator_id, sketcher)
    forged.feature_sum = forged.feature_sum[:5]
    with pytest.raises(ValueError, match="shape"):
        check_sketch(forged, FourierSketcher)
