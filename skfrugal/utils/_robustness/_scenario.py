"""Canonical inputs of the robustness sweep: one small, coherent problem.

Every case of the sweep starts from a *canonical call* of an entry point (valid
arguments on which it works) and changes one argument. The canonical arguments are
found by parameter name in :data:`NAMES` (``X`` is the data, ``z`` the sketch,
``frequencies`` its frequencies, ``n_components`` the number of components, ...), so a
new public function whose parameters follow the package's names is swept without a
line of configuration. Where a name means something else in one function, or a
parameter has no canonical value, :data:`OVERRIDES` (keyed by the function's short
name) gives the value; a required parameter without either is reported as a
``harness-error`` naming the parameter, so a new entry point cannot be skipped by
accident.

All values are built fresh for every call (functions may write into their inputs) from
one :class:`Scenario`: 60 samples of 3 well separated Gaussian blobs in 3 dimensions,
their Fourier sketch (24 frequencies) and covariance sketch, and the standardised
decoder inputs derived from them; the butterfly entry points work on 8 x 8 matrices.
"""

import functools

import numpy as np

N_SAMPLES, N_FEATURES, N_COMPONENTS, SKETCH_SIZE = 60, 3, 3, 24
BUTTERFLY_SIZE = 8


class Scenario:
    """The canonical data and everything derived from it (built once per process)."""

    def __init__(self):
        from skfrugal.covariance import CovarianceSketcher
        from skfrugal.sketching import FourierSketcher

        rng = np.random.default_rng(0)
        self.true_centers = np.array([[0.0, 0.0, 0.0], [8.0, 0.0, 4.0], [0.0, 8.0, -4.0]])
        self.labels = np.repeat(np.arange(N_COMPONENTS), N_SAMPLES // N_COMPONENTS)
        self.X = self.true_centers[self.labels] + rng.standard_normal((N_SAMPLES, N_FEATURES))
        self.y = self.X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(N_SAMPLES)
        self.y_class = (self.labels == 0).astype(np.int64)
        self.X_butterfly = rng.standard_normal((4 * BUTTERFLY_SIZE, BUTTERFLY_SIZE))
        self.matrix = rng.standard_normal((BUTTERFLY_SIZE, BUTTERFLY_SIZE))
        # a chain graph in 6 dimensions for the covariance estimators
        chain = 2.0 * np.eye(6) - 0.8 * (np.eye(6, k=1) + np.eye(6, k=-1))
        self.X_graph = rng.multivariate_normal(np.zeros(6), np.linalg.inv(chain), size=120)

        self.sketcher = FourierSketcher(sketch_size=SKETCH_SIZE, random_state=0).fit(self.X)
        self.sketch = self.sketcher.sketch(self.X)
        op = self.sketcher
        # the decoders' standardised inputs (as skfrugal's estimators prepare them)
        self.z = np.asarray(self.sketch.mean, dtype=np.complex128)
        self.frequencies = np.asarray(op.frequencies_, dtype=np.float64)
        self.lower = (self.sketch.data_min - op.mean_) / op.std_
        self.upper = (self.sketch.data_max - op.mean_) / op.std_
        self.data_mean = (self.sketch.data_mean - op.mean_) / op.std_
        self.data_var = self.sketch.data_var / op.std_**2
        self.scale = float(op.scale_)
        self.centers = (self.true_centers - op.mean_) / op.std_
        self.variances = np.full(N_COMPONENTS, 0.1)
        self.weights = np.full(N_COMPONENTS, 1.0 / N_COMPONENTS)

        self.cov_sketcher = CovarianceSketcher(sketch_size=15, random_state=0).fit(self.X)
        self.cov_sketch = self.cov_sketcher.sketch(self.X)
        self.projections = np.asarray(self.cov_sketcher.projections_, dtype=np.float64)
        self.emp_cov = np.cov(self.X.T, bias=True)
        self.precision = np.linalg.inv(self.emp_cov + 0.1 * np.eye(N_FEATURES))
        self.measurements = np.einsum("ij,ij->j", self.projections,
                                      self.emp_cov @ self.projections)

    # helpers used by the tables below
    def chunk_stats(self, rows):
        return self.sketch.operator.sketch(self.X[rows]).stats

    def fresh(self, value):
        """A deep copy of a canonical value (arrays, tuples, lists, sketches)."""
        import copy

        return copy.deepcopy(value)


@functools.cache
def scenario():
    """The process's :class:`Scenario` (built on first use)."""
    return Scenario()


def _rng(s):
    return np.random.RandomState(0)


def _patterns(s):
    from skfrugal.butterfly import butterfly_patterns

    return butterfly_patterns(BUTTERFLY_SIZE, BUTTERFLY_SIZE)


def _dask_X(s):
    import dask.array as da

    return da.from_array(s.X, chunks=(20, N_FEATURES))


#: parameter name -> canonical value (a function of the scenario)
NAMES = {
    # data
    "X": lambda s: s.X.copy(),
    "y": lambda s: s.y.copy(),
    "points": lambda s: s.centers[:2] + 0.1,
    # a Fourier sketch and its standardised decoder inputs
    "sketch": lambda s: s.fresh(s.sketch),
    "z": lambda s: s.z.copy(),
    "residual": lambda s: s.z.copy(),
    "frequencies": lambda s: s.frequencies.copy(),
    "lower": lambda s: s.lower.copy(),
    "upper": lambda s: s.upper.copy(),
    "data_mean": lambda s: s.data_mean.copy(),
    "data_var": lambda s: s.data_var.copy(),
    "scale": lambda s: s.scale,
    "variance_bounds": lambda s: (1e-3, 10.0),
    "n_components": lambda s: N_COMPONENTS,
    "n_clusters": lambda s: N_COMPONENTS,
    "n_init": lambda s: 1,
    "n_samples": lambda s: N_SAMPLES,
    "n_features": lambda s: N_FEATURES,
    "n_frequencies": lambda s: SKETCH_SIZE,
    "inputs": lambda s: _decoder_inputs(s),
    "covariance": lambda s: "diag",
    "metric": lambda s: np.ones(N_FEATURES),
    "active": lambda s: np.ones(N_FEATURES, dtype=bool),
    "centre": lambda s: s.data_mean.copy(),
    "mean": lambda s: s.sketcher.mean_.copy(),
    "std": lambda s: s.sketcher.std_.copy(),
    # mixtures and centres
    "centers": lambda s: s.centers.copy(),
    "true_centers": lambda s: s.centers.copy(),
    "reference_centers": lambda s: s.centers.copy(),
    "variances": lambda s: s.variances.copy(),
    "weights": lambda s: s.weights.copy(),
    "means": lambda s: s.centers.copy(),
    "covariances": lambda s: np.full((N_COMPONENTS, N_FEATURES), 0.5),
    "atoms": lambda s: _atoms(s),
    "random_state": _rng,
    # covariance
    "emp_cov": lambda s: s.emp_cov.copy(),
    "Sigma": lambda s: s.emp_cov.copy(),
    "precision": lambda s: s.precision.copy(),
    "precision_true": lambda s: s.precision.copy(),
    "precision_pred": lambda s: s.precision + 0.01,
    "reference": lambda s: s.precision.copy(),
    "estimate": lambda s: s.precision + 0.01,
    "comp_cov": lambda s: s.emp_cov.copy(),
    "alpha": lambda s: 0.1,
    "A": lambda s: s.projections.copy(),
    "projections": lambda s: s.projections.copy(),
    "center": lambda s: s.X.mean(axis=0),
    "r": lambda s: s.measurements.copy(),
    "diagonal": lambda s: np.diag(s.emp_cov).copy(),
    # sorted penalties
    "x": lambda s: np.array([3.0, -1.0, 2.5, 0.2, -4.0, 0.0, 1.0, -0.5]),
    "lambdas": lambda s: np.linspace(2.0, 0.5, 8),
    # butterfly
    "n": lambda s: BUTTERFLY_SIZE,
    "n_rows": lambda s: BUTTERFLY_SIZE,
    "n_cols": lambda s: BUTTERFLY_SIZE,
    "radices": lambda s: [2, 2, 2],
    "patterns": _patterns,
    "B": lambda s: _butterfly(s),
    # sorted penalties' steps and weights
    "step": lambda s: 1.0,
    "lambda_max": lambda s: 2.0,
    "lambda_min": lambda s: 0.5,
}


def _decoder_inputs(s):
    """The decoders' inputs made from the canonical sketch (where the package keeps them)."""
    import importlib

    for module in ("skfrugal.decoding", "skfrugal.sketching._compressive"):
        try:
            return importlib.import_module(module).decoder_inputs(s.fresh(s.sketch))
        except (ImportError, AttributeError):
            continue
    raise KeyError("inputs")


def _atoms(s):
    from skfrugal.cluster import atom_sketches

    return atom_sketches(s.frequencies, s.centers, s.variances)


def _fourier_weights(s):
    return s.frequencies / s.sketcher.std_[:, None]


#: function short name -> {parameter name: canonical value}, where the name table does
#: not fit (or to give a canonical value to an optional parameter, so that it is swept)
OVERRIDES = {
    "butterfly_factorize": {"A": lambda s: s.matrix.copy()},
    "decode_precision": {"y": lambda s: s.measurements.copy(),
                         "diagonal": lambda s: np.diag(s.emp_cov).copy()},
    "covariance_from_sketch": {"y": lambda s: s.measurements.copy(),
                               "diagonal": lambda s: np.diag(s.emp_cov).copy()},
    "graphical_lasso_path": {"alphas": lambda s: [0.3, 0.1]},
    "noise_calibration": {"epsilon": lambda s: 1.0},
    "fourier_features": {"weights": _fourier_weights},
    "sketch_chunk": {"weights": _fourier_weights},
    "centred_sketch": {"sketch": lambda s: s.fresh(s.cov_sketch)},
    "merge_chunk_stats": {"a": lambda s: s.chunk_stats(slice(0, 30)),
                          "b": lambda s: s.chunk_stats(slice(30, None))},
    "check_sketch": {"operator_type": lambda s: type(s.sketcher)},
    "decode_kmeans": {"decoder": lambda s: "cl_ompr"},
    "decode_gmm": {"decoder": lambda s: "cl_ompr", "covariance_type": lambda s: "diag"},
    "sketch_noise_level": {"n_samples": lambda s: N_SAMPLES},
    "make_gmm": {"n_samples": lambda s: 200, "n_features": lambda s: N_FEATURES,
                 "n_components": lambda s: N_COMPONENTS},
    "make_correlated_regression": {"n_samples": lambda s: 40, "n_features": lambda s: 20,
                                   "n_informative": lambda s: 4},
    "sample_gaussian_graph": {"n_samples": lambda s: 50},
    "estimate_scale": {"n_frequencies": lambda s: 50, "n_samples": lambda s: N_SAMPLES,
                       "random_state": lambda s: 0},
    "draw_frequencies": {"random_state": lambda s: 0},
    "lambda_sequence": {"n_features": lambda s: 8},
    "prox_sorted": {"penalty": lambda s: "l1"},
    "reduce_dask_chunks": {
        "X": _dask_X,
        "chunk_function": lambda s: type(s.sketcher)._chunk_function,
        "feature_shape": lambda s: (SKETCH_SIZE,),
        "kwargs": lambda s: s.sketcher._chunk_kwargs(),
    },
    "global_descent": {"max_iter": lambda s: 30},
    "cl_ompr": {"max_iter_descent": lambda s: 30},
    "cl_ompr_gmm": {"n_starts": lambda s: 4, "max_iter_descent": lambda s: 30},
    "sketch_and_shift": {"max_iter_descent": lambda s: 30},
    "split_gmm": {"max_iter_descent": lambda s: 30},
    "slope_path": {"n_alphas": lambda s: 5},
    "graphical_lasso": {"max_iter": lambda s: 50},
    "mixture_wasserstein": {
        "weights1": lambda s: s.weights.copy(), "means1": lambda s: s.centers.copy(),
        "covariances1": lambda s: np.full((N_COMPONENTS, N_FEATURES), 0.5),
        "weights2": lambda s: s.weights[:2] * 1.5, "means2": lambda s: s.centers[:2] + 0.2,
        "covariances2": lambda s: np.full((2, N_FEATURES), 0.7),
    },
    # the Sketch container: its own fields
    "Sketch": {
        "feature_sum": lambda s: s.sketch.feature_sum.copy(),
        "n_samples": lambda s: s.sketch.n_samples,
        "data_min": lambda s: s.sketch.data_min.copy(),
        "data_max": lambda s: s.sketch.data_max.copy(),
        "data_mean": lambda s: s.sketch.data_mean.copy(),
        "data_m2": lambda s: s.sketch.data_m2.copy(),
        "operator_id": lambda s: s.sketch.operator_id,
        "operator": lambda s: s.fresh(s.sketcher),
    },
    "ButterflyMatrix": {
        "factors": lambda s: [f.copy() for f in _butterfly(s).factors],
        "row_perm": lambda s: np.arange(BUTTERFLY_SIZE)[::-1].copy(),
    },
    "apply_rows": {"X": lambda s: s.X_butterfly.copy()},
}


def _butterfly(s):
    from skfrugal.butterfly import random_flat_butterfly

    return random_flat_butterfly(BUTTERFLY_SIZE, random_state=0)


def _sketch_dict(s):
    return s.sketch.to_dict()


def _saved_sketch(s):
    import io

    buffer = io.BytesIO()
    s.sketch.save(buffer)
    buffer.seek(0)
    return buffer


#: instances on which the public methods of non-estimator classes are called
#: (class name -> factory); methods whose parameters need more get OVERRIDES entries
#: keyed by the method's name
INSTANCES = {
    "Sketch": lambda s: s.fresh(s.sketch),
    "DecoderInputs": _decoder_inputs,
    "ButterflyMatrix": _butterfly,
    "QuantizedButterfly": lambda s: _public("butterfly", "quantize_butterfly")(_butterfly(s)),
    "SortedPenalty": lambda s: _public("proximal", "SortedPenalty")("l1"),
}


def _public(subpackage, name):
    import importlib

    return getattr(importlib.import_module(f"skfrugal.{subpackage}"), name)


def instance_value(class_name, name, s):
    """A constructor argument taken from a canonical instance's attribute of that name.

    Parameters
    ----------
    class_name : str
        The class.
    name : str
        The constructor's parameter.
    s : Scenario

    Returns
    -------
    value : object

    Raises
    ------
    KeyError
        If the class has no canonical instance or the instance no such attribute.
    """
    import copy

    factory = INSTANCES.get(class_name)
    if factory is None:
        raise KeyError(name)
    instance = factory(s)
    if not hasattr(instance, name):
        raise KeyError(name)
    return copy.deepcopy(getattr(instance, name))

OVERRIDES.update({
    "from_dict": {"state": _sketch_dict},
    "load": {"file": _saved_sketch},
    "save": {"file": lambda s: __import__("io").BytesIO()},
    "empty": {"feature_shape": lambda s: (SKETCH_SIZE,),
              "feature_dtype": lambda s: np.complex128,
              "operator_id": lambda s: s.sketch.operator_id,
              "operator": lambda s: s.fresh(s.sketcher)},
    "__add__": {"other": lambda s: s.fresh(s.sketch)},
    "__matmul__": {"other": lambda s: s.X_butterfly[:4].T.copy()},
    "astype": {"dtype": lambda s: np.float32},
    "prox": {"y": NAMES["x"]},
})


#: estimator class name -> {"X": ..., "y": ...} when the default data does not fit
ESTIMATOR_DATA = {
    "SLOPEPoissonRegression": {"y": lambda s: np.random.default_rng(0).poisson(
        np.exp(0.3 * s.X[:, 0] - 0.2 * s.X[:, 1])).astype(np.float64)},
    "CompressiveGraphicalLasso": {"X": lambda s: s.X_graph.copy()},
    "CompressiveGraphicalLassoCV": {"X": lambda s: s.X_graph.copy()},
    "CovarianceSketcher": {"X": lambda s: s.X_graph.copy()},
    "GraphicalLasso": {"X": lambda s: s.X_graph.copy()},
    "ButterflyFactorization": {"X": lambda s: s.matrix.copy(), "A": lambda s: s.matrix.copy()},
    "ButterflyRandomProjection": {"X": lambda s: s.X_butterfly.copy()},
    "ButterflyApproximation": {"X": lambda s: s.X_butterfly.copy()},
}


def estimator_value(class_name, name, s, fitted=None):
    """Canonical value of a parameter ``name`` of a method of an estimator.

    Parameters
    ----------
    class_name : str
        The estimator's class name.
    name : str
        The parameter.
    s : Scenario
    fitted : estimator, default=None
        A canonical fitted instance (its sketch gives ``sketch``/``sketches``).

    Returns
    -------
    value : object

    Raises
    ------
    KeyError
        If no canonical value is known.
    """
    data = ESTIMATOR_DATA.get(class_name, {})
    if name in data:
        return data[name](s)
    if name in ("X", "A"):
        return s.X.copy()
    if name == "comp_cov":
        X = data.get("X", NAMES["X"])(s)
        return np.cov(X.T, bias=True)
    if name == "y":
        return s.y.copy()
    if name == "n_samples":
        return 5
    if name in ("sketch", "sketches") and fitted is not None and hasattr(fitted, "sketch_"):
        op = fitted.sketch_.operator
        X = data.get("X", NAMES["X"])(s)
        if name == "sketch":
            return op.sketch(X)
        return [op.sketch(X[: len(X) // 2]), op.sketch(X[len(X) // 2:])]
    if name in NAMES and name not in ("sketch",):
        return NAMES[name](s)
    raise KeyError(name)
