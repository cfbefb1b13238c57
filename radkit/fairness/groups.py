"""Group metrics with intervals and the fairness gaps between groups.

:func:`group_metrics` audits one model's scores or decisions across the groups of
one or several sensitive features (sex, age band, sex x age band): every
2x2-table measure per group with bootstrap intervals (via
:func:`radkit.metrics.groups.by_group_confusion`), AUC per group with DeLong intervals,
calibration per group (ECE, via :func:`radkit.stats.by_group`), and the summary
gaps that the fairness literature names:

=============================  ==============================================  =========================
gap                            what is compared across groups                  fairlearn name
=============================  ==============================================  =========================
demographic parity             selection rate (share called positive)          demographic_parity_*
equal opportunity              sensitivity (true-positive rate)                equal_opportunity_*
equalized odds                 sensitivity and false-positive rate, worst one  equalized_odds_*
predictive parity              PPV                                             (precision, via MetricFrame)
calibration within groups      ECE                                             --
=============================  ==============================================  =========================

A *difference* is the largest minus the smallest group value, a *ratio* the
smallest over the largest (fairlearn's ``method="between_groups"``); the
equalized-odds difference is the larger of the sensitivity and false-positive
differences, its ratio the smaller of the two ratios (fairlearn's
``agg="worst_case"``). Each gap's point estimate and interval come from one
estimator: the groups that are highest and lowest in the sample (for the
equalized-odds gaps, in the measure that sets the gap) are fixed, and the
interval is the bootstrap percentile interval of *their* difference (or ratio)
over the same replicates as the group values (groups resampled independently).
Re-taking the max - min in every replicate instead would pick the extremes anew
each time, a statistic biased further upwards than the sample's own, whose
interval can miss the estimate it belongs to. Choosing the two groups from the
data still makes the gap optimistic when there are many small groups; to ask
whether two groups named in advance differ, use :meth:`GroupMetrics.difference`.

Rules for awkward input, tested: a group where a measure is undefined (no
positive cases for sensitivity, no positive calls for PPV) gives NaN and a
warning naming the group, never 0; gaps ignore NaN groups. A single group
raises (a gap needs two). Missing values in a sensitive feature raise (name them,
e.g. ``"unknown"``, to audit them as a group).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit._validate import check_threshold
from radkit.metrics.groups import (
    CONFUSION_MEASURES,
    _rows_frame,
    _table_measures,
    bootstrap_tables,
    confusion_counts,
    warn_undefined,
)
from radkit.stats import Estimate, by_group, group_codes, percentile_interval

__all__ = [
    "GroupMetrics",
    "group_metrics",
    "sensitive_frame",
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "predictive_parity_difference",
    "GAPS",
]

#: Gap name -> (measure(s), kind). Kinds: "difference" (max - min) or "ratio" (min / max).
GAPS: dict[str, tuple[tuple[str, ...], str]] = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equal_opportunity_difference": (("sensitivity",), "difference"),
    "equal_opportunity_ratio": (("sensitivity",), "ratio"),
    "false_positive_rate_difference": (("false_positive_rate",), "difference"),
    "equalized_odds_difference": (("sensitivity", "false_positive_rate"), "difference"),
    "equalized_odds_ratio": (("sensitivity", "false_positive_rate"), "ratio"),
    "predictive_parity_difference": (("ppv",), "difference"),
    "npv_difference": (("npv",), "difference"),
    "auc_difference": (("auc",), "difference"),
    "calibration_difference": (("ece",), "difference"),
}


@renamed_arguments(sensitive_features="groups")
def sensitive_frame(groups: ArrayLike | pd.Series | pd.DataFrame | Mapping, *, n: int) -> pd.DataFrame:
    """The group labels (one or several sensitive features) as a DataFrame with one column per feature, checked.

    A 1-D array or Series is one feature (named after the Series, else
    ``"group"``); a DataFrame or a dict of arrays gives intersectional groups.

    Examples
    --------
    >>> sensitive_frame({"sex": ["F", "M"], "band": ["<60", ">=60"]}, n=2).columns.tolist()
    ['sex', 'band']
    """
    if isinstance(groups, pd.DataFrame):
        frame = groups.reset_index(drop=True)
    elif isinstance(groups, Mapping):
        frame = pd.DataFrame({k: np.asarray(v) for k, v in groups.items()})
    elif isinstance(groups, pd.Series):
        frame = groups.reset_index(drop=True).to_frame(groups.name or "group")
    else:
        arr = np.asarray(groups)
        if arr.ndim != 1:
            raise ValueError(
                f"groups must be 1-D (one value per case) or a DataFrame with "
                f"one column per feature; got shape {arr.shape}."
            )
        frame = pd.DataFrame({"group": arr})
    if frame.shape[1] == 0:
        raise ValueError("groups has no columns; pass e.g. meta['sex'] or meta[['sex', 'band']].")
    if len(frame) != n:
        raise ValueError(
            f"groups has {len(frame)} rows but y_true has {n}; "
            "they must be paired case by case (same cases, same order)."
        )
    return frame


def _gap(values: np.ndarray, kind: str) -> np.ndarray:
    """max - min (or min / max) over groups, axis 0, ignoring NaN groups; NaN when fewer than two are defined."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN, as they should
        hi, lo = np.nanmax(values, axis=0), np.nanmin(values, axis=0)
        gap = hi - lo if kind == "difference" else lo / hi
    # fewer than two groups with a defined value: the gap is undefined, not 0 ("perfectly fair")
    defined = np.isfinite(np.asarray(values, dtype=float)).sum(axis=0)
    return np.where(defined >= 2, gap, np.nan)


