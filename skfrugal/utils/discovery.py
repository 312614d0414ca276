"""Discovery of the public estimators and functions of skfrugal.

Like :func:`sklearn.utils.discovery.all_estimators`, these walk the package and return
what users can import, so that the conformance harness (``tests/test_common.py``) and
the API documentation cannot forget an estimator.
"""

import importlib
import inspect
import pkgutil
from operator import itemgetter

from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    DensityMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.utils._param_validation import StrOptions, validate_params

_TYPE_FILTERS = {
    "classifier": ClassifierMixin,
    "regressor": RegressorMixin,
    "transformer": TransformerMixin,
    "cluster": ClusterMixin,
    "density": DensityMixin,
}


def _public_modules():
    import skfrugal

    for info in pkgutil.walk_packages(skfrugal.__path__, prefix="skfrugal."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts[1:]) or "tests" in parts:
            continue
        yield importlib.import_module(info.name)


@validate_params(
    {"type_filter": [StrOptions(set(_TYPE_FILTERS)), list, None]},
    prefer_skip_nested_validation=True,
)
def all_estimators(type_filter=None):
    """Return the public estimators of skfrugal.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster", "density"} \
            or list of such str, default=None
        Keep only the estimators of these kinds. ``None`` keeps all.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name. Abstract classes and private classes
        (name starting with ``_``) are left out.

    Examples
    --------
    >>> from skfrugal.utils.discovery import all_estimators
    >>> names = [name for name, _ in all_estimators()]
    >>> "FourierSketcher" in names
    True
    """
    found = {}
    for module in _public_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                name.startswith("_")
                or not cls.__module__.startswith("skfrugal.")
                or not issubclass(cls, BaseEstimator)
                or inspect.isabstract(cls)
            ):
                continue
            found[name] = cls
    estimators = sorted(found.items(), key=itemgetter(0))
    if type_filter is None:
        return estimators
    filters = [type_filter] if isinstance(type_filter, str) else list(type_filter)
    unknown = {repr(f) for f in filters if not isinstance(f, str) or f not in _TYPE_FILTERS}
    if unknown:
        raise ValueError(
            f"type_filter must be None or among {sorted(_TYPE_FILTERS)}, got {sorted(unknown)}"
        )
    bases = tuple(_TYPE_FILTERS[f] for f in filters)
    return [(name, cls) for name, cls in estimators if issubclass(cls, bases)]


def all_functions():
    """Return the public functions of skfrugal.

    Returns
    -------
    functions : list of (str, callable)
        ``(qualified name, function)`` pairs for the functions listed in the
        ``__all__`` of the public subpackages, sorted by name.

    Examples
    --------
    >>> from skfrugal.utils.discovery import all_functions
    >>> "skfrugal.sketching.draw_frequencies" in dict(all_functions())
    True
    """
    found = {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found[f"{module.__name__}.{name}"] = obj
    return sorted(found.items(), key=itemgetter(0))
