"""The structured operator: sign-Hadamard blocks applied with fast transforms."""

import numpy as np
import pytest
from scipy import stats
from scipy.linalg import hadamard
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from skfrugal.sketching import FourierSketcher, Sketch, fourier_features, sketch_chunk
from skfrugal.sketching._fused import SCALE, sincos_pi
from skfrugal.sketching._structured import (
    TILE,
    StructuredFrequencies,
    StructuredSums,
    block_size,
    draw_structured,
    structured_frequencies,
)


def _reference_rows(signs, d, m):
    """Independent reference: the blocks H D3 H D2 H D1 as dense products."""
    H = hadamard(signs.shape[2])
    blocks = [H @ np.diag(s[2]) @ H @ np.diag(s[1]) @ H @ np.diag(s[0]) for s in signs]
    return np.concatenate(blocks)[:m, :d].T


@pytest.mark.parametrize("d, m", [(1, 40), (3, 100), (32, 64), (50, 300)])
def test_blocks_are_sign_hadamard_products(d, m):
    signs, rows = draw_structured(m, d, np.random.RandomState(d))
    assert signs.shape == (-(-m // block_size(d)), 3, block_size(d))
    assert set(np.unique(signs)) <= {-1, 1}
    np.testing.assert_array_equal(rows, _reference_rows(signs, d, m))
    assert np.all(np.any(rows != 0, axis=0))  # every frequency has a direction


def test_radii_follow_the_law_and_directions_are_isotropic():
    d, scale = 20, 4.0
    sk = FourierSketcher(sketch_size=20000, operator="structured", frequency_law="gaussian",
                         scale=scale, random_state=0).fit(np.zeros((2, d)) + [[0], [1]])
    radius = np.linalg.norm(sk.frequencies_, axis=0) * np.sqrt(scale)
    np.testing.assert_allclose(radius, sk.radii_, rtol=1e-12)
    # the Gaussian law's radius is chi(d): the structured operator keeps it exactly
    assert stats.kstest(radius, stats.chi(d).cdf).pvalue > 1e-3
    phi = sk.frequencies_ / np.linalg.norm(sk.frequencies_, axis=0)
    # second and fourth moments of a uniform direction: I / d and 3 / (d (d + 2))
    np.testing.assert_allclose(phi @ phi.T / phi.shape[1], np.eye(d) / d, atol=0.004)
    assert abs(np.mean(phi**4) * d * (d + 2) / 3 - 1) < 0.05


@pytest.mark.parametrize("dtype, tol", [("float32", 2e-6), ("float64", 1e-12)])
@pytest.mark.parametrize("d", [3, 64, 100])
def test_sketch_equals_the_sketch_of_its_dense_frequencies(d, dtype, tol):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(1500, d)) * rng.uniform(0.5, 3, d) + 10
    sk = FourierSketcher(sketch_size=3 * d + 7, operator="structured", dtype=dtype,
                         random_state=0).fit(X)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    exact = np.exp(-1j * (Xs @ sk.frequencies_)).mean(axis=0)  # brute force, complex128
    np.testing.assert_allclose(sk.sketch(X).mean, exact, rtol=0, atol=tol)
    T = sk.transform(X[:100])
    features = np.sqrt(sk.sketch_size) * (T[:, :sk.sketch_size] + 1j * T[:, sk.sketch_size:])
    np.testing.assert_allclose(features, np.exp(-1j * (Xs[:100] @ sk.frequencies_)),
                               rtol=0, atol=50 * tol)


def _op(d, m, seed=0):
    signs, rows = draw_structured(m, d, np.random.RandomState(seed))
    radii = np.random.default_rng(seed).uniform(0.5, 3, m)
    return structured_frequencies(signs, radii, 1.0, d, rows)[0]


def _integer_sums(x, op, start=0, stop=None):
    acc = np.zeros((2, op.shape[1]), dtype=np.int64)
    StructuredSums(op, 1)(x, start, x.shape[0] if stop is None else stop, acc[0], acc[1], 0)
    return acc


@pytest.mark.parametrize("d", [5, 40])
def test_a_row_contributes_the_same_whatever_its_lane_group_or_batch(d):
    # 300 rows: a full tile of 256 and a short one (groups of 16 lanes and one of 12);
    # m = 70 truncates the last block
    rng = np.random.default_rng(d)
    x = rng.normal(size=(300, d)).astype(np.float32) * 3
    op = _op(d, 70)
    half = op.half_turns()
    phases = half.project(x, np.empty((300, 70), np.float32))
    for lo, hi in [(0, 1), (7, 300), (13, 30), (250, 290)]:  # other batches: bitwise
        assert np.array_equal(half.project(x[lo:hi], np.empty((hi - lo, 70), np.float32)),
                              phases[lo:hi])
    # the phases are the operator's in half-turns (float64 reference to float32 rounding)
    exact = x.astype(np.float64) @ op.toarray() / np.pi
    np.testing.assert_allclose(phases, exact, rtol=0, atol=2e-5 * np.abs(exact).max())
    # each row's integer features, from the transformer's sine-cosine of these phases
    sin, cos = np.empty_like(phases), np.empty_like(phases)
    sincos_pi(phases.ravel(), sin.ravel(), cos.ravel())
    ci = np.rint(cos.astype(np.float64) * SCALE).astype(np.int64)
    si = np.rint(sin.astype(np.float64) * SCALE).astype(np.int64)
    # the kernel's sums over any range of rows are exactly the sums of these integers,
    # whatever tile, group or lane the rows fall in
    for lo, hi in [(0, 300), (0, 1), (17, 18), (5, 261), (256, 300), (31, 47)]:
        acc = _integer_sums(x, op, lo, hi)
        assert np.array_equal(acc[0], ci[lo:hi].sum(axis=0))
        assert np.array_equal(acc[1], si[lo:hi].sum(axis=0))
        assert np.array_equal(_integer_sums(np.ascontiguousarray(x[lo:hi]), op), acc)
    # the transformer returns the same features as the sketch (float64 output)
    sk = FourierSketcher(sketch_size=70, operator="structured", standardize=False, scale=1.0,
                         random_state=0).fit(x)
    own = sk._frequency_operator()
    own_phases = own.half_turns().project(x, np.empty((300, 70), np.float32))
    own_cos = np.empty_like(own_phases)
    sincos_pi(own_phases.ravel(), np.empty(300 * 70, np.float32), own_cos.ravel())
    T = sk.transform(x.astype(np.float64))
    assert np.array_equal(T[:, :70], own_cos.astype(np.float64) * (1 / np.sqrt(70)))
    total = np.rint(own_cos.astype(np.float64) * SCALE).astype(np.int64).sum(axis=0)
    assert np.array_equal(_integer_sums(x, own)[0], total)


def test_sketch_bitwise_identical_whatever_n_jobs_batching_and_chunking():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9000, 70))
    op = _op(70, 300)
    mean = X.mean(axis=0)
    ref = sketch_chunk(X, op, mean, np.float32, batch_size=4500)[0]
    for n_jobs in (2, 3, -1):
        for batch_size in (4500, 8192, None):  # 2 or 3 blocks of 4096 rows per batch
            other = sketch_chunk(X, op, mean, np.float32, batch_size=batch_size,
                                 n_jobs=n_jobs)[0]
            assert np.array_equal(ref, other)
    for batch_size in (1, 7, TILE + 1, 8999, None):
        other = sketch_chunk(X, op, mean, np.float32, batch_size=batch_size)[0]
        assert np.array_equal(ref, other)
    halves = (sketch_chunk(X[:3333], op, mean, np.float32)[0]
              + sketch_chunk(X[3333:], op, mean, np.float32)[0])
    assert np.array_equal(ref, halves)
    exact = np.exp(-1j * ((X - mean) @ op.toarray())).sum(axis=0)
    assert np.abs(ref - exact).max() / len(X) < 2e-6
    # the estimator: n_jobs and partial_fit chunks give the same sketch bit for bit
    sk1 = FourierSketcher(sketch_size=300, operator="structured", random_state=0).fit(X)
    sk2 = clone(sk1).set_params(n_jobs=2, batch_size=1000).fit(X)
    for chunk in np.array_split(X, 3):
        sk2.partial_fit(chunk)
    assert np.array_equal(sk1.sketch(X).feature_sum, sk2.sketch_.feature_sum)


