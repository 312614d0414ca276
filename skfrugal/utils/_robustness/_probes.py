"""Cases with a known outcome, to check the sweep's machinery itself.

``tests/test_robustness.py`` runs them through :func:`run_cases`: an abort, a hang, an
out-of-bounds access in a numba kernel compiled with ``NUMBA_BOUNDSCHECK=1``, an unclear
error, a NaN answer, a clear refusal and a valid call must each be reported as such, and
the cases after a crash must still run.
"""

import numpy as np

from skfrugal.utils._robustness._outcome import Outcome

PROBES = ("probe:ok", "probe:refused", "probe:unclear", "probe:non-finite",
          "probe:out-of-bounds", "probe:abort", "probe:hang")


def _read_past_end(values):
    from numba import njit  # compiled here, not cached: the probe must see the flag

    @njit
    def kernel(a):
        total = 0.0
        for i in range(a.shape[0] + 3):
            total += a[i]
        return total

    return kernel(values)


class _Probe:
    def __init__(self, case_id):
        self.id = case_id

    def run(self):
        from skfrugal.utils._robustness._cases import evaluate

        kind = self.id.split(":", 1)[1]
        if kind == "abort":
            import os

            os.abort()
        if kind == "hang":
            import time

            time.sleep(3600)
        if kind == "ok":
            return evaluate("valid", lambda: np.ones(3))
        if kind == "refused":
            from skfrugal.sketching import Sketch

            return evaluate("refuse", lambda: Sketch(np.zeros(2), -1, [0.0], [1.0], [0.0],
                                                     [0.0], "x"))
        if kind == "unclear":
            return evaluate("valid", lambda: 1 // 0)
        if kind == "non-finite":
            return evaluate("valid", lambda: np.log(np.zeros(2) - 1.0))
        if kind == "out-of-bounds":
            return evaluate("valid", lambda: _read_past_end(np.ones(4)))
        return Outcome("harness-error", f"unknown probe {kind!r}")


def probe_case(case_id):
    """The probe case of an id ``probe:<kind>``."""
    return _Probe(case_id)
