"""skfrugal.butterfly."""

__all__ = []
