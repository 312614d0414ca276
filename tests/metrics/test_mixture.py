"""Mixture metrics against scipy and POT."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from skfrugal.metrics import gmm_log_likelihood, mixture_wasserstein


def _gmm(rng, K, d):
    return (rng.dirichlet(np.ones(K)), rng.normal(size=(K, d)),
            rng.uniform(0.2, 2.0, size=(K, d)))


def test_log_likelihood_against_scipy():
    rng = np.random.default_rng(0)
    w, m, c = _gmm(rng, 3, 4)
    X = rng.normal(size=(300, 4))
    dens = sum(wk * multivariate_normal(mk, np.diag(ck)).pdf(X) for wk, mk, ck in zip(w, m, c))
    assert gmm_log_likelihood(X, w, m, c, batch_size=64) == pytest.approx(
        np.log(dens).mean(), rel=1e-12)
    # spherical covariances
    s = c[:, 0]
    dens = sum(wk * multivariate_normal(mk, sk * np.eye(4)).pdf(X) for wk, mk, sk in zip(w, m, s))
    assert gmm_log_likelihood(X, w, m, s) == pytest.approx(np.log(dens).mean(), rel=1e-12)


def test_mixture_wasserstein_against_pot():
    ot_gmm = pytest.importorskip("ot.gmm")
    rng = np.random.default_rng(1)
    w1, m1, c1 = _gmm(rng, 3, 4)
    w2, m2, c2 = _gmm(rng, 5, 4)
    C1 = np.stack([np.diag(c) for c in c1])
    C2 = np.stack([np.diag(c) for c in c2])
    expected = ot_gmm.gmm_ot_loss(m1, m2, C1, C2, w1, w2)
    assert mixture_wasserstein(w1, m1, c1, w2, m2, c2) ** 2 == pytest.approx(expected)
    assert mixture_wasserstein(w1, m1, c1, w1, m1, c1) == pytest.approx(0.0, abs=1e-7)
    # permuting the components changes nothing
    p = rng.permutation(3)
    assert mixture_wasserstein(w1, m1, c1, w2, m2, c2) == pytest.approx(
        mixture_wasserstein(w1[p], m1[p], c1[p], w2, m2, c2))


def test_bad_input():
    rng = np.random.default_rng(0)
    w, m, c = _gmm(rng, 2, 3)
    with pytest.raises(ValueError, match="covariances"):
        gmm_log_likelihood(np.zeros((2, 3)), w, m, c[:, :2])
    with pytest.raises(ValueError, match="> 0"):
        gmm_log_likelihood(np.zeros((2, 3)), w, m, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="features"):
        gmm_log_likelihood(np.zeros((2, 4)), w, m, c)
    with pytest.raises(ValueError, match="NaN"):
        gmm_log_likelihood(np.full((2, 3), np.nan), w, m, c)
    with pytest.raises(ValueError, match="weights1"):
        mixture_wasserstein(-w, m, c, w, m, c)
    with pytest.raises(ValueError, match="dimensions"):
        mixture_wasserstein(w, m, c, w, m[:, :2], c[:, :2])
