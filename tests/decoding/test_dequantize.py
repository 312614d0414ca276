"""The conversion of quantized sketches for the decoders (decoder_inputs, dequantize)."""

import numpy as np

from skfrugal.decoding import decoder_inputs
from skfrugal.decoding._inputs import (
    QUANTIZER_GAIN,
    dequantize,
    harmonic_distortion,
    sketch_noise_level,
)
from skfrugal.sketching import FourierSketcher


def _harmonic_series(omega, xi, mu, s2, n_terms=200):
    """Expected dequantized sketch of N(mu, s2 I) under the 1-bit quantizer, by the
    Fourier series ``q(t) = (4/π) Σ_k (-1)^k e^{-i (-1)^k (2k+1) t} / (2k + 1)``."""
    total = np.zeros(omega.shape[1], dtype=complex)
    for k in range(n_terms):
        sign, h = (-1) ** k, 2 * k + 1
        w = sign * h * omega  # the harmonic's frequency
        phi = np.exp(-1j * (mu @ w) - 0.5 * s2 * np.einsum("ij,ij->j", w, w))
        total += sign / h * np.exp(1j * xi * (1 - sign * h)) * phi
    return total


def test_dequantize_divides_out_gain_and_dither():
    z = np.array([1.0 + 2.0j, -0.5j])
    xi = np.array([0.3, 5.0])
    out = dequantize(z, xi)
    np.testing.assert_allclose(out * QUANTIZER_GAIN["1bit"] * np.exp(-1j * xi), z)
    assert QUANTIZER_GAIN["1bit"] == 4 / np.pi


def test_quantized_sketch_estimates_the_harmonic_series():
    rng = np.random.default_rng(0)
    n, mu, s2 = 200_000, np.array([0.5, -1.0]), 0.3
    X = mu + np.sqrt(s2) * rng.standard_normal((n, 2))
    sk = FourierSketcher(sketch_size=64, scale=0.3, standardize=False,
                         quantization="1bit", random_state=0).fit(X)
    inputs = decoder_inputs(sk.sketch(X))
    expected = _harmonic_series(sk.frequencies_, sk.dither_, mu, s2)
    # sampling noise of each entry: sqrt((π²/8 - |z|²) / n) <= 2.5e-3
    assert np.abs(inputs.z - expected).max() < 1.2e-2
    # the first harmonic alone (the exponential sketch) misses by the higher ones
    first = _harmonic_series(sk.frequencies_, sk.dither_, mu, s2, n_terms=1)
    assert np.abs(inputs.z - first).max() > 0.05
    assert np.isclose(inputs.feature_power, np.pi**2 / 8)


def test_noise_level_of_quantized_sketches_matches_their_spread():
    # 300 quantized sketches of 1000 samples each: the spread of the dequantized
    # sketch around its mean is what sketch_noise_level predicts with power π²/8
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300_000, 2)) * 0.5
    sk = FourierSketcher(sketch_size=32, scale=0.25, standardize=False,
                         quantization="1bit", random_state=0).fit(X)
    zs = np.array([decoder_inputs(sk.sketch(c)).z for c in np.split(X, 300)])
    centre = zs.mean(axis=0)
    spread = np.mean(np.sum(np.abs(zs - centre) ** 2, axis=1)) * 300 / 299
    power = float(np.vdot(centre, centre).real)
    predicted = sketch_noise_level(centre, 1000, feature_power=np.pi**2 / 8) * power
    assert abs(spread / predicted - 1) < 0.08
    # and the exponential features' power (1) would under-predict it
    assert spread > 1.1 * sketch_noise_level(centre, 1000) * power


def test_harmonic_distortion_matches_the_series_and_the_residual():
    # for a Gaussian, the power of the higher harmonics is known in closed form; the
    # estimate from the sketch's radial power profile finds it, and with it the noise
    # level explains the residual of the true model
    rng = np.random.default_rng(2)
    n, mu, s2 = 200_000, np.array([0.5, -1.0, 0.0]), 0.3
    X = mu + np.sqrt(s2) * rng.standard_normal((n, 3))
    sk = FourierSketcher(sketch_size=200, scale=0.3, standardize=False,
                         quantization="1bit", random_state=0).fit(X)
    inputs = decoder_inputs(sk.sketch(X))
    omega = sk.frequencies_
    r2 = np.einsum("ij,ij->j", omega, omega)
    true = sum(np.exp(-(h**2) * r2 * s2) / h**2 for h in range(3, 400, 2)).mean()
    estimate = harmonic_distortion(inputs.z, omega, n)
    assert abs(estimate / true - 1) < 0.25
    assert inputs.harmonic_var == estimate and inputs.noise_var == 0.0
    assert inputs.restart_noise_level < inputs.noise_level
    # the residual of the true model (the first harmonic) is of that level; it varies
    # with the dither (the harmonics interfere: 0.71 to 1.01 times their mean power over
    # 5 dithers at this size)
    exact = np.exp(-1j * (mu @ omega) - 0.5 * s2 * r2)
    residual = np.sum(np.abs(inputs.z - exact) ** 2) / np.vdot(inputs.z, inputs.z).real
    assert 0.5 < residual / inputs.noise_level < 1.5


def test_first_harmonic_gain_against_monte_carlo():
    # E_θ[q(θ + ξ) e^{iθ}] for θ uniform: e^{-iξ} (1/2π) ∫ (|cos u| + |sin u|) du
    # = e^{-iξ} (4 + 4) / 2π = (4/π) e^{-iξ}. Monte-Carlo average of the kernel's own
    # quantized features (transform) over 400 000 uniform phases, tolerance 5 sigma
    # (each product has power 2)
    rng = np.random.default_rng(3)
    n = 400_000
    X = rng.uniform(-1e3, 1e3, (n, 1))
    for dtype in ("float32", "float64"):
        sk = FourierSketcher(sketch_size=8, scale=1.0, standardize=False, dtype=dtype,
                             quantization="1bit", random_state=0).fit(X[:100])
        features = sk.transform(X) * np.sqrt(8)  # ±1: [sign cos, -sign sin]
        q = features[:, :8] + 1j * features[:, 8:]
        theta = X @ sk.frequencies_  # exact phases (the float32 ones differ by < 1e-4)
        gain = (q * np.exp(1j * theta)).mean(axis=0) * np.exp(1j * sk.dither_)
        assert np.abs(gain - 4 / np.pi).max() < 5 * np.sqrt(2 / n)
        np.testing.assert_allclose(dequantize(gain * np.exp(-1j * sk.dither_), sk.dither_),
                                   1.0, atol=5 * np.sqrt(2 / n) * np.pi / 4)
