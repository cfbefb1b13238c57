"""Performance monitoring against a labelled subsample, and alarm rules.

Only labels see a concept drift: each week a radiologist labels ``k`` of the
week's images, the weekly metric is computed with its interval, and an alarm
rule decides when the drop is real. Rules: a threshold on the interval, CUSUM
(Page 1954) and Page-Hinkley. A rule is judged by its detection delay after a
real change and by how often it fires when nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm

from radkit._compat import renamed_arguments
from radkit._validate import _number, check_level, check_scores, check_threshold
from radkit.stats import Estimate

__all__ = [
    "METRICS",
    "weekly_metric",
    "Alarm",
    "threshold_alarm",
    "cusum",
    "page_hinkley",
    "detection_delay",
    "labels_needed",
]

#: Metrics :func:`weekly_metric` computes, with how their interval is made.
METRICS = {
    "auc": "DeLong",
    "oe": "normal (observed minus expected positives)",
    "brier": "normal",
}


def _one(metric: str, y: np.ndarray, p: np.ndarray, level: float) -> Estimate:
    n = int(y.size)
    z = float(norm.ppf(0.5 + level / 2))
    if metric == "auc":
        from radkit.metrics import delong_auc

        r = delong_auc(y, p, level=level, too_few="nan")  # a week with < 2 of a class gets NaN
        return Estimate(r.auc, r.low, r.high, level=level, method="DeLong", n=n)
    v = (y - p) if metric == "oe" else (p - y) ** 2
    mean = float(v.mean())
    half = z * float(v.std(ddof=1)) / np.sqrt(n) if n > 1 else float("nan")
    return Estimate(mean, mean - half, mean + half, level=level, method=METRICS[metric], n=n)


@renamed_arguments(y_prob="y_score")
def weekly_metric(
    y_true: ArrayLike,
    y_score: ArrayLike,
    week: ArrayLike,
    *,
    k: int,
    metric: str = "auc",
    level: float = 0.95,
    seed: int,
) -> pd.DataFrame:
    """The monitored metric each week on ``k`` randomly chosen, labelled images.

    Parameters
    ----------
    y_true, y_score : array-like
        Labels (what the radiologist would say) and model probabilities of every image.
    week : array-like of int
        Week of each image (0, 1, ...).
    k : int
        Images labelled per week (all of a week's images if it has fewer).
    metric : {"auc", "oe", "brier"}
        AUC (DeLong interval; NaN when the subsample lacks 2 cases of a class),
        observed minus expected positive rate (mean of ``y - p``; it is 0 while
        the model is calibrated), or the Brier score.
    level : float
        Interval coverage.
    seed : int
        Seed of the weekly draws.

    Returns
    -------
    DataFrame
        One row per week (index ``week``): ``estimate, low, high, level, method, n``.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> p = g.random(400); y = (g.random(400) < p).astype(int); week = np.repeat([0, 1], 200)
    >>> f = weekly_metric(y, p, week, k=100, metric="oe", seed=0)
    >>> f.shape, bool((f["low"] < 0).all() and (f["high"] > 0).all())
    ((2, 6), True)
    """
    from radkit.seeding import check_seed, rng

    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(
            f"k={k!r}: the monitor needs a whole number of at least 2 labelled images per week "
            "(an interval needs 2 cases; k = 0 means no monitoring at all)."
        )
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r} is unknown; use one of {sorted(METRICS)}.")
    p = check_scores(y_score, "y_score", probability=True)
    y = np.asarray(y_true)
    w = np.asarray(week)
    if y.shape != p.shape or w.shape != p.shape:
        raise ValueError(f"y_true {y.shape}, y_score {p.shape} and week {w.shape} must have one entry per image.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must contain only 0 and 1.")
    lev = check_level(level)
    g = rng(check_seed(seed))
    rows = {}
    for wk in np.unique(w):
        idx = np.flatnonzero(w == wk)
        pick = g.choice(idx, size=min(k, idx.size), replace=False)
        rows[int(wk)] = _one(metric, y[pick].astype(float), p[pick], lev).as_dict()
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "week"
    return out


@dataclass(frozen=True)
class Alarm:
    """When a rule fired on a weekly series.

    Attributes
    ----------
    rule : str
        Rule and settings.
    first : int or None
        Position (week) of the first alarm; None if it never fired.
    statistic : ndarray
        The rule's statistic each week (what is compared with its limit).
    flags : ndarray of bool
        Weeks on which the rule is in alarm.
    """

    rule: str
    first: int | None
    statistic: np.ndarray
    flags: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per week: ``statistic``, ``alarm``."""
        f = pd.DataFrame({"statistic": self.statistic, "alarm": self.flags})
        f.index.name = "week"
        return f


def _series(x: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D weekly series, got shape {arr.shape}.")
    return arr


def _alarm(rule: str, stat: np.ndarray, flags: np.ndarray) -> Alarm:
    hits = np.flatnonzero(flags)
    return Alarm(rule, int(hits[0]) if hits.size else None, stat, flags)


def _direction(direction: str) -> float:
    if direction not in ("below", "above"):
        raise ValueError(f"direction={direction!r}: use 'below' (alarm on a drop) or 'above' (on a rise).")
    return -1.0 if direction == "below" else 1.0


def _real(value: object, name: str) -> float:
    """``value`` as a float, or an error naming ``name`` (a word or a list would fail later, cryptically)."""
    return _number(value, name, "a number")


def threshold_alarm(low: ArrayLike, high: ArrayLike, *, threshold: float, direction: str = "below") -> Alarm:
    """Alarm in the weeks whose whole interval lies beyond ``threshold``.

    ``direction="below"``: the upper bound is below the threshold (the metric
    surely fell under it); ``"above"``: the lower bound is above it. Weeks
    with a NaN interval never alarm.

    Examples
    --------
    >>> threshold_alarm([0.8, 0.6, 0.5], [0.9, 0.8, 0.65], threshold=0.7).first
    2
    """
    threshold = check_threshold(threshold)
    lo, hi = _series(low, "low"), _series(high, "high")
    if lo.shape != hi.shape:
        raise ValueError("low and high must have one entry per week.")
    sign = _direction(direction)
    with np.errstate(invalid="ignore"):
        flags = (hi < threshold) if sign < 0 else (lo > threshold)
    stat = hi if sign < 0 else lo
    return _alarm(f"interval {'below' if sign < 0 else 'above'} {threshold:g}", stat, np.asarray(flags, bool))


def cusum(
    x: ArrayLike,
    *,
    target: float,
    sigma: ArrayLike | float,
    slack: float = 0.5,
    h: float = 4.0,
    direction: str = "below",
) -> Alarm:
    """One-sided CUSUM on standardised weekly values.

    ``z_t = (x_t - target) / sigma_t``; for a drop, ``S_t = max(0, S_{t-1} - z_t - slack)``
    and the alarm sounds when ``S_t > h`` (Page 1954). ``slack`` (in standard
    errors) is half the shift one wants to detect fast; ``h`` sets the
    false-alarm rate. Weeks with a NaN value leave ``S`` unchanged.

    Examples
    --------
    >>> x = [0, 0, 0, 0, -2, -2, -2, -2]
    >>> cusum(x, target=0.0, sigma=1.0, slack=0.5, h=4.0).first   # S: 1.5, 3.0, 4.5
    6
    """
    v = _series(x, "x")
    s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), v.shape)
    if np.any(~(s > 0)) or not np.all(np.isfinite(s)):
        raise ValueError("sigma must be positive and finite (the standard error of each weekly value).")
    target = check_threshold(target, "target")
    slack, h = _real(slack, "slack"), _real(h, "h")
    if not np.isfinite(target):
        raise ValueError(f"target must be a finite number (the metric's expected weekly value), got {target}.")
    if not (slack >= 0 and np.isfinite(slack)) or not (h > 0 and np.isfinite(h)):  # NaN fails here: it never fires
        raise ValueError(f"slack must be a finite number >= 0 and h a finite number > 0, got slack={slack}, h={h}.")
    sign = _direction(direction)
    z = sign * (v - target) / s
    stat = np.zeros(v.size)
    run = 0.0
    for t, zt in enumerate(z):
        if np.isfinite(zt):
            run = max(0.0, run + zt - slack)
        stat[t] = run
    return _alarm(f"CUSUM (slack {slack:g}, h {h:g})", stat, stat > h)


