"""Deployment-time tuning: a threshold for a target sensitivity, with its uncertainty.

"Sensitivity at least 0.95" chosen on a validation set is met on that set by
construction, and on new data only about half the time: the threshold is an
order statistic of a sample of positives. :func:`operating_point` reports the
threshold with a bootstrap interval and a *conservative* threshold, the
exact-binomial bound, that keeps the target on new data with probability at
least ``level`` (the bootstrap's lower bound comes close but under-covers).
:func:`sensitivity_shortfall` measures both claims by
simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import beta, norm

from radkit._validate import check_binary, check_level, check_open_fraction, check_scores
from radkit.metrics import threshold_for_sensitivity
from radkit.stats import Estimate, proportion

_TARGET_HINT = "E.g. 0.95; a target of 1 has no finite-sample guarantee, and 0 needs no model."

__all__ = ["OperatingPoint", "operating_point", "guaranteed_threshold", "Shortfall", "sensitivity_shortfall"]


def guaranteed_threshold(pos_scores: ArrayLike, *, target: float, level: float = 0.95) -> float:
    """Threshold whose sensitivity on new data is >= ``target`` with probability >= ``level``.

    Distribution-free (exact binomial, i.e. Clopper-Pearson): with the positives'
    scores sorted from the highest, the threshold at the ``j``-th one leaves a
    population sensitivity distributed as Beta(j, m - j + 1) for continuous
    scores, so the smallest ``j`` with ``P(Beta >= target) >= level`` is taken.
    Needs at least ``log(1 - level) / log(target)`` positives (59 for 0.95 / 0.95).

    Examples
    --------
    >>> s = np.arange(100.0)  # 100 positives' scores
    >>> guaranteed_threshold(s, target=0.9, level=0.95)  # keeps 96 of 100, not 90
    4.0
    """
    target = check_open_fraction(target, "target", what="a sensitivity", hint=_TARGET_HINT)
    level = check_level(level, one_sided=True)
    pos = np.sort(check_scores(pos_scores, "pos_scores"))[::-1]
    m = pos.size
    j = np.arange(1, m + 1)
    ok = np.flatnonzero(beta.sf(target, j, m - j + 1) >= level)
    if ok.size == 0:
        need = int(np.ceil(np.log(1 - level) / np.log(target)))
        raise ValueError(
            f"{m} positives cannot guarantee sensitivity {target} at level {level}: "
            f"even calling every one of them positive needs at least {need} positives. "
            "Use a larger validation set or a lower level."
        )
    return float(pos[ok[0]])


def _boot_thresholds(pos: np.ndarray, target: float, n_boot: int, gen: np.random.Generator) -> np.ndarray:
    """Threshold for ``target`` in each bootstrap resample of the positives' scores (vectorized)."""
    k = int(np.ceil(round(target * pos.size, 9)))
    draws = pos[gen.integers(0, pos.size, (n_boot, pos.size))]
    return -np.partition(-draws, k - 1, axis=1)[:, k - 1]  # k-th highest in each row


def operating_point(
    y_true: ArrayLike, y_score: ArrayLike, *, target: float, n_boot: int = 1000, seed: int, level: float = 0.95
) -> OperatingPoint:
    """Threshold reaching a target sensitivity, with a bootstrap interval and a conservative choice.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Validation labels (0/1) and scores; the rule is ``y_score >= threshold``.
    target : float
        Sensitivity to reach, strictly between 0 and 1.
    n_boot : int, keyword-only
        Bootstrap resamples of the positives (the threshold depends on them only).
    seed : int, keyword-only
    level : float, keyword-only
        Two-sided level of the threshold's interval; the conservative threshold
        is the one-sided bound at the same level (the ``1 - level`` quantile).

    Returns
    -------
    OperatingPoint

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.r_[np.ones(200), np.zeros(800)].astype(int); s = rng.normal(2.0 * y)
    >>> op = operating_point(y, s, target=0.9, n_boot=200, seed=1)
    >>> bool(op.conservative < op.threshold.estimate), round(op.sensitivity.estimate, 2)
    (True, 0.9)
    """
    from radkit.seeding import rng

    target = check_open_fraction(target, "target", what="a sensitivity", hint=_TARGET_HINT)
    level = check_level(level, one_sided=True)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ValueError(f"n_boot must be a whole number >= 2 (1000 for a 95% interval), got {n_boot!r}.")
    y, s = check_binary(y_true, y_score, purpose="an operating point")
    pos = s[y == 1]
    t = threshold_for_sensitivity(y, s, target=target)
    reps = _boot_thresholds(pos, target, int(n_boot), rng(seed))
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    boot_lower = float(np.quantile(reps, 1 - level))
    conservative = guaranteed_threshold(pos, target=target, level=level)
    threshold = Estimate(
        float(t), float(low), float(high), level=level, method="bootstrap percentile (positives)", n=int(pos.size)
    )
    sens = proportion(int(np.sum(pos >= t)), int(pos.size), level=level)
    neg = s[y == 0]
    spec = proportion(int(np.sum(neg < t)), int(neg.size), level=level)
    return OperatingPoint(
        target=target,
        threshold=threshold,
        conservative=conservative,
        bootstrap_lower=boot_lower,
        sensitivity=sens,
        specificity=spec,
    )


