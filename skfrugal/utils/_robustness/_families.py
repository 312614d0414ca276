"""Families of bad and extreme inputs: how one canonical argument is changed.

Each :class:`Family` applies to one kind of value (a real array, a complex array, an
integer, a float, a string option, a sketch, ...) and says what the entry point must do
with the changed value (its *expectation*):

``refuse``
    raise a clear error (a NaN, a complex number, a string where numbers are expected, a
    non-integer count, a misspelt option, a forged sketch);
``valid``
    either work with a finite output or raise a clear error (extreme values, empty or
    mis-shaped arrays, negative or huge sizes: the sweep cannot tell which is right, but
    neither a crash, a hang, an unclear error nor a NaN is);
``same``
    work and give the canonical output, or raise a clear error (another memory layout or
    container for the same values: never a silently different answer);
``same-float``
    like ``same``, compared with the call on the same values as float64 (integer arrays);
``refuse-or-same``
    raise a clear error or give the canonical output (an extra leading axis of length 1).
"""

import copy
import dataclasses
import io
import numbers

import numpy as np

#: a size above the canonical problem's (60 samples, 24 sketch entries, 8 features of
#: the butterfly and penalty problems) that still fits in memory: more clusters than
#: samples, more components than sketch entries
LARGE_INT = 64
#: a size that does not fit in memory or time
HUGE_INT = 10**9


@dataclasses.dataclass(frozen=True)
class Family:
    """A change of one argument.

    Attributes
    ----------
    name : str
        Short name shown in reports (``nan``, ``F-order``, ``scale-1e+300``, ...).
    make : callable
        ``make(value, scenario) -> changed value``.
    expect : str
        One of ``refuse``, ``valid``, ``same``, ``same-float``, ``refuse-or-same``.
    reference : callable or None
        For ``same-float``: ``reference(value) -> value`` whose output is the reference.
    """

    name: str
    make: object
    expect: str
    reference: object = None


def value_kind(value):
    """The kind of a canonical value, which decides the families applied to it."""
    from skfrugal.sketching import Sketch

    if isinstance(value, Sketch):
        return "sketch"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "none"
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return "complex-array"
        if value.dtype.kind in "iu":
            return "int-array"
        if value.dtype.kind in "fb":
            return "array"
        return "other"
    if type(value).__module__.startswith("dask"):
        return "dask-array"
    if isinstance(value, (np.random.RandomState, np.random.Generator)):
        return "random-state"
    if isinstance(value, io.IOBase):
        return "file"
    if isinstance(value, dict):
        return "dict"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return "dataclass"
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, np.ndarray) for v in value):
            return "array-list"
        if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
            return "number-sequence"
        return "sequence"
    return "object"


# -- array families -----------------------------------------------------------------------

