"""The Sketch container: a mergeable summary of a data set under one sketch operator.

A :class:`Sketch` checks its fields when it is built, merged and loaded, and
:func:`~skfrugal.sketching.check_sketch` checks them again (with the operator's
identity) before a decoder reads one: a forged, truncated or inconsistent sketch is
refused with a ``ValueError`` naming the field, never decoded.
"""

import importlib
import numbers
import os

import numpy as np

from skfrugal.sketching._batch_moments import merge_moments
from skfrugal.utils._validation import check_nonnegative_number

_FORMAT_VERSION = 1
#: the keys of a saved sketch besides its operator's (``operator_class``, ``operator.*``)
_STATE_KEYS = ("format_version", "feature_sum", "n_samples", "data_min", "data_max",
               "data_mean", "data_m2", "operator_id")
# entries of private sketches (absent from files of exact sketches and older files)
_OPTIONAL_STATE_KEYS = ("noise_var", "count_noise_var")
#: fitted attributes of an operator that must be strictly positive where present
#: the axis of an operator's state array that runs over the features (default 0)
_FEATURE_AXIS = {"robust_range_": 1, "signs_": None, "radii_": None}  # None: no such axis
_POSITIVE_STATE = ("std_", "scale_")


def merge_chunk_stats(a, b):
    """Merge the statistics of two chunks (Chan's formulas for the moments).

    Parameters
    ----------
    a, b : tuple
        ``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)`` as returned
        by :func:`skfrugal.sketching.sketch_chunk`.

    Returns
    -------
    merged : tuple
        The statistics of the union of the two chunks.
    """
    _check_chunk_stats(a, "a")
    _check_chunk_stats(b, "b")
    return _merge_stats(a, b)


def _merge_stats(a, b):
    """:func:`merge_chunk_stats` of checked statistics (NaN bounds of private sketches
    stay NaN)."""
    fs_a, n_a, min_a, max_a, mean_a, m2_a = a
    fs_b, n_b, min_b, max_b, mean_b, m2_b = b
    n, mean, m2 = merge_moments(n_a, mean_a, m2_a, n_b, mean_b, m2_b)
    return (fs_a + fs_b, n, np.minimum(min_a, min_b), np.maximum(max_a, max_b), mean, m2)


def _check_chunk_stats(stats, name):
    """Check a tuple of chunk statistics as the fields of a sketch (no operator)."""
    if not isinstance(stats, (tuple, list)) or len(stats) != 6:
        raise TypeError(
            f"{name} must be a tuple (feature_sum, n_samples, data_min, data_max, data_mean, "
            f"data_m2), got {type(stats).__name__}"
            + (f" of length {len(stats)}" if isinstance(stats, (tuple, list)) else "")
        )
    try:
        Sketch(*stats, operator_id="chunk")
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: {exc}") from None


