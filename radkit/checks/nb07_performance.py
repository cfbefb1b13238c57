"""Checks for notebooks/07_performance_measures.ipynb (solutions/07_performance_measures.ipynb)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from radkit.checks import close, exercise
from radkit.metrics import (
    confusion,
    delong_auc,
    from_confusion,
    ppv_at_prevalence,
    threshold_for_sensitivity,
)

_TABLE_KEYS = ("sensitivity", "specificity", "ppv", "npv", "accuracy")
_TOL = 1e-3  # table measures: a student may round to three decimals


@exercise("07.1")
def table1_by_hand(answer, *, tn, fp, fn, tp):
    """Answer: dict of sensitivity, specificity, ppv, npv and accuracy of the table."""
    if not isinstance(answer, Mapping):
        return "give a dict with the keys " + ", ".join(repr(k) for k in _TABLE_KEYS) + "."
    missing = [k for k in _TABLE_KEYS if k not in answer]
    if missing:
        return "your dict lacks " + ", ".join(repr(k) for k in missing) + "; spell the keys as in the exercise."
    got = {k: float(answer[k]) for k in _TABLE_KEYS}
    if any(v > 1 for v in got.values()):
        return "give fractions between 0 and 1, not percentages."
    m = from_confusion(tn=tn, fp=fp, fn=fn, tp=tp)
    want = {k: float(getattr(m, k)) for k in _TABLE_KEYS}
    if all(close(got[k], want[k], tol=_TOL) for k in _TABLE_KEYS):
        return None
    swapped = close(got["sensitivity"], want["specificity"], tol=_TOL) and close(
        got["specificity"], want["sensitivity"], tol=_TOL
    )
    if swapped:
        return "sensitivity and specificity are swapped: sensitivity is about the diseased patients."
    if not close(got["sensitivity"], want["sensitivity"], tol=_TOL):
        if close(got["sensitivity"], want["ppv"], tol=_TOL):
            return (
                "your sensitivity divides by the positive calls; sensitivity asks what share of the "
                "diseased patients (true positives + false negatives) the test finds."
            )
        return "sensitivity: of all patients with the finding, what fraction did the test call positive?"
    if not close(got["specificity"], want["specificity"], tol=_TOL):
        if close(got["specificity"], want["npv"], tol=_TOL):
            return (
                "your specificity divides by the negative calls; specificity asks what share of the "
                "healthy patients (true negatives + false positives) the test calls negative."
            )
        return "specificity: of all patients without the finding, what fraction did the test call negative?"
    if not close(got["ppv"], want["ppv"], tol=_TOL):
        if close(got["ppv"], want["sensitivity"], tol=_TOL):
            return "PPV divides the true positives by all positive calls (true + false positives), not by the diseased."
        return "PPV (precision): of all positive calls, what fraction are truly diseased?"
    if not close(got["npv"], want["npv"], tol=_TOL):
        if close(got["npv"], want["specificity"], tol=_TOL):
            return "NPV divides the true negatives by all negative calls (true negatives + false negatives)."
        return "NPV: of all negative calls, what fraction are truly healthy?"
    if close(got["accuracy"], float(m.balanced_accuracy), tol=_TOL):
        return "that is the balanced accuracy; accuracy is all correct calls over all patients."
    return "accuracy: correct calls (both kinds) divided by all patients."


@exercise("07.2")
def screening_ppv(answer, *, y_val, score_val, prevalence, target=0.95):
    """Answer: dict with the ``threshold`` and the ``ppv`` at ``prevalence``."""
    if not isinstance(answer, Mapping) or not {"threshold", "ppv"} <= set(answer):
        return "give a dict with the keys 'threshold' and 'ppv'."
    y = np.asarray(y_val).astype(int).ravel()
    s = np.asarray(score_val, dtype=float).ravel()
    t, ppv = float(answer["threshold"]), float(answer["ppv"])
    m = confusion(y, (s >= t).astype(int)).measures()
    if m.sensitivity < target - 1e-9:
        return (
            f"at your threshold the validation sensitivity is {m.sensitivity:.3f}, below {target}; "
            "a case counts as positive when its score is >= the threshold, so lower it."
        )
    best_t = threshold_for_sensitivity(y, s, target=target)
    best = confusion(y, (s >= best_t).astype(int)).measures()
    if m.specificity < best.specificity - 1e-9:
        return (
            f"your threshold reaches {target:.0%} sensitivity but a higher one does too, with better "
            "specificity; take the highest threshold that still keeps the sensitivity target."
        )
    if ppv > 1 or ppv < 0:
        return "a PPV is a fraction between 0 and 1."
    want = float(ppv_at_prevalence(m.sensitivity, m.specificity, prevalence))
    approx = float(ppv_at_prevalence(target, m.specificity, prevalence))  # nominal sensitivity is fine
    if min(abs(ppv - want), abs(ppv - approx)) <= 2e-3:
        return None
    if close(ppv, float(m.ppv), tol=2e-3):
        return (
            f"that is the PPV at the validation set's own prevalence ({y.mean():.0%}); apply Bayes' "
            f"theorem with the screening prevalence of {prevalence:.0%}."
        )
    if close(ppv, float(m.npv), tol=2e-3) or ppv > 0.9:
        return (
            "much too high for a rare finding: PPV = sens·p / (sens·p + (1 − spec)·(1 − p)); "
            "check which terms carry p and which carry 1 − p."
        )
    return (
        "the threshold is right; compute PPV = sens·p / (sens·p + (1 − spec)·(1 − p)) with the "
        "sensitivity and specificity measured at it and the screening prevalence p."
    )


@exercise("07.3")
def bootstrap_by_hand(answer, *, y_true, y_score):
    """Answer: (low, high) of a 95% percentile bootstrap interval for the AUC."""
    try:
        low, high = (float(v) for v in answer)
    except (TypeError, ValueError):
        return "give the interval as a pair (low, high) of two numbers."
    if low > 1 or high > 1:
        return "an AUC lies between 0 and 1; give fractions, not percentages."
    if low > high:
        return "low is above high; give (low, high) in that order."
    ref = delong_auc(y_true, y_score)
    ref_width = ref.high - ref.low
    width = high - low
    if width < 1e-6:
        return (
            "your interval has no width: each replicate must resample the cases (pairs of label and "
            "score) with replacement, so replicates differ."
        )
    if not low < ref.auc < high:
        return (
            "the interval does not contain the AUC of the full sample; resample labels and scores "
            "together (the same indices for both)."
        )
    if 0.4 < width / ref_width < 0.65:
        return (
            "the interval is about half as wide as it should be: a 95% interval uses the 2.5th and 97.5th percentiles."
        )
    if width / ref_width < 0.4:
        return (
            "far too narrow: resample n cases with replacement (n = the full sample size) in every "
            "replicate, and take percentiles of the replicate AUCs."
        )
    if width / ref_width > 1.6:
        return (
            "far too wide: take the 2.5th and 97.5th percentiles of the replicate AUCs (not of the "
            "scores), each replicate as large as the sample."
        )
    if abs(low - ref.low) <= 0.2 * ref_width and abs(high - ref.high) <= 0.2 * ref_width:
        return None
    return "the interval is shifted; use np.percentile(replicate_aucs, [2.5, 97.5])."


@exercise("07.4")
def which_recalibration(answer, *, z_cal, y_cal, pos_weight):
    """Answer: dict with ``method`` ("platt" or "temperature") and the fitted ``intercept``."""
    from radkit.metrics import fit_platt

    if not isinstance(answer, Mapping) or not {"method", "intercept"} <= set(answer):
        return "give a dict with the keys 'method' and 'intercept'."
    method = str(answer["method"]).strip().lower()
    if method.startswith("temp"):
        return (
            "temperature scaling divides the logit by T, so a logit of 0 stays at probability 0.5; "
            "it can stretch the scale but not move it. Which map has an intercept?"
        )
    if not method.startswith("platt"):
        return "name the method: 'platt' or 'temperature'."
    got = float(answer["intercept"])
    slope, intercept = fit_platt(z_cal, y_cal)
    shift = float(np.log(pos_weight))
    if close(got, intercept, tol=0.05) or close(got, -shift, tol=0.3):
        return None
    if close(got, shift, tol=0.3) or close(got, -intercept, tol=0.05):
        return (
            "the sign is flipped: up-weighting positives pushed the logits up, so the map that "
            "undoes it moves them down."
        )
    if close(got, 0.0, tol=0.05):
        return "an intercept of 0 leaves the shift in place; fit metrics.PlattScaler on the calibration data."
    return (
        "fit metrics.PlattScaler().fit(z_cal, y_cal) and read intercept_; before fitting, "
        "guess it from pos_weight: the weighting added about log(pos_weight) to every logit."
    )
