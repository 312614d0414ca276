"""skfrugal.datasets."""

__all__ = []
