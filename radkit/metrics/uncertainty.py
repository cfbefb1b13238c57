"""Uncertainty of performance estimates: percentile bootstrap and DeLong's method.

DeLong, DeLong & Clarke-Pearson (Biometrics 1988;44:837-845) give the variance
of the empirical AUC, and the covariance of two AUCs measured on the same cases,
from per-case "structural components". Sun & Xu (IEEE Signal Process Lett
2014;21:1389-1393) compute those components from midranks in O(n log n),
which is the algorithm used here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm, rankdata

from radkit import seeding
from radkit._validate import check_binary, check_count, check_level
from radkit.stats import Estimate

__all__ = [
    "BootstrapResult",
    "DelongResult",
    "DelongTest",
    "bootstrap_ci",
    "delong_auc",
    "delong_test",
    "DELONG_MIN_PER_CLASS",
]


def _level(level: float, alpha: float | None, *, where: str) -> float:
    """The interval's coverage from ``level`` or the deprecated ``alpha``, checked."""
    if alpha is not None:
        warnings.warn(
            f"{where}(alpha=...) is deprecated: pass level={1 - alpha:g} (the coverage), as everywhere else in radkit.",
            FutureWarning,
            stacklevel=3,
        )
        level = 1 - alpha
    return check_level(level)


def _delong_components(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUCs and their covariance matrix for ``scores`` of shape (k, n) (Sun & Xu)."""
    pos, neg = scores[:, y == 1], scores[:, y == 0]
    m, n = pos.shape[1], neg.shape[1]
    if min(m, n) < DELONG_MIN_PER_CLASS:
        raise ValueError(
            f"DeLong's variance needs at least {DELONG_MIN_PER_CLASS} cases of each class (got {m} "
            f"positive, {n} negative); use a larger sample, or pass too_few='nan' to get NaN."
        )
    tx, ty = rankdata(pos, axis=1), rankdata(neg, axis=1)
    tz = rankdata(np.hstack([pos, neg]), axis=1)  # midranks in the pooled sample
    aucs = (tz[:, :m].sum(axis=1) - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:, :m] - tx) / n  # per positive: fraction of negatives scored below it
    v01 = 1 - (tz[:, m:] - ty) / m  # per negative: fraction of positives scored above it
    cov = np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n
    return aucs, cov


#: DeLong's variance needs at least this many cases of each class (a variance over one case is undefined).
DELONG_MIN_PER_CLASS = 2


def delong_auc(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    level: float = 0.95,
    too_few: Literal["raise", "nan"] = "raise",
    alpha: float | None = None,
) -> DelongResult:
    """AUC with DeLong's variance and a normal-approximation confidence interval.

    The interval is ``auc +/- z * se`` clipped to [0, 1]; near 0 or 1 with few
    cases prefer :func:`bootstrap_ci`. DeLong's variance needs at least
    :data:`DELONG_MIN_PER_CLASS` (2) positive and 2 negative cases.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Binary labels (both classes) and scores.
    level : float, default 0.95
        Coverage of the interval (the kit's one name for it, as in :class:`radkit.stats.Estimate`).
    too_few : {"raise", "nan"}, default "raise"
        What to do with fewer than 2 cases of a class (a small subgroup, a week of
        monitoring, a hospital's test set): raise a ``ValueError``, or return a
        result whose AUC, bounds, variance and SE are all NaN (``method`` says
        why), so that no AUC is reported without its uncertainty. A sample with
        one class only is covered by the same rule.
    alpha : float, optional
        Deprecated spelling of ``1 - level``.

    Examples
    --------
    >>> r = delong_auc([0, 0, 0, 1, 1, 1], [0.1, 0.4, 0.35, 0.8, 0.3, 0.9])
    >>> round(r.auc, 3), round(r.se, 3)
    (0.778, 0.248)
    >>> delong_auc([0, 0, 0, 1], [0.1, 0.4, 0.35, 0.8], too_few="nan").method
    'DeLong: too few cases (1 positive, 3 negative; needs 2 of each)'
    """
    if too_few not in ("raise", "nan"):
        raise ValueError(f"delong_auc: too_few must be 'raise' or 'nan', got {too_few!r}.")
    alpha = 1 - _level(level, alpha, where="delong_auc")
    y, s = check_binary(y_true, y_score, both_classes=too_few == "raise", purpose="the AUC")
    if too_few == "nan":
        m, n = int(y.sum()), int(y.size - y.sum())
        if min(m, n) < DELONG_MIN_PER_CLASS:
            nan = float("nan")
            return DelongResult(
                nan,
                nan,
                nan,
                level=1 - alpha,
                n=int(y.size),
                var=nan,
                se=nan,
                method=f"DeLong: too few cases ({m} positive, {n} negative; needs {DELONG_MIN_PER_CLASS} of each)",
            )
    aucs, cov = _delong_components(y, s[None, :])
    auc, var = float(aucs[0]), float(cov[0, 0])
    half = norm.ppf(1 - alpha / 2) * np.sqrt(var)
    return DelongResult(
        auc,
        float(max(0.0, auc - half)),
        float(min(1.0, auc + half)),
        level=1 - alpha,
        method="DeLong",
        n=int(y.size),
        var=var,
        se=float(np.sqrt(var)),
    )


def delong_test(y_true: ArrayLike, score_a: ArrayLike, score_b: ArrayLike) -> DelongTest:
    """Two-sided test of equal AUCs for two scores on the same cases (paired DeLong).

    ``z = (auc_a - auc_b) / se`` with ``se`` from the covariance of the two
    AUCs. If ``se`` is 0 (e.g. identical scores) then ``z = 0, p = 1`` when the
    AUCs are equal and ``z = +/-inf, p = 0`` otherwise.

    Examples
    --------
    >>> y = [0, 0, 0, 1, 1, 1]
    >>> t = delong_test(y, [0.1, 0.4, 0.35, 0.8, 0.3, 0.9], [0.1, 0.4, 0.35, 0.8, 0.3, 0.9])
    >>> t.diff, t.p
    (0.0, 1.0)
    """
    y, a, b = check_binary(y_true, score_a, score_b, names=("score_a", "score_b"), purpose="the AUC")
    aucs, cov = _delong_components(y, np.vstack([a, b]))
    diff = float(aucs[0] - aucs[1])
    se = float(np.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0)))
    if se <= 1e-12:
        z = 0.0 if abs(diff) <= 1e-12 else float(np.copysign(np.inf, diff))
    else:
        z = diff / se
    return DelongTest(auc_a=float(aucs[0]), auc_b=float(aucs[1]), diff=diff, se=se, z=z, p=float(2 * norm.sf(abs(z))))


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_boot: int = 1000,
    seed: int,
    stratified: bool = True,
    level: float = 0.95,
    alpha: float | None = None,
) -> BootstrapResult:
    """Percentile bootstrap confidence interval for any ``metric(y_true, y_score)``.

    Cases are resampled with replacement. ``stratified=True`` resamples positives
    and negatives separately, so every replicate keeps the original class counts
    (and never lacks a class). Unstratified resampling raises if a replicate
    would hold only one class. Replicates where the metric is NaN are dropped
    with a warning.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_score) -> float``, e.g. ``sklearn.metrics.roc_auc_score``.
    y_true, y_score : array-like of shape (n,)
        Binary labels (both classes) and scores.
    n_boot : int, keyword-only
        Number of bootstrap replicates.
    seed : int, keyword-only
        Seed of the resampling (e.g. ``prof.seed``); required so results are reproducible.
    stratified : bool, keyword-only
        Keep the class counts in each replicate.
    level : float, keyword-only, default 0.95
        Coverage of the interval.
    alpha : float, keyword-only, optional
        Deprecated spelling of ``1 - level``.

    Examples
    --------
    >>> from sklearn.metrics import roc_auc_score
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 200); s = y + rng.normal(size=200)
    >>> r = bootstrap_ci(roc_auc_score, y, s, n_boot=100, seed=1)
    >>> bool(r.low < r.estimate < r.high)
    True
    """
    y, s = check_binary(y_true, y_score, purpose="a bootstrap interval")
    n_boot = check_count(n_boot, "n_boot", minimum=2, hint="1000 or more for a 95% CI")
    alpha = 1 - _level(level, alpha, where="bootstrap_ci")
    rng = seeding.rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    reps = np.empty(int(n_boot))
    for b in range(int(n_boot)):
        if stratified:
            idx = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
        else:
            idx = rng.integers(0, y.size, y.size)
            n_pos = int(y[idx].sum())
            if n_pos in (0, y.size):
                raise ValueError(
                    f"bootstrap replicate {b} holds only class {int(n_pos > 0)} "
                    f"({pos.size} positives among {y.size} cases); use stratified=True "
                    "or a larger sample."
                )
        reps[b] = float(metric(y[idx], s[idx]))
    bad = np.isnan(reps)
    if bad.all():
        raise ValueError(
            "the metric was NaN in every bootstrap replicate; check it on the "
            "full sample first (e.g. PPV with no positive calls is NaN)."
        )
    if bad.any():
        warnings.warn(
            f"dropped {int(bad.sum())} of {reps.size} replicates where the metric was NaN; the interval may be biased.",
            UserWarning,
            stacklevel=2,
        )
    kept = reps[~bad]
    low, high = np.quantile(kept, [alpha / 2, 1 - alpha / 2])
    method = "stratified bootstrap percentile" if stratified else "bootstrap percentile"
    return BootstrapResult(
        float(metric(y, s)),
        float(low),
        float(high),
        level=1 - alpha,
        method=method,
        n=int(y.size),
        se=float(np.std(kept, ddof=1)),
        replicates=kept,
    )


@dataclass(frozen=True)
class BootstrapResult(Estimate):
    """A :class:`radkit.stats.Estimate` from :func:`bootstrap_ci`, with the bootstrap SE and the replicates."""

    se: float = float("nan")
    replicates: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def as_dict(self) -> dict[str, float | str | int]:
        """The estimate's fields and ``se`` (the replicates stay on the object)."""
        out = asdict(self)
        out.pop("replicates")
        return out


@dataclass(frozen=True)
class DelongResult(Estimate):
    """A :class:`radkit.stats.Estimate` of the AUC from :func:`delong_auc`, with DeLong's variance and SE.

    The interval is the normal approximation ``auc +/- z * se``, clipped to [0, 1].
    """

    var: float = float("nan")
    se: float = float("nan")

    @property
    def auc(self) -> float:
        """The AUC (same as ``estimate``)."""
        return self.estimate


@dataclass(frozen=True)
class DelongTest:
    """Paired DeLong comparison of two AUCs (``diff = auc_a - auc_b``)."""

    auc_a: float
    auc_b: float
    diff: float
    se: float
    z: float
    p: float

    def to_frame(self, name: str = "A - B") -> pd.DataFrame:
        """A one-row table with columns ``auc_a, auc_b, diff, se, z, p``."""
        return pd.DataFrame([asdict(self)], index=[name])
