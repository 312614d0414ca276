"""Running the sweep in worker processes: crashes, hangs and out-of-bounds accesses.

Cases run in long-lived worker processes, many per process. A worker reports the start
and the end of every case on a private pipe; the parent gives each case a time limit.
A case that exceeds it is a ``hang``: the worker is killed and a new one runs the
remaining cases. A worker that dies (an abort, "double free or corruption", a
segmentation fault) reports an ``abort`` for its current case, with the tail of its
standard error, and the remaining cases are re-run in a new worker.

With ``boundscheck=True`` the workers run with ``NUMBA_BOUNDSCHECK=1``, so that a kernel
reading or writing outside an array raises an ``IndexError`` (reported as
``out-of-bounds``) instead of corrupting memory. The variable must be set before numba
compiles, and numba's on-disk cache does not key its entries on it: the workers get a
fresh temporary ``NUMBA_CACHE_DIR`` that they share with each other (kernels compiled by
one are loaded by the other) and that neither reuses the normal cache nor writes into it.

The time limit is on the CPU time the worker spends on the case (a hang is a loop that
never ends), so that a machine busy with other work does not turn a slow case into a
hang; a case that waits without using the CPU is stopped after ``WALL_FACTOR`` times the
limit of wall-clock time.

Workers also run with an address-space limit (``memory_limit``), so that a huge size
asked for fails with NumPy's ``MemoryError`` instead of exhausting the machine, in a
temporary working directory, with standard output discarded.
"""

import collections
import dataclasses
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time

from skfrugal.utils._robustness._entries import subpackage_of
from skfrugal.utils._robustness._outcome import FAILURES, short

