"""skfrugal.mixture."""

__all__ = []
