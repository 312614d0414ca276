"""The Sketch container: a mergeable summary of a data set under one sketch operator."""

import importlib

import numpy as np

from skfrugal.sketching._batch_moments import merge_moments

_FORMAT_VERSION = 1


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
    fs_a, n_a, min_a, max_a, mean_a, m2_a = a
    fs_b, n_b, min_b, max_b, mean_b, m2_b = b
    n, mean, m2 = merge_moments(n_a, mean_a, m2_a, n_b, mean_b, m2_b)
    return (fs_a + fs_b, n, np.minimum(min_a, min_b), np.maximum(max_a, max_b), mean, m2)


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
    by hand only to wrap sums computed elsewhere.

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
    ):
        self.feature_sum = np.asarray(feature_sum)
        self.n_samples = int(n_samples)
        self.data_min = np.asarray(data_min, dtype=np.float64)
        self.data_max = np.asarray(data_max, dtype=np.float64)
        self.data_mean = np.asarray(data_mean, dtype=np.float64)
        self.data_m2 = np.asarray(data_m2, dtype=np.float64)
        self.operator_id = str(operator_id)
        self.operator = operator
        if self.n_samples < 0:
            raise ValueError(f"n_samples must be >= 0, got {self.n_samples}")
        shapes = {a.shape for a in (self.data_min, self.data_max, self.data_mean, self.data_m2)}
        if len(shapes) != 1 or self.data_min.ndim != 1:
            raise ValueError(
                "data_min, data_max, data_mean and data_m2 must be 1-D arrays of the same "
                f"length, got shapes {sorted(shapes)}"
            )

    @property
    def n_features(self):
        return self.data_min.shape[0]

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
        if isinstance(other, int) and other == 0:  # so that sum(sketches) works
            return self
        self._check_mergeable(other)
        return Sketch(
            *merge_chunk_stats(self.stats, other.stats),
            self.operator_id,
            self.operator if self.operator is not None else other.operator,
        )

    __radd__ = __add__

    def __eq__(self, other):
        if not isinstance(other, Sketch):
            return NotImplemented
        return (
            self.operator_id == other.operator_id
            and self.n_samples == other.n_samples
            and np.array_equal(self.feature_sum, other.feature_sum)
            and np.array_equal(self.data_min, other.data_min)
            and np.array_equal(self.data_max, other.data_max)
            and np.array_equal(self.data_mean, other.data_mean)
            and np.array_equal(self.data_m2, other.data_m2)
        )

    __hash__ = None

    def __repr__(self):
        return (
            f"Sketch(n_samples={self.n_samples}, n_features={self.n_features}, "
            f"shape={self.feature_sum.shape}, operator_id={self.operator_id!r})"
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

        Parameters
        ----------
        state : dict
            As returned by :meth:`to_dict` (or loaded from a ``.npz`` file).

        Returns
        -------
        sketch : Sketch
        """
        state = {k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v)
                 for k, v in state.items()}
        version = state.get("format_version")
        if version != _FORMAT_VERSION:
            raise ValueError(f"unsupported sketch format version {version!r}")
        operator = None
        if "operator_class" in state:
            path = str(state["operator_class"])
            module_name, _, class_name = path.rpartition(".")
            if not module_name.startswith("skfrugal."):
                raise ValueError(f"refusing to load an operator of foreign class {path!r}")
            op_class = getattr(importlib.import_module(module_name), class_name)
            prefix = "operator."
            operator = op_class._from_state(
                {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
            )
            if operator.operator_id_ != state["operator_id"]:
                raise ValueError("the stored operator does not match the sketch's operator_id")
        return cls(
            state["feature_sum"],
            state["n_samples"],
            state["data_min"],
            state["data_max"],
            state["data_mean"],
            state["data_m2"],
            state["operator_id"],
            operator,
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
        """
        with np.load(file, allow_pickle=False) as data:
            return cls.from_dict({k: data[k] for k in data.files})
