import pickle

import pytest

from skfrugal.sketching import Sketch


@pytest.fixture
def round_trip(tmp_path):
    """``f(sketch, route)``: the sketch after pickle, ``save``/``load`` or
    ``to_dict``/``from_dict``."""

    def through(sketch, route):
        if route == "pickle":
            return pickle.loads(pickle.dumps(sketch))
        if route == "npz":
            sketch.save(tmp_path / "sketch.npz")
            return Sketch.load(tmp_path / "sketch.npz")
        return Sketch.from_dict(sketch.to_dict())

    return through
