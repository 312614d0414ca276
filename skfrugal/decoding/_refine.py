"""Passes over the data that refine a decoded model: Lloyd for k-means, EM for mixtures.

A model decoded from a sketch minimises a kernel distance between the data and the
model, not the k-means objective nor the likelihood: on real data (heavy tails, discrete
features, clusters that are not Gaussian) the two optima differ. When the data is at
hand, a few passes over it refine the decoded model for the estimator's own objective.
Each pass reads the data batch by batch (a memmap is never loaded whole) and sums
per-batch statistics (cluster counts and sums; responsibilities and their first and
second moments), which merge like a sketch.
"""

import numpy as np
from scipy.special import logsumexp

_BATCH_ELEMENTS = 2**20  # about 8 MB of float64 per (batch x clusters) work array


def _batch_rows(n_clusters, n_features):
    return int(np.clip(_BATCH_ELEMENTS // max(n_clusters + n_features, 1), 256, 65536))


def _batches(X, rows):
    for start in range(0, X.shape[0], rows):
        yield np.asarray(X[start:start + rows], dtype=np.float64)


def lloyd_pass(X, centers):
    """One Lloyd pass: the k-means statistics of the partition by ``centers``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, sliceable by rows.
    centers : ndarray of shape (K, n_features)
        Current centroids.

    Returns
    -------
    sums : ndarray of shape (K, n_features)
        Sum of the samples of each cluster.
    counts : ndarray of shape (K,)
        Number of samples of each cluster.
    sse : float
        Sum of squared distances of the samples to their closest centroid.
    """
    K, d = centers.shape
    sums = np.zeros((K, d))
    counts = np.zeros(K)
    sse = 0.0
    c_sq = np.einsum("ij,ij->i", centers, centers)
    for xb in _batches(X, _batch_rows(K, d)):
        d2 = c_sq[None, :] - 2.0 * (xb @ centers.T)
        labels = np.argmin(d2, axis=1)
        rows = np.arange(xb.shape[0])
        sse += float(np.maximum(d2[rows, labels] + np.einsum("ij,ij->i", xb, xb), 0.0).sum())
        onehot = np.zeros((xb.shape[0], K))
        onehot[rows, labels] = 1.0
        sums += onehot.T @ xb
        counts += onehot.sum(axis=0)
    return sums, counts, sse


def lloyd_refine(X, centers, *, max_iter=300, tol=1e-4, data_var=None):
    """Lloyd iterations on the data from decoded centroids.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, sliceable by rows.
    centers : ndarray of shape (K, n_features)
        Initial centroids.
    max_iter : int, default=300
        Maximum number of passes.
    tol : float, default=1e-4
        Stop when the squared centroid shift summed over clusters falls below
        ``tol`` times the mean per-feature variance of the data (scikit-learn's rule).
    data_var : ndarray of shape (n_features,), default=None
        Per-feature variance of the data (computed in the first pass when ``None``).

    Returns
    -------
    centers : ndarray of shape (K, n_features)
        Refined centroids (an empty cluster keeps its previous centroid).
    sse : float
        The k-means objective of the last partition (the one the centroids average).
    n_iter : int
        Number of passes run.
    converged : bool
        Whether the shift fell below the tolerance within ``max_iter`` passes.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding._refine import lloyd_refine
    >>> X = np.array([[0.0], [0.2], [4.0], [4.4]])
    >>> centers, sse, n_iter, converged = lloyd_refine(X, np.array([[1.0], [3.0]]))
    >>> centers.ravel().tolist(), converged
    ([0.1, 4.2], True)
    """
    centers = np.array(centers, dtype=np.float64)
    if data_var is None:
        data_var = np.var(np.asarray(X[:min(X.shape[0], 100_000)], dtype=np.float64), axis=0)
    threshold = tol * float(np.mean(data_var))
    sse, n_iter, converged = np.inf, 0, False
    while n_iter < max_iter:
        n_iter += 1
        sums, counts, sse = lloyd_pass(X, centers)
        new = centers.copy()
        filled = counts > 0
        new[filled] = sums[filled] / counts[filled, None]
        shift = float(np.sum((new - centers) ** 2))
        centers = new
        if shift <= threshold:
            converged = True
            break
    return centers, sse, n_iter, converged



def _nearest_sq_dist(xb, centers, c_sq):
    d2 = c_sq[None, :] - 2.0 * (xb @ centers.T)
    labels = np.argmin(d2, axis=1)
    dist = d2[np.arange(xb.shape[0]), labels] + np.einsum("ij,ij->i", xb, xb)
    return np.maximum(dist, 0.0), labels


def d2_sample(X, centers, n_draws, rng):
    """Draw ``n_draws`` rows of X with probability ∝ their squared distance to ``centers``.

    One pass, by weighted reservoir sampling (Efraimidis and Spirakis: keep the rows of
    largest ``log(u) / D²``), so the data is read once, batch by batch.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, sliceable by rows.
    centers : ndarray of shape (K, n_features)
        Current centres.
    n_draws : int
        Number of rows drawn (without replacement).
    rng : numpy.random.RandomState
        Source of the uniform keys.

    Returns
    -------
    rows : ndarray of shape (n_drawn, n_features)
        The drawn rows (fewer than ``n_draws`` when fewer rows are away from the
        centres).
    """
    K, d = centers.shape
    c_sq = np.einsum("ij,ij->i", centers, centers)
    keys = np.empty(0)
    kept = np.empty((0, d))
    for xb in _batches(X, _batch_rows(K, d)):
        dist, _ = _nearest_sq_dist(xb, centers, c_sq)
        u = rng.uniform(size=xb.shape[0])
        with np.errstate(divide="ignore"):
            k = np.where(dist > 0, np.log(np.maximum(u, 1e-300)) / np.where(
                dist > 0, dist, 1.0), -np.inf)
        keys = np.concatenate([keys, k])
        kept = np.vstack([kept, xb])
        if keys.shape[0] > n_draws:
            top = np.argpartition(-keys, n_draws - 1)[:n_draws]
            keys, kept = keys[top], kept[top]
    return kept[np.isfinite(keys)]


def kmeans_refine(X, centers, *, random_state, max_iter=300, tol=1e-4, data_var=None,
                  n_rounds=2):
    """Seed k-means from decoded centroids and distance-weighted draws, then Lloyd.

    A sketch-decoded model places centroids where the data has mass; the k-means
    objective also wants centroids in the tails (squared distances). As in scalable
    k-means++ (Bahmani et al. 2012, "k-means||"), ``n_rounds`` passes each draw ``2 K``
    rows with probability ∝ their squared distance to the candidates so far (starting
    from the decoded centroids); one more pass counts the rows nearest to each
    candidate, a weighted k-means of the ``(2 n_rounds + 1) K`` candidates (10 k-means++
    starts, a cost independent of ``n``) gives ``K`` centroids, and Lloyd passes refine
    them on the data.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, sliceable by rows.
    centers : ndarray of shape (K, n_features)
        Decoded centroids (the first candidates).
    random_state : numpy.random.RandomState
        Source of the draws and of the k-means++ starts.
    max_iter : int, default=300
        Maximum number of Lloyd passes.
    tol : float, default=1e-4
        Tolerance of the Lloyd passes (see :func:`lloyd_refine`).
    data_var : ndarray of shape (n_features,), default=None
        Per-feature variance of the data.
    n_rounds : int, default=2
        Rounds of distance-weighted draws.

    Returns
    -------
    centers, sse, n_iter, converged
        As :func:`lloyd_refine`.
    """
    from sklearn.cluster import KMeans

    centers = np.asarray(centers, dtype=np.float64)
    K = centers.shape[0]
    candidates = centers
    for _ in range(n_rounds):
        drawn = d2_sample(X, candidates, 2 * K, random_state)
        candidates = np.vstack([candidates, drawn])
    if candidates.shape[0] > K:
        c_sq = np.einsum("ij,ij->i", candidates, candidates)
        counts = np.zeros(candidates.shape[0])
        for xb in _batches(X, _batch_rows(candidates.shape[0], candidates.shape[1])):
            counts += np.bincount(_nearest_sq_dist(xb, candidates, c_sq)[1],
                                  minlength=candidates.shape[0])
        used = counts > 0
        if np.count_nonzero(used) > K:
            candidates, counts = candidates[used], counts[used]
            seeds = KMeans(K, n_init=10, random_state=random_state).fit(
                candidates, sample_weight=counts)
            centers = seeds.cluster_centers_
    return lloyd_refine(X, centers, max_iter=max_iter, tol=tol, data_var=data_var)


def partition_moments(X, centers, reg_covar=0.0):
    """Weights, means and diagonal variances of the partition of X by nearest centre.

    The M-step of a hard assignment: how scikit-learn's ``GaussianMixture`` starts EM
    from k-means. An empty cell keeps its centre, the data's variance and a tiny weight.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, sliceable by rows.
    centers : ndarray of shape (K, n_features)
        Centres of the cells.
    reg_covar : float, default=0.0
        Added to the variances.

    Returns
    -------
    weights : ndarray of shape (K,)
    means, variances : ndarray of shape (K, n_features)
    """
    K, d = centers.shape
    c_sq = np.einsum("ij,ij->i", centers, centers)
    counts = np.zeros(K)
    s1 = np.zeros((K, d))
    s2 = np.zeros((K, d))
    for xb in _batches(X, _batch_rows(K, d)):
        labels = _nearest_sq_dist(xb, centers, c_sq)[1]
        onehot = np.zeros((xb.shape[0], K))
        onehot[np.arange(xb.shape[0]), labels] = 1.0
        counts += onehot.sum(axis=0)
        s1 += onehot.T @ xb
        s2 += onehot.T @ (xb * xb)
    n = counts.sum()
    filled = counts > 0
    means = centers.copy()
    means[filled] = s1[filled] / counts[filled, None]
    variances = np.tile((s2.sum(axis=0) - s1.sum(axis=0) ** 2 / n) / n, (K, 1))
    variances[filled] = s2[filled] / counts[filled, None] - means[filled] ** 2
    weights = np.maximum(counts, 10.0 * np.finfo(np.float64).eps) / n
    return weights / weights.sum(), means, np.maximum(variances, 0.0) + reg_covar

def _log_prob(xb, weights, means, variances):
    """``log w_k + log N(x_i | μ_k, diag(v_k))``, shape (batch, K)."""
    precisions = 1.0 / variances
    const = (np.log(np.maximum(weights, 1e-300))
             - 0.5 * (xb.shape[1] * np.log(2.0 * np.pi) + np.log(variances).sum(axis=1)
                      + np.einsum("kd,kd->k", means * means, precisions)))
    return const[None, :] + xb @ (means * precisions).T - 0.5 * ((xb * xb) @ precisions.T)


def em_pass(X, weights, means, variances):
    """One EM pass for a diagonal Gaussian mixture: the M-step statistics and the likelihood.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, sliceable by rows.
    weights : ndarray of shape (K,)
    means : ndarray of shape (K, n_features)
    variances : ndarray of shape (K, n_features)
        Diagonal variances (positive).

    Returns
    -------
    nk : ndarray of shape (K,)
        Sum of the responsibilities of each component.
    s1, s2 : ndarray of shape (K, n_features)
        Responsibility-weighted sums of ``x`` and of ``x²``.
    log_likelihood : float
        Sum over the samples of ``log Σ_k w_k N(x_i | μ_k, v_k)``.
    """
    K, d = means.shape
    nk = np.zeros(K)
    s1 = np.zeros((K, d))
    s2 = np.zeros((K, d))
    total = 0.0
    for xb in _batches(X, _batch_rows(K, d)):
        lp = _log_prob(xb, weights, means, variances)
        norm = logsumexp(lp, axis=1)
        total += float(norm.sum())
        resp = np.exp(lp - norm[:, None])
        nk += resp.sum(axis=0)
        s1 += resp.T @ xb
        s2 += resp.T @ (xb * xb)
    return nk, s1, s2, total


def em_refine(X, weights, means, variances, *, covariance="diag", reg_covar=1e-6,
              max_iter=100, tol=1e-3):
    """EM iterations on the data from a decoded diagonal (or spherical) Gaussian mixture.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, sliceable by rows.
    weights : ndarray of shape (K,)
        Initial weights.
    means : ndarray of shape (K, n_features)
        Initial means.
    variances : ndarray of shape (K, n_features)
        Initial diagonal variances (positive; for ``covariance="spherical"`` every
        feature of a component has the same value).
    covariance : {"diag", "spherical"}, default="diag"
        Covariance model of the M-step.
    reg_covar : float, default=1e-6
        Added to every variance after each M-step (as in scikit-learn).
    max_iter : int, default=100
        Maximum number of passes.
    tol : float, default=1e-3
        Stop when the mean log-likelihood per sample changes by less than ``tol``
        (scikit-learn's rule).

    Returns
    -------
    weights, means, variances : ndarray
        Refined parameters (``variances`` of shape (K, n_features)).
    log_likelihood : float
        Mean log-likelihood per sample of the returned parameters on X.
    n_iter : int
        Number of passes run.
    converged : bool
        Whether the change fell below the tolerance within ``max_iter`` passes.

    Examples
    --------
    >>> import numpy as np
    >>> from skfrugal.decoding._refine import em_refine
    >>> X = np.random.default_rng(0).normal(size=(2000, 1)) * 2.0 + 3.0
    >>> w, mu, v, ll, n_iter, ok = em_refine(X, np.ones(1), np.zeros((1, 1)), np.ones((1, 1)))
    >>> bool(abs(mu[0, 0] - X.mean()) < 1e-9 and abs(v[0, 0] - X.var() - 1e-6) < 1e-9), ok
    (True, True)
    """
    weights = np.array(weights, dtype=np.float64)
    means = np.array(means, dtype=np.float64)
    variances = np.array(variances, dtype=np.float64)
    n = X.shape[0]
    previous = -np.inf
    n_iter, converged = 0, False
    eps = 10.0 * np.finfo(np.float64).eps
    ll = -np.inf
    while n_iter < max_iter:
        n_iter += 1
        nk, s1, s2, total = em_pass(X, weights, means, variances)
        ll = total / n
        if abs(ll - previous) < tol:
            converged = True
            break
        previous = ll
        nk = nk + eps
        weights = nk / nk.sum()
        means = s1 / nk[:, None]
        variances = np.maximum(s2 / nk[:, None] - means**2, 0.0)
        if covariance == "spherical":
            variances = np.repeat(variances.mean(axis=1, keepdims=True), means.shape[1],
                                  axis=1)
        variances = variances + reg_covar
    if not converged and n_iter > 0:
        # the parameters of the last M-step were not scored: one more E-step
        ll = em_pass(X, weights, means, variances)[3] / n
    return weights, means, variances, ll, n_iter, converged
