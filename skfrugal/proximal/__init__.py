"""skfrugal.proximal."""

__all__ = []
