"""DecoderInputs is checked on construction and before every decoder."""

import copy

import numpy as np
import pytest

from skfrugal.decoding import (
    DecoderInputs,
    cl_ompr,
    global_descent,
    mixture_sketch,
    sketch_and_shift,
)


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(0)
    omega = rng.normal(size=(2, 60))
    centers = np.array([[-2.0, 0.0], [2.0, 1.0]])
    z = mixture_sketch(omega, centers, np.array([0.1, 0.1]), np.array([0.5, 0.5]))
    return DecoderInputs.from_arrays(z, omega, -3 * np.ones(2), 3 * np.ones(2), scale=0.1)


def test_from_arrays_accepts_lists_as_arrays(inputs):
    again = DecoderInputs.from_arrays(inputs.z.tolist(), inputs.frequencies.tolist(),
                                      [-3, -3], [3, 3], scale=0.1)
    for name in ("z", "frequencies", "lower", "upper", "data_var", "metric"):
        np.testing.assert_array_equal(getattr(again, name), getattr(inputs, name))
        assert getattr(again, name).dtype == getattr(inputs, name).dtype
    # and the decoding recovers the two centres (the sketch is exact)
    res = cl_ompr(again, 2, random_state=0)
    got = res.centers[np.argsort(res.centers[:, 0])]
    np.testing.assert_allclose(got, [[-2.0, 0.0], [2.0, 1.0]], atol=0.05)


@pytest.mark.parametrize("field, value, match", [
    ("centre", np.array([np.nan, 0.0]), "centre contains NaN"),
    ("mean", np.zeros(3), "inputs.mean has shape"),
    ("std", np.zeros(2), "std must be > 0"),
    ("z", None, "modulus"),
    ("metric", np.full(2, 1e300), "standardised coordinates"),
    ("n_samples", 2.5, "n_samples must be None or an integer"),
    ("scale", np.nan, "scale must be a positive number"),
    ("lower", np.array([4.0, 4.0]), "lower must not exceed"),
])
def test_forged_fields_are_refused_by_every_decoder(inputs, field, value, match):
    forged = copy.deepcopy(inputs)
    setattr(forged, field, inputs.z * 1e300 if field == "z" else value)
    for decoder in (cl_ompr, sketch_and_shift):
        with pytest.raises((ValueError, TypeError), match=match):
            decoder(forged, 2, random_state=0)
    with pytest.raises((ValueError, TypeError), match=match):
        DecoderInputs(**{f: getattr(forged, f) for f in forged.__dataclass_fields__})


def test_building_blocks_refuse_unrepresentable_problems(inputs):
    args = dict(z=inputs.z, frequencies=inputs.frequencies, centers=np.zeros((1, 2)),
                variances=None, weights=np.ones(1), lower=inputs.lower, upper=inputs.upper)
    with pytest.raises(ValueError, match="zero"):
        global_descent(**dict(args, z=np.zeros_like(inputs.z)))
    with pytest.raises(ValueError, match="median squared norm"):
        global_descent(**dict(args, frequencies=inputs.frequencies * 1e-300))
    with pytest.raises(ValueError, match="phases"):
        global_descent(**dict(args, centers=np.full((1, 2), 1e60)))
    with pytest.raises(ValueError, match="weights sum"):
        global_descent(**dict(args, weights=np.full(1, 1e300)))
    with pytest.raises(ValueError, match="levels"):
        sketch_and_shift(inputs, 2, levels=[1.0, np.nan])