def _extremes(values: np.ndarray) -> tuple[int, int]:
    """Indices of the highest and the lowest group value, ignoring NaN groups."""
    return int(np.nanargmax(values)), int(np.nanargmin(values))


@dataclass(frozen=True)
class GroupMetrics:
    """What :func:`group_metrics` returns.

    Attributes
    ----------
    table : DataFrame
        Index ``(group, measure)`` (groups, then ``"overall"``); columns
        ``estimate, low, high, level, method, n`` (``n``: the measure's denominator).
    gaps : DataFrame
        Index: gap names (see :data:`GAPS`); same columns, ``n`` = number of groups.
    features : list of str
        The sensitive feature(s).
    thresholds : dict
        Decision threshold per group (one value repeated for a global threshold).
    """

    table: pd.DataFrame
    gaps: pd.DataFrame
    features: list[str]
    thresholds: dict
    replicates: dict = field(default_factory=dict, repr=False)

    def to_frame(self, column: str = "estimate") -> pd.DataFrame:
        """Groups x measures (point estimates, or ``column="low"``/``"high"``), like fairlearn's ``by_group``."""
        t = self.table[column]
        measures = list(dict.fromkeys(t.index.get_level_values("measure")))
        groups = list(dict.fromkeys(t.index.get_level_values("group")))
        wide = pd.DataFrame({m: [t.loc[(g, m)] for g in groups] for m in measures})
        if len(self.features) > 1:  # fairlearn's shape: one index level per feature, no overall row
            wide = wide.iloc[:-1]
            wide.index = pd.MultiIndex.from_tuples(groups[:-1], names=self.features)
        else:
            wide.index = pd.Index(groups, name=self.features[0])
        wide.columns.name = "measure"
        return wide

    def estimate(self, group: object, measure: str) -> Estimate:
        """One group's measure (``group="overall"`` for all cases) as an :class:`~radkit.stats.Estimate`."""
        if group == "overall" and len(self.features) > 1:
            group = ("overall",) * len(self.features)
        hits = [i for i, key in enumerate(self.table.index) if key == (group, measure)]
        if not hits:
            raise KeyError(
                f"no ({group!r}, {measure!r}); groups: {self.groups}, measures: "
                f"{sorted(set(self.table.index.get_level_values('measure')))}."
            )
        return Estimate(**self.table.iloc[hits[0]].to_dict())

    def gap(self, name: str) -> Estimate:
        """One summary gap (e.g. ``"equal_opportunity_difference"``) as an Estimate."""
        if name not in self.gaps.index:
            raise KeyError(f"no gap {name!r}; available: {', '.join(self.gaps.index)}.")
        return Estimate(**self.gaps.loc[name].to_dict())

    def difference(self, measure: str, group: object, reference: object) -> Estimate:
        """Signed ``measure[group] - measure[reference]`` with a bootstrap interval.

        Unlike the max - min gaps (never below zero, between groups picked by the data),
        a signed difference between two groups named in advance has an interval that can
        contain 0: use it to ask whether one group really differs from another.
        Needs ``n_boot > 0``.
        """
        groups = self.groups
        for g in (group, reference):
            if g not in groups:
                raise KeyError(f"no group {g!r}; groups: {groups}.")
        if measure not in self.replicates:
            raise ValueError(
                f"no replicates for {measure!r}: compute group_metrics with n_boot > 0 "
                f"(measures with replicates: {sorted(self.replicates)})."
            )
        a, b = groups.index(group), groups.index(reference)
        est = self.estimate(group, measure).estimate - self.estimate(reference, measure).estimate
        reps = self.replicates[measure][a] - self.replicates[measure][b]
        level = float(self.table["level"].iloc[0])
        lo, hi = percentile_interval(reps, level=level)
        n = self.estimate(group, measure).n + self.estimate(reference, measure).n
        return Estimate(float(est), lo, hi, level=level, method="bootstrap percentile", n=int(n))

    @property
    def groups(self) -> list:
        return list(dict.fromkeys(self.table.index.get_level_values("group")))[:-1]


