"""Sketching at the public boundary: checked arguments, scale-free fits, one identity.

References are the same computation on the original data (powers of two scale exactly,
so some results must agree bit for bit) and NumPy's moments.
"""

import dask.array as da
import numpy as np
import pytest

from skfrugal.sketching import (
    FourierSketcher,
    estimate_scale,
    fourier_features,
    fourier_sketch_chunk,
    reduce_dask_chunks,
    sketch_chunk,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=4.0, size=(3, 3))
    X = centres[rng.integers(3, size=600)] + rng.normal(size=(600, 3))
    return X, rng.normal(size=(3, 40))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_powers_of_two_rescale_exactly(data, dtype):
    # frequencies 2^-500 on data 2^500 (and the reverse): the same phases, rescaled
    # inside sketch_chunk; the sums agree bit for bit, the moments scale exactly
    X, W = data
    ref = sketch_chunk(X, W, X.mean(axis=0), dtype)
    for k in (500, -500):
        out = sketch_chunk(np.ldexp(X, k), np.ldexp(W, -k), np.ldexp(X.mean(axis=0), k), dtype)
        np.testing.assert_array_equal(out[0], ref[0])
        for a, b in zip(out[2:5], ref[2:5]):
            np.testing.assert_array_equal(a, np.ldexp(b, k))
        np.testing.assert_allclose(out[5], np.ldexp(ref[5], 2 * k), rtol=1e-12)


def test_moments_against_numpy(data):
    X, W = data
    _, n, lo, hi, mean, m2 = sketch_chunk(X, W, np.zeros(3), np.float64)
    assert n == 600
    np.testing.assert_allclose([lo, hi, mean, m2 / n],
                               [X.min(0), X.max(0), X.mean(0), X.var(0)], rtol=1e-12)


@pytest.mark.parametrize("factor", [1e-300, 1e-150, 1e150, 1e300])
def test_fourier_sketcher_is_scale_free(data, factor):
    X = data[0]
    ref = FourierSketcher(sketch_size=64, random_state=0).fit(X)
    est = FourierSketcher(sketch_size=64, random_state=0).fit(X * factor)
    assert est.scale_ == pytest.approx(ref.scale_, rel=1e-6)
    np.testing.assert_allclose(est.std_ / factor, ref.std_, rtol=1e-12)
    # the fitted parameters agree to ~1e-15, so the float32 rounding of a weight can
    # differ by one ulp: features agree to their documented float32 accuracy,
    # 2e-7 + 6e-8 |t| per value that differs (t the phase in half-turns, < 5 here)
    np.testing.assert_allclose(est.transform(X * factor), ref.transform(X), atol=8e-7)
    if factor < 1e200:
        z = est.sketch(X * factor).mean
        np.testing.assert_allclose(z, ref.sketch(X).mean, atol=3e-7)
    else:  # the sum of squared deviations (1e600) has no float64 value: refused
        with pytest.raises(ValueError, match="sum of squared deviations overflows"):
            est.sketch(X * factor)


def test_estimate_scale_is_scale_free(data):
    X = data[0]
    ref = estimate_scale(X, random_state=0)
    for factor in (2.0**-400, 1e-100, 1e100, 2.0**400):
        assert estimate_scale(X * factor, random_state=0) / factor**2 == pytest.approx(
            ref, rel=1e-6)
    with pytest.raises(ValueError, match="outside the float64 range"):
        estimate_scale(X * 1e300, random_state=0)
    with pytest.raises(ValueError, match="n_iter"):
        estimate_scale(X, n_iter=10**9)


def test_layouts_and_containers_give_the_same_sketch(data):
    X, W = data
    ref = sketch_chunk(X, W, X.mean(0))
    read_only = X.copy()
    read_only.flags.writeable = False
    for other in (np.asfortranarray(X), read_only, X.tolist(), X[:, [0, 1, 2]]):
        out = sketch_chunk(other, W, list(X.mean(0)))
        for a, b in zip(out, ref):
            np.testing.assert_array_equal(a, b)


def test_operator_identity_covers_the_precision(data):
    X = data[0]
    a = FourierSketcher(sketch_size=16, dtype="float32", random_state=0).fit(X)
    b = FourierSketcher(sketch_size=16, dtype="float64", random_state=0).fit(X)
    np.testing.assert_array_equal(a.frequencies_, b.frequencies_)  # the same draw
    assert a.operator_id_ != b.operator_id_
    with pytest.raises(ValueError, match="operator"):
        a.sketch(X) + b.sketch(X)


def test_partial_fit_on_dask_sets_the_dimension(data):
    X = data[0]
    est = FourierSketcher(sketch_size=16, random_state=0).partial_fit(
        da.from_array(X, chunks=200))
    assert est.n_features_in_ == 3
    again = FourierSketcher(sketch_size=16, random_state=0).partial_fit(X)
    np.testing.assert_allclose(est.sketch_.mean, est.sketch(X).mean, atol=1e-12)
    assert again.n_features_in_ == 3


@pytest.mark.parametrize("call, match", [
    (lambda X, W: sketch_chunk(X[:, :2], W, np.zeros(3)), "2 features, but weights has 3"),
    (lambda X, W: sketch_chunk(X, W, np.zeros(2)), r"mean must have shape \(3,\)"),
    (lambda X, W: sketch_chunk(X, W + 1j, np.zeros(3)), "Complex data not supported"),
    (lambda X, W: sketch_chunk(X + 1j, W, np.zeros(3)), "complex dtype"),
    (lambda X, W: sketch_chunk(X, W, np.zeros(3), dtype="bogus"), "float32 or float64"),
    (lambda X, W: sketch_chunk(X[0], W, np.zeros(3)), "2D array"),
    (lambda X, W: fourier_features(np.where(X > 3, np.nan, X), W, np.zeros(3)), "NaN"),
    (lambda X, W: fourier_features(X, W * 1e20, np.zeros(3)), "phases of the data reach"),
    (lambda X, W: fourier_sketch_chunk(X, W, np.zeros(3), -np.ones(3)), "std must be"),
    (lambda X, W: reduce_dask_chunks(X, fourier_sketch_chunk, (40,)), "dask.array.Array"),
])
def test_bad_arguments_are_refused_by_name(data, call, match):
    X, W = data
    with pytest.raises((ValueError, TypeError), match=match):
        call(X, W)
