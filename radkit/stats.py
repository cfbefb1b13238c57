"""One type for an estimate with an interval, and metrics by group with intervals.

Every function in the kit that reports a number with a confidence interval
returns an :class:`Estimate` (fields ``estimate, low, high, level, method, n``);
results that hold several turn into a table with ``to_frame()``.
:func:`by_group` computes any metric per group (site, period, sex, age band,
finding) with a bootstrap interval, as fairlearn's ``MetricFrame`` does.
Its vectorised twin for the measures of a 2x2 table,
:func:`radkit.metrics.groups.by_group_confusion`, lives with the measures in
:mod:`radkit.metrics` (this module sits below it and imports none of it); the
old names ``radkit.stats.by_group_confusion``, ``confusion_counts``,
``bootstrap_tables`` and ``CONFUSION_MEASURES`` still work for one release,
with a FutureWarning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit._validate import check_level

__all__ = [
    "Estimate",
    "proportion",
    "wilson_ci",
    "t_interval",
    "percentile_interval",
    "by_group",
    "format_p",
    "group_codes",
]


@dataclass(frozen=True)
class Estimate:
    """A statistic with its confidence interval.

    Attributes
    ----------
    estimate : float
        The point estimate.
    low, high : float
        Interval bounds (NaN when no interval was computed).
    level : float
        Coverage of the interval, e.g. 0.95.
    method : str
        How the interval was made: ``"bootstrap percentile"``, ``"Wilson"``, ``"DeLong"``...
    n : int
        Number of items (cases, images, pairs) the estimate rests on.

    Examples
    --------
    >>> e = Estimate(0.8, 0.7, 0.9, level=0.95, method="Wilson", n=100)
    >>> print(e)
    0.800 (95% CI 0.700 to 0.900, Wilson, n = 100)
    >>> e.excludes(0.5), e.width
    (True, 0.2)
    """

    estimate: float
    low: float = float("nan")
    high: float = float("nan")
    level: float = 0.95
    method: str = ""
    n: int = 0

    def __float__(self) -> float:
        return float(self.estimate)

    @property
    def ci(self) -> tuple[float, float]:
        """``(low, high)``."""
        return self.low, self.high

    @property
    def width(self) -> float:
        return round(float(self.high - self.low), 12)

    def excludes(self, value: float) -> bool:
        """True when ``value`` lies outside the interval."""
        return bool(value < self.low or value > self.high)

    def as_dict(self) -> dict[str, float | str | int]:
        return asdict(self)

    def to_frame(self, name: str = "estimate") -> pd.DataFrame:
        """A one-row table with columns ``estimate, low, high, level, method, n``."""
        return pd.DataFrame([self.as_dict()], index=[name])

    def __str__(self) -> str:
        text = f"{self.estimate:.3f}"
        if np.isfinite(self.low) and np.isfinite(self.high):
            extra = f", {self.method}" if self.method else ""
            text += f" ({self.level:.0%} CI {self.low:.3f} to {self.high:.3f}{extra}, n = {self.n})"
        return text


def wilson_ci(k: ArrayLike, n: ArrayLike, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``k / n``, as arrays (broadcasts).

    The array form behind :func:`proportion`; use it for tables of many
    proportions at once. Where ``n`` is 0 the bounds are NaN.

    Examples
    --------
    >>> lo, hi = wilson_ci(8, 10)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.49, 0.943)
    >>> [round(float(v), 3) for v in wilson_ci([0, 5], [10, 10])[1]]
    [0.278, 0.763]
    """
    from scipy.stats import norm

    level = check_level(level)
    for name, v in (("k", k), ("n", n)):
        arr = np.asarray(v)
        if arr.dtype.kind not in "biuf" or arr.dtype.kind == "b":
            raise ValueError(f"wilson_ci: {name} must be counts (numbers), got {v!r}.")
    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(n))):
        raise ValueError(f"wilson_ci: k and n must be finite counts, got k={k.tolist()!r}, n={n.tolist()!r}.")
    if np.any(k < 0) or np.any(k > n):
        raise ValueError(f"wilson_ci: need 0 <= k <= n, got k={k.tolist()!r}, n={n.tolist()!r}.")
    z = norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # at k = 0 or k = n rounding can put a bound a hair on the wrong side of k / n (lo = 2e-18 at 0/200),
    # which makes error bars (p - lo, hi - p) negative: the interval always contains the estimate
    return np.fmin(centre - half, p), np.fmax(centre + half, p)


