"""Where labels come from: the process that turns reads into "ground truth".

:mod:`radkit.adjudication` estimates agreement and combines reads; this module
scores and simulates the *process* around it (consideration 04, ambiguous
ground truth; simulated readers come from :func:`radkit.synth.simulate_readers`):

* :func:`expected_kappa` -- the kappa two readers of given sensitivity and
  specificity reach at a given prevalence (why rare findings get low kappa;
  it lives with the other kappas in :mod:`radkit.adjudication.agreement`);
* :func:`label_quality` -- sensitivity, specificity, PPV and NPV of a set of
  labels against a reference, with Wilson intervals (report-mined labels
  against expert adjudication);
* :func:`compare_label_models` -- majority vote, Dawid-Skene and Raykar scored
  against the known truth;
* :func:`adjudicate` -- independent reads, disagreements flagged, an expert
  reads only those; what it buys and what it costs in reads.

Examples
--------
>>> from radkit.adjudication.label_process import expected_kappa
>>> round(float(expected_kappa(0.8, 0.98, 0.3)), 2), round(float(expected_kappa(0.8, 0.98, 0.01)), 2)
(0.67, 0.22)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments
from radkit._validate import check_fraction, check_labels
from radkit.adjudication.agreement import expected_kappa
from radkit.adjudication.label_models import dawid_skene, raykar
from radkit.adjudication.voting import majority_vote
from radkit.metrics import confusion
from radkit.stats import wilson_ci

__all__ = [
    "expected_kappa",
    "label_quality",
    "compare_label_models",
    "adjudicate",
    "Adjudication",
]


def label_quality(reference: Any, labels: Any, *, level: float = 0.95) -> pd.DataFrame:
    """How well 0/1 ``labels`` match a 0/1 ``reference``, with Wilson intervals.

    Parameters
    ----------
    reference : array-like of 0/1
        The better labels (expert adjudication, a confirmatory test, the truth).
    labels : array-like of 0/1
        The labels being judged (report-mined, one reader...), aligned.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Rows ``sensitivity, specificity, ppv, npv``; columns ``estimate, low, high, k, n``
        (``k`` of ``n`` cases, e.g. for PPV: true positives of label positives).

    Examples
    --------
    >>> from radkit.adjudication.label_process import label_quality
    >>> float(label_quality([1, 1, 0, 0, 0], [1, 0, 1, 0, 0]).loc["ppv", "estimate"])
    0.5
    """
    ref, lab = check_labels(reference, "reference").astype(np.int64), check_labels(labels, "labels").astype(np.int64)
    if len(ref) != len(lab):
        raise ValueError(f"reference and labels differ in length ({len(ref)} vs {len(lab)}).")
    tn, fp, fn, tp = (int(v) for v in confusion(ref, lab))
    k = np.array([tp, tn, tp, tn])
    n = np.array([tp + fn, tn + fp, tp + fp, tn + fn])
    lo, hi = wilson_ci(k, n, level=level)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = k / n
    return pd.DataFrame(
        {"estimate": est, "low": lo, "high": hi, "k": k, "n": n},
        index=pd.Index(["sensitivity", "specificity", "ppv", "npv"], name="measure"),
    )


def _truth_for(truth: Any, items: pd.Index) -> np.ndarray:
    if isinstance(truth, pd.Series):
        missing = items.difference(truth.index)
        if len(missing):
            raise ValueError(f"truth has no value for {len(missing)} item(s), e.g. {list(missing[:3])}.")
        return check_labels(truth.loc[items].to_numpy(), "truth").astype(np.int64)
    arr = check_labels(truth, "truth").astype(np.int64)
    if not (pd.api.types.is_integer_dtype(items) and items.min() >= 0 and items.max() < len(arr)):
        raise ValueError(
            "truth is an array, so items must be the positions 0..n-1; pass truth as a Series indexed by item instead."
        )
    return arr[items.to_numpy()]


def _scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    pos = y_true == 1
    return {
        "accuracy": float((y_pred == y_true).mean()),
        "sensitivity": float((y_pred[pos] == 1).mean()) if pos.any() else np.nan,
        "specificity": float((y_pred[~pos] == 0).mean()) if (~pos).any() else np.nan,
    }


def compare_label_models(
    table: pd.DataFrame, truth: Any, *, X: Any = None, seed: int, tie: str = "random"
) -> pd.DataFrame:
    """Score majority vote, Dawid-Skene and (with features ``X``) Raykar against the truth.

    Parameters
    ----------
    table : DataFrame
        Long ``item, reader, label`` table, binary, one finding.
    truth : Series indexed by item, or array indexed by item position 0..n-1
    X : DataFrame indexed by item, optional
        Image features for :func:`radkit.adjudication.raykar`.
    seed : int
        For majority-vote ties.
    tie : str, default "random"
        Majority-vote tie policy (see :func:`radkit.adjudication.majority_vote`).

    Returns
    -------
    DataFrame
        One row per label model; columns ``accuracy, sensitivity, specificity`` against the truth.

    Examples
    --------
    >>> import numpy as np
    >>> from radkit.adjudication.label_process import compare_label_models
    >>> from radkit.synth import simulate_readers
    >>> y = (np.random.default_rng(0).random(300) < 0.3).astype(int)
    >>> t = simulate_readers(y, sensitivity=[0.9, 0.6, 0.6], specificity=[0.95, 0.7, 0.7], seed=1).labels
    >>> list(compare_label_models(t, y, seed=0).index)
    ['majority vote', 'Dawid-Skene']
    """
    mv = majority_vote(table, tie=tie, seed=seed)
    y_true = _truth_for(truth, mv.index)
    preds = {"majority vote": mv, "Dawid-Skene": dawid_skene(table).labels}
    if X is not None:
        preds["Raykar"] = raykar(table, X).labels
    rows = {name: _scores(y_true, p.loc[mv.index].to_numpy()) for name, p in preds.items()}
    return pd.DataFrame(rows).T.rename_axis("label model")


@dataclass(frozen=True)
class Adjudication:
    """Result of :func:`adjudicate`.

    Attributes
    ----------
    labels : Series
        Final label per item: the readers' common label, or the expert's.
    first_read : Series
        Majority vote of the independent reads (ties to the expert anyway).
    flagged : Series of bool
        Items on which the independent readers disagreed.
    n_reads : int
        Independent reads (rows of the table).
    n_expert_reads : int
        Extra reads by the expert (= flagged items).
    """

    labels: pd.Series
    first_read: pd.Series
    flagged: pd.Series
    n_reads: int
    n_expert_reads: int

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``label`` (final), ``first_read`` (majority vote) and ``flagged``."""
        return pd.DataFrame({"label": self.labels, "first_read": self.first_read, "flagged": self.flagged})

    @property
    def reads_per_item(self) -> float:
        """All reads, independent plus expert, per item."""
        return (self.n_reads + self.n_expert_reads) / len(self.labels)


