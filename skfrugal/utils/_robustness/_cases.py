"""The cases of the sweep: one canonical call, one argument changed by one family.

A case has an id ``"<entry> | <target> | <family>"``: ``target`` is the parameter that
is changed (``z``, ``n_components``), or for estimators ``fit(X)``, ``fit(y)``,
``param n_clusters``, ``predict(X)``, ``fit_sketch(sketch)``, ``predict`` (the method
called before fit) or ``partial_fit`` (the atomicity cases). The id is all a worker
process needs to rebuild and run the case.
"""

import copy
import dataclasses
import functools
import inspect
import sys
import warnings

import numpy as np

from skfrugal.utils._robustness import _exemptions, _families, _scenario
from skfrugal.utils._robustness._entries import discover_entries
from skfrugal.utils._robustness._outcome import (
    OK,
    REFUSED,
    HarnessError,
    Outcome,
    classify_exception,
    compare,
    non_finite_leaves,
    runtime_warnings,
    short,
)

#: methods that fit, configure or describe an estimator: not outputs of a fitted model
_NOT_OUTPUT_METHODS = {"fit", "partial_fit", "fit_transform", "fit_predict", "fit_sketch",
                       "get_params", "set_params", "get_metadata_routing", "set_output"}
#: parameters of an estimator that the sweep does not change
_NOT_SWEPT_PARAMS = {"verbose", "n_jobs", "copy", "warm_start"}


@dataclasses.dataclass
class Case:
    """One call of an entry point with one changed argument."""

    entry: object
    target: str
    family: str
    run: object  # () -> Outcome

    @property
    def id(self):
        return f"{self.entry.name} | {self.target} | {self.family}"


# -- calling ------------------------------------------------------------------------------

def _call(func, kwargs):
    """Call ``func`` with keyword arguments (``**kwargs`` parameters expanded)."""
    sig = inspect.signature(func)
    pos, kw = [], {}
    for name, param in sig.parameters.items():
        if name not in kwargs:
            continue
        if param.kind is param.VAR_KEYWORD:
            kw.update(kwargs[name])
        elif param.kind is param.VAR_POSITIONAL:
            pos.extend(kwargs[name])
        elif param.kind is param.POSITIONAL_ONLY:
            pos.append(kwargs[name])
        else:
            kw[name] = kwargs[name]
    return func(*pos, **kw)


def evaluate(expect, produce, reference=None, allowed_non_finite=(), check=None):
    """Run ``produce()`` and judge the outcome against an expectation.

    Parameters
    ----------
    expect : str
        ``refuse``, ``valid``, ``same``, ``same-float``, ``refuse-or-same``, ``works``
        or ``not-fitted``.
    produce : callable
        Returns the output of the case.
    reference : callable, default=None
        Returns the output to compare with (for the ``same`` expectations).
    allowed_non_finite : sequence of str
        Output path patterns allowed to hold infinities.
    check : callable, default=None
        ``check(output) -> None or str``: an extra test of a working output.

    Returns
    -------
    outcome : Outcome
    """
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            with np.errstate(all="warn"):
                output = produce()
        except Exception as exc:  # every exception is classified, none escapes
            outcome = classify_exception(exc)
            if expect == "not-fitted" and outcome.status == REFUSED:
                if type(exc).__name__ != "NotFittedError":
                    return Outcome("not-fitted-missing",
                                   f"raised {outcome.detail} instead of NotFittedError")
            if expect == "works" and outcome.status == REFUSED:
                return Outcome("harness-error", f"the canonical call failed: {outcome.detail}")
            return outcome
    warned = runtime_warnings(records)
    note = f" (RuntimeWarning: {'; '.join(warned)})" if warned else ""
    if expect == "not-fitted":
        return Outcome("not-fitted-missing", "worked on an unfitted estimator" + note)
    bad = non_finite_leaves(output, allowed_non_finite)
    if bad:
        return Outcome("non-finite", short("; ".join(bad[:3]) + note))
    if expect == "refuse":
        return Outcome("accepted", "returned without error" + note)
    if expect in ("same", "same-float", "refuse-or-same") and reference is not None:
        try:
            ref = reference()
        except Exception as exc:  # the reference itself fails: nothing to compare
            return Outcome(OK, f"reference failed ({short(str(exc), 60)})" + note)
        diff = compare(ref, output)
        if diff is not None:
            return Outcome("differs", diff + note)
    if check is not None:
        problem = check(output)
        if problem:
            return Outcome("differs", problem + note)
    return Outcome(OK, note.strip())


