"""Where labels come from: the process that turns reads into "ground truth".

:mod:`radkit.adjudication` estimates agreement and combines reads; this module
scores and simulates the *process* around it (consideration 04, ambiguous
ground truth; simulated readers come from :func:`radkit.synth.simulate_readers`):

* :func:`expected_kappa` -- the kappa two readers of given sensitivity and
  specificity reach at a given prevalence (why rare findings get low kappa);
* :func:`label_quality` -- sensitivity, specificity, PPV and NPV of a set of
  labels against a reference, with Wilson intervals (report-mined labels
  against expert adjudication);
* :func:`compare_label_models` -- majority vote, Dawid-Skene and Raykar scored
  against the known truth;
* :func:`adjudicate` -- independent reads, disagreements flagged, an expert
  reads only those; what it buys and what it costs in reads.

Examples
--------
>>> from radkit.label_process import expected_kappa
>>> round(float(expected_kappa(0.8, 0.98, 0.3)), 2), round(float(expected_kappa(0.8, 0.98, 0.01)), 2)
(0.67, 0.22)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from radkit._validate import check_fraction, check_labels
from radkit.adjudication import dawid_skene, majority_vote, raykar
from radkit.metrics import confusion

__all__ = [
    "expected_kappa",
    "wilson_ci",
    "label_quality",
    "compare_label_models",
    "adjudicate",
    "Adjudication",
]


def expected_kappa(sens: Any, spec: Any, prevalence: Any) -> np.ndarray:
    """Cohen's kappa expected between two independent readers with equal sens/spec.

    Both readers see the same items, make their errors independently given
    the truth, and have sensitivity ``sens`` and specificity ``spec``. Kappa
    corrects the observed agreement for the agreement expected by chance from
    how often each reader says "present"; for a rare finding chance agreement
    on "absent" is already near 1, so the same readers earn a much lower kappa.
    Broadcasts over its arguments.

    Parameters
    ----------
    sens, spec : float or array-like in [0, 1]
    prevalence : float or array-like in (0, 1)

    Returns
    -------
    ndarray
        Expected kappa (NaN where a reader always gives one label).

    Examples
    --------
    >>> from radkit.label_process import expected_kappa
    >>> float(expected_kappa(1.0, 1.0, 0.2))
    1.0
    """
    se, sp, p = check_fraction(sens, "sens"), check_fraction(spec, "spec"), check_fraction(prevalence, "prevalence")
    q = p * se + (1 - p) * (1 - sp)  # P(reader says present)
    both_pos = p * se**2 + (1 - p) * (1 - sp) ** 2
    both_neg = p * (1 - se) ** 2 + (1 - p) * sp**2
    po = both_pos + both_neg
    pe = q**2 + (1 - q) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (po - pe) / (1 - pe)


def wilson_ci(k: Any, n: Any, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``k / n`` (broadcasts).

    Examples
    --------
    >>> from radkit.label_process import wilson_ci
    >>> lo, hi = wilson_ci(8, 10)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.49, 0.943)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), e.g. 0.95; got {level!r}.")
    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("wilson_ci: need 0 <= k <= n.")
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # at k = 0 or k = n rounding can put a bound a hair on the wrong side of k / n (lo = 2e-18 at 0/200),
    # which makes error bars (p - lo, hi - p) negative: the interval always contains the estimate
    return np.fmin(centre - half, p), np.fmax(centre + half, p)


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
        Rows ``sens, spec, ppv, npv``; columns ``estimate, low, high, k, n``
        (``k`` of ``n`` cases, e.g. for PPV: true positives of label positives).

    Examples
    --------
    >>> from radkit.label_process import label_quality
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
    return pd.DataFrame({"estimate": est, "low": lo, "high": hi, "k": k, "n": n},
                        index=pd.Index(["sens", "spec", "ppv", "npv"], name="measure"))


def _truth_for(truth: Any, items: pd.Index) -> np.ndarray:
    if isinstance(truth, pd.Series):
        missing = items.difference(truth.index)
        if len(missing):
            raise ValueError(f"truth has no value for {len(missing)} item(s), e.g. {list(missing[:3])}.")
        return check_labels(truth.loc[items].to_numpy(), "truth").astype(np.int64)
    arr = check_labels(truth, "truth").astype(np.int64)
    if not (pd.api.types.is_integer_dtype(items) and items.min() >= 0 and items.max() < len(arr)):
        raise ValueError("truth is an array, so items must be the positions 0..n-1; "
                         "pass truth as a Series indexed by item instead.")
    return arr[items.to_numpy()]


def _scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    pos = y_true == 1
    return {"accuracy": float((y_pred == y_true).mean()),
            "sens": float((y_pred[pos] == 1).mean()) if pos.any() else np.nan,
            "spec": float((y_pred[~pos] == 0).mean()) if (~pos).any() else np.nan}


def compare_label_models(table: pd.DataFrame, truth: Any, *, X: Any = None, seed: int,
                         tie: str = "random") -> pd.DataFrame:
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
        One row per label model; columns ``accuracy, sens, spec`` against the truth.

    Examples
    --------
    >>> import numpy as np
    >>> from radkit.label_process import compare_label_models
    >>> from radkit.synth import simulate_readers
    >>> y = (np.random.default_rng(0).random(300) < 0.3).astype(int)
    >>> t = simulate_readers(y, sens=[0.9, 0.6, 0.6], spec=[0.95, 0.7, 0.7], seed=1).labels
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


def adjudicate(table: pd.DataFrame, truth: Any, *, expert_sens: float, expert_spec: float,
               seed: int) -> Adjudication:
    """Simulate adjudication: an expert reads only the items the readers disagree on.

    Items on which all readers gave the same label keep it, right or wrong:
    adjudication cannot fix a mistake that everybody made. Each flagged item
    gets one read by a simulated expert who sees a true positive with
    probability ``expert_sens`` and calls a true negative negative with
    probability ``expert_spec``; that read is final.

    Parameters
    ----------
    table : DataFrame
        Long ``item, reader, label`` table, binary, one finding.
    truth : Series indexed by item, or array indexed by item position 0..n-1
        The hidden truth the expert reads from.
    expert_sens, expert_spec : float in [0, 1]
    seed : int

    Returns
    -------
    Adjudication

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.label_process import adjudicate
    >>> t = pd.DataFrame({"item": [0, 0, 1, 1], "reader": ["A", "B"] * 2, "label": [1, 1, 1, 0]})
    >>> res = adjudicate(t, [1, 0], expert_sens=1.0, expert_spec=1.0, seed=0)
    >>> res.labels.tolist(), res.n_expert_reads
    ([1, 0], 1)
    """
    se, sp = float(check_fraction(expert_sens, "expert_sens")), float(check_fraction(expert_spec, "expert_spec"))
    first = majority_vote(table, tie="positive")
    spread = table.groupby("item", sort=True)["label"].agg(["min", "max"]).loc[first.index]
    flagged = pd.Series((spread["min"] != spread["max"]).to_numpy(), index=first.index, name="flagged")
    y_true = _truth_for(truth, first.index)
    rng = np.random.default_rng(seed)
    expert = (rng.random(len(y_true)) < np.where(y_true == 1, se, 1 - sp)).astype(np.int64)
    final = np.where(flagged.to_numpy(), expert, first.to_numpy())
    return Adjudication(labels=pd.Series(final, index=first.index, name="label"), first_read=first,
                        flagged=flagged, n_reads=len(table), n_expert_reads=int(flagged.sum()))
