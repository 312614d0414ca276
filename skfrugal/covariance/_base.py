"""The base class of the covariance estimators: scikit-learn's covariance interface,
with a fitted check before every method that reads the fitted model."""

import numpy as np
from sklearn.covariance import EmpiricalCovariance
from sklearn.utils.validation import check_is_fitted, validate_data

from skfrugal.covariance._validation import check_square_matrix


class BaseCovariance(EmpiricalCovariance):
    """:class:`sklearn.covariance.EmpiricalCovariance` whose ``score``,
    ``mahalanobis``, ``error_norm`` and ``get_precision`` raise
    :class:`~sklearn.exceptions.NotFittedError` before ``fit`` (scikit-learn's raise
    ``AttributeError``)."""

    def _check_fitted(self):
        check_is_fitted(self, ["location_", "covariance_", "precision_"])

    def score(self, X_test, y=None):
        """Gaussian log-likelihood of ``X_test`` under the fitted model.

        Parameters
        ----------
        X_test : array-like of shape (n_samples, n_features)
            Test data.
        y : None
            Ignored.

        Returns
        -------
        res : float
            Mean log-likelihood per sample, as
            :meth:`sklearn.covariance.EmpiricalCovariance.score`.
        """
        self._check_fitted()
        return super().score(X_test, y)

    def mahalanobis(self, X):
        """Squared Mahalanobis distances of the observations to ``location_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations.

        Returns
        -------
        dist : ndarray of shape (n_samples,)
        """
        self._check_fitted()
        X = validate_data(self, X, reset=False)
        Xc = X - self.location_
        top = np.abs(Xc).max(initial=0.0)
        if top == 0.0:
            return np.zeros(X.shape[0])
        c = 2.0 ** np.round(np.log2(top))  # exact rescaling: no overflow in X P X
        Y = Xc / c
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            dist = np.einsum("ij,ij->i", Y @ self.get_precision(), Y) * (c * c)
        if not np.all(np.isfinite(dist)):
            raise ValueError(
                f"the squared Mahalanobis distances exceed the range of float64 (X "
                f"deviates from location_ by up to {top:.3g})")
        return dist

    def error_norm(self, comp_cov, norm="frobenius", scaling=True, squared=True):
        """Error between ``comp_cov`` and ``covariance_``, as
        :meth:`sklearn.covariance.EmpiricalCovariance.error_norm`.

        Parameters
        ----------
        comp_cov : array-like of shape (n_features, n_features)
            The covariance to compare with.
        norm : {"frobenius", "spectral"}, default="frobenius"
        scaling : bool, default=True
        squared : bool, default=True

        Returns
        -------
        result : float
        """
        self._check_fitted()
        if norm not in ("frobenius", "spectral"):
            raise ValueError(f"norm must be 'frobenius' or 'spectral', got {norm!r}")
        comp_cov = check_square_matrix(comp_cov, "comp_cov")
        if comp_cov.shape != self.covariance_.shape:
            raise ValueError(f"comp_cov has shape {comp_cov.shape}, the fitted covariance "
                             f"{self.covariance_.shape}")
        error = comp_cov - self.covariance_
        top = np.abs(error).max()
        if not np.isfinite(top):
            raise ValueError("the difference with comp_cov overflows float64")
        if top == 0.0:
            return 0.0
        c = 2.0 ** np.round(np.log2(top))  # exact rescaling of the error
        E = error / c
        if norm == "frobenius":
            value = float(np.sum(E**2))
        else:
            value = float(np.linalg.svd(E, compute_uv=False)[0]) ** 2
        if scaling:
            value /= E.shape[0]
        if not squared:
            return float(np.sqrt(value) * c)
        with np.errstate(over="ignore", under="ignore"):
            result = value * c * c
        if not np.isfinite(result):
            raise ValueError("the squared error norm exceeds the range of float64; "
                             "use squared=False")
        return float(result)

    def get_precision(self):
        """The fitted precision matrix ``precision_``.

        Returns
        -------
        precision_ : ndarray of shape (n_features, n_features)
        """
        self._check_fitted()
        return super().get_precision()
