"""What every estimator decoded from a sketch shares: fit, partial_fit, fit_sketch.

:class:`CompressiveMixin` gives :meth:`~CompressiveMixin.fit` (one pass over NumPy,
memmap or Dask data), :meth:`~CompressiveMixin.partial_fit` (stream chunks into one
sketch, atomically) and :meth:`~CompressiveMixin.fit_sketch` (decode a sketch made
elsewhere) to the compressive estimators; each subclass says how to make its sketch
operator and how to decode a sketch.
"""

import time
from contextlib import contextmanager

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from skfrugal.sketching._dask import is_dask_array
from skfrugal.sketching._validation import check_sketch

_SEED_MAX = np.iinfo(np.int32).max


@contextmanager
def atomic_update(estimator):
    """Restore the estimator's attributes if the block raises (or is interrupted).

    Every update of a compressive estimator rebinds attributes (a merged sketch is a
    new :class:`~skfrugal.sketching.Sketch`), so a shallow copy of ``__dict__`` is
    enough to undo a failed one.
    """
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


class CompressiveMixin:
    """Fitting of an estimator decoded from a mergeable sketch.

    The lifecycle is the same for every compressive estimator: make and fit a sketch
    operator on the data, sketch the data in one pass, decode the model from the sketch.
    Subclasses provide:

    - ``_operator_class``: the sketch operator type :meth:`fit_sketch` accepts;
    - ``_new_sketcher(X, seed)``: a sketch operator fitted on ``X`` (``seed`` is an int
      drawn from ``random_state``, for operators that draw random projections);
    - ``_decode(sketch, random_state, warm_start)``: set the fitted attributes from the
      sketch (``warm_start`` is True when :meth:`partial_fit` decodes a grown sketch
      and the previous model may serve as a starting point);

    and may override:

    - ``_validate_fit_input(X, reset)``: validation of in-memory data (default:
      ``validate_data`` with float64/float32);
    - ``_check_n_samples(n_samples)``: raise on too few samples;
    - ``_check_operator(operator)``: raise (or warn) when the operator of a sketch
      given to :meth:`fit_sketch` does not suit the estimator (e.g. a sketch too small;
      ``_new_sketcher`` checks the operators it makes itself);
    - ``_ready_to_decode(sketch)``: False while a stream is too short to decode (the
      sketch is then kept, the model not updated);
    - ``_fit_data(X)`` and ``_data_attributes``: attributes that need the training data
      (e.g. labels, or passes that refine the model), computed by :meth:`fit` only and
      deleted by the other routes, which call ``_without_data()`` instead.

    Every update is atomic: when decoding fails (or is interrupted), the estimator's
    sketch and model stay as they were, so a retried :meth:`partial_fit` counts its
    chunk once.
    """

    _operator_class = None
    _data_attributes = ()

    # -- hooks with defaults -------------------------------------------------------------
    def _validate_fit_input(self, X, reset):
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)

    def _check_n_samples(self, n_samples):
        """Raise when ``n_samples`` is too few to fit (nothing by default)."""

    def _check_operator(self, operator):
        """Raise or warn when the operator does not suit the estimator (nothing by default)."""

    def _ready_to_decode(self, sketch):
        return True

    def _fit_data(self, X):
        """Set the attributes that need the training data (none by default)."""

    def _without_data(self):
        """Finish a fit that did not see the data (``partial_fit``, ``fit_sketch``, Dask)."""

    def _forget_data(self):
        for name in self._data_attributes:
            if hasattr(self, name):
                delattr(self, name)

    def _reset_features(self, n_features):
        """Set ``n_features_in_`` for data that was not validated here (no names)."""
        self.n_features_in_ = n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _store(self, sketch, random_state, warm_start, rows=None, sketch_seconds=None):
        """Keep ``sketch`` and decode it; with ``verbose``, report the rates."""
        self.sketch_ = sketch
        self.sketcher_ = sketch.operator
        start = time.perf_counter()
        decoded = self._ready_to_decode(sketch)
        if decoded:
            self._decode(sketch, random_state, warm_start)
        self._forget_data()
        if getattr(self, "verbose", 0):
            done = (f"decoded in {time.perf_counter() - start:.2f} s" if decoded
                    else "not decoded yet")
            if rows is not None:
                rate = rows / max(sketch_seconds, 1e-9)
                done = (f"sketched {rows:,} rows in {sketch_seconds:.2f} s ({rate:,.0f} "
                        f"rows/s), {done}")
            print(f"[{type(self).__name__}] {done}", flush=True)

    # -- the three routes ----------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Sketch X in one pass and decode the model from the sketch.

        Parameters
        ----------
        X : {array-like, numpy.memmap, dask.array.Array} of shape (n_samples, n_features)
            Training data. Memmaps are read batch by batch; a Dask array is sketched on
            its cluster (attributes that need the data, such as ``labels_``, are then
            not computed).
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with atomic_update(self):
            rng = check_random_state(self.random_state)
            dask_input = is_dask_array(X)
            if dask_input:
                X = self._operator_class()._check_stream(X)
                self._reset_features(X.shape[1])
            else:
                X = self._validate_fit_input(X, reset=True)
            self._check_n_samples(X.shape[0])
            start = time.perf_counter()
            operator = self._new_sketcher(X, rng.randint(_SEED_MAX))
            sketch = operator.sketch(X)
            self._store(sketch, rng, warm_start=False, rows=X.shape[0],
                        sketch_seconds=time.perf_counter() - start)
            if dask_input:
                self._without_data()
            else:
                self._fit_data(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Add a chunk of data to the sketch and decode the model again.

        The first call fits the sketch operator on the chunk: make it representative.
        Memory does not grow with the number of chunks; each call costs one sketch of
        the chunk plus one decoding. The update is atomic: if decoding fails or is
        interrupted, the sketch and the model stay as they were (a retry counts the
        chunk once).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of the stream.
        y : None
            Ignored.

        Returns
        -------
        self : object
            Updated estimator (attributes that need the data, such as ``labels_``, are
            not set).
        """
        with atomic_update(self):
            first = not hasattr(self, "sketch_")
            rng = check_random_state(self.random_state)
            seed = rng.randint(_SEED_MAX)  # drawn on every call: the same decoder stream
            X = self._validate_fit_input(X, reset=first)
            start = time.perf_counter()
            if first:
                self._check_n_samples(X.shape[0])
                sketch = self._new_sketcher(X, seed).sketch(X)
            else:
                sketch = self.sketch_ + self.sketcher_.sketch(X)
            self._store(sketch, rng, warm_start=not first, rows=X.shape[0],
                        sketch_seconds=time.perf_counter() - start)
            self._without_data()
        return self

    def fit_sketch(self, sketch):
        """Decode the model from a sketch computed elsewhere.

        Parameters
        ----------
        sketch : Sketch
            A sketch made by a fitted operator of the estimator's kind, e.g. the merge
            of sketches of chunks made on several machines, or one loaded with
            :meth:`Sketch.load <skfrugal.sketching.Sketch.load>`. The sketch's operator
            becomes ``sketcher_``; the estimator's own sketch parameters are not used.

        Returns
        -------
        self : object
            Fitted estimator (attributes that need the data, such as ``labels_``, are
            not set).
        """
        self._validate_params()
        with atomic_update(self):
            operator = check_sketch(sketch, self._operator_class)
            self._check_operator(operator)
            self._check_n_samples(sketch.n_samples)
            rng = check_random_state(self.random_state)
            rng.randint(_SEED_MAX)  # the same decoder stream as fit
            self._reset_features(sketch.n_features)
            self._store(sketch, rng, warm_start=False)
            self._without_data()
        return self

