"""The replicated comparison: methods x prevalences x heads, on embeddings, with intervals over replicates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from radkit.imbalance.evaluate import score_measures
from radkit.imbalance.methods import HEADS, METHODS, fit_method
from radkit.imbalance.prior import prior_correct
from radkit.seeding import check_seed, rng, spawn
from radkit.stats import Estimate, percentile_interval

__all__ = ["draw_training_set", "case_control_sizes", "Comparison", "compare_methods"]

MEASURES = ("PR-AUC", "ROC-AUC", "sens@spec", "sens@t", "spec@t", "accuracy@t", "ECE")


def draw_training_set(y, *, prevalence: float, n: int, seed: int, min_positives: int = 6) -> np.ndarray:
    """Indices of ``n`` cases of ``y`` with the given share of positives (no case twice).

    At least ``min_positives`` positives are drawn (SMOTE needs k + 1 of them).

    Examples
    --------
    >>> y = np.r_[np.zeros(90, int), np.ones(10, int)]
    >>> idx = draw_training_set(y, prevalence=0.1, n=50, seed=0)
    >>> len(idx), int(y[idx].sum())
    (50, 6)
    """
    y = np.asarray(y).astype(np.int64)
    if isinstance(prevalence, bool) or not 0 < prevalence < 1:
        raise ValueError(f"prevalence must be in (0, 1), got {prevalence!r}.")
    n_pos = max(int(round(prevalence * n)), min_positives)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if n_pos > len(pos) or n - n_pos > len(neg):
        raise ValueError(
            f"the pool has {len(pos)} positives and {len(neg)} negatives; a training set of {n} at "
            f"prevalence {prevalence:g} needs {n_pos} and {n - n_pos}. Lower n or enlarge the pool."
        )
    g = rng(check_seed(seed))
    return np.sort(np.r_[g.choice(pos, n_pos, replace=False), g.choice(neg, n - n_pos, replace=False)])


def case_control_sizes(
    y, prevalences: Sequence[float], *, positive_share: float = 0.8, min_positives: int = 6
) -> dict[float, int]:
    """Training-set sizes of a case-control design on a real pool: fixed positives, negatives set the prevalence.

    A real pool has the prevalence of its source, and its positives are few. To train at a
    chosen prevalence without inventing cases, every training set takes the same number
    of the pool's positives (``positive_share`` of them, drawn afresh in each replicate
    by :func:`draw_training_set`, so replicates differ) and as many negatives as the
    prevalence needs: the training set grows as the prevalence falls. The prevalence is
    then set by design, not by the clinic, so measures that depend on it (PPV, PR-AUC,
    calibration) must be evaluated at, or prior-corrected to, the clinic's prevalence
    (:func:`radkit.imbalance.score_measures` with ``prevalence=``,
    :func:`radkit.imbalance.prior_correct`).

    Parameters
    ----------
    y : array-like of 0/1
        Labels of the pool.
    prevalences : sequence of float
        Wanted training prevalences, each in (0, 1).
    positive_share : float, default 0.8, keyword-only
        Share of the pool's positives in each training set, in (0, 1].
    min_positives : int, default 6, keyword-only
        Fewest positives a training set may hold (SMOTE needs its k + 1 neighbours).

    Returns
    -------
    dict of float to int
        ``{prevalence: n}`` for the prevalences the pool can reach, in the order given;
        a prevalence below what the pool's negatives allow is left out. Pass it as
        ``n_train`` to :func:`compare_methods`, or ``n=sizes[p]`` to :func:`draw_training_set`.

    Examples
    --------
    >>> y = np.r_[np.zeros(990, int), np.ones(25, int)]  # a real pool at about 2.5%
    >>> case_control_sizes(y, [0.2, 0.1, 0.05, 0.02, 0.01])  # 20 positives each; 1% needs 1,980 negatives
    {0.2: 100, 0.1: 200, 0.05: 400, 0.02: 1000}
    """
    y = np.asarray(y).astype(np.int64)
    if isinstance(positive_share, bool) or not 0 < positive_share <= 1:
        raise ValueError(f"positive_share must be in (0, 1], got {positive_share!r}.")
    n_pos_pool, n_neg_pool = int((y == 1).sum()), int((y == 0).sum())
    k = int(np.floor(positive_share * n_pos_pool))
    if k < min_positives:
        raise ValueError(
            f"the pool has {n_pos_pool} positives; {positive_share:g} of them is {k}, fewer than "
            f"min_positives={min_positives}. Use a larger pool (more films) or a more common finding."
        )
    sizes = {}
    for prevalence in prevalences:
        if isinstance(prevalence, bool) or not 0 < prevalence < 1:
            raise ValueError(f"prevalence must be in (0, 1), got {prevalence!r}.")
        n = int(round(k / prevalence))
        n_pos = max(int(round(prevalence * n)), min_positives)  # as draw_training_set counts them
        if n_pos <= n_pos_pool and n - n_pos <= n_neg_pool:
            sizes[prevalence] = n
    return sizes


@dataclass
class Comparison:
    """Per-replicate results of :func:`compare_methods`.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per (head, prevalence, method, replicate): the measures of
        :func:`radkit.imbalance.score_measures` at the deployment prevalence,
        and the same at the threshold 0.5 after prior correction (``... corrected``).
    """

    rows: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Mean and 95% percentile interval over replicates, per head, prevalence, method and measure."""
        out = []
        for key, group in self.rows.groupby(["head", "prevalence", "method"], sort=False):
            for measure in [c for c in group.columns if c not in ("head", "prevalence", "method", "replicate")]:
                values = group[measure].to_numpy(dtype=float)
                if np.all(np.isnan(values)):
                    continue
                e = self.estimate(values)
                out.append(
                    {
                        "head": key[0],
                        "prevalence": key[1],
                        "method": key[2],
                        "measure": measure,
                        "mean": e.estimate,
                        "low": e.low,
                        "high": e.high,
                        "n": e.n,
                    }
                )
        return pd.DataFrame(out)

    @staticmethod
    def estimate(values: np.ndarray) -> Estimate:
        values = values[~np.isnan(values)]
        low, high = percentile_interval(values) if len(values) > 1 else (np.nan, np.nan)
        return Estimate(
            float(values.mean()),
            float(low),
            float(high),
            level=0.95,
            method="percentile over replicates",
            n=len(values),
        )

    def table(self, measure: str, *, head: str | None = None) -> pd.DataFrame:
        """Mean of ``measure`` per method (rows) and prevalence (columns)."""
        rows = self.rows if head is None else self.rows[self.rows["head"] == head]
        return rows.pivot_table(index="method", columns="prevalence", values=measure, aggfunc="mean", sort=False)

    def winners(self, measure: str = "PR-AUC") -> pd.DataFrame:
        """Per head and prevalence: the best method by mean, and the share of replicates it wins."""
        out = []
        for (head, prev), group in self.rows.groupby(["head", "prevalence"], sort=False):
            wide = group.pivot(index="replicate", columns="method", values=measure)
            best = wide.mean().idxmax()
            wins = (wide.idxmax(axis=1) == best).mean()
            out.append(
                {
                    "head": head,
                    "prevalence": prev,
                    "best": best,
                    "mean": wide[best].mean(),
                    "share of replicates won": wins,
                }
            )
        return pd.DataFrame(out)


