"""Frequency laws of random Fourier sketches (Keriven et al. 2018, section 3.3).

All laws are radial: ``omega = R * phi / sqrt(scale)`` with ``phi`` uniform on the unit
sphere and the radius ``R`` drawn independently of ``phi``:

- ``"gaussian"``: ``omega ~ N(0, I / scale)``, i.e. ``R ~ chi(d)``. It induces the
  Gaussian kernel of variance ``scale``; in high dimension ``||omega||`` concentrates
  around ``sqrt(d / scale)``, where the characteristic function of a cluster of
  variance ``scale`` is about ``exp(-d / 2)``: most entries of the sketch carry
  nothing.
- ``"folded_gaussian"``: ``R ~ |N(0, 1)|``.
- ``"adapted_radius"`` (recommended): ``p(R) ∝ sqrt(R² + R⁴ / 4) exp(-R² / 2)``, which
  maximises the expected information a frequency carries on a Gaussian cluster of
  variance ``scale``; sampled by inverse CDF on a fine grid.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

FREQUENCY_LAWS = ("adapted_radius", "folded_gaussian", "gaussian")

# inverse-CDF table of the adapted-radius law; beyond R = 12 the density is < 1e-29
_GRID = np.linspace(0.0, 12.0, 8193)
_PDF = np.sqrt(_GRID**2 + _GRID**4 / 4.0) * np.exp(-(_GRID**2) / 2.0)
_CDF = np.concatenate([[0.0], np.cumsum((_PDF[1:] + _PDF[:-1]) / 2.0 * np.diff(_GRID))])
_CDF /= _CDF[-1]


def draw_radii(n_frequencies, n_features, law, random_state):
    """Draw the radii ``R`` of ``n_frequencies`` frequencies of law ``law`` (unit scale).

    Parameters
    ----------
    n_frequencies : int
        Number of radii.
    n_features : int
        Dimension of the frequencies (used by the Gaussian law only).
    law : {"adapted_radius", "folded_gaussian", "gaussian"}
        Frequency law.
    random_state : numpy.random.RandomState
        Source of randomness.

    Returns
    -------
    radii : ndarray of shape (n_frequencies,)
    """
    if law == "adapted_radius":
        return np.interp(random_state.uniform(size=n_frequencies), _CDF, _GRID)
    if law == "folded_gaussian":
        return np.abs(random_state.standard_normal(n_frequencies))
    return np.sqrt(random_state.chisquare(n_features, size=n_frequencies))


@validate_params(
    {
        "n_frequencies": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "law": [StrOptions(set(FREQUENCY_LAWS))],
        "scale": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def draw_frequencies(n_frequencies, n_features, law="adapted_radius", scale=1.0, random_state=None):
    """Draw the frequencies of a random Fourier sketch.

    Parameters
    ----------
    n_frequencies : int
        Number of frequencies ``m`` (the sketch has ``m`` complex entries).
    n_features : int
        Dimension ``d`` of the data.
    law : {"adapted_radius", "folded_gaussian", "gaussian"}, default="adapted_radius"
        Law of the frequency radius; see the module documentation.
    scale : float, default=1.0
        The squared kernel bandwidth ``σ̄²``: the intra-cluster variance the
        frequencies are tuned for. Frequencies scale as ``1 / sqrt(scale)``.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw; an int makes it reproducible.

    Returns
    -------
    frequencies : ndarray of shape (n_features, n_frequencies)
        The frequency matrix ``Ω``; column ``j`` is ``ω_j``.

    See Also
    --------
    estimate_scale : Estimate ``scale`` from a small sample of the data.
    FourierSketcher : Sketch data with these frequencies.

    Examples
    --------
    >>> from skfrugal.sketching import draw_frequencies
    >>> omega = draw_frequencies(500, 3, law="gaussian", scale=4.0, random_state=0)
    >>> omega.shape
    (3, 500)
    >>> round(float(omega.std()), 1)   # N(0, I / 4): standard deviation 1/2
    0.5
    """
    rng = check_random_state(random_state)
    directions = rng.standard_normal((n_features, n_frequencies))
    directions /= np.linalg.norm(directions, axis=0)
    radii = draw_radii(n_frequencies, n_features, law, rng)
    return directions * (radii / np.sqrt(scale))
