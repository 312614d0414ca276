"""BLAS thread limits for code that runs many small matrix products."""

from threadpoolctl import threadpool_limits


def blas_single_thread():
    """Return a context manager that limits BLAS to one thread.

    Decoders and solvers run many tiny matrix products; on a small machine an
    oversubscribed threaded BLAS made such code up to 100 times slower. Wrap their
    inner loops in this context.

    Returns
    -------
    limiter : threadpoolctl.threadpool_limits
        A context manager; BLAS gets its previous thread count back on exit.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.utils import blas_single_thread
    >>> with blas_single_thread():
    ...     float(np.ones((2, 2)) @ np.ones(2) @ np.ones(2))
    4.0
    """
    return threadpool_limits(limits=1, user_api="blas")
