"""Command-line interface: ``skfrugal demo [topic]``.

Each topic subpackage that has a demo holds it in its own ``_demo.py`` module, which
defines ``NAME`` (the topic word typed after ``skfrugal demo``), ``SUMMARY`` (one line
for ``--help``), ``add_arguments(parser)`` and ``run(args)``. The demos are found by
name in :data:`DEMO_MODULES`; ``skfrugal demo`` with no topic runs :data:`DEFAULT_DEMO`.
"""

import argparse
import importlib
import sys

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
    return parser


def main(argv=None):
    """Run the ``skfrugal`` command line; return the process exit code."""
    demos = _available_demos()
    parser = _build_parser(demos)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command != "demo":
        parser.print_help()
        return 0 if args.command is None else 2
    topic = args.topic
    if topic is None:
        topic = DEFAULT_DEMO
        # parse the default topic's own defaults
        args = parser.parse_args(["demo", topic])
    demos[topic].run(args)
    return 0
