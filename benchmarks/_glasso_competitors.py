"""Graphical-lasso solvers of the scale table, each run in a fresh process.

Every fit runs in its own spawned process, so that its peak memory can be read from
``/proc/self/status`` (``VmHWM``: numpy, numba and LAPACK allocations alike) after
resetting the high-water mark to the resident size once the data are loaded, and so
that a fit that runs too long can be stopped. Methods:

* ``"ours"``: :func:`skfrugal.covariance.graphical_lasso` (numba warmed first);
* ``"sklearn"``: :func:`sklearn.covariance.graphical_lasso` (``mode="cd"``);
* ``"gglasso"``: ``gglasso.solver.single_admm_solver.ADMM_SGL`` (its defaults; the
  sparse ``Theta`` is scored);
* ``"skggm"``: QUIC from skggm (``inverse_covariance``; its defaults ``tol=1e-6``,
  ``max_iter=1000``). skggm 0.2.8 builds from source only (``pip install cython wheel``
  and a LAPACK, then ``pip install skggm --no-build-isolation``) and imports removed
  scikit-learn modules: :func:`skggm_quic` installs small shims for them.
"""

import multiprocessing as mp
import sys
import time
import types
import warnings

import numpy as np


def skggm_quic():
    """skggm's ``quic`` function, with shims for the scikit-learn modules it imports
    (``sklearn.utils.testing``, ``sklearn.externals.joblib``) and for the removed
    ``force_all_finite`` argument of ``as_float_array``."""
    import joblib
    import numpy.testing as npt

    testing = types.ModuleType("sklearn.utils.testing")
    testing.assert_array_almost_equal = npt.assert_array_almost_equal
    testing.assert_array_equal = npt.assert_array_equal
    sys.modules.setdefault("sklearn.utils.testing", testing)
    sys.modules.setdefault("sklearn.externals.joblib", joblib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import inverse_covariance.quic_graph_lasso as quic_module
    quic_module.as_float_array = lambda a, copy=False, force_all_finite=None: np.asarray(
        a, dtype=np.float64)
    return quic_module.quic


def _prepare(method):
    """Import the method (outside the measured region); return ``fit(S, alpha, tol)``
    returning the precision matrix."""
    if method == "ours":
        from skfrugal.covariance import graphical_lasso
        from skfrugal.covariance._warmup import warm_up

        warm_up()
        return lambda S, alpha, tol: graphical_lasso(S, alpha, tol=tol)[1]
    if method == "sklearn":
        from sklearn.covariance import graphical_lasso

        return lambda S, alpha, tol: graphical_lasso(S, alpha, tol=tol, max_iter=100)[1]
    if method == "gglasso":
        from gglasso.solver.single_admm_solver import ADMM_SGL

        def fit(S, alpha, tol):
            sol, _ = ADMM_SGL(S, alpha, np.eye(S.shape[0]), verbose=False)
            return sol["Theta"]

        return fit
    if method == "skggm":
        quic = skggm_quic()
        return lambda S, alpha, tol: quic(S, lam=float(alpha))[0]
    raise ValueError(method)


def _memory_kb():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmHWM", "VmRSS")):
                key, value = line.split(":")
                out[key] = int(value.split()[0])
    return out


def _worker(method, path, alpha, tol, queue):
    import os

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    from skfrugal.covariance._objective import duality_gap

    warnings.simplefilter("ignore")
    try:
        fit = _prepare(method)
    except ImportError as exc:
        queue.put({"status": f"not installed ({exc})"})
        return
    S = np.load(path)
    with threadpool_limits(limits=1):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the high-water mark
        base = _memory_kb()["VmRSS"]
        t0 = time.process_time()
        try:
            prec = fit(S, alpha, tol)
        except (FloatingPointError, np.linalg.LinAlgError) as exc:
            queue.put({"status": f"fails ({str(exc)[:40]})",
                       "seconds": time.process_time() - t0})
            return
        seconds = time.process_time() - t0
        peak = _memory_kb()["VmHWM"] - base
    prec = 0.5 * (prec + prec.T)
    pd = bool(np.all(np.isfinite(prec)) and np.linalg.eigvalsh(prec)[0] > 0)
    queue.put({
        "status": "ok" if pd else "not PD",
        "seconds": seconds,
        "peak_mb": peak / 1024,
        "gap": duality_gap(S, prec, alpha),
        "edges": int(np.count_nonzero(np.triu(prec, 1))),
        "precision": prec if S.shape[0] <= 2000 else None,
    })


def run_isolated(method, path, alpha, tol, timeout):
    """Fit in a fresh process; return a dict with ``status`` and, when it ran,
    ``seconds`` (CPU), ``peak_mb`` (peak resident memory above the loaded data),
    ``gap`` (scikit-learn's duality gap of the result), ``edges`` and ``precision``."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(method, path, alpha, tol, queue))
    proc.start()
    t0 = time.perf_counter()
    result = None
    while time.perf_counter() - t0 < timeout:
        try:
            result = queue.get(timeout=1.0)
            break
        except Exception:  # queue.Empty: still running
            if not proc.is_alive():
                break
    if result is None:
        proc.terminate()
        proc.join()
        return {"status": f"> {timeout:.0f} s (stopped)"}
    proc.join()
    return result
