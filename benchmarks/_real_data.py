"""Real data sets that ship inside registry packages, for the benchmarks.

Nothing here downloads: every table is a file inside an installed wheel (scikit-learn,
river, cdt, ISLP, statsmodels), read in place. The packages are only needed by the
benchmarks; install them with::

    pip install river statsmodels && pip install --no-deps cdt islp

(``--no-deps``: cdt and ISLP pull in heavy runtime stacks, torch among them, that reading
their data files does not need; the files are located with :func:`importlib.util.find_spec`,
which does not import the package.)

Each loader returns ``(X, y)``: ``X`` a C-ordered float64 array of the numeric features as
the package ships them (no scaling, no outlier removal: that is the user's data), ``y``
the class labels where the table has them, else ``None``. A loader raises
:class:`MissingDataset` with the install command when its package is absent.

Functions are grouped by topic with a name prefix (``clustering_*``, ...); each topic's
``<topic>_datasets()`` lists its tables.
"""

import importlib.util
from pathlib import Path

import numpy as np


class MissingDataset(RuntimeError):
    """A benchmark data set's package is not installed."""


_INSTALL = {
    "river": "pip install river",
    "statsmodels": "pip install statsmodels",
    "cdt": "pip install --no-deps cdt",
    "ISLP": "pip install --no-deps islp",
}


def package_file(package, relative):
    """Path of a data file inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDataset(f"package {package!r} is not installed: {_INSTALL.get(package)}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.exists():
        raise MissingDataset(f"{package} {relative} not found (package version changed?)")
    return path


def _read_csv(package, relative, **kwargs):
    import pandas as pd

    return pd.read_csv(package_file(package, relative), **kwargs)


def _numeric(df, drop=()):
    """Numeric columns of a DataFrame as a float64 array, minus ``drop``."""
    df = df.drop(columns=list(drop)).select_dtypes("number")
    return np.ascontiguousarray(df.to_numpy(dtype=np.float64))


# --------------------------------------------------------------------------- clustering
def clustering_shuttle():
    """Statlog shuttle (river): 49 097 x 9 integer sensor readings, 7 classes, one of which
    holds 78 % of the rows; heavy tails and a few extreme values."""
    df = _read_csv("river", "datasets/shuttle.csv.gz")
    return _numeric(df, drop=["anomaly"]), df["anomaly"].to_numpy()


def clustering_sachs():
    """Sachs et al. (2005) flow cytometry (cdt): 7 466 cells x 11 protein abundances,
    raw (log-normal-like, heavy right tails), 9 experimental conditions pooled."""
    df = _read_csv("cdt", "data/resources/cyto_full_data.csv")
    return _numeric(df), None


def clustering_segment():
    """UCI image segmentation (river): 2 310 x 18 region features of very different
    spread (one constant column), 7 balanced classes."""
    df = _read_csv("river", "datasets/segment.csv.zip")
    return _numeric(df), df["category"].to_numpy()


def clustering_yeast():
    """Yeast gene functional classes (river): 2 417 genes x 103 expression / phylogenetic
    features (multi-label targets dropped)."""
    df = _read_csv("river", "datasets/yeast.csv.gz")
    X = df[[c for c in df.columns if c.startswith("Att")]]
    return np.ascontiguousarray(X.to_numpy(dtype=np.float64)), None


def clustering_randhie():
    """RAND health insurance experiment (statsmodels): 20 190 x 10, counts with a long
    tail (doctor visits), log coinsurance, binary health indicators: mixed discrete data."""
    df = _read_csv("statsmodels", "datasets/randhie/randhie.csv")
    return _numeric(df), None


def clustering_bikeshare():
    """Capital bikeshare hourly counts (ISLP): 8 645 x 13 numeric columns (calendar, weather,
    casual / registered / total counts with heavy right tails)."""
    df = _read_csv("ISLP", "data/Bikeshare.csv")
    return _numeric(df), None


def clustering_default():
    """Credit card default (ISLP): 10 000 x 2 (balance, income), skewed, with a mass of
    zero balances."""
    df = _read_csv("ISLP", "data/Default.csv")
    return _numeric(df), df["default"].to_numpy()


def clustering_breast_cancer():
    """Wisconsin breast cancer (scikit-learn): 569 x 30, features spanning five orders of
    magnitude, 2 classes."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return np.ascontiguousarray(X, dtype=np.float64), y


