"""Graph-recovery metrics for sparse precision matrices."""

import numpy as np


def _edges(matrix, threshold):
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {matrix.shape}")
    iu = np.triu_indices(matrix.shape[0], 1)
    return np.abs(matrix[iu]) > threshold


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
    t = _edges(precision_true, threshold)
    e = _edges(precision_pred, threshold)
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


def relative_frobenius_error(reference, estimate):
    """``||estimate - reference||_F / ||reference||_F``.

    Parameters
    ----------
    reference, estimate : array-like of shape (p, p)

    Returns
    -------
    error : float

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.metrics import relative_frobenius_error
    >>> relative_frobenius_error(np.eye(2), 1.1 * np.eye(2))
    0.1...
    """
    reference = np.asarray(reference, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    if reference.shape != estimate.shape:
        raise ValueError(f"shapes differ: {reference.shape} and {estimate.shape}")
    return float(np.linalg.norm(estimate - reference) / np.linalg.norm(reference))
