"""
Quantized and private sketches
==============================

The same 2-D mixture of 6 clusters (200 000 samples) is sketched three ways with the
same frequencies: exact complex exponentials, 1-bit quantized features (two bits per
frequency and sample, ``quantization="1bit"``) and an ε = 1 differentially private
release (``privacy=1.0``, with a public box and a scale taken from public data).
``CompressiveKMeans.fit_sketch`` decodes each sketch; the SSE of each model is compared
with that of ``KMeans(n_init=10)`` on the data.
"""

# %%
# Data, a public box and a public scale
# -------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans

from skfrugal.cluster import CompressiveKMeans
from skfrugal.metrics import sse_ratio
from skfrugal.sketching import FourierSketcher, estimate_scale

rng = np.random.default_rng(0)
K, n = 6, 200_000
centres = rng.uniform(-8, 8, size=(K, 2))
X = centres[rng.integers(K, size=n)] + rng.normal(size=(n, 2))
box = (-12.0, 12.0)  # known before seeing the data: the same interval for both features
# the kernel's scale, in box units, from 5000 public samples of the same kind
public = centres[rng.integers(K, size=5000)] + rng.normal(size=(5000, 2))
scale = estimate_scale(np.clip(public, *box) / box[1], n_clusters=K, random_state=0)

# %%
# Three sketches, one decoder
# ---------------------------
reference = KMeans(K, n_init=10, random_state=0).fit(X).cluster_centers_
settings = {
    "exact": {},
    "1-bit quantized": {"quantization": "1bit"},
    "private, ε = 1": {"privacy": 1.0},
}
models = {}
for name, options in settings.items():
    sketcher = FourierSketcher(sketch_size=300, bounds=box, scale=scale, random_state=0,
                               **options).fit(X)
    sketch = sketcher.sketch(X)  # a private sketcher adds its noise here
    model = CompressiveKMeans(K, random_state=0).fit_sketch(sketch)
    models[name] = model.cluster_centers_
    print(f"{name:<16} SSE / KMeans = {sse_ratio(X, model.cluster_centers_, reference):.4f}"
          f"   released count = {sketch.n_samples:,}")

# %%
# The decoded centres
# -------------------
fig, ax = plt.subplots(figsize=(6, 6))
ax.scatter(X[::50, 0], X[::50, 1], s=1, c="0.7")
for k, (name, found) in enumerate(models.items()):
    ax.scatter(found[:, 0], found[:, 1], marker="os^"[k], s=70, facecolors="none",
               edgecolors=f"C{k}", label=name)
ax.scatter(reference[:, 0], reference[:, 1], marker="+", s=120, c="k",
           label="KMeans(n_init=10)")
ax.set(xlim=box, ylim=box, aspect="equal", title="Centres decoded from each sketch")
ax.legend(loc="upper left")
plt.show()
