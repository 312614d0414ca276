"""What every sketch operator shares: one-pass sketching, streaming, Dask, identity.

A sketch operator is a fitted estimator whose per-sample features are summed into a
:class:`~skfrugal.sketching.Sketch`. Subclasses (:class:`FourierSketcher`, the
covariance sketch of :mod:`skfrugal.covariance`) provide:

- ``_fit_operator(X, random_state)``: estimate and store the operator's fitted arrays;
- ``_state_attributes``: names of the fitted attributes that define the operator
  (they are hashed into ``operator_id_`` and travel with saved sketches; it may be a
  property of the parameters), ``_optional_state_attributes``: names of those that
  only some operators have (a dither, public bounds, privacy parameters), hashed and
  saved when present, and ``_restore_derived()`` if other fitted attributes are
  computed from them (called after loading);
- ``_chunk_function``: a module-level function ``f(X_chunk, **kwargs)`` returning
  ``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)``, and
  ``_chunk_kwargs()`` giving its keyword arguments;
- ``_feature_shape()`` and ``_complex_features``;

and may override ``_release(sketch)``, which turns the exact sketch of the data into
the sketch :meth:`~SketchOperatorMixin.sketch` returns (a private operator adds its
noise there), and ``_running_sketch_name``, the attribute in which
:meth:`~SketchOperatorMixin.partial_fit` accumulates the stream (``"sketch_"``).
"""

import hashlib
import numbers
import time

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.sketching._dask import is_dask_array, reduce_dask_chunks
from skfrugal.sketching._sketch import Sketch

# rows per progress report of a verbose operator's sketch
_REPORT_ROWS = 2**20


