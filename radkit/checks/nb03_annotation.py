"""Checks for notebooks/03_annotation_cost.ipynb (solutions/03_annotation_cost.ipynb)."""

from __future__ import annotations

import numpy as np

from radkit.annotation import Rules, entropy, label_reports, labels_to_reach, select
from radkit.checks import exercise

#: Sentences whose finding is negated by "without"; the rules of exercise 03.1 must code them 0.
WITHOUT_NEGATED = [
    ("Lungs are clear without effusion.", "effusion"),
    ("The lungs are clear without focal consolidation, effusion, or pneumothorax.", "pneumothorax"),
    ("Without evidence of pneumothorax.", "pneumothorax"),
    ("Normal heart size without pulmonary edema.", "edema"),
]
#: Sentences that must stay positive (a rule that negates everything fails them).
STILL_POSITIVE = [
    ("Small left effusion.", "effusion"),
    ("Cardiomegaly without interval change.", "cardiomegaly"),
    ("Right basilar atelectasis with small effusion.", "effusion"),
    ("There is a small pneumothorax, without mediastinal shift.", "pneumothorax"),
]


def _code(rules: Rules, sentence: str, finding: str) -> float:
    return float(label_reports([sentence], findings=[finding], rules=rules).iloc[0, 0])


@exercise("03.1")
def without_rule(answer, **_):
    """Answer: a ``Rules`` object whose negation handles "without"."""
    if not isinstance(answer, Rules):
        return (
            f"give the rules object itself (e.g. weak_rules.with_(negation_pre=(...))), not a {type(answer).__name__}."
        )
    missed = [s for s, f in WITHOUT_NEGATED if _code(answer, s, f) != 0]
    if missed:
        if all(_code(answer, s, f) == 1 for s, f in WITHOUT_NEGATED):
            return (
                "no 'without' sentence is negated yet: add a pattern to negation_pre (a cue *before* the "
                "finding), keeping the existing ones: (*weak_rules.negation_pre, r'...')."
            )
        return (
            f"{len(missed)} of the 'without' sentences are still not negated, e.g. {missed[0]!r}; "
            "does your pattern also cover 'without evidence of'? (cues match whole words)."
        )
    broken = [s for s, f in STILL_POSITIVE if _code(answer, s, f) != 1]
    if broken:
        return (
            f"too broad: {broken[0]!r} should stay positive. Did you add the cue to the wrong list, or "
            "remove the pseudo-negations such as 'without interval change' or the terminators?"
        )
    return None


@exercise("03.2")
def next_by_entropy(answer, *, prob, labeled, n=10):
    """Answer: the ``n`` pool indices to label next, by entropy."""
    try:
        got = [int(i) for i in np.asarray(answer).ravel()]
    except (TypeError, ValueError):
        return "give a list or array of image indices (ints)."
    if len(got) != n:
        return f"pick exactly {n} images, you gave {len(got)}."
    if len(set(got)) != n:
        return "some images appear twice; pick distinct images."
    p = np.asarray(prob, dtype=float)
    if any(i < 0 or i >= p.size for i in got):
        return f"indices must point into the pool (0 to {p.size - 1})."
    if set(got) & set(int(i) for i in labeled):
        return "some of your images are already labelled; the expert's time goes to unlabelled images only."
    want = set(select("entropy", n, labeled=labeled, y_score=p, seed=0).tolist())
    if set(got) == want:
        return None
    h = entropy(p)
    if np.all(p[got] >= np.sort(p)[-3 * n]):
        return "a high probability of disease is not uncertainty; rank by entropy, not by the probability."
    if np.mean(h[got]) < np.median(h):
        return (
            "these are images the model is *sure* about; entropy is largest where the probability is "
            "near 0.5, so sort by entropy in descending order."
        )
    return "close: rank the unlabelled images by entropy (highest first) and take the top ones."


@exercise("03.3")
def hours_to_target(answer, *, n_labels, auc, target, rates):
    """Answer: expert hours to reach ``target`` on the curve (linear interpolation between budgets)."""
    try:
        hours = float(answer)
    except (TypeError, ValueError):
        return "give one number: the expert hours."
    n = labels_to_reach(n_labels, auc, target)
    if not np.isfinite(n):
        return "the curve never reaches the target; check the target you were given."
    want = rates.hours(n)
    if abs(hours - want) <= 0.01 * want + 1e-9:
        return None
    if abs(hours - n) <= 0.01 * n:
        return "that is a number of labels; convert it to hours with the minutes per image-level label."
    if abs(hours - want * 60) <= 0.01 * want * 60:
        return "that is minutes; divide by 60 for hours."
    grid = np.asarray(n_labels, dtype=float)
    nxt = grid[np.searchsorted(grid, n)] if n <= grid[-1] else grid[-1]
    if abs(hours - rates.hours(nxt)) <= 0.01 * rates.hours(nxt):
        return (
            "you took the first budget on the grid above the target; interpolate linearly between the "
            "two budgets around it (or use annotation.labels_to_reach)."
        )
    if abs(hours - rates.cost(n)) <= 0.01 * rates.cost(n):
        return "that is money; the question asks for expert hours."
    return (
        "find the smallest number of labels at which the mean AUC reaches the target (interpolate), "
        "then multiply by the minutes per label and divide by 60."
    )
