"""skfrugal.metrics."""

__all__ = []
