"""Sketch validation: fields on construction and merge, forged operators, corrupted files."""

import io
import pickle
import zipfile

import numpy as np
import pytest

from skfrugal.covariance import CovarianceSketcher
from skfrugal.sketching import FourierSketcher, Sketch, check_sketch


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).normal(size=(500, 3)) * [1.0, 10.0, 0.1] + 5.0
    sketcher = FourierSketcher(sketch_size=16, random_state=0).fit(X)
    return sketcher, X, sketcher.sketch(X)


def _fields(sketch, **changes):
    fields = dict(zip(
        ("feature_sum", "n_samples", "data_min", "data_max", "data_mean", "data_m2"),
        sketch.stats,
    ))
    fields.update(operator_id=sketch.operator_id, operator=sketch.operator)
    fields.update(changes)
    return fields


@pytest.mark.parametrize("count", [2.7, 3.0, np.float64(3.0), float("nan"), True, "5", None])
def test_count_must_be_an_integer(fitted, count):
    # a fractional count is refused, never truncated (Sketch(n_samples=2.7) used to be 2)
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        Sketch(**_fields(fitted[2], n_samples=count))


def test_integer_counts_of_any_integer_type_are_kept(fitted):
    sketch = fitted[2]
    for count in (500, np.int64(500), np.array(500), np.uint32(500)):
        made = Sketch(**_fields(sketch, n_samples=count))
        assert made.n_samples == 500 and type(made.n_samples) is int


@pytest.mark.parametrize(
    "field, change, match",
    [
        ("n_samples", lambda v: -1, "n_samples must be >= 0"),
        ("data_m2", lambda v: v - 1e9, "data_m2 must be >= 0"),
        ("data_min", lambda v: v + 1e9, "data_min > data_max"),
        ("data_mean", lambda v: v + 1e9, "outside"),
        ("data_min", lambda v: np.r_[np.nan, v[1:]], "data_min holds NaN"),
        ("data_m2", lambda v: np.r_[np.inf, v[1:]], "data_m2 holds NaN or infinity"),
        ("feature_sum", lambda v: np.r_[np.nan, v[1:]], "feature_sum holds NaN"),
        ("feature_sum", lambda v: v[:0], "non-empty"),
        ("data_max", lambda v: v[:2], "same length"),
        ("data_min", lambda v: np.zeros((3, 1)), "same length"),
        ("operator_id", lambda v: "another", "does not match its operator"),
        ("feature_sum", lambda v: v[:5], "shape"),
        ("feature_sum", lambda v: v.real, "must be complex"),
    ],
)
def test_inconsistent_fields_are_refused(fitted, field, change, match):
    sketch = fitted[2]
    with pytest.raises(ValueError, match=match):
        Sketch(**_fields(sketch, **{field: change(getattr(sketch, field))}))


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("data_min", np.zeros(3) + 1j, "data_min must hold real numbers"),
        ("feature_sum", np.array(["a"] * 16), "feature_sum must be an array of numbers"),
        ("operator_id", 12, "operator_id must be a non-empty string"),
        ("operator_id", "", "operator_id must be a non-empty string"),
        ("operator", "bogus", "operator must be a sketch operator"),
    ],
)
def test_fields_of_the_wrong_type_are_refused(fitted, field, value, match):
    with pytest.raises(TypeError, match=match):
        Sketch(**_fields(fitted[2], **{field: value}))


def test_an_empty_sketch_must_be_empty(fitted):
    sketcher, _, sketch = fitted
    empty = Sketch.empty(3, (16,), complex, sketcher.operator_id_, sketcher)
    assert empty.n_samples == 0 and (empty + sketch) == sketch
    with pytest.raises(ValueError, match="0 samples must be empty"):
        Sketch(**_fields(sketch, n_samples=0))


@pytest.mark.parametrize(
    "attribute, value, match",
    [
        ("std_", 0.0, "std_ must be > 0"),
        ("scale_", -1.0, "scale_ must be > 0"),
        ("frequencies_", np.nan, "frequencies_ holds NaN"),
        ("mean_", np.inf, "mean_ holds NaN or infinity"),
    ],
)
def test_operators_with_an_invalid_state_are_refused(fitted, attribute, value, match):
    sketcher, X, sketch = fitted
    forged = pickle.loads(pickle.dumps(sketcher))
    current = np.array(getattr(forged, attribute), dtype=float)
    current.flat[0] = value
    setattr(forged, attribute, current if current.ndim else float(current))
    with pytest.raises(ValueError, match=match):
        Sketch(**_fields(sketch, operator=forged))