def page_hinkley(x: ArrayLike, *, delta: float, lam: float, direction: str = "below") -> Alarm:
    """Page-Hinkley test: cumulative deviation from the running mean.

    For a drop: ``m_t = sum_{i<=t} (mean_t - x_i - delta)`` with ``mean_t`` the
    mean of ``x_1..x_t``; the statistic is ``m_t - min_{s<=t} m_s`` and the
    alarm sounds when it exceeds ``lam``. ``delta`` is the tolerated change.
    NaN weeks are skipped.

    Examples
    --------
    >>> page_hinkley([1, 1, 1, 1, 0, 0, 0], delta=0.05, lam=1.0).first
    5
    """
    v = _series(x, "x")
    delta, lam = _real(delta, "delta"), _real(lam, "lam")
    if not (delta >= 0 and np.isfinite(delta)) or not (lam > 0 and np.isfinite(lam)):  # NaN would never fire
        raise ValueError(
            f"delta must be a finite number >= 0 and lam a finite number > 0, got delta={delta}, lam={lam}."
        )
    sign = _direction(direction)
    stat = np.zeros(v.size)
    seen: list[float] = []
    for t, xt in enumerate(v):
        if np.isfinite(xt):
            seen.append(sign * xt)
        if not seen:
            continue
        arr = np.asarray(seen)
        m = np.cumsum(arr - np.cumsum(arr) / np.arange(1, arr.size + 1) - delta)
        stat[t] = m[-1] - min(0.0, m.min())
    return _alarm(f"Page-Hinkley (delta {delta:g}, lambda {lam:g})", stat, stat > lam)


