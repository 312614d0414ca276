"""Utilities: estimator discovery, input validation, numba warm-up, BLAS thread limits."""

from skfrugal.utils._numba import warm_up
from skfrugal.utils._threads import blas_single_thread
from skfrugal.utils.discovery import all_estimators

__all__ = ["all_estimators", "blas_single_thread", "warm_up"]
