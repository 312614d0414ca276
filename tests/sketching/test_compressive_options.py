"""n_jobs and verbose of the compressive estimators (passed to their sketching pass)."""

import numpy as np
import pytest

from skfrugal.cluster import CompressiveKMeans
from skfrugal.datasets import make_gmm
from skfrugal.mixture import CompressiveGaussianMixture


@pytest.mark.parametrize("Estimator", [CompressiveKMeans, CompressiveGaussianMixture])
def test_threads_do_not_change_the_model_and_verbose_reports(Estimator, capsys):
    X, *_ = make_gmm(6000, 3, 3, random_state=0)
    one = Estimator(3, random_state=0).fit(X)
    two = Estimator(3, n_jobs=2, verbose=1, random_state=0).fit(X)
    assert two.sketch_ == one.sketch_  # every field, bit for bit
    for name in ("cluster_centers_", "means_"):
        if hasattr(one, name):
            np.testing.assert_array_equal(getattr(two, name), getattr(one, name))
    out = capsys.readouterr().out
    assert f"[{Estimator.__name__}] sketched 6,000 rows in" in out
    assert "rows/s), decoded in" in out
    two.partial_fit(X[:100])  # one more chunk: reported too
    assert "sketched 100 rows" in capsys.readouterr().out
    Estimator(3, verbose=1, random_state=0).fit_sketch(one.sketch_)
    assert f"[{Estimator.__name__}] decoded in" in capsys.readouterr().out
    with pytest.raises(ValueError, match="n_jobs must be None or a non-zero integer"):
        Estimator(3, n_jobs=0).fit(X)
