"""Checks for notebooks/12_fairness.ipynb (solutions/12_fairness.ipynb)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from radkit.checks import exercise
from radkit.fairness import chouldechova_fpr, equal_opportunity_thresholds, n_to_detect
from radkit.metrics import from_confusion


def _close(a: float, b: float, tol: float = 1e-3) -> bool:
    return bool(np.isfinite(a) and abs(a - b) <= tol)


@exercise("12.1")
def equal_opportunity_by_hand(answer, *, tables):
    """Answer: the equal-opportunity difference (max - min sensitivity) over the groups of ``tables``.

    ``tables`` maps group -> dict(tn, fp, fn, tp).
    """
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return "give one number: the largest group sensitivity minus the smallest."
    m = {g: from_confusion(**t) for g, t in tables.items()}
    sens = [float(x.sensitivity) for x in m.values()]
    want = max(sens) - min(sens)
    if _close(got, want):
        return None
    if got < 0:
        return "a difference between groups is reported as largest minus smallest, so it is >= 0."
    fpr = [1 - float(x.specificity) for x in m.values()]
    ppv = [float(x.ppv) for x in m.values()]
    sel = [(t["tp"] + t["fp"]) / sum(t.values()) for t in tables.values()]
    if _close(got, max(fpr) - min(fpr)):
        return "that is the false-positive-rate difference; equal opportunity compares sensitivities (TP / (TP + FN))."
    if _close(got, max(ppv) - min(ppv)):
        return "that is the PPV (predictive parity) difference; equal opportunity looks at the sick patients only."
    if _close(got, max(sel) - min(sel)):
        return "that is the demographic-parity difference (selection rates); use sensitivity, TP / (TP + FN)."
    if _close(got, min(sens) / max(sens)):
        return "that is the ratio (smallest / largest); the difference is largest minus smallest."
    return "compute each group's sensitivity TP / (TP + FN), then the largest minus the smallest."


@exercise("12.2")
def calibration_vs_equal_fpr(answer, *, prevalence, ppv, fnr):
    """Answer: dict group -> the false-positive rate forced by prevalence, PPV and FNR."""
    if not isinstance(answer, Mapping) or set(answer) != set(prevalence):
        return f"give a dict with one false-positive rate per group: keys {sorted(prevalence)}."
    bad = []
    for g, p in prevalence.items():
        want = float(chouldechova_fpr(p, ppv, fnr))
        got = float(answer[g])
        if not _close(got, want, 1e-4):
            bad.append(g)
            if _close(got, float(chouldechova_fpr(1 - p, ppv, fnr)), 1e-4):
                return "p / (1 - p) is upside down: the factor is prevalence over (1 - prevalence)."
            if _close(got, want / (1 - fnr), 1e-4):
                return "you left out the last factor, (1 - FNR): only the detected positives set the PPV."
            if _close(got, float(p / (1 - p) * ppv / (1 - ppv) * (1 - fnr)), 1e-4):
                return "the PPV factor is (1 - PPV) / PPV: false positives per true positive."
    if bad:
        return (
            "start from PPV = TP / (TP + FP): FP = TP (1 - PPV) / PPV, TP = (1 - FNR) · positives, "
            "and FPR = FP / negatives; positives / negatives = p / (1 - p)."
        )
    return None


@exercise("12.3")
def group_thresholds(answer, *, y_true, y_score, groups, sensitivity):
    """Answer: dict group -> the highest threshold reaching ``sensitivity`` in that group."""
    want = equal_opportunity_thresholds(y_true, y_score, groups=groups, sensitivity=sensitivity)
    if not isinstance(answer, Mapping) or set(answer) != set(want):
        return f"give a dict with one threshold per group: keys {sorted(want)}."
    y, s, g = np.asarray(y_true), np.asarray(y_score, dtype=float), np.asarray(groups)
    for name, t in want.items():
        got = float(answer[name])
        if _close(got, t, 1e-9):
            continue
        pos = s[(g == name) & (y == 1)]
        reached = float(np.mean(pos >= got))
        if reached < sensitivity - 1e-9:
            return (
                f"in group {name!r} your threshold reaches a sensitivity of {reached:.3f}, below "
                f"{sensitivity}; a case is called positive when its score is >= the threshold, so lower it."
            )
        return (
            f"in group {name!r} a higher threshold also reaches {sensitivity:.0%}, with fewer false "
            "alarms; take the highest one (it is always one of the group's positive scores)."
        )
    return None


@exercise("12.4")
def films_to_detect_gap(answer, *, sensitivity, gap, prevalence):
    """Answer: films per group needed to detect ``sensitivity`` vs ``sensitivity + gap`` (80% power)."""
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return "give one number: films per group."
    positives = n_to_detect(sensitivity, sensitivity + gap)
    want = positives / prevalence
    if abs(got - want) <= 0.02 * want:
        return None
    if abs(got - positives) <= 0.02 * positives:
        return (
            "that is the number of positive patients per group; a sensitivity is measured on positives "
            "only, so divide by the prevalence to get the films."
        )
    if got < want:
        return "too few: use fairness.n_to_detect for the positives, then divide by the prevalence."
    return "too many: n_to_detect already gives positives per group (not in total); divide by the prevalence once."