@renamed_arguments(sensitive_features="groups")
def group_metrics(
    y_true: ArrayLike,
    y_score: ArrayLike | None = None,
    *,
    groups: ArrayLike | pd.Series | pd.DataFrame | Mapping,
    threshold: float | Mapping | None = None,
    y_pred: ArrayLike | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int,
    n_bins: int = 10,
    auc: bool = True,
    calibration: bool = True,
) -> GroupMetrics:
    """Per-group sensitivity, false-positive rate, PPV, NPV, selection rate, AUC and ECE, with intervals.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        0/1 labels.
    y_score : array-like of shape (n,), optional
        Scores (probabilities for calibration). Needed for AUC and ECE, and to make
        decisions with ``threshold``.
    groups : array-like, Series, DataFrame or dict
        The group of each case: one sensitive feature, or several for intersectional
        groups (sex x age band).
    threshold : float or dict, optional
        Call ``y_score >= threshold`` positive; a dict gives one threshold per group
        (group thresholds, e.g. from :func:`equal_opportunity_thresholds`).
    y_pred : array-like of shape (n,), optional
        0/1 decisions, instead of ``threshold``.
    n_boot : int
        Bootstrap replicates for the table measures, ECE and the gaps; 0 for none.
    level : float
        Interval coverage.
    seed : int
        Seeds the resampling (keyword-only, as everywhere in radkit).
    n_bins : int
        Bins of the ECE.
    auc, calibration : bool
        Compute AUC (DeLong interval) and ECE (bootstrap) per group; need ``y_score``.

    Returns
    -------
    GroupMetrics
        ``.table`` (long, with intervals), ``.gaps``, ``.to_frame()`` (groups x measures).

    Examples
    --------
    >>> y_true = [1, 1, 0, 0, 1, 1, 0, 0]
    >>> y_pred = [1, 0, 0, 0, 1, 1, 1, 0]
    >>> sex = ["F"] * 4 + ["M"] * 4
    >>> gm = group_metrics(y_true, y_pred=y_pred, groups=sex, n_boot=0, seed=0)
    >>> gm.to_frame().loc[["F", "M"], ["sensitivity", "false_positive_rate"]].to_numpy().tolist()
    [[0.5, 0.0], [1.0, 0.5]]
    >>> float(gm.gap("equalized_odds_difference").estimate)
    0.5
    """
    from radkit._validate import check_labels, check_scores
    from radkit.metrics import delong_auc, expected_calibration_error

    y = check_labels(y_true, "y_true")
    n = y.size
    if n == 0:
        raise ValueError("y_true is empty; pass at least one case.")
    feats = sensitive_frame(groups, n=n)
    keys = list(feats.columns)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0, got {n_boot!r}.")
    s = None if y_score is None else check_scores(y_score, "y_score")
    # a threshold on probabilities must lie in [0, 1] (50 meant 0.5); on logits any finite number will do
    unit = s is not None and bool(s.size) and bool(s.min() >= 0 and s.max() <= 1)
    if s is not None and s.size != n:
        raise ValueError(f"y_true has {n} cases but y_score has {s.size}; pair them case by case.")
    codes, index = group_codes(feats, groups=keys if len(keys) > 1 else keys[0])
    names = index.tolist()
    if len(names) < 2:
        raise ValueError(
            f"groups has a single group ({names[0]!r}): there is nothing to "
            "compare. Check you passed the right column (e.g. meta['sex'], not a constant)."
        )

    # -- decisions --
    if (y_pred is None) == (threshold is None):
        raise ValueError("pass exactly one of threshold= (with y_score) or y_pred= (0/1 decisions).")
    if y_pred is not None:
        p = check_labels(y_pred, "y_pred")
        if p.size != n:
            raise ValueError(f"y_true has {n} cases but y_pred has {p.size}; pair them case by case.")
        thresholds: dict = {}
    else:
        if s is None:
            raise ValueError("threshold= needs y_score; pass the scores or pass y_pred= instead.")
        if isinstance(threshold, Mapping):
            unknown = [g for g in names if g not in threshold]
            if unknown:
                raise ValueError(f"threshold has no value for group(s) {unknown}; give one per group ({names}).")
            thresholds = {g: check_threshold(threshold[g], f"threshold[{g!r}]", unit=unit) for g in names}
        else:
            thresholds = dict.fromkeys(names, check_threshold(threshold, unit=unit))
        t = np.array([thresholds[g] for g in names])[codes]
        p = (s >= t).astype(np.int8)

    # -- 2x2-table measures: one pass, multinomial bootstrap --
    counts = confusion_counts(codes, y, p, n_groups=len(names))
    tables = np.vstack([counts, counts.sum(0, keepdims=True)])
    est = _table_measures(tables)
    overall = "overall" if len(keys) == 1 else ("overall",) * len(keys)  # same shape as the group keys
    all_names = [*names, overall]
    warn_undefined(est, all_names)
    reps = None
    if n_boot:
        reps = _table_measures(
            np.concatenate(
                [
                    bootstrap_tables(counts, n_boot=n_boot, seed=seed),
                    bootstrap_tables(tables[-1:], n_boot=n_boot, seed=seed + 1),
                ]
            )
        )
    pos, neg = tables[:, 2] + tables[:, 3], tables[:, 0] + tables[:, 1]
    dens = {
        "sensitivity": pos,
        "false_negative_rate": pos,
        "specificity": neg,
        "false_positive_rate": neg,
        "ppv": tables[:, 1] + tables[:, 3],
        "npv": tables[:, 0] + tables[:, 2],
    }
    rows = []
    for g, name in enumerate(all_names):
        for m in CONFUSION_MEASURES:
            lo, hi = percentile_interval(reps[m][g], level=level) if reps is not None else (np.nan, np.nan)
            rows.append(
                (
                    name,
                    m,
                    float(est[m][g]),
                    lo,
                    hi,
                    level,
                    "bootstrap percentile" if reps is not None else "",
                    int(dens.get(m, tables.sum(1))[g]),
                )
            )
    group_reps = {m: reps[m][:-1] for m in CONFUSION_MEASURES} if reps is not None else {}
    group_est = {m: est[m][:-1] for m in CONFUSION_MEASURES}

    # -- AUC per group (DeLong) and calibration per group (ECE, bootstrap via stats.by_group) --
    if s is not None and auc:
        aucs, ses = np.full(len(all_names), np.nan), np.full(len(all_names), np.nan)
        for g, name in enumerate(all_names):
            sel = codes == g if g < len(names) else slice(None)
            yy, ss = y[sel], s[sel]
            npos = int(yy.sum())
            if npos < 2 or yy.size - npos < 2:
                warnings.warn(
                    f"group {name!r} has {npos} positive and {yy.size - npos} negative cases: "
                    "its AUC with a DeLong interval needs at least 2 of each, so it is NaN; "
                    "pool it with a neighbouring group.",
                    UserWarning,
                    stacklevel=2,
                )
                rows.append((name, "auc", np.nan, np.nan, np.nan, level, "DeLong", int(yy.size)))
                continue
            r = delong_auc(yy, ss, level=level)
            aucs[g], ses[g] = r.auc, r.se
            rows.append((name, "auc", r.auc, r.low, r.high, level, "DeLong", int(yy.size)))
        group_est["auc"] = aucs[:-1]
        if n_boot:  # parametric draws from each group's DeLong normal, for the gap's interval
            from radkit.seeding import rng

            z = rng(seed + 2).standard_normal((len(names), n_boot))
            group_reps["auc"] = aucs[:-1, None] + ses[:-1, None] * z
    if s is not None and calibration:
        if s.min() < 0 or s.max() > 1:
            raise ValueError(
                "calibration needs probabilities in [0, 1]; pass calibration=False for raw "
                "scores, or apply scipy.special.expit to logits."
            )
        frame = pd.DataFrame({"_code": codes, "y_true": y, "y_score": s})
        ece = lambda t_, s_: expected_calibration_error(t_, s_, n_bins=n_bins)
        ece_tab = by_group(frame, ece, groups="_code", n_boot=0, seed=seed)
        ece_est = ece_tab["estimate"].to_numpy()
        ece_lohi = np.full((len(all_names), 2), np.nan)
        if n_boot:
            from radkit.seeding import rng

            gen = rng(seed + 3)
            ece_reps = np.full((len(names), n_boot), np.nan)
            for g in range(len(names)):
                idx_g = np.flatnonzero(codes == g)
                for b in range(n_boot):
                    pick = idx_g[gen.integers(0, idx_g.size, idx_g.size)]
                    ece_reps[g, b] = expected_calibration_error(y[pick], s[pick], n_bins=n_bins)
                ece_lohi[g] = percentile_interval(ece_reps[g], level=level)
            group_reps["ece"] = ece_reps
        for g, name in enumerate(all_names):
            rows.append(
                (
                    name,
                    "ece",
                    float(ece_est[g]),
                    *ece_lohi[g],
                    level,
                    "bootstrap percentile" if n_boot and g < len(names) else "",
                    int((codes == g).sum()) if g < len(names) else n,
                )
            )
        group_est["ece"] = ece_est[:-1]

    table = _rows_frame(rows)
    table = table.set_index(["group", "measure"])

    # -- gaps, with intervals from the same replicates --
    gap_rows = []
    for gname, (measures, kind) in GAPS.items():
        if not all(m in group_est for m in measures):
            continue
        vals = [_gap(group_est[m], kind) for m in measures]
        pick = int(np.nanargmax(vals) if kind == "difference" else np.nanargmin(vals)) if np.isfinite(vals).any() else 0
        value = float(vals[pick])
        lo = hi = np.nan
        if n_boot and np.isfinite(value) and all(m in group_reps for m in measures):
            m = measures[pick]  # the measure that sets the gap, and its extreme groups in the sample
            top, bottom = _extremes(group_est[m])
            reps = group_reps[m]
            with np.errstate(divide="ignore", invalid="ignore"):
                rr = reps[top] - reps[bottom] if kind == "difference" else reps[bottom] / reps[top]
            lo, hi = percentile_interval(rr[np.isfinite(rr)], level=level)
        gap_rows.append((gname, value, lo, hi, level, "bootstrap percentile" if n_boot else "", len(names)))
    gaps = pd.DataFrame(gap_rows, columns=["gap", "estimate", "low", "high", "level", "method", "n"])
    return GroupMetrics(
        table=table, gaps=gaps.set_index("gap"), features=keys, thresholds=thresholds, replicates=group_reps
    )


