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
