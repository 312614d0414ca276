"""skfrugal.cluster."""

__all__ = []
