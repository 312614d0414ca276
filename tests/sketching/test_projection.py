import numpy as np
import pytest

from skfrugal.sketching._features import fourier_features
from skfrugal.sketching._projection import project_rows


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d", [1, 3, 10, 64])
def test_projection_matches_matmul_and_ignores_batching(dtype, d):
    rng = np.random.default_rng(d)
    x = rng.normal(size=(203, d)).astype(dtype)
    w = rng.normal(size=(d, 37)).astype(dtype)
    whole = np.empty((203, 37), dtype)
    project_rows(x, w, whole)
    # against float64 BLAS, to the rounding of a d-term sum in this dtype
    exact = x.astype(np.float64) @ w.astype(np.float64)
    scale = np.abs(x).astype(np.float64) @ np.abs(w).astype(np.float64)
    assert np.all(np.abs(whole - exact) <= 2 * d * np.finfo(dtype).eps * scale)
    # every row identical to the last bit, in batches of any size and offset
    for size in (1, 2, 3, 5, 64):
        parts = np.empty_like(whole)
        for start in range(0, 203, size):
            project_rows(x[start:start + size], w, parts[start:start + size])
        np.testing.assert_array_equal(parts, whole)


def test_features_identical_in_every_batching():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10))
    weights, mean = rng.normal(size=(10, 50)), X.mean(axis=0)
    reference = fourier_features(X, weights, mean)
    for batch_size in (1, 7, 299):
        np.testing.assert_array_equal(
            fourier_features(X, weights, mean, batch_size=batch_size), reference
        )
