"""CompressiveGaussianMixture: a Gaussian mixture learned from a sketch of the data."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.decoding._estimator import CompressiveFourierMixin
from skfrugal.decoding._refine import (
    em_refine,
    kmeans_refine,
    kmeanspp_refine,
    lloyd_refine,
    partition_moments,
)
from skfrugal.mixture._decode import DECODERS, decode_gmm
from skfrugal.sketching._frequencies import FREQUENCY_LAWS
from skfrugal.utils._validation import check_finite_output

N_KMEANSPP_STARTS = 3


def _log_gaussian_prob(X, means, variances, batch_size=65536):
    """``log N(x_i | μ_k, diag(v_k))``, shape (n, K), by batch."""
    n, d = X.shape
    precisions = 1.0 / variances
    log_det = np.log(variances).sum(axis=1)
    const = -0.5 * (d * np.log(2.0 * np.pi) + log_det
                    + np.einsum("kd,kd->k", means * means, precisions))
    out = np.empty((n, means.shape[0]))
    mp = (means * precisions).T
    for start in range(0, n, batch_size):
        xb = np.asarray(X[start:start + batch_size], dtype=np.float64)
        out[start:start + xb.shape[0]] = (
            const[None, :] + xb @ mp - 0.5 * ((xb * xb) @ precisions.T))
    return out


class CompressiveGaussianMixture(CompressiveFourierMixin, DensityMixin, BaseEstimator):
    """Gaussian mixture with diagonal or spherical covariances learned from a sketch.

    The data is read once, in batches, into a sketch of ``sketch_size`` complex numbers
    (the empirical characteristic function of the standardised data at random
    frequencies, see :class:`~skfrugal.sketching.FourierSketcher`); the weights, means
    and variances of the mixture are then decoded from the sketch alone, at a cost
    independent of the number of samples, by fitting the closed-form sketch of a
    mixture of Gaussians to it (compressive learning, Keriven et al. 2018). Sketches of
    chunks merge, so the data can be streamed (:meth:`partial_fit`) or sketched
    elsewhere and decoded with :meth:`fit_sketch`. The fitted model has the public
    surface of :class:`sklearn.mixture.GaussianMixture`.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components ``K``.
    covariance_type : {"diag", "spherical"}, default="diag"
        ``"diag"``: each component has its own diagonal covariance; ``"spherical"``:
        each component has its own single variance, in the data's units (as in
        scikit-learn; the sketch is made on standardised data, where such a component
        has variance ``s² / std_l²`` along feature ``l``).
    sketch_size : int, default=None
        Number of frequencies ``m``; ``None`` means ``5 (2d + 1) K``, five times the
        number of parameters of a diagonal mixture (the paper uses 5 to 10 times).
        Below ``(2d + 1) K`` the decoded model is unreliable (a warning is raised);
        below ``K`` decoding is impossible (an error).
    decoder : {"sketch_and_shift", "cl_ompr", "split"}, default="sketch_and_shift"
        ``"sketch_and_shift"``: modes of the sketched kernel density found by mean
        shift from many starts (Belhadji and Gribonval 2024) initialise the
        components, a global descent fits them, and rounds of replacement swap in
        modes of the residual (see :func:`~skfrugal.decoding.sketch_and_shift`): the
        most reliable. ``"cl_ompr"``: CL-OMPR with Gaussian atoms (Keriven et al.
        2018, Alg. 1, see :func:`~skfrugal.decoding.cl_ompr_gmm`), ``2K`` greedy atom
        selections each followed by a global descent (``O(m d K²)``); as good when it finds every
        component, but a greedy search from random starts misses some more often,
        most in low dimension. ``"split"``: hierarchical splitting (Alg. 2, see
        :func:`~skfrugal.decoding.split_gmm`), ``⌈log₂ K⌉`` rounds of splitting every
        component in two, ``O(m d K log K)``: the fastest, and the least reliable.
    frequency_law : {"adapted_radius", "folded_gaussian", "gaussian"}, \
            default="adapted_radius"
        Law of the frequency radius.
    scale : "auto" or float, default="auto"
        Squared kernel bandwidth ``σ̄²`` in standardised units (about the mean
        intra-component variance of the standardised data); ``"auto"`` estimates it
        at fit from a subsample (see :func:`~skfrugal.sketching.estimate_scale`).
    n_init : "auto" or int, default="auto"
        Number of decodings from different random draws; the one that fits the sketch
        best (smallest residual) is kept. ``"auto"``: up to 4 decodings, stopping at
        the first whose relative sketch residual is within twice the sketch's noise
        level, or at the first that lowers the best residual by less than 10% (see
        :func:`~skfrugal.decoding.decode`). ``"split"`` is deterministic and decodes
        once.
    max_iter : int, default=100
        Maximum number of EM passes over the data that refine the decoded mixture
        when :meth:`fit` sees the data (NumPy or memmap input). EM starts from every
        decoding and from the partition of the data by k-means seeded with the
        decoded means (how scikit-learn starts EM); the run of largest likelihood on
        the data is kept. A mixture decoded from a sketch minimises a kernel distance
        to the data, not the likelihood: on real data the two optima differ. ``0``
        keeps the mixture decoded from the sketch alone (as :meth:`partial_fit`,
        :meth:`fit_sketch` and Dask input do).
    tol : float, default=1e-3
        EM stops when the mean log-likelihood per sample changes by less than ``tol``
        (as in :class:`sklearn.mixture.GaussianMixture`).
    reg_covar : float, default=1e-6
        Non-negative regularisation added to the decoded variances (data units), as in
        scikit-learn. Decoded variances are also floored at ``1e-3 σ̄²`` in
        standardised units, below the resolution of the sketch, and a feature constant
        in the data gets variance ``reg_covar`` alone: raise it when some features are
        (nearly) constant.
    batch_size : "auto" or int, default="auto"
        Rows sketched per batch.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the sketching pass (sums are always float64).
    n_jobs : int, default=None
        Threads of the sketching pass (see
        :class:`~skfrugal.sketching.FourierSketcher`); ``None`` means 1, ``-1`` all
        CPUs. The sketch, hence the model, is the same whatever ``n_jobs``.
    verbose : int, default=0
        If positive, report the rows per second of the sketching pass and the
        decoding time.
    random_state : int, RandomState instance or None, default=None
        Seed of the frequencies, of the scale estimation, of the decoder and of
        :meth:`sample`. An int gives the same sketch and the same model on every call.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Mixture weights (sum to one), in decreasing order.
    means_ : ndarray of shape (n_components, n_features)
        Component means.
    covariances_ : ndarray of shape (n_components, n_features) or (n_components,)
        Diagonal covariances (``"diag"``) or variances (``"spherical"``), including
        ``reg_covar``.
    precisions_ : ndarray of the shape of ``covariances_``
        Inverses of the covariances.
    precisions_cholesky_ : ndarray of the shape of ``covariances_``
        ``1 / sqrt(covariances_)``.
    sketch_ : Sketch
        The sketch decoded (for :meth:`partial_fit`, of all chunks seen).
    sketcher_ : FourierSketcher
        The sketch operator.
    decoder_cost_ : float
        Relative squared residual ``‖z - sketch(model)‖² / ‖z‖²`` of the mixture
        decoded from the sketch (before any refinement on the data).
    noise_level_ : float
        The sketch's relative sampling noise ``Σ_j (1 - |z_j|²) / (n ‖z‖²)``: a model
        of the data's distribution leaves a residual of about this level; one that
        missed or merged components, 2 to 1000 times it.
    n_decodings_ : int
        Number of decodings run (see ``n_init``).
    n_iter_ : int
        EM passes of the kept run when :meth:`fit` refined the mixture on the data,
        else outer iterations of the decoder.
    converged_ : bool
        After a refinement on the data: whether EM converged within ``max_iter``
        passes (a :class:`~sklearn.exceptions.ConvergenceWarning` is raised
        otherwise). For a mixture decoded from the sketch alone: whether it explains
        the sketch, that is its residual is within 2 times the noise level and the
        sketch has at least as many entries as the mixture has parameters per
        component times ``K`` (a :class:`~skfrugal.decoding.DecodingWarning` with the
        figures is raised otherwise).
    lower_bound_ : float
        Mean log-likelihood per sample on the training data of the refined mixture;
        set by :meth:`fit` only when it refined the mixture.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    sklearn.mixture.GaussianMixture : Expectation-maximisation on the full data.
    skfrugal.cluster.CompressiveKMeans : K-means from the same kind of sketch.
    skfrugal.sketching.FourierSketcher : The sketch operator.

    Notes
    -----
    The sketch costs one pass over the data, ``O(n d m)``; decoding costs
    ``O(m d K²)`` (``O(m d K log K)`` with ``"split"``) whatever ``n``, and memory is
    ``O(m)`` for the sketch plus ``O(d m)`` for the frequencies. On mixtures of
    Gaussians the decoded mixture's log-likelihood is within 0.01 nat per sample of
    EM's; on real tables the mixture decoded from the sketch alone can be far below
    it, and the EM refinement on the data (``max_iter > 0``, the default of
    :meth:`fit`) brings it to EM's level or above (see the user guide's table).
    Compressive learning pays on large, streamed, distributed or private data, or
    when several models are decoded from one sketch.

    References
    ----------
    .. [1] N. Keriven, A. Bourrier, R. Gribonval, P. Pérez, "Sketching for large-scale
       learning of mixture models", Information and Inference, 2018.
    .. [2] A. Belhadji, R. Gribonval, "Sketch and shift: a robust decoder for
       compressive clustering", TMLR, 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.mixture import CompressiveGaussianMixture
    >>> rng = np.random.default_rng(0)
    >>> centers = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    >>> X = centers[rng.integers(3, size=5000)] + rng.normal(size=(5000, 2))
    >>> gmm = CompressiveGaussianMixture(n_components=3, random_state=0).fit(X)
    >>> sorted(np.round(gmm.means_).astype(int).tolist())
    [[0, 0], [0, 8], [8, 0]]
    >>> bool(np.allclose(gmm.covariances_, 1.0, atol=0.15))   # unit clusters
    True
    >>> gmm.sketch_.mean.shape   # the data seen through 75 complex numbers
    (75,)
    >>> round(gmm.score(X), 1)   # mean log-likelihood
    -3.9
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions({"diag", "spherical"})],
        "sketch_size": [None, Interval(Integral, 1, None, closed="left")],
        "decoder": [StrOptions(set(DECODERS))],
        "frequency_law": [StrOptions(set(FREQUENCY_LAWS))],
        "scale": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="diag",
        sketch_size=None,
        decoder="sketch_and_shift",
        frequency_law="adapted_radius",
        scale="auto",
        n_init="auto",
        max_iter=100,
        tol=1e-3,
        reg_covar=1e-6,
        batch_size="auto",
        dtype="float32",
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.sketch_size = sketch_size
        self.decoder = decoder
        self.frequency_law = frequency_law
        self.scale = scale
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.batch_size = batch_size
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    # -- helpers ------------------------------------------------------------------------
    def _n_params_per_component(self, n_features):
        return 2 * n_features + 1 if self.covariance_type == "diag" else n_features + 2

    @property
    def _n_atoms(self):
        return self.n_components

    _atoms_name = "n_components"

    def _default_sketch_size(self, n_features):
        return 5 * self._n_params_per_component(n_features) * self.n_components

    def _reliable_sketch_size(self, n_features):
        return self._n_params_per_component(n_features) * self.n_components

    def _check_sketch_size(self, m, n_features):
        K = self.n_components
        if m < K:
            raise ValueError(
                f"sketch_size must be >= n_components (a sketch of m numbers cannot hold "
                f"more than m components), got sketch_size={m} with n_components={K}"
            )
        n_params = self._reliable_sketch_size(n_features)
        if m < n_params:
            warnings.warn(
                f"sketch_size={m} is below the number of parameters of the mixture "
                f"({n_params} for n_components={K}, n_features={n_features}, "
                f"covariance_type={self.covariance_type!r}): the decoded mixture may be "
                "unreliable",
                UserWarning,
                stacklevel=4,
            )

    def _decode(self, sketch, rng, warm_start=False):
        data_var = np.asarray(sketch.data_var)
        if self.reg_covar > 0 and np.max(data_var) > 0 and np.max(data_var) < self.reg_covar:
            raise ValueError(
                f"reg_covar={self.reg_covar:g} exceeds the variance of every feature of the "
                f"data (at most {np.max(data_var):.3g}): the mixture's variances would be "
                "reg_covar itself, not the data's; lower reg_covar or rescale X")
        means, variances, weights, result = decode_gmm(
            sketch, self.n_components, self.covariance_type, self.decoder, self.n_init, rng
        )
        self._set_mixture(weights, means, variances + self.reg_covar)
        self.decoder_cost_ = 0.0 if result is None else float(result.cost)
        self.noise_level_ = 0.0 if result is None else float(result.info["noise_level"])
        self.n_decodings_ = 0 if result is None else int(result.info["n_decodings"])
        self._candidates = [] if result is None else result.info["candidates"]
        self._n_at_floor = 0 if result is None else int(np.count_nonzero(
            result.variances <= (1.0 + 1e-6) * result.info["variance_floor"]))
        self.n_iter_ = 0 if result is None else int(result.n_iter)
        if hasattr(self, "lower_bound_"):
            del self.lower_bound_

    def _unresolved_by_sketch(self):
        if self._n_at_floor == 0:
            return None
        return (
            f"{self._n_at_floor} of its {self.means_.size} variances sit at the "
            "decoder's lower bound (1e-3 times the kernel's scale): the sketch does not "
            "resolve them, and the mixture's log-likelihood depends on them, so it may be "
            "far from the data's"
        )

    def _set_mixture(self, weights, means, covariances):
        order = np.argsort(-weights, kind="stable")
        self.weights_ = weights[order]
        self.means_ = means[order]
        self.covariances_ = covariances[order]
        if np.any(self.covariances_ <= 0):
            raise ValueError(
                "a decoded variance is 0 (a feature is constant in the data): set "
                f"reg_covar > 0, got reg_covar={self.reg_covar}"
            )
        self.precisions_ = 1.0 / self.covariances_
        self.precisions_cholesky_ = np.sqrt(self.precisions_)

    _refinement_name = "EM refinement"

    def _refine(self, X):
        """EM from every decoding and from the k-means partition; keep the best likelihood.

        The decodings (best sketch residual first) and the partition of X by the
        decoded means refined by k-means passes (how scikit-learn starts EM) each start
        EM on the data; the run of largest likelihood is kept.
        """
        if not self._candidates:  # every sample is the same point: nothing to refine
            return 0, True
        d = X.shape[1]
        starts = []
        for means, variances, weights in self._candidates:
            full = variances if variances.ndim == 2 else np.repeat(variances[:, None], d, 1)
            starts.append((weights, means, full + self.reg_covar))
        rng = check_random_state(self.random_state)
        data_var = self.sketch_.data_var
        partitions = [  # different partitions start EM in different optima
            kmeans_refine(X, self._candidates[0][0], random_state=rng,
                          max_iter=self.max_iter, tol=1e-4, data_var=data_var)[0],
            lloyd_refine(X, self._candidates[0][0], max_iter=self.max_iter, tol=1e-4,
                         data_var=data_var)[0],
            *(kmeanspp_refine(X, self.n_components, random_state=rng,
                              max_iter=self.max_iter, tol=1e-4, data_var=data_var)[0]
              for _ in range(N_KMEANSPP_STARTS)),
        ]
        starts.extend(partition_moments(X, centers, self.reg_covar)
                      for centers in partitions)
        best = None
        for weights, means, variances in starts:
            if self.covariance_type == "spherical":
                variances = np.repeat(variances.mean(axis=1, keepdims=True), d, axis=1)
            result = em_refine(X, weights, means, variances,
                               covariance=self.covariance_type, reg_covar=self.reg_covar,
                               max_iter=self.max_iter, tol=self.tol)
            if best is None or result[3] > best[3]:
                best = result
        weights, means, variances, log_likelihood, n_iter, converged = best
        if self.covariance_type == "spherical":
            variances = variances[:, 0]
        self._set_mixture(weights, means, variances)
        self.lower_bound_ = float(log_likelihood)
        return n_iter, converged

    def fit_predict(self, X, y=None):
        """Fit the mixture on X and return the most likely component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of the most likely component of each sample.
        """
        return self.fit(X).predict(X)

    # -- using the model ----------------------------------------------------------------
    def _full_variances(self):
        if self.covariance_type == "diag":
            return self.covariances_
        return np.repeat(self.covariances_[:, None], self.means_.shape[1], axis=1)

    def _weighted_log_prob(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        with np.errstate(over="ignore", invalid="ignore"):
            out = (_log_gaussian_prob(X, self.means_, self._full_variances())
                   + np.log(np.maximum(self.weights_, 1e-300))[None, :])
        return check_finite_output(out, "the log-likelihood of X", X)

    def score_samples(self, X):
        """Log-likelihood of each sample under the mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log Σ_k w_k N(x_i | μ_k, Σ_k)`` for each sample.
        """
        return logsumexp(self._weighted_log_prob(X), axis=1)

    def score(self, X, y=None):
        """Mean log-likelihood of the samples under the mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : None
            Ignored.

        Returns
        -------
        log_likelihood : float
            Mean of :meth:`score_samples` over X, in nats per sample.
        """
        return float(self.score_samples(X).mean())

    def predict_proba(self, X):
        """Posterior probability of each component given each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
            Posterior probabilities (each row sums to one).
        """
        wlp = self._weighted_log_prob(X)
        return np.exp(wlp - logsumexp(wlp, axis=1)[:, None])

    def predict(self, X):
        """Most likely component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of the component of largest posterior probability.
        """
        return self._weighted_log_prob(X).argmax(axis=1)

    def _n_parameters(self):
        K, d = self.means_.shape
        cov = K * d if self.covariance_type == "diag" else K
        return int(cov + K * d + K - 1)

    def bic(self, X):
        """Bayesian information criterion of the model on X (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        bic : float
            ``-2 n · score(X) + p log n`` with ``p`` free parameters.
        """
        n = np.shape(X)[0]
        return -2.0 * self.score(X) * n + self._n_parameters() * np.log(n)

    def aic(self, X):
        """Akaike information criterion of the model on X (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        aic : float
            ``-2 n · score(X) + 2 p`` with ``p`` free parameters.
        """
        return -2.0 * self.score(X) * np.shape(X)[0] + 2 * self._n_parameters()

    def sample(self, n_samples=1):
        """Draw samples from the fitted mixture.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Samples.
        y : ndarray of shape (n_samples,)
            Component of each sample.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        sd = np.sqrt(self._full_variances())
        d = self.means_.shape[1]
        X = np.vstack([
            self.means_[k] + sd[k] * rng.standard_normal((c, d))
            for k, c in enumerate(counts)
        ])
        y = np.repeat(np.arange(self.n_components), counts)
        return X, y
