"""Outcomes of a robustness case: what counts as a clear refusal, a finite answer, the same answer.

A case ends in one of these statuses (``FAILURES`` are the ones the sweep reports):

``ok``
    The call worked, its output is finite (and, where the case says so, equal to the
    output for the canonical input).
``refused``
    A ``ValueError``, ``TypeError`` or ``NotFittedError`` with a message, raised by a
    ``raise`` statement of skfrugal or inside scikit-learn's validation (``check_array``
    and ``validate_params``): the input was refused by a check that names the problem.
``unclear-error``
    Any other exception: an ``IndexError``, ``KeyError``, ``ZeroDivisionError``,
    ``OverflowError``, ``LinAlgError``, ``AxisError``, a numba ``TypingError``, or a
    ``ValueError``/``TypeError`` raised deep inside NumPy or SciPy (a broadcasting error,
    ``Initial guess is outside of provided bounds``) rather than by a check at the
    boundary.
``out-of-bounds``
    A numba kernel indexed outside an array (seen as an ``IndexError`` raised by a kernel
    compiled with ``NUMBA_BOUNDSCHECK=1``).
``non-finite``
    The call worked but returned NaN or infinity (often with a ``RuntimeWarning`` only).
``accepted``
    The call worked although the input must be refused (a NaN, a non-integer count, a
    misspelt option): the answer is silently wrong.
``differs``
    The call worked but its output differs from the output for the canonical input
    (another memory layout or container, an integer array of the same values).
``not-fitted-missing``
    A method of an unfitted estimator did not raise ``NotFittedError``.
``state-changed``
    A refused or interrupted ``partial_fit`` left the estimator changed, or its retry
    gave another model than one uninterrupted call (the chunk counted twice).
``input-modified``
    The canonical call wrote into one of its input arrays.
``hang``, ``abort``
    The case did not finish within its time limit; the process died (signal, abort,
    "double free or corruption").
``harness-error``
    The case could not be built (no canonical value for a parameter): the sweep needs a
    factory for this entry point.
"""

import dataclasses
import fnmatch
import functools
import linecache
import numbers
import os
import types

import numpy as np

OK, REFUSED = "ok", "refused"
FAILURES = (
    "unclear-error", "out-of-bounds", "non-finite", "accepted", "differs",
    "not-fitted-missing", "state-changed", "input-modified", "hang", "abort",
    "harness-error",
)

# exception types that are never a clear refusal, even when they subclass ValueError
_UNCLEAR_TYPES = ("LinAlgError", "AxisError", "TypingError", "NumbaError",
                  "UnsupportedError", "LoweringError", "ComplexWarning")
_SKFRUGAL = os.sep + "skfrugal" + os.sep
_SKLEARN = os.sep + "sklearn" + os.sep


@dataclasses.dataclass
class Outcome:
    """The status of a case and a one-line description of what happened."""

    status: str
    detail: str = ""

    @property
    def failed(self):
        return self.status in FAILURES


class HarnessError(Exception):
    """The sweep could not build a case (a missing factory or canonical value)."""


def _innermost_frame(exc):
    tb = exc.__traceback__
    if tb is None:
        return None, None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename, tb.tb_lineno


