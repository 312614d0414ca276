"""``python -m skfrugal.utils._robustness``: run the sweep and print its failures.

Examples::

    python -m skfrugal.utils._robustness                      # every failing case
    python -m skfrugal.utils._robustness "skfrugal.cluster.*" --all
    python -m skfrugal.utils._robustness "*CompressiveKMeans | fit(X) | *" --no-boundscheck
"""

import argparse
import sys
import time


def _sweep_main(argv):
    from skfrugal.utils._robustness import default_jobs, sweep

    parser = argparse.ArgumentParser(
        prog="python -m skfrugal.utils._robustness",
        description="Sweep bad and extreme inputs over skfrugal's public entry points.")
    parser.add_argument("patterns", nargs="*",
                        help="fnmatch patterns over case ids '<entry> | <target> | <family>'")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="leave out the cases whose id matches PATTERN (repeatable)")
    parser.add_argument("--all", action="store_true", help="print every case, not only failures")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--json", metavar="FILE", help="write every result to FILE (JSON)")
    parser.add_argument("--markdown", metavar="FILE",
                        help="write the failing cases to FILE (Markdown, per subpackage)")
    parser.add_argument("--no-boundscheck", action="store_true",
                        help="run the kernels as compiled normally (and use the normal cache)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or not args.timeout > 0:
        parser.error("--jobs and --timeout must be positive")
    start = time.perf_counter()
    report = sweep(args.patterns, jobs=args.jobs, boundscheck=not args.no_boundscheck,
                   timeout=args.timeout, exclude=args.exclude)
    if args.json:
        import dataclasses
        import json

        with open(args.json, "w") as f:
            json.dump([dataclasses.asdict(r) for r in report.results.values()], f, indent=0)
    seconds = time.perf_counter() - start
    if args.markdown:
        from skfrugal.utils._robustness._report import markdown

        how = (f"`python -m skfrugal.utils._robustness {' '.join(argv)}`: "
               f"{len(report.results)} cases in {seconds:.0f} s, "
               f"{'without' if args.no_boundscheck else 'with'} NUMBA_BOUNDSCHECK=1. "
               "One line per case: `entry | target | family -> outcome: detail`.")
        with open(args.markdown, "w") as f:
            f.write(markdown(report.results.values(), preamble=how))
    for result in sorted(report.results.values(), key=lambda r: r.id):
        if args.all or result.failed:
            print(result.line())
    print()
    from skfrugal.utils._robustness._report import summary_lines

    for line in summary_lines(report.results.values()):
        print(line)
    for row in report.unused_exemptions:
        print(f"unused exemption row: {row[:3]}")
    print(f"{len(report.results)} cases in {seconds:.1f} s")
    return 1 if report.failures() else 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        parser = argparse.ArgumentParser()
        parser.add_argument("--index", type=int, required=True)
        parser.add_argument("--report-fd", type=int, required=True)
        args = parser.parse_args(argv[1:])
        from skfrugal.utils._robustness._worker import main as worker_main

        worker_main(args.index, args.report_fd)
        return 0
    return _sweep_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
