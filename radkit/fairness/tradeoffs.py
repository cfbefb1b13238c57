"""Why fairness definitions collide, shown with numbers; underdiagnosis by group.

When the base rate (prevalence) differs between groups:

- Kleinberg, Mullainathan & Raghavan (ITCS 2017): a score calibrated within
  groups cannot also be *balanced* (same mean score among the negatives of each
  group, the "generalised false-positive rate", and among the positives) unless
  prediction is perfect. :func:`calibrated_scores` draws such a score;
  :func:`balance_table` measures the imbalance with intervals.
- Chouldechova (Big Data 2017): for any decision rule, within each group
  ``FPR = p / (1 - p) * (1 - PPV) / PPV * (1 - FNR)`` (:func:`chouldechova_fpr`).
  With equal PPV (a positive call means the same risk in each group) and unequal
  ``p``, equal FPR and equal FNR cannot both hold; :func:`parity_frontier`
  searches every pair of group thresholds for the smallest gap left.
- Seyyed-Kalantari et al. (Nat Med 2021): *underdiagnosis* is a model calling
  "no finding" in a patient who has one; its rate by group is the false-positive
  rate of the "no finding" label (:func:`underdiagnosis`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit.stats import by_group, proportion

__all__ = [
    "calibrated_scores",
    "balance_table",
    "chouldechova_fpr",
    "parity_frontier",
    "underdiagnosis",
    "age_band",
    "pooled_age_edges",
    "rate_by_group",
    "n_to_detect",
]


def calibrated_scores(
    prevalence: Mapping[object, float], *, n: int | Mapping[object, int], seed: int, concentration: float = 3.0
) -> pd.DataFrame:
    """A risk score calibrated within every group by construction, with per-group base rates.

    Each case's score is drawn from Beta(``c p``, ``c (1 - p)``) (mean ``p``, the
    group's prevalence) and its label from Bernoulli(score), so
    ``P(y = 1 | score, group) = score`` exactly. Lower ``concentration`` spreads
    the scores (a more informative score).

    Returns
    -------
    DataFrame
        Columns ``group, y_true, y_score``.

    Examples
    --------
    >>> df = calibrated_scores({"A": 0.1, "B": 0.4}, n=20000, seed=0)
    >>> df.groupby("group")["y_true"].mean().round(1).tolist()
    [0.1, 0.4]
    """
    from radkit.seeding import rng

    if concentration <= 0:
        raise ValueError(f"concentration must be > 0, got {concentration!r}.")
    gen = rng(seed)
    parts = []
    for g, p in prevalence.items():
        if not 0 < p < 1:
            raise ValueError(f"prevalence of group {g!r} must lie in (0, 1), got {p!r}.")
        m = int(n[g] if isinstance(n, Mapping) else n)
        s = gen.beta(concentration * p, concentration * (1 - p), size=m)
        y = (gen.random(m) < s).astype(np.int8)
        parts.append(pd.DataFrame({"group": g, "y_true": y, "y_score": s}))
    return pd.concat(parts, ignore_index=True)


def _mean_neg(y: np.ndarray, s: np.ndarray) -> float:
    if not np.any(y == 0):
        raise ValueError("no negatives")
    return float(s[y == 0].mean())


def _miss_pos(y: np.ndarray, s: np.ndarray) -> float:
    if not np.any(y == 1):
        raise ValueError("no positives")
    return float(1 - s[y == 1].mean())


@renamed_arguments(by="groups")
def balance_table(
    data: pd.DataFrame, *, groups: str = "group", n_boot: int = 1000, seed: int, level: float = 0.95
) -> pd.DataFrame:
    """Kleinberg's balance per group: mean score of the negatives and 1 - mean score of the positives.

    These are the score-level false-positive and false-negative rates; a calibrated
    score with different base rates cannot have them equal across groups.

    Returns
    -------
    DataFrame
        Index ``(group, measure)`` with measures ``generalized_fpr`` and
        ``generalized_fnr``; columns as :func:`radkit.stats.by_group`.

    Examples
    --------
    >>> df = calibrated_scores({"A": 0.1, "B": 0.4}, n=5000, seed=0)
    >>> t = balance_table(df, n_boot=0, seed=0)
    >>> bool(t.loc[("B", "generalized_fpr"), "estimate"] > t.loc[("A", "generalized_fpr"), "estimate"])
    True
    """
    parts = []
    for name, fn in (("generalized_fpr", _mean_neg), ("generalized_fnr", _miss_pos)):
        t = by_group(data, fn, groups=groups, columns=("y_true", "y_score"), n_boot=n_boot, seed=seed, level=level)
        t["measure"] = name
        parts.append(t.reset_index().rename(columns={t.index.name: "group"}))
    out = pd.concat(parts, ignore_index=True)
    return out.set_index(["group", "measure"]).sort_index()


def chouldechova_fpr(prevalence: ArrayLike, ppv: ArrayLike, fnr: ArrayLike) -> np.ndarray | float:
    """The false-positive rate that prevalence, PPV and FNR force: ``p/(1-p) (1-PPV)/PPV (1-FNR)``.

    An identity of the confusion table (Chouldechova 2017), not a model.

    Examples
    --------
    >>> from radkit.metrics import from_confusion
    >>> m = from_confusion(tn=70, fp=10, fn=5, tp=15)
    >>> round(float(chouldechova_fpr(m.prevalence, m.ppv, 1 - m.sensitivity)), 6), round(1 - m.specificity, 6)
    (0.125, 0.125)
    """
    p, v, f = (np.asarray(a, dtype=float) for a in (prevalence, ppv, fnr))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = p / (1 - p) * (1 - v) / v * (1 - f)
    return out.item() if out.ndim == 0 else out


def _rates_on_grid(y: np.ndarray, s: np.ndarray, grid: np.ndarray) -> dict[str, np.ndarray]:
    """FPR, FNR, PPV and selection rate of ``s >= t`` for every t of ``grid``."""
    pos, neg = np.sort(s[y == 1]), np.sort(s[y == 0])
    tp = pos.size - np.searchsorted(pos, grid, side="left")
    fp = neg.size - np.searchsorted(neg, grid, side="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "fpr": fp / neg.size,
            "fnr": 1 - tp / pos.size,
            "ppv": tp / (tp + fp),
            "selection_rate": (tp + fp) / y.size,
        }


@renamed_arguments(sensitive_features="groups")
def parity_frontier(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    groups: ArrayLike,
    ppv_tolerance: float = 0.02,
    min_selection: float = 0.05,
    grid: ArrayLike | None = None,
) -> pd.Series:
    """Over every pair of group thresholds with equal PPV, the smallest FPR/FNR gap that remains.

    Two groups. Among threshold pairs whose PPVs differ by at most ``ppv_tolerance``
    (predictive parity: a positive call carries the same risk in both groups) and
    that call at least ``min_selection`` and at most ``1 - min_selection`` of each
    group positive (no trivial all-or-none rule), finds the pair minimising
    ``max(|FPR_a - FPR_b|, |FNR_a - FNR_b|)``. By Chouldechova's identity that
    minimum stays away from 0 when the prevalences differ.

    Returns
    -------
    pandas.Series
        ``gap`` (the minimum), ``fpr_gap``, ``fnr_gap``, ``ppv_gap`` there, the two
        thresholds ``threshold_<group>``, and ``pairs`` (how many pairs qualified).

    Examples
    --------
    >>> df = calibrated_scores({"A": 0.1, "B": 0.4}, n=4000, seed=0)
    >>> r = parity_frontier(df["y_true"], df["y_score"], groups=df["group"])
    >>> bool(r["gap"] > 0.1)
    True
    """
    y = np.asarray(y_true).astype(int)
    s = np.asarray(y_score, dtype=float)
    g = np.asarray(groups)
    names = sorted(pd.unique(g).tolist())
    if len(names) != 2:
        raise ValueError(f"parity_frontier compares exactly two groups, got {names[:10]}.")
    grid = np.linspace(0.0, 1.0, 201) if grid is None else np.asarray(grid, dtype=float)
    a = _rates_on_grid(y[g == names[0]], s[g == names[0]], grid)
    b = _rates_on_grid(y[g == names[1]], s[g == names[1]], grid)
    d = {k: np.abs(a[k][:, None] - b[k][None, :]) for k in ("fpr", "fnr", "ppv")}
    ok = (
        (d["ppv"] <= ppv_tolerance)
        & (a["selection_rate"][:, None] >= min_selection)
        & (a["selection_rate"][:, None] <= 1 - min_selection)
        & (b["selection_rate"][None, :] >= min_selection)
        & (b["selection_rate"][None, :] <= 1 - min_selection)
    )
    gap = np.where(ok, np.maximum(d["fpr"], d["fnr"]), np.inf)
    if not ok.any():
        return pd.Series(
            {
                "gap": np.nan,
                "fpr_gap": np.nan,
                "fnr_gap": np.nan,
                "ppv_gap": np.nan,
                f"threshold_{names[0]}": np.nan,
                f"threshold_{names[1]}": np.nan,
                "pairs": 0,
            }
        )
    i, j = np.unravel_index(int(np.argmin(gap)), gap.shape)
    return pd.Series(
        {
            "gap": float(gap[i, j]),
            "fpr_gap": float(d["fpr"][i, j]),
            "fnr_gap": float(d["fnr"][i, j]),
            "ppv_gap": float(d["ppv"][i, j]),
            f"threshold_{names[0]}": float(grid[i]),
            f"threshold_{names[1]}": float(grid[j]),
            "pairs": int(ok.sum()),
        }
    )


@renamed_arguments(sensitive_features="groups")
def underdiagnosis(
    no_finding_true: ArrayLike,
    no_finding_score: ArrayLike,
    *,
    groups: ArrayLike | pd.DataFrame,
    threshold: float,
    n_boot: int = 1000,
    seed: int,
    level: float = 0.95,
) -> pd.DataFrame:
    """Underdiagnosis rate per group: the share of patients *with* a finding whom the model calls "no finding".

    Seyyed-Kalantari et al. (Nat Med 2021): the false-positive rate of the "no
    finding" label. Computed by :func:`radkit.fairness.group_metrics`.

    Parameters
    ----------
    no_finding_true : array-like
        1 when the patient has no finding, 0 when they have at least one.
    no_finding_score : array-like
        The model's probability of "no finding".
    threshold : float
        ``no_finding_score >= threshold`` means the model calls the film normal.

    Returns
    -------
    DataFrame
        Index: groups then ``"overall"``; columns ``estimate, low, high, level, method, n``
        (``n``: patients with a finding).

    Examples
    --------
    >>> t = underdiagnosis([0, 0, 1, 0, 0, 1], [0.9, 0.2, 0.8, 0.1, 0.2, 0.7],
    ...                    groups=list("FFFMMM"), threshold=0.5, n_boot=0, seed=0)
    >>> t["estimate"].tolist()
    [0.5, 0.0, 0.25]
    """
    import warnings

    from radkit._validate import check_scores
    from radkit.fairness.groups import group_metrics

    # the model's probability that the film is normal: on another scale (percent, logits) the threshold means nothing
    no_finding_score = check_scores(no_finding_score, "no_finding_score", probability=True)
    with warnings.catch_warnings(record=True) as caught:  # keep only the warnings about this measure
        warnings.simplefilter("always")
        gm = group_metrics(
            no_finding_true,
            no_finding_score,
            groups=groups,
            threshold=threshold,
            n_boot=n_boot,
            seed=seed,
            level=level,
            auc=False,
            calibration=False,
        )
    for w in caught:
        if "false_positive_rate" in str(w.message):
            warnings.warn(
                str(w.message).replace("false_positive_rate", "underdiagnosis rate"), UserWarning, stacklevel=2
            )
    t = gm.table.xs("false_positive_rate", level="measure").copy()
    t.index.name = "group"
    return t


def age_band(age: ArrayLike, *, edges: tuple[int, ...] = (18, 40, 60, 80)) -> pd.Categorical:
    """Age bands such as ``18-39, 40-59, 60-79, 80+`` (ages below the first edge are NaN).

    Examples
    --------
    >>> age_band([25, 45, 79, 90]).tolist()
    ['18-39', '40-59', '60-79', '80+']
    """
    e = list(edges)
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(e[:-1], e[1:], strict=True)] + [f"{e[-1]}+"]
    return pd.cut(np.asarray(age, dtype=float), bins=[*e, np.inf], right=False, labels=labels)


def pooled_age_edges(
    age: ArrayLike,
    y_true: ArrayLike,
    *,
    edges: tuple[int, ...] = (18, 40, 60, 80),
    min_positives: int = 5,
    min_negatives: int = 5,
) -> tuple[int, ...]:
    """Edges for :func:`age_band` whose every band has enough positives and negatives to be estimated.

    A band with fewer than ``min_positives`` positive or ``min_negatives`` negative cases
    (the children of a partial download, say) is pooled with its neighbour: the smaller of
    the two adjacent bands, so pooling stays local. A band nobody falls in is left alone
    (it forms no group). Ages missing or below the first edge are
    not counted. Use the result as ``age_band(age, edges=...)``, and print which bands were
    pooled: a rate that cannot be estimated is reported so, never silently.

    Examples
    --------
    >>> age = [5, 10, 30, 35, 40, 45, 60, 65, 70, 75]
    >>> y = [0, 0, 1, 0, 1, 0, 1, 0, 1, 0]
    >>> pooled_age_edges(age, y, edges=(0, 18, 50, 70), min_positives=1, min_negatives=1)
    (0, 50, 70)
    """
    from radkit._validate import check_labels

    a = np.asarray(age, dtype=float)
    y = check_labels(y_true, "y_true")
    if a.shape != y.shape:
        raise ValueError(f"age ({a.size}) and y_true ({y.size}) must have one value per case.")
    for name, v in (("min_positives", min_positives), ("min_negatives", min_negatives)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name}={v!r}: use a whole number >= 0.")
    e = sorted({int(x) for x in edges})
    if not e:
        raise ValueError("edges is empty: give the lower age of each band, e.g. (18, 40, 60, 80).")
    ok = np.isfinite(a) & (a >= e[0])
    if int(y[ok].sum()) < min_positives or int((1 - y[ok]).sum()) < min_negatives:
        raise ValueError(
            f"all ages together hold {int(y[ok].sum())} positive and {int((1 - y[ok]).sum())} negative cases, "
            f"fewer than min_positives={min_positives} / min_negatives={min_negatives}: no band can be estimated. "
            "Use more films (or a commoner finding)."
        )

    def counts(ed: list[int]) -> list[tuple[int, int, int]]:
        band = np.searchsorted(np.asarray(ed), a[ok], side="right") - 1
        return [
            (int(y[ok][band == b].sum()), int((band == b).sum() - y[ok][band == b].sum()), int((band == b).sum()))
            for b in range(len(ed))
        ]

    while len(e) > 1:
        c = counts(e)
        sparse = [b for b, (p, n, m) in enumerate(c) if m > 0 and (p < min_positives or n < min_negatives)]
        if not sparse:
            break
        b = sparse[0]
        if b == 0:
            drop = 1  # the first band joins the second: drop the second band's lower edge
        elif b == len(e) - 1:
            drop = b  # the last band joins the one before it
        else:
            drop = b if c[b - 1][2] <= c[b + 1][2] else b + 1  # join the smaller neighbour
        del e[drop]
    return tuple(e)


@renamed_arguments(by="groups")
def rate_by_group(data: pd.DataFrame, column: str, *, groups: str | list[str], level: float = 0.95) -> pd.DataFrame:
    """Share of 1s in a 0/1 column per group, with Wilson intervals (closed form, any n).

    Missing values in ``column`` are left out; ``n`` counts the rest. With several
    grouping columns the index is a MultiIndex and the overall row is
    ``("overall", "overall")``.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": list("FFFFMMMM"), "y": [1, 0, 0, 0, 1, 1, 0, 0]})
    >>> rate_by_group(df, "y", groups="sex")["estimate"].tolist()
    [0.25, 0.5, 0.375]
    """
    keys = [groups] if isinstance(groups, str) else list(groups)
    d = data.dropna(subset=[column])

    def wilson(k: float, n: float) -> tuple[float, float, float]:
        e = proportion(k, n, level=level)
        return e.estimate, e.low, e.high

    agg = d.groupby(keys if len(keys) > 1 else keys[0], observed=True, sort=True)[column].agg(["sum", "count"])
    rows = [wilson(float(k), float(n)) + (int(n),) for k, n in zip(agg["sum"], agg["count"], strict=True)]
    rows.append(wilson(float(d[column].sum()), float(len(d))) + (len(d),))
    labels = list(agg.index)
    if len(keys) > 1:  # the overall row takes the groups' shape, so .loc[("F", "40-59")] works
        index = pd.MultiIndex.from_tuples([*labels, ("overall",) * len(keys)], names=keys)
    else:
        index = pd.Index([*labels, "overall"], name=keys[0])
    out = pd.DataFrame(rows, index=index, columns=["estimate", "low", "high", "n"])
    out.insert(3, "level", level)
    out.insert(4, "method", "Wilson")
    return out


def n_to_detect(p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Cases per group to detect proportions ``p1`` vs ``p2`` (two-sided z-test, equal groups).

    ``n = (z_a sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p2 q2))^2 / (p1 - p2)^2``
    (Fleiss, without continuity correction). For a sensitivity the cases are
    the *positive* patients: divide by the prevalence for the number of films.

    Examples
    --------
    >>> n_to_detect(0.80, 0.75)
    1094
    """
    from scipy.stats import norm

    for name, v in (("p1", p1), ("p2", p2), ("power", power)):
        if not 0 < v < 1:
            raise ValueError(f"{name} must lie in (0, 1), got {v!r}.")
    if p1 == p2:
        raise ValueError("p1 equals p2: no sample size detects a difference of 0.")
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    pbar = (p1 + p2) / 2
    num = (za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
    return int(np.ceil(num / (p1 - p2) ** 2))