def proportion(k: float, n: float, *, level: float = 0.95) -> Estimate:
    """``k`` of ``n`` as an :class:`Estimate` with its Wilson score interval.

    The one place the kit turns a count into a proportion with an interval
    (sensitivity, accuracy, a pointing-game hit rate, the coverage of a
    simulated study...). Wilson's interval stays inside [0, 1] and covers close
    to its level even near 0 or 1, where the Wald interval does not. With
    ``n = 0`` the estimate and bounds are NaN. The bounds are widened by at most
    float rounding so that they always contain ``k / n`` (the closed form can
    give ``5e-17`` for ``k = 0``).

    Parameters
    ----------
    k, n : float
        Successes and trials, ``0 <= k <= n``.
    level : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    Estimate
        ``method="Wilson"``, ``n`` the number of trials.

    Examples
    --------
    >>> print(proportion(8, 10))
    0.800 (95% CI 0.490 to 0.943, Wilson, n = 10)
    >>> proportion(0, 25).low
    0.0
    """
    for name, v in (("k", k), ("n", n)):
        if isinstance(v, (bool, np.bool_, str)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ValueError(f"proportion: {name} must be a count (a number), got {v!r}.")
        if not np.isfinite(v):
            raise ValueError(f"proportion: {name} must be a finite count, got {v!r}.")
    if n == 0:
        if k != 0:
            raise ValueError(f"proportion: need 0 <= k <= n, got k={k!r}, n={n!r}.")
        level = check_level(level)
        return Estimate(float("nan"), float("nan"), float("nan"), level=level, method="Wilson", n=0)
    lo, hi = wilson_ci(k, n, level=level)
    p = float(k) / float(n)
    return Estimate(p, min(float(lo), p), max(float(hi), p), level=level, method="Wilson", n=int(n))


def t_interval(
    values: Sequence[float] | np.ndarray, *, level: float = 0.95, method: str = "t over replicates"
) -> Estimate:
    """Mean of replicate values (training seeds, simulated panels ...) with a Student-t interval.

    The one place the kit computes ``mean +/- t * sd / sqrt(n)``. With fewer than
    two values there is no interval (``low``/``high`` NaN). Values are used as given:
    drop NaNs first if a replicate may have none.

    Examples
    --------
    >>> e = t_interval([0.80, 0.82, 0.84])
    >>> round(e.estimate, 3), round(e.low, 3), round(e.high, 3)
    (0.82, 0.77, 0.87)
    """
    from scipy.stats import t as student

    level = check_level(level)
    v = np.asarray(values, dtype=float).ravel()
    if v.size and not np.isfinite(v).all():
        import warnings

        warnings.warn(
            f"t_interval: {int((~np.isfinite(v)).sum())} of {v.size} values are NaN or infinite, so the mean and "
            "its interval are NaN; drop those replicates first (values[np.isfinite(values)]) and say how many.",
            UserWarning,
            stacklevel=2,
        )
    if v.size == 0:
        return Estimate(float("nan"), level=level, method=method, n=0)
    m = float(v.mean())
    if v.size == 1:
        return Estimate(m, level=level, method=method, n=1)
    half = float(student.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return Estimate(m, m - half, m + half, level=level, method=method, n=int(v.size))


def percentile_interval(replicates: np.ndarray, *, level: float = 0.95) -> tuple[float, float]:
    """``(low, high)`` percentiles of bootstrap replicates (NaNs ignored).

    Examples
    --------
    >>> [round(v, 6) for v in percentile_interval(np.arange(101.0), level=0.9)]
    [5.0, 95.0]
    """
    level = check_level(level)
    rep = np.asarray(replicates, dtype=float)
    rep = rep[np.isfinite(rep)]
    if rep.size == 0:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    lo, hi = np.quantile(rep, [alpha, 1 - alpha])
    return float(lo), float(hi)


@renamed_arguments(by="groups")
def by_group(
    data: pd.DataFrame,
    metric: Callable[..., float],
    *,
    groups: str | Sequence[str],
    columns: Sequence[str] = ("y_true", "y_score"),
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int,
    min_size: int = 1,
) -> pd.DataFrame:
    """``metric`` per group of ``data`` with a bootstrap percentile interval, plus the overall value.

    Parameters
    ----------
    data : DataFrame
        One row per case.
    metric : callable
        Called as ``metric(*[group[c].to_numpy() for c in columns])``; returns a float.
    groups : str or list of str
        Grouping column(s); several give intersectional groups.
    columns : sequence of str
        The columns handed to ``metric``, in order.
    n_boot : int
        Bootstrap replicates per group (cases resampled within the group); 0 for no interval.
    seed : int
        Seeds the resampling (keyword-only, as everywhere in radkit).
    min_size : int
        Groups with fewer rows are reported with NaN and a note instead of a number.

    Returns
    -------
    DataFrame
        Index: the groups then ``"overall"``; columns ``estimate, low, high, level, method, n``.
        A group where the metric is undefined (e.g. AUC without positives) gets NaN.

    Examples
    --------
    >>> df = pd.DataFrame({"site": ["A"] * 4 + ["B"] * 4, "y_true": [1, 0, 1, 0] * 2,
    ...                    "y_pred": [1, 0, 0, 0, 1, 0, 1, 0]})
    >>> acc = lambda t, p: float(np.mean(t == p))
    >>> by_group(df, acc, groups="site", columns=["y_true", "y_pred"], n_boot=0, seed=0)["estimate"].tolist()
    [0.75, 1.0, 0.875]
    """
    from radkit.seeding import rng

    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"by_group: data must be a pandas DataFrame with the columns {list(columns)} and "
            f"the group column(s), got {type(data).__name__}."
        )
    if not callable(metric):
        raise TypeError(
            f"by_group: metric must be a function metric({', '.join(columns)}) -> float, got {type(metric).__name__}."
        )
    keys = [groups] if isinstance(groups, str) else list(groups)
    missing = [c for c in [*keys, *columns] if c not in data.columns]
    if missing:
        raise KeyError(f"by_group: no column(s) {missing} in the data; it has {list(data.columns)}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0, got {n_boot!r}.")
    gen = rng(seed)

    def one(frame: pd.DataFrame) -> Estimate:
        arrays = [frame[c].to_numpy() for c in columns]
        n = len(frame)
        if n < max(min_size, 1):
            return Estimate(float("nan"), level=level, method="too few cases", n=n)
        est = _safe(metric, arrays)
        if n_boot == 0:
            return Estimate(est, level=level, method="", n=n)
        reps = np.empty(n_boot)
        for b in range(n_boot):
            idx = gen.integers(0, n, n)
            reps[b] = _safe(metric, [a[idx] for a in arrays])
        lo, hi = percentile_interval(reps, level=level)
        return Estimate(est, lo, hi, level=level, method="bootstrap percentile", n=n)

    rows: dict[object, dict] = {}
    for key, frame in data.groupby(keys if len(keys) > 1 else keys[0], observed=True, sort=True):
        rows[key] = one(frame).as_dict()
    rows["overall"] = one(data).as_dict()
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "group" if len(keys) == 1 else " x ".join(keys)
    return out


def _safe(metric: Callable[..., float], arrays: list[np.ndarray]) -> float:
    """The metric, or NaN where it is undefined (a resample with one class)."""
    try:
        value = float(metric(*arrays))
    except ValueError:
        return float("nan")
    return value


@renamed_arguments(by="groups")
def group_codes(data: pd.DataFrame, *, groups: str | Sequence[str]) -> tuple[np.ndarray, pd.Index]:
    """Integer group code per row and the sorted group keys (a MultiIndex for several columns).

    Rows whose key is missing (NaN) raise: a missing group is not a group unless you name it.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["M", "F", "M"], "band": ["old", "old", "young"]})
    >>> codes, keys = group_codes(df, groups=["sex", "band"])
    >>> codes.tolist(), keys.tolist()
    ([1, 0, 2], [('F', 'old'), ('M', 'old'), ('M', 'young')])
    """
    keys = [groups] if isinstance(groups, str) else list(groups)
    missing = [c for c in keys if c not in data.columns]
    if missing:
        raise KeyError(f"no column(s) {missing} in the data; it has {list(data.columns)}.")
    for k in keys:
        bad = data[k].isna()
        if bad.any():
            raise ValueError(
                f"group column {k!r} has {int(bad.sum())} missing values (rows "
                f"{np.flatnonzero(bad.to_numpy())[:5].tolist()}...); a missing attribute is not a group. "
                f"Drop those rows, or name them (e.g. data[{k!r}].fillna('unknown')) to audit them as one."
            )
    grouped = data.groupby(keys if len(keys) > 1 else keys[0], observed=True, sort=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    index = (
        pd.Index(list(grouped.groups.keys()))
        if len(keys) == 1
        else pd.MultiIndex.from_tuples(list(grouped.groups.keys()), names=keys)
    )
    if len(keys) == 1:
        index.name = keys[0]
    return codes, index


def format_p(p: float, *, floor: float = 1e-4) -> str:
    """A p-value as text: three significant digits, or ``"< 1e-4"`` below ``floor``.

    A p-value of 0.0 is never exact (it is below the float resolution of the
    normal tail); printing it as ``< floor`` says so.

    Examples
    --------
    >>> format_p(0.04321), format_p(3e-7), format_p(1.0)
    ('0.0432', '< 1e-4', '1')
    """
    p = float(p)
    if not 0 <= p <= 1 or np.isnan(p):
        raise ValueError(f"a p-value lies in [0, 1], got {p!r}; pass the test's p, not its statistic.")
    if not 0 < floor < 1:
        raise ValueError(f"floor must lie in (0, 1), e.g. 1e-4; got {floor!r}.")
    if p < floor:
        return f"< {floor:.0e}".replace("e-0", "e-")
    return f"{p:.3g}"


# Names that moved to radkit.metrics.groups (they compute confusion measures, which are metrics' business).
# They resolve there for one release, with a FutureWarning. The import is dynamic and runs only when an old
# name is used, so this ground-floor module never loads radkit.metrics (tests/test_layers.py allows
# importlib.import_module only in a module __getattr__ like this one).
_MOVED_TO_METRICS = (
    "CONFUSION_MEASURES",
    "confusion_counts",
    "bootstrap_tables",
    "by_group_confusion",
    "warn_undefined",
)


def __getattr__(name: str):
    if name in _MOVED_TO_METRICS:
        import importlib
        import warnings

        warnings.warn(
            f"radkit.stats.{name} has moved to radkit.metrics.groups.{name}; import it from there. "
            "The old name goes away in the next release.",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module("radkit.metrics.groups"), name)
    raise AttributeError(f"module 'radkit.stats' has no attribute {name!r}")
