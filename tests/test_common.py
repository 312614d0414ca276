"""Every public estimator through scikit-learn's common checks (the conformance harness)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skfrugal.utils._estimator_registry import (
    EXPECTED_FAILED_CHECKS,
    TEST_INSTANCES,
    expected_failed_checks,
    registered_instances,
)
from skfrugal.utils.discovery import all_estimators

ESTIMATORS = all_estimators()
INSTANCES = [inst for _, cls in ESTIMATORS for inst in registered_instances(cls)]


def test_every_estimator_is_registered():
    names = {name for name, _ in ESTIMATORS}
    assert names, "discovery found no estimator"
    assert names <= set(TEST_INSTANCES), sorted(names - set(TEST_INSTANCES))
    assert set(TEST_INSTANCES) <= names, sorted(set(TEST_INSTANCES) - names)


def test_expected_failures_carry_reasons():
    for name, checks in EXPECTED_FAILED_CHECKS.items():
        assert name in TEST_INSTANCES, name
        for check, reason in checks.items():
            assert isinstance(reason, str) and len(reason.split()) >= 4, (name, check)


@parametrize_with_checks(INSTANCES, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
