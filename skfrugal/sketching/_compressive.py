"""What every estimator decoded from a Fourier sketch shares.

:class:`CompressiveFourierMixin` gives :meth:`fit` (one pass over NumPy, memmap or Dask
data), :meth:`partial_fit` (stream chunks into one sketch) and :meth:`fit_sketch` (decode
a sketch made elsewhere) to :class:`~skfrugal.cluster.CompressiveKMeans` and
:class:`~skfrugal.mixture.CompressiveGaussianMixture`; each subclass only says how big
a sketch it needs and how to decode it. :func:`decoder_inputs` turns a
:class:`~skfrugal.sketching.Sketch` into the plain arrays the decoders work on.
"""

import time
from dataclasses import dataclass

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from skfrugal.sketching._dask import is_dask_array
from skfrugal.sketching._sketcher import FourierSketcher
from skfrugal.sketching._validation import check_sketch

_SEED_MAX = np.iinfo(np.int32).max


@dataclass
class DecoderInputs:
    """A Fourier sketch in the standardised coordinates the decoders work in.

    Only the *active* features (those that vary in the sketched data) are kept: the
    phase of the constant ones is factored out of ``z``.

    Attributes
    ----------
    z : ndarray of shape (m,), complex128
        The sketch (mean of the features).
    frequencies : ndarray of shape (d_active, m)
        The frequencies of the active features.
    lower, upper : ndarray of shape (d_active,)
        Per-feature min and max of the sketched data (bounds of the centres).
    data_mean, data_var : ndarray of shape (d_active,)
        Per-feature mean and variance of the sketched data.
    scale : float
        The operator's squared kernel bandwidth ``σ̄²``.
    active : ndarray of shape (d,), bool
        Which features vary.
    centre : ndarray of shape (d,)
        Per-feature mean of the data, standardised (the value of inactive features).
    mean, std : ndarray of shape (d,)
        The operator's standardisation ``x̃ = (x - mean) / std``.
    """

    z: np.ndarray
    frequencies: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    data_mean: np.ndarray
    data_var: np.ndarray
    scale: float
    active: np.ndarray
    centre: np.ndarray
    mean: np.ndarray
    std: np.ndarray

    def spherical_metric(self):
        """Per-feature factor ``g`` of atoms spherical in the data's units.

        A variance ``s²`` in the data's units is ``s² / std_l²`` in standardised
        units; ``g`` is ``1 / std²`` on the active features, normalised to mean one.
        """
        metric = 1.0 / self.std[self.active] ** 2
        return metric / metric.mean()

    def to_data_units(self, centers):
        """Map centres of the active standardised features back to the data's units.

        Parameters
        ----------
        centers : ndarray of shape (K, d_active)

        Returns
        -------
        centers : ndarray of shape (K, d)
        """
        full = np.tile(self.centre, (centers.shape[0], 1))
        full[:, self.active] = centers
        return self.mean + self.std * full


def decoder_inputs(sketch):
    """Prepare a sketch of a fitted :class:`FourierSketcher` for the decoders.

    Parameters
    ----------
    sketch : Sketch
        A non-empty sketch of a fitted :class:`FourierSketcher`.

    Returns
    -------
    inputs : DecoderInputs or None
        ``None`` when no feature varies (every sample is the same point).

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import FourierSketcher
    >>> from skfrugal.sketching._compressive import decoder_inputs
    >>> X = np.random.default_rng(0).normal(size=(500, 3))
    >>> X[:, 1] = 2.0  # a constant feature
    >>> sketch = FourierSketcher(sketch_size=20, random_state=0).fit(X).sketch(X)
    >>> inputs = decoder_inputs(sketch)
    >>> inputs.active.tolist(), inputs.frequencies.shape
    ([True, False, True], (2, 20))
    """
    op = sketch.operator
    mean, std = op.mean_, op.std_
    z = np.asarray(sketch.mean, dtype=np.complex128)
    omega = np.asarray(op.frequencies_, dtype=np.float64)
    lower = (sketch.data_min - mean) / std
    upper = (sketch.data_max - mean) / std
    centre = (sketch.data_mean - mean) / std
    var = sketch.data_var / std**2
    active = (upper - lower) > 1e-12 * np.maximum(1.0, np.abs(centre))
    if not np.any(active):
        return None
    if not np.all(active):  # constant features: factor their phase out of the sketch
        z = z * np.exp(1j * (centre[~active] @ omega[~active]))
        omega = omega[active]
    return DecoderInputs(
        z=z, frequencies=omega, lower=lower[active], upper=upper[active],
        data_mean=centre[active], data_var=var[active], scale=float(op.scale_),
        active=active, centre=centre, mean=mean, std=std,
    )


