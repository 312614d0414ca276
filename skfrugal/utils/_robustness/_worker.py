"""The worker process of the sweep: warms the kernels up, then runs the cases it is sent."""

import importlib
import json
import os
import pkgutil
import sys
import time


def _warm_up_topics(index, jobs):
    """Compile every subpackage's kernels, starting at a different topic per worker.

    Workers share one numba cache directory: starting at different topics, each loads
    from the cache what another compiled already instead of compiling it too.
    """
    import skfrugal

    topics = sorted(
        info.name for info in pkgutil.iter_modules(skfrugal.__path__)
        if not info.name.startswith("_")
        and importlib.util.find_spec(f"skfrugal.{info.name}._warmup") is not None
    )
    if not topics:
        return
    start = (index * len(topics)) // max(jobs, 1)
    for topic in topics[start:] + topics[:start]:
        importlib.import_module(f"skfrugal.{topic}._warmup").warm_up()


def _limit_memory():
    limit = int(os.environ.get("SKFRUGAL_SWEEP_MEMORY_LIMIT", "0") or 0)
    if limit > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class _Cases:
    """Cases rebuilt on demand, one entry point at a time."""

    def __init__(self):
        from skfrugal.utils._robustness._entries import discover_entries

        entries, _ = discover_entries()
        self.entries = {entry.name: entry for entry in entries}
        self.cases = {}

    def get(self, case_id):
        if case_id.startswith("probe:"):
            from skfrugal.utils._robustness._probes import probe_case

            return probe_case(case_id)
        if case_id not in self.cases:
            from skfrugal.utils._robustness._cases import build_cases

            name = case_id.split(" | ")[0]
            entry = self.entries.get(name)
            if entry is None:
                return None
            for case in build_cases([entry]):
                self.cases[case.id] = case
        return self.cases.get(case_id)


def main(index, report_fd):
    """Serve cases read from stdin; report on ``report_fd``."""
    report = os.fdopen(report_fd, "w", buffering=1)

    def send(message):
        report.write(json.dumps(message) + "\n")
        report.flush()

    # output of the code under test must not reach the report pipe
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")
    _limit_memory()
    start = time.perf_counter()
    jobs = int(os.environ.get("SKFRUGAL_SWEEP_JOBS", "1"))
    _warm_up_topics(index, jobs)
    cases = _Cases()
    send({"ready": time.perf_counter() - start})
    from skfrugal.utils._robustness._outcome import Outcome, classify_exception

    for line in sys.stdin:
        message = json.loads(line)
        if message.get("quit"):
            break
        for case_id in message.get("cases", ()):
            send({"start": case_id})
            t0 = time.perf_counter()
            try:
                case = cases.get(case_id)
                if case is None:
                    outcome = Outcome("harness-error", "no such case (the case list changed)")
                else:
                    outcome = case.run()
            except BaseException as exc:  # a case's harness failed: report, go on
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    outcome = Outcome("unclear-error",
                                      f"{type(exc).__name__} escaped the call")
                else:
                    outcome = classify_exception(exc)
                    outcome = Outcome("harness-error", outcome.detail)
            send({"id": case_id, "status": outcome.status, "detail": outcome.detail,
                  "seconds": time.perf_counter() - t0})