@renamed_arguments(expert_sens="expert_sensitivity", expert_spec="expert_specificity")
def adjudicate(
    table: pd.DataFrame, truth: Any, *, expert_sensitivity: float, expert_specificity: float, seed: int
) -> Adjudication:
    """Simulate adjudication: an expert reads only the items the readers disagree on.

    Items on which all readers gave the same label keep it, right or wrong:
    adjudication cannot fix a mistake that everybody made. Each flagged item
    gets one read by a simulated expert who sees a true positive with
    probability ``expert_sensitivity`` and calls a true negative negative with
    probability ``expert_specificity``; that read is final.

    Parameters
    ----------
    table : DataFrame
        Long ``item, reader, label`` table, binary, one finding.
    truth : Series indexed by item, or array indexed by item position 0..n-1
        The hidden truth the expert reads from.
    expert_sensitivity, expert_specificity : float in [0, 1]
    seed : int

    Returns
    -------
    Adjudication

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.adjudication.label_process import adjudicate
    >>> t = pd.DataFrame({"item": [0, 0, 1, 1], "reader": ["A", "B"] * 2, "label": [1, 1, 1, 0]})
    >>> res = adjudicate(t, [1, 0], expert_sensitivity=1.0, expert_specificity=1.0, seed=0)
    >>> res.labels.tolist(), res.n_expert_reads
    ([1, 0], 1)
    """
    se = float(check_fraction(expert_sensitivity, "expert_sensitivity"))
    sp = float(check_fraction(expert_specificity, "expert_specificity"))
    first = majority_vote(table, tie="positive")
    spread = table.groupby("item", sort=True)["label"].agg(["min", "max"]).loc[first.index]
    flagged = pd.Series((spread["min"] != spread["max"]).to_numpy(), index=first.index, name="flagged")
    y_true = _truth_for(truth, first.index)
    rng = np.random.default_rng(seed)
    expert = (rng.random(len(y_true)) < np.where(y_true == 1, se, 1 - sp)).astype(np.int64)
    final = np.where(flagged.to_numpy(), expert, first.to_numpy())
    return Adjudication(
        labels=pd.Series(final, index=first.index, name="label"),
        first_read=first,
        flagged=flagged,
        n_reads=len(table),
        n_expert_reads=int(flagged.sum()),
    )