@dataclass(frozen=True)
class OperatingPoint:
    """A validation-set operating point for a target sensitivity.

    Attributes
    ----------
    target : float
    threshold : Estimate
        The highest threshold with validation sensitivity >= target, with its
        bootstrap interval.
    conservative : float
        :func:`guaranteed_threshold`: on new data from the same population,
        sensitivity >= target with probability >= ``level`` (exact binomial).
    bootstrap_lower : float
        The one-sided bootstrap lower bound of the threshold; intuitive, but it
        under-covers for a tail quantile of few positives (see the lesson).
    sensitivity, specificity : Estimate
        On the validation data at ``threshold`` (Wilson intervals).
    """

    target: float
    threshold: Estimate
    conservative: float
    bootstrap_lower: float
    sensitivity: Estimate
    specificity: Estimate

    def evaluate(self, y_true: ArrayLike, y_score: ArrayLike) -> pd.DataFrame:
        """Sensitivity and specificity of both thresholds on new data, with Wilson intervals.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> y = np.r_[np.ones(200), np.zeros(800)].astype(int); s = rng.normal(2.0 * y)
        >>> op = operating_point(y, s, target=0.9, n_boot=200, seed=1)
        >>> list(op.evaluate(y, s).index)
        ['exact', 'bootstrap lower', 'conservative']
        """
        y, s = check_binary(y_true, y_score, purpose="an operating point")
        rows = {}
        level = self.threshold.level
        for name, t in (
            ("exact", self.threshold.estimate),
            ("bootstrap lower", self.bootstrap_lower),
            ("conservative", self.conservative),
        ):
            se = proportion(int(np.sum(s[y == 1] >= t)), int(np.sum(y == 1)), level=level)
            sp = proportion(int(np.sum(s[y == 0] < t)), int(np.sum(y == 0)), level=level)
            rows[name] = {
                "threshold": t,
                "sensitivity": se.estimate,
                "sensitivity low": se.low,
                "sensitivity high": se.high,
                "specificity": sp.estimate,
                "specificity low": sp.low,
                "specificity high": sp.high,
            }
        return pd.DataFrame(rows).T

    def to_frame(self) -> pd.DataFrame:
        """One row each for the threshold, validation sensitivity and specificity."""
        out = pd.concat(
            [
                self.threshold.to_frame("threshold"),
                self.sensitivity.to_frame("sensitivity (validation)"),
                self.specificity.to_frame("specificity (validation)"),
            ]
        )
        lvl, n = self.threshold.level, self.threshold.n
        out.loc["bootstrap lower threshold"] = [
            self.bootstrap_lower,
            np.nan,
            np.nan,
            lvl,
            f"{1 - lvl:.0%} bootstrap quantile",
            n,
        ]
        out.loc["conservative threshold"] = [
            self.conservative,
            np.nan,
            np.nan,
            lvl,
            "exact binomial (Clopper-Pearson)",
            n,
        ]
        return out


