"""Confusion-table measures per group (finding, site, reader, sex), each with a bootstrap interval.

:func:`measures_by_group` is a thin layer over :func:`radkit.stats.by_group`: one
call gives the wide table a lesson shows (``sensitivity, sensitivity low,
sensitivity high, ...`` per group), every measure resampled with the same
bootstrap draws. :func:`by_group_confusion` is the vectorised twin for every
measure of a 2x2 table (sensitivity, false-positive rate, PPV, selection
rate...): resampling the cases of a group is the same as drawing its table from
a multinomial (:func:`bootstrap_tables`), so every measure of every group gets
its interval in one pass, whatever the n.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments
from radkit.metrics.confusion import Measures, confusion, from_confusion
from radkit.stats import by_group, group_codes, percentile_interval

__all__ = ["measures_by_group", "by_group_confusion", "confusion_counts", "bootstrap_tables", "CONFUSION_MEASURES"]

_MEASURES = tuple(Measures.__dataclass_fields__)


def _measure(name: str):
    def metric(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(getattr(confusion(y_true, y_pred).measures(), name))

    metric.__name__ = name
    return metric


@renamed_arguments(by="groups")
def measures_by_group(
    data: pd.DataFrame,
    *,
    groups: str | Sequence[str],
    columns: Sequence[str] = ("y_true", "y_pred"),
    measures: Sequence[str] = ("sensitivity", "specificity", "ppv", "npv"),
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int,
) -> pd.DataFrame:
    """Confusion measures of 0/1 calls against a reference, per group, with percentile intervals.

    Parameters
    ----------
    data : DataFrame
        One row per case.
    groups : str or list of str, keyword-only
        Grouping column(s), e.g. ``"category"`` or ``"site"``.
    columns : (str, str), keyword-only
        The reference labels and the calls being scored, in that order.
    measures : sequence of str, keyword-only
        Fields of :class:`radkit.metrics.Measures` (``sensitivity``, ``ppv``, ``f1``...).
    n_boot : int, keyword-only
        Bootstrap replicates per group (cases resampled within the group).
    level : float, keyword-only
        Interval coverage.
    seed : int, keyword-only
        Seeds the resampling; every measure sees the same replicates.

    Returns
    -------
    DataFrame
        One row per group plus ``"overall"``; columns ``n``, ``prevalence``
        and, per measure, ``<measure>``, ``<measure> low``, ``<measure> high``.

    Examples
    --------
    >>> df = pd.DataFrame({"finding": ["a"] * 4 + ["b"] * 4,
    ...                    "y_true": [1, 1, 0, 0, 1, 1, 0, 0], "y_pred": [1, 0, 0, 0, 1, 1, 1, 0]})
    >>> t = measures_by_group(df, groups="finding", measures=["sensitivity", "ppv"], n_boot=0, seed=0)
    >>> t[["sensitivity", "ppv"]].round(3).values.tolist()
    [[0.5, 1.0], [1.0, 0.667], [0.75, 0.75]]
    """
    unknown = [m for m in measures if m not in _MEASURES]
    if unknown:
        raise ValueError(f"unknown measure(s) {unknown}; choose from {', '.join(_MEASURES)}.")
    if len(columns) != 2:
        raise ValueError(f"columns must name two columns (reference, calls), got {list(columns)!r}.")
    out: pd.DataFrame | None = None
    for name in ("prevalence", *measures):
        table = by_group(
            data,
            _measure(name),
            groups=groups,
            columns=columns,
            n_boot=0 if name == "prevalence" else n_boot,
            level=level,
            seed=seed,
        )
        if out is None:
            out = table[["n"]].copy()
        out[name] = table["estimate"]
        if name != "prevalence":
            out[f"{name} low"], out[f"{name} high"] = table["low"], table["high"]
    return out


#: Measures :func:`by_group_confusion` reports, in this order.
CONFUSION_MEASURES: tuple[str, ...] = (
    "prevalence",
    "selection_rate",
    "sensitivity",
    "specificity",
    "false_positive_rate",
    "false_negative_rate",
    "ppv",
    "npv",
    "accuracy",
)

# a measure's denominator, as cells of the table (tn, fp, fn, tp): for the "undefined" warning
_DENOMINATOR = {
    "sensitivity": "positive cases",
    "false_negative_rate": "positive cases",
    "specificity": "negative cases",
    "false_positive_rate": "negative cases",
    "ppv": "positive calls",
    "npv": "negative calls",
}


def confusion_counts(codes: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, *, n_groups: int) -> np.ndarray:
    """Confusion tables per group, shape ``(n_groups, 4)``, columns ``tn, fp, fn, tp``.

    One ``bincount`` over all rows: linear time, no Python loop over groups.

    Examples
    --------
    >>> confusion_counts(np.array([0, 0, 1, 1]), np.array([1, 0, 1, 1]), np.array([1, 1, 0, 1]),
    ...                  n_groups=2).tolist()
    [[0, 1, 0, 1], [0, 0, 1, 1]]
    """
    cell = 2 * np.asarray(y_true, dtype=np.int64) + np.asarray(y_pred, dtype=np.int64)
    flat = np.bincount(np.asarray(codes, dtype=np.int64) * 4 + cell, minlength=4 * n_groups)
    return flat.reshape(n_groups, 4)


def bootstrap_tables(counts: np.ndarray, *, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap replicates of confusion tables, shape ``(n_groups, n_boot, 4)``.

    Resampling a group's ``n`` cases with replacement and counting the table is the
    same, in distribution, as one multinomial draw of ``n`` over the table's cell
    shares, so the cost does not grow with ``n``. Groups are resampled
    independently (a stratified bootstrap, as :func:`radkit.stats.by_group` does).

    Examples
    --------
    >>> reps = bootstrap_tables(np.array([[5, 1, 2, 2]]), n_boot=3, seed=0)
    >>> reps.shape, reps.sum(axis=2).tolist()
    ((1, 3, 4), [[10, 10, 10]])
    """
    from radkit.seeding import rng

    counts = np.asarray(counts, dtype=np.int64)
    gen = rng(seed)
    out = np.zeros((counts.shape[0], n_boot, 4), dtype=np.int64)
    for g, row in enumerate(counts):
        n = int(row.sum())
        if n > 0:
            out[g] = gen.multinomial(n, row / n, size=n_boot)
    return out


