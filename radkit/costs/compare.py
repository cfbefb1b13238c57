"""Expected cost with a bootstrap interval, and paired comparisons of two decision rules."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit._validate import check_count, check_level
from radkit.costs.matrix import CostMatrix, _as_cost, _labels
from radkit.stats import Estimate, percentile_interval

__all__ = ["expected_cost_ci", "compare_costs", "best_threshold"]


def _per_case(y_true: ArrayLike, y_pred: ArrayLike, c: CostMatrix) -> np.ndarray:
    t, p = _labels(y_true, c.k, "y_true"), _labels(y_pred, c.k, "y_pred")
    if t.size != p.size:
        raise ValueError(f"y_true has {t.size} cases but y_pred has {p.size}; pair them case by case.")
    if t.size == 0:
        raise ValueError("no cases given; pass at least one.")
    return c.values[t, p]


def expected_cost_ci(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    cost: CostMatrix | ArrayLike,
    *,
    n_boot: int = 1000,
    seed: int,
    level: float = 0.95,
) -> Estimate:
    """Expected cost per case with a percentile bootstrap interval (cases resampled).

    Examples
    --------
    >>> c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    >>> e = expected_cost_ci([0] * 6 + [1] * 4, [0, 0, 0, 0, 1, 1, 0, 1, 1, 1], c, n_boot=200, seed=0)
    >>> round(e.estimate, 3), e.low <= e.estimate <= e.high
    (1.1, True)
    """
    from radkit.seeding import rng

    per_case = _per_case(y_true, y_pred, _as_cost(cost))
    n_boot = check_count(n_boot, "n_boot", minimum=2, hint="1000 for a 95% interval")
    idx = rng(seed).integers(0, per_case.size, (n_boot, per_case.size))
    lo, hi = percentile_interval(per_case[idx].mean(axis=1), level=level)
    return Estimate(float(per_case.mean()), lo, hi, level=level, method="bootstrap percentile", n=int(per_case.size))


def compare_costs(
    y_true: ArrayLike,
    decisions: Mapping[str, ArrayLike],
    cost: CostMatrix | ArrayLike,
    *,
    reference: str | None = None,
    n_boot: int = 1000,
    seed: int,
    level: float = 0.95,
) -> pd.DataFrame:
    """Expected cost of several decision rules on the same cases, each with its paired difference.

    The same bootstrap resamples are used for every rule, so differences are
    paired (they share the hard cases) and far tighter than two separate
    intervals suggest.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True class indices.
    decisions : mapping of str to array-like of shape (n,)
        Named calls (class indices) for the same cases.
    cost : CostMatrix or array-like
    reference : str, optional
        The rule the differences are taken against (default: the first).
    n_boot, seed, level : bootstrap settings.

    Returns
    -------
    DataFrame
        One row per rule: ``expected_cost, low, high, difference, difference low,
        difference high, share cheaper`` (share of resamples where the rule costs
        less than the reference).

    Examples
    --------
    >>> c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    >>> y = [0, 0, 0, 1, 1]
    >>> t = compare_costs(y, {"all negative": [0] * 5, "all positive": [1] * 5}, c, n_boot=100, seed=0)
    >>> t["expected_cost"].round(2).tolist()
    [3.6, 0.6]
    """
    from radkit.seeding import rng

    c = _as_cost(cost)
    if not decisions:
        raise ValueError("give at least one named decision rule.")
    names = list(decisions)
    ref = names[0] if reference is None else reference
    if ref not in decisions:
        raise KeyError(f"reference {ref!r} is not among the rules {names}.")
    per_case = {k: _per_case(y_true, v, c) for k, v in decisions.items()}
    n = per_case[ref].size
    idx = rng(seed).integers(0, n, (check_count(n_boot, "n_boot", minimum=2, hint="1000 for a 95% interval"), n))
    boots = {k: v[idx].mean(axis=1) for k, v in per_case.items()}
    rows = {}
    for k, v in per_case.items():
        lo, hi = percentile_interval(boots[k], level=level)
        diff = boots[k] - boots[ref]
        dlo, dhi = percentile_interval(diff, level=level)
        rows[k] = {
            "expected_cost": float(v.mean()),
            "low": lo,
            "high": hi,
            "difference": float(v.mean() - per_case[ref].mean()),
            "difference low": dlo,
            "difference high": dhi,
            "share cheaper": float(np.mean(diff < 0)),
            "n": n,
        }
    out = pd.DataFrame(rows).T
    out.index.name = "rule"
    return out.astype({c_: float for c_ in out.columns if c_ != "n"}).astype({"n": int})


@renamed_arguments(y_prob="y_score")
def best_threshold(
    y_true: ArrayLike, y_score: ArrayLike, cost: CostMatrix, *, n_boot: int = 1000, seed: int, level: float = 0.95
) -> Estimate:
    """The empirically cheapest threshold for ``y_score >= t``, with a bootstrap interval.

    ``y_score`` holds predicted probabilities in [0, 1].

    Expected cost only changes where ``t`` crosses a case's probability, so
    the cheapest thresholds form a range between two probabilities: its
    midpoint is the estimate, and the range is the resolution the data allow.
    Each bootstrap resample of the cases gives its own cheapest range; the
    interval runs from the lower percentile of their lower ends to the upper
    percentile of their upper ends, so it covers both kinds of uncertainty. For calibrated probabilities
    the interval should contain ``p*`` (:func:`~radkit.costs.bayes_threshold`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.random(2000); y = (rng.random(2000) < p).astype(int)  # calibrated by construction
    >>> e = best_threshold(y, p, CostMatrix.binary(cost_fp=1, cost_fn=3), n_boot=200, seed=1)
    >>> bool(e.low < 0.25 < e.high)
    True
    """
    from radkit._validate import check_binary
    from radkit.seeding import rng

    c = _as_cost(cost)
    c._need_binary("best_threshold")
    y, p = check_binary(y_true, y_score, names=("y_score",), kind="prob", purpose="a cheapest threshold")
    n_boot = check_count(n_boot, "n_boot", minimum=2, hint="1000 for a 95% interval")
    level = check_level(level)
    order = np.argsort(p, kind="stable")
    ys, ps = y[order], p[order]
    # candidate j calls cases j.. n-1 positive; its threshold range is (ps[j-1], ps[j]]
    edges = np.r_[0.0, ps, 1.0]
    v = c.values

    def cheapest(w: np.ndarray) -> tuple[float, float]:
        """The range (low, high] of equally cheapest thresholds under case weights ``w``."""
        pos, neg = w * ys, w * (1 - ys)
        fn = np.r_[0.0, np.cumsum(pos)]  # positives below candidate j
        tn = np.r_[0.0, np.cumsum(neg)]  # negatives below candidate j
        fp, tp = neg.sum() - tn, pos.sum() - fn
        total = tn * v[0, 0] + fp * v[0, 1] + fn * v[1, 0] + tp * v[1, 1]
        best = np.isclose(total, total.min(), rtol=0, atol=1e-9)
        j0 = int(np.argmax(best))
        j1 = j0 + int(np.argmin(best[j0:])) - 1 if not best[j0:].all() else best.size - 1
        return float(edges[j0]), float(edges[j1 + 1])  # thresholds in (edges[j0], edges[j1 + 1]]

    low_full, high_full = cheapest(np.ones(y.size))
    counts = rng(seed).integers(0, y.size, (n_boot, y.size))
    ranges = np.array([cheapest(np.bincount(row, minlength=y.size)[order].astype(np.float64)) for row in counts])
    alpha = (1 - level) / 2
    lo = float(np.quantile(ranges[:, 0], alpha))
    hi = float(np.quantile(ranges[:, 1], 1 - alpha))
    estimate = (low_full + high_full) / 2
    return Estimate(estimate, lo, hi, level=level, method="bootstrap percentile", n=int(y.size))