def sensitivity_shortfall(
    pos_scores: ArrayLike,
    *,
    target: float,
    n_val: int,
    n_rep: int,
    n_boot: int = 200,
    seed: int,
    level: float = 0.95,
    bandwidth: float | None = None,
) -> Shortfall:
    """How often a validation-tuned threshold misses the target sensitivity in the population.

    The population of positives is the smoothed distribution of ``pos_scores``
    (each score plus Gaussian noise of sd ``bandwidth``, default 0.1 x their
    sd): its sensitivity at any threshold is known exactly. Each replicate
    draws ``n_val`` validation positives from it, picks the exact threshold
    (:func:`~radkit.metrics.threshold_for_sensitivity`), the bootstrap lower
    bound and the exact-binomial one (:func:`guaranteed_threshold`), and
    records each threshold's population sensitivity.

    Parameters
    ----------
    pos_scores : array-like
        Scores of positive cases (e.g. a model's test positives).
    target : float
    n_val : int
        Positives in each simulated validation set.
    n_rep : int
        Simulated validation sets.
    n_boot, level : bootstrap size and level of the conservative threshold.
    seed : int
    bandwidth : float, optional

    Returns
    -------
    Shortfall

    Examples
    --------
    >>> s = np.random.default_rng(0).normal(size=300)
    >>> r = sensitivity_shortfall(s, target=0.9, n_val=100, n_rep=200, seed=1)
    >>> bool(r.rate("exact").estimate > r.rate("conservative").estimate)
    True
    """
    from radkit.seeding import rng

    target = check_open_fraction(target, "target", what="a sensitivity", hint=_TARGET_HINT)
    level = check_level(level, one_sided=True)
    pool = check_scores(pos_scores, "pos_scores")
    for name, v in (("n_val", n_val), ("n_rep", n_rep), ("n_boot", n_boot)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
            raise ValueError(f"{name} must be a whole number >= 2, got {v!r}.")
    h = 0.1 * float(np.std(pool)) if bandwidth is None else float(bandwidth)
    if not h > 0:
        raise ValueError(f"bandwidth must be positive, got {h!r} (are all pos_scores equal?).")
    gen = rng(seed)

    def population_sensitivity(t: np.ndarray) -> np.ndarray:
        return norm.sf((t[:, None] - pool[None, :]) / h).mean(axis=1)

    k = int(np.ceil(round(target * n_val, 9)))
    rules = {"exact": np.empty(n_rep), "bootstrap lower": np.empty(n_rep), "conservative": np.empty(n_rep)}
    for r in range(n_rep):
        val = gen.choice(pool, n_val) + gen.normal(0.0, h, n_val)
        rules["exact"][r] = -np.partition(-val, k - 1)[k - 1]
        rules["bootstrap lower"][r] = np.quantile(_boot_thresholds(val, target, int(n_boot), gen), 1 - level)
        rules["conservative"][r] = guaranteed_threshold(val, target=target, level=level)
    return Shortfall(
        target=target,
        level=level,
        n_val=int(n_val),
        thresholds=pd.DataFrame(rules),
        sensitivity=pd.DataFrame({k_: population_sensitivity(v) for k_, v in rules.items()}),
    )


@dataclass(frozen=True)
class Shortfall:
    """Result of :func:`sensitivity_shortfall`: thresholds and population sensitivities per replicate."""

    target: float
    level: float
    n_val: int
    thresholds: pd.DataFrame
    sensitivity: pd.DataFrame

    def rate(self, rule: str) -> Estimate:
        """Share of replicates whose population sensitivity is below target (Wilson interval)."""
        if rule not in self.sensitivity.columns:
            raise KeyError(f"rule must be one of {list(self.sensitivity.columns)}, got {rule!r}.")
        below = self.sensitivity[rule].to_numpy() < self.target
        return proportion(int(below.sum()), int(below.size))

    def to_frame(self) -> pd.DataFrame:
        """Per rule: share below target with its interval, and the median population sensitivity."""
        rows = {}
        for rule in self.sensitivity.columns:
            e = self.rate(rule)
            rows[rule] = {
                "share below target": e.estimate,
                "low": e.low,
                "high": e.high,
                "median sensitivity": float(self.sensitivity[rule].median()),
                "median threshold": float(self.thresholds[rule].median()),
                "n_rep": e.n,
            }
        return pd.DataFrame(rows).T
