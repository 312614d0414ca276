import numpy as np
import pytest
from scipy import integrate, stats

from skfrugal.sketching import draw_frequencies
from skfrugal.sketching._frequencies import FREQUENCY_LAWS


def test_shape_and_reproducibility():
    a = draw_frequencies(300, 4, random_state=1)
    b = draw_frequencies(300, 4, random_state=1)
    assert a.shape == (4, 300)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, draw_frequencies(300, 4, random_state=2))


def test_gaussian_law_is_normal_with_variance_one_over_scale():
    omega = draw_frequencies(20000, 3, law="gaussian", scale=4.0, random_state=0)
    for row in omega:
        assert stats.kstest(row * 2.0, "norm").pvalue > 1e-3


def test_folded_gaussian_radius():
    omega = draw_frequencies(20000, 5, law="folded_gaussian", scale=0.25, random_state=0)
    radius = np.linalg.norm(omega, axis=0) * 0.5
    assert stats.kstest(radius, stats.halfnorm.cdf).pvalue > 1e-3


def test_adapted_radius_matches_its_density():
    # independent reference: the CDF of p(R) ∝ sqrt(R² + R⁴/4) exp(-R²/2) by quadrature
    pdf = lambda r: np.sqrt(r**2 + r**4 / 4) * np.exp(-(r**2) / 2)  # noqa: E731
    norm = integrate.quad(pdf, 0, np.inf)[0]

    def cdf(r):
        return np.array([integrate.quad(pdf, 0, x)[0] / norm for x in np.atleast_1d(r)])

    omega = draw_frequencies(5000, 7, law="adapted_radius", scale=1.0, random_state=0)
    radius = np.linalg.norm(omega, axis=0)
    assert stats.kstest(radius, cdf).pvalue > 1e-3


@pytest.mark.parametrize("law", FREQUENCY_LAWS)
def test_directions_are_isotropic(law):
    omega = draw_frequencies(20000, 3, law=law, random_state=0)
    directions = omega / np.linalg.norm(omega, axis=0)
    np.testing.assert_allclose(directions.mean(axis=1), 0, atol=0.03)
    np.testing.assert_allclose(directions @ directions.T / 20000, np.eye(3) / 3, atol=0.02)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_frequencies=0, n_features=2), "n_frequencies"),
        (dict(n_frequencies=3, n_features=0), "n_features"),
        (dict(n_frequencies=3, n_features=2, law="cauchy"), "law"),
        (dict(n_frequencies=3, n_features=2, scale=-1.0), "scale"),
        (dict(n_frequencies=3, n_features=2, scale=0.0), "scale"),
    ],
)
def test_invalid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_frequencies(**kwargs)
