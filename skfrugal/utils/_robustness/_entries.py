"""Discovery of the public entry points the sweep runs over.

Every name in the ``__all__`` of ``skfrugal`` and of each public subpackage is an entry
point: a function, an estimator class, or another public class (its constructor and its
public methods defined in skfrugal, such as ``Sketch.load``). Exception and warning
classes take no input and are left out; every other exclusion is written, with its
reason, in :data:`~skfrugal.utils._robustness._exemptions.NOT_ENTRY_POINTS` (by class
name, so that a class keeps its row when it moves to another subpackage).
"""

import dataclasses
import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

from skfrugal.utils._robustness._exemptions import NOT_ENTRY_POINTS

#: dunder methods that are public operations of a class
_PUBLIC_DUNDERS = ("__add__", "__matmul__")


def subpackage_of(name):
    """``"cluster"`` for ``"skfrugal.cluster.cl_ompr"`` (``"skfrugal"`` for top-level names)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 else parts[0]


@dataclasses.dataclass(frozen=True)
class Entry:
    """A public entry point.

    Attributes
    ----------
    name : str
        Its public path, e.g. ``"skfrugal.cluster.cl_ompr"`` or
        ``"skfrugal.sketching.Sketch.load"``.
    kind : {"function", "estimator", "class", "method"}
        ``"class"`` is the constructor of a non-estimator class; ``"method"`` a public
        method of one (called on a canonical instance, or on the class when it is a
        class method or a static method).
    obj : object
        The function or class (for a method: the class).
    method : str or None
        The method's name.
    """

    name: str
    kind: str
    obj: object
    method: str = None

    @property
    def short_name(self):
        return self.method or self.obj.__name__

    @property
    def subpackage(self):
        return subpackage_of(self.name)

    @property
    def callable(self):
        if self.kind == "method":
            return inspect.getattr_static(self.obj, self.method)
        return self.obj


def public_modules():
    """``skfrugal`` and its public subpackages and modules, imported."""
    import skfrugal

    yield skfrugal
    for info in pkgutil.walk_packages(skfrugal.__path__, prefix="skfrugal."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts[1:]) or "tests" in parts:
            continue
        yield importlib.import_module(info.name)


def _own_methods(cls):
    """Public methods of ``cls`` defined by skfrugal classes (not inherited from others)."""
    names = []
    for klass in cls.__mro__:
        if not (klass.__module__ or "").startswith("skfrugal"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") and name not in _PUBLIC_DUNDERS:
                continue
            if isinstance(value, property) or not (
                callable(value) or isinstance(value, (classmethod, staticmethod))
            ):
                continue
            if name not in names:
                names.append(name)
    return sorted(names)


def discover_entries():
    """Return every public entry point of skfrugal, sorted by name.

    Returns
    -------
    entries : list of Entry
    skipped : dict of str to str
        Public names that are not entry points, with the reason.
    """
    found, skipped = {}, {}
    for module in public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            path = f"{module.__name__}.{name}"
            if inspect.ismodule(obj) or not callable(obj):
                continue
            if getattr(obj, "__name__", None) in NOT_ENTRY_POINTS:
                skipped[path] = NOT_ENTRY_POINTS[obj.__name__]
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                skipped[path] = "an exception or warning class: it takes no input"
                continue
            key = id(obj)
            if key in found:  # re-exported under another name: swept once, under the
                # name of the subpackage that defines it
                home = (getattr(obj, "__module__", "") or "").split(".")[:2]
                if module.__name__.split(".")[:2] == home:
                    found[key] = [dataclasses.replace(e, name=path + e.name[len(
                        found[key][0].name):]) for e in found[key]]
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[key] = [Entry(path, "estimator", obj)]
            elif inspect.isclass(obj):
                entries = [Entry(path, "class", obj)]
                for method in _own_methods(obj):
                    full = f"{path}.{method}"
                    entries.append(Entry(full, "method", obj, method))
                found[key] = entries
            else:
                found[key] = [Entry(path, "function", obj)]
    entries = sorted((e for group in found.values() for e in group), key=lambda e: e.name)
    return entries, skipped