def compare_methods(
    X_pool,
    y_pool,
    X_test,
    y_test,
    *,
    methods: Sequence[str],
    prevalences: Sequence[float],
    n_train: int | Mapping[float, int],
    n_rep: int,
    heads: Sequence[str] = ("large",),
    specificity: float = 0.9,
    seed: int,
    progress: bool = True,
) -> Comparison:
    """Every method at every prevalence, refitted on ``n_rep`` fresh training draws.

    Each replicate draws a training set of ``n_train`` cases at the given
    prevalence from the pool (:func:`draw_training_set`), fits each method
    (:func:`radkit.imbalance.fit_method`) and measures it on the test set
    re-weighted to the same prevalence (:func:`radkit.imbalance.score_measures`).
    ``n_train`` may be a mapping ``{prevalence: n}`` (a case-control design on a real
    pool, :func:`case_control_sizes`): each prevalence then has its own training-set size.
    Probabilities are also prior-corrected from the method's training prevalence
    to the true one and thresholded at 0.5 again.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> X = np.r_[g.normal(0, 1, (300, 3)), g.normal(1.5, 1, (100, 3))]; y = np.r_[[0] * 300, [1] * 100]
    >>> c = compare_methods(X, y, X, y, methods=["plain", "SMOTE"], prevalences=[0.1], n_train=200, n_rep=2,
    ...                     seed=0, progress=False)
    >>> c.rows.shape[0], sorted(c.rows["method"].unique())
    (4, ['SMOTE', 'plain'])
    """
    unknown = [m for m in methods if m not in METHODS] + [h for h in heads if h not in HEADS]
    if unknown:
        raise ValueError(
            f"Unknown method(s)/head(s) {unknown}. Methods: {', '.join(METHODS)}; heads: {', '.join(HEADS)}."
        )
    if isinstance(n_rep, bool) or not isinstance(n_rep, (int, np.integer)) or n_rep < 1:
        raise ValueError(f"n_rep must be a positive int (prof.n_rep), got {n_rep!r}.")
    X_pool, X_test = np.asarray(X_pool, dtype=np.float64), np.asarray(X_test, dtype=np.float64)
    y_pool, y_test = np.asarray(y_pool).astype(np.int64), np.asarray(y_test).astype(np.int64)
    from tqdm.auto import tqdm

    rows = []
    jobs = [(r, s, prev) for prev in prevalences for r, s in enumerate(spawn(check_seed(seed), n_rep))]
    for r, rep_seed, prev in tqdm(jobs, desc="replicates", disable=not progress):
        n = n_train[prev] if isinstance(n_train, Mapping) else n_train
        idx = draw_training_set(y_pool, prevalence=prev, n=n, seed=rep_seed)
        for head in heads:
            for name in methods:
                fitted = fit_method(name, X_pool[idx], y_pool[idx], head=head, seed=rep_seed)
                score = fitted.decision_function(X_test)
                row = {
                    "head": head,
                    "prevalence": prev,
                    "method": name,
                    "replicate": r,
                    **score_measures(
                        y_test,
                        score,
                        prevalence=prev,
                        specificity=specificity,
                        threshold=0.5 if fitted.is_probability else None,
                    ),
                }
                if fitted.is_probability:
                    fixed = prior_correct(score, train_prevalence=fitted.train_prevalence, true_prevalence=prev)
                    m = score_measures(y_test, fixed, prevalence=prev, specificity=specificity)
                    row.update({"sens@t corrected": m["sens@t"], "ECE corrected": m["ECE"]})
                rows.append(row)
    return Comparison(pd.DataFrame(rows))