def clustering_digits():
    """Handwritten digits (scikit-learn): 1 797 x 64 pixel intensities 0-16 (some pixels
    almost always 0), 10 classes."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return np.ascontiguousarray(X, dtype=np.float64), y


def clustering_datasets():
    """The clustering / mixture tables, name -> loader."""
    return {
        "shuttle": clustering_shuttle,
        "sachs": clustering_sachs,
        "segment": clustering_segment,
        "yeast": clustering_yeast,
        "randhie": clustering_randhie,
        "bikeshare": clustering_bikeshare,
        "default": clustering_default,
        "breast_cancer": clustering_breast_cancer,
        "digits": clustering_digits,
    }


# --------------------------------------------------------------------------- covariance
def _top_variance(X, n_features):
    """The ``n_features`` columns of largest variance, in their original order."""
    keep = np.sort(np.argsort(X.var(axis=0))[::-1][:n_features])
    return np.ascontiguousarray(X[:, keep])


def covariance_nci60(n_features=100):
    """NCI60 cancer cell lines (ISLP): 64 cell lines x 6 830 gene expressions; the
    ``n_features`` most variable genes (n < p from 64 genes on)."""
    X = np.load(package_file("ISLP", "data/NCI60data.npy"))
    return _top_variance(np.asarray(X, dtype=np.float64), n_features), None


def covariance_khan(n_features=100):
    """Khan et al. small round blue cell tumours (ISLP): 83 tumours (train and test) x
    2 308 gene expressions; the ``n_features`` most variable genes."""
    parts = [_read_csv("ISLP", f"data/Khan_{s}.csv") for s in ("xtrain", "xtest")]
    X = np.vstack([_numeric(df) for df in parts])
    return _top_variance(X, n_features), None


def covariance_yeast():
    """Yeast (river): 2 417 genes x 103 expression / phylogenetic profile features."""
    return clustering_yeast()


def covariance_digits():
    """Digits (scikit-learn): 1 797 x 61 pixel intensities (the 3 constant pixels dropped)."""
    X, y = clustering_digits()
    return np.ascontiguousarray(X[:, X.std(axis=0) > 0]), y


def covariance_caravan():
    """Caravan insurance (ISLP): 5 822 customers x 85 ordinal socio-demographic and
    product-ownership codes (heavily skewed, strongly correlated blocks)."""
    df = _read_csv("ISLP", "data/Caravan.csv")
    return _numeric(df), df["Purchase"].to_numpy()


def covariance_sachs():
    """Sachs flow cytometry (cdt): 7 466 cells x 11 proteins (raw, heavy-tailed)."""
    return clustering_sachs()


def covariance_breast_cancer():
    """Breast cancer (scikit-learn): 569 x 30, scales spanning five orders of magnitude."""
    return clustering_breast_cancer()


def covariance_datasets():
    """The covariance / graphical-lasso tables, name -> loader (p from 11 to 200)."""
    return {
        "nci60_50": lambda: covariance_nci60(50),
        "nci60_100": lambda: covariance_nci60(100),
        "nci60_200": lambda: covariance_nci60(200),
        "khan_100": lambda: covariance_khan(100),
        "khan_200": lambda: covariance_khan(200),
        "yeast": covariance_yeast,
        "digits": covariance_digits,
        "caravan": covariance_caravan,
        "sachs": covariance_sachs,
        "breast_cancer": covariance_breast_cancer,
    }


# --------------------------------------------------------------------------- slope
# Sorted-penalty (SLOPE) classification tables: (X, y) with y the class labels. The
# benchmarks standardise X themselves.
def slope_breast_cancer():
    """Wisconsin breast cancer (scikit-learn): 569 x 30, binary (malignant / benign)."""
    return clustering_breast_cancer()


def slope_breast_cancer_pairs():
    """Breast cancer with all pairwise products and squares of the standardised features
    (569 x 465, binary): a few hundred samples and some 500 strongly correlated
    features, the regime where SLOPE clusters."""
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    X, y = clustering_breast_cancer()
    Z = PolynomialFeatures(2, include_bias=False).fit_transform(StandardScaler().fit_transform(X))
    return np.ascontiguousarray(Z[:, 30:]), y


def slope_khan():
    """Khan et al. (2001) small round blue cell tumours (ISLP): 63 x 2 308 gene-expression
    values (the training set), 4 tumour classes (labels 1-4)."""
    X = _read_csv("ISLP", "data/Khan_xtrain.csv").to_numpy(dtype=np.float64)
    y = _read_csv("ISLP", "data/Khan_ytrain.csv").to_numpy().ravel()
    return np.ascontiguousarray(X), y


def slope_nci60():
    """NCI60 cancer cell lines (ISLP): 64 x 6 830 gene-expression values, 14 cancer types."""
    X = np.load(package_file("ISLP", "data/NCI60data.npy"))
    y = _read_csv("ISLP", "data/NCI60labs.csv").iloc[:, 0].to_numpy()
    return np.ascontiguousarray(X, dtype=np.float64), y


def slope_caravan():
    """Caravan insurance (ISLP): 5 822 customers x 85 socio-demographic and product-usage
    columns, binary (bought caravan insurance, 6 %)."""
    return covariance_caravan()


def slope_yeast():
    """Yeast genes (river): 2 417 x 103 features, binary (first functional class)."""
    df = _read_csv("river", "datasets/yeast.csv.gz")
    X = df[[c for c in df.columns if c.startswith("Att")]]
    labels = [c for c in df.columns if not c.startswith("Att")]
    return np.ascontiguousarray(X.to_numpy(dtype=np.float64)), df[labels[0]].to_numpy()


def slope_datasets():
    """The SLOPE classification tables, name -> loader."""
    return {
        "breast_cancer": slope_breast_cancer,
        "cancer_pairs": slope_breast_cancer_pairs,
        "khan": slope_khan,
        "nci60": slope_nci60,
        "caravan": slope_caravan,
        "yeast": slope_yeast,
    }
