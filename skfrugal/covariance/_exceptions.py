"""Errors of the graphical-lasso solvers and the compressive decoder."""


class NotPositiveDefiniteError(ValueError, FloatingPointError):
    """A fit found no positive-definite precision matrix (a solver broke down, or the
    decoded matrix is not positive definite).

    A ``ValueError`` for the user (these data cannot be fitted at this ``alpha``),
    and a ``FloatingPointError`` like every numerical breakdown, so that paths and
    cross-validation record it as a failed point instead of stopping.
    """


class SingularCovarianceError(NotPositiveDefiniteError):
    """No off-diagonal penalty and a singular covariance: the problem has no solution."""