def test_operator_of_another_dimension_or_unfitted_is_refused(fitted):
    sketcher, X, sketch = fitted
    with pytest.raises(ValueError, match="not fitted"):
        Sketch(**_fields(sketch, operator=FourierSketcher(sketch_size=16)))
    wide = FourierSketcher(sketch_size=16, random_state=0).fit(np.c_[X, X])
    with pytest.raises(ValueError, match="fitted on 6"):
        Sketch(**_fields(sketch, operator=wide, operator_id=wide.operator_id_))


def test_a_sketch_changed_after_construction_is_refused_before_decoding(fitted):
    sketcher, X, sketch = fitted
    check_sketch(sketch, FourierSketcher)
    for field, value in [("data_m2", -sketch.data_m2), ("n_samples", 2.5),
                         ("data_min", sketch.data_max + 1.0)]:
        forged = pickle.loads(pickle.dumps(sketch))
        setattr(forged, field, value)
        with pytest.raises((ValueError, TypeError), match=field):
            check_sketch(forged, FourierSketcher)
        with pytest.raises((ValueError, TypeError), match=field):
            sketch + forged  # a merge checks both operands
    # an operator changed after fitting no longer hashes to its identifier
    forged = pickle.loads(pickle.dumps(sketch))
    forged.operator.frequencies_ = forged.operator.frequencies_ * 2.0
    with pytest.raises(ValueError, match="changed after it was fitted"):
        check_sketch(forged, FourierSketcher)


def test_operator_id_covers_every_fitted_array(fitted):
    sketcher = fitted[0]
    base = sketcher._compute_operator_id()
    assert base == sketcher.operator_id_
    for attribute in sketcher._state_attributes:
        changed = pickle.loads(pickle.dumps(sketcher))
        value = np.array(getattr(changed, attribute), dtype=float)
        value.flat[-1] = np.nextafter(value.flat[-1], np.inf)  # the smallest change
        setattr(changed, attribute, value if value.ndim else float(value))
        assert changed._compute_operator_id() != base, attribute
    # and it is a function of the fitted state only: the same fit, the same identifier
    X = fitted[1]
    again = FourierSketcher(sketch_size=16, random_state=0).fit(X)
    assert again.operator_id_ == base
    other = CovarianceSketcher(sketch_size=16, random_state=0).fit(X)
    assert other.operator_id_ != base


# -- files --------------------------------------------------------------------------------

def _saved(sketch, tmp_path, name="sketch.npz"):
    path = tmp_path / name
    sketch.save(path)
    return path


def _expect_bad_file(path, match):
    with pytest.raises(ValueError, match=match) as info:
        Sketch.load(path)
    assert type(info.value) is ValueError
    assert str(path) in str(info.value)  # the message names the file
    return info.value


def test_roundtrip_of_both_operators(fitted, tmp_path):
    sketcher, X, sketch = fitted
    assert Sketch.load(_saved(sketch, tmp_path)) == sketch
    cov = CovarianceSketcher(sketch_size=16, random_state=0).fit(X)
    cov_sketch = cov.sketch(X)
    back = Sketch.load(_saved(cov_sketch, tmp_path, "cov.npz"))
    assert back == cov_sketch and back.operator.operator_id_ == cov.operator_id_


