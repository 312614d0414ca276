"""skfrugal.covariance."""

__all__ = []