# -- functions and classes ------------------------------------------------------------------

def _parameters(func):
    try:
        return list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []


def _resolve(name, short_name, s):
    overrides = _scenario.OVERRIDES.get(short_name, {})
    if name in overrides:
        return overrides[name](s)
    if name in _scenario.NAMES:
        return _scenario.NAMES[name](s)
    raise KeyError(name)


def _target_function(entry, s):
    """Return ``(callable, canonical argument builder, swept parameter names)``."""
    if entry.kind == "method":
        raw = entry.callable
        if isinstance(raw, (classmethod, staticmethod)):
            func = getattr(entry.obj, entry.method)
            params = _parameters(func)
        else:
            factory = _scenario.INSTANCES.get(entry.obj.__name__)
            if factory is None:
                raise HarnessError(
                    f"no canonical instance of {entry.obj.__name__}: add one to "
                    "skfrugal/utils/_robustness/_scenario.py INSTANCES"
                )
            params = _parameters(raw)[1:]

            def func(*args, _factory=factory, _name=entry.method, **kwargs):
                return getattr(_factory(_scenario.scenario()), _name)(*args, **kwargs)

            func.__signature__ = inspect.Signature(params)
    else:
        func = entry.obj
        params = _parameters(func.__init__)[1:] if entry.kind == "class" else _parameters(func)
    names, required = [], []
    overrides = _scenario.OVERRIDES.get(entry.short_name, {})
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            continue
        if p.kind is p.VAR_KEYWORD:
            if p.name in overrides:
                names.append(p.name)
                required.append(p.name)
            continue
        if p.default is p.empty or p.name in overrides:
            names.append(p.name)
            required.append(p.name)
            continue
        names.append(p.name)
    defaults = {p.name: p.default for p in params if p.default is not p.empty}

    def canonical():
        s = _scenario.scenario()
        args = {}
        for name in names:
            if name in required:
                try:
                    try:
                        args[name] = _resolve(name, entry.short_name, s)
                    except KeyError:
                        if entry.kind != "class":
                            raise
                        args[name] = _scenario.instance_value(entry.short_name, name, s)
                except KeyError:
                    raise HarnessError(
                        f"no canonical value for parameter {name!r} of {entry.name}: add "
                        "it to NAMES or OVERRIDES in skfrugal/utils/_robustness/_scenario.py"
                    ) from None
            elif name == "random_state" and defaults[name] is None:
                args[name] = 0  # a fixed seed, so that two calls can be compared
            else:
                args[name] = copy.deepcopy(defaults[name])
        return args

    return func, canonical, names


def _sweep_default(value):
    return _families.value_kind(value) in ("int", "float", "str", "bool", "none",
                                           "number-sequence")


def function_cases(entry, used=None):
    """The cases of a function, a class constructor or a method of a class."""
    s = _scenario.scenario()
    try:
        func, canonical, names = _target_function(entry, s)
        args = canonical()
    except HarnessError as exc:
        message = str(exc)
        return [Case(entry, "-", "canonical", lambda: Outcome("harness-error", message))]
    allowed = _exemptions.allowed_non_finite(entry.name)
    frozen = copy.deepcopy(args)

    @functools.cache
    def reference_output():
        return _call(func, canonical())

    def run_canonical():
        given = canonical()
        outcome = evaluate("works", lambda: _call(func, given), allowed_non_finite=allowed)
        if outcome.status == OK:
            changed = compare(frozen, given, rtol=0)
            if changed is not None:
                return Outcome("input-modified", f"the call wrote into its input: {changed}")
        return outcome

    cases = [Case(entry, "-", "canonical", run_canonical)]
    for name in names:
        value = args[name]
        if name not in frozen:
            continue
        is_default = name not in _scenario.OVERRIDES.get(entry.short_name, {}) and (
            not _required(func, name))
        if is_default and not _sweep_default(value):
            continue
        for family in _families.families_for(value):
            if _exemptions.not_applicable(entry.name, name, family.name, used):
                continue
            cases.append(Case(entry, name, family.name, functools.partial(
                _run_function_case, func, canonical, name, family, reference_output,
                allowed)))
    return cases


