"""skfrugal.datasets."""

from skfrugal.datasets._mixtures import make_gmm

__all__ = ["make_gmm"]
