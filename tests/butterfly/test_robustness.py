"""Bad and extreme input over every public entry point of skfrugal.butterfly."""

import inspect
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import skfrugal.butterfly as bf

rng = np.random.default_rng(0)
B8 = bf.ButterflyMatrix([rng.standard_normal(p) for p in bf.butterfly_patterns(8, 8)])

BAD = {
    "nan": np.full((8, 8), np.nan),
    "inf": np.full((8, 8), np.inf),
    "empty": np.ones((0, 8)),
    "1-D": np.ones(8),
    "3-D": np.ones((2, 2, 2)),
    "strings": np.array([["a"] * 8] * 8),
    "objects": np.array([[object()] * 8] * 8, dtype=object),
    "None": None,
}

# every public function and the methods taking data, with the data as first argument
ENTRY_POINTS = {
    "butterfly_factorize": bf.butterfly_factorize,
    "butterfly_factorize(search)": lambda x: bf.butterfly_factorize(x, permutation="search"),
    "butterfly_factorize(balanced)": lambda x: bf.butterfly_factorize(x, order="balanced"),
    "butterfly_patterns": lambda x: bf.butterfly_patterns(x, 8),
    "check_patterns": bf.check_patterns,
    "padded_shape": lambda x: bf.padded_shape(x, 8),
    "digit_reversal_permutation": bf.digit_reversal_permutation,
    "bit_reversal_permutation": bf.bit_reversal_permutation,
    "random_flat_butterfly": bf.random_flat_butterfly,
    "quantize_butterfly": bf.quantize_butterfly,
    "ButterflyMatrix": lambda x: bf.ButterflyMatrix([x]),
    "ButterflyMatrix.apply_rows": B8.apply_rows,
    "ButterflyMatrix @": lambda x: B8 @ x,
    "ButterflyMatrix.matmat": B8.matmat,
    "ButterflyFactorization.fit": lambda x: bf.ButterflyFactorization().fit(x),
    "ButterflyFactorization.transform": lambda x: bf.ButterflyFactorization()
    .fit(np.eye(8))
    .transform(x),
    "ButterflyRandomProjection.fit": lambda x: bf.ButterflyRandomProjection(4).fit(x),
}


def test_every_public_function_is_covered():
    public = {
        name
        for name in bf.__all__
        if inspect.isfunction(getattr(bf, name))
    }
    covered = {name.split("(")[0].split(".")[0] for name in ENTRY_POINTS}
    assert public <= covered, public - covered


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_bad_input_gives_a_clear_error(entry):
    fn = ENTRY_POINTS[entry]
    for name, value in BAD.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fn(value)
        except (ValueError, TypeError) as exc:
            message = str(exc)
            assert len(message) > 15 and "numba" not in message.lower(), (entry, name)
            continue
        # accepted: then the result must be meaningful (no NaN produced from nothing)
        if isinstance(out, np.ndarray) and out.dtype.kind in "fc":
            assert np.all(np.isfinite(out)), (entry, name)


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_extreme_scales_in_the_estimators(scale):
    A = rng.standard_normal((16, 16))
    reference = bf.ButterflyFactorization().fit(A)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = bf.ButterflyFactorization().fit(A * scale)
    assert est.relative_error_ == pytest.approx(reference.relative_error_, rel=1e-12)
    X = rng.standard_normal((3, 16))
    np.testing.assert_allclose(est.transform(X) / scale, reference.transform(X), rtol=1e-10)
    # rounding decisions flip under the 1e-16 differences of the two factorizations,
    # so the quantization errors agree to their order, not exactly
    Q = bf.quantize_butterfly(est.butterfly_)
    assert Q.relative_error == pytest.approx(
        bf.quantize_butterfly(reference.butterfly_).relative_error, rel=0.3
    )
    assert np.all(np.isfinite(Q.toarray()))


def test_kernels_stay_in_bounds(tmp_path):
    """Run every kernel once with numba's bounds checking on (fresh cache).

    float64 only: the other dtypes compile the same code, and each compilation with
    bounds checks costs seconds.
    """
    code = textwrap.dedent(
        """
        import numpy as np
        from skfrugal.butterfly import (ButterflyMatrix, butterfly_factorize,
                                        butterfly_patterns, quantize_butterfly)
        rng = np.random.default_rng(0)
        for shape in [(16, 16), (12, 20), (7, 11)]:
            A = rng.standard_normal(shape)
            B = butterfly_factorize(A, rank=2, pad=True)
            B.apply_rows(rng.standard_normal((37, shape[1])))
            B @ rng.standard_normal(shape[1])
            B.H @ rng.standard_normal(shape[0])
        B = butterfly_factorize(rng.standard_normal((32, 32)), rank=2)
        for dtype in ("float16", "bfloat16", "int8"):
            quantize_butterfly(B, dtype)
        print("ok")
        """
    )
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