def _table_measures(t: np.ndarray) -> dict[str, np.ndarray]:
    """Every measure of CONFUSION_MEASURES for tables ``t[..., 4]`` (NaN where undefined)."""
    tn, fp, fn, tp = (t[..., i] for i in range(4))
    m = from_confusion(tn=tn, fp=fp, fn=fn, tp=tp)
    n = np.asarray(tn + fp + fn + tp, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        sel = (tp + fp) / n
    sens, spec = np.asarray(m.sensitivity, dtype=float), np.asarray(m.specificity, dtype=float)
    return {
        "prevalence": np.asarray(m.prevalence, dtype=float),
        "selection_rate": sel,
        "sensitivity": sens,
        "specificity": spec,
        "false_positive_rate": 1 - spec,
        "false_negative_rate": 1 - sens,
        "ppv": np.asarray(m.ppv, dtype=float),
        "npv": np.asarray(m.npv, dtype=float),
        "accuracy": np.asarray(m.accuracy, dtype=float),
    }


@renamed_arguments(by="groups")
def by_group_confusion(
    data: pd.DataFrame,
    *,
    groups: str | Sequence[str],
    columns: Sequence[str] = ("y_true", "y_pred"),
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int,
    warn: bool = True,
) -> pd.DataFrame:
    """Every 2x2-table measure per group with bootstrap intervals, in one vectorised pass.

    The same answer as calling :func:`radkit.stats.by_group` once per measure of
    :data:`CONFUSION_MEASURES` (cases resampled within each group; the overall row
    resamples all cases), but the replicates are multinomial draws of each group's
    table (:func:`bootstrap_tables`), so 1,000,000 rows cost what 1,000 do.

    Parameters
    ----------
    data : DataFrame
        One row per case.
    groups : str or list of str
        Grouping column(s); several give intersectional groups. Missing values raise.
    columns : (str, str)
        The 0/1 label and 0/1 decision columns.
    n_boot : int
        Replicates; 0 for point estimates only.
    level : float
        Interval coverage.
    seed : int
        Seeds the resampling.
    warn : bool
        Warn, naming the group, when a measure is undefined there (e.g. sensitivity in a
        group without positive cases); its value is NaN, never 0.

    Returns
    -------
    DataFrame
        Index ``(group, measure)``: the groups (sorted) then ``"overall"`` (``("overall", "overall")``
        for two grouping columns, so all keys have one shape); columns
        ``estimate, low, high, level, method, n`` as in :func:`radkit.stats.by_group`, where ``n``
        is the measure's denominator (e.g. positive cases for sensitivity).

    Examples
    --------
    >>> df = pd.DataFrame({"sex": list("FFFFMMMM"), "y_true": [1, 1, 0, 0] * 2,
    ...                    "y_pred": [1, 0, 0, 0, 1, 1, 1, 0]})
    >>> t = by_group_confusion(df, groups="sex", n_boot=0, seed=0)
    >>> float(t.loc[("F", "sensitivity"), "estimate"]), float(t.loc[("M", "false_positive_rate"), "estimate"])
    (0.5, 0.5)
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0, got {n_boot!r}.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}.")
    yt, yp = (data[c].to_numpy() for c in columns)
    codes, keys = group_codes(data, groups=groups)
    counts = confusion_counts(codes, yt, yp, n_groups=len(keys))
    tables = np.vstack([counts, counts.sum(0, keepdims=True)])
    overall = "overall" if isinstance(groups, str) or len(groups) == 1 else ("overall",) * len(groups)
    names = [*keys.tolist(), overall]
    est = _table_measures(tables)
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
    if warn:
        warn_undefined(est, names)
    dens = {
        "sensitivity": tables[:, 2] + tables[:, 3],
        "false_negative_rate": tables[:, 2] + tables[:, 3],
        "specificity": tables[:, 0] + tables[:, 1],
        "false_positive_rate": tables[:, 0] + tables[:, 1],
        "ppv": tables[:, 1] + tables[:, 3],
        "npv": tables[:, 0] + tables[:, 2],
    }
    total = tables.sum(1)
    rows = []
    for g, name in enumerate(names):
        for m in CONFUSION_MEASURES:
            lo = hi = float("nan")
            if reps is not None:
                lo, hi = percentile_interval(reps[m][g], level=level)
            rows.append(
                (
                    name,
                    m,
                    float(est[m][g]),
                    lo,
                    hi,
                    level,
                    "bootstrap percentile" if reps is not None else "",
                    int(dens.get(m, total)[g]),
                )
            )
    out = _rows_frame(rows)
    return out.set_index(["group", "measure"])


def warn_undefined(measures: dict[str, np.ndarray], names: Sequence[object]) -> None:
    """Warn once per group about the measures that are NaN there, naming group and cause."""
    import warnings

    for g, name in enumerate(names):
        bad = [m for m in _DENOMINATOR if m in measures and np.isnan(measures[m][g])]
        if bad:
            why = sorted({_DENOMINATOR[m] for m in bad})
            warnings.warn(
                f"group {name!r} has no {' and no '.join(why)}: {', '.join(bad)} "
                "undefined there (NaN). Pool it with a neighbouring group or collect more "
                "cases before comparing it.",
                UserWarning,
                stacklevel=3,
            )


def _rows_frame(rows: list[tuple]) -> pd.DataFrame:
    """``(group, measure, estimate, low, high, level, method, n)`` rows as a frame (tuple groups kept whole)."""
    cols = ["group", "measure", "estimate", "low", "high", "level", "method", "n"]
    groups = np.empty(len(rows), dtype=object)
    groups[:] = [r[0] for r in rows]
    data = {"group": groups, **{c: [r[i] for r in rows] for i, c in enumerate(cols) if i > 0}}
    return pd.DataFrame(data, columns=cols)
