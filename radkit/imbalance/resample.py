"""Data-level fixes in feature space, through imbalanced-learn (SMOTE and relatives).

radkit does not re-implement SMOTE: :func:`resample` builds the
imbalanced-learn sampler named in :data:`SAMPLERS`, checks the input first
(NaN, one class, a minority smaller than ``k_neighbors``) so that the error
says what to do, and calls its ``fit_resample``. :func:`make_pipeline` puts the
sampler and a scikit-learn head in an ``imblearn.pipeline.Pipeline``, which
resamples only when fitting, never when predicting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radkit.seeding import check_seed

__all__ = ["SAMPLERS", "make_sampler", "resample", "make_pipeline"]

#: Sampler names -> what they do (imbalanced-learn classes).
SAMPLERS: dict[str, str] = {
    "random under": "RandomUnderSampler: drop random majority cases",
    "random over": "RandomOverSampler: repeat random minority cases",
    "SMOTE": "SMOTE: new minority points on segments to minority neighbours (Chawla 2002)",
    "BorderlineSMOTE": "BorderlineSMOTE: SMOTE from minority points near the class border only",
    "ADASYN": "ADASYN: more synthetic points where the minority is hard to learn",
    "SMOTETomek": "SMOTE, then remove Tomek links (cross-class nearest-neighbour pairs)",
    "SMOTEENN": "SMOTE, then edited nearest neighbours cleaning",
}
_NEEDS_NEIGHBOURS = {"SMOTE", "BorderlineSMOTE", "ADASYN", "SMOTETomek", "SMOTEENN"}


def make_sampler(method: str, *, k_neighbors: int = 5, sampling_strategy: float | str = "auto", seed: int) -> Any:
    """The imbalanced-learn sampler for ``method`` (a key of :data:`SAMPLERS`).

    Examples
    --------
    >>> type(make_sampler("SMOTE", seed=0)).__name__
    'SMOTE'
    """
    from imblearn import combine, over_sampling, under_sampling

    seed = check_seed(seed)
    if isinstance(k_neighbors, bool) or not isinstance(k_neighbors, (int, np.integer)) or k_neighbors < 1:
        raise ValueError(f"k_neighbors must be a positive int (SMOTE's default is 5), got {k_neighbors!r}.")
    common = {"sampling_strategy": sampling_strategy, "random_state": seed}
    if method == "random under":
        return under_sampling.RandomUnderSampler(**common)
    if method == "random over":
        return over_sampling.RandomOverSampler(**common)
    if method == "SMOTE":
        return over_sampling.SMOTE(k_neighbors=k_neighbors, **common)
    if method == "BorderlineSMOTE":
        return over_sampling.BorderlineSMOTE(k_neighbors=k_neighbors, **common)
    if method == "ADASYN":
        return over_sampling.ADASYN(n_neighbors=k_neighbors, **common)
    if method == "SMOTETomek":
        return combine.SMOTETomek(smote=over_sampling.SMOTE(k_neighbors=k_neighbors, random_state=seed), **common)
    if method == "SMOTEENN":
        return combine.SMOTEENN(smote=over_sampling.SMOTE(k_neighbors=k_neighbors, random_state=seed), **common)
    raise ValueError(f"Unknown resampling method {method!r}. Valid: {', '.join(SAMPLERS)}.")


def _check_xy(X, y, *, method: str, k_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array of embeddings (N×D), got shape {X.shape}. Use radkit.train.embed(model, images)."
        )
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be one label per row of X: X has {len(X)} rows, y has shape {y.shape}.")
    if not np.all(np.isfinite(X)):
        bad = int((~np.isfinite(X)).any(1).sum())
        raise ValueError(
            f"X has NaN or inf in {bad} row(s); the nearest-neighbour search of {method} cannot "
            "use them. Check the model's embeddings (a diverged model gives NaN) or drop those rows."
        )
    if not np.all(np.isfinite(y.astype(np.float64))):
        raise ValueError("y contains NaN: drop the cases whose label is unknown before resampling.")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"y has a single class ({classes.tolist()}): resampling balances two or more classes. "
            "Check the split: the training set needs positive and negative cases."
        )
    if method in _NEEDS_NEIGHBOURS and counts.min() <= k_neighbors:
        raise ValueError(
            f"{method} needs more than k_neighbors={k_neighbors} cases of every class, but class "
            f"{classes[counts.argmin()]!r} has {counts.min()}. Lower k_neighbors (to at most "
            f"{max(counts.min() - 1, 1)}), gather more minority cases, or use 'random over'."
        )
    return X, y


def resample(
    X, y, *, method: str, k_neighbors: int = 5, sampling_strategy: float | str = "auto", seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Resample embeddings with imbalanced-learn's ``fit_resample``.

    Parameters
    ----------
    X : array-like, N×D
        Embeddings (for images: :func:`radkit.train.embed`).
    y : array-like, N
        Class labels.
    method : str
        A key of :data:`SAMPLERS`.
    k_neighbors : int, default 5
        Neighbours for SMOTE-type methods (``n_neighbors`` for ADASYN).
    sampling_strategy : float or str, default "auto"
        imbalanced-learn's: ``"auto"`` balances the classes; a float is the
        wanted minority / majority ratio.
    seed : int

    Returns
    -------
    X_res, y_res : numpy.ndarray
        For over-samplers the original rows come first, then the synthetic ones.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> X = np.r_[g.normal(0, 1, (40, 2)), g.normal(3, 1, (8, 2))]; y = np.r_[[0] * 40, [1] * 8]
    >>> X_res, y_res = resample(X, y, method="SMOTE", seed=0)
    >>> np.bincount(y_res).tolist()
    [40, 40]
    """
    X, y = _check_xy(X, y, method=method, k_neighbors=k_neighbors)
    sampler = make_sampler(method, k_neighbors=k_neighbors, sampling_strategy=sampling_strategy, seed=seed)
    return sampler.fit_resample(X, y)


def make_pipeline(method: str | None, head: Any, *, k_neighbors: int = 5, seed: int) -> Any:
    """An ``imblearn.pipeline.Pipeline``: standardise, resample (fit only), then the scikit-learn ``head``.

    ``method=None`` gives the same pipeline without resampling (the baseline).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> make_pipeline("SMOTE", LogisticRegression(), seed=0).steps[1][0]
    'resample'
    """
    from imblearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    steps: list[tuple[str, Any]] = [("scale", StandardScaler())]
    if method is not None:
        steps.append(("resample", make_sampler(method, k_neighbors=k_neighbors, seed=seed)))
    steps.append(("head", head))
    return Pipeline(steps)
