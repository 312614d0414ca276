"""What the estimators decoded from a Fourier sketch add to :class:`CompressiveMixin`.

:class:`CompressiveFourierMixin` makes the :class:`~skfrugal.sketching.FourierSketcher`
of :class:`~skfrugal.cluster.CompressiveKMeans` and
:class:`~skfrugal.mixture.CompressiveGaussianMixture` from their common parameters
(``sketch_size``, ``frequency_law``, ``scale``, ``batch_size``, ``dtype``), checks the
sample and sketch sizes, and says when a fit failed (:class:`DecodingWarning`); the
lifecycle (``fit``, ``partial_fit``, ``fit_sketch``) is
:class:`~skfrugal.sketching._compressive.CompressiveMixin`'s.
"""

import os
import sys
import warnings

import sklearn
from sklearn.exceptions import ConvergenceWarning

import skfrugal
from skfrugal.sketching._compressive import CompressiveMixin
from skfrugal.sketching._sketcher import FourierSketcher

_LIBRARY_DIRS = tuple(os.path.dirname(m.__file__) + os.sep for m in (skfrugal, sklearn))


def _caller_stacklevel():
    """``stacklevel`` that points a warning at the first frame outside skfrugal and sklearn.

    The fit routes (``fit``, ``partial_fit``, ``fit_sketch``, through scikit-learn's
    ``_fit_context``) reach the warning at different depths; the user's line is the
    one to show.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    return level


#: A decoded model whose relative sketch residual exceeds this multiple of the sketch's
#: noise level does not explain the sketch. A model of the data's distribution leaves
#: about the noise level (0.3 to 1 times it on Gaussian clusters: measured 0.48-0.55
#: at d = 48-256); a decoding that missed or merged clusters, or a model too poor for
#: the data, 2 to 1000 times it (measured: two clusters merged at d = 48, n = 2000,
#: 3.1 times it). The same multiple as the restart target of ``decode``.
FAIL_FACTOR = 2.0


class DecodingWarning(ConvergenceWarning):
    """The model decoded from a sketch does not explain the sketch.

    Raised when no pass over the data refined the model after decoding
    (``fit_sketch``, ``partial_fit``, Dask input, or ``max_iter=0``) and either the
    relative residual ``‖z - sketch(model)‖² / ‖z‖²`` of the decoded model is well
    above the sketch's sampling noise level (the model does not explain the sketch),
    or the sketch has too few entries for its residual to tell (a model with about as
    many parameters as the sketch has numbers fits any sketch), or the sketch does not
    resolve part of the model (mixture variances at the decoder's lower bound, far
    below the kernel's resolution). The message gives the figures and what to try;
    the estimator's ``converged_`` is False.
    """


class CompressiveFourierMixin(CompressiveMixin):
    """Sketch operator, size checks and failure signal of a Fourier-sketch estimator.

    Subclasses define ``_n_atoms`` and ``_atoms_name`` (the number of clusters or
    components and the name of its parameter), ``_default_sketch_size(n_features)``,
    ``_reliable_sketch_size(n_features)`` (the sketch size below which a decoded
    model cannot be checked against the sketch), ``_check_sketch_size(m, n_features)``
    (raise or warn), ``_decode(sketch,
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
        """Set ``converged_`` for a model decoded from the sketch alone; warn if it fails.

        The decoded model passes when its sketch residual is within ``FAIL_FACTOR``
        times the sketch's noise level, and the sketch has enough entries for that test
        to mean something: below ``_reliable_sketch_size`` a model has about as many
        parameters as the sketch has numbers, fits it whatever the data, and its small
        residual proves nothing.
        """
        m, d = self.sketcher_.frequencies_.shape[1], self.sketcher_.frequencies_.shape[0]
        reliable = self._reliable_sketch_size(d)
        explains = bool(self._decoding_explains_sketch())
        unresolved = self._unresolved_by_sketch() if m >= reliable else None
        self.converged_ = explains and m >= reliable and unresolved is None
        if self.converged_:
            return
        ratio = self.decoder_cost_ / max(self.noise_level_, 1e-300)
        figures = (f"relative residual {self.decoder_cost_:.3g}, {ratio:.3g} times the "
                   f"sketch's noise level {self.noise_level_:.3g}")
        refine = "with the data at hand, fit(X) with max_iter > 0 refines the model on it"
        if not explains:
            message = (
                f"the decoded model does not explain the sketch ({figures}; a model of "
                "the data leaves about 1 times it). Either the decoder missed or merged "
                f"clusters (try n_init={self._more_inits()} or a larger sketch_size), or "
                f"{self._atoms_name}={self._n_atoms} Gaussian clusters do not describe "
                f"these data (try another number); {refine}"
            )
            if unresolved is not None:
                message += f". Besides, {unresolved}"
        elif unresolved is not None:
            message = (
                f"the decoded model fits the sketch ({figures}) but {unresolved}; "
                f"{refine}"
            )
        else:
            message = (
                f"the sketch has {m} entries, fewer than the {reliable} a model of "
                f"{self._atoms_name}={self._n_atoms} in {d} features needs: the "
                f"decoded model fits it ({figures}) but so would other models, so the "
                f"fit cannot be checked. Use sketch_size >= {reliable} (the default is "
                f"{self._default_sketch_size(d)}); {refine}"
            )
        warnings.warn(message, DecodingWarning, stacklevel=_caller_stacklevel())

    def _unresolved_by_sketch(self):
        """What of the decoded model the sketch cannot pin down, as a phrase, or None."""
        return None

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
                stacklevel=_caller_stacklevel(),
            )

    def _without_data(self):
        if hasattr(self, "decoder_cost_"):
            self._after_decode()
