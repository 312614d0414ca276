"""The failure signal of the compressive estimators, on constructed failures.

A model decoded from a sketch alone (``fit_sketch``, ``partial_fit``, ``max_iter=0``)
warns :class:`DecodingWarning` with the figures, and has ``converged_=False``, when it
does not explain the sketch (a forged sketch; too few clusters for the data) or when the
sketch is too small for its residual to tell (fewer entries than the model needs). A
fit refined on the data reports the refinement's own convergence.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from skfrugal.cluster import CompressiveKMeans
from skfrugal.decoding import DecodingWarning, decoder_inputs, sketch_noise_level
from skfrugal.decoding._estimator import FAIL_FACTOR
from skfrugal.metrics import matched_centroid_distances
from skfrugal.mixture import CompressiveGaussianMixture
from skfrugal.sketching import FourierSketcher, Sketch

ESTIMATORS = [CompressiveKMeans, CompressiveGaussianMixture]
K, D = 5, 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=6.0, size=(K, D))
    X = centers[rng.integers(K, size=6000)] + rng.normal(size=(6000, D))
    return X, centers


@pytest.fixture(scope="module")
def sketch(data):
    X = data[0]
    return FourierSketcher(200, random_state=0).fit(X).sketch(X)


def _figures(message):
    """The residual, its ratio to the noise level and the noise level a warning quotes."""
    found = re.search(r"relative residual ([\d.e+-]+), ([\d.e+-]+) times the sketch's "
                      r"noise level ([\d.e+-]+)", message)
    assert found, message
    return [float(x) for x in found.groups()]


def _only(caught, category):
    return [w for w in caught if issubclass(w.category, category)]


def _fit(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = fn()
    return est, caught


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_sketch_the_model_explains_passes(Est, sketch, data):
    est, caught = _fit(lambda: Est(K, random_state=0).fit_sketch(sketch))
    assert not _only(caught, ConvergenceWarning)
    assert est.converged_
    level = sketch_noise_level(decoder_inputs(sketch).z, sketch.n_samples)
    assert est.noise_level_ == pytest.approx(level)
    assert est.decoder_cost_ <= FAIL_FACTOR * level
    centers = est.cluster_centers_ if Est is CompressiveKMeans else est.means_
    assert matched_centroid_distances(centers, data[1])[0].max() < 0.3


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_forged_sketch_warns_with_its_figures(Est, sketch):
    # the sums of the data's sketch with random phases: no distribution has this sketch
    phases = np.exp(2j * np.pi * np.random.default_rng(1).uniform(size=sketch.feature_sum.shape))
    forged = Sketch(sketch.feature_sum * phases, sketch.n_samples, sketch.data_min,
                    sketch.data_max, sketch.data_mean, sketch.data_m2, sketch.operator_id,
                    sketch.operator)
    est, caught = _fit(lambda: Est(K, random_state=0).fit_sketch(forged))
    (warning,) = _only(caught, DecodingWarning)
    assert "does not explain the sketch" in str(warning.message)
    cost, ratio, level = _figures(str(warning.message))
    # the figures are the estimator's, and the noise level is the sketch's own
    assert cost == pytest.approx(est.decoder_cost_, rel=1e-2)
    assert level == pytest.approx(sketch_noise_level(decoder_inputs(forged).z,
                                                     forged.n_samples), rel=1e-2)
    assert ratio == pytest.approx(cost / level, rel=2e-2)
    assert ratio > 50  # far from a model of the data (about 1)
    assert not est.converged_
    assert warning.filename == __file__  # the warning points at the user's line


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_too_few_clusters_for_the_data_warns(Est, sketch):
    est, caught = _fit(lambda: Est(2, random_state=0).fit_sketch(sketch))
    (warning,) = _only(caught, DecodingWarning)
    assert "n_clusters=2" in str(warning.message) or "n_components=2" in str(warning.message)
    cost, ratio, _ = _figures(str(warning.message))
    assert ratio > FAIL_FACTOR and cost == pytest.approx(est.decoder_cost_, rel=1e-2)
    assert not est.converged_
    # with the same sketch, five clusters pass: the misfit is the number of clusters
    assert Est(K, random_state=0).fit_sketch(sketch).decoder_cost_ < cost / 20


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_too_small_a_sketch_cannot_be_checked(Est, data):
    X, centers = data
    # 10 complex numbers for a model of 5 clusters in 4 features: the decoded model
    # fits the sketch to its noise level but is not the data's
    est, caught = _fit(lambda: Est(K, sketch_size=10, max_iter=0, random_state=0).fit(X))
    assert _only(caught, UserWarning)  # the size check, before sketching
    (warning,) = _only(caught, DecodingWarning)
    assert "the sketch has 10 entries, fewer than the" in str(warning.message)
    cost, _, level = _figures(str(warning.message))
    assert cost <= FAIL_FACTOR * level  # the residual alone would not have told
    assert not est.converged_
    found = est.cluster_centers_ if Est is CompressiveKMeans else est.means_
    assert matched_centroid_distances(found, centers)[0].max() > 1.0  # and it is wrong


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_refinement_on_the_data_reports_its_own_convergence(Est, data):
    X = data[0]
    # too few clusters for the data: the decoded model fails, the refinement on X
    # converges to the optimum of the objective for 2 clusters (no DecodingWarning)
    est, caught = _fit(lambda: Est(2, random_state=0).fit(X))
    assert not _only(caught, ConvergenceWarning)
    assert est.converged_ and est.n_iter_ < est.max_iter
    if Est is CompressiveKMeans:
        reference = KMeans(2, n_init=10, random_state=0).fit(X)
        assert est.inertia_ <= 1.001 * reference.inertia_
    # one pass is not enough to converge: a ConvergenceWarning naming max_iter
    est, caught = _fit(lambda: Est(K, max_iter=1, random_state=0).fit(X))
    (warning,) = _only(caught, ConvergenceWarning)
    assert "max_iter=1" in str(warning.message) and warning.filename == __file__
    assert not est.converged_ and est.n_iter_ == 1


def test_mixture_variances_the_sketch_cannot_resolve():
    # raw breast-cancer features (spreads 0.003 to 570): the mixture decoded from the
    # sketch alone fits the sketch but puts variances at the decoder's lower bound,
    # and its likelihood is far below EM's; fit(X) refines it to EM's level
    from sklearn.datasets import load_breast_cancer
    from sklearn.mixture import GaussianMixture

    X = load_breast_cancer().data
    em = GaussianMixture(2, covariance_type="diag", random_state=0).fit(X)
    est, caught = _fit(lambda: CompressiveGaussianMixture(2, max_iter=0,
                                                          random_state=0).fit(X))
    (warning,) = _only(caught, DecodingWarning)
    assert "variances sit at the decoder's lower bound" in str(warning.message)
    n_floor = int(re.search(r"(\d+) of its 60 variances", str(warning.message)).group(1))
    assert n_floor >= 1
    assert not est.converged_
    assert est.score(X) < em.score(X) - 10.0  # the warning was deserved
    refined, caught = _fit(lambda: CompressiveGaussianMixture(2, random_state=0).fit(X))
    assert not _only(caught, ConvergenceWarning) and refined.converged_
    assert refined.score(X) > em.score(X) - 0.05


@pytest.mark.parametrize("decoder", ["sketch_and_shift", "cl_ompr"])
def test_decoded_centres_stay_in_the_robust_range(decoder):
    # 0.3% of far outliers stretch the bounding box 100 times: decoders keep every
    # centre within the 0.1%-99.9% quantiles of each feature
    rng = np.random.default_rng(3)
    centers = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0]])
    X = centers[rng.integers(3, size=4000)] + rng.normal(size=(4000, 3))
    X[rng.choice(4000, 12, replace=False)] = rng.uniform(-600, 600, size=(12, 3))
    lo, hi = np.quantile(X, [0.001, 0.999], axis=0)
    km = CompressiveKMeans(3, decoder=decoder, max_iter=0, random_state=0)
    gmm = CompressiveGaussianMixture(3, decoder=decoder, max_iter=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DecodingWarning)  # the outliers are no cluster
        found = [km.fit(X).cluster_centers_, gmm.fit(X).means_]
    slack = 1e-9 * (hi - lo)
    for c in found:
        assert np.all((c >= lo - slack) & (c <= hi + slack)), c
