"""
==============================================================
Compressive k-means and Gaussian mixtures on a real table
==============================================================

scikit-learn's breast-cancer table (569 tumours, 30 raw features whose spreads range
from 0.003 to 570: areas, perimeters, textures, ratios), used as a new user would: no
scaling, no outlier removal. For ``K = 2, 3, 5`` clusters we compare:

- k-means: :class:`~skfrugal.cluster.CompressiveKMeans` (one sketching pass, a decoding
  from the sketch, then a refinement on the data: k-means|| draws seeded by the decoded
  centroids and Lloyd passes) with ``KMeans(n_init=10)`` and ``MiniBatchKMeans``, by
  the sum of squared distances (SSE) relative to ``KMeans(n_init=10)``;
- Gaussian mixtures (diagonal covariances): :class:`~skfrugal.mixture.
  CompressiveGaussianMixture` (decoding, then EM on the data from the decodings and
  from the k-means partition) with ``GaussianMixture(n_init=1)``, by the mean
  log-likelihood of a held-out 25 % of the rows.

The model decoded from the sketch *alone* (``max_iter=0``, what ``fit_sketch`` and
``partial_fit`` return) is shown beside: on real tables it ends several per cent
above KMeans's SSE and far below EM's likelihood, since it fits Gaussian clusters to a
kernel density, not the k-means objective nor the likelihood. When the data is at
hand, ``fit(X)`` refines it. A model decoded from the sketch alone that does not
explain the sketch says so: it warns :class:`~skfrugal.decoding.DecodingWarning` with
the figures and has ``converged_=False`` (the last sections show the messages: a
sketch too small for the model, and too few clusters for the data).
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.datasets import load_breast_cancer
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split

from skfrugal.cluster import CompressiveKMeans
from skfrugal.decoding import DecodingWarning
from skfrugal.mixture import CompressiveGaussianMixture

X = load_breast_cancer().data
print(f"breast cancer: n = {X.shape[0]}, d = {X.shape[1]}, feature spreads "
      f"{X.std(axis=0).min():.3g} to {X.std(axis=0).max():.3g}")


def timed(make):
    start = time.perf_counter()
    model = make()
    return model, time.perf_counter() - start


# %%
# K-means: SSE relative to KMeans(n_init=10), and fit times
# ---------------------------------------------------------
KS = [2, 3, 5]
kmeans_rows = {}
for K in KS:
    km, t_km = timed(lambda K=K: KMeans(K, n_init=10, random_state=0).fit(X))
    mbk, t_mbk = timed(lambda K=K: MiniBatchKMeans(K, random_state=0).fit(X))
    ours, t_ours = timed(lambda K=K: CompressiveKMeans(K, random_state=0).fit(X))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DecodingWarning)
        alone = CompressiveKMeans(K, max_iter=0, random_state=0).fit(X)
    sse = {name: -model.score(X) / km.inertia_ for name, model in
           [("MiniBatchKMeans", mbk), ("compressive, fit(X)", ours),
            ("compressive, sketch alone", alone)]}
    kmeans_rows[K] = sse
    print(f"K={K:2d}  SSE / KMeans(n_init=10): " + ", ".join(
        f"{name} {ratio:.3f}" for name, ratio in sse.items())
        + f"   times: KMeans {t_km:.2f} s, MiniBatch {t_mbk:.2f} s, ours {t_ours:.2f} s"
        + f"   sketch alone: converged_={alone.converged_}, warned={bool(caught)}")

# %%
# Gaussian mixtures: held-out log-likelihood against EM
# -----------------------------------------------------
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
gmm_rows = {}
for K in KS:
    em, t_em = timed(lambda K=K: GaussianMixture(K, covariance_type="diag",
                                             random_state=0).fit(X_train))
    ours, t_ours = timed(lambda K=K: CompressiveGaussianMixture(K, random_state=0).fit(X_train))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DecodingWarning)  # see the last section
        alone = CompressiveGaussianMixture(K, max_iter=0, random_state=0).fit(X_train)
    gap = {"compressive, fit(X)": ours.score(X_test) - em.score(X_test),
           "compressive, sketch alone": alone.score(X_test) - em.score(X_test)}
    gmm_rows[K] = gap
    print(f"K={K:2d}  held-out log-likelihood minus EM's (nat/sample): " + ", ".join(
        f"{name} {value:+.2f}" for name, value in gap.items())
        + f"   times: EM {t_em:.2f} s, ours {t_ours:.2f} s"
        + f"   sketch alone: converged_={alone.converged_}, warned={bool(caught)}")

# %%
# The failure signal
# ------------------
# A model of 5 clusters in 30 features has about 160 parameters; a sketch of 40
# complex numbers is fitted by many models, so its small residual proves nothing. The
# model decoded from it alone says so.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    small = CompressiveKMeans(5, sketch_size=40, max_iter=0, random_state=0).fit(X)
for w in caught:
    print(f"{w.category.__name__}: {w.message}\n")
print(f"converged_ = {small.converged_}, SSE / KMeans(n_init=10) = "
      f"{-small.score(X) / KMeans(5, n_init=10, random_state=0).fit(X).inertia_:.2f}")

# %%
# The same signal on a sketch of the right size with too few clusters: 1 cluster for
# these data leaves a residual far above the sketch's noise level.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    one = CompressiveKMeans(1, max_iter=0, random_state=0).fit(X)
print(f"{caught[0].category.__name__}: {caught[0].message}" if caught else "no warning")
print(f"converged_ = {one.converged_}")

# %%
# The SSE ratios and the likelihood gaps side by side.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
width = 0.25
for i, name in enumerate(["MiniBatchKMeans", "compressive, fit(X)",
                          "compressive, sketch alone"]):
    axes[0].bar(np.arange(len(KS)) + (i - 1) * width,
                [kmeans_rows[K][name] for K in KS], width, label=name)
axes[0].axhline(1.02, color="k", lw=0.8, ls="--")
axes[0].set_xticks(range(len(KS)), [f"K={K}" for K in KS])
axes[0].set_ylabel("SSE / KMeans(n_init=10)")
axes[0].set_ylim(0.9, None)
axes[0].legend(fontsize=8)
for i, name in enumerate(["compressive, fit(X)", "compressive, sketch alone"]):
    axes[1].bar(np.arange(len(KS)) + (i - 0.5) * width,
                [gmm_rows[K][name] for K in KS], width, label=name)
axes[1].axhline(-0.05, color="k", lw=0.8, ls="--")
axes[1].set_xticks(range(len(KS)), [f"K={K}" for K in KS])
axes[1].set_ylabel("held-out log-likelihood - EM's (nat/sample)")
axes[1].set_yscale("symlog", linthresh=0.1)
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()