class CompressiveFourierMixin:
    """Fitting of an estimator decoded from a :class:`FourierSketcher` sketch.

    Subclasses define ``_n_atoms`` and ``_atoms_name`` (the number of clusters or
    components and the name of its parameter), ``_default_sketch_size(n_features)``,
    ``_check_sketch_size(m, n_features)`` (raise or warn), ``_decode(sketch, rng)``
    (set the fitted attributes) and may define ``_fit_data(X)`` (attributes computed
    on the training data, e.g. labels; not called for Dask input), and
    ``_forget_data()`` (delete them when the model is refitted without data). They
    need the parameters ``sketch_size``, ``frequency_law``, ``scale``,
    ``batch_size``, ``dtype`` and ``random_state``.
    """

    def _fit_data(self, X):
        """Set the attributes that need the training data (none by default)."""

    def _forget_data(self):
        """Delete the attributes that need the training data (none by default)."""

    def _check_n_samples(self, n_samples):
        K = self._n_atoms
        if n_samples < max(2, K):
            raise ValueError(
                f"n_samples={n_samples} should be >= 2 and >= {self._atoms_name}={K}"
            )

    def _new_sketcher(self, n_features, seed):
        if self.sketch_size is None:
            m = self._default_sketch_size(n_features)
        else:
            m = int(self.sketch_size)
        self._check_sketch_size(m, n_features)
        return FourierSketcher(
            sketch_size=m,
            frequency_law=self.frequency_law,
            scale=self.scale,
            scale_n_clusters=self._n_atoms,
            standardize=True,
            batch_size=self.batch_size,
            dtype=self.dtype,
            n_jobs=getattr(self, "n_jobs", None),
            verbose=getattr(self, "verbose", 0),
            random_state=seed,
        )

    def _decode_reporting(self, sketch, rng, rows=None, sketch_seconds=None):
        """``_decode``, reporting the sketching rate and the decoding time if verbose."""
        start = time.perf_counter()
        self._decode(sketch, rng)
        if getattr(self, "verbose", 0):
            name = type(self).__name__
            done = f"decoded in {time.perf_counter() - start:.2f} s"
            if rows is not None:
                rate = rows / max(sketch_seconds, 1e-9)
                done = (f"sketched {rows:,} rows in {sketch_seconds:.2f} s ({rate:,.0f} "
                        f"rows/s), {done}")
            print(f"[{name}] {done}", flush=True)

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
        rng = check_random_state(self.random_state)
        dask_input = is_dask_array(X)
        if dask_input:
            X = FourierSketcher()._check_stream(X)
            self.n_features_in_ = X.shape[1]
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            X = validate_data(self, X, dtype=[np.float64, np.float32])
        self._check_n_samples(X.shape[0])
        start = time.perf_counter()
        self.sketcher_ = self._new_sketcher(X.shape[1], rng.randint(_SEED_MAX)).fit(X)
        self.sketch_ = self.sketcher_.sketch(X)
        self._decode_reporting(self.sketch_, rng, X.shape[0], time.perf_counter() - start)
        self._forget_data()
        if not dask_input:
            self._fit_data(X)
        return self

    def partial_fit(self, X, y=None):
        """Add a chunk of data to the sketch and decode the model again.

        The first call fits the sketch operator (standardisation, scale, frequencies)
        on the chunk: make it representative. Memory does not grow with the number of
        chunks; each call costs one sketch of the chunk plus one decoding. To decode
        only once, stream the chunks into
        :meth:`FourierSketcher.partial_fit <skfrugal.sketching.FourierSketcher.partial_fit>`
        and call :meth:`fit_sketch` on its ``sketch_``.

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
        first = not hasattr(self, "sketcher_")
        if first:
            self._validate_params()
        rng = check_random_state(self.random_state)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        start = time.perf_counter()
        if first:
            self._check_n_samples(X.shape[0])
            self.sketcher_ = self._new_sketcher(X.shape[1], rng.randint(_SEED_MAX)).fit(X)
            self.sketch_ = self.sketcher_.sketch(X)
        else:
            rng.randint(_SEED_MAX)  # the same decoder stream as fit
            self.sketch_ = self.sketch_ + self.sketcher_.sketch(X)
        self._decode_reporting(self.sketch_, rng, X.shape[0], time.perf_counter() - start)
        self._forget_data()
        return self

    def fit_sketch(self, sketch):
        """Decode the model from a sketch computed elsewhere.

        Parameters
        ----------
        sketch : Sketch
            A sketch made by a fitted :class:`~skfrugal.sketching.FourierSketcher`
            (with ``standardize=True`` or not), e.g. the merge of sketches of chunks
            made on several machines, or one loaded with
            :meth:`Sketch.load <skfrugal.sketching.Sketch.load>`. The sketch's
            operator becomes ``sketcher_``; the estimator's own sketch parameters
            (``sketch_size``, ``frequency_law``, ``scale``, ``batch_size``, ``dtype``)
            are not used.

        Returns
        -------
        self : object
            Fitted estimator (attributes that need the data, such as ``labels_``, are
            not set).
        """
        self._validate_params()
        op = check_sketch(sketch, FourierSketcher)
        d, m = op.frequencies_.shape
        self._check_sketch_size(m, d)
        self._check_n_samples(sketch.n_samples)
        rng = check_random_state(self.random_state)
        rng.randint(_SEED_MAX)  # the same decoder stream as fit
        self.sketcher_ = op
        self.sketch_ = sketch
        self.n_features_in_ = d
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._decode_reporting(sketch, rng)
        self._forget_data()
        return self
