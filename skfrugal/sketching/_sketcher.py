"""FourierSketcher: random Fourier features and one-pass sketches."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.sketching._dask import is_dask_array
from skfrugal.sketching._features import check_n_jobs, fourier_features, sketch_chunk
from skfrugal.sketching._frequencies import FREQUENCY_LAWS, draw_frequencies, draw_radii
from skfrugal.sketching._operator import SketchOperatorMixin
from skfrugal.sketching._scale import estimate_scale
from skfrugal.sketching._structured import (
    StructuredFrequencies,
    draw_structured,
    structured_frequencies,
)

# rows of the subsample on which scale="auto" is estimated
_SCALE_SAMPLES = 10000
# rows (at most) from which the robust range is estimated, and its quantiles
_BOUNDS_SAMPLES = 100_000
ROBUST_QUANTILES = (0.001, 0.999)


def robust_range(sample):
    """Per-feature ``ROBUST_QUANTILES`` (0.1% and 99.9%) of a sample, shape (2, d).

    Decoders keep the centres they fit inside this range: a few outliers stretch the
    minimum and maximum, and centres searched in that box end up on its corners.
    """
    return np.quantile(np.asarray(sample, dtype=np.float64), ROBUST_QUANTILES, axis=0)


def fourier_sketch_chunk(X, frequencies, mean, std, dtype="float32", batch_size=None,
                         n_jobs=1):
    """Sketch statistics of one chunk under a Fourier operator (runs on Dask workers).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        A chunk of samples.
    frequencies : ndarray of shape (n_features, sketch_size) or StructuredFrequencies
        ``Ω`` in standardised coordinates.
    mean, std : ndarray of shape (n_features,)
        Standardisation ``x̃ = (x - mean) / std``.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the projection and the trigonometric functions.
    batch_size : int, default=None
        Rows per batch.
    n_jobs : int, default=1
        Threads (float32 only; the same result whatever ``n_jobs``).

    Returns
    -------
    stats : tuple
        ``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)``; see
        :func:`sketch_chunk`.
    """
    return sketch_chunk(X, _standardized(frequencies, std), mean, np.dtype(dtype), batch_size,
                        n_jobs=n_jobs)


def _standardized(frequencies, std):
    """``Ω / std[:, None]``: the frequencies applied to centred, unscaled samples."""
    if isinstance(frequencies, StructuredFrequencies):
        return frequencies.divide_rows(std)
    return frequencies / std[:, None]


class FourierSketcher(
    SketchOperatorMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Random Fourier features, and one-pass mergeable sketches of data sets.

    The sketch of ``n`` samples is ``z_j = (1/n) Σ_i exp(-i ω_jᵀ x̃_i)`` for ``m``
    frequencies ``ω_j`` (the empirical characteristic function of the standardised
    data ``x̃ = (x - mean_) / std_`` at ``m`` points, i.e. a random-feature kernel mean
    embedding). :meth:`sketch` returns it as a :class:`Sketch` computed in one pass
    over batches (memory ``O(batch_size × m)``, independent of ``n``), on NumPy
    arrays, memmaps or Dask arrays; :meth:`partial_fit` accumulates a stream into
    ``sketch_``. :meth:`transform` returns the per-sample features, so the sketcher
    also serves as a kernel approximation in a pipeline, like
    :class:`~sklearn.kernel_approximation.RBFSampler`.

    Parameters
    ----------
    sketch_size : int, default=1000
        Number of frequencies ``m``; the sketch has ``m`` complex entries and
        :meth:`transform` returns ``2m`` real features. Compressive k-means wants
        about ``10·K·d``, Gaussian mixtures ``5·(2d+1)·K``.
    operator : {"dense", "structured"}, default="dense"
        How the frequencies are drawn and applied. ``"dense"``: i.i.d. directions
        uniform on the sphere, applied as a ``d × m`` matrix, ``O(d m)`` per sample.
        ``"structured"``: blocks of ``d'`` frequencies (``d`` padded to a power of
        two, at least 32) whose directions are the rows of ``H D₃ H D₂ H D₁``
        (Walsh-Hadamard ``H``, random sign diagonals ``Dₖ``) restricted to the ``d``
        features and normalised; their radii follow ``frequency_law`` exactly as for
        ``"dense"``. Applied with fast Walsh-Hadamard transforms, ``O(m log d)`` per
        sample: it pays from ``d ≈ 64`` (m = 4096, CPU time against the dense fused
        kernel: the sketch pass 1.8, 3.4 and 16 times faster at ``d = 64``, 256 and
        1024, the projection alone 2.3, 6.7 and 27 times; the same sketch
        information for compressive k-means; see the user guide).
    frequency_law : {"adapted_radius", "folded_gaussian", "gaussian"}, \
            default="adapted_radius"
        Law of the frequency radius (see :func:`draw_frequencies`). The adapted-radius
        law works in any dimension; the Gaussian law fails beyond ``d ≈ 10``.
    scale : "auto" or float, default="auto"
        The squared kernel bandwidth ``σ̄²`` (the intra-cluster variance the
        frequencies are tuned for), in standardised units when ``standardize=True``.
        ``"auto"`` estimates it with :func:`estimate_scale` on a subsample at fit.
    scale_n_clusters : int, default=None
        Number of clusters ``scale="auto"`` may assume (passed to
        :func:`estimate_scale` as ``n_clusters``; ``None``: unknown). The compressive
        estimators set it to their number of clusters or components.
    standardize : bool, default=True
        Centre and scale each feature by the mean and standard deviation seen at fit
        before projecting, so that an isotropic frequency law suits anisotropic data.
    batch_size : "auto" or int, default="auto"
        Rows per batch; ``"auto"``: ``2^24 / sketch_size`` rows (1024 to 65536) in
        float32, about 4 MB of phases in float64.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the projection and trigonometric functions. ``"float32"`` runs
        the fused kernel (projection, vectorised sine-cosine and sums in one pass,
        more than 50 times faster than ``"float64"``): each feature, accurate to
        about ``2e-7 + 6e-8 · |ωᵀx̃|``, is rounded to a multiple of ``2^-24`` and the
        sums are exact integers, so the sketch is the same bit for bit whatever the
        batching, chunking or ``n_jobs``. ``"float64"`` sums float64 features in
        float64 (chunkings then agree to float64 rounding).
    n_jobs : int, default=None
        Threads that share the sketching of each batch (``dtype="float32"``); ``None``
        means 1, ``-1`` all CPUs. The sketch is the same, bit for bit, whatever
        ``n_jobs``.
    verbose : int, default=0
        If positive, :meth:`sketch` and :meth:`partial_fit` report the rows sketched
        and the rows per second as they stream through NumPy arrays and memmaps.
    random_state : int, RandomState instance or None, default=None
        Seed of the frequencies and of the scale estimation. The same seed on the same
        fit data gives the same operator (the same ``operator_id_``) on any machine.

    Attributes
    ----------
    frequencies_ : ndarray of shape (`n_features_in_`, sketch_size)
        The frequency matrix ``Ω`` in standardised coordinates (for
        ``operator="structured"``, the structured blocks written out; the sketch
        itself is computed with the fast transforms).
    signs_ : ndarray of shape (n_blocks, 3, block_size), int8
        ``operator="structured"`` only: the sign diagonals ``D₁, D₂, D₃`` of each block.
    radii_ : ndarray of shape (sketch_size,)
        ``operator="structured"`` only: the radius of each frequency drawn from
        ``frequency_law`` at unit scale (``‖ω_j‖ = radii_[j] / sqrt(scale_)``).
    mean_ : ndarray of shape (`n_features_in_`,)
        Centre subtracted before projection (zeros when ``standardize=False``).
    std_ : ndarray of shape (`n_features_in_`,)
        Per-feature scale (ones when ``standardize=False``; 1 for constant features).
    scale_ : float
        The ``σ̄²`` used to draw the frequencies.
    robust_range_ : ndarray of shape (2, `n_features_in_`)
        Per-feature 0.1% and 99.9% quantiles of the fit data (of at most 100 000
        evenly spaced rows; of a random subsample of 20 000 rows for Dask input), the
        range decoders keep centres in.
    operator_id_ : str
        Identifier of the operator (a hash of ``frequencies_``, or of ``signs_`` and
        ``radii_``, with ``mean_``, ``std_``, ``scale_`` and ``robust_range_``);
        sketches merge only when their operators' identifiers agree.
    sketch_ : Sketch
        The running sketch of all data passed to :meth:`partial_fit`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when they are all strings.

    See Also
    --------
    Sketch : The mergeable container returned by :meth:`sketch`.
    estimate_scale : How ``scale="auto"`` is estimated.
    sklearn.kernel_approximation.RBFSampler : Random Fourier features for the Gaussian
        kernel.

    Notes
    -----
    Sign convention: the per-sample feature is ``exp(-i Ωᵀx̃)``, in real form
    ``[cos(Ωᵀx̃), -sin(Ωᵀx̃)]``. :meth:`transform` divides it by ``sqrt(m)`` so that
    inner products of features approximate the kernel; the sketch is the plain mean,
    ``sketch(X).mean == sqrt(m) * (T[:, :m] + 1j * T[:, m:]).mean(axis=0)`` with
    ``T = transform(X)``.

    References
    ----------
    .. [1] N. Keriven, A. Bourrier, R. Gribonval, P. Pérez, "Sketching for large-scale
       learning of mixture models", Information and Inference, 2018.
    .. [2] R. Gribonval et al., "Sketching data sets for large-scale learning", IEEE
       Signal Processing Magazine, 2021.
    .. [3] A. Chatalic, R. Gribonval, N. Keriven, "Large-scale high-dimensional
       clustering with fast sketching", ICASSP 2018.
    .. [4] F. X. Yu, A. T. Suresh, K. Choromanski, D. Holtmann-Rice, S. Kumar,
       "Orthogonal random features", NeurIPS 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import FourierSketcher
    >>> X = np.random.default_rng(0).normal(size=(10_000, 3))
    >>> sketcher = FourierSketcher(sketch_size=100, random_state=0).fit(X)
    >>> sketch = sketcher.sketch(X)
    >>> sketch.mean.shape, sketch.n_samples
    ((100,), 10000)
    >>> sketcher.transform(X[:5]).shape
    (5, 200)
    >>> halves = sketcher.sketch(X[:5000]) + sketcher.sketch(X[5000:])
    >>> bool(np.allclose(halves.mean, sketch.mean))
    True

    The structured operator gives the same features as its written-out frequencies:

    >>> fast = FourierSketcher(sketch_size=100, operator="structured",
    ...                        random_state=0).fit(X)
    >>> fast.signs_.shape  # four blocks of 32 frequencies (d=3 padded to 32)
    (4, 3, 32)
    >>> omega = fast.frequencies_ / fast.std_[:, None]
    >>> dense_sum = np.exp(-1j * ((X - fast.mean_) @ omega)).sum(axis=0)
    >>> bool(np.abs(fast.sketch(X).feature_sum - dense_sum).max() < 1e-6 * len(X))
    True
    """

    _parameter_constraints: dict = {
        "sketch_size": [Interval(Integral, 1, None, closed="left")],
        "operator": [StrOptions({"dense", "structured"})],
        "frequency_law": [StrOptions(set(FREQUENCY_LAWS))],
        "scale": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "scale_n_clusters": [None, Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    _chunk_function = staticmethod(fourier_sketch_chunk)

    def __init__(
        self,
        sketch_size=1000,
        *,
        operator="dense",
        frequency_law="adapted_radius",
        scale="auto",
        scale_n_clusters=None,
        standardize=True,
        batch_size="auto",
        dtype="float32",
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.sketch_size = sketch_size
        self.operator = operator
        self.frequency_law = frequency_law
        self.scale = scale
        self.scale_n_clusters = scale_n_clusters
        self.standardize = standardize
        self.batch_size = batch_size
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    @property
    def _state_attributes(self):
        # what defines the operator: the structured one is its signs and radii (the
        # dense matrix is computed from them), a few bytes per frequency in a file
        if self.operator == "structured":
            return ("signs_", "radii_", "mean_", "std_", "scale_", "robust_range_")
        return ("frequencies_", "mean_", "std_", "scale_", "robust_range_")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the operator: standardisation, scale and frequencies.

        Parameters
        ----------
        X : {array-like, dask.array.Array} of shape (n_samples, n_features)
            Training data, or a representative sample of it. For a Dask array the mean
            and standard deviation are computed exactly on the cluster and the scale is
            estimated on a random subsample of rows.
        y : None
            Ignored.

        Returns
        -------
        self : FourierSketcher
            The fitted operator (``sketch_`` is not set; see :meth:`partial_fit`).
        """
        if is_dask_array(X):
            X = self._check_stream(X)
            self._set_n_features(X.shape[1])
        else:
            X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=1)
        self._fit_operator(X, check_random_state(self.random_state))
        self.operator_id_ = self._compute_operator_id()
        if hasattr(self, "sketch_"):
            del self.sketch_
        return self

    def _set_n_features(self, n_features):
        self.n_features_in_ = n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _fit_operator(self, X, rng):
        n, d = X.shape
        if is_dask_array(X):
            import dask

            mean, std = dask.compute(X.mean(axis=0), X.std(axis=0))
            n_sub = min(n, 20000)
            rows = np.sort(rng.choice(n, n_sub, replace=False))
            sample = np.asarray(X[rows].compute(), dtype=np.float64)
            self.robust_range_ = robust_range(sample)
        else:
            # batched moments: no n x d temporary (sketch_chunk with no frequency)
            _, _, _, _, mean, m2 = sketch_chunk(X, np.zeros((d, 0)), np.zeros(d), np.float64)
            std = np.sqrt(m2 / n)
            sample = X
            # deterministic stride: the random stream of the frequencies is unchanged
            self.robust_range_ = robust_range(X[::max(1, -(-n // _BOUNDS_SAMPLES))])
        if self.standardize:
            std = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
            self.mean_, self.std_ = np.asarray(mean, dtype=np.float64), np.asarray(std)
        else:
            self.mean_, self.std_ = np.zeros(d), np.ones(d)
        if self.scale == "auto":
            if sample.shape[0] > _SCALE_SAMPLES:
                # the rows estimate_scale would draw, drawn here so that only they are
                # standardised (the same random stream as estimating on all of X)
                rows = rng.choice(sample.shape[0], _SCALE_SAMPLES, replace=False)
                sample = sample[np.sort(rows)]
            standardized = (np.asarray(sample, dtype=np.float64) - self.mean_) / self.std_
            if sample.shape[0] < 2 or not np.any(standardized.var(axis=0) > 0):
                self.scale_ = 1.0  # nothing to estimate from: one point or constant data
            else:
                self.scale_ = estimate_scale(
                    standardized, n_samples=_SCALE_SAMPLES,
                    n_clusters=self.scale_n_clusters, random_state=rng,
                )
        else:
            self.scale_ = float(self.scale)
        if self.operator == "structured":
            self.signs_, rows = draw_structured(self.sketch_size, d, rng)
            self.radii_ = draw_radii(self.sketch_size, d, self.frequency_law, rng)
            self._structured, self.frequencies_ = structured_frequencies(
                self.signs_, self.radii_, self.scale_, d, rows)
        else:
            for name in ("signs_", "radii_", "_structured"):  # from an earlier fit
                if hasattr(self, name):
                    delattr(self, name)
            self.frequencies_ = draw_frequencies(
                self.sketch_size, d, self.frequency_law, self.scale_, rng
            )

    def _restore_derived(self):
        if self.operator == "structured":
            self._structured, self.frequencies_ = structured_frequencies(
                self.signs_, self.radii_, self.scale_, self.n_features_in_)

    def _frequency_operator(self):
        """What the kernels apply: the dense matrix or the structured blocks."""
        return self._structured if self.operator == "structured" else self.frequencies_

    def _batch_size(self):
        return None if self.batch_size == "auto" else int(self.batch_size)

    def _chunk_kwargs(self):
        return dict(
            frequencies=self._frequency_operator(),
            mean=self.mean_,
            std=self.std_,
            dtype=self.dtype,
            batch_size=self._batch_size(),
            n_jobs=check_n_jobs(self.n_jobs),
        )

    def _feature_shape(self):
        return (self.frequencies_.shape[1],)

    def transform(self, X):
        """Return the random Fourier features of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        features : ndarray of shape (n_samples, 2 * sketch_size)
            ``[cos(Ωᵀx̃), -sin(Ωᵀx̃)] / sqrt(sketch_size)``, of the dtype of X
            (float32 or float64). Inner products approximate the kernel
            ``E_ω cos(ωᵀ(x̃ - ỹ))``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return fourier_features(
            X,
            _standardized(self._frequency_operator(), self.std_),
            self.mean_,
            dtype=np.dtype(self.dtype),
            out_dtype=X.dtype,
            batch_size=self._batch_size(),
        )

    @property
    def _n_features_out(self):
        return 2 * self.frequencies_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