def _difference(y_true, y_pred, groups, gap: str, *, n_boot: int, level: float, seed: int | None) -> Estimate:
    """One max - min gap as an Estimate: a bootstrap interval when ``n_boot > 0``, else NaN bounds."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0, got {n_boot!r}.")
    if n_boot and seed is None:
        raise ValueError(
            "an interval (n_boot > 0) resamples cases: pass seed= (an int), or n_boot=0 for the point estimate alone."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        gm = group_metrics(
            y_true,
            y_pred=y_pred,
            groups=groups,
            n_boot=n_boot,
            level=level,
            seed=0 if seed is None else seed,
            auc=False,
            calibration=False,
        )
    row = gm.gaps.loc[gap]
    if not n_boot:
        return Estimate(float(row["estimate"]), level=level, method="no interval (n_boot=0)", n=int(row["n"]))
    return Estimate(
        float(row["estimate"]),
        float(row["low"]),
        float(row["high"]),
        level=level,
        method="bootstrap percentile",
        n=int(row["n"]),
    )


@renamed_arguments(sensitive_features="groups")
def demographic_parity_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    groups: ArrayLike | pd.DataFrame,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | None = None,
) -> Estimate:
    """Largest minus smallest selection rate across groups (fairlearn's function of the same name).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        0/1 labels and 0/1 decisions.
    groups : array-like, Series, DataFrame or dict
        The group of each case (one sensitive feature, or several for intersectional groups).
    n_boot : int
        Bootstrap replicates (groups resampled independently) for an interval; 0 (the default) for the
        point estimate alone, whose ``low``/``high`` are then NaN.
    level : float
        Interval coverage.
    seed : int, optional
        Seeds the resampling; required when ``n_boot > 0``.

    Returns
    -------
    Estimate
        ``float(result)`` is fairlearn's number. A max - min gap is never negative; its
        interval is that of the difference between the two groups the sample puts at the
        extremes. To ask whether two groups named in advance differ use
        :meth:`GroupMetrics.difference`.

    Examples
    --------
    >>> float(demographic_parity_difference([1, 0, 1, 0], [1, 1, 0, 0], groups=["a", "a", "b", "b"]))
    1.0
    """
    return _difference(y_true, y_pred, groups, "demographic_parity_difference", n_boot=n_boot, level=level, seed=seed)


@renamed_arguments(sensitive_features="groups")
def equal_opportunity_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    groups: ArrayLike | pd.DataFrame,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | None = None,
) -> Estimate:
    """Largest minus smallest sensitivity (true-positive rate) across groups.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        0/1 labels and 0/1 decisions.
    groups : array-like, Series, DataFrame or dict
        The group of each case (one sensitive feature, or several for intersectional groups).
    n_boot : int
        Bootstrap replicates (groups resampled independently) for an interval; 0 (the default) for the
        point estimate alone, whose ``low``/``high`` are then NaN.
    level : float
        Interval coverage.
    seed : int, optional
        Seeds the resampling; required when ``n_boot > 0``.

    Returns
    -------
    Estimate
        ``float(result)`` is fairlearn's number. A max - min gap is never negative; its
        interval is that of the difference between the two groups the sample puts at the
        extremes. To ask whether two groups named in advance differ use
        :meth:`GroupMetrics.difference`.

    Examples
    --------
    >>> float(equal_opportunity_difference([1, 1, 1, 1], [1, 1, 1, 0], groups=["a", "a", "b", "b"]))
    0.5
    """
    return _difference(y_true, y_pred, groups, "equal_opportunity_difference", n_boot=n_boot, level=level, seed=seed)


@renamed_arguments(sensitive_features="groups")
def equalized_odds_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    groups: ArrayLike | pd.DataFrame,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | None = None,
) -> Estimate:
    """The larger of the sensitivity and false-positive-rate differences across groups.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        0/1 labels and 0/1 decisions.
    groups : array-like, Series, DataFrame or dict
        The group of each case (one sensitive feature, or several for intersectional groups).
    n_boot : int
        Bootstrap replicates (groups resampled independently) for an interval; 0 (the default) for the
        point estimate alone, whose ``low``/``high`` are then NaN.
    level : float
        Interval coverage.
    seed : int, optional
        Seeds the resampling; required when ``n_boot > 0``.

    Returns
    -------
    Estimate
        ``float(result)`` is fairlearn's number. A max - min gap is never negative; its
        interval is that of the difference between the two groups the sample puts at the
        extremes. To ask whether two groups named in advance differ use
        :meth:`GroupMetrics.difference`.

    Examples
    --------
    >>> float(equalized_odds_difference([1, 0, 1, 0], [1, 1, 1, 0], groups=["a", "a", "b", "b"]))
    1.0
    """
    return _difference(y_true, y_pred, groups, "equalized_odds_difference", n_boot=n_boot, level=level, seed=seed)


@renamed_arguments(sensitive_features="groups")
def predictive_parity_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    groups: ArrayLike | pd.DataFrame,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | None = None,
) -> Estimate:
    """Largest minus smallest PPV across groups (groups without positive calls are left out).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        0/1 labels and 0/1 decisions.
    groups : array-like, Series, DataFrame or dict
        The group of each case (one sensitive feature, or several for intersectional groups).
    n_boot : int
        Bootstrap replicates (groups resampled independently) for an interval; 0 (the default) for the
        point estimate alone, whose ``low``/``high`` are then NaN.
    level : float
        Interval coverage.
    seed : int, optional
        Seeds the resampling; required when ``n_boot > 0``.

    Returns
    -------
    Estimate
        ``float(result)`` is fairlearn's number. A max - min gap is never negative; its
        interval is that of the difference between the two groups the sample puts at the
        extremes. To ask whether two groups named in advance differ use
        :meth:`GroupMetrics.difference`.

    Examples
    --------
    >>> float(predictive_parity_difference([1, 0, 1, 1], [1, 1, 1, 1], groups=["a", "a", "b", "b"]))
    0.5
    """
    return _difference(y_true, y_pred, groups, "predictive_parity_difference", n_boot=n_boot, level=level, seed=seed)
