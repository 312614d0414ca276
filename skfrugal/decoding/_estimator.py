"""What the estimators decoded from a Fourier sketch add to :class:`CompressiveMixin`.

:class:`CompressiveFourierMixin` makes the :class:`~skfrugal.sketching.FourierSketcher`
of :class:`~skfrugal.cluster.CompressiveKMeans` and
:class:`~skfrugal.mixture.CompressiveGaussianMixture` from their common parameters
(``sketch_size``, ``frequency_law``, ``scale``, ``batch_size``, ``dtype``) and checks
the sample and sketch sizes; the lifecycle (``fit``, ``partial_fit``, ``fit_sketch``)
is :class:`~skfrugal.sketching._compressive.CompressiveMixin`'s.
"""

from skfrugal.sketching._compressive import CompressiveMixin
from skfrugal.sketching._sketcher import FourierSketcher


class CompressiveFourierMixin(CompressiveMixin):
    """Sketch operator and size checks of an estimator decoded from a Fourier sketch.

    Subclasses define ``_n_atoms`` and ``_atoms_name`` (the number of clusters or
    components and the name of its parameter), ``_default_sketch_size(n_features)``,
    ``_check_sketch_size(m, n_features)`` (raise or warn) and ``_decode(sketch,
    random_state, warm_start)``.
    """

    _operator_class = FourierSketcher

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
            random_state=seed,
        ).fit(X)

    def _check_operator(self, operator):
        d, m = operator.frequencies_.shape
        self._check_sketch_size(m, d)
