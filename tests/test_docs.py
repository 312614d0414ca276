"""The API reference lists every public estimator and function."""

import re
from pathlib import Path

import pytest

from skfrugal.utils.discovery import all_estimators, all_functions

API_DIR = Path(__file__).resolve().parents[1] / "doc" / "api"

if not API_DIR.is_dir():  # an installed package without its sources
    pytest.skip("doc/api is not next to the tests", allow_module_level=True)


def _documented_names():
    names = set()
    for page in API_DIR.glob("*.rst"):
        text = page.read_text()
        for block in re.findall(r"\.\. autosummary::\n((?:[ \t]+.*\n|\n)+)", text):
            for line in block.splitlines():
                line = line.strip()
                if line and not line.startswith(":"):
                    names.add(line.rsplit(".", 1)[-1])
    return names


def test_every_public_estimator_is_in_the_api_reference():
    missing = {name for name, _ in all_estimators()} - _documented_names()
    assert not missing, f"add these estimators to doc/api/*.rst: {sorted(missing)}"


def test_every_public_function_is_in_the_api_reference():
    missing = {qual.rsplit(".", 1)[-1] for qual, _ in all_functions()} - _documented_names()
    assert not missing, f"add these functions to doc/api/*.rst: {sorted(missing)}"
