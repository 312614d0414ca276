"""CompressiveKMeans: k-means from a sketch of the data."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.cluster._decode import DECODERS, decode_kmeans
from skfrugal.decoding._estimator import CompressiveFourierMixin
from skfrugal.decoding._refine import kmeans_refine
from skfrugal.sketching._frequencies import FREQUENCY_LAWS
from skfrugal.utils._validation import check_finite_output

#: Seedings refined on the data by fit (each: k-means|| draws from the decoded
#: centroids, a weighted k-means of the candidates, Lloyd passes); the lowest SSE is kept.
N_REFINEMENTS = 3


def _sse_and_labels(X, centers, batch_size=65536):
    """Per-cluster sums of squared distances to the nearest centre, and the labels, by batch."""
    n = X.shape[0]
    labels = np.empty(n, dtype=np.int64)
    sse = np.zeros(centers.shape[0])
    c_sq = np.einsum("ij,ij->i", centers, centers)
    for start in range(0, n, batch_size):
        xb = np.asarray(X[start:start + batch_size], dtype=np.float64)
        d2 = c_sq[None, :] - 2.0 * (xb @ centers.T)
        lab = np.argmin(d2, axis=1)
        labels[start:start + xb.shape[0]] = lab
        dist = np.maximum(d2[np.arange(xb.shape[0]), lab] + np.einsum("ij,ij->i", xb, xb), 0.0)
        sse += np.bincount(lab, weights=dist, minlength=centers.shape[0])
    return sse, labels


class CompressiveKMeans(
    CompressiveFourierMixin, ClusterMixin, TransformerMixin, BaseEstimator
):
    """K-means clustering learned from a random Fourier sketch of the data.

    The data is read once, in batches, into a sketch of ``sketch_size`` complex numbers
    (the empirical characteristic function of the standardised data at random
    frequencies, see :class:`~skfrugal.sketching.FourierSketcher`); the centroids, the
    cluster proportions and the intra-cluster variances are then decoded from the
    sketch alone, at a cost independent of the number of samples. Sketches of chunks
    merge, so the data can be streamed (:meth:`partial_fit`) or sketched elsewhere
    (on a Dask cluster, another machine) and decoded with :meth:`fit_sketch`.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters ``K``.
    sketch_size : int, default=None
        Number of frequencies ``m``; ``None`` means ``10 · K · d``. Below ``2 K d``
        decoding becomes unreliable (a warning is raised); below ``K`` it is impossible
        (an error).
    decoder : {"sketch_and_shift", "cl_ompr"}, default="sketch_and_shift"
        ``"sketch_and_shift"``: mean shift on the sketched kernel density from many
        starts, choice of ``K`` modes and a fit of Gaussian clusters (centroids,
        variances, weights) to the sketch, with rounds that swap in modes of the
        residual (see :func:`~skfrugal.decoding.sketch_and_shift`). ``"cl_ompr"``:
        Algorithm 1 of Keriven et al. (2018) with Dirac atoms, then one descent with
        Gaussian atoms that removes the bias of Diracs (see
        :func:`~skfrugal.decoding.cl_ompr`).
    frequency_law : {"adapted_radius", "folded_gaussian", "gaussian"}, \
            default="adapted_radius"
        Law of the frequency radius.
    scale : "auto" or float, default="auto"
        Squared kernel bandwidth ``σ̄²`` in standardised units (the intra-cluster
        variance of the standardised data); ``"auto"`` estimates it at fit from a
        subsample (see :func:`~skfrugal.sketching.estimate_scale`).
    n_init : "auto" or int, default="auto"
        Number of decodings from different random draws; the one that fits the sketch
        best (smallest residual) is kept. Decoding costs ``O(m d K²)``, whatever the
        number of samples. ``"auto"``: up to 4 decodings, stopping at the first whose
        relative sketch residual is within twice the sampling noise of the sketch,
        ``Σ_j (1 - |z_j|²) / (n ‖z‖²)`` (a decoding that missed or merged clusters
        stays far above it), or at the first that lowers the best residual by less
        than 10% (restarts no longer pay: the misfit is the model's). On data that is
        a mixture of Gaussian clusters the first decoding nearly always stops there;
        on real data two to four run.
    max_iter : int, default=300
        Maximum number of Lloyd passes over the data, per seeding, that refine the
        decoded centroids when :meth:`fit` sees the data (NumPy or memmap input): the
        decoded centroids and ``4 K`` rows drawn with probability proportional to their
        squared distance to them (two k-means|| rounds) seed a weighted k-means of at
        most ``5 K`` candidates, whose centroids Lloyd's passes then refine; three such
        seedings run and the lowest SSE is kept. A model decoded
        from a sketch minimises a kernel distance to the data, not the k-means
        objective; on real data (heavy tails, discrete features) the two optima differ
        by 4 to 30% of SSE. ``0`` keeps the model decoded from the sketch alone (as
        :meth:`partial_fit`, :meth:`fit_sketch` and Dask input do).
    tol : float, default=1e-4
        The Lloyd passes stop when the squared centroid shift, summed over clusters,
        falls below ``tol`` times the mean per-feature variance of the data (as in
        :class:`sklearn.cluster.KMeans`).
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
        Seed of the frequencies, of the scale estimation and of the decoder. An int
        gives the same sketch and the same model on every call.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centroids, ordered by decreasing cluster size (on the fitted data when
        :meth:`fit` saw it, else by decreasing weight).
    weights_ : ndarray of shape (n_clusters,)
        Cluster proportions (they sum to one): of the partition of the data when
        :meth:`fit` refined the model on it, else decoded from the sketch.
    variances_ : ndarray of shape (n_clusters,)
        Intra-cluster variance per feature (mean squared distance to the centroid
        divided by ``n_features`` on the data when :meth:`fit` refined the model on
        it, else decoded from the sketch, where clusters are modelled as spherical
        Gaussians in the data's units).
    labels_ : ndarray of shape (n_samples,)
        Label of each sample; set by :meth:`fit` only (not by :meth:`partial_fit` nor
        :meth:`fit_sketch`, which do not keep the data).
    inertia_ : float
        Sum of squared distances of the samples to their closest centroid; set by
        :meth:`fit` only.
    sketch_ : Sketch
        The sketch decoded (for :meth:`partial_fit`, of all chunks seen).
    sketcher_ : FourierSketcher
        The sketch operator.
    decoder_cost_ : float
        Relative squared residual ``‖z - sketch(model)‖² / ‖z‖²`` of the model decoded
        from the sketch (before any refinement on the data).
    noise_level_ : float
        The sketch's relative sampling noise ``Σ_j (1 - |z_j|²) / (n ‖z‖²)``: a model
        of the data's distribution leaves a residual of about this level; one that
        missed or merged clusters, 2 to 1000 times it.
    n_decodings_ : int
        Number of decodings run (see ``n_init``).
    n_iter_ : int
        Lloyd passes over the data when :meth:`fit` refined the model, else
        iterations of the decoder.
    converged_ : bool
        After a refinement on the data: whether Lloyd's passes converged within
        ``max_iter`` (a :class:`~sklearn.exceptions.ConvergenceWarning` is raised
        otherwise). For a model decoded from the sketch alone: whether it explains the
        sketch, that is its residual is within 2 times the noise level and the sketch
        has at least ``2 K d`` entries (a
        :class:`~skfrugal.decoding.DecodingWarning` with the figures is raised
        otherwise).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    sklearn.cluster.KMeans : Lloyd's algorithm on the full data.
    sklearn.cluster.MiniBatchKMeans : K-means on mini-batches of a stream.
    skfrugal.sketching.FourierSketcher : The sketch operator.

    Notes
    -----
    One pass of sketching costs about as much as 100 Lloyd iterations at ``K = 10``;
    compressive k-means pays on large, streamed, distributed or private data, and when
    several models (other ``K``, other decoders) are decoded from one sketch. On real
    tables the model decoded from the sketch alone ends 4 to 30% above the SSE of
    ``KMeans(n_init=10)``; the refinement on the data (``max_iter > 0``, the
    default of :meth:`fit`) brings it within 2% on most of them (see the user
    guide's table).

    References
    ----------
    .. [1] N. Keriven, N. Tremblay, Y. Traonmilin, R. Gribonval, "Compressive K-means",
       ICASSP 2017.
    .. [2] N. Keriven, A. Bourrier, R. Gribonval, P. Pérez, "Sketching for large-scale
       learning of mixture models", Information and Inference, 2018.
    .. [3] A. Belhadji, R. Gribonval, "Sketch and shift: a robust decoder for
       compressive clustering", TMLR, 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.cluster import CompressiveKMeans
    >>> rng = np.random.default_rng(0)
    >>> centers = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    >>> X = centers[rng.integers(3, size=3000)] + rng.normal(size=(3000, 2))
    >>> km = CompressiveKMeans(n_clusters=3, random_state=0).fit(X)
    >>> sorted(np.round(km.cluster_centers_).astype(int).tolist())
    [[0, 0], [0, 8], [8, 0]]
    >>> np.round(km.weights_, 1)
    array([0.3, 0.3, 0.3])
    >>> km.sketch_.mean.shape   # the data seen through 60 complex numbers
    (60,)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "sketch_size": [None, Interval(Integral, 1, None, closed="left")],
        "decoder": [StrOptions(set(DECODERS))],
        "frequency_law": [StrOptions(set(FREQUENCY_LAWS))],
        "scale": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        sketch_size=None,
        decoder="sketch_and_shift",
        frequency_law="adapted_radius",
        scale="auto",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        batch_size="auto",
        dtype="float32",
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.sketch_size = sketch_size
        self.decoder = decoder
        self.frequency_law = frequency_law
        self.scale = scale
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    # -- what CompressiveFourierMixin needs --------------------------------------------
    @property
    def _n_atoms(self):
        return self.n_clusters

    _atoms_name = "n_clusters"
    _data_attributes = ("labels_", "inertia_")

    def _default_sketch_size(self, n_features):
        return 10 * self.n_clusters * n_features

    def _reliable_sketch_size(self, n_features):
        return 2 * self.n_clusters * n_features

    def _check_sketch_size(self, m, n_features):
        K = self.n_clusters
        if m < K:
            raise ValueError(
                f"sketch_size must be >= n_clusters (a sketch of m numbers cannot hold "
                f"more than m clusters), got sketch_size={m} with n_clusters={K}"
            )
        if m < self._reliable_sketch_size(n_features):
            warnings.warn(
                f"sketch_size={m} is below 2 * n_clusters * n_features = "
                f"{self._reliable_sketch_size(n_features)}: the decoded clusters may be "
                "unreliable",
                UserWarning,
                stacklevel=4,
            )

    def _decode(self, sketch, rng, warm_start=False):
        centers, variances, weights, result = decode_kmeans(
            sketch, self.n_clusters, self.decoder, self.n_init, rng
        )
        order = np.argsort(-weights, kind="stable")
        self.cluster_centers_ = centers[order]
        self.variances_ = variances[order]
        self.weights_ = weights[order]
        self.decoder_cost_ = 0.0 if result is None else float(result.cost)
        self.noise_level_ = 0.0 if result is None else float(result.info["noise_level"])
        self.n_decodings_ = 0 if result is None else int(result.info["n_decodings"])
        self.n_iter_ = 0 if result is None else int(result.n_iter)
        self._n_features_out = self.n_clusters

    _refinement_name = "Lloyd refinement"

    def _refine(self, X):
        """``N_REFINEMENTS`` seedings from the decoded centroids, each refined; best SSE kept.

        The distance-weighted draws of each seeding differ, and so do the local optima
        Lloyd's passes reach (on the real tables of the user guide, one refinement
        ranges over 1.00-1.05 times KMeans(n_init=10)'s SSE, the best of three over
        1.00-1.03).
        """
        rng = check_random_state(self.random_state)
        best = None
        for _ in range(N_REFINEMENTS):
            result = kmeans_refine(X, self.cluster_centers_, random_state=rng,
                                   max_iter=self.max_iter, tol=self.tol,
                                   data_var=self.sketch_.data_var)
            if best is None or result[1] < best[1]:
                best = result
        centers, _, n_iter, converged = best
        self.cluster_centers_ = centers
        return n_iter, converged

    def _fit_data(self, X):
        super()._fit_data(X)
        sse, labels = _sse_and_labels(X, self.cluster_centers_)
        self.inertia_ = float(sse.sum())
        counts = np.bincount(labels, minlength=self.n_clusters)
        if self.max_iter > 0:  # the model was refined on X: its statistics come from X
            self.weights_ = counts / counts.sum()
            self.variances_ = sse / np.maximum(counts, 1) / X.shape[1]
        # order clusters by size on X, so that labels are 0, 1, ... without gaps
        order = np.argsort(-counts, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        self.cluster_centers_ = self.cluster_centers_[order]
        self.variances_ = self.variances_[order]
        self.weights_ = self.weights_[order]
        self.labels_ = rank[labels]

    # -- using the model ----------------------------------------------------------------
    def predict(self, X):
        """Index of the closest centroid of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return _sse_and_labels(X, self.cluster_centers_)[1]

    def transform(self, X):
        """Distances of each sample to each centroid.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        with np.errstate(over="ignore", invalid="ignore"):
            out = euclidean_distances(np.asarray(X, dtype=np.float64), self.cluster_centers_)
        return check_finite_output(out, "the distances of X to the centroids", X)

    def score(self, X, y=None):
        """Opposite of the sum of squared distances of X to the closest centroid.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-inertia`` on X (larger is better, as for
            :meth:`sklearn.cluster.KMeans.score`).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        with np.errstate(over="ignore", invalid="ignore"):
            sse = float(_sse_and_labels(X, self.cluster_centers_)[0].sum())
        return -check_finite_output(sse, "the sum of squared distances of X", X)
