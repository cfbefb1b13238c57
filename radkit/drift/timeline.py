"""A deployment timeline: weeks of incoming images with a drift schedule.

Images come from two :mod:`radkit.synth` pools drawn once: the scanners as
they were (``pool_old``) and after a scanner change (``pool_new``, made with
``radkit.synth.Drift(scanner=...)``). Each week draws its images from one
pool (covariate shift from ``scanner_week`` on), with the share of patients who
have the finding set by a prevalence schedule (prior shift: rising,
seasonal...), and labels them by the rule in force (concept drift from
``concept_week`` on: only findings at least ``min_severity`` count, the rule of
``radkit.synth.Drift.concept``). Because the pools are drawn once and scored
once, many timelines cost only index arithmetic: claims are replicated over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["Timeline", "concept_labels", "make_timeline", "prevalence_schedule"]


def concept_labels(meta: pd.DataFrame, finding: str, *, min_severity: float | None = None) -> np.ndarray:
    """Labels of ``finding`` under a labelling rule: present, and (if given) severity >= ``min_severity``.

    This is the rule :class:`radkit.synth.Drift` applies after a concept change
    (``meta`` stores severities rounded, so a case lying exactly on the
    threshold after rounding may count where the generator's unrounded value did not).

    Examples
    --------
    >>> import pandas as pd
    >>> meta = pd.DataFrame({"present_nodule": [1, 1, 0], "severity_nodule": [5.0, 12.0, float("nan")]})
    >>> concept_labels(meta, "nodule", min_severity=8.0).tolist()
    [0, 1, 0]
    """
    cols = (f"present_{finding}", f"severity_{finding}")
    missing = [c for c in cols if c not in meta.columns]
    if missing:
        raise ValueError(
            f"meta lacks columns {missing}; pass the meta table of radkit.synth.generate "
            f"(findings: nodule, consolidation, effusion, cardiomegaly, pneumothorax)."
        )
    present = meta[cols[0]].to_numpy().astype(bool)
    if min_severity is None:
        return present.astype(int)
    sev = meta[cols[1]].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return (present & (sev >= float(min_severity))).astype(int)


def prevalence_schedule(
    n_weeks: int,
    *,
    start: float,
    end: float | None = None,
    from_week: int = 0,
    amplitude: float = 0.0,
    period: float = 26.0,
) -> np.ndarray:
    """Weekly prevalence: constant ``start``, a linear rise to ``end`` from ``from_week``, plus a seasonal sine.

    Examples
    --------
    >>> prevalence_schedule(5, start=0.1, end=0.3, from_week=1).round(2).tolist()
    [0.1, 0.1, 0.17, 0.23, 0.3]
    """
    if isinstance(n_weeks, bool) or not isinstance(n_weeks, (int, np.integer)) or n_weeks < 1:
        raise ValueError(f"n_weeks must be a whole number >= 1, got {n_weeks!r}.")
    w = np.arange(n_weeks, dtype=float)
    end = start if end is None else end
    span = max(n_weeks - 1 - from_week, 1)
    p = start + (end - start) * np.clip((w - from_week) / span, 0, 1)
    p = p + amplitude * np.sin(2 * np.pi * w / period)
    if p.min() <= 0 or p.max() >= 1:
        raise ValueError(
            f"the schedule leaves (0, 1): {p.min():.3f} to {p.max():.3f}; lower the amplitude or the rise."
        )
    return p


@dataclass(frozen=True)
class Timeline:
    """Images of a deployment timeline, as rows of two pools.

    Attributes
    ----------
    week, pool, index : ndarray
        Week of each image, its pool (0 = old scanners, 1 = new) and its row in that pool.
    present : ndarray
        1 if the finding is drawn in the image (the truth the images carry).
    y : ndarray
        The label under the rule of its week (what a radiologist would report).
    prevalence : ndarray
        The planned prevalence of the finding each week.
    changes : dict
        ``scanner_week`` and ``concept_week`` (None if no such change).
    """

    week: np.ndarray
    pool: np.ndarray
    index: np.ndarray
    present: np.ndarray
    y: np.ndarray
    prevalence: np.ndarray
    changes: dict = field(default_factory=dict)

    @property
    def n_weeks(self) -> int:
        return int(self.prevalence.size)

    def take(self, old: ArrayLike, new: ArrayLike | None = None) -> np.ndarray:
        """Rows of per-image arrays (scores, embeddings) of the two pools, in timeline order.

        Examples
        --------
        >>> t = Timeline(np.array([0, 1]), np.array([0, 1]), np.array([2, 0]), np.array([1, 0]),
        ...              np.array([1, 0]), np.array([0.5, 0.5]))
        >>> t.take(np.array([10, 11, 12]), np.array([20, 21])).tolist()
        [12, 20]
        """
        a = np.asarray(old)
        if new is None:
            if self.pool.any():
                raise ValueError("this timeline uses the new-scanner pool: pass its array as new=.")
            return a[self.index]
        b = np.asarray(new)
        if a.shape[1:] != b.shape[1:]:
            raise ValueError(f"old rows {a.shape[1:]} and new rows {b.shape[1:]} differ in shape.")
        out = np.empty((self.index.size, *a.shape[1:]), dtype=np.result_type(a, b))
        o, n = self.pool == 0, self.pool == 1
        out[o], out[n] = a[self.index[o]], b[self.index[n]]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per week: images, planned prevalence, share present, share labelled positive, pool."""
        f = pd.DataFrame({"week": self.week, "present": self.present, "y": self.y, "pool": self.pool})
        g = f.groupby("week").agg(
            n=("y", "size"), present=("present", "mean"), label_rate=("y", "mean"), new_scanner=("pool", "mean")
        )
        g.insert(1, "prevalence", self.prevalence[g.index.to_numpy()])
        return g


def make_timeline(
    pool_old: pd.DataFrame,
    pool_new: pd.DataFrame | None = None,
    *,
    finding: str,
    n_weeks: int,
    per_week: int,
    prevalence: float | ArrayLike,
    scanner_week: int | None = None,
    concept_week: int | None = None,
    min_severity: float | None = None,
    seed: int,
) -> Timeline:
    """Draw a timeline of ``n_weeks`` weeks of ``per_week`` images.

    Parameters
    ----------
    pool_old, pool_new : DataFrame
        ``meta`` tables of the two synthetic pools (before / after the scanner change).
    finding : str
        The finding the model reads.
    n_weeks, per_week : int
        Length of the timeline and images per week.
    prevalence : float or array of n_weeks
        Planned share of images with the finding each week (see :func:`prevalence_schedule`);
        the number of positives of a week is binomial around it.
    scanner_week : int, optional
        First week drawn from ``pool_new``.
    concept_week, min_severity : optional
        From ``concept_week`` on, only findings with severity >= ``min_severity`` are labelled positive.
    seed : int
        Seed of the draws.

    Examples
    --------
    >>> import radkit.synth as synth
    >>> meta = synth.generate(64, size=32, seed=0, masks=False, device="cpu").meta
    >>> t = make_timeline(meta, finding="effusion", n_weeks=3, per_week=10, prevalence=0.3, seed=0)
    >>> t.to_frame()["n"].tolist()
    [10, 10, 10]
    """
    from radkit.seeding import check_seed, rng

    if isinstance(per_week, bool) or not isinstance(per_week, (int, np.integer)) or per_week < 1:
        raise ValueError(f"per_week must be a whole number >= 1, got {per_week!r}.")
    prev = (
        np.broadcast_to(np.asarray(prevalence, dtype=float), (n_weeks,))
        if np.ndim(prevalence) == 0
        else np.asarray(prevalence, dtype=float)
    )
    if prev.shape != (n_weeks,):
        raise ValueError(f"prevalence must be one number or one per week ({n_weeks}), got shape {prev.shape}.")
    if not np.all((prev > 0) & (prev < 1)):
        raise ValueError("every weekly prevalence must lie strictly between 0 and 1.")
    for name, wk in (("scanner_week", scanner_week), ("concept_week", concept_week)):
        if wk is not None and not 0 <= wk < n_weeks:
            raise ValueError(f"{name}={wk} must be a week of the timeline (0-{n_weeks - 1}) or None.")
    if scanner_week is not None and pool_new is None:
        raise ValueError("scanner_week needs pool_new: the meta table of the pool drawn after the scanner change.")
    if concept_week is not None and min_severity is None:
        raise ValueError("concept_week needs min_severity: the severity from which a finding counts as positive.")
    pools = [pool_old] + ([pool_new] if pool_new is not None else [])
    present = [concept_labels(p, finding) for p in pools]
    strict = (
        [concept_labels(p, finding, min_severity=min_severity) for p in pools] if min_severity is not None else present
    )
    for i, pr in enumerate(present):
        if pr.sum() == 0 or pr.sum() == pr.size:
            raise ValueError(
                f"pool {i} has no {'positive' if pr.sum() == 0 else 'negative'} {finding} images; "
                "generate a larger pool or a higher prevalence."
            )
    g = rng(check_seed(seed))
    weeks, pool, index = [], [], []
    for w in range(n_weeks):
        which = 1 if scanner_week is not None and w >= scanner_week else 0
        pos, neg = np.flatnonzero(present[which] == 1), np.flatnonzero(present[which] == 0)
        n_pos = int(g.binomial(per_week, prev[w]))
        rows = np.r_[
            g.choice(pos, n_pos, replace=n_pos > pos.size),
            g.choice(neg, per_week - n_pos, replace=per_week - n_pos > neg.size),
        ]
        weeks.append(np.full(per_week, w))
        pool.append(np.full(per_week, which))
        index.append(rows)
    week, pool_a, idx = np.concatenate(weeks), np.concatenate(pool), np.concatenate(index)
    pres = np.where(pool_a == 0, present[0][idx], present[-1][idx])
    after = np.where(pool_a == 0, strict[0][idx], strict[-1][idx])
    y = np.where(week >= concept_week, after, pres) if concept_week is not None else pres
    return Timeline(
        week,
        pool_a,
        idx,
        pres.astype(int),
        y.astype(int),
        prev.copy(),
        {"scanner_week": scanner_week, "concept_week": concept_week},
    )
