"""skfrugal.linear_model."""

__all__ = []