def _required(func, name):
    for p in _parameters(func):
        if p.name == name:
            return p.default is p.empty
    return False


def _run_function_case(func, canonical, name, family, reference_output, allowed):
    s = _scenario.scenario()
    args = canonical()
    try:
        args[name] = family.make(args[name], s)
    except Exception as exc:
        raise HarnessError(f"family {family.name} does not apply: {exc}") from exc
    reference = None
    if family.expect in ("same", "refuse-or-same"):
        reference = reference_output
    elif family.expect == "same-float":
        def reference():
            ref_args = canonical()
            ref_args[name] = family.reference(ref_args[name])
            return _call(func, ref_args)
    return evaluate(family.expect, lambda: _call(func, args), reference, allowed)


# -- estimators ---------------------------------------------------------------------------

def _canonical_estimator(cls):
    from sklearn.base import clone

    from skfrugal.utils._estimator_registry import TEST_INSTANCES

    factory = TEST_INSTANCES.get(cls.__name__)
    est = factory()[0] if factory is not None else cls()
    return clone(est)


def _is_supervised(est):
    try:
        return bool(est.__sklearn_tags__().target_tags.required)
    except AttributeError:
        return False


def _is_classifier(est):
    return getattr(est, "_estimator_type", None) == "classifier" or (
        est.__sklearn_tags__().estimator_type == "classifier")


class EstimatorContext:
    """Canonical data, fitted instance and outputs of one estimator class."""

    def __init__(self, entry):
        self.entry = entry
        self.cls = entry.obj
        self.name = self.cls.__name__
        self.template = _canonical_estimator(self.cls)
        self.supervised = _is_supervised(self.template)
        self.classifier = _is_classifier(self.template)

    def new(self):
        from sklearn.base import clone

        return clone(self.template)

    def X(self):
        return _scenario.estimator_value(self.name, "X", _scenario.scenario())

    def y(self):
        if not self.supervised:
            return None
        s = _scenario.scenario()
        if self.classifier:
            return s.y_class.copy()
        return _scenario.estimator_value(self.name, "y", s)

    def fit(self, est, X=None, y=None):
        X = self.X() if X is None else X
        if self.supervised:
            return est.fit(X, self.y() if y is None else y)
        return est.fit(X)

    @functools.cached_property
    def fitted(self):
        return self.fit(self.new())

    def methods(self):
        """Public methods of a fitted model (outputs) available on this instance."""
        names = []
        for name in dir(self.template):
            if name.startswith("_") or name in _NOT_OUTPUT_METHODS or name.startswith("set_"):
                continue
            attr = inspect.getattr_static(type(self.template), name, None)
            if attr is None or isinstance(attr, (property, staticmethod, classmethod)):
                continue
            try:
                bound = getattr(self.template, name)
            except AttributeError:  # available_if: not available for this instance
                continue
            if callable(bound):
                names.append(name)
        return names

    def method_args(self, method, fitted=None):
        """Canonical keyword arguments of a method (KeyError if one is unknown)."""
        s = _scenario.scenario()
        args = {}
        for p in _parameters(getattr(self.template, method)):
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            if p.default is not p.empty:
                continue
            if p.name == "y":
                args["y"] = self.y()
                continue
            args[p.name] = _scenario.estimator_value(self.name, p.name, s, fitted)
        return args

    def output_methods(self):
        """Methods that take only resolvable arguments (the fingerprint of a model)."""
        out = []
        for method in self.methods():
            try:
                self.method_args(method, fitted=self.template)
            except KeyError:
                continue
            out.append(method)
        return out

    @functools.cached_property
    def working_methods(self):
        """Output methods that work on the canonical fitted model (its fingerprint)."""
        out = []
        for method in self.output_methods():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    getattr(self.fitted, method)(**self.method_args(method, self.fitted))
            except Exception:  # reported by the method's own canonical case
                continue
            out.append(method)
        return out

    def fingerprint(self, est, X=None, y=None):
        """Fitted attributes, and the outputs of the model on ``X`` (default: canonical)."""
        outputs = {"model": est}
        for method in self.working_methods:
            args = self.method_args(method, fitted=est)
            for name in ("X", "A"):
                if name in args and X is not None:
                    args[name] = X
            if "y" in args and y is not None:
                args["y"] = y
            outputs[method] = getattr(est, method)(**args)
        return outputs

    @functools.cached_property
    def reference(self):
        return self.fingerprint(self.fitted)


