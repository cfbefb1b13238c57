"""Mitigation, and what it costs: group thresholds, reweighing, chosen group shares.

- :func:`equal_opportunity_thresholds`: one threshold per group so that every
  group reaches the same sensitivity (Hardt, Price & Srebro, NeurIPS 2016,
  "equality of opportunity" by post-processing). Given a target sensitivity,
  each group gets the highest threshold that reaches it (the best specificity
  there); without one, the common sensitivity that minimises the expected cost
  ``cost_fn * FN + cost_fp * FP`` over all groups is searched exactly.
- :func:`reweighing_weights`: Kamiran & Calders' weights ``P(g) P(y) / P(g, y)``,
  which make the label independent of the group in the weighted training set;
  :func:`weighted_resample` turns weights into a resampled training set for a
  training loop that takes no sample weights.
- :func:`share_split`: a training set with a chosen share of one group
  (Larrazabal et al., PNAS 2020: 0 %, 25 %, 50 %, 75 %, 100 % women).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit._validate import check_scores, check_threshold
from radkit.fairness.groups import sensitive_frame
from radkit.stats import group_codes

__all__ = [
    "equal_opportunity_thresholds",
    "apply_thresholds",
    "reweighing_weights",
    "weighted_resample",
    "share_split",
    "share_experiment",
    "summarize_shares",
]


def _codes(groups, n: int) -> tuple[np.ndarray, list]:
    feats = sensitive_frame(groups, n=n)
    keys = list(feats.columns)
    codes, index = group_codes(feats, groups=keys if len(keys) > 1 else keys[0])
    return codes, index.tolist()


def _group_curves(y: np.ndarray, s: np.ndarray, targets: np.ndarray):
    """Per target sensitivity: the highest threshold reaching it, and the FP and TP counts there."""
    pos = np.sort(s[y == 1])[::-1]
    neg = np.sort(s[y == 0])
    if pos.size == 0:
        raise ValueError(
            "a group has no positive cases, so its sensitivity cannot be set; pool it with "
            "another group or leave it out of the thresholds."
        )
    k = np.ceil(np.round(targets * pos.size, 9)).astype(int).clip(1, pos.size)
    thr = pos[k - 1]
    tp = np.searchsorted(-pos, -thr, side="right")  # positives with score >= thr
    fp = neg.size - np.searchsorted(neg, thr, side="left")  # negatives with score >= thr
    return thr, tp, fp, pos.size, neg.size


@renamed_arguments(sensitive_features="groups")
def equal_opportunity_thresholds(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    groups: ArrayLike | pd.DataFrame | Mapping,
    sensitivity: float | None = None,
    cost_fn: float = 1.0,
    cost_fp: float = 1.0,
) -> dict:
    """One threshold per group giving every group the same sensitivity (Hardt et al. 2016).

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Labels and scores of the data the thresholds are fitted on (a validation set).
    groups : array-like, DataFrame or dict
        The group of each case (several columns: intersectional groups).
    sensitivity : float in (0, 1], optional
        The common target. Each group gets the highest threshold whose rule
        ``y_score >= t`` reaches it in that group (the best specificity there).
        When omitted, the target (searched over every sensitivity any group can
        reach) minimises ``cost_fn * FN + cost_fp * FP`` summed over groups.
    cost_fn, cost_fp : float
        Costs of a missed case and of a false alarm, used only without ``sensitivity``.

    Returns
    -------
    dict
        Group -> threshold (pass it as ``threshold=`` to :func:`group_metrics`).

    Examples
    --------
    >>> y = [1, 1, 0, 0, 1, 1, 0, 0]
    >>> s = [0.9, 0.6, 0.5, 0.1, 0.4, 0.3, 0.2, 0.1]
    >>> g = ["A"] * 4 + ["B"] * 4
    >>> equal_opportunity_thresholds(y, s, groups=g, sensitivity=1.0)
    {'A': 0.6, 'B': 0.3}
    """
    from radkit._validate import check_binary

    y, s = check_binary(y_true, y_score, both_classes=False)
    codes, names = _codes(groups, y.size)
    if sensitivity is not None:
        if isinstance(sensitivity, (bool, np.bool_, str)) or not 0 < sensitivity <= 1:  # NaN fails too
            raise ValueError(f"sensitivity must be a number in (0, 1], e.g. 0.9, got {sensitivity!r}.")
        targets = np.array([float(sensitivity)])
    else:
        if cost_fn <= 0 or cost_fp < 0:
            raise ValueError(f"costs must be cost_fn > 0 and cost_fp >= 0, got {cost_fn!r}, {cost_fp!r}.")
        sizes = [int(y[codes == g].sum()) for g in range(len(names))]
        targets = np.unique(np.concatenate([np.arange(1, m + 1) / m for m in sizes if m > 0]))
    total = np.zeros(targets.size)
    thresholds = np.zeros((len(names), targets.size))
    for g, name in enumerate(names):
        sel = codes == g
        try:
            thr, tp, fp, n_pos, _ = _group_curves(y[sel], s[sel], targets)
        except ValueError:
            raise ValueError(
                f"group {name!r} has no positive cases, so its sensitivity cannot be set; "
                "pool it with another group or leave it out."
            ) from None
        thresholds[g] = thr
        total += cost_fn * (n_pos - tp) + cost_fp * fp
    best = int(np.argmin(total)) if sensitivity is None else 0
    return {name: float(thresholds[g, best]) for g, name in enumerate(names)}


@renamed_arguments(sensitive_features="groups")
def apply_thresholds(
    y_score: ArrayLike, *, groups: ArrayLike | pd.DataFrame | Mapping, thresholds: Mapping
) -> np.ndarray:
    """0/1 decisions ``y_score >= thresholds[group]``.

    Examples
    --------
    >>> apply_thresholds([0.5, 0.5], groups=["A", "B"], thresholds={"A": 0.4, "B": 0.6}).tolist()
    [1, 0]
    """
    s = check_scores(y_score, "y_score", probability=True)  # NaN would be called negative; thresholds are on [0, 1]
    codes, names = _codes(groups, s.size)
    missing = [g for g in names if g not in thresholds]
    if missing:
        raise ValueError(f"thresholds has no value for group(s) {missing}; give one per group.")
    t = np.array([check_threshold(thresholds[g], f"thresholds[{g!r}]", unit=True) for g in names])[codes]
    return (s >= t).astype(np.int8)


@renamed_arguments(sensitive_features="groups")
def reweighing_weights(y_true: ArrayLike, *, groups: ArrayLike | pd.DataFrame | Mapping) -> np.ndarray:
    """Kamiran & Calders (2012) reweighing: ``w(g, y) = P(g) P(y) / P(g, y)``, mean 1.

    In the weighted data the label is independent of the group: every group has the
    overall prevalence, and each group keeps its total weight.

    Examples
    --------
    >>> w = reweighing_weights([1, 0, 0, 0, 1, 1, 1, 0], groups=list("AAAABBBB"))
    >>> w.round(3).tolist()
    [2.0, 0.667, 0.667, 0.667, 0.667, 0.667, 0.667, 2.0]
    """
    from radkit._validate import check_labels

    y = check_labels(y_true, "y_true")
    codes, names = _codes(groups, y.size)
    joint = np.bincount(codes * 2 + y, minlength=2 * len(names)).reshape(len(names), 2) / y.size
    pg, py = joint.sum(1), joint.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (pg[:, None] * py[None, :]) / joint
    return w[codes, y]


def weighted_resample(weights: ArrayLike, *, n: int | None = None, seed: int) -> np.ndarray:
    """Indices drawn with replacement with probability proportional to ``weights``.

    For a training loop without sample weights: training on ``X[idx]`` has, in
    expectation, the weighted data's composition.

    Examples
    --------
    >>> idx = weighted_resample([0.0, 1.0, 3.0], n=4000, seed=0)
    >>> bool(abs(np.mean(idx == 2) - 0.75) < 0.03)
    True
    """
    from radkit.seeding import rng

    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be a non-empty 1-D array of finite values >= 0 with a positive sum.")
    return rng(seed).choice(w.size, size=w.size if n is None else int(n), replace=True, p=w / w.sum())


@renamed_arguments(sensitive_feature="groups")
def share_split(groups: ArrayLike, *, group: object, share: float, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` cases of which a fraction ``share`` belongs to ``group`` (drawn without replacement).

    Larrazabal et al. (PNAS 2020) trained chest X-ray classifiers on 0 %, 25 %, 50 %,
    75 % and 100 % women at a fixed training-set size and tested on both sexes.

    Examples
    --------
    >>> sex = np.array(["F", "M"] * 50)
    >>> idx = share_split(sex, group="F", share=0.25, n=40, seed=0)
    >>> len(idx), int((sex[idx] == "F").sum())
    (40, 10)
    """
    from radkit.seeding import rng

    a = np.asarray(groups)
    if not 0 <= share <= 1:
        raise ValueError(f"share must be a fraction in [0, 1], got {share!r}.")
    inside, outside = np.flatnonzero(a == group), np.flatnonzero(a != group)
    if inside.size == 0:
        raise ValueError(f"no case belongs to group {group!r}; groups present: {sorted(set(a.tolist()))[:10]}.")
    k = int(round(share * n))
    if k > inside.size or n - k > outside.size:
        raise ValueError(
            f"asked for {k} cases of {group!r} and {n - k} others, but there are {inside.size} "
            f"and {outside.size}; lower n or generate a larger pool."
        )
    gen = rng(seed)
    idx = np.concatenate([gen.choice(inside, k, replace=False), gen.choice(outside, n - k, replace=False)])
    return np.sort(idx)


