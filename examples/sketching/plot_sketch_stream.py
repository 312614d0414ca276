"""
Sketch a stream, merge chunk sketches, and look at the sketch
=============================================================

A stream of 500 000 samples of a 10-cluster mixture in dimension 10 is sketched chunk
by chunk; the merge of the chunk sketches equals the one-pass sketch. The modulus of
the sketch, plotted against the frequency radius, decays like the characteristic
function of one cluster: the fitted scale ``σ̄²`` (the intra-cluster variance)
gives its envelope.
"""

# %%
# A stream of chunks, never held in memory at once
# ------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from skfrugal.sketching import FourierSketcher

rng = np.random.default_rng(0)
K, d = 10, 10
centres = rng.normal(scale=1.5 * K ** (1 / d), size=(K, d))


def stream(n_samples, chunk_size=50_000, seed=1):
    gen = np.random.default_rng(seed)
    for start in range(0, n_samples, chunk_size):
        size = min(chunk_size, n_samples - start)
        yield centres[gen.integers(K, size=size)] + gen.normal(size=(size, d))


# %%
# Fit the operator on the first chunk, then sketch every chunk
# ------------------------------------------------------------
chunks = stream(500_000)
first = next(chunks)
sketcher = FourierSketcher(sketch_size=1000, random_state=0).fit(first)
chunk_sketches = [sketcher.sketch(first)] + [sketcher.sketch(c) for c in chunks]
merged = sum(chunk_sketches)
one_pass = sketcher.sketch(np.concatenate(list(stream(500_000))))
print(f"{len(chunk_sketches)} chunk sketches merged; n = {merged.n_samples:,}")
print(f"max |merged - one-pass| = {np.max(np.abs(merged.mean - one_pass.mean)):.1e}")
print(f"sketch: {merged.feature_sum.nbytes / 1024:.0f} KiB for "
      f"{merged.n_samples * d * 8 / 2**20:.0f} MiB of data")
print(f"estimated scale (standardised units): {sketcher.scale_:.3f}")

# %%
# Sketch modulus against frequency radius
# ---------------------------------------
# A cluster of variance σ² has sketch modulus ``exp(-‖ω‖² σ² / 2)``. The mixture's
# sketch is that envelope times the interference of the 10 centres, which averages
# to ``sqrt(Σ α_k²) ≈ 1/sqrt(K)`` at large radii.
radius = np.linalg.norm(sketcher.frequencies_, axis=0)
modulus = np.abs(merged.mean)
r = np.linspace(0, radius.max(), 200)
envelope = np.exp(-0.5 * r**2 * sketcher.scale_)

fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(radius, modulus, s=4, alpha=0.5, label="|z(ω)|, 1000 frequencies")
ax.plot(r, envelope, "k", label=r"envelope $e^{-\|\omega\|^2\bar\sigma^2/2}$")
ax.plot(r, envelope / np.sqrt(K), "k--", label=r"envelope $/\sqrt{K}$")
ax.axhline(1 / np.sqrt(merged.n_samples), color="grey", lw=0.8, label="noise level 1/√n")
ax.set_xlabel("frequency radius ‖ω‖ (standardised units)")
ax.set_ylabel("sketch modulus")
ax.set_yscale("log")
ax.set_ylim(1e-4, 1.5)
ax.legend()
ax.set_title("A 500 000 × 10 stream summarised by 1000 complex numbers")
fig.tight_layout()
plt.show()
