"""What the sweep does not run, and why: every row carries its reason.

These tables are the only place where the sweep is told to skip something. They
state where a family of inputs does not apply to an entry point (the input has no
meaning there); they never mark a failure as expected. ``tests/test_robustness.py``
checks that every row still matches an entry point and a case, so a stale row is
noticed.
"""

import fnmatch

#: public classes (by name) that are not entry points -> reason
NOT_ENTRY_POINTS = {
    "DecodeResult": (
        "a plain result container (dataclass) that decoders fill; it validates nothing "
        "because it is never built from user input"
    ),
    "warm_up": (
        "compiles the numba kernels: it takes no data, and every worker of the sweep "
        "runs it first (with NUMBA_BOUNDSCHECK=1)"
    ),
    "SketchOperatorMixin": (
        "a mixin of sketch operators: it has no constructor of its own, and its methods "
        "are swept through FourierSketcher and CovarianceSketcher"
    ),
}

#: (entry pattern, target pattern, family pattern, reason): cases not built.
#: Patterns are fnmatch patterns over the entry's public name, the case's target
#: (a parameter name, ``fit(X)``, ``param n_init``, ``predict(X)``, ...) and family.
NOT_APPLICABLE = [
    ("skfrugal.sketching.Sketch.__add__", "other", "empty-sketch|no-operator",
     "the empty sketch is the neutral element of +, and a sketch of the same operator_id "
     "merges whether or not it carries the operator (the result keeps the one it has)"),
    ("skfrugal.sketching.Sketch.save", "file", "*",
     "the destination of the write: any writable file is valid (the families of saved "
     "files are swept on Sketch.load)"),
    ("skfrugal.butterfly.ButterflyMatrix.__matmul__|skfrugal.butterfly.ButterflyMatrix."
     "apply_rows", "other|X", "complex",
     "a ButterflyMatrix is a linear operator over the complex numbers (complex factors are "
     "supported): the product of a complex vector is defined, complex (tests/butterfly)"),
    ("skfrugal.butterfly.butterfly_factorize", "A", "complex",
     "complex matrices (the DFT) are factorized: complex input is valid "
     "(tests/butterfly/test_factorize.py)"),
    ("skfrugal.decoding.DecoderInputs.variances_to_data_units", "variances", "add-axis",
     "a (1, d) array is valid with another meaning: the diagonal variances of one "
     "component (the canonical (K,) array holds the spherical variances of K = d)"),
    ("skfrugal.sketching.reduce_dask_chunks", "chunk_function", "*",
     "a callable chosen by the operator, not data: the sweep passes each operator's own"),
    ("skfrugal.sketching.reduce_dask_chunks", "kwargs", "*",
     "the chunk function's keyword arguments, checked by the chunk function"),
    ("skfrugal.sketching.reduce_dask_chunks", "X", "F-order|non-contiguous|list|DataFrame|"
     "read-only|int", "a Dask array has no memory layout or container of its own (the "
     "blocks are rebuilt); the NumPy layouts are swept through the chunk functions"),
]

#: (entry pattern, output path pattern, reason): outputs where an infinity is the answer
#: (``nan:`` patterns: where NaN is a documented marker)
ALLOWED_NON_FINITE = [
    # documented markers and answers of the SLOPE estimators and sorted penalties
    ("skfrugal.linear_model.*", "nan:*.dual_gap_",
     "NaN: no duality gap for non-convex penalties or alpha=0 (documented)"),
    ("skfrugal.linear_model.SLOPEClassifierCV", "nan:*.log_loss_path_",
     "NaN marks a fold whose training part misses a class (documented)"),
    ("skfrugal.proximal.SortedPenalty.max_step|skfrugal.proximal.SortedPenalty.step_cap",
     "out", "+inf: convex penalties (l1, l_q) put no bound on the step (documented)"),
    ("skfrugal.sketching.Sketch.empty", "*.data_min", "the minimum of no sample is +inf"),
    ("skfrugal.sketching.Sketch.empty", "*.data_max", "the maximum of no sample is -inf"),
    # a chunk function on an empty chunk (a Dask block may be empty) returns the
    # neutral element of merge_chunk_stats, as Sketch.empty
    ("skfrugal.sketching.sketch_chunk|skfrugal.sketching.fourier_sketch_chunk"
     "|skfrugal.covariance.covariance_sketch_chunk", "out[[]2]",
     "the minimum of an empty chunk is +inf"),
    ("skfrugal.sketching.sketch_chunk|skfrugal.sketching.fourier_sketch_chunk"
     "|skfrugal.covariance.covariance_sketch_chunk", "out[[]3]",
     "the maximum of an empty chunk is -inf"),
]


def _match(pattern, value):
    return any(fnmatch.fnmatchcase(value, p) for p in pattern.split("|"))


def not_applicable(entry_name, target, family, used=None):
    """Return the reason why a case is not built, or ``None``."""
    for index, (entry_pat, target_pat, family_pat, reason) in enumerate(NOT_APPLICABLE):
        if (_match(entry_pat, entry_name) and _match(target_pat, target)
                and _match(family_pat, family)):
            if used is not None:
                used.add(index)
            return reason
    return None


def allowed_non_finite(entry_name):
    """Output path patterns that may hold an infinity for this entry point."""
    return [path for entry_pat, path, _ in ALLOWED_NON_FINITE if _match(entry_pat, entry_name)]
