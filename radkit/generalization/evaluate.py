"""Internal versus external performance, and how much a counterfactual moves predictions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm

from radkit.metrics import delong_auc
from radkit.seeding import check_seed, rng
from radkit.stats import Estimate, percentile_interval

__all__ = ["AucGap", "auc_gap", "prediction_shift", "resplit_gaps"]


@dataclass(frozen=True)
class AucGap:
    """AUC on the internal hold-out and on the external site, and the drop between them.

    Attributes
    ----------
    internal, external : Estimate
        DeLong intervals.
    drop : Estimate
        ``internal - external``; the two test sets are independent, so its
        standard error is the root of the summed DeLong variances.
    """

    internal: Estimate
    external: Estimate
    drop: Estimate

    def to_frame(self) -> pd.DataFrame:
        """Three rows: internal AUC, external AUC, drop."""
        return pd.concat([self.internal.to_frame("internal AUC"), self.external.to_frame("external AUC"),
                          self.drop.to_frame("drop (internal - external)")])


def auc_gap(y_internal: ArrayLike, s_internal: ArrayLike, y_external: ArrayLike, s_external: ArrayLike, *,
            level: float = 0.95) -> AucGap:
    """Internal AUC, external AUC and their difference, each with a DeLong interval.

    Examples
    --------
    >>> g = auc_gap([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], [0.1, 0.7, 0.6, 0.9])
    >>> round(g.internal.estimate, 2), round(g.external.estimate, 2), round(g.drop.estimate, 2)
    (1.0, 0.75, 0.25)
    """
    alpha = 1 - level
    y_internal, s_internal = np.asarray(y_internal, dtype=float).ravel(), np.asarray(s_internal, dtype=float).ravel()
    y_external, s_external = np.asarray(y_external, dtype=float).ravel(), np.asarray(s_external, dtype=float).ravel()
    a, b = delong_auc(y_internal, s_internal, alpha=alpha), delong_auc(y_external, s_external, alpha=alpha)
    z = norm.ppf(1 - alpha / 2)
    est = lambda r, name: Estimate(r.auc, r.low, r.high, level=level, method="DeLong", n=int(name.size))
    d = a.auc - b.auc
    se = float(np.hypot(a.se, b.se))
    drop = Estimate(d, d - z * se, d + z * se, level=level, method="DeLong, independent sets",
                    n=int(y_internal.size + y_external.size))
    return AucGap(est(a, y_internal), est(b, y_external), drop)


def prediction_shift(before: ArrayLike, after: ArrayLike, *, seed: int, n_boot: int = 1000,
                     level: float = 0.95) -> Estimate:
    """Mean absolute change of the predicted probability per case, with a bootstrap interval.

    ``before`` and ``after`` are the same cases scored twice (original and
    counterfactual, or original and a noisy copy).

    Examples
    --------
    >>> e = prediction_shift([0.1, 0.2, 0.3], [0.4, 0.5, 0.6], seed=0, n_boot=100)
    >>> round(e.estimate, 3), round(e.low, 3), round(e.high, 3)
    (0.3, 0.3, 0.3)
    """
    x, y = np.asarray(before, dtype=float).ravel(), np.asarray(after, dtype=float).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"before ({x.size}) and after ({y.size}) must score the same, non-empty set of cases.")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("before/after contain NaN or infinite scores; check the model's output.")
    d = np.abs(y - x)
    g = rng(check_seed(seed))
    reps = d[g.integers(0, d.size, size=(n_boot, d.size))].mean(1)
    low, high = percentile_interval(reps, level=level)
    return Estimate(float(d.mean()), low, high, level=level, method="bootstrap percentile", n=int(d.size))


def resplit_gaps(features: ArrayLike, y_true: ArrayLike, site: ArrayLike, *, external: str | Sequence[str],
                 seeds: Sequence[int], make_model: Callable[[], object] | None = None,
                 test_fraction: float = 0.3) -> pd.DataFrame:
    """Refit a cheap model on ``len(seeds)`` site-aware splits; internal and external AUC of each.

    The internal hold-out is re-drawn for every seed (see :func:`~radkit.generalization.site_split`);
    the external site is always the same. ``make_model()`` returns a scikit-learn
    classifier with ``predict_proba`` (default :func:`radkit.fairness.linear_model`).

    Returns
    -------
    pandas.DataFrame
        One row per seed: ``internal``, ``external``, ``gap`` (internal - external).

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> site = np.array(["A", "B", "C"] * 100); y = gen.integers(0, 2, 300)
    >>> X = gen.normal(size=(300, 3)) + y[:, None] * np.where(site == "C", 0.2, 2.0)[:, None]
    >>> df = resplit_gaps(X, y, site, external="C", seeds=[0, 1])
    >>> bool((df["gap"] > 0.2).all())
    True
    """
    from sklearn.metrics import roc_auc_score

    from radkit.fairness import linear_model
    from radkit.generalization.splits import site_split

    x = np.asarray(features, dtype=np.float32)
    x = x.reshape(len(x), -1)
    y = np.asarray(y_true, dtype=float).ravel()
    if len(x) != len(y):
        raise ValueError(f"features have {len(x)} rows but y_true has {len(y)}.")
    make_model = make_model or linear_model
    rows = []
    for sd in seeds:
        sp = site_split(site, external=external, test_fraction=test_fraction, seed=sd, y_true=y)
        m = make_model().fit(x[sp.train], y[sp.train])
        a = roc_auc_score(y[sp.internal], m.predict_proba(x[sp.internal])[:, 1])
        b = roc_auc_score(y[sp.external], m.predict_proba(x[sp.external])[:, 1])
        rows.append({"seed": sd, "internal": a, "external": b, "gap": a - b})
    return pd.DataFrame(rows).set_index("seed")