def test_truncated_files_are_refused(fitted, tmp_path):
    path = _saved(fitted[2], tmp_path)
    data = path.read_bytes()
    for size in (0, 10, len(data) // 2, len(data) - 30):
        path.write_bytes(data[:size])
        _expect_bad_file(path, "truncated or corrupted|does not hold a valid sketch")


def test_corrupted_files_are_refused(fitted, tmp_path):
    path = _saved(fitted[2], tmp_path)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    for _ in range(5):  # flip a run of bytes somewhere in the archive
        corrupt = bytearray(data)
        start = int(rng.integers(0, len(data) - 40))
        for i in range(start, start + 40):
            corrupt[i] ^= 0xA5
        path.write_bytes(bytes(corrupt))
        try:
            back = Sketch.load(path)
        except ValueError as exc:
            assert type(exc) is ValueError and str(path) in str(exc)
        else:  # the flip landed in zip padding or metadata: the content is intact
            assert back == fitted[2]


@pytest.mark.parametrize("kind", ["text", "pickle", "npy", "foreign zip", "empty"])
def test_foreign_files_are_refused(fitted, tmp_path, kind):
    path = tmp_path / "foreign.npz"
    if kind == "text":
        path.write_text("feature_sum,n_samples\n1,2\n")
    elif kind == "pickle":
        path.write_bytes(pickle.dumps(fitted[2]))
    elif kind == "npy":
        np.save(tmp_path / "foreign.npy", np.ones(4))
        path = tmp_path / "foreign.npy"
    elif kind == "foreign zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "not a sketch")
    else:
        path.write_bytes(b"")
    _expect_bad_file(path, "not a sketch saved by Sketch.save|does not hold a valid sketch")


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        Sketch.load(tmp_path / "nothing.npz")


def _forge(state, tmp_path, **changes):
    state = dict(state)
    for key, value in changes.items():
        if value is None:
            state.pop(key)
        else:
            state[key] = value
    path = tmp_path / "forged.npz"
    np.savez(path, **state)
    return path


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"data_m2": None}, "lacks data_m2"),
        ({"format_version": None}, "format version None"),
        ({"format_version": 2}, "format version 2"),
        ({"extra": np.zeros(3)}, "unknown entries"),
        ({"operator.frequencies_": None}, "lacks operator.frequencies_"),
        ({"operator.bogus": np.zeros(2)}, "unknown entries"),
        ({"operator_class": "os.system"}, "foreign class"),
        ({"operator_class": "skfrugal.no_such_module.Sketcher"}, "unknown operator class"),
        ({"operator_class": "skfrugal.sketching.NoSuchSketcher"}, "unknown operator class"),
        ({"operator_class": "skfrugal.sketching.Sketch"}, "not a sketch operator class"),
        ({"operator_class": None}, "no operator_class"),
        ({"n_samples": 2.5}, "n_samples must be an integer"),
        ({"data_min": np.array(["a", "b", "c"])}, "data_min must hold real numbers"),
        ({"operator.param.sketch_size": -3}, "invalid operator state"),
        ({"operator.n_features_in_": 0}, "n_features_in_ must be a positive integer"),
        ({"operator_id": "0123456789abcdef01234567"}, "does not match"),
    ],
)
def test_forged_files_are_refused(fitted, tmp_path, changes, match):
    path = _forge(fitted[2].to_dict(), tmp_path, **changes)
    _expect_bad_file(path, match)


def test_forged_state_with_a_matching_identifier_is_still_checked(fitted, tmp_path):
    """A forger who recomputes the identifier still cannot load an invalid operator."""
    sketcher, X, sketch = fitted
    for attribute, value, match in [("std_", 0.0, "std_ must be > 0"),
                                    ("scale_", -2.0, "scale_ must be > 0"),
                                    ("mean_", np.zeros(2), "2 rows for 3 features")]:
        forged_op = pickle.loads(pickle.dumps(sketcher))
        current = np.array(getattr(forged_op, attribute), dtype=float)
        if np.ndim(value):
            current = value
        else:
            current.flat[0] = value
        setattr(forged_op, attribute, current if current.ndim else float(current))
        state = sketch.to_dict()
        state[f"operator.{attribute}"] = current
        state["operator_id"] = forged_op._compute_operator_id()
        _expect_bad_file(_forge(state, tmp_path), match)


def test_load_from_a_file_object(fitted):
    buffer = io.BytesIO()
    fitted[2].save(buffer)
    buffer.seek(0)
    assert Sketch.load(buffer) == fitted[2]
    with pytest.raises(ValueError, match="cannot read a sketch"):
        Sketch.load(io.BytesIO(buffer.getvalue()[:100]))


def test_merge_chunk_stats_checks_both_operands(fitted):
    from skfrugal.sketching import merge_chunk_stats

    sketcher, X, _ = fitted
    a, b = sketcher.sketch(X[:200]).stats, sketcher.sketch(X[200:]).stats
    merged = merge_chunk_stats(a, b)
    assert merged[1] == 500
    np.testing.assert_allclose(merged[4], X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(merged[5], ((X - X.mean(axis=0)) ** 2).sum(axis=0), rtol=1e-10)
    with pytest.raises(TypeError, match="b must be a tuple"):
        merge_chunk_stats(a, b[:5])
    with pytest.raises(ValueError, match="a: data_m2 must be >= 0"):
        merge_chunk_stats((*a[:5], -a[5]), b)
    with pytest.raises(TypeError, match="b: n_samples must be an integer"):
        merge_chunk_stats(a, (b[0], 2.5, *b[2:]))


def test_empty_checks_its_arguments(fitted):
    sketcher = fitted[0]
    with pytest.raises(TypeError, match="n_features must be an integer"):
        Sketch.empty(2.5, (16,), complex, "x")
    with pytest.raises(ValueError, match="feature_shape must be a tuple of positive"):
        Sketch.empty(3, (-1,), complex, "x")
    with pytest.raises(TypeError, match="feature_dtype"):
        Sketch.empty(3, (16,), "bogus", "x")
    with pytest.raises(ValueError, match="must be complex"):
        Sketch.empty(3, (16,), float, sketcher.operator_id_, sketcher)
