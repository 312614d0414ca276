"""Warm-up of the cluster coordinate descent kernels (dense and CSC designs)."""

import numpy as np
import scipy.sparse as sp

from skfrugal.linear_model._columns import (
    centered_matvec,
    constant_dense_columns,
    dense_matvec_cols,
    max_abs,
    weighted_moments,
    weighted_sq_norms,
)
from skfrugal.linear_model._losses import LogisticLoss
from skfrugal.linear_model._pgd import pgd_step_dense
from skfrugal.linear_model._solvers import Design


def warm_up():
    """Compile (or load from the numba cache) every kernel of skfrugal.linear_model."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 4))
    lam = np.array([0.4, 0.3, 0.2, 0.1])
    w = np.full(6, 1 / 6)
    for A in (X, np.asfortranarray(X)):  # C- and F-ordered designs
        constant_dense_columns(A, w)
        weighted_sq_norms(A, w)
        weighted_moments(A, w, w, True, np.empty(4), np.empty(4), np.empty(4))
        dense_matvec_cols(A, np.array([0, 2]), np.array([1.0, -1.0]), np.empty(6))
    max_abs(X.ravel())
    for center in (True, False):
        centered_matvec(np.asfortranarray(X), np.array([1.0, 0.0, -1.0, 0.5]), np.ones(4),
                        center, np.empty(6))
    for center in (True, False):
        pgd_step_dense(np.asfortranarray(X), np.zeros(4), center, rng.standard_normal(6), w,
                       np.array([0.5, 0.0, -0.5, 0.0]), rng.standard_normal(4), lam, 1.0, 4,
                       80, np.empty(4), np.empty(6))
    loss = LogisticLoss(np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0]), w)
    z = rng.standard_normal(6)
    loss.grad_hess(z)
    loss.value_along(z, z, 0.5)
    for fit_intercept in (True, False):
        _, u = loss.value_dual_point(z, fit_intercept)
        loss.value_dual_point_slope(z, fit_intercept, z)
    loss.scaled_dual_value(u, 2.0)
    for design in (Design(X), Design(sp.csc_matrix(X))):
        for h in (np.empty(0), np.full(6, 1 / 6)):
            beta = np.array([1.0, -1.0, 0.5, 0.0])
            r = rng.standard_normal(6)
            design.cd(r, beta, lam, 2, 0.0, h, X.mean(axis=0), True)
            design.cd(r, beta, lam, 2, 0.0, h, X.mean(axis=0), True, 1, np.ones(4))
        # two outputs (multinomial): flat (p, 2) coefficients, (n, 2) residual
        beta = np.array([1.0, -1.0, 0.5, 0.0, 0.2, 0.0, 0.0, -0.3])
        design.cd(rng.standard_normal(12), beta, np.linspace(0.5, 0.1, 8), 2, 0.0,
                  np.full(12, 1 / 12), np.zeros(8), True, 2)
