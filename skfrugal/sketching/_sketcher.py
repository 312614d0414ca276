"""FourierSketcher: random Fourier features and one-pass sketches."""

import hashlib
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.sketching._chunk_checks import (
    ScaledRows,
    check_frequencies,
    check_precision,
    check_vector,
)
from skfrugal.sketching._dask import is_dask_array
from skfrugal.sketching._features import check_n_jobs, fourier_features, sketch_chunk
from skfrugal.sketching._frequencies import FREQUENCY_LAWS, draw_frequencies, draw_radii
from skfrugal.sketching._operator import SketchOperatorMixin
from skfrugal.sketching._privacy import check_privacy, privatize
from skfrugal.sketching._scale import estimate_scale
from skfrugal.sketching._sketch import Sketch
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


@validate_params(
    {
        "X": ["array-like"],
        "frequencies": ["array-like"],
        "mean": ["array-like"],
        "std": ["array-like"],
        "dtype": [type, str, np.dtype],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "dither": [None, "array-like"],
        "bounds": [None, "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def fourier_sketch_chunk(X, frequencies, mean, std, dtype="float32", batch_size=None,
                         n_jobs=1, dither=None, bounds=None):
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
    dither : ndarray of shape (sketch_size,), default=None
        Dither of 1-bit quantized features (``None``: complex exponentials).
    bounds : ndarray of shape (2, n_features), default=None
        A box into which the samples are clipped before they are sketched.

    Returns
    -------
    stats : tuple
        ``(feature_sum, n_samples, data_min, data_max, data_mean, data_m2)``; see
        :func:`sketch_chunk`.

    Raises
    ------
    ValueError
        If an argument is not finite, ``std`` is not positive, the shapes disagree, or
        :func:`sketch_chunk` refuses the chunk.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import fourier_sketch_chunk
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> omega = np.random.default_rng(1).normal(size=(2, 8))
    >>> stats = fourier_sketch_chunk(X, omega, X.mean(axis=0), X.std(axis=0))
    >>> stats[0].shape, stats[1]
    ((8,), 100)
    """
    if not isinstance(frequencies, StructuredFrequencies):
        frequencies = check_frequencies(frequencies, "frequencies")
    d = frequencies.shape[0]
    std = check_vector(std, "std", d, positive=True)
    with np.errstate(over="ignore"):
        weights = _standardized(frequencies, std)
    if not isinstance(weights, StructuredFrequencies) and not np.all(np.isfinite(weights)):
        raise ValueError("frequencies / std overflows float64: std is too small "
                         f"(minimum {std.min():.3g})")
    return sketch_chunk(X, weights, mean, check_precision(dtype), batch_size, n_jobs=n_jobs,
                        dither=dither, clip=bounds)


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
        Rows per batch; ``"auto"``: in float32, 4096 to 65536 rows (whole blocks of
        4096 rows, at most 16 MB of float32 data), about 4 MB of phases in float64.
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
    quantization : {None, "1bit"}, default=None
        ``"1bit"``: 1-bit universal quantization of dithered features (Schellekens and
        Jacques 2018): each sample contributes ``sign cos(ω_jᵀx̃ + ξ_j) - i sign
        sin(ω_jᵀx̃ + ξ_j)`` with a dither ``ξ_j`` drawn uniformly in ``[0, 2π)`` with
        the frequencies (``dither_``). Two bits per frequency and sample, sums exact
        in float64 (integers), and the sketch pass about 20% faster in float32. The
        decoders read the first harmonic of the quantizer,
        ``(4/π) e^{-iξ_j} exp(-i ω_jᵀx̃)``, through
        :func:`~skfrugal.decoding.decoder_inputs`; the higher harmonics act as extra
        noise, so a quantized sketch needs a larger ``sketch_size`` for the same
        accuracy (see the user guide for measured figures). Works with both dtypes.
    privacy : None, float or (float, float), default=None
        Differential privacy of the released sketches (Chatalic et al. 2022):
        ``epsilon`` for ε-DP (Laplace noise) or ``(epsilon, delta)`` for (ε, δ)-DP
        (Gaussian noise), neighbouring data sets differing by one added or removed
        sample. Noise calibrated to the sensitivity of the features is added once per
        release to the sum of features and to the count (see Notes). A private
        operator needs public ``bounds`` and a numeric ``scale``: it is fitted without
        reading the data's values, and its sketches carry no exact statistic.
    bounds : array-like of shape (2, n_features) or (2,), default=None
        A public box ``[lower, upper]`` the data lie in (``(lo, hi)``: the same
        interval for every feature), from domain knowledge (not
        from the data, for a private operator). Samples outside are clipped into it
        (silently: a warning would reveal data); with ``standardize=True`` the box is
        mapped to ``[-1, 1]^d`` (``mean_`` its centre, ``std_`` its half-widths) in
        place of the data's mean and standard deviation; decoders use it as the
        bounds of private sketches. Required with ``privacy``.
    random_state : int, RandomState instance or None, default=None
        Seed of the frequencies, the dither and the scale estimation. The same seed on
        the same fit data gives the same operator (the same ``operator_id_``) on any
        machine. It never seeds the privacy noise, which is drawn from the operating
        system's entropy at every release.

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
        range decoders keep centres in (of the data clipped into ``bounds``; for a
        private operator, the public box itself).
    dither_ : ndarray of shape (sketch_size,)
        The dither ``ξ`` in ``[0, 2π)`` (only with ``quantization="1bit"``).
    bounds_ : ndarray of shape (2, `n_features_in_`)
        The public box (only with ``bounds``).
    privacy_ : ndarray of shape (2,)
        ``[epsilon, delta]`` of each release (``delta = 0`` for ε-DP; only with
        ``privacy``).
    operator_id_ : str
        Identifier of the operator (a hash of ``frequencies_``, or of ``signs_`` and
        ``radii_``, with ``mean_``, ``std_``, ``scale_``, ``robust_range_``, the optional
        ``dither_``, ``bounds_``, ``privacy_`` and the ``dtype``); sketches merge only
        when their operators' identifiers agree.
    sketch_ : Sketch
        The running sketch of all data passed to :meth:`partial_fit` (not set by a
        private operator, which keeps the stream's exact sums to itself until
        :meth:`release`).
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
    ``T = transform(X)`` (for quantized features too, ``±1/sqrt(m)``).

    Privacy accounting (``privacy`` set). Adding or removing one sample changes the
    sum of the features by at most ``√2 m`` in L1 norm and exactly ``√m`` in L2 norm
    over its ``2m`` real parts (``2m`` and ``√(2m)`` for 1-bit features), and the
    count by 1, whatever the sample. Each release adds Laplace noise of scale
    ``Δ₁/ε₁`` (ε-DP) or Gaussian noise of the smallest standard deviation the exact
    condition of Balle and Wang (2018) allows for ``(ε₁, δ)`` to each real part of the
    sum, and Laplace noise of scale ``1/ε₂`` to the count, with ``ε₂ = ε/(2m + 1)``
    and ``ε₁ = ε - ε₂``. The operator itself is data-independent (frequencies, dither,
    public box, given scale), so each release is ε-DP or (ε, δ)-DP for the data it
    sketches:

    - :meth:`sketch` releases: every call adds fresh noise and spends the budget
      again on the data it reads (sketching the same data twice costs 2ε);
    - :meth:`partial_fit` accumulates the exact sums of a stream inside the operator
      (nothing is released) and :meth:`release` releases them once, then forgets
      them: every sample is released once, whatever the number of chunks;
    - ``a + b`` of two releases adds their noises (``noise_var`` adds up). For
      releases of disjoint data (chunks, machines) the merge stays ε-DP (parallel
      composition); of overlapping data the budgets add.

    Decoding a released sketch any number of times costs no more privacy
    (post-processing). The noise variance travels with the sketch
    (``Sketch.noise_var``) and raises the noise level the decoders' restart rule
    compares the fit with.

    References
    ----------
    .. [1] N. Keriven, A. Bourrier, R. Gribonval, P. Pérez, "Sketching for large-scale
       learning of mixture models", Information and Inference, 2018.
    .. [2] R. Gribonval et al., "Sketching data sets for large-scale learning", IEEE
       Signal Processing Magazine, 2021.
    .. [3] V. Schellekens, L. Jacques, "Quantized compressive k-means", IEEE Signal
       Processing Letters, 2018.
    .. [4] A. Chatalic, V. Schellekens, F. Houssiau, Y.-A. de Montjoye, L. Jacques,
       R. Gribonval, "Compressive learning with privacy guarantees", Information and
       Inference, 2022.
    .. [5] B. Balle, Y.-X. Wang, "Improving the Gaussian mechanism for differential
       privacy: analytical calibration and optimal denoising", ICML 2018.
    .. [6] A. Chatalic, R. Gribonval, N. Keriven, "Large-scale high-dimensional
       clustering with fast sketching", ICASSP 2018.
    .. [7] F. X. Yu, A. T. Suresh, K. Choromanski, D. Holtmann-Rice, S. Kumar,
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

    A private sketch (ε = 1) of data known to lie in ``[-6, 6]³``:

    >>> private = FourierSketcher(sketch_size=100, privacy=1.0, bounds=[[-6] * 3, [6] * 3],
    ...                           scale=0.02, random_state=0).fit(X)
    >>> released = private.sketch(X)
    >>> released.is_private, bool(np.isnan(released.data_min).all())  # min, max hidden
    (True, True)

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
        "quantization": [None, StrOptions({"1bit"})],
        "privacy": [None, Interval(Real, 0, None, closed="neither"), tuple, list],
        "bounds": [None, "array-like"],
        "random_state": ["random_state"],
    }

    _optional_state_attributes = ("dither_", "bounds_", "privacy_")
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
        quantization=None,
        privacy=None,
        bounds=None,
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
        self.quantization = quantization
        self.privacy = privacy
        self.bounds = bounds
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
        for name in ("sketch_", "_unreleased_sketch"):
            if hasattr(self, name):
                delattr(self, name)
        return self

    def _set_n_features(self, n_features):
        self.n_features_in_ = n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _check_public_parameters(self, n_features):
        """Validated ``(privacy, bounds)`` (``None`` each when unset)."""
        if self.quantization is not None and self.operator == "structured":
            raise ValueError(
                "quantization='1bit' is not available with operator='structured' (the "
                "quantized kernel applies dense frequencies): use operator='dense'")
        privacy = None if self.privacy is None else check_privacy(self.privacy)
        bounds = None
        if self.bounds is not None:
            bounds = np.asarray(self.bounds)
            if bounds.dtype.kind not in "fiu":
                raise TypeError(f"bounds must hold real numbers, got dtype {bounds.dtype}")
            bounds = bounds.astype(np.float64)
            if bounds.shape == (2,):  # (lo, hi): the same interval for every feature
                bounds = np.repeat(bounds[:, None], n_features, axis=1)
            if bounds.shape != (2, n_features):
                raise ValueError(
                    f"bounds must have shape (2,) ((lo, hi) for every feature) or (2, "
                    f"n_features) = (2, {n_features}) ([lower, upper]), got shape "
                    f"{bounds.shape}"
                )
            with np.errstate(over="ignore"):
                width = bounds[1] - bounds[0]
            if not (np.all(np.isfinite(bounds)) and np.all(np.isfinite(width))):
                raise ValueError("bounds must be finite (and their widths too)")
            if not np.all(width > 0):
                raise ValueError(
                    "bounds must have lower < upper in every feature, got lower >= upper "
                    f"in feature(s) {np.flatnonzero(width <= 0).tolist()}"
                )
        if privacy is not None:
            if bounds is None:
                raise ValueError(
                    "privacy needs public bounds=[lower, upper] of the data (from domain "
                    "knowledge): the data's own mean, spread and range would leak"
                )
            if self.scale == "auto":
                raise ValueError(
                    "privacy needs a numeric scale (the squared kernel bandwidth, in "
                    "units of the box mapped to [-1, 1]): scale='auto' would estimate it "
                    "from the data; estimate it on public data with estimate_scale"
                )
        return privacy, bounds

    def _fit_operator(self, X, rng):
        n, d = X.shape
        privacy, bounds = self._check_public_parameters(d)
        for name in self._optional_state_attributes:
            if hasattr(self, name):
                delattr(self, name)
        if bounds is not None:
            # public box: no statistic of the data is read
            self.bounds_ = bounds
            if self.standardize:
                self.mean_ = (bounds[0] + bounds[1]) / 2.0
                self.std_ = (bounds[1] - bounds[0]) / 2.0
            else:
                self.mean_, self.std_ = np.zeros(d), np.ones(d)
            if privacy is not None:  # not even the range of the data is read
                self.robust_range_ = bounds.copy()
                sample = None
            elif is_dask_array(X):
                n_sub = min(n, 20000)
                rows = np.sort(rng.choice(n, n_sub, replace=False))
                sample = np.asarray(X[rows].compute(), dtype=np.float64)
                self.robust_range_ = robust_range(np.clip(sample, bounds[0], bounds[1]))
            else:
                sample = X
                strided = X[::max(1, -(-n // _BOUNDS_SAMPLES))]
                self.robust_range_ = robust_range(np.clip(strided, bounds[0], bounds[1]))
        elif is_dask_array(X):
            import dask

            mean, std = dask.compute(X.mean(axis=0), X.std(axis=0))
            n_sub = min(n, 20000)
            rows = np.sort(rng.choice(n, n_sub, replace=False))
            sample = np.asarray(X[rows].compute(), dtype=np.float64)
            self.robust_range_ = robust_range(sample)
        else:
            # batched moments: no n x d temporary (sketch_chunk with no frequency), of
            # the data times a power of two that keeps their squares in range
            # (the largest magnitude without an n x d temporary of |X|)
            shift = -int(np.frexp(max(np.max(X), -np.min(X)))[1]) if X.size else 0
            rows = ScaledRows(X, shift) if abs(shift) > 30 else X
            shift = shift if abs(shift) > 30 else 0
            _, _, _, _, mean, m2 = sketch_chunk(rows, np.zeros((d, 0)), np.zeros(d),
                                                np.float64)
            mean, std = np.ldexp(mean, -shift), np.ldexp(np.sqrt(m2 / n), -shift)
            sample = X
            # deterministic stride: the random stream of the frequencies is unchanged
            self.robust_range_ = robust_range(X[::max(1, -(-n // _BOUNDS_SAMPLES))])
        if bounds is None:
            if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
                raise ValueError(
                    "the mean or standard deviation of X overflows float64 (values up to "
                    f"{float(np.max(np.abs(mean))):.3g} in mean); rescale X")
            if self.standardize:
                # constant features: a spread below rounding of the mean (scale-free)
                std = np.where(std > 1e-12 * np.abs(mean), std, 0.0)
                std = np.where(std > 0, std, 1.0)
                self.mean_, self.std_ = np.asarray(mean, dtype=np.float64), np.asarray(std)
            else:
                self.mean_, self.std_ = np.zeros(d), np.ones(d)
        if self.scale == "auto":
            if sample.shape[0] > _SCALE_SAMPLES:
                # the rows estimate_scale would draw, drawn here so that only they are
                # standardised (the same random stream as estimating on all of X)
                rows = rng.choice(sample.shape[0], _SCALE_SAMPLES, replace=False)
                sample = sample[np.sort(rows)]
            sample = np.asarray(sample, dtype=np.float64)
            if bounds is not None:
                sample = np.clip(sample, bounds[0], bounds[1])
            standardized = (sample - self.mean_) / self.std_
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
        if self.quantization == "1bit":
            self.dither_ = rng.uniform(0.0, 2.0 * np.pi, size=self.sketch_size)
        if privacy is not None:
            self.privacy_ = np.array(privacy, dtype=np.float64)

    @classmethod
    def _from_state(cls, state):
        op = super()._from_state(state)
        # the parameters that are not plain numbers or strings, from the fitted state
        if hasattr(op, "bounds_"):
            op.bounds = op.bounds_.copy()
        if hasattr(op, "privacy_"):
            epsilon, delta = (float(v) for v in op.privacy_)
            op.privacy = epsilon if delta == 0.0 else (epsilon, delta)
        return op

    def _restore_derived(self):
        if self.operator == "structured":
            self._structured, self.frequencies_ = structured_frequencies(
                self.signs_, self.radii_, self.scale_, self.n_features_in_)

    def _frequency_operator(self):
        """What the kernels apply: the dense matrix or the structured blocks."""
        return self._structured if self.operator == "structured" else self.frequencies_

    # -- private release -------------------------------------------------------------
    @property
    def _is_private(self):
        return hasattr(self, "privacy_")

    @property
    def _running_sketch_name(self):
        return "_unreleased_sketch" if self._is_private else "sketch_"

    def _public_copy(self):
        """The operator rebuilt from its state alone (no stream, no data)."""
        return type(self)._from_state(self._to_state())

    def _release(self, sketch):
        if not self._is_private:
            return sketch
        epsilon, delta = (float(v) for v in self.privacy_)
        # moment sums in the box's coordinates u = (x - c) / h, in [-1, 1]^d
        centre = (self.bounds_[0] + self.bounds_[1]) / 2.0
        half = (self.bounds_[1] - self.bounds_[0]) / 2.0
        n = sketch.n_samples
        mean_u = (sketch.data_mean - centre) / half
        moments = np.array([n * mean_u, sketch.data_m2 / half**2 + n * mean_u**2])
        noisy_sum, noisy_n, noisy_moments, cal = privatize(
            sketch.feature_sum, n, moments, epsilon, delta,
            quantization="1bit" if hasattr(self, "dither_") else None,
        )
        mean_u = noisy_moments[0] / noisy_n
        m2_u = noisy_moments[1] - noisy_n * mean_u**2
        hidden = np.full(sketch.n_features, np.nan)
        return Sketch(noisy_sum, noisy_n, hidden, hidden, centre + half * mean_u,
                      half**2 * m2_u, self.operator_id_, self._public_copy(),
                      noise_var=cal["feature_noise_var"],
                      count_noise_var=cal["count_noise_var"])

    def release(self):
        """Release the private sketch of the data streamed since the last release.

        :meth:`partial_fit` on a private operator adds each chunk's exact sums to an
        accumulator kept inside the operator (nothing is released). This method adds
        the privacy noise once, returns the private :class:`Sketch`, and empties the
        accumulator: every streamed sample is released once, so the releases of a
        stream are each ε-DP (or (ε, δ)-DP) and, covering disjoint data, so is their
        merge.

        Returns
        -------
        sketch : Sketch
            The private sketch (noisy sum and count, no per-feature statistics); its
            ``operator`` is a copy of this operator without the stream.

        Raises
        ------
        ValueError
            If the operator is not private, or nothing was streamed since the last
            release.
        """
        check_is_fitted(self)
        if not self._is_private:
            raise ValueError(
                "release() is for private operators (privacy=...); the running sketch of "
                "this operator is sketch_"
            )
        running = getattr(self, "_unreleased_sketch", None)
        if running is None:
            raise ValueError("nothing to release: no data was streamed with partial_fit "
                             "since the last release")
        del self._unreleased_sketch
        return self._release(running)

    def _compute_operator_id(self):
        # float32 and float64 operators give different sketches: they must not merge
        digest = hashlib.blake2b(digest_size=12)
        digest.update(super()._compute_operator_id().encode())
        digest.update(f"dtype={np.dtype(self.dtype)}".encode())
        return digest.hexdigest()

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
            dither=getattr(self, "dither_", None),
            bounds=getattr(self, "bounds_", None),
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
            ``E_ω cos(ωᵀ(x̃ - ỹ))``. With ``quantization="1bit"``, the quantized
            features ``[sign cos(Ωᵀx̃ + ξ), -sign sin(Ωᵀx̃ + ξ)] / sqrt(sketch_size)``
            that the sketch sums; with ``bounds``, of the samples clipped into the box.
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
            dither=getattr(self, "dither_", None),
            clip=getattr(self, "bounds_", None),
        )

    @property
    def _n_features_out(self):
        return 2 * self.frequencies_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
