"""What the estimators decoded from a Fourier sketch add to :class:`CompressiveMixin`.

:class:`CompressiveFourierMixin` makes the :class:`~skfrugal.sketching.FourierSketcher`
of :class:`~skfrugal.cluster.CompressiveKMeans` and
:class:`~skfrugal.mixture.CompressiveGaussianMixture` from their common parameters
(``sketch_size``, ``frequency_law``, ``scale``, ``batch_size``, ``dtype``), checks the
sample and sketch sizes, and says when a fit failed (:class:`DecodingWarning`); the
lifecycle (``fit``, ``partial_fit``, ``fit_sketch``) is
:class:`~skfrugal.sketching._compressive.CompressiveMixin`'s.
"""

import warnings

from sklearn.exceptions import ConvergenceWarning

from skfrugal.sketching._compressive import CompressiveMixin
from skfrugal.sketching._sketcher import FourierSketcher

#: A decoded model whose relative sketch residual exceeds this multiple of the sketch's
#: noise level does not explain the sketch. A model of the data's distribution leaves
#: about the noise level (0.3 to 1 times it on Gaussian clusters); a decoding that
#: missed or merged clusters, or a model too poor for the data, 2 to 1000 times it.
FAIL_FACTOR = 5.0


class DecodingWarning(ConvergenceWarning):
    """The model decoded from a sketch does not explain the sketch.

    Raised when the relative residual ``‖z - sketch(model)‖² / ‖z‖²`` of the decoded
    model is well above the sketch's sampling noise level, and no pass over the data
    refined the model afterwards (``fit_sketch``, ``partial_fit``, Dask input, or
    ``max_iter=0``). The message gives both figures and what to try.
    """


class CompressiveFourierMixin(CompressiveMixin):
    """Sketch operator, size checks and failure signal of a Fourier-sketch estimator.

    Subclasses define ``_n_atoms`` and ``_atoms_name`` (the number of clusters or
    components and the name of its parameter), ``_default_sketch_size(n_features)``,
    ``_check_sketch_size(m, n_features)`` (raise or warn), ``_decode(sketch,
    random_state, warm_start)`` (which sets ``decoder_cost_`` and ``noise_level_``)
    and ``_refine(X)`` (passes over the data; returns ``(n_iter, converged)``).
    """

    _operator_class = FourierSketcher
    _refinement_name = "refinement"

    def _check_n_samples(self, n_samples):
        K = self._n_atoms
        if n_samples < max(2, K):
            raise ValueError(
                f"n_samples={n_samples} should be >= 2 and >= {self._atoms_name}={K}"
            )

    def _new_sketcher(self, X, seed):
        n_features = X.shape[1]
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
        ).fit(X)

    def _check_operator(self, operator):
        d, m = operator.frequencies_.shape
        self._check_sketch_size(m, d)
        if m < self._n_atoms:
            raise ValueError(
                f"the sketch has {m} entries, fewer than {self._atoms_name}="
                f"{self._n_atoms}: a sketch of m numbers cannot hold more than m atoms"
            )

    def _decoding_explains_sketch(self):
        return self.decoder_cost_ <= FAIL_FACTOR * self.noise_level_

    def _after_decode(self):
        """Set ``converged_`` for a model decoded from the sketch alone; warn if it fails."""
        self.converged_ = bool(self._decoding_explains_sketch())
        if self.converged_:
            return
        ratio = self.decoder_cost_ / max(self.noise_level_, 1e-300)
        warnings.warn(
            f"the decoded model does not explain the sketch: its relative residual "
            f"{self.decoder_cost_:.3g} is {ratio:.0f} times the sketch's noise level "
            f"{self.noise_level_:.2g} (a model of the data leaves about 1 times it). "
            f"Either the decoder missed or merged clusters (try n_init={self._more_inits()} "
            f"or a larger sketch_size), or {self._atoms_name}={self._n_atoms} Gaussian "
            "clusters do not describe these data (try another number); with the data at "
            f"hand, fit(X) with max_iter > 0 refines the model on it",
            DecodingWarning,
            stacklevel=4,
        )

    def _more_inits(self):
        return 10 if self.n_init == "auto" else max(10, 2 * int(self.n_init))

    def _fit_data(self, X):
        if self.max_iter == 0 or not hasattr(self, "decoder_cost_"):
            self._without_data()
            return
        n_iter, converged = self._refine(X)
        self.n_iter_ = int(n_iter)
        self.converged_ = bool(converged)
        if not converged:
            warnings.warn(
                f"the {self._refinement_name} on the data did not converge within "
                f"max_iter={self.max_iter} passes (tol={self.tol}): increase max_iter",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _without_data(self):
        if hasattr(self, "decoder_cost_"):
            self._after_decode()