def _scale_check(ctx, factor):
    """Scale-invariance check of a model fitted on ``factor * X``, where it holds."""
    from sklearn.base import ClusterMixin
    from sklearn.metrics import adjusted_rand_score

    from skfrugal.sketching import FourierSketcher

    if isinstance(ctx.template, ClusterMixin) or (
        hasattr(ctx.template, "predict") and hasattr(ctx.template, "score_samples")
    ):
        reference = ctx.fitted.predict(ctx.X())

        def check(est):
            labels = est.predict(ctx.X() * factor)
            ari = adjusted_rand_score(reference, labels)
            if ari < 0.99:
                return (f"labels of the data x {factor:g} do not match the canonical ones "
                        f"(ARI {ari:.2f}): the model is not scale-free")
            return None

        return check
    if isinstance(ctx.template, FourierSketcher) and ctx.template.standardize:
        reference = ctx.fitted.transform(ctx.X())

        def check(est):
            features = est.transform(ctx.X() * factor)
            err = float(np.max(np.abs(features - reference)))
            if err > 1e-3:
                return (f"features of the data x {factor:g} differ from the canonical ones "
                        f"by {err:.2g}: the standardised operator is not scale-free")
            return None

        return check
    return None


def estimator_cases(entry, used=None):
    """The cases of an estimator class."""
    try:
        ctx = EstimatorContext(entry)
    except Exception as exc:  # no canonical instance: report it as a harness problem
        message = f"cannot build a canonical {entry.name}: {exc}"
        return [Case(entry, "-", "canonical", lambda: Outcome("harness-error", message))]
    cases = []
    allowed = _exemptions.allowed_non_finite(entry.name)

    def add(target, family, run):
        if _exemptions.not_applicable(entry.name, target, family, used):
            return
        cases.append(Case(entry, target, family, run))

    add("fit", "canonical", lambda: evaluate(
        "works", lambda: ctx.fingerprint(ctx.fit(ctx.new())), allowed_non_finite=allowed))

    # fit(X) and fit(y)
    X0 = ctx.X()
    for family in _families.array_families(X0):
        add("fit(X)", family.name, functools.partial(_run_fit, ctx, "X", family, allowed))
    if ctx.supervised:
        y0 = ctx.y()
        fams = (_families.int_array_families(y0) if y0.dtype.kind in "iu"
                else _families.array_families(y0))
        for family in fams:
            add("fit(y)", family.name, functools.partial(_run_fit, ctx, "y", family, allowed))

    # hyper-parameters
    for pname, value in sorted(ctx.template.get_params(deep=False).items()):
        if pname in _NOT_SWEPT_PARAMS:
            continue
        for family in _families.families_for(value):
            if family.name in ("numpy-float",):
                continue
            add(f"param {pname}", family.name,
                functools.partial(_run_param, ctx, pname, family, allowed))

    # methods before fit, then on the canonical data and on bad data after fit
    for method in ctx.methods():
        add(method, "before-fit", functools.partial(_run_before_fit, ctx, method))
    for method in ctx.output_methods():
        add(method, "canonical", functools.partial(_run_method_canonical, ctx, method,
                                                   allowed))
        args = ctx.method_args(method, fitted=ctx.template)
        if "X" in args:
            x_fams = {f.name: f for f in _families.array_families(args["X"])}
            for fname in _families.METHOD_X_FAMILIES:
                if fname in x_fams:
                    add(f"{method}(X)", fname, functools.partial(
                        _run_method_x, ctx, method, x_fams[fname], allowed))

    # methods taking a sketch
    for method in ("fit_sketch", "sketch_score", "measurements"):
        if not hasattr(ctx.template, method):
            continue
        params = [p.name for p in _parameters(getattr(ctx.template, method))]
        pname = "sketches" if "sketches" in params else "sketch"
        if pname not in params:
            continue
        for family in _families.sketch_families(_sketch_for(ctx)):
            add(f"{method}({pname})", family.name, functools.partial(
                _run_sketch_method, ctx, method, pname, family, allowed))

    # partial_fit: on a fresh estimator, and atomic when refused
    if hasattr(ctx.template, "partial_fit"):
        x_fams = {f.name: f for f in _families.array_families(X0)}
        for fname in ("nan", "empty", "single", "constant", "scale-1e+300", "F-order",
                      "shorter-axis1"):
            if fname in x_fams:
                add("partial_fit(X)", fname, functools.partial(
                    _run_partial_fit, ctx, x_fams[fname], allowed))
        for fname in ("nan", "shorter-axis1", "str"):
            add("partial_fit", f"atomic-{fname}", functools.partial(
                _run_atomic_partial_fit, ctx, x_fams[fname]))
        for n_calls in INTERRUPT_AFTER:
            add("partial_fit", f"interrupted-{n_calls}", functools.partial(
                _run_interrupted_partial_fit, ctx, n_calls))
    return cases


