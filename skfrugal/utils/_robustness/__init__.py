"""The robustness sweep: bad and extreme inputs over every public entry point.

Run it from the command line (``python -m skfrugal.utils._robustness --help``) or
through ``tests/test_robustness.py``. The pieces:

- :mod:`._entries` finds the entry points (every public function, estimator and class);
- :mod:`._scenario` builds their canonical arguments (valid inputs of one small problem);
- :mod:`._families` changes one argument at a time (NaN, infinity, wrong shapes,
  complex or string dtypes, empty and single-sample arrays, constant data, values
  scaled by 1e±300 and 1e±150, other layouts and containers, integer and float32
  dtypes, invalid sizes and options, forged sketches, corrupted files);
- :mod:`._cases` runs a case and judges it (:mod:`._outcome` says what a clear
  refusal, a finite answer and the same answer are);
- :mod:`._runner` runs the cases in worker processes with time limits, numba's bounds
  checking and a memory limit, and re-runs the rest after a crash;
- :mod:`._exemptions` is the one table of what is not swept, each row with its reason.
"""

import collections
import dataclasses
import os

from skfrugal.utils._robustness._outcome import FAILURES
from skfrugal.utils._robustness._runner import Result, run_cases

#: at most this many cases are sent to a worker at once (so that two workers share
#: the big estimators' cases)
CHUNK_SIZE = 40


@dataclasses.dataclass
class SweepReport:
    """The results of a sweep.

    Attributes
    ----------
    results : dict of str to Result
        By case id.
    skipped : dict of str to str
        Public names that are not entry points, with the reason.
    unused_exemptions : list of tuple
        Rows of ``NOT_APPLICABLE`` that matched no case (stale rows).
    """

    results: dict
    skipped: dict
    unused_exemptions: list

    def failures(self, entry=None):
        return [r for r in self.results.values() if r.failed and (
            entry is None or r.entry == entry)]


def default_jobs():
    """Worker processes: the CPUs this process may use, at most 2 (CI has 2 cores)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(2, n))


def collect_cases(patterns=(), exclude=()):
    """Build the case list; return ``(cases, skipped, unused exemption rows)``.

    ``patterns`` select cases by id (all if empty), ``exclude`` leaves some out.
    """
    import fnmatch

    from skfrugal.utils._robustness._cases import build_cases
    from skfrugal.utils._robustness._entries import discover_entries
    from skfrugal.utils._robustness._exemptions import NOT_APPLICABLE

    entries, skipped = discover_entries()
    used = set()
    cases = build_cases(entries, used)
    unused = [row for i, row in enumerate(NOT_APPLICABLE) if i not in used]
    if patterns:
        cases = [c for c in cases if any(fnmatch.fnmatchcase(c.id, p) for p in patterns)]
    if exclude:
        cases = [c for c in cases if not any(fnmatch.fnmatchcase(c.id, p) for p in exclude)]
    return cases, skipped, unused


def case_chunks(cases):
    """Case ids grouped by entry point, in chunks of at most :data:`CHUNK_SIZE`."""
    groups = collections.defaultdict(list)
    for case in cases:
        groups[case.entry.name].append(case.id)
    return [ids[i:i + CHUNK_SIZE] for ids in groups.values()
            for i in range(0, len(ids), CHUNK_SIZE)]


def sweep(patterns=(), *, exclude=(), jobs=None, boundscheck=True, timeout=30.0,
          progress=None):
    """Run the sweep (or the cases whose id matches one of ``patterns``).

    Parameters
    ----------
    patterns : sequence of str, default=()
        fnmatch patterns over case ids ``"<entry> | <target> | <family>"``.
    exclude : sequence of str, default=()
        Patterns of case ids left out.
    jobs : int, default=None
        Worker processes (default: :func:`default_jobs`).
    boundscheck : bool, default=True
        Compile the kernels with ``NUMBA_BOUNDSCHECK=1`` (in a fresh numba cache).
    timeout : float, default=30.0
        Seconds per case before it counts as a hang.
    progress : callable, default=None
        Called with each :class:`Result`.

    Returns
    -------
    report : SweepReport
    """
    cases, skipped, unused = collect_cases(patterns, exclude)
    results = run_cases(case_chunks(cases), jobs=jobs or default_jobs(), boundscheck=boundscheck,
                        timeout=timeout, progress=progress)
    return SweepReport(results, skipped, unused)


__all__ = ["FAILURES", "Result", "SweepReport", "case_chunks", "collect_cases",
           "default_jobs", "run_cases", "sweep"]