def test_operator_identity_and_save_load_round_trip(tmp_path):
    X = np.random.default_rng(1).normal(size=(2000, 40))
    a = FourierSketcher(sketch_size=100, operator="structured", random_state=3).fit(X)
    b = FourierSketcher(sketch_size=100, operator="structured", random_state=3).fit(X)
    c = FourierSketcher(sketch_size=100, operator="structured", random_state=4).fit(X)
    dense = FourierSketcher(sketch_size=100, random_state=3).fit(X)
    assert a.operator_id_ == b.operator_id_
    assert len({a.operator_id_, c.operator_id_, dense.operator_id_}) == 3
    sketch = a.sketch(X)
    with pytest.raises(ValueError, match="different operators"):
        sketch + c.sketch(X)
    sketch.save(tmp_path / "s.npz")
    stored = np.load(tmp_path / "s.npz")
    assert "operator.signs_" in stored and "operator.radii_" in stored
    assert "operator.frequencies_" not in stored  # rebuilt from the signs and radii
    loaded = Sketch.load(tmp_path / "s.npz")
    op = loaded.operator
    assert op.operator == "structured" and op.operator_id_ == a.operator_id_
    np.testing.assert_array_equal(op.frequencies_, a.frequencies_)
    assert np.array_equal(op.sketch(X).feature_sum, sketch.feature_sum)
    (loaded + a.sketch(X[:10]))  # merges with the original operator's sketches
    # a refit as dense drops the structured attributes
    a.set_params(operator="dense").fit(X)
    assert not hasattr(a, "signs_") and a.operator_id_ == dense.operator_id_