def _check_count(value, name="n_samples"):
    """``value`` as a Python int, refusing fractions, NaN, booleans and negatives."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        kind = "a fraction" if isinstance(value, numbers.Real) else "not a number"
        raise TypeError(f"{name} must be an integer (a count), got {value!r} ({kind})")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return int(value)


def _real_vector(value, name):
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return np.asarray(array, dtype=np.float64)


def _check_operator_state(op, sketch_shape, n_features, complex_sum):
    """Check a fitted operator against a sketch, cheaply (no hashing)."""
    name = type(op).__name__
    if not (hasattr(op, "_compute_operator_id") and hasattr(op, "_feature_shape")):
        raise TypeError(f"operator must be a sketch operator (such as a fitted "
                        f"FourierSketcher) or None, got {name}")
    if not hasattr(op, "operator_id_"):
        raise ValueError(f"the sketch's operator ({name}) is not fitted")
    n_in = getattr(op, "n_features_in_", None)
    if n_in is not None and n_in != n_features:
        raise ValueError(
            f"the sketch has {n_features} features but its operator ({name}) was fitted on "
            f"{n_in}"
        )
    for attr in getattr(op, "_optional_state_attributes", ()):
        if hasattr(op, attr):
            value = np.asarray(getattr(op, attr))
            if value.dtype.kind not in "fiuc" or not np.all(np.isfinite(value)):
                raise ValueError(f"the operator's {attr} is not a finite numeric array")
    for attr in getattr(op, "_state_attributes", ()):
        value = np.asarray(getattr(op, attr, None))
        if value.dtype.kind not in "fiuc":
            raise ValueError(f"the operator's {attr} is not numeric (dtype {value.dtype})")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"the operator's {attr} holds NaN or infinity")
        axis = _FEATURE_AXIS.get(attr, 0)
        if axis is not None and value.ndim > axis and value.shape[axis] != n_features:
            raise ValueError(
                f"the operator's {attr} has {value.shape[axis]} "
                f"{'rows' if axis == 0 else 'columns'} for {n_features} features"
            )
        if attr in _POSITIVE_STATE and not np.all(value > 0):
            raise ValueError(
                f"the operator's {attr} must be > 0, got min {float(np.min(value)):.3g}"
            )
    shape = tuple(int(v) for v in op._feature_shape())
    if tuple(sketch_shape) != shape:
        raise ValueError(
            f"feature_sum has shape {tuple(sketch_shape)} but the operator ({name}) makes "
            f"features of shape {shape}"
        )
    if bool(getattr(op, "_complex_features", True)) != complex_sum:
        kind = "complex" if getattr(op, "_complex_features", True) else "real"
        raise ValueError(f"feature_sum must be {kind} for a {name} sketch")


class Sketch:
    """A mergeable sketch of a data set: sums of features and of moments, count, bounds.

    A sketch is data, not an estimator detail: it holds the *sum* of the per-sample
    features of an operator (so that sketches of chunks add up), the number of samples,
    the per-feature minimum and maximum (decoders use them as bounds), the per-feature
    mean and sum of squared deviations (merged exactly with Chan's formulas, so that
    centring and standardisation are exact after streaming), and the identifier of the
    operator that made it. Sketches of the same operator merge with ``+``; sketches of
    different operators refuse to.

    Sketches are made by operators such as
    :meth:`FourierSketcher.sketch <skfrugal.sketching.FourierSketcher.sketch>`; build one
    by hand only to wrap sums computed elsewhere. The fields are checked on
    construction (``n_samples`` a non-negative integer; finite sums; per-feature
    ``data_min <= data_mean <= data_max`` and ``data_m2 >= 0``; the operator fitted, with
    the same identifier, dimension, feature shape and dtype, and a finite state): an
    inconsistent sketch raises a ``ValueError`` naming the field.

    Parameters
    ----------
    feature_sum : array-like
        Sum over the samples of the operator's per-sample features. For a
        :class:`FourierSketcher`, the complex vector ``Σ_i exp(-i Ωᵀ x̃_i)`` of shape
        ``(sketch_size,)``.
    n_samples : int
        Number of samples summed.
    data_min, data_max : array-like of shape (n_features,)
        Per-feature minimum and maximum of the samples (in the data's units).
    data_mean : array-like of shape (n_features,)
        Per-feature mean of the samples.
    data_m2 : array-like of shape (n_features,)
        Per-feature sum of squared deviations from the mean.
    operator_id : str
        Identifier of the operator; two sketches merge only when these are equal.
    operator : object, default=None
        The fitted operator itself, so that a decoder can evaluate it. It travels with
        the sketch through pickling and :meth:`to_dict`/:meth:`save`.
    noise_var : float, default=0.0
        Variance ``E|w_j|²`` of the privacy noise in each entry of ``feature_sum`` (0:
        exact sums). A private release (``FourierSketcher(privacy=...)``) sets it; the
        noise variances of merged sketches add.
    count_noise_var : float, default=0.0
        Variance of the privacy noise in ``n_samples`` (0: the exact count).

    Attributes
    ----------
    stats : tuple
        ``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)``, the form
        in which chunk functions return their sums (see :func:`merge_chunk_stats`).
    mean : ndarray
        The normalised sketch ``z = feature_sum / n_samples``.
    n_features : int
        Dimension of the sketched data.
    nbytes : int
        Memory taken by the sketch's arrays.
    is_private : bool
        Whether the sketch is a private release (``noise_var > 0``): noisy sum of
        features and count, noisy ``data_mean`` and ``data_m2`` (from noisy moment
        sums), and NaN in place of ``data_min`` and ``data_max``, which a private
        sketch does not release.

    See Also
    --------
    FourierSketcher : Makes sketches of data with random Fourier features.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import FourierSketcher
    >>> X = np.random.default_rng(0).normal(size=(1000, 2))
    >>> sketcher = FourierSketcher(sketch_size=50, random_state=0).fit(X)
    >>> whole = sketcher.sketch(X)
    >>> merged = sketcher.sketch(X[:400]) + sketcher.sketch(X[400:])
    >>> merged.n_samples
    1000
    >>> bool(np.allclose(merged.mean, whole.mean))
    True
    """

    def __init__(
        self,
        feature_sum,
        n_samples,
        data_min,
        data_max,
        data_mean,
        data_m2,
        operator_id,
        operator=None,
        *,
        noise_var=0.0,
        count_noise_var=0.0,
    ):
        self.feature_sum = np.asarray(feature_sum)
        self.n_samples = _check_count(n_samples)
        self.data_min = _real_vector(data_min, "data_min")
        self.data_max = _real_vector(data_max, "data_max")
        self.data_mean = _real_vector(data_mean, "data_mean")
        self.data_m2 = _real_vector(data_m2, "data_m2")
        if not isinstance(operator_id, str) or not operator_id:
            raise TypeError(f"operator_id must be a non-empty string, got {operator_id!r}")
        self.operator_id = operator_id
        self.operator = operator
        self.noise_var = check_nonnegative_number(noise_var, "noise_var")
        self.count_noise_var = check_nonnegative_number(count_noise_var, "count_noise_var")
        self.validate()

    def validate(self, deep=False):
        """Check the sketch's fields (and its operator's), raising on the first problem.

        Called on construction and on merge; :func:`~skfrugal.sketching.check_sketch`
        calls it with ``deep=True`` before decoding.

        Parameters
        ----------
        deep : bool, default=False
            Also recompute the operator's identifier from its state, which detects an
            operator changed after it was fitted (it hashes the operator's arrays).

        Returns
        -------
        sketch : Sketch
            This sketch.

        Raises
        ------
        TypeError
            If a field has the wrong type (a fractional count, complex bounds, a
            non-numeric sum, an operator that is not a sketch operator), or ``deep`` is
            not a boolean.
        ValueError
            If the fields are inconsistent: their shapes, non-finite values, a negative
            ``data_m2``, ``data_min > data_max``, a mean outside the bounds, or an
            operator that does not match the sketch.
        """
        if not isinstance(deep, (bool, np.bool_)):
            raise TypeError(f"deep must be a boolean, got {deep!r}")
        _check_count(self.n_samples)
        fs = self.feature_sum
        if not isinstance(fs, np.ndarray) or fs.dtype.kind not in "fciu":
            raise TypeError(
                "feature_sum must be an array of numbers, got "
                f"{getattr(fs, 'dtype', type(fs).__name__)}"
            )
        if fs.ndim < 1 or fs.size < 1:
            raise ValueError(f"feature_sum must be a non-empty array, got shape {fs.shape}")
        if not np.all(np.isfinite(fs)):
            raise ValueError("feature_sum holds NaN or infinity")
        fields = {"data_min": self.data_min, "data_max": self.data_max,
                  "data_mean": self.data_mean, "data_m2": self.data_m2}
        shapes = {np.shape(a) for a in fields.values()}
        if len(shapes) != 1 or np.ndim(self.data_min) != 1 or self.data_min.shape[0] < 1:
            raise ValueError(
                "data_min, data_max, data_mean and data_m2 must be 1-D arrays of the same "
                f"length, got shapes {sorted(shapes)}"
            )
        for name, value in fields.items():
            if not isinstance(value, np.ndarray) or value.dtype != np.float64:
                raise TypeError(f"{name} must be a float64 array, got {type(value).__name__}")
        if self.n_samples == 0:
            empty = (np.all(self.data_min == np.inf) and np.all(self.data_max == -np.inf)
                     and not np.any(self.data_mean) and not np.any(self.data_m2)
                     and not np.any(fs))
            if not empty:
                raise ValueError(
                    "a sketch of 0 samples must be empty (zero sums, data_min=+inf, "
                    "data_max=-inf), as made by Sketch.empty"
                )
        elif self.noise_var > 0 or self.count_noise_var > 0:
            # a private sketch: no exact bounds are released (NaN), moments are noisy
            for name in ("data_mean", "data_m2"):
                if not np.all(np.isfinite(fields[name])):
                    raise ValueError(f"{name} holds NaN or infinity")
            for name in ("data_min", "data_max"):
                if np.any(np.isinf(fields[name])):
                    raise ValueError(f"{name} holds infinity")
        else:
            for name, value in fields.items():
                if not np.all(np.isfinite(value)):
                    raise ValueError(f"{name} holds NaN or infinity")
            if np.any(self.data_min > self.data_max):
                j = int(np.argmax(self.data_min > self.data_max))
                raise ValueError(
                    f"data_min > data_max for feature {j} ({self.data_min[j]:.6g} > "
                    f"{self.data_max[j]:.6g})"
                )
            if np.any(self.data_m2 < 0):
                j = int(np.argmax(self.data_m2 < 0))
                raise ValueError(f"data_m2 must be >= 0, got {self.data_m2[j]:.6g} for "
                                 f"feature {j}")
            slack = 1e-9 * np.maximum(np.abs(self.data_min), np.abs(self.data_max))
            outside = (self.data_mean < self.data_min - slack) | (
                self.data_mean > self.data_max + slack)
            if np.any(outside):
                j = int(np.argmax(outside))
                raise ValueError(
                    f"data_mean of feature {j} ({self.data_mean[j]:.6g}) is outside "
                    f"[data_min, data_max] = [{self.data_min[j]:.6g}, {self.data_max[j]:.6g}]"
                )
        op = self.operator
        if op is not None:
            _check_operator_state(op, fs.shape, self.n_features, fs.dtype.kind == "c")
            if op.operator_id_ != self.operator_id:
                raise ValueError(
                    f"the sketch's operator_id {self.operator_id!r} does not match its "
                    f"operator's {op.operator_id_!r}: the sketch was made by another operator"
                )
            if deep and op._compute_operator_id() != op.operator_id_:
                raise ValueError(
                    f"the sketch's operator ({type(op).__name__}) was changed after it was "
                    "fitted: its state no longer matches its operator_id"
                )
        return self

    @property
    def n_features(self):
        return self.data_min.shape[0]

    @property
    def is_private(self):
        return self.noise_var > 0 or self.count_noise_var > 0

    @property
    def stats(self):
        """``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)``."""
        return (self.feature_sum, self.n_samples, self.data_min, self.data_max,
                self.data_mean, self.data_m2)

    @property
    def mean(self):
        if self.n_samples == 0:
            raise ValueError("the sketch is empty (n_samples=0): it has no mean")
        return self.feature_sum / self.n_samples

    @property
    def data_var(self):
        """Per-feature (biased) variance of the sketched samples."""
        if self.n_samples == 0:
            raise ValueError("the sketch is empty (n_samples=0): it has no variance")
        return self.data_m2 / self.n_samples

    @property
    def nbytes(self):
        return int(
            self.feature_sum.nbytes
            + self.data_min.nbytes * 4  # min, max, mean, m2
        )

    @classmethod
    def empty(cls, n_features, feature_shape, feature_dtype, operator_id, operator=None):
        """Return the sketch of no sample: the neutral element of ``+``.

        Parameters
        ----------
        n_features : int
            Dimension of the data.
        feature_shape : tuple of int
            Shape of ``feature_sum``.
        feature_dtype : dtype
            Dtype of ``feature_sum``.
        operator_id : str
            Identifier of the operator.
        operator : object, default=None
            The operator.

        Returns
        -------
        sketch : Sketch
        """
        n_features = _check_count(n_features, "n_features")
        if n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {n_features}")
        if isinstance(feature_shape, numbers.Integral):
            feature_shape = (feature_shape,)
        if not isinstance(feature_shape, (tuple, list)) or not feature_shape or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
            for v in feature_shape
        ):
            raise ValueError(
                f"feature_shape must be a tuple of positive integers, got {feature_shape!r}"
            )
        try:
            feature_dtype = np.dtype(feature_dtype)
        except TypeError as exc:
            raise TypeError(f"feature_dtype must be a NumPy dtype, got {feature_dtype!r}") from exc
        if feature_dtype.kind not in "fc":
            raise TypeError(f"feature_dtype must be a float or complex dtype, got {feature_dtype}")
        return cls(
            np.zeros(feature_shape, dtype=feature_dtype),
            0,
            np.full(n_features, np.inf),
            np.full(n_features, -np.inf),
            np.zeros(n_features),
            np.zeros(n_features),
            operator_id,
            operator,
        )

    def _check_mergeable(self, other):
        if not isinstance(other, Sketch):
            raise TypeError(f"can only merge a Sketch with a Sketch, got {type(other).__name__}")
        self.validate()
        other.validate()
        if other.operator_id != self.operator_id:
            raise ValueError(
                "cannot merge sketches of different operators "
                f"({self.operator_id!r} and {other.operator_id!r}): sketch every chunk with "
                "the same fitted operator (fit it once, then pickle it to the workers)"
            )
        if other.feature_sum.shape != self.feature_sum.shape or (
            other.n_features != self.n_features
        ):
            raise ValueError(
                "cannot merge sketches of different shapes: "
                f"{self.feature_sum.shape} and {other.feature_sum.shape}"
            )

    def __add__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # so that sum(sketches) works
        self._check_mergeable(other)
        return Sketch(
            *_merge_stats(self.stats, other.stats),
            self.operator_id,
            self.operator if self.operator is not None else other.operator,
            noise_var=self.noise_var + other.noise_var,
            count_noise_var=self.count_noise_var + other.count_noise_var,
        )

    __radd__ = __add__

    def __eq__(self, other):
        if not isinstance(other, Sketch):
            return NotImplemented
        return (
            self.operator_id == other.operator_id
            and self.n_samples == other.n_samples
            and np.array_equal(self.feature_sum, other.feature_sum)
            and np.array_equal(self.data_min, other.data_min, equal_nan=True)
            and np.array_equal(self.data_max, other.data_max, equal_nan=True)
            and np.array_equal(self.data_mean, other.data_mean, equal_nan=True)
            and np.array_equal(self.data_m2, other.data_m2, equal_nan=True)
            and self.noise_var == other.noise_var
            and self.count_noise_var == other.count_noise_var
        )

    __hash__ = None

    def __repr__(self):
        private = ", private" if self.is_private else ""
        return (
            f"Sketch(n_samples={self.n_samples}, n_features={self.n_features}, "
            f"shape={self.feature_sum.shape}, operator_id={self.operator_id!r}{private})"
        )

    def to_dict(self):
        """Return the sketch as a dict of NumPy arrays and scalars, with its operator.

        The dict holds no Python object beyond strings and numbers, so it can be written
        with :func:`numpy.savez`, JSON or any array store, and read back anywhere with
        :meth:`from_dict`.

        Returns
        -------
        state : dict
        """
        state = {
            "format_version": _FORMAT_VERSION,
            "feature_sum": self.feature_sum,
            "n_samples": self.n_samples,
            "data_min": self.data_min,
            "data_max": self.data_max,
            "data_mean": self.data_mean,
            "data_m2": self.data_m2,
            "operator_id": self.operator_id,
            "noise_var": self.noise_var,
            "count_noise_var": self.count_noise_var,
        }
        if self.operator is not None:
            op = self.operator
            state["operator_class"] = f"{type(op).__module__}.{type(op).__qualname__}"
            for key, value in op._to_state().items():
                state[f"operator.{key}"] = value
        return state

    @classmethod
    def from_dict(cls, state):
        """Rebuild a sketch (and its operator) from :meth:`to_dict`'s output.

        The state is checked before anything is built from it: the format version, the
        set of keys, the operator's class (a skfrugal sketch operator, imported by name,
        never unpickled), its parameters and state, and the identifier, recomputed from
        the stored state, against the sketch's.

        Parameters
        ----------
        state : dict
            As returned by :meth:`to_dict` (or loaded from a ``.npz`` file).

        Returns
        -------
        sketch : Sketch

        Raises
        ------
        ValueError
            If the state is not a complete, consistent sketch of a known operator.
        """
        from collections.abc import Mapping

        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a dict, got {type(state).__name__}")
        state = {k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v)
                 for k, v in state.items()}
        version = state.get("format_version")
        if version != _FORMAT_VERSION:
            raise ValueError(
                f"unsupported sketch format version {version!r} (this version reads "
                f"{_FORMAT_VERSION})"
            )
        missing = [k for k in _STATE_KEYS if k not in state]
        if missing:
            raise ValueError(f"the sketch state lacks {', '.join(missing)}")
        unknown = [k for k in state if k not in _STATE_KEYS + _OPTIONAL_STATE_KEYS
                   and k != "operator_class" and not str(k).startswith("operator.")]
        if unknown:
            raise ValueError(f"the sketch state has unknown entries {sorted(map(str, unknown))}")
        operator_keys = [k for k in state if str(k).startswith("operator.")]
        if operator_keys and "operator_class" not in state:
            raise ValueError("the sketch state has operator entries but no operator_class")
        for key in ("operator_id", "operator_class"):
            if key in state and not isinstance(state[key], str):
                raise ValueError(f"{key} must be a string, got {state[key]!r}")
        operator = None
        if "operator_class" in state:
            prefix = "operator."
            operator = _operator_from_state(
                state["operator_class"],
                {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)},
            )
            if operator.operator_id_ != state["operator_id"]:
                raise ValueError(
                    "the stored operator does not match the sketch's operator_id (its state "
                    "hashes to another identifier): the file was changed after it was saved"
                )
        return cls(
            state["feature_sum"],
            state["n_samples"],
            state["data_min"],
            state["data_max"],
            state["data_mean"],
            state["data_m2"],
            state["operator_id"],
            operator,
            noise_var=state.get("noise_var", 0.0),
            count_noise_var=state.get("count_noise_var", 0.0),
        )

    def save(self, file):
        """Write the sketch and its operator to a ``.npz`` file (no pickle inside).

        Parameters
        ----------
        file : str, os.PathLike or file-like
            Destination, as for :func:`numpy.savez`.
        """
        np.savez(file, **self.to_dict())

    @classmethod
    def load(cls, file):
        """Read a sketch written by :meth:`save`.

        Parameters
        ----------
        file : str, os.PathLike or file-like
            Source, as for :func:`numpy.load`.

        Returns
        -------
        sketch : Sketch

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        ValueError
            If the file is not a sketch saved by :meth:`save` (truncated, corrupted, of
            another format, or changed after it was saved); the message names the file
            and what is wrong.
        """
        name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else getattr(
            file, "name", repr(file))
        try:
            with np.load(file, allow_pickle=False) as data:
                if not hasattr(data, "files"):
                    raise ValueError("it holds a single array, not a saved sketch")
                state = {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise
        except Exception as exc:  # zip, zlib, EOF, format errors: all mean a bad file
            raise ValueError(
                f"cannot read a sketch from {name}: the file is not a sketch saved by "
                f"Sketch.save, or it is truncated or corrupted ({type(exc).__name__}: {exc})"
            ) from exc
        try:
            return cls.from_dict(state)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name} does not hold a valid sketch: {exc}") from exc


def _operator_from_state(path, op_state):
    """Rebuild a sketch operator of class ``path`` from its saved state, or refuse."""
    from skfrugal.sketching._operator import SketchOperatorMixin

    module_name, _, class_name = path.rpartition(".")
    if not module_name.startswith("skfrugal."):
        raise ValueError(f"refusing to load an operator of foreign class {path!r}")
    try:
        op_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"unknown operator class {path!r}") from exc
    if not (isinstance(op_class, type) and issubclass(op_class, SketchOperatorMixin)):
        raise ValueError(f"{path!r} is not a sketch operator class")
    attributes = op_class._state_attributes
    if isinstance(attributes, property):  # they depend on the operator's parameters
        try:
            attributes = op_class._unfitted_from_state(op_state)._state_attributes
        except (TypeError, ValueError) as exc:
            raise ValueError(f"invalid operator parameters: {exc}") from exc
    required = ["n_features_in_", *attributes]
    missing = [k for k in required if k not in op_state]
    if missing:
        raise ValueError(
            f"the operator state lacks {', '.join('operator.' + k for k in missing)}")
    optional = [k for k in op_class._optional_state_attributes if k in op_state]
    unknown = [k for k in op_state
               if k not in required and k not in optional and not k.startswith("param.")]
    if unknown:
        raise ValueError(f"the operator state has unknown entries "
                         f"{sorted('operator.' + k for k in unknown)}")
    for key in (*required, *optional):
        value = np.asarray(op_state[key])
        if value.dtype.kind not in "fiu":
            raise ValueError(f"operator.{key} must be numeric, got dtype {value.dtype}")
    n_features = op_state["n_features_in_"]
    if isinstance(n_features, (bool, np.bool_)) or not isinstance(
            n_features, (numbers.Integral, np.integer)) or n_features < 1:
        raise ValueError(f"operator.n_features_in_ must be a positive integer, got "
                         f"{n_features!r}")
    try:
        operator = op_class._from_state(op_state)
        operator._validate_params()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid operator state: {exc}") from exc
    return operator
