"""The base class of the covariance estimators: scikit-learn's covariance interface,
with a fitted check before every method that reads the fitted model."""

from sklearn.covariance import EmpiricalCovariance
from sklearn.utils.validation import check_is_fitted


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
        return super().mahalanobis(X)

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
        return super().error_norm(comp_cov, norm=norm, scaling=scaling, squared=squared)

    def get_precision(self):
        """The fitted precision matrix ``precision_``.

        Returns
        -------
        precision_ : ndarray of shape (n_features, n_features)
        """
        self._check_fitted()
        return super().get_precision()