def share_experiment(
    features: ArrayLike,
    y: ArrayLike,
    groups: ArrayLike,
    *,
    test_features: ArrayLike,
    test_y: ArrayLike,
    test_groups: ArrayLike,
    group: object,
    shares: ArrayLike,
    n: int,
    n_rep: int,
    seed: int,
    C: float = 0.05,
) -> pd.DataFrame:
    """Larrazabal's experiment with a cheap learner: train on ``share`` of ``group``, test AUC per group.

    For every share and each of ``n_rep`` training draws (:func:`share_split`), a
    standardised L2 logistic regression is fitted on ``features`` (e.g.
    :func:`~radkit.fairness.pooled_pixels`) and scored on the whole test set; the
    AUC is computed in each test group. Replicating the draw is what makes the
    comparison across shares honest: one training run per share is a coin toss.

    Returns
    -------
    DataFrame
        Columns ``share, rep, group, auc``; summarise with :func:`summarize_shares`.

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> g = np.array(["F", "M"] * 200); y = gen.integers(0, 2, 400)
    >>> X = y[:, None] + gen.normal(size=(400, 3)) + (g == "F")[:, None] * gen.normal(size=(400, 3)) * 2
    >>> r = share_experiment(X, y, g, test_features=X, test_y=y, test_groups=g, group="F", shares=[0, 1],
    ...                      n=150, n_rep=2, seed=0)
    >>> r.shape, sorted(r["group"].unique())
    ((8, 4), ['F', 'M'])
    """
    from sklearn.metrics import roc_auc_score

    from radkit.metrics.probe import linear_model
    from radkit.seeding import spawn

    x, xt = np.asarray(features, dtype=np.float64), np.asarray(test_features, dtype=np.float64)
    yy, yt = np.asarray(y).astype(int), np.asarray(test_y).astype(int)
    g, gt = np.asarray(groups), np.asarray(test_groups)
    names = sorted(pd.unique(gt).tolist())
    rows = []
    seeds = spawn(seed, n_rep)
    for share in np.asarray(shares, dtype=float):
        for rep, s in enumerate(seeds):
            idx = share_split(g, group=group, share=float(share), n=n, seed=s)
            model = linear_model(C=C)
            score = model.fit(x[idx], yy[idx]).predict_proba(xt)[:, 1]
            for name in names:
                sel = gt == name
                rows.append((float(share), rep, name, float(roc_auc_score(yt[sel], score[sel]))))
    return pd.DataFrame(rows, columns=["share", "rep", "group", "auc"])


def summarize_shares(results: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Mean AUC per (share, group) over training draws, with a t interval for that mean.

    Examples
    --------
    >>> r = pd.DataFrame({"share": [0.0] * 3, "rep": [0, 1, 2], "group": ["F"] * 3, "auc": [0.8, 0.82, 0.84]})
    >>> round(float(summarize_shares(r)["estimate"].iloc[0]), 3)
    0.82
    """
    from radkit.stats import t_interval

    out = []
    for (share, group), d in results.groupby(["share", "group"], sort=True):
        e = t_interval(d["auc"].to_numpy(dtype=float), level=level, method="mean over training draws, t interval")
        out.append((share, group, e.estimate, e.low, e.high, level, e.method, e.n))
    return pd.DataFrame(out, columns=["share", "group", "estimate", "low", "high", "level", "method", "n"])