class SketchOperatorMixin:
    """Mixin giving an operator ``sketch``, ``partial_fit`` and a stable identity.

    See the module documentation for what a subclass provides.
    """

    _complex_features = True
    _state_attributes = ()
    _optional_state_attributes = ()
    _running_sketch_name = "sketch_"

    def _state_names(self):
        """The state attributes of this operator: the fixed ones, then the optional
        ones it has."""
        return tuple(self._state_attributes) + tuple(
            name for name in self._optional_state_attributes if hasattr(self, name))

    def _release(self, sketch):
        """The sketch :meth:`sketch` returns for the exact sketch of the data."""
        return sketch

    # -- identity and serialisation -------------------------------------------------
    def _compute_operator_id(self):
        digest = hashlib.blake2b(digest_size=12)
        digest.update(type(self).__name__.encode())
        for name in self._state_names():
            value = np.ascontiguousarray(np.asarray(getattr(self, name)))
            digest.update(name.encode())
            digest.update(str(value.dtype).encode() + str(value.shape).encode())
            digest.update(value.tobytes())
        return digest.hexdigest()

    def _to_state(self):
        state = {name: np.asarray(getattr(self, name)) for name in self._state_names()}
        state["n_features_in_"] = self.n_features_in_
        for key, value in self._simple_params().items():
            if value is None:  # an object array (cannot load without pickle): default
                continue
            state[f"param.{key}"] = value
        return state

    def _simple_params(self):
        return {
            k: v
            for k, v in self.get_params(deep=False).items()
            if v is None or isinstance(v, (str, numbers.Number, bool, np.generic))
        }

    @classmethod
    def _unfitted_from_state(cls, state):
        """An unfitted operator with the parameters stored in ``state`` (``param.*``)."""
        params = {
            k[len("param."):]: (np.asarray(v).item() if np.ndim(v) == 0 else v)
            for k, v in state.items()
            if k.startswith("param.")
        }
        params = {k: v for k, v in params.items() if k in cls().get_params(deep=False)}
        return cls(**params)

    @classmethod
    def _from_state(cls, state):
        op = cls._unfitted_from_state(state)
        optional = [name for name in cls._optional_state_attributes if name in state]
        for name in (*op._state_attributes, *optional):  # may depend on the parameters
            value = state[name]
            value = np.asarray(value)
            setattr(op, name, value.item() if value.ndim == 0 else value)
        op.n_features_in_ = int(np.asarray(state["n_features_in_"]))
        op._restore_derived()
        op.operator_id_ = op._compute_operator_id()
        return op

    def _restore_derived(self):
        """Rebuild the fitted attributes computed from the state ones (none by default)."""

    # -- sketching --------------------------------------------------------------------
    def _check_stream(self, X):
        """Validate X without copying it: shape, dtype and feature count.

        NumPy arrays (and memmaps) and Dask arrays are checked lazily, so that a huge
        array is never converted or copied as a whole; finiteness is checked batch by
        batch inside the chunk function. Anything else goes through ``validate_data``.
        """
        if is_dask_array(X) or isinstance(X, np.ndarray):
            if np.iscomplexobj(X):
                raise TypeError(
                    f"{type(self).__name__} does not support complex data, got dtype {X.dtype}"
                )
            if X.dtype.kind not in "fiub":
                raise TypeError(
                    f"{type(self).__name__} needs real numbers, got dtype {X.dtype}"
                )
            if X.ndim != 2:
                raise ValueError(
                    f"Expected a 2D array, got a {X.ndim}D array of shape {X.shape}; reshape "
                    "your data with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for "
                    "one sample"
                )
            if X.shape[0] < 1:
                raise ValueError(
                    f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
                    "is required"
                )
            if hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input"
                )
            return X
        return validate_data(
            self, X, reset=False, dtype=[np.float64, np.float32], ensure_min_samples=1
        )

    def sketch(self, X):
        """Sketch ``X`` in one pass with the fitted operator.

        Parameters
        ----------
        X : {array-like, numpy.memmap, dask.array.Array} of shape (n_samples, n_features)
            The data. NumPy arrays and memmaps are read batch by batch without a
            copy; a Dask array is sketched block by block on the active Dask scheduler
            or cluster and the block sums are merged by a tree reduction.

        Returns
        -------
        sketch : Sketch
            The sketch of ``X``; it carries this operator.
        """
        check_is_fitted(self)
        return self._release(self._exact_sketch(X))

    def _exact_sketch(self, X):
        """The exact sketch of ``X`` (what :meth:`sketch` returns before ``_release``)."""
        X = self._check_stream(X)
        kwargs = self._chunk_kwargs()
        if is_dask_array(X):
            stats = reduce_dask_chunks(
                X, type(self)._chunk_function, self._feature_shape(),
                complex_features=self._complex_features, **kwargs,
            )
        elif getattr(self, "verbose", 0) and X.shape[0] > _REPORT_ROWS:
            return self._sketch_reporting(X, kwargs)
        else:
            stats = type(self)._chunk_function(X, **kwargs)
        return Sketch(*stats, self.operator_id_, self)

    def _sketch_reporting(self, X, kwargs):
        """:meth:`sketch` by blocks of ``_REPORT_ROWS`` rows, printing the progress
        (the blocks' sketches are merged: the same sketch to float64 rounding)."""
        n = X.shape[0]
        name = type(self).__name__
        start = time.perf_counter()
        total = None
        for begin in range(0, n, _REPORT_ROWS):
            stop = min(n, begin + _REPORT_ROWS)
            part = Sketch(*type(self)._chunk_function(X[begin:stop], **kwargs),
                          self.operator_id_, self)
            total = part if total is None else total + part
            elapsed = max(time.perf_counter() - start, 1e-9)
            print(f"[{name}] {stop:,} / {n:,} rows, {stop / elapsed:,.0f} rows/s",
                  flush=True)
        return total

    def partial_fit(self, X, y=None):
        """Add ``X`` to the running sketch ``sketch_`` (fitting the operator on first call).

        The first call on an unfitted operator fits it on this chunk (scale, frequencies,
        standardisation): make the first chunk representative, or call :meth:`fit` on
        a sample first. Every later call only adds the chunk's sketch, so memory does
        not grow with the number of samples seen. A private
        :class:`~skfrugal.sketching.FourierSketcher` keeps the exact sums to itself
        instead of ``sketch_``, until its ``release()``.

        Parameters
        ----------
        X : {array-like, numpy.memmap, dask.array.Array} of shape (n_samples, n_features)
            A chunk of the stream.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The operator, with ``sketch_`` holding the sketch of all chunks seen.
        """
        if not hasattr(self, "operator_id_"):
            self._validate_params()
            if is_dask_array(X):  # validate_data sets it for the other inputs
                self.n_features_in_ = self._check_stream(X).shape[1]
            self._fit_operator(
                self._check_stream(X) if is_dask_array(X) else validate_data(
                    self, X, dtype=[np.float64, np.float32], ensure_min_samples=1),
                check_random_state(self.random_state),
            )
            self.operator_id_ = self._compute_operator_id()
        start = time.perf_counter()
        chunk_sketch = self._exact_sketch(X)
        name = self._running_sketch_name
        previous = getattr(self, name, None)
        running = chunk_sketch if previous is None else previous + chunk_sketch
        setattr(self, name, running)
        if getattr(self, "verbose", 0):
            rate = chunk_sketch.n_samples / max(time.perf_counter() - start, 1e-9)
            print(f"[{type(self).__name__}] partial_fit: {chunk_sketch.n_samples:,} rows at "
                  f"{rate:,.0f} rows/s; {running.n_samples:,} rows in the sketch",
                  flush=True)
        return self
