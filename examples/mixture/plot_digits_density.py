"""
======================================================
Density estimation of handwritten digits from a sketch
======================================================

The 8x8 digits of :func:`sklearn.datasets.load_digits`, reduced to 8 principal
components, modelled by Gaussian mixtures with diagonal covariances: learned by EM on
the data, and learned from a sketch of the data. The held-out log-likelihood picks the
number of components; new digits are drawn from the compressive mixture and mapped back
to images.

Real data is not a Gaussian mixture, and the sketch fits the model's characteristic
function to the data's at every frequency, misfit included: with the default
``m = 5 (2d + 1) K`` the compressive mixtures fall about one nat per digit behind EM
here. A larger sketch (``sketch_size=2000``, still a few tens of kilobytes whatever the
number of samples) closes most of the gap. With 1,257 training digits the sketch is of
course not smaller than the data: the point of this example is the quality of the
model on real data, not compression.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split

from skfrugal.mixture import CompressiveGaussianMixture

X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
pca = PCA(8, random_state=0).fit(X_train)
Z_train, Z_test = pca.transform(X_train), pca.transform(X_test)

components = [1, 2, 4, 8]
scores = {"compressive": [], "EM": []}
for K in components:
    cgmm = CompressiveGaussianMixture(K, sketch_size=2000, random_state=0).fit(Z_train)
    em = GaussianMixture(K, covariance_type="diag", random_state=0).fit(Z_train)
    scores["compressive"].append(cgmm.score(Z_test))
    scores["EM"].append(em.score(Z_test))
    print(f"K={K}: held-out log-likelihood, compressive {scores['compressive'][-1]:.3f}, "
          f"EM {scores['EM'][-1]:.3f}")

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, values in scores.items():
    ax.plot(components, values, "o-", label=name)
ax.set_xlabel("number of components")
ax.set_ylabel("held-out log-likelihood (nat / digit)")
ax.legend()
fig.tight_layout()

# %%
# Digits drawn from the compressive mixture with the best held-out likelihood.
best = components[int(np.argmax(scores["compressive"]))]
cgmm = CompressiveGaussianMixture(best, sketch_size=2000, random_state=0).fit(Z_train)
samples, _ = cgmm.sample(24)
images = pca.inverse_transform(samples).reshape(-1, 8, 8)
fig, axes = plt.subplots(3, 8, figsize=(8, 3))
for ax, image in zip(axes.ravel(), images):
    ax.imshow(np.clip(image, 0, 16), cmap="gray_r")
    ax.set_axis_off()
fig.suptitle(f"samples of the compressive mixture (K={best})")
plt.show()
