"""The ``skfrugal demo slope`` command and the correlated-design generator."""

import numpy as np

from skfrugal._cli import main
from skfrugal.datasets import make_correlated_regression


def test_demo_prints_measured_table(capsys):
    code = main(["demo", "slope", "--n-samples", "120", "--n-features", "200",
                 "--n-informative", "6"])
    assert code == 0
    out = capsys.readouterr().out
    rows = {line[:22].strip(): line[22:] for line in out.splitlines()
            if line.startswith(("SLOPE", "sorted", "Lasso"))}
    assert {"SLOPE", "sorted MCP (g=3)", "Lasso (scikit-learn)"} <= set(rows)
    # "true pos" column of SLOPE reads k/6 with k a measured count
    tp = rows["SLOPE"].split()[0]
    assert tp.endswith("/6") and 0 <= int(tp.split("/")[0]) <= 6


def test_correlated_design_has_ar1_covariance():
    X, y, coef = make_correlated_regression(20000, 5, 2, rho=0.6, noise=0.1, random_state=0)
    cov = np.cov(X, rowvar=False)
    expected = 0.6 ** np.abs(np.subtract.outer(np.arange(5), np.arange(5)))
    np.testing.assert_allclose(cov, expected, atol=0.03)
    np.testing.assert_allclose(np.std(y - X @ coef), 0.1, rtol=0.05)
    assert np.count_nonzero(coef) == 2 and set(np.abs(coef[coef != 0])) == {2.0}


def test_grouped_support():
    _, _, coef = make_correlated_regression(10, 30, 6, support="groups", random_state=0)
    nz = np.flatnonzero(coef)
    assert nz.size == 6
    # two groups of three consecutive features with one value each
    assert np.all(np.diff(nz[:3]) == 1) and np.all(np.diff(nz[3:]) == 1)
    assert np.unique(coef[nz[:3]]).size == 1 and np.unique(coef[nz[3:]]).size == 1
