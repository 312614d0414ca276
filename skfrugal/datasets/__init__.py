"""Generated data sets with a known ground truth: mixtures, sparse graphs, correlated
regressions. Used by the tests, the examples and the benchmarks.
"""

from skfrugal.datasets._covariance import make_sparse_precision, sample_gaussian_graph
from skfrugal.datasets._mixtures import make_gmm
from skfrugal.datasets._slope import make_correlated_regression

__all__ = [
    "make_correlated_regression",
    "make_gmm",
    "make_sparse_precision",
    "sample_gaussian_graph",
]
