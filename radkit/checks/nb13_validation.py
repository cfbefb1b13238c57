"""Checks for notebooks/13_clinical_validation.ipynb (solutions/13_clinical_validation.ipynb)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from radkit.checks import close, exercise
from radkit.stats import wilson_ci
from radkit.validation import n_for_sens_spec

_CASES = ((0.9, 0.1, 0.05), (0.8, 0.3, 0.05), (0.95, 0.02, 0.03), (0.7, 0.5, 0.1))


@exercise("13.1")
def buderer(answer, **_context):
    """Answer: a function ``f(sens, prevalence, half_width) -> total cases`` (Buderer 1996)."""
    if not isinstance(answer, Callable):
        return "give the function itself (its name, without calling it)."
    for sens, prev, w in _CASES:
        want = n_for_sens_spec(sensitivity=sens, prevalence=prev, half_width=w).n
        got = answer(sens, prev, w)
        try:
            got = float(got)
        except (TypeError, ValueError):
            return "your function must return one number: the total number of cases."
        if got == want:
            continue
        raw = want * prev  # about the positives needed
        if abs(got - raw) <= 1.5:
            return (
                "that is the number of positive cases; the study recruits patients, of whom only a "
                "share (the prevalence) are positive: divide by the prevalence."
            )
        if abs(got - want / 4) <= 2:
            return "you used the full width of the interval; the target is the half-width (+/- w)."
        if abs(got / want - (2 / 1.959964) ** 2) < 0.01:
            return "use z = 1.96 (the 97.5th percentile of the normal) for a 95% interval, not 2."
        if abs(got - want) <= 1 and not float(got).is_integer():
            return "a number of patients is whole: round up (math.ceil)."
        if abs(got - want) <= 1:
            return "round up, not to the nearest: rounding down leaves the interval a little too wide."
        return (
            "positives needed = z^2 sens (1 - sens) / w^2 (the Wald interval solved for n); "
            "then total = positives / prevalence."
        )
    return None


@exercise("13.2")
def pick_estimate(answer, *, estimates: Mapping[str, float], new_site_truth: float):
    """Answer: dict with ``most_optimistic`` and ``closest_to_new_site`` (design names)."""
    if not isinstance(answer, Mapping) or not {"most_optimistic", "closest_to_new_site"} <= set(answer):
        return "give a dict with the keys 'most_optimistic' and 'closest_to_new_site'."
    names = list(estimates)
    for key in ("most_optimistic", "closest_to_new_site"):
        if answer[key] not in names:
            return f"{key}: use one of the design names exactly as in the table: {', '.join(names)}."
    optimistic = max(names, key=lambda k: estimates[k])
    closest = min(names, key=lambda k: abs(estimates[k] - new_site_truth))
    if answer["most_optimistic"] != optimistic:
        return (
            "most optimistic: which design tests the model on the very cases it was fitted to? "
            "Look for the largest estimate."
        )
    if answer["closest_to_new_site"] != closest:
        if answer["closest_to_new_site"] in ("hold-out", "k-fold CV", "optimism-corrected"):
            return (
                "internal designs estimate performance in the development population; the new site "
                "is a different population. Compare each estimate with the new site's true AUC."
            )
        return "compare every estimate with the new site's true AUC: which difference is smallest?"
    return None


@exercise("13.3")
def report_row(answer, *, tp: int, fn: int, tn: int, fp: int):
    """Answer: dict ``sensitivity`` and ``specificity``, each ``(estimate, low, high)`` with a Wilson 95% CI."""
    if not isinstance(answer, Mapping) or not {"sensitivity", "specificity"} <= set(answer):
        return "give a dict with the keys 'sensitivity' and 'specificity'."
    want = {"sensitivity": (tp, tp + fn), "specificity": (tn, tn + fp)}
    for key, (k, n) in want.items():
        try:
            est, low, high = (float(v) for v in answer[key])
        except (TypeError, ValueError):
            return f"{key}: give a tuple (estimate, low, high) of three numbers."
        lo, hi = (float(v) for v in wilson_ci(k, n))
        if close(
            est,
            want["specificity" if key == "sensitivity" else "sensitivity"][0]
            / want["specificity" if key == "sensitivity" else "sensitivity"][1],
            tol=1e-3,
        ) and not close(est, k / n, tol=1e-3):
            return "sensitivity and specificity are swapped: sensitivity is about the patients with the finding."
        if not close(est, k / n, tol=1e-3):
            return f"{key}: the estimate is the share of correct calls among the cases it is about."
        if close(low, lo, tol=1e-3) and close(high, hi, tol=1e-3):
            continue
        z = 1.959964
        wald = (k / n - z * np.sqrt(k / n * (1 - k / n) / n), k / n + z * np.sqrt(k / n * (1 - k / n) / n))
        if close(low, wald[0], tol=1e-3):
            return (
                f"{key}: that is the Wald interval; the report uses Wilson's, which stays inside [0, 1] "
                "and covers better near 0 or 1 (radkit.stats.wilson_ci)."
            )
        return f"{key}: the interval should be Wilson's 95% interval of correct calls / cases."
    return None
