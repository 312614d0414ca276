"""``skfrugal demo gmm`` runs on a small stream and prints both models."""

import re

from skfrugal import _cli


def test_gmm_demo_runs(capsys):
    assert _cli.main(["demo", "gmm", "--n-samples", "20000", "--batch-size", "5000",
                      "--n-components", "3", "--n-features", "3"]) in (0, None)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # header and two models
    ours, em = (float(r.split("|")[2]) for r in rows[1:])
    assert ours > em - 0.05  # held-out log-likelihoods agree
    true_ll = float(re.search(r"log-likelihood (-?\d+\.\d+)", out).group(1))
    assert abs(ours - true_ll) < 0.05