def _sketch_for(ctx):
    """A canonical sketch for the sketch-taking methods (made by the canonical fit)."""
    sketch = getattr(ctx.fitted, "sketch_", None)
    if sketch is not None:
        return _scenario.estimator_value(ctx.name, "sketch", _scenario.scenario(),
                                         ctx.fitted)
    s = _scenario.scenario()
    name = type(ctx.template).__name__
    return s.fresh(s.cov_sketch if "Covariance" in name or "GraphicalLasso" in name
                   else s.sketch)


def _run_fit(ctx, which, family, allowed):
    """Fit on X (``which="X"``) or y (``"y"``) changed by ``family``; judge the model."""
    s = _scenario.scenario()

    def fit_on(value):
        data = {which: value}
        return ctx.fingerprint(ctx.fit(ctx.new(), **data), **data)

    canonical = ctx.X if which == "X" else ctx.y
    changed = family.make(canonical(), s)
    reference = None
    if family.expect in ("same", "refuse-or-same"):
        reference = lambda: ctx.reference  # noqa: E731
    elif family.expect == "same-float":
        reference = lambda: fit_on(family.reference(canonical()))  # noqa: E731
    check = None
    if which == "X" and family.name.startswith("scale-"):
        invariant = _scale_check(ctx, float(family.name.split("-", 1)[1]))
        if invariant is not None:
            check = lambda out: invariant(out["model"])  # noqa: E731
    return evaluate(family.expect, lambda: fit_on(changed), reference, allowed, check)


def _run_param(ctx, pname, family, allowed):
    s = _scenario.scenario()
    value = family.make(ctx.template.get_params(deep=False)[pname], s)
    est = ctx.new()

    def produce():
        est.set_params(**{pname: value})
        return ctx.fingerprint(ctx.fit(est))

    reference = (lambda: ctx.reference) if family.expect == "same" else None
    return evaluate(family.expect, produce, reference, allowed)


def _run_before_fit(ctx, method):
    est = ctx.new()
    try:
        args = ctx.method_args(method)
    except KeyError:
        args = {}
        for p in _parameters(getattr(est, method)):
            if p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                args[p.name] = ctx.X()
    return evaluate("not-fitted", lambda: getattr(est, method)(**args))


def _run_method_canonical(ctx, method, allowed):
    est = ctx.fitted
    args = ctx.method_args(method, fitted=est)
    return evaluate("valid", lambda: getattr(est, method)(**args), None, allowed)


def _run_method_x(ctx, method, family, allowed):
    s = _scenario.scenario()
    est = ctx.fitted
    args = ctx.method_args(method, fitted=est)
    args["X"] = family.make(args["X"], s)
    reference = None
    if family.expect in ("same", "refuse-or-same"):
        reference = lambda: ctx.reference[method]  # noqa: E731
    elif family.expect == "same-float":
        def reference():
            ref_args = ctx.method_args(method, fitted=est)
            ref_args["X"] = family.reference(ref_args["X"])
            return getattr(est, method)(**ref_args)
    return evaluate(family.expect, lambda: getattr(est, method)(**args), reference, allowed)


