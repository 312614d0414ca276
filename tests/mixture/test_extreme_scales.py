"""Compressive estimators at the ends of the float64 range: work or refuse by name."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from skfrugal.cluster import CompressiveKMeans
from skfrugal.mixture import CompressiveGaussianMixture


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    labels = rng.integers(3, size=3000)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return centres[labels] + rng.normal(size=(3000, 2)), labels


def test_outputs_that_overflow_are_refused(blobs):
    X, labels = blobs
    km = CompressiveKMeans(3, random_state=0).fit(X)
    gmm = CompressiveGaussianMixture(3, random_state=0).fit(X)
    assert adjusted_rand_score(labels, km.predict(X)) > 0.9
    assert adjusted_rand_score(labels, gmm.predict(X)) > 0.9
    far = X * 1e300
    for method in (km.transform, km.score, gmm.score_samples, gmm.score, gmm.predict_proba):
        with pytest.raises(ValueError, match="overflows float64: X has values up to"):
            method(far)


def test_reg_covar_above_every_variance_is_refused(blobs):
    X, labels = blobs
    with pytest.raises(ValueError, match="reg_covar=1e-06 exceeds the variance"):
        CompressiveGaussianMixture(3, random_state=0).fit(X * 1e-150)
    gmm = CompressiveGaussianMixture(3, reg_covar=0.0, random_state=0).fit(X * 1e-150)
    assert adjusted_rand_score(labels, gmm.predict(X * 1e-150)) > 0.9