WORKER_MODULE = "skfrugal.utils._robustness"
#: a case may take this many times its CPU time limit of wall-clock time
WALL_FACTOR = 4.0
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid):
    """CPU time (user + system) used so far by process ``pid``, or ``None`` if unknown."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


@dataclasses.dataclass
class Result:
    """The outcome of one case."""

    id: str
    status: str
    detail: str = ""
    seconds: float = 0.0

    @property
    def entry(self):
        return self.id.split(" | ")[0]

    @property
    def subpackage(self):
        return subpackage_of(self.entry)

    @property
    def failed(self):
        return self.status in FAILURES

    def line(self):
        """``entry | target | family -> status: detail`` on one line."""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.id} -> {self.status}{detail}"


class _Worker:
    def __init__(self, index, env, cwd, stderr_dir, python):
        self.index = index
        self.stderr_path = os.path.join(stderr_dir, f"worker-{index}-{time.monotonic_ns()}.err")
        self._stderr = open(self.stderr_path, "wb")
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            [python, "-m", WORKER_MODULE, "worker", "--index", str(index),
             "--report-fd", str(write_fd)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr,
            env=env, cwd=cwd, pass_fds=(write_fd,), start_new_session=True,
        )
        os.close(write_fd)
        self.reader = os.fdopen(read_fd, "rb", buffering=0)
        self.buffer = b""
        self.ready = False
        self.chunk = collections.deque()
        self.current = None
        self.deadline = None
        self.cpu_start = None
        self.cpu_limit = None

    def send(self, message):
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def lines(self, data):
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in complete if line.strip()]

    def stderr_tail(self):
        self._stderr.flush()
        try:
            with open(self.stderr_path, "rb") as f:
                text = f.read().decode(errors="replace")
        except OSError:
            return ""
        lines = [line for line in text.strip().splitlines() if line.strip()]
        return " / ".join(lines[-3:])

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()

    def close(self):
        if self.proc.poll() is None:
            self.send({"quit": True})
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.reader.close()
        self._stderr.close()
        try:
            self.proc.stdin.close()
        except OSError:
            pass


def worker_environment(boundscheck, cache_dir):
    """Environment of the worker processes."""
    import skfrugal

    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(skfrugal.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTEST_CURRENT_TEST", None)
    if boundscheck:
        env["NUMBA_BOUNDSCHECK"] = "1"
        env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def run_cases(chunks, *, jobs=2, boundscheck=True, timeout=30.0, warmup_timeout=900.0,
              memory_limit=4 * 2**30, progress=None, python=None):
    """Run cases in worker processes and return their results.

    Parameters
    ----------
    chunks : list of list of str
        Case ids, grouped (one group per entry point): a group runs in one worker, in
        order, and the groups are handed to idle workers longest first.
    jobs : int, default=2
        Number of worker processes.
    boundscheck : bool, default=True
        Run the workers with ``NUMBA_BOUNDSCHECK=1`` and a fresh numba cache.
    timeout : float or callable, default=30.0
        CPU seconds a case may take before it is reported as a hang (and at most
        ``WALL_FACTOR`` times as many wall-clock seconds), or a function of the case id
        returning them.
    warmup_timeout : float, default=900.0
        Seconds a worker may take to start and compile the kernels.
    memory_limit : int or None, default=4 GiB
        Address-space limit of each worker, in bytes.
    progress : callable, default=None
        Called with each :class:`Result` as it arrives.
    python : str, default=None
        The Python executable (default: this one).

    Returns
    -------
    results : dict of str to Result
    """
    python = python or sys.executable
    pending = collections.deque(sorted((list(c) for c in chunks if c), key=len,
                                       reverse=True))
    total = sum(len(c) for c in pending)
    results = {}
    with tempfile.TemporaryDirectory(prefix="skfrugal-sweep-") as tmp:
        cache_dir = os.path.join(tmp, "numba-cache")
        os.makedirs(cache_dir)
        env = worker_environment(boundscheck, cache_dir)
        env["SKFRUGAL_SWEEP_MEMORY_LIMIT"] = str(memory_limit or 0)
        env["SKFRUGAL_SWEEP_JOBS"] = str(jobs)
        selector = selectors.DefaultSelector()
        workers = {}
        starts = collections.Counter()

        def spawn(index):
            starts[index] += 1
            worker = _Worker(index, env, tmp, tmp, python)
            worker.deadline = time.monotonic() + warmup_timeout
            workers[index] = worker
            selector.register(worker.reader, selectors.EVENT_READ, worker)

        def retire(worker):
            selector.unregister(worker.reader)
            worker.close()
            del workers[worker.index]

        def record(case_id, status, detail, seconds=0.0):
            result = Result(case_id, status, detail, seconds)
            results[case_id] = result
            if progress is not None:
                progress(result)

        def assign(worker):
            if worker.chunk:
                return
            if not pending:
                retire(worker)
                return
            worker.chunk = collections.deque(pending.popleft())
            worker.send({"cases": list(worker.chunk)})

        def fail_worker(worker, status, detail):
            """The worker hung or died: record its case, requeue the rest, replace it."""
            worker.kill()
            if worker.current is not None:
                record(worker.current, status, detail)
                if worker.current in worker.chunk:
                    worker.chunk.remove(worker.current)
            elif not worker.ready:
                # died while starting: every case it held is reported, none is lost
                for case_id in list(worker.chunk) + [c for ch in pending for c in ch]:
                    record(case_id, "harness-error", f"the worker could not start: {detail}")
                pending.clear()
                worker.chunk.clear()
            rest = list(worker.chunk)
            retire(worker)
            if rest:
                pending.appendleft(rest)
            if pending and starts[worker.index] < total + jobs:
                spawn(worker.index)

        for index in range(max(1, min(jobs, len(pending)))):
            spawn(index)
        while workers:
            now = time.monotonic()
            wait = min(w.deadline for w in workers.values()) - now
            events = selector.select(timeout=max(0.05, min(wait, 1.0)))
            for key, _ in events:
                worker = key.data
                if worker.index not in workers or workers[worker.index] is not worker:
                    continue
                data = os.read(worker.reader.fileno(), 65536)
                if not data:
                    rc = worker.proc.wait()
                    reason = (f"killed by signal {-rc} ({signal.Signals(-rc).name})"
                              if rc < 0 else f"exit code {rc}")
                    tail = worker.stderr_tail()
                    fail_worker(worker, "abort", short(f"{reason}; {tail}", 300))
                    continue
                for message in worker.lines(data):
                    if "ready" in message:
                        worker.ready = True
                        worker.deadline = float("inf")
                        assign(worker)
                    elif "start" in message:
                        worker.current = message["start"]
                        limit = timeout(worker.current) if callable(timeout) else timeout
                        worker.cpu_start = _cpu_seconds(worker.proc.pid)
                        worker.cpu_limit = limit
                        factor = 1.0 if worker.cpu_start is None else WALL_FACTOR
                        worker.deadline = time.monotonic() + factor * limit
                    elif "id" in message:
                        record(message["id"], message["status"], message["detail"],
                               message["seconds"])
                        if message["id"] in worker.chunk:
                            worker.chunk.remove(message["id"])
                        worker.current = None
                        worker.cpu_start = None
                        worker.deadline = float("inf")
                        if not worker.chunk:
                            assign(worker)
                    if worker.index not in workers:
                        break
            now = time.monotonic()
            for worker in list(workers.values()):
                if worker.ready and worker.cpu_start is not None:
                    used = _cpu_seconds(worker.proc.pid)
                    if used is not None and used - worker.cpu_start > worker.cpu_limit:
                        fail_worker(worker, "hang", f"did not finish within "
                                    f"{worker.cpu_limit:g} s of CPU time")
                        continue
                if now > worker.deadline:
                    if worker.ready:
                        limit = timeout(worker.current) if callable(timeout) else timeout
                        fail_worker(worker, "hang", f"did not finish within {limit:g} s")
                    else:
                        fail_worker(worker, "hang",
                                    f"the worker did not start within {warmup_timeout:g} s")
        selector.close()
    return results
