"""Session set-up: one BLAS thread, numba kernels warmed once, headless matplotlib."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def _session_setup():
    from skfrugal.utils import warm_up

    with threadpool_limits(limits=1, user_api="blas"):
        warm_up()
        yield
