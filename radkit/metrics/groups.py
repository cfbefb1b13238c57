"""Confusion-table measures per group (finding, site, reader), each with a bootstrap interval.

A thin layer over :func:`radkit.stats.by_group`: one call gives the wide table a
lesson shows (``sensitivity, sensitivity low, sensitivity high, ...`` per group),
every measure resampled with the same bootstrap draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from radkit.metrics.confusion import Measures, confusion

__all__ = ["measures_by_group"]

_MEASURES = tuple(Measures.__dataclass_fields__)


def _measure(name: str):
    def metric(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(getattr(confusion(y_true, y_pred).measures(), name))

    metric.__name__ = name
    return metric


def measures_by_group(data: pd.DataFrame, *, by: str | Sequence[str],
                      columns: Sequence[str] = ("y_true", "y_pred"),
                      measures: Sequence[str] = ("sensitivity", "specificity", "ppv", "npv"),
                      n_boot: int = 1000, level: float = 0.95, seed: int) -> pd.DataFrame:
    """Confusion measures of 0/1 calls against a reference, per group, with percentile intervals.

    Parameters
    ----------
    data : DataFrame
        One row per case.
    by : str or list of str
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
    >>> t = measures_by_group(df, by="finding", measures=["sensitivity", "ppv"], n_boot=0, seed=0)
    >>> t[["sensitivity", "ppv"]].round(3).values.tolist()
    [[0.5, 1.0], [1.0, 0.667], [0.75, 0.75]]
    """
    from radkit.stats import by_group

    unknown = [m for m in measures if m not in _MEASURES]
    if unknown:
        raise ValueError(f"unknown measure(s) {unknown}; choose from {', '.join(_MEASURES)}.")
    if len(columns) != 2:
        raise ValueError(f"columns must name two columns (reference, calls), got {list(columns)!r}.")
    out: pd.DataFrame | None = None
    for name in ("prevalence", *measures):
        table = by_group(data, _measure(name), by=by, columns=columns,
                         n_boot=0 if name == "prevalence" else n_boot, level=level, seed=seed)
        if out is None:
            out = table[["n"]].copy()
        out[name] = table["estimate"]
        if name != "prevalence":
            out[f"{name} low"], out[f"{name} high"] = table["low"], table["high"]
    return out