def _with(value, fill, dtype=None):
    out = np.array(value, dtype=dtype if dtype is not None else value.dtype)
    if out.size:
        out.flat[out.size // 2] = fill
    return out


def _non_contiguous(value):
    padded = np.zeros(value.shape[:-1] + (2 * value.shape[-1],), dtype=value.dtype)
    padded[..., ::2] = value
    view = padded[..., ::2]
    assert not view.flags.c_contiguous or value.shape[-1] <= 1
    return view


def _read_only(value):
    out = np.array(value)
    out.flags.writeable = False
    return out


def _dataframe(value):
    import pandas as pd

    return pd.DataFrame(value, columns=[f"f{i}" for i in range(value.shape[1])])


def _shorter(axis):
    def make(value, s):
        index = [slice(None)] * value.ndim
        index[axis] = slice(0, value.shape[axis] - 1)
        return value[tuple(index)].copy()

    return make


def _scaled(factor):
    def make(value, s):
        with np.errstate(over="ignore", under="ignore"):
            return value * factor

    return make


def array_families(value):
    """Families of a real floating-point array (data, frequencies, bounds, ...)."""
    families = [
        Family("nan", lambda v, s: _with(v, np.nan, np.float64), "refuse"),
        Family("inf", lambda v, s: _with(v, np.inf, np.float64), "valid"),
        Family("complex", lambda v, s: v + 1j, "refuse"),
        Family("str", lambda v, s: np.full(v.shape, "a", dtype=object), "refuse"),
        Family("add-axis", lambda v, s: v[None].copy(), "refuse-or-same"),
        Family("constant", lambda v, s: np.full_like(v, v.flat[0] if v.size else 0.0),
               "valid"),
        Family("float32", lambda v, s: v.astype(np.float32), "valid"),
        Family("int", lambda v, s: np.round(v).astype(np.int64), "same-float",
               reference=lambda v: np.round(v)),
        Family("list", lambda v, s: v.tolist(), "same"),
        Family("read-only", lambda v, s: _read_only(v), "same"),
    ]
    for factor in (1e300, 1e-300, 1e150, 1e-150):
        families.append(Family(f"scale-{factor:.0e}", _scaled(factor), "valid"))
    if value.ndim >= 1:
        families += [
            Family("drop-axis", lambda v, s: v[0].copy(), "valid"),
            Family("empty", lambda v, s: v[:0].copy(), "valid"),
            Family("non-contiguous", lambda v, s: _non_contiguous(v), "same"),
        ]
        if value.shape[0] >= 2:
            families.append(Family("single", lambda v, s: v[:1].copy(), "valid"))
        for axis in range(value.ndim):
            if value.shape[axis] >= 2:
                families.append(Family(f"shorter-axis{axis}", _shorter(axis), "valid"))
    if value.ndim >= 2:
        families += [
            Family("empty-columns", lambda v, s: v[..., :0].copy(), "valid"),
            Family("F-order", lambda v, s: np.asfortranarray(v), "same"),
        ]
        if value.ndim == 2:
            families.append(Family("DataFrame", lambda v, s: _dataframe(v), "same"))
    return families


def complex_array_families(value):
    """Families of a complex array (a sketch ``z``, a residual, atoms)."""
    families = [
        Family("nan", lambda v, s: _with(v, np.nan), "refuse"),
        Family("inf", lambda v, s: _with(v, np.inf), "valid"),
        Family("real", lambda v, s: v.real.copy(), "valid"),
        Family("str", lambda v, s: np.full(v.shape, "a", dtype=object), "refuse"),
        Family("add-axis", lambda v, s: v[None].copy(), "refuse-or-same"),
        Family("complex64", lambda v, s: v.astype(np.complex64), "valid"),
        Family("list", lambda v, s: v.tolist(), "same"),
        Family("read-only", lambda v, s: _read_only(v), "same"),
        Family("zero", lambda v, s: np.zeros_like(v), "valid"),
    ]
    for factor in (1e300, 1e-300):
        families.append(Family(f"scale-{factor:.0e}", _scaled(factor), "valid"))
    if value.ndim >= 1:
        families += [
            Family("empty", lambda v, s: v[:0].copy(), "valid"),
            Family("non-contiguous", lambda v, s: _non_contiguous(v), "same"),
        ]
        for axis in range(value.ndim):
            if value.shape[axis] >= 2:
                families.append(Family(f"shorter-axis{axis}", _shorter(axis), "valid"))
    if value.ndim >= 2:
        families.append(Family("F-order", lambda v, s: np.asfortranarray(v), "same"))
    return families


def int_array_families(value):
    """Families of an integer array (labels, permutations)."""
    families = [
        Family("negative", lambda v, s: _with(v, -1), "valid"),
        Family("huge", lambda v, s: _with(v, HUGE_INT), "valid"),
        Family("float", lambda v, s: v.astype(np.float64), "same"),
        Family("fractional", lambda v, s: v + 0.5, "refuse"),
        Family("str", lambda v, s: np.full(v.shape, "a", dtype=object), "refuse"),
        Family("list", lambda v, s: v.tolist(), "same"),
    ]
    if value.ndim >= 1:
        families += [
            Family("empty", lambda v, s: v[:0].copy(), "valid"),
            Family("add-axis", lambda v, s: v[None].copy(), "refuse-or-same"),
        ]
        if value.shape[0] >= 2:
            families.append(Family("shorter-axis0", _shorter(0), "valid"))
    return families


# -- scalar and option families ----------------------------------------------------------

def int_families(value):
    """Families of an integer argument (sizes, counts, iteration limits)."""
    return [
        Family("negative", lambda v, s: -1, "valid"),
        Family("zero", lambda v, s: 0, "valid"),
        Family("fractional", lambda v, s: v + 0.7, "refuse"),
        Family("nan", lambda v, s: float("nan"), "refuse"),
        Family("large", lambda v, s: LARGE_INT, "valid"),
        Family("huge", lambda v, s: HUGE_INT, "valid"),
        Family("str", lambda v, s: "bogus", "refuse"),
        Family("numpy-int", lambda v, s: np.int64(v), "same"),
    ]


def float_families(value):
    """Families of a real argument (penalties, tolerances, scales)."""
    return [
        Family("negative", lambda v, s: -abs(v) if v else -1.0, "valid"),
        Family("zero", lambda v, s: 0.0, "valid"),
        Family("nan", lambda v, s: float("nan"), "refuse"),
        Family("inf", lambda v, s: float("inf"), "valid"),
        Family("huge", lambda v, s: 1e300, "valid"),
        Family("tiny", lambda v, s: 1e-300, "valid"),
        Family("str", lambda v, s: "bogus", "refuse"),
        Family("numpy-float", lambda v, s: np.float64(v), "same"),
    ]


def str_families(value):
    """Families of a string option."""
    return [Family("misspelt", lambda v, s: "bogus-option", "refuse")]


def bool_families(value):
    """Families of a boolean flag."""
    return [Family("str", lambda v, s: "bogus", "refuse")]


def none_families(value):
    """Families of an argument whose canonical value is ``None`` (an unused option)."""
    return [Family("str", lambda v, s: "bogus", "refuse")]


def sequence_families(value):
    """Families of a tuple or list of numbers (bounds, levels, radices, shapes)."""
    families = [
        Family("str", lambda v, s: "bogus", "refuse"),
        Family("empty", lambda v, s: type(v)(), "valid"),
        Family("nan", lambda v, s: type(v)([float("nan")] * len(v)), "refuse"),
        Family("negative", lambda v, s: type(v)(-abs(x) - 1 for x in v), "valid"),
        Family("array", lambda v, s: np.asarray(v), "same"),
    ]
    if len(value) >= 2:
        families.append(Family("reversed", lambda v, s: type(v)(reversed(v)), "valid"))
    return families


def random_state_families(value):
    """Families of a random state argument."""
    return [
        Family("str", lambda v, s: "bogus", "refuse"),
        Family("negative-seed", lambda v, s: -1, "refuse"),
    ]


def object_families(value):
    """Families of any other object (an estimator, a class, a callable)."""
    return [Family("str", lambda v, s: "bogus", "refuse")]


def array_list_families(value):
    """Families of a list of arrays (factors)."""
    return [
        Family("str", lambda v, s: "bogus", "refuse"),
        Family("empty", lambda v, s: [], "valid"),
        Family("nan", lambda v, s: [_with(v[0], np.nan, np.float64), *v[1:]], "refuse"),
        Family("first-only", lambda v, s: v[:1], "valid"),
        Family("reversed", lambda v, s: v[::-1], "valid"),
    ]


def dict_families(value):
    """Families of a dict of arrays (a saved state)."""
    def drop_first(v, s):
        out = dict(v)
        out.pop(sorted(out)[1])
        return out

    def extra(v, s):
        out = dict(v)
        out["unexpected"] = np.zeros(3)
        return out

    return [
        Family("str", lambda v, s: "bogus", "refuse"),
        Family("empty", lambda v, s: {}, "refuse"),
        Family("missing-key", drop_first, "refuse"),
        Family("extra-key", extra, "valid"),
    ]


def file_families(value):
    """Families of a file holding a saved object (truncated, garbage, empty)."""
    data = value.getvalue()
    return [
        Family("truncated", lambda v, s: io.BytesIO(data[: len(data) // 2]), "refuse"),
        Family("garbage", lambda v, s: io.BytesIO(b"not a sketch" * 50), "refuse"),
        Family("empty-file", lambda v, s: io.BytesIO(b""), "refuse"),
        Family("flipped-bytes", lambda v, s: io.BytesIO(_flip(data)), "refuse"),
    ]


def _flip(data):
    raw = bytearray(data)
    for i in range(len(raw) // 3, len(raw) // 3 + 64):
        raw[i] ^= 0xFF
    return bytes(raw)


# -- sketches -----------------------------------------------------------------------------

def _forge(attribute, mutate):
    def make(sketch, s):
        sketch = copy.deepcopy(sketch)  # the operator may be shared with a fitted model
        setattr(sketch, attribute, mutate(getattr(sketch, attribute)))
        return sketch

    return make


def _forge_operator(attribute, value):
    def make(sketch, s):
        sketch = copy.deepcopy(sketch)
        op = sketch.operator
        current = np.array(getattr(op, attribute), dtype=np.float64)
        current.flat[0] = value
        setattr(op, attribute, current if current.ndim else float(current))
        return sketch

    return make


def _foreign(sketch, s):
    return s.fresh(s.cov_sketch if sketch.operator is s.sketcher or type(
        sketch.operator) is type(s.sketcher) else s.sketch)


def _empty(sketch, s):
    from skfrugal.sketching import Sketch

    return Sketch.empty(sketch.n_features, sketch.feature_sum.shape,
                        sketch.feature_sum.dtype, sketch.operator_id, sketch.operator)


def sketch_families(value):
    """Families of a sketch: forged, inconsistent or foreign sketches, all refused."""
    families = [
        Family("not-a-sketch", lambda v, s: v.to_dict(), "refuse"),
        Family("empty-sketch", _empty, "refuse"),
        Family("foreign-operator", _foreign, "refuse"),
        Family("no-operator", _forge("operator", lambda v: None), "refuse"),
        Family("negative-m2", _forge("data_m2", lambda v: v - 1e6), "refuse"),
        Family("min-above-max", _forge("data_min", lambda v: v + 1e6), "refuse"),
        Family("nan-sum", _forge("feature_sum", lambda v: _with(v, np.nan)), "refuse"),
        Family("fractional-count", _forge("n_samples", lambda v: v + 0.5), "refuse"),
        Family("id-mismatch", _forge("operator_id", lambda v: "forged"), "refuse"),
        Family("shape-mismatch", _forge("feature_sum", lambda v: v[:-1].copy()), "refuse"),
    ]
    op = value.operator
    for name in getattr(op, "_state_attributes", ()):
        if np.asarray(getattr(op, name)).dtype.kind == "f":
            families.append(Family(f"forged-{name}nan", _forge_operator(name, np.nan),
                                   "refuse"))
    if hasattr(op, "std_"):
        families.append(Family("forged-std_zero", _forge_operator("std_", 0.0), "refuse"))
    if hasattr(op, "scale_"):
        families.append(Family("forged-scale_negative", _forge_operator("scale_", -1.0),
                               "refuse"))
    return families


def dask_array_families(value):
    """NumPy array families applied to the blocks of a Dask array."""
    import dask.array as da

    base = np.asarray(value)
    out = []
    for family in array_families(base):
        def make(v, s, make=family.make):
            changed = make(np.asarray(v), s)
            return da.from_array(np.asarray(changed), chunks=20)

        expect = "valid" if family.expect == "refuse-or-same" else family.expect
        out.append(Family(family.name, make, expect, family.reference))
    return out


#: array families applied to each array field of a dataclass argument (decoder inputs)
FIELD_FAMILIES = ("nan", "inf", "empty", "shorter-axis0", "shorter-axis1", "add-axis",
                  "drop-axis", "scale-1e+300", "real", "complex")


def _replace_field(name, make):
    def replace(value, s):
        out = copy.deepcopy(value)
        setattr(out, name, make(getattr(out, name), s))
        return out

    return replace


def dataclass_families(value):
    """Families of a dataclass of arrays (such as the decoders' inputs): one field forged."""
    families = [Family("str", lambda v, s: "bogus", "refuse")]
    for field in dataclasses.fields(value):
        current = getattr(value, field.name)
        if not isinstance(current, np.ndarray) or current.dtype.kind not in "fc":
            continue
        fams = (complex_array_families if current.dtype.kind == "c" else array_families)(
            current)
        for family in fams:
            if family.name in FIELD_FAMILIES:
                expect = "valid" if family.expect == "refuse-or-same" else family.expect
                families.append(Family(f"{field.name}:{family.name}",
                                       _replace_field(field.name, family.make), expect))
    return families


FAMILIES_BY_KIND = {
    "dataclass": dataclass_families,
    "array": array_families,
    "complex-array": complex_array_families,
    "int-array": int_array_families,
    "int": int_families,
    "float": float_families,
    "str": str_families,
    "bool": bool_families,
    "none": none_families,
    "number-sequence": sequence_families,
    "sequence": lambda v: [Family("str", lambda v, s: "bogus", "refuse")],
    "random-state": random_state_families,
    "object": object_families,
    "array-list": array_list_families,
    "dict": dict_families,
    "file": file_families,
    "sketch": sketch_families,
    "dask-array": dask_array_families,
}


def families_for(value):
    """The families that apply to a canonical value."""
    return FAMILIES_BY_KIND.get(value_kind(value), object_families)(value)


#: families of the data ``X`` given to an estimator's ``predict``/``transform``/... after
#: fit (a subset of the array families: the others are swept on ``fit``)
METHOD_X_FAMILIES = ("nan", "inf", "complex", "str", "add-axis", "drop-axis", "empty",
                     "empty-columns", "shorter-axis1", "scale-1e+300", "scale-1e-300",
                     "F-order", "DataFrame", "list", "int", "float32")