def short(text, limit=160):
    """One line of at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(exc):
    """``TypeName: message`` on one line."""
    return short(f"{type(exc).__name__}: {exc}")


def classify_exception(exc):
    """Return the :class:`Outcome` of a case that raised ``exc``.

    A refusal is clear when the exception is a ``ValueError`` or ``TypeError`` (or
    ``NotFittedError``) with a message, raised by a ``raise`` statement in skfrugal or
    scikit-learn, and not one of the numerical or numba errors that merely subclass
    ``ValueError``.
    """
    if isinstance(exc, HarnessError):
        return Outcome("harness-error", short(str(exc)))
    names = {cls.__name__ for cls in type(exc).__mro__}
    text = describe(exc)
    if isinstance(exc, IndexError) and "out of bounds" in str(exc) and (
        _raised_by_numba(exc)
    ):
        return Outcome("out-of-bounds", text)
    if isinstance(exc, MemoryError):
        # NumPy's "Unable to allocate 7.3 TiB for an array with shape ...": the size asked
        # for is reported; a sweep run with a memory limit sees it for huge sizes
        return Outcome(REFUSED, text) if "Unable to allocate" in str(exc) else (
            Outcome("unclear-error", text))
    if names & set(_UNCLEAR_TYPES) or not isinstance(exc, (ValueError, TypeError)):
        return Outcome("unclear-error", text)
    if not str(exc).strip():
        return Outcome("unclear-error", f"{type(exc).__name__} without a message")
    filename, lineno = _innermost_frame(exc)
    if filename is None:
        return Outcome(REFUSED, text)
    if _SKLEARN in filename:  # scikit-learn's validation (check_array's conversion too)
        return Outcome(REFUSED, text)
    if _SKFRUGAL not in filename:
        where = os.path.basename(filename)
        return Outcome("unclear-error", short(f"{text} (raised inside {where}:{lineno})"))
    line = linecache.getline(filename, lineno).strip()
    if not line.startswith("raise"):
        where = os.path.relpath(filename, os.path.dirname(os.path.dirname(filename)))
        return Outcome(
            "unclear-error", short(f"{text} (an operation failed at {where}:{lineno})")
        )
    return Outcome(REFUSED, text)


def _raised_by_numba(exc):
    tb = exc.__traceback__
    while tb is not None:
        if "numba" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    # an exception raised inside a compiled function has no Python frame of its own:
    # the innermost frame is the call of the dispatcher
    return "index is out of bounds" in str(exc)


# -- walking outputs ----------------------------------------------------------------------

_OPAQUE = (str, bytes, type, types.FunctionType, types.BuiltinFunctionType,
           types.MethodType, types.ModuleType, functools.partial)

def leaves(obj, path="out", depth=0, seen=None):
    """Yield ``(path, ndarray)`` for every numeric value held by ``obj``.

    Walks arrays, numbers, tuples, lists, dicts, dataclasses, sparse matrices, and
    objects of skfrugal: the public attributes ending in ``_`` of an estimator (its
    fitted attributes), all public attributes of other objects.
    """
    if seen is None:
        seen = set()
    if depth > 6:
        return
    if isinstance(obj, (bool, np.bool_)):
        yield path, np.asarray(obj)
        return
    if isinstance(obj, (numbers.Number, np.generic)):
        yield path, np.asarray(obj)
        return
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biufc":
            yield path, obj
        elif obj.dtype.kind == "O":
            for i, item in enumerate(obj.flat[:50]):
                yield from leaves(item, f"{path}[{i}]", depth + 1, seen)
        return
    if obj is None or isinstance(obj, _OPAQUE):
        return
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj[:200]):
            yield from leaves(item, f"{path}[{i}]", depth + 1, seen)
        return
    if isinstance(obj, dict):
        for key in sorted(obj, key=str):
            yield from leaves(obj[key], f"{path}[{key!r}]", depth + 1, seen)
        return
    if hasattr(obj, "tocsr") and hasattr(obj, "data"):  # a scipy sparse matrix
        yield f"{path}.data", np.asarray(obj.data)
        return
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and not hasattr(obj, "__dict__"):
        return  # an array of another library: not walked
    if dataclasses.is_dataclass(obj):
        for field in dataclasses.fields(obj):
            yield from leaves(getattr(obj, field.name), f"{path}.{field.name}", depth + 1,
                              seen)
        return
    module = type(obj).__module__ or ""
    is_estimator = hasattr(obj, "get_params") and hasattr(obj, "fit")
    if not module.startswith("skfrugal"):
        # another library's objects (a scikit-learn estimator wrapped by a skfrugal one)
        # are that library's outputs, not skfrugal's
        return
    for name in sorted(vars(obj)):
        if name.startswith("_"):
            continue
        if is_estimator and not name.endswith("_"):
            continue  # hyper-parameters are not outputs
        yield from leaves(getattr(obj, name), f"{path}.{name}", depth + 1, seen)


def non_finite_leaves(obj, allowed=()):
    """Paths of the numeric values of ``obj`` that hold NaN or infinity.

    ``allowed`` holds fnmatch patterns of paths where an infinity (not a NaN) is valid;
    a pattern prefixed ``nan:`` also allows NaN (a documented "not applicable" marker).
    """
    nan_ok = [p[len("nan:"):] for p in allowed if p.startswith("nan:")]
    inf_ok = [p for p in allowed if not p.startswith("nan:")] + nan_ok
    bad = []
    for path, value in leaves(obj):
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            patterns = nan_ok if np.any(np.isnan(value)) else inf_ok
            if any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns):
                continue
            kind = "NaN" if np.any(np.isnan(value)) else "inf"
            bad.append(f"{path} has {kind}")
    return bad


def compare(reference, result, rtol=1e-6):
    """Return a description of the first difference between two outputs, or ``None``.

    Numeric values are compared with a tolerance relative to the largest magnitude of
    the reference value (float32 arithmetic inside a kernel differs by ~1e-7 between
    two orders of summation).
    """
    ref = dict(leaves(reference))
    res = dict(leaves(result))
    if ref.keys() != res.keys():
        missing = sorted(set(ref) ^ set(res))[:3]
        return f"outputs differ in structure at {missing}"
    for path, a in ref.items():
        b = res[path]
        if a.shape != b.shape:
            return f"{path}: shape {b.shape} instead of {a.shape}"
        if a.size == 0:
            continue
        if a.dtype.kind in "biu" and b.dtype.kind in "biu":
            if not np.array_equal(a, b):
                return f"{path}: {int(np.sum(a != b))} of {a.size} entries differ"
            continue
        a64, b64 = np.asarray(a, dtype=np.complex128), np.asarray(b, dtype=np.complex128)
        finite = np.isfinite(a64)
        if not np.array_equal(finite, np.isfinite(b64)):
            return f"{path}: finite in one output only"
        if not finite.any():
            continue
        scale = float(np.max(np.abs(a64[finite])))
        err = float(np.max(np.abs(a64[finite] - b64[finite])))
        if err > rtol * max(scale, 1e-300):
            return f"{path}: max difference {err:.3g} (relative {err / max(scale, 1e-300):.2g})"
    return None


def runtime_warnings(records):
    """The distinct RuntimeWarning messages among recorded warnings."""
    seen = []
    for record in records:
        if issubclass(record.category, RuntimeWarning):
            text = short(str(record.message), 80)
            if text not in seen:
                seen.append(text)
    return seen
