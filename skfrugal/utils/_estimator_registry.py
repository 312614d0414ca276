"""The registry of public estimators run through scikit-learn's common checks.

Every public estimator (found by :func:`skfrugal.utils.discovery.all_estimators`) must
have an entry in :data:`TEST_INSTANCES`; ``tests/test_common.py`` fails when one is
missing. An entry lists the instances to check (small parameters keep the suite fast;
list several to cover options). :data:`EXPECTED_FAILED_CHECKS` maps a class name to
``{check name: written reason}``; a check may be marked only with a reason.
"""

from sklearn.base import clone


def _sketcher_instances():
    from skfrugal.sketching import FourierSketcher

    return [
        FourierSketcher(sketch_size=20, random_state=0),
        FourierSketcher(sketch_size=20, frequency_law="gaussian", scale=1.0, random_state=0),
        FourierSketcher(sketch_size=40, operator="structured", random_state=0),
    ]


def _butterfly_instances(name):
    def instances():
        from sklearn.decomposition import PCA
        from sklearn.linear_model import LogisticRegression, Ridge

        from skfrugal import butterfly

        if name == "ButterflyFactorization":
            return [
                butterfly.ButterflyFactorization(pad=True),
                butterfly.ButterflyFactorization(rank="auto", tol=0.5, pad=True),
                butterfly.ButterflyFactorization(order="balanced", rank=2, pad=True),
                butterfly.ButterflyFactorization(architecture="deformable", n_factors=2),
            ]
        if name == "ButterflyRandomProjection":
            return [butterfly.ButterflyRandomProjection(n_components=5, random_state=0)]
        return [
            butterfly.ButterflyApproximation(PCA(), max_error=1.0),
            butterfly.ButterflyApproximation(Ridge(alpha=1e-3), max_error=1.0),
            butterfly.ButterflyApproximation(LogisticRegression(), max_error=1.0),
        ]

    return instances


def _compressive_kmeans_instances():
    from skfrugal.cluster import CompressiveKMeans

    return [
        CompressiveKMeans(n_clusters=3, random_state=0),
        CompressiveKMeans(n_clusters=3, decoder="cl_ompr", random_state=0),
    ]


def _compressive_gmm_instances():
    from skfrugal.mixture import CompressiveGaussianMixture

    return [
        CompressiveGaussianMixture(n_components=2, random_state=0),
        CompressiveGaussianMixture(n_components=2, covariance_type="spherical",
                                   decoder="cl_ompr", random_state=0),
    ]


def _slope_instances(name):
    def instances():
        from skfrugal import linear_model

        if name == "SLOPERegression":
            return [
                linear_model.SLOPERegression(alpha=0.01),
                linear_model.SLOPERegression(alpha=0.01, penalty="mcp", max_iter=200),
                linear_model.SLOPERegression(alpha=0.01, penalty="lq", lambdas="oscar",
                                             fit_intercept=False, max_iter=200),
            ]
        if name == "SLOPEClassifier":
            return [
                linear_model.SLOPEClassifier(alpha=0.01, max_iter=200),
                linear_model.SLOPEClassifier(alpha=0.01, penalty="scad", max_iter=200),
            ]
        return [linear_model.SLOPERegressionCV(n_alphas=5, cv=3, max_iter=200)]

    return instances


def _covariance_sketcher_instances():
    from skfrugal.covariance import CovarianceSketcher

    return [CovarianceSketcher(sketch_size=15, random_state=0)]


def _graphical_lasso_instances():
    from skfrugal.covariance import GraphicalLasso

    return [GraphicalLasso(alpha=0.05), GraphicalLasso(alpha=0.05, solver="quic"),
            GraphicalLasso(alpha=0.05, solver="admm")]


def _compressive_glasso_instances():
    from skfrugal.covariance import CompressiveGraphicalLasso

    return [CompressiveGraphicalLasso(alpha=0.05, sketch_size=12, max_iter=20,
                                      random_state=0)]


def _compressive_glasso_cv_instances():
    from skfrugal.covariance import CompressiveGraphicalLassoCV

    return [CompressiveGraphicalLassoCV(alphas=3, cv=2, sketch_size=12, max_iter=20,
                                        random_state=0)]


# class name -> callable returning the instances to check
TEST_INSTANCES = {
    "CompressiveGraphicalLasso": _compressive_glasso_instances,
    "CompressiveGraphicalLassoCV": _compressive_glasso_cv_instances,
    "CovarianceSketcher": _covariance_sketcher_instances,
    "GraphicalLasso": _graphical_lasso_instances,
    "SLOPEClassifier": _slope_instances("SLOPEClassifier"),
    "SLOPERegression": _slope_instances("SLOPERegression"),
    "SLOPERegressionCV": _slope_instances("SLOPERegressionCV"),
    "CompressiveKMeans": _compressive_kmeans_instances,
    "CompressiveGaussianMixture": _compressive_gmm_instances,
    "ButterflyApproximation": _butterfly_instances("ButterflyApproximation"),
    "ButterflyFactorization": _butterfly_instances("ButterflyFactorization"),
    "ButterflyRandomProjection": _butterfly_instances("ButterflyRandomProjection"),
    "FourierSketcher": _sketcher_instances,
}

# class name -> {check name: reason}
EXPECTED_FAILED_CHECKS = {}


def registered_instances(estimator_class):
    """Return fresh instances of ``estimator_class`` as registered for the checks.

    Parameters
    ----------
    estimator_class : type
        A public skfrugal estimator class.

    Returns
    -------
    instances : list of estimator
        Unfitted clones, one per registered configuration.
    """
    name = estimator_class.__name__
    if name not in TEST_INSTANCES:
        raise KeyError(
            f"{name} is not in skfrugal.utils._estimator_registry.TEST_INSTANCES: "
            "every public estimator must be registered for the common checks"
        )
    return [clone(est) for est in TEST_INSTANCES[name]()]


def expected_failed_checks(estimator):
    """Return ``{check name: reason}`` for the checks ``estimator`` is known to fail.

    Parameters
    ----------
    estimator : estimator instance

    Returns
    -------
    checks : dict of str to str
    """
    return dict(EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {}))
