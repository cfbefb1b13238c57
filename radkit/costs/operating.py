"""Deployment-time tuning: a threshold for a target sensitivity, with its uncertainty.

"Sensitivity at least 0.95" chosen on a validation set is met on that set by
construction, and on new data only about half the time: the threshold is an
order statistic of a sample of positives. :func:`operating_point` reports the
threshold with a bootstrap interval and a *conservative* threshold, the
one-sided lower bound, that keeps the target on new data with probability
about ``level``. :func:`sensitivity_shortfall` measures both claims by
simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm

from radkit.metrics import threshold_for_sensitivity
from radkit.metrics._validate import check_binary, check_scores
from radkit.stats import Estimate

__all__ = ["OperatingPoint", "operating_point", "Shortfall", "sensitivity_shortfall"]


def _check_target(target: float) -> float:
    if isinstance(target, bool) or not isinstance(target, (int, float, np.floating)) or not 0 < target < 1:
        raise ValueError(f"target must be a sensitivity strictly between 0 and 1 (e.g. 0.95), got "
                         f"{target!r}; a target of 1 has no finite-sample guarantee, 0 needs no model.")
    return float(target)


def _check_level(level: float) -> float:
    if not 0.5 <= level < 1:
        raise ValueError(f"level must lie in [0.5, 1), e.g. 0.95, got {level!r}.")
    return float(level)


def _boot_thresholds(pos: np.ndarray, target: float, n_boot: int, gen: np.random.Generator) -> np.ndarray:
    """Threshold for ``target`` in each bootstrap resample of the positives' scores (vectorized)."""
    k = int(np.ceil(round(target * pos.size, 9)))
    draws = pos[gen.integers(0, pos.size, (n_boot, pos.size))]
    return -np.partition(-draws, k - 1, axis=1)[:, k - 1]  # k-th highest in each row


def operating_point(y_true: ArrayLike, y_score: ArrayLike, *, target: float, n_boot: int = 1000,
                    seed: int, level: float = 0.95) -> OperatingPoint:
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

    target, level = _check_target(target), _check_level(level)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ValueError(f"n_boot must be a whole number >= 2 (1000 for a 95% interval), got {n_boot!r}.")
    y, s = check_binary(y_true, y_score, purpose="an operating point")
    pos = s[y == 1]
    t = threshold_for_sensitivity(y, s, target)
    reps = _boot_thresholds(pos, target, int(n_boot), rng(seed))
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    conservative = float(np.quantile(reps, 1 - level))
    threshold = Estimate(float(t), float(low), float(high), level=level,
                         method="bootstrap percentile (positives)", n=int(pos.size))
    sens = _proportion(int(np.sum(pos >= t)), int(pos.size), level)
    neg = s[y == 0]
    spec = _proportion(int(np.sum(neg < t)), int(neg.size), level)
    return OperatingPoint(target=target, threshold=threshold, conservative=conservative,
                          sensitivity=sens, specificity=spec)


def _proportion(k: int, n: int, level: float) -> Estimate:
    from radkit.label_process import wilson_ci

    lo, hi = wilson_ci(k, n, level=level)
    return Estimate(k / n, float(lo), float(hi), level=level, method="Wilson", n=n)


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
        The one-sided lower bound of the threshold: on new data from the same
        population, sensitivity >= target with probability about ``level``.
    sensitivity, specificity : Estimate
        On the validation data at ``threshold`` (Wilson intervals).
    """

    target: float
    threshold: Estimate
    conservative: float
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
        ['exact', 'conservative']
        """
        y, s = check_binary(y_true, y_score, purpose="an operating point")
        rows = {}
        level = self.threshold.level
        for name, t in (("exact", self.threshold.estimate), ("conservative", self.conservative)):
            se = _proportion(int(np.sum(s[y == 1] >= t)), int(np.sum(y == 1)), level)
            sp = _proportion(int(np.sum(s[y == 0] < t)), int(np.sum(y == 0)), level)
            rows[name] = {"threshold": t, "sensitivity": se.estimate, "sensitivity low": se.low,
                          "sensitivity high": se.high, "specificity": sp.estimate,
                          "specificity low": sp.low, "specificity high": sp.high}
        return pd.DataFrame(rows).T

    def to_frame(self) -> pd.DataFrame:
        """One row each for the threshold, validation sensitivity and specificity."""
        out = pd.concat([self.threshold.to_frame("threshold"),
                         self.sensitivity.to_frame("sensitivity (validation)"),
                         self.specificity.to_frame("specificity (validation)")])
        out.loc["conservative threshold"] = [self.conservative, np.nan, np.nan, self.threshold.level,
                                             f"{1 - self.threshold.level:.0%} bootstrap quantile",
                                             self.threshold.n]
        return out


def sensitivity_shortfall(pos_scores: ArrayLike, *, target: float, n_val: int, n_rep: int,
                          n_boot: int = 200, seed: int, level: float = 0.95,
                          bandwidth: float | None = None) -> Shortfall:
    """How often a validation-tuned threshold misses the target sensitivity in the population.

    The population of positives is the smoothed distribution of ``pos_scores``
    (each score plus Gaussian noise of sd ``bandwidth``, default 0.1 x their
    sd): its sensitivity at any threshold is known exactly. Each replicate
    draws ``n_val`` validation positives from it, picks the exact threshold
    (:func:`~radkit.metrics.threshold_for_sensitivity`) and the conservative
    one (:func:`operating_point`), and records both thresholds' population
    sensitivity.

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

    target, level = _check_target(target), _check_level(level)
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
    exact = np.empty(n_rep)
    conservative = np.empty(n_rep)
    for r in range(n_rep):
        val = gen.choice(pool, n_val) + gen.normal(0.0, h, n_val)
        exact[r] = -np.partition(-val, k - 1)[k - 1]
        conservative[r] = np.quantile(_boot_thresholds(val, target, int(n_boot), gen), 1 - level)
    return Shortfall(target=target, level=level, n_val=int(n_val),
                     thresholds=pd.DataFrame({"exact": exact, "conservative": conservative}),
                     sensitivity=pd.DataFrame({"exact": population_sensitivity(exact),
                                               "conservative": population_sensitivity(conservative)}))


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
        return _proportion(int(below.sum()), int(below.size), 0.95)

    def to_frame(self) -> pd.DataFrame:
        """Per rule: share below target with its interval, and the median population sensitivity."""
        rows = {}
        for rule in self.sensitivity.columns:
            e = self.rate(rule)
            rows[rule] = {"share below target": e.estimate, "low": e.low, "high": e.high,
                          "median sensitivity": float(self.sensitivity[rule].median()),
                          "median threshold": float(self.thresholds[rule].median()), "n_rep": e.n}
        return pd.DataFrame(rows).T
