"""Confusion-matrix measures, a one-call report, and PPV/NPV under other prevalences.

Rule for undefined ratios (used everywhere in :mod:`radkit.metrics`): a ratio
whose denominator is zero is NaN when its numerator is also zero (0/0, e.g.
sensitivity with no positive cases, PPV with no positive calls, MCC when a row or
column of the table is empty) and +inf when its numerator is positive (x/0, e.g.
LR+ at specificity 1). No measure raises. Note that scikit-learn reports MCC 0.0
and, by default, precision 0.0 where this module reports NaN.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import average_precision_score, roc_auc_score

from radkit._compat import renamed_arguments
from radkit._validate import check_binary, check_fraction, check_threshold, warn_threshold

__all__ = ["Confusion", "Measures", "confusion", "from_confusion", "report", "ppv_at_prevalence", "npv_at_prevalence"]


def _div(num: Any, den: Any) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)


def _out(arr: np.ndarray) -> Any:
    return arr.item() if np.ndim(arr) == 0 else arr


def from_confusion(*, tn: ArrayLike, fp: ArrayLike, fn: ArrayLike, tp: ArrayLike) -> Measures:
    """Every standard measure of a 2x2 confusion table.

    Counts may be scalars or arrays (broadcast together, e.g. one table per
    threshold); undefined ratios follow the module's NaN/inf rule.

    Parameters
    ----------
    tn, fp, fn, tp : int or array-like
        True negatives, false positives, false negatives, true positives.
        Non-negative; fractional (e.g. weighted) counts are allowed.

    Returns
    -------
    Measures
        Frozen dataclass; ``.as_dict()`` and ``.to_frame()`` for notebooks.

    Examples
    --------
    The paper's Table 1: accuracy looks good, sensitivity does not.

    >>> m = from_confusion(tn=80, fp=10, fn=5, tp=5)
    >>> round(m.accuracy, 2), m.sensitivity, round(m.specificity, 2), round(m.ppv, 2)
    (0.85, 0.5, 0.89, 0.33)
    """
    counts = np.broadcast_arrays(*(np.asarray(c) for c in (tn, fp, fn, tp)))
    for name, c in zip(("tn", "fp", "fn", "tp"), counts, strict=True):
        if c.dtype.kind not in "iuf" or not np.all(np.isfinite(c)) or np.any(c < 0):
            raise ValueError(
                f"{name} must be finite non-negative counts (got {c!r}); "
                "pass the cells of the confusion table, e.g. from confusion()."
            )
    tn_, fp_, fn_, tp_ = (c.astype(np.float64) for c in counts)
    n, pos, neg = tn_ + fp_ + fn_ + tp_, tp_ + fn_, tn_ + fp_
    sens, spec = _div(tp_, pos), _div(tn_, neg)
    mcc_den = np.sqrt((tp_ + fp_) * pos * neg * (tn_ + fn_))
    values = {
        "tn": counts[0],
        "fp": counts[1],
        "fn": counts[2],
        "tp": counts[3],
        "n": counts[0] + counts[1] + counts[2] + counts[3],
        "prevalence": _div(pos, n),
        "accuracy": _div(tp_ + tn_, n),
        "balanced_accuracy": (sens + spec) / 2,
        "sensitivity": sens,
        "specificity": spec,
        "ppv": _div(tp_, tp_ + fp_),
        "npv": _div(tn_, tn_ + fn_),
        "f1": _div(2 * tp_, 2 * tp_ + fp_ + fn_),
        "mcc": _div(tp_ * tn_ - fp_ * fn_, mcc_den),
        "lr_pos": _div(sens, 1 - spec),
        "lr_neg": _div(1 - sens, spec),
        "dor": _div(tp_ * tn_, fp_ * fn_),
    }
    return Measures(**{k: _out(np.asarray(v)) for k, v in values.items()})


def confusion(y_true: ArrayLike, y_pred: ArrayLike) -> Confusion:
    """Count the four cells of the binary confusion table.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted labels, 0/1 or bool (threshold scores first).

    Returns
    -------
    Confusion
        Named tuple ``(tn, fp, fn, tp)``; ``.measures()`` gives :class:`Measures`.

    Examples
    --------
    >>> confusion([0, 0, 1, 1], [0, 1, 1, 1])
    Confusion(tn=1, fp=1, fn=0, tp=2)
    """
    y, p = check_binary(y_true, y_pred, names=("y_pred",), kind="label", both_classes=False)
    tp = int(np.sum((y == 1) & (p == 1)))
    fp = int(np.sum((y == 0) & (p == 1)))
    fn = int(np.sum((y == 1) & (p == 0)))
    return Confusion(tn=y.size - tp - fp - fn, fp=fp, fn=fn, tp=tp)


def report(y_true: ArrayLike, y_score: ArrayLike, *, threshold: float) -> pd.Series:
    """Threshold-free and thresholded performance in one table.

    Cases with ``y_score >= threshold`` are called positive (scikit-learn's
    convention for ROC curves). Warns when the threshold lies outside the scores.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels; both classes must be present (AUC needs them).
    y_score : array-like of shape (n,)
        Scores or probabilities, higher meaning more likely positive.
    threshold : float
        Operating threshold on the scale of ``y_score``.

    Returns
    -------
    pandas.Series
        All :class:`Measures` fields plus ``threshold``, ``auc`` (ROC),
        ``average_precision`` and ``brier`` (NaN unless scores are in [0, 1]).

    Examples
    --------
    >>> r = report([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], threshold=0.5)
    >>> float(r["auc"]), float(r["sensitivity"])
    (0.75, 0.5)
    """
    threshold = check_threshold(threshold)
    y, s = check_binary(y_true, y_score, purpose="the AUC")
    warn_threshold(threshold, s)
    out = confusion(y, (s >= threshold).astype(np.int8)).measures().as_dict()
    probs = bool(s.min() >= 0 and s.max() <= 1)
    out.update(
        threshold=float(threshold),
        auc=float(roc_auc_score(y, s)),
        average_precision=float(average_precision_score(y, s)),
        brier=float(np.mean((s - y) ** 2)) if probs else float("nan"),
    )
    return pd.Series(out, name="value")


@renamed_arguments(sens="sensitivity", spec="specificity")
def ppv_at_prevalence(sensitivity: ArrayLike, specificity: ArrayLike, prevalence: ArrayLike) -> Any:
    """Positive predictive value at another prevalence (Bayes' theorem).

    ``PPV = se * p / (se * p + (1 - sp) * (1 - p))`` with ``se`` the sensitivity,
    ``sp`` the specificity and ``p`` the prevalence; inputs broadcast.

    Examples
    --------
    A good test in a low-prevalence screening population:

    >>> round(ppv_at_prevalence(0.9, 0.9, 0.01), 3)
    0.083
    >>> ppv_at_prevalence(0.9, 0.9, [0.01, 0.5]).round(3).tolist()
    [0.083, 0.9]
    """
    se, sp, p = (
        check_fraction(v, k)
        for v, k in ((sensitivity, "sensitivity"), (specificity, "specificity"), (prevalence, "prevalence"))
    )
    return _out(_div(se * p, se * p + (1 - sp) * (1 - p)))


@renamed_arguments(sens="sensitivity", spec="specificity")
def npv_at_prevalence(sensitivity: ArrayLike, specificity: ArrayLike, prevalence: ArrayLike) -> Any:
    """Negative predictive value at another prevalence (Bayes' theorem).

    ``NPV = sp * (1 - p) / (sp * (1 - p) + (1 - se) * p)`` with ``se`` the
    sensitivity, ``sp`` the specificity and ``p`` the prevalence; inputs broadcast.

    Examples
    --------
    >>> round(npv_at_prevalence(0.9, 0.9, 0.5), 3)
    0.9
    """
    se, sp, p = (
        check_fraction(v, k)
        for v, k in ((sensitivity, "sensitivity"), (specificity, "specificity"), (prevalence, "prevalence"))
    )
    return _out(_div(sp * (1 - p), sp * (1 - p) + (1 - se) * p))


class Confusion(NamedTuple):
    """The four cells of a binary confusion table."""

    tn: int
    fp: int
    fn: int
    tp: int

    def measures(self) -> Measures:
        """All measures of this table (see :func:`from_confusion`)."""
        return from_confusion(**self._asdict())


@dataclass(frozen=True)
class Measures:
    """Measures of one (or, with array fields, many) confusion tables.

    Attributes
    ----------
    tn, fp, fn, tp, n : counts and their total.
    prevalence : (tp + fn) / n.
    accuracy, balanced_accuracy : (tp + tn) / n and (sensitivity + specificity) / 2.
    sensitivity, specificity : tp / (tp + fn) and tn / (tn + fp).
    ppv, npv : tp / (tp + fp) and tn / (tn + fn).
    f1 : 2 tp / (2 tp + fp + fn).
    mcc : Matthews correlation coefficient.
    lr_pos, lr_neg : sens / (1 - spec) and (1 - sens) / spec.
    dor : diagnostic odds ratio tp tn / (fp fn).
    """

    tn: Any
    fp: Any
    fn: Any
    tp: Any
    n: Any
    prevalence: Any
    accuracy: Any
    balanced_accuracy: Any
    sensitivity: Any
    specificity: Any
    ppv: Any
    npv: Any
    f1: Any
    mcc: Any
    lr_pos: Any
    lr_neg: Any
    dor: Any

    @property
    def precision(self) -> Any:
        """Alias of :attr:`ppv`."""
        return self.ppv

    @property
    def recall(self) -> Any:
        """Alias of :attr:`sensitivity`."""
        return self.sensitivity

    def as_dict(self) -> dict[str, Any]:
        """The measures as a plain dict (field order kept)."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per table, one column per measure."""
        return pd.DataFrame({k: np.ravel(v) for k, v in self.as_dict().items()})