def _run_sketch_method(ctx, method, pname, family, allowed):
    s = _scenario.scenario()
    est = ctx.new() if method == "fit_sketch" else ctx.fitted
    value = _sketch_for(ctx)
    value = [family.make(value, s), _sketch_for(ctx)] if pname == "sketches" else (
        family.make(value, s))
    return evaluate(family.expect, lambda: getattr(est, method)(**{pname: value}),
                    None, allowed)


def _run_partial_fit(ctx, family, allowed):
    s = _scenario.scenario()
    X = family.make(ctx.X(), s)

    def produce():
        est = ctx.new()
        if ctx.supervised:
            return {"model": est.partial_fit(X, ctx.y()[: len(X)])}
        return {"model": est.partial_fit(X)}

    reference = None
    if family.expect == "same":
        def reference():
            est = ctx.new()
            return {"model": est.partial_fit(ctx.X())}
    return evaluate(family.expect, produce, reference, allowed)


def _run_atomic_partial_fit(ctx, family):
    s = _scenario.scenario()
    est = ctx.fit(ctx.new())
    before = copy.deepcopy(ctx.fingerprint(est))
    bad = family.make(ctx.X(), s)
    outcome = evaluate("refuse", lambda: est.partial_fit(bad))
    if outcome.status != REFUSED:
        return outcome
    diff = compare(before, ctx.fingerprint(est), rtol=0)
    if diff is not None:
        return Outcome("state-changed",
                       f"a refused partial_fit ({outcome.detail}) changed the model: {diff}")
    return outcome


#: a partial_fit is interrupted (KeyboardInterrupt) at its n-th Python function call
INTERRUPT_AFTER = (30, 300, 3000)


class _Interrupted(KeyboardInterrupt):
    pass


def _interrupt_after(n_calls, func):
    """Run ``func``, raising a KeyboardInterrupt at its ``n_calls``-th Python call.

    Returns ``True`` if the interrupt fired, ``False`` if ``func`` finished first.
    """
    count = [0]

    def tracer(frame, event, arg):
        if event == "call":
            count[0] += 1
            if count[0] == n_calls:
                raise _Interrupted(f"interrupted at call {n_calls}")
        return None

    sys.settrace(tracer)
    try:
        func()
    except _Interrupted:
        return True
    finally:
        sys.settrace(None)
    return False


def _run_interrupted_partial_fit(ctx, n_calls):
    """An interrupted partial_fit leaves the model as it was; a retry counts once."""
    chunk = ctx.X()[::2]

    def fitted():
        return ctx.fit(ctx.new())

    try:
        est = fitted()
        before = copy.deepcopy(ctx.fingerprint(est))
        fired = _interrupt_after(n_calls, lambda: est.partial_fit(chunk))
        if fired:
            diff = compare(before, ctx.fingerprint(est), rtol=0)
            if diff is not None:
                return Outcome("state-changed",
                               f"a partial_fit interrupted at call {n_calls} changed the "
                               f"model: {diff}")
            est.partial_fit(chunk)  # the retry
        expected = fitted().partial_fit(chunk)
        diff = compare(ctx.fingerprint(expected), ctx.fingerprint(est))
        if diff is not None:
            return Outcome("state-changed",
                           f"partial_fit retried after an interrupt at call {n_calls} differs "
                           f"from one uninterrupted partial_fit: {diff}")
    except Exception as exc:  # the canonical calls themselves failed
        return classify_exception(exc)
    return Outcome(OK, "interrupted and retried" if fired else "finished before the interrupt")


# -- all cases ----------------------------------------------------------------------------

def build_cases(entries=None, used=None):
    """Every case of the sweep, in a deterministic order.

    Parameters
    ----------
    entries : list of Entry, default=None
        The entry points (default: all of them).
    used : set, default=None
        Filled with the indices of the rows of ``NOT_APPLICABLE`` that matched.

    Returns
    -------
    cases : list of Case
    """
    if entries is None:
        entries, _ = discover_entries()
    cases = []
    for entry in entries:
        if _exemptions.not_applicable(entry.name, "*", "*", used):
            continue
        if entry.kind == "estimator":
            cases.extend(estimator_cases(entry, used))
        else:
            cases.extend(function_cases(entry, used))
    return cases


__all__ = ["Case", "build_cases", "evaluate"]
