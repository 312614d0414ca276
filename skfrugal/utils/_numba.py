"""Warm-up of the numba kernels.

Every topic subpackage that has numba kernels holds a ``_warmup.py`` module with a
function ``warm_up()`` that calls each kernel once on tiny inputs of the dtypes and
layouts the package passes to it (the boundary code normalises dtype and layout, so
one call per signature is enough). With ``cache=True`` the first process compiles
and writes the cache; later processes load it in milliseconds.
"""

import importlib
import time

_TOPICS = (
    "sketching",
    "decoding",
    "mixture",
    "covariance",
    "proximal",
    "linear_model",
    "butterfly",
)


def warm_up(verbose=False):
    """Compile (or load from the cache) every numba kernel of skfrugal.

    Parameters
    ----------
    verbose : bool, default=False
        Print the time spent per subpackage.

    Returns
    -------
    timings : dict of str to float
        Seconds spent warming each subpackage that has kernels.

    Examples
    --------
    >>> from skfrugal.utils import warm_up
    >>> timings = warm_up()
    >>> all(t >= 0 for t in timings.values())
    True
    """
    timings = {}
    for topic in _TOPICS:
        module_name = f"skfrugal.{topic}._warmup"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        start = time.perf_counter()
        module.warm_up()
        timings[topic] = time.perf_counter() - start
        if verbose:
            print(f"warm-up {topic}: {timings[topic]:.2f} s")
    return timings
