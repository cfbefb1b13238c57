"""ROC, precision-recall, cost and decision curves.

ROC and PR come from scikit-learn; this module adds the areas, the references
a reader needs (chance, prevalence, treat-all/treat-none) and two curves that
put costs or harms on the x-axis: Drummond & Holte's cost curves (Mach Learn
2006;65:95-130) and Vickers & Elkin's decision curves (Med Decis Making
2006;26:565-574).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

from radkit._compat import renamed_arguments
from radkit._validate import check_binary, check_count, check_fraction

__all__ = [
    "RocCurve",
    "PrCurve",
    "CostCurve",
    "DecisionCurve",
    "roc",
    "pr_curve",
    "threshold_for_sensitivity",
    "operating_points",
    "cost_curve",
    "net_benefit",
    "decision_curve",
]


def roc(y_true: ArrayLike, y_score: ArrayLike, *, drop_intermediate: bool = False) -> RocCurve:
    """ROC curve and its area (scikit-learn's ``roc_curve`` underneath).

    Point ``k`` calls ``y_score >= thresholds[k]`` positive; the first threshold
    is ``inf`` (nobody positive).

    Examples
    --------
    >>> r = roc([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> r.auc
    0.75
    """
    y, s = check_binary(y_true, y_score, purpose="the ROC curve")
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=drop_intermediate)
    return RocCurve(fpr=fpr, tpr=tpr, thresholds=thr, auc=float(auc(fpr, tpr)))


def pr_curve(y_true: ArrayLike, y_score: ArrayLike) -> PrCurve:
    """Precision-recall curve, average precision and the chance baseline.

    The baseline of a PR curve is the prevalence (a random score's precision),
    not 0.5: with rare findings a modest-looking area can be far above chance.

    Examples
    --------
    >>> p = pr_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> round(p.average_precision, 3), p.prevalence
    (0.833, 0.5)
    """
    y, s = check_binary(y_true, y_score, purpose="the precision-recall curve")
    precision, recall, thr = precision_recall_curve(y, s)
    return PrCurve(
        precision=precision,
        recall=recall,
        thresholds=thr,
        average_precision=float(average_precision_score(y, s)),
        prevalence=float(y.mean()),
    )


def _target_keyword_only(func: Callable[..., float]) -> Callable[..., float]:
    """Accept ``target`` as a third positional argument for one release, with a ``FutureWarning``."""

    @functools.wraps(func)
    def wrapper(y_true: ArrayLike, y_score: ArrayLike, *args: Any, **kwargs: Any) -> float:
        if args:
            if len(args) > 1 or "target" in kwargs:
                raise TypeError(
                    f"{func.__name__}() takes y_true and y_score positionally and target= "
                    "as a keyword; pass target=... only once."
                )
            warnings.warn(
                f"{func.__name__}(y_true, y_score, target) with target positional is deprecated: "
                "pass target=... as a keyword (the same value).",
                FutureWarning,
                stacklevel=2,
            )
            kwargs["target"] = args[0]
        return func(y_true, y_score, **kwargs)

    return wrapper


@_target_keyword_only
def threshold_for_sensitivity(y_true: ArrayLike, y_score: ArrayLike, *, target: float) -> float:
    """Highest threshold whose rule ``y_score >= t`` reaches the target sensitivity.

    The highest such threshold gives the best specificity among all thresholds
    meeting the target. It is always one of the positive cases' scores.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Binary labels and scores; rules are ``y_score >= t``.
    target : float, keyword-only
        The sensitivity to reach, in (0, 1] (keyword-only, as in
        :func:`radkit.costs.operating_point`; a positional ``target`` still works
        for one release, with a ``FutureWarning``).

    Examples
    --------
    >>> threshold_for_sensitivity([0, 1, 1, 1, 1], [0.3, 0.2, 0.5, 0.8, 0.9], target=0.75)
    0.5
    """
    y, s = check_binary(y_true, y_score, both_classes=False)
    if not 0 < target <= 1:
        raise ValueError(f"target must be a sensitivity in (0, 1], got {target!r}.")
    pos = np.sort(s[y == 1])[::-1]
    if pos.size == 0:
        raise ValueError(
            "y_true has no positive cases, so sensitivity is undefined; use a sample that contains positives."
        )
    k = int(np.ceil(round(target * pos.size, 9)))  # fewest true positives needed
    return float(pos[k - 1])


def operating_points(
    y_true: ArrayLike, y_score: ArrayLike, *, cost_ratio: float, prevalence: float | None = None
) -> dict[str, float]:
    """The threshold each of three criteria picks: Youden's J, F1, and least expected cost.

    Each is the best rule for a different loss. On calibrated probabilities
    Youden's J (sens + spec - 1, the ROC point farthest above the diagonal)
    picks the threshold where the posterior equals the prevalence; F1 picks
    half the best F1 (Lipton et al. 2014); the least expected cost with
    ``C_FN / C_FP = cost_ratio`` picks ``1 / (1 + cost_ratio)``. Where those
    three numbers are far apart, so are the thresholds (on any monotone score).

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Binary labels (both classes) and scores; rules are ``y_score >= t``.
    cost_ratio : float, keyword-only
        Cost of a missed case over the cost of a false alarm, ``C_FN / C_FP``.
    prevalence : float, keyword-only, optional
        Prevalence of the population the rule will serve (default: the sample's);
        it enters the cost through ``pc = p C_FN / (p C_FN + (1 - p) C_FP)``.

    Returns
    -------
    dict
        ``{"Youden": t, "F1": t, "cost": t}``; ties go to the highest threshold.

    Examples
    --------
    >>> y = [0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1]
    >>> s = [k / 12 for k in range(1, 13)]
    >>> {name: round(t, 3) for name, t in operating_points(y, s, cost_ratio=20).items()}
    {'Youden': 0.833, 'F1': 0.5, 'cost': 0.25}
    """
    y, s = check_binary(y_true, y_score, purpose="operating points")
    if not np.isfinite(cost_ratio) or cost_ratio <= 0:
        raise ValueError(f"cost_ratio is C_FN / C_FP and must be a positive number (e.g. 4), got {cost_ratio!r}.")
    p = float(y.mean()) if prevalence is None else float(check_fraction(prevalence, "prevalence"))
    if not 0 < p < 1:
        raise ValueError(f"prevalence must lie strictly between 0 and 1, got {prevalence!r}.")
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    tp = tpr * y.sum()
    fp = fpr * (y.size - y.sum())
    f1 = np.divide(2 * tp, tp + fp + y.sum(), out=np.zeros_like(tp), where=(tp + fp + y.sum()) > 0)
    pc = p * cost_ratio / (p * cost_ratio + (1 - p))
    cost = (1 - tpr) * pc + fpr * (1 - pc)
    finite = np.isfinite(thr)  # the first point (t = inf, nobody positive) is not a threshold to report
    pick = {"Youden": tpr - fpr, "F1": f1, "cost": -cost}
    out = {}
    for name, value in pick.items():
        v = np.where(finite, np.round(value, 12), -np.inf)  # rounding: ties break the same way
        out[name] = float(thr[int(np.argmax(v))])  # thresholds decrease: argmax takes the highest
    return out


def cost_curve(y_true: ArrayLike, y_score: ArrayLike, *, n_points: int = 101) -> CostCurve:
    """Cost curve: normalized expected cost against the probability-cost function.

    Each threshold is the line ``NEC(pc) = (1 - TPR) * pc + FPR * (1 - pc)``, where
    ``pc = p(+) C(FN) / (p(+) C(FN) + p(-) C(FP))`` folds prevalence and the
    two error costs into one number in [0, 1]. The lower envelope is the best
    cost the score can reach at each ``pc`` when the threshold is chosen for it;
    the trivial classifiers (all negative: ``NEC = pc``; all positive:
    ``NEC = 1 - pc``) are among the lines.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Binary labels (both classes) and scores.
    n_points : int, keyword-only
        Grid size for ``pc`` on [0, 1].

    Examples
    --------
    >>> c = cost_curve([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    >>> float(c.envelope.max())  # a perfect score costs nothing at any pc
    0.0
    """
    y, s = check_binary(y_true, y_score, purpose="the cost curve")
    n_points = check_count(n_points, "n_points", minimum=2, hint="e.g. n_points=101")
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    pc = np.linspace(0.0, 1.0, n_points)
    lines = (1 - tpr)[:, None] * pc[None, :] + fpr[:, None] * (1 - pc)[None, :]
    envelope = lines.min(axis=0)
    return CostCurve(
        pc=pc,
        envelope=envelope,
        lines=lines,
        thresholds=thr,
        fpr=fpr,
        fnr=1 - tpr,
        area=float(np.trapezoid(envelope, pc)),
    )


@renamed_arguments(y_prob="y_score")
def net_benefit(y_true: ArrayLike, y_score: ArrayLike, pt: ArrayLike) -> np.ndarray | float:
    """Net benefit of treating cases with ``y_score >= pt`` (Vickers & Elkin).

    ``y_score`` holds predicted probabilities in [0, 1]: ``pt`` is read on that scale.

    ``NB(pt) = TP/n - FP/n * pt / (1 - pt)``: true positives gained, minus false
    positives weighted by the odds at the threshold probability ``pt`` (the
    harm-to-benefit ratio the clinician accepts). Vectorized over ``pt``.

    Examples
    --------
    >>> net_benefit([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.7], 0.5)
    0.25
    """
    y, p = check_binary(y_true, y_score, names=("y_score",), kind="prob", both_classes=False)
    pts = check_fraction(pt, "pt (threshold probability)", open_right=True)
    pos, neg = np.sort(p[y == 1]), np.sort(p[y == 0])
    tp = pos.size - np.searchsorted(pos, pts, side="left")
    fp = neg.size - np.searchsorted(neg, pts, side="left")
    nb = tp / y.size - fp / y.size * pts / (1 - pts)
    return nb.item() if nb.ndim == 0 else nb


@renamed_arguments(y_prob="y_score")
def decision_curve(y_true: ArrayLike, y_score: ArrayLike, *, thresholds: ArrayLike | None = None) -> DecisionCurve:
    """Decision curve: the model's net benefit with treat-all and treat-none references.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Binary labels and predicted probabilities in [0, 1].
    thresholds : array-like, keyword-only
        Threshold probabilities in [0, 1); default 0.01, 0.02, ..., 0.99.

    Examples
    --------
    >>> d = decision_curve([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.7], thresholds=[0.5])
    >>> d.model.tolist(), d.treat_all.tolist()
    ([0.25], [0.0])
    """
    pts = (
        np.arange(1, 100) / 100
        if thresholds is None
        else np.atleast_1d(check_fraction(thresholds, "thresholds", open_right=True))
    )
    model = np.atleast_1d(net_benefit(y_true, y_score, pts))
    prev = float(np.mean(check_binary(y_true, names=(), both_classes=False)[0]))
    treat_all = prev - (1 - prev) * pts / (1 - pts)
    return DecisionCurve(thresholds=pts, model=model, treat_all=treat_all, treat_none=np.zeros_like(pts))


@dataclass(frozen=True)
class RocCurve:
    """ROC curve points, thresholds and area under the curve."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float

    def to_frame(self) -> pd.DataFrame:
        """One row per point: ``threshold, fpr, tpr`` (the AUC is in ``.attrs["auc"]``).

        Examples
        --------
        >>> roc([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]).to_frame().shape
        (5, 3)
        """
        out = pd.DataFrame({"threshold": self.thresholds, "fpr": self.fpr, "tpr": self.tpr})
        out.attrs["auc"] = self.auc
        return out


@dataclass(frozen=True)
class PrCurve:
    """Precision-recall points, thresholds, average precision and baseline."""

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray
    average_precision: float
    prevalence: float

    def to_frame(self) -> pd.DataFrame:
        """One row per point: ``threshold, precision, recall``.

        The last point (recall 0, precision 1) has no threshold in scikit-learn's
        convention; its threshold is NaN. Average precision and prevalence are in ``.attrs``.

        Examples
        --------
        >>> f = pr_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]).to_frame()
        >>> f.iloc[-1].tolist()
        [nan, 1.0, 0.0]
        """
        thr = np.r_[self.thresholds, np.nan][: len(self.precision)]
        out = pd.DataFrame({"threshold": thr, "precision": self.precision, "recall": self.recall})
        out.attrs.update(average_precision=self.average_precision, prevalence=self.prevalence)
        return out


@dataclass(frozen=True)
class CostCurve:
    """Cost-curve grid, lower envelope and one line per threshold.

    ``lines[k]`` is threshold ``thresholds[k]``'s normalized expected cost on
    the ``pc`` grid; ``area`` is the area under the envelope (expected cost
    when every ``pc`` is equally likely).
    """

    pc: np.ndarray
    envelope: np.ndarray
    lines: np.ndarray
    thresholds: np.ndarray
    fpr: np.ndarray
    fnr: np.ndarray
    area: float

    def to_frame(self) -> pd.DataFrame:
        """One row per threshold: ``threshold, fpr, fnr`` (each threshold's line runs from
        ``fpr`` at ``pc = 0`` to ``fnr`` at ``pc = 1``); the envelope's area is in ``.attrs["area"]``.

        Examples
        --------
        >>> c = cost_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
        >>> list(c.to_frame().columns)
        ['threshold', 'fpr', 'fnr']
        """
        out = pd.DataFrame({"threshold": self.thresholds, "fpr": self.fpr, "fnr": self.fnr})
        out.attrs["area"] = self.area
        return out


@dataclass(frozen=True)
class DecisionCurve:
    """Net benefit of the model and of treating all / none, per threshold."""

    thresholds: np.ndarray
    model: np.ndarray
    treat_all: np.ndarray
    treat_none: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per threshold probability."""
        return pd.DataFrame(
            {
                "threshold": self.thresholds,
                "model": self.model,
                "treat_all": self.treat_all,
                "treat_none": self.treat_none,
            }
        )