def test_partial_fit_dask_and_compressive_kmeans_decode():
    from skfrugal.cluster import CompressiveKMeans
    from skfrugal.datasets import make_gmm

    X, _, centers, _, _ = make_gmm(20000, 32, 5, random_state=0)
    sk = FourierSketcher(sketch_size=1600, operator="structured", scale_n_clusters=5,
                         random_state=0)
    for chunk in np.array_split(X, 4):
        sk.partial_fit(chunk)
    np.testing.assert_allclose(sk.sketch_.feature_sum, sk.sketch(X).feature_sum,
                               rtol=0, atol=1e-9 * len(X))
    da = pytest.importorskip("dask.array")
    lazy = sk.sketch(da.from_array(X, chunks=7000))
    np.testing.assert_allclose(lazy.feature_sum, sk.sketch_.feature_sum, rtol=0,
                               atol=1e-9 * len(X))
    est = CompressiveKMeans(5, random_state=0).fit_sketch(sk.sketch_)
    # every true centre recovered to within a fraction of a cluster std
    dist = np.linalg.norm(est.cluster_centers_[:, None] - centers[None], axis=2)
    assert dist.min(axis=0).max() < 0.3


def test_invalid_operator_and_structured_weights():
    X = np.zeros((3, 2)) + [[0], [1], [2]]
    with pytest.raises(InvalidParameterError, match="'operator' parameter"):
        FourierSketcher(operator="hadamard").fit(X)
    with pytest.raises(ValueError, match="shape"):
        StructuredFrequencies(np.ones((1, 3, 12)), np.ones(12), 2)
    with pytest.raises(ValueError, match="do not fill"):
        StructuredFrequencies(np.ones((2, 3, 8)), np.ones(5), 2)
    with pytest.raises(ValueError, match="n_features"):
        StructuredFrequencies(np.ones((1, 3, 8)), np.ones(5), 9)
    with pytest.raises(ValueError, match="n_features"):
        StructuredFrequencies(np.ones((1, 3, 8)), np.ones(5), 2.5)
    with pytest.raises(ValueError, match="finite"):
        StructuredFrequencies(np.ones((1, 3, 8)), np.full(5, np.nan), 2)
    with pytest.raises(ValueError, match="finite"):
        StructuredFrequencies(np.full((1, 3, 8), np.inf), np.ones(5), 2)
    # bad data through the structured kernels: the same clear errors as dense
    sk = FourierSketcher(sketch_size=40, operator="structured", random_state=0).fit(
        np.random.default_rng(0).normal(size=(50, 2)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        sk.sketch(np.array([[0.0, np.nan]] * 3))
    with pytest.raises(ValueError, match="features"):
        sk.sketch(np.zeros((3, 5)))


@pytest.mark.parametrize("d, m", [(3, 50), (64, 200), (256, 600)])
def test_projection_equals_the_explicit_dense_matrix_times_x(d, m):
    # the reference matrix is built from scipy's Hadamard matrix, independently of the
    # kernels: the rows of H D3 H D2 H D1 over the first d columns, times the factors
    rng = np.random.default_rng(d)
    signs, _ = draw_structured(m, d, np.random.RandomState(d))
    diagonals = signs * rng.uniform(0.5, 2, size=signs.shape)  # any real diagonals
    scales = rng.uniform(0.1, 1, m)
    omega = _reference_rows(diagonals, d, m) * scales
    x = rng.normal(size=(70, d))
    op = StructuredFrequencies(diagonals, scales, d)
    np.testing.assert_allclose(op.project(x, np.empty((70, m))), x @ omega, rtol=0,
                               atol=1e-11 * np.abs(omega).sum(axis=0).max())
    x32 = x.astype(np.float32)
    out = op.astype(np.float32).project(x32, np.empty((70, m), np.float32))
    bound = 2e-6 * np.abs(x32).max() * np.abs(omega).sum(axis=0).max()
    np.testing.assert_allclose(out, x32.astype(np.float64) @ omega, rtol=0, atol=bound)


def test_kernel_approximation_matches_the_gaussian_kernel():
    # frequency_law="gaussian": E cos(ωᵀ(x - y)) = exp(-‖x - y‖² / (2 scale)); the
    # structured (orthogonal within a block) features approximate it better than i.i.d.
    # dense ones (RMS error 0.005 against 0.009 over seeds 0-2)
    rng = np.random.default_rng(0)
    d, m, scale = 40, 4096, 40.0
    X = rng.normal(size=(60, d))
    exact = np.exp(-((X[:, None] - X[None]) ** 2).sum(axis=2) / (2 * scale))
    errors = {}
    for op in ("dense", "structured"):
        sk = FourierSketcher(sketch_size=m, operator=op, frequency_law="gaussian",
                             scale=scale, standardize=False, dtype="float64",
                             random_state=1).fit(X)
        T = sk.transform(X)
        errors[op] = np.sqrt(np.mean((T @ T.T - exact) ** 2))
    assert errors["dense"] < 3 / np.sqrt(m)  # Monte Carlo error of i.i.d. features
    assert errors["structured"] < 0.8 * errors["dense"]


def test_quantization_with_structured_frequencies_is_refused_at_the_boundary():
    X = np.random.default_rng(0).normal(size=(200, 3))
    op = FourierSketcher(sketch_size=40, operator="structured", random_state=0).fit(X)
    for call in (sketch_chunk, fourier_features):
        with pytest.raises(ValueError, match="1-bit quantization is not available"):
            call(X, op._frequency_operator(), op.mean_, dither=np.zeros(40))
    with pytest.raises(ValueError, match="not available with operator='structured'"):
        FourierSketcher(sketch_size=40, operator="structured", quantization="1bit").fit(X)
