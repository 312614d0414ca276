"""Bad input to the decoding layer: clear errors, never an abort, a hang or a kernel overrun."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from skfrugal.cluster import CompressiveKMeans, decode_kmeans
from skfrugal.decoding import (
    DecoderInputs,
    atom_sketches,
    cl_ompr,
    cl_ompr_gmm,
    correlation_and_gradient,
    decode,
    decoder_inputs,
    global_descent,
    mean_shift,
    mixture_cost_and_gradient,
    mixture_sketch,
    nnls_weights,
    residual_cost,
    sketch_and_shift,
    sketch_noise_level,
    split_gmm,
)
from skfrugal.mixture import CompressiveGaussianMixture, decode_gmm
from skfrugal.sketching import FourierSketcher, Sketch, draw_frequencies

DECODERS = [sketch_and_shift, cl_ompr, cl_ompr_gmm, split_gmm]


@pytest.fixture(scope="module")
def problem():
    omega = draw_frequencies(30, 2, scale=0.1, random_state=0)
    centers = np.array([[0.0, 0.0], [2.0, 1.0]])
    z = mixture_sketch(omega, centers, np.full(2, 0.1), np.full(2, 0.5))
    inputs = DecoderInputs.from_arrays(z, omega, [-1.0, -1.0], [3.0, 2.0], scale=0.1)
    return z, omega, centers, inputs


@pytest.fixture(scope="module")
def sketch():
    X = np.random.default_rng(0).normal(size=(500, 2))
    return FourierSketcher(40, random_state=0).fit(X).sketch(X)


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("n_components, match", [
    (0, "n_components"), (31, "more than the 30 entries"), (2.5, "n_components")])
def test_decoders_refuse_bad_numbers_of_components(problem, decoder, n_components, match):
    with pytest.raises(ValueError, match=match):
        decoder(problem[3], n_components)
    with pytest.raises(ValueError, match=match):
        decode(problem[3], n_components)


def test_decoders_refuse_bad_inputs(problem):
    z, omega, _, inputs = problem
    with pytest.raises(ValueError, match="NaN"):
        DecoderInputs.from_arrays(z, omega, [np.nan, -1.0], [3.0, 2.0], scale=0.1)
    with pytest.raises(ValueError, match="lower must not exceed"):
        DecoderInputs.from_arrays(z, omega, [4.0, -1.0], [3.0, 2.0], scale=0.1)
    with pytest.raises(ValueError, match="scale"):
        DecoderInputs.from_arrays(z, omega, [-1.0, -1.0], [3.0, 2.0], scale=-1.0)
    with pytest.raises(ValueError, match="30 columns"):
        DecoderInputs.from_arrays(z[:10], omega, [-1.0, -1.0], [3.0, 2.0], scale=0.1)
    with pytest.raises(ValueError, match="inputs"):
        sketch_and_shift(z, 2)
    for bounds, match in [((1.0, 0.5), "lower <= upper"), ((np.nan, 1.0), "NaN"),
                          ((0.0, np.ones(3)), "2 values"), ((-1.0, 1.0), "0 <= lower")]:
        with pytest.raises(ValueError, match=match):
            sketch_and_shift(inputs, 2, variance_bounds=bounds)
    with pytest.raises(ValueError, match="covariance"):
        decode(inputs, 2, covariance="full")
    with pytest.raises(ValueError, match="decoder"):
        decode(inputs, 2, decoder="lloyd")


def test_building_blocks_refuse_empty_and_misshaped_arrays(problem):
    z, omega, centers, _ = problem
    w = np.full(2, 0.5)
    with pytest.raises(ValueError, match="K >= 1"):
        nnls_weights(z, np.empty((0, 30), dtype=complex))
    with pytest.raises(ValueError, match="empty"):
        mixture_cost_and_gradient(z, omega, np.empty((0, 2)), None, np.empty(0))
    with pytest.raises(ValueError, match="centers has 3 features"):
        mixture_cost_and_gradient(z, omega, np.zeros((2, 3)), None, w)
    with pytest.raises(ValueError, match="weights has 3 entries"):
        mixture_cost_and_gradient(z, omega, centers, None, np.ones(3))
    with pytest.raises(ValueError, match="variances"):
        atom_sketches(omega, centers, np.ones((3, 2)))
    with pytest.raises(ValueError, match="empty"):
        correlation_and_gradient(np.empty((0, 2)), z, omega)
    with pytest.raises(ValueError, match="sketch has 29 entries"):
        correlation_and_gradient(centers, z[:29], omega)
    with pytest.raises(ValueError, match="lower and upper"):
        global_descent(z, omega, centers, None, w, np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        global_descent(z, omega, centers + np.nan, None, w, np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="empty"):
        residual_cost(z, np.empty((2, 0)), centers, None, w)
    with pytest.raises(ValueError, match="both lower and upper"):
        mean_shift(centers, z, omega, lower=np.zeros(2))
    with pytest.raises(ValueError, match="n_samples"):
        sketch_noise_level(z, 0)


def test_unusable_sketches_are_refused(sketch):
    bad = Sketch(*sketch.stats, sketch.operator_id, sketch.operator)
    bad.data_m2 = -np.ones(2)
    with pytest.raises(ValueError, match="negative sum of squared"):
        decoder_inputs(bad)
    bad = Sketch(*sketch.stats, sketch.operator_id, sketch.operator)
    bad.data_min, bad.data_max = bad.data_max.copy(), bad.data_min.copy()
    with pytest.raises(ValueError, match="data_min > data_max"):
        CompressiveKMeans(2).fit_sketch(bad)
    for attr, value, match in [("std_", np.zeros(2), "std_"), ("scale_", -1.0, "scale_")]:
        op = FourierSketcher(40, random_state=0).fit(np.random.default_rng(0).normal(
            size=(500, 2)))
        setattr(op, attr, value)
        op.operator_id_ = op._compute_operator_id()
        forged = Sketch(*sketch.stats, op.operator_id_, op)
        with pytest.raises(ValueError, match=match):
            CompressiveGaussianMixture(2).fit_sketch(forged)
    with pytest.raises(ValueError, match="n_clusters"):
        decode_kmeans(sketch, 0)
    with pytest.raises(ValueError, match="n_components"):
        decode_gmm(sketch, 0)
    with pytest.raises(ValueError, match="more than the 40 entries"):
        decode_gmm(sketch, 41)


def test_kernels_in_bounds_on_bad_input():
    """The checked entry points, run with numba's bounds checks on, in a subprocess.

    An overrun would be an IndexError (or an abort: a non-zero return code).
    """
    code = textwrap.dedent("""
        import numpy as np
        from skfrugal.decoding import (correlation_and_gradient, global_descent,
            mixture_cost_and_gradient, nnls_weights, DecoderInputs, decode)
        from skfrugal.decoding._kernels import mixture_cost_grad_kernel
        omega = np.random.default_rng(0).normal(size=(2, 12))
        z = np.exp(-1j * (np.array([0.5, -0.2]) @ omega))
        bad = [lambda: mixture_cost_and_gradient(z, omega, np.empty((0, 2)), None, np.empty(0)),
               lambda: mixture_cost_and_gradient(z, omega, np.zeros((1, 3)), None, np.ones(1)),
               lambda: correlation_and_gradient(np.zeros((2, 3)), z, omega),
               lambda: correlation_and_gradient(np.zeros((2, 2)), z[:5], omega),
               lambda: global_descent(z, omega, np.zeros((1, 2)), np.ones(2), np.ones(1),
                                      np.zeros(2), np.ones(2)),
               lambda: nnls_weights(z, np.empty((0, 12)))]
        for call in bad:
            try:
                call()
            except ValueError:
                pass
            else:
                raise SystemExit("accepted bad input")
        cost = mixture_cost_and_gradient(z, omega, np.array([[0.5, -0.2]]), None, np.ones(1))[0]
        assert cost < 1e-20, cost
        inputs = DecoderInputs.from_arrays(z, omega, [-1, -1], [1, 1], scale=0.1)
        decode(inputs, 1, random_state=0)
        print("ok")
    """)
    env = {"NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": "/tmp/skfrugal-boundscheck-cache"}
    import os

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
