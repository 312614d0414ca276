"""Graph-recovery metrics for sparse precision matrices."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array


def _square(matrix, name):
    matrix = check_array(matrix, dtype=np.float64, input_name=name)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {matrix.shape}")
    return matrix


def _edges(matrix, threshold, name):
    matrix = _square(matrix, name)
    iu = np.triu_indices(matrix.shape[0], 1)
    return np.abs(matrix[iu]) > threshold


_GRAPH_PARAMS = {
    "precision_true": ["array-like"],
    "precision_pred": ["array-like"],
    "threshold": [Interval(Real, 0, None, closed="left")],
}


@validate_params(_GRAPH_PARAMS, prefer_skip_nested_validation=True)
def graph_recovery_scores(precision_true, precision_pred, *, threshold=1e-8):
    """Edge precision, recall, F1 and support size of an estimated graph.

    An edge ``(i, j)``, ``i < j``, is present when ``|Θ_ij| > threshold``.

    Parameters
    ----------
    precision_true : array-like of shape (p, p)
        The true precision matrix (or adjacency matrix).
    precision_pred : array-like of shape (p, p)
        The estimated precision matrix.
    threshold : float, default=1e-8
        Magnitude below which an entry counts as zero.

    Returns
    -------
    scores : dict
        ``precision``, ``recall``, ``f1`` (1.0 for two empty graphs), ``n_edges_true``,
        ``n_edges_pred``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.metrics import graph_recovery_scores
    >>> true = np.array([[1., .5, 0.], [.5, 1., .2], [0., .2, 1.]])
    >>> pred = np.array([[1., .4, .1], [.4, 1., 0.], [.1, 0., 1.]])
    >>> graph_recovery_scores(true, pred)["f1"]
    0.5
    """
    t = _edges(precision_true, threshold, "precision_true")
    e = _edges(precision_pred, threshold, "precision_pred")
    if t.shape != e.shape:
        raise ValueError(
            f"precision_true and precision_pred differ in shape: {np.shape(precision_true)} "
            f"and {np.shape(precision_pred)}"
        )
    tp = int(np.sum(t & e))
    n_pred, n_true = int(e.sum()), int(t.sum())
    prec = tp / n_pred if n_pred else float(n_true == 0)
    rec = tp / n_true if n_true else float(n_pred == 0)
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "n_edges_true": n_true,
            "n_edges_pred": n_pred}


@validate_params(_GRAPH_PARAMS, prefer_skip_nested_validation=True)
def edge_f1_score(precision_true, precision_pred, *, threshold=1e-8):
    """F1 score of the recovered edge set (off-diagonal support).

    Parameters
    ----------
    precision_true, precision_pred : array-like of shape (p, p)
        True and estimated precision matrices.
    threshold : float, default=1e-8
        Magnitude below which an entry counts as zero.

    Returns
    -------
    f1 : float

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.metrics import edge_f1_score
    >>> edge_f1_score(np.eye(3) + np.eye(3, k=1), np.eye(3) + np.eye(3, k=1))
    1.0
    """
    return graph_recovery_scores(precision_true, precision_pred, threshold=threshold)["f1"]


@validate_params(
    {"reference": ["array-like"], "estimate": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def relative_frobenius_error(reference, estimate):
    """``||estimate - reference||_F / ||reference||_F``.

    Parameters
    ----------
    reference, estimate : array-like of shape (p, p)
        The reference matrix (not zero) and its estimate, finite.

    Returns
    -------
    error : float

    Raises
    ------
    ValueError
        If the matrices differ in shape, hold NaN or infinity, if the reference is
        zero, or if the ratio overflows float64.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.metrics import relative_frobenius_error
    >>> relative_frobenius_error(np.eye(2), 1.1 * np.eye(2))
    0.1...
    """
    reference = check_array(reference, dtype=np.float64, input_name="reference")
    estimate = check_array(estimate, dtype=np.float64, input_name="estimate")
    if reference.shape != estimate.shape:
        raise ValueError(f"shapes differ: {reference.shape} and {estimate.shape}")
    # in units of the largest entry: the norms neither overflow nor underflow
    scale = max(float(np.max(np.abs(reference))), float(np.max(np.abs(estimate))))
    if float(np.max(np.abs(reference))) == 0.0:
        raise ValueError("the reference matrix is zero: the relative error is undefined")
    num = np.linalg.norm(estimate / scale - reference / scale)
    den = np.linalg.norm(reference / scale)
    with np.errstate(over="ignore"):
        error = num / den
    if not np.isfinite(error):
        raise ValueError("the relative error overflows float64: the reference is "
                         f"{den:.3g} times smaller than the largest entry")
    return float(error)