def detection_delay(alarm: Alarm, change: int) -> dict[str, object]:
    """Delay (weeks) from ``change`` to the first alarm at or after it, and whether it fired before.

    Returns ``{"false_alarm": bool, "delay": int or None}``; ``delay`` is None
    when the rule never fired after the change.

    Examples
    --------
    >>> a = threshold_alarm([0.8, 0.5, 0.5], [0.9, 0.6, 0.6], threshold=0.7)
    >>> detection_delay(a, change=1)
    {'false_alarm': False, 'delay': 0}
    """
    flags = np.asarray(alarm.flags, bool)
    if not 0 <= change <= flags.size:
        raise ValueError(f"change={change} must be a week within the series (0-{flags.size}).")
    after = np.flatnonzero(flags[change:])
    return {"false_alarm": bool(flags[:change].any()), "delay": int(after[0]) if after.size else None}


def labels_needed(drop: float, *, sd: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Labelled images per week to detect a drop of a weekly mean (one-sided z test).

    ``k = ((z_{1-alpha} + z_{power}) * sd / drop)²`` rounded up, where ``sd``
    is the standard deviation of one labelled case's contribution (for the
    observed-minus-expected rate about ``sqrt(prevalence (1 - prevalence))``).

    Examples
    --------
    >>> labels_needed(0.05, sd=0.36)    # 0.13 prevalence, detect 5 points fewer positives
    321
    """
    drop, sd = _real(drop, "drop"), _real(sd, "sd")
    alpha, power = _real(alpha, "alpha"), _real(power, "power")
    for name, v in (("alpha", alpha), ("power", power)):
        if not 0 < v < 1:
            raise ValueError(f"{name} must be between 0 and 1, got {v!r}.")
    if not (drop > 0 and sd > 0 and np.isfinite(drop) and np.isfinite(sd)):
        raise ValueError(f"drop and sd must be positive numbers, got drop={drop!r}, sd={sd!r}.")
    z = norm.ppf(1 - alpha) + norm.ppf(power)
    return int(np.ceil((z * sd / drop) ** 2))
