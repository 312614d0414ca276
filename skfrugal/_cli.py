"""Command-line interface: ``skfrugal demo [topic]``.

Each topic subpackage that has a demo holds it in its own ``_demo.py`` module, which
defines ``NAME`` (the topic word typed after ``skfrugal demo``), ``SUMMARY`` (one line
for ``--help``), ``add_arguments(parser)`` and ``run(args)``. The demos are found by
name in :data:`DEMO_MODULES`; ``skfrugal demo`` with no topic runs :data:`DEFAULT_DEMO`.

Arguments are checked before a demo runs: every integer option is a size or a count and
must be positive (``--seed`` a seed in ``[0, 2**31 - 1]``), every real option must be
finite. A value the demo's own functions refuse (a correlation outside (-1, 1), a
misspelt decoder) ends the command the same way: a usage error, exit status 2, the
message on standard error and no traceback.
"""

import argparse
import importlib
import math
import sys

#: integer options that are not sizes: name -> (smallest, largest) accepted value
INTEGER_RANGES = {"seed": (0, 2**31 - 1)}

# topic word -> module holding the demo; the order is the order of ``--help``.
DEMO_MODULES = {
    "sketch": "skfrugal.sketching._demo",
    "kmeans": "skfrugal.cluster._demo",
    "gmm": "skfrugal.mixture._demo",
    "glasso": "skfrugal.covariance._demo",
    "slope": "skfrugal.linear_model._demo",
    "butterfly": "skfrugal.butterfly._demo",
}
DEFAULT_DEMO = "kmeans"


def _available_demos():
    """Return ``{name: module}`` for the demos whose module is installed."""
    demos = {}
    for name, module_name in DEMO_MODULES.items():
        try:
            demos[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:  # the demo exists but an import inside it failed
                raise
    return demos


def _integer(name):
    low, high = INTEGER_RANGES.get(name, (1, 2**63 - 1))  # sizes must fit in an int64

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or value > high:
            what = ("a positive integer below 2**63" if (low, high) == (1, 2**63 - 1)
                     else f"an integer in [{low}, {high}]")
            raise argparse.ArgumentTypeError(f"must be {what}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def _finite_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


_finite_float.__name__ = "float"


def _checked_types(parser):
    """Give every int option a positive-integer check and every float option a finite one."""
    for action in parser._actions:
        if action.type is int:
            action.type = _integer(action.dest)
        elif action.type is float:
            action.type = _finite_float


def _build_parser(demos):
    parser = argparse.ArgumentParser(
        prog="skfrugal",
        description="skfrugal: frugal machine learning for scikit-learn.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    demo = commands.add_parser(
        "demo",
        help="run a demonstration on generated data (no download)",
        description=(
            "Run a demonstration job on generated data. Without a topic, runs the "
            f"'{DEFAULT_DEMO if DEFAULT_DEMO in demos else next(iter(demos), '')}' demo."
        ),
    )
    topics = demo.add_subparsers(dest="topic", metavar="topic", title="topics")
    for name, module in demos.items():
        sub = topics.add_parser(name, help=module.SUMMARY, description=module.SUMMARY)
        module.add_arguments(sub)
        _checked_types(sub)
    return parser, topics


def main(argv=None):
    """Run the ``skfrugal`` command line; return the process exit code."""
    demos = _available_demos()
    parser, topics = _build_parser(demos)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command != "demo":
        parser.print_help()
        return 0 if args.command is None else 2
    topic = args.topic
    if topic is None:
        topic = DEFAULT_DEMO
        # parse the default topic's own defaults
        args = parser.parse_args(["demo", topic])
    try:
        demos[topic].run(args)
    except (ValueError, TypeError, OverflowError) as exc:  # a value the demo refuses
        topics.choices[topic].error(str(exc))
    except MemoryError as exc:
        topics.choices[topic].error(f"not enough memory for these sizes ({exc})")
    return 0
