"""Validation of sketches handed to decoders (``fit_sketch``)."""

from numbers import Integral

from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

from skfrugal.sketching._sketch import Sketch


def _is_type_or_types(value):
    if isinstance(value, tuple):
        return len(value) > 0 and all(isinstance(t, type) for t in value)
    return isinstance(value, type)


@validate_params(
    {
        "sketch": [object],
        "operator_type": [type, tuple],
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples": [Interval(Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def check_sketch(sketch, operator_type, *, n_features=None, min_samples=1):
    """Check that ``sketch`` was made by a fitted operator of type ``operator_type``.

    Parameters
    ----------
    sketch : Sketch
        The sketch to decode.
    operator_type : type or tuple of type
        The operator class(es) the decoder understands.
    n_features : int, default=None
        The dimension the sketch must have, if it is fixed already.
    min_samples : int, default=1
        The smallest number of sketched samples accepted.

    Returns
    -------
    operator : object
        ``sketch.operator``, fitted, of type ``operator_type``, matching the sketch.

    Raises
    ------
    TypeError
        If ``sketch`` is not a :class:`Sketch` or its operator is of another type.
    ValueError
        If the sketch's fields are inconsistent (see :meth:`Sketch.validate`), the sketch
        does not match its operator (identifier, dimension, shape, dtype), the operator
        was changed after it was fitted, the sketch has another dimension than
        ``n_features``, or holds too few samples.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.sketching import FourierSketcher, check_sketch
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> sketch = FourierSketcher(sketch_size=8, random_state=0).fit(X).sketch(X)
    >>> check_sketch(sketch, FourierSketcher) is sketch.operator
    True
    """
    if not _is_type_or_types(operator_type):
        raise TypeError(f"operator_type must be a class or a tuple of classes, got "
                        f"{operator_type!r}")
    if not isinstance(sketch, Sketch):
        raise TypeError(f"sketch must be a Sketch, got {type(sketch).__name__}")
    op = sketch.operator
    if not isinstance(op, operator_type):
        names = (
            " or ".join(t.__name__ for t in operator_type)
            if isinstance(operator_type, tuple) else operator_type.__name__
        )
        raise TypeError(
            f"sketch must be made by a {names} (sketch.operator), got {type(op).__name__}"
        )
    check_is_fitted(op)
    sketch.validate(deep=True)
    if op.operator_id_ != sketch.operator_id:
        raise ValueError(
            f"the sketch's operator_id {sketch.operator_id!r} does not match its "
            f"operator's {op.operator_id_!r}: the sketch was made by another operator"
        )
    shape = tuple(op._feature_shape())
    if sketch.n_features != op.n_features_in_ or sketch.feature_sum.shape != shape:
        raise ValueError(
            f"the sketch (n_features={sketch.n_features}, shape {sketch.feature_sum.shape}) "
            f"does not match its operator (n_features={op.n_features_in_}, shape {shape})"
        )
    if n_features is not None and sketch.n_features != n_features:
        raise ValueError(
            f"the sketch has {sketch.n_features} features, expected {n_features}"
        )
    if sketch.n_samples < min_samples:
        raise ValueError(
            f"the sketch holds {sketch.n_samples} sample(s), at least {min_samples} needed"
        )
    return op
