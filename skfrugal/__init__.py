"""skfrugal: frugal machine learning, compatible with scikit-learn.

Learn from tiny sketches of huge data sets (compressive k-means, Gaussian mixtures
and graphical lasso), fit sparse models with sorted penalties (SLOPE and sorted
non-convex penalties), and compress linear maps into butterfly factors.

The estimators live in topic subpackages, imported on first access::

    >>> import skfrugal
    >>> skfrugal.sketching.FourierSketcher
    <class 'skfrugal.sketching._sketcher.FourierSketcher'>
"""

import importlib

__version__ = "0.1.0.dev0"

_SUBPACKAGES = (
    "butterfly",
    "cluster",
    "covariance",
    "datasets",
    "linear_model",
    "metrics",
    "mixture",
    "proximal",
    "sketching",
    "utils",
)

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"skfrugal.{name}")
    raise AttributeError(f"module 'skfrugal' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
