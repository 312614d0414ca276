import subprocess
import sys

import pytest

from skfrugal import _cli


def test_help_lists_every_installed_demo(capsys):
    with pytest.raises(SystemExit) as exc:
        _cli.main(["demo", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in _cli._available_demos():
        assert name in out


def test_sketch_demo_runs(capsys):
    assert _cli.main(["demo", "sketch", "--n-samples", "40000", "--chunk-size", "10000",
                      "--sketch-size", "50"]) == 0
    out = capsys.readouterr().out
    assert "features/s" in out and "independent of n" in out
    assert "max relative difference" in out


def test_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "skfrugal", "demo", "--help"],
                            capture_output=True, text=True, check=True)
    assert "topics" in result.stdout


def test_unknown_topic_is_an_error():
    with pytest.raises(SystemExit) as exc:
        _cli.main(["demo", "no-such-topic"])
    assert exc.value.code == 2


def _numeric_options():
    """(topic, option, type name) for every int/float option of every demo."""
    _, topics = _cli._build_parser(_cli._available_demos())
    for topic, topic_parser in topics.choices.items():
        for action in topic_parser._actions:
            name = getattr(action.type, "__name__", None)
            if name in ("int", "float") and action.option_strings:
                yield topic, action.option_strings[0], action.dest, name


OPTIONS = sorted(_numeric_options())


def test_every_numeric_option_is_checked():
    assert len(OPTIONS) >= 20  # every demo has sizes, seeds or parameters
    assert {t for t, *_ in OPTIONS} == set(_cli._available_demos())


@pytest.mark.parametrize("topic, option, dest, kind", OPTIONS)
def test_invalid_numbers_are_usage_errors(topic, option, dest, kind, capsys):
    if kind == "int":
        low, high = _cli.INTEGER_RANGES.get(dest, (1, 2**63 - 1))
        bad = ["x", "2.5", str(low - 1), str(high + 1)]
    else:
        bad = ["x", "nan", "inf", "-inf"]
    for value in bad:
        with pytest.raises(SystemExit) as exc:
            _cli.main(["demo", topic, option, value])
        assert exc.value.code == 2, (option, value)
        err = capsys.readouterr().err
        assert f"argument {option}" in err and "Traceback" not in err, err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "slope", "--rho", "2", "--n-samples", "30", "--n-features", "10"], "'rho'"),
        (["demo", "slope", "--q", "0", "--n-samples", "30", "--n-features", "10"], "'q'"),
        (["demo", "glasso", "--alpha", "-1", "--n-samples", "600", "--n-features", "4",
          "--chunk-size", "300"], "'alpha'"),
    ],
)
def test_values_the_demo_refuses_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        _cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_negative_size_exits_non_zero_from_the_shell():
    result = subprocess.run([sys.executable, "-m", "skfrugal", "demo", "kmeans",
                             "--n-clusters", "-3"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "--n-clusters: must be a positive integer below 2**63, got -3" in result.stderr
    assert "Traceback" not in result.stderr
