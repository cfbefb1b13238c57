"""Checks for notebooks/06_asymmetric_costs.ipynb (solutions/06_asymmetric_costs.ipynb)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from radkit.checks import exercise
from radkit.costs import (
    CostMatrix,
    bayes_decision,
    bayes_threshold,
    guaranteed_threshold,
    shift_threshold,
)
from radkit.metrics import threshold_for_sensitivity


def _close(a: float, b: float, tol: float = 1e-6) -> bool:
    return bool(np.isfinite(a) and abs(a - b) <= tol)


def _need(answer, keys: tuple[str, ...]) -> str | None:
    if not isinstance(answer, Mapping) or not set(keys) <= set(answer):
        return "give a dict with the keys " + ", ".join(repr(k) for k in keys) + "."
    return None


@exercise("06.1")
def p_star_and_shift(answer, *, cost_fp, cost_fn, train_prevalence, deploy_prevalence):
    """Answer: dict with ``p_star`` and ``deploy_threshold`` (on the model's scale)."""
    missing = _need(answer, ("p_star", "deploy_threshold"))
    if missing:
        return missing
    p, t = float(answer["p_star"]), float(answer["deploy_threshold"])
    want_p = bayes_threshold(CostMatrix.binary(cost_fp=cost_fp, cost_fn=cost_fn))
    if not _close(p, want_p):
        if _close(p, cost_fn / (cost_fp + cost_fn)):
            return (
                "that is the threshold for calling *negative*: a positive call is worth it once the "
                "expected cost of calling negative, p · C_FN, reaches (1 − p) · C_FP."
            )
        if _close(p, cost_fp / cost_fn):
            return "close, but C_FP / C_FN is the odds at p*, not the probability; turn odds into p = o / (1 + o)."
        return "compare p · C_FN (cost of calling negative) with (1 − p) · C_FP and solve for p."
    want_t = shift_threshold(want_p, train_prevalence=train_prevalence, deploy_prevalence=deploy_prevalence)
    if _close(t, want_t, 1e-4):
        return None
    wrong_way = shift_threshold(want_p, train_prevalence=deploy_prevalence, deploy_prevalence=train_prevalence)
    if _close(t, want_p, 1e-4):
        return (
            "p* is right; now the model's probabilities were calibrated at the training prevalence, "
            "so the threshold on its scale must move."
        )
    if _close(t, wrong_way, 1e-4):
        return (
            "the shift goes the wrong way: where the finding is rarer, the model over-states the risk, "
            "so the threshold on its scale must go up."
        )
    return (
        "multiply the odds of p* by odds(train prevalence) / odds(deployment prevalence), "
        "then turn the odds back into a probability."
    )


@exercise("06.2")
def triage_matrix_and_decisions(answer, *, probs, classes, costs):
    """Answer: dict with the K x K ``cost`` matrix and the Bayes ``decisions`` for ``probs``.

    ``costs`` maps (true class, called class) to the stated cost.
    """
    missing = _need(answer, ("cost", "decisions"))
    if missing:
        return missing
    k = len(classes)
    want = np.zeros((k, k))
    for (true, called), value in costs.items():
        want[classes.index(true), classes.index(called)] = value
    got = np.asarray(answer["cost"], dtype=float)
    if got.shape != (k, k):
        return f"the cost matrix must be {k} x {k}, one row and one column per class in the order {classes}."
    if not np.allclose(got, want):
        if np.allclose(got.T, want):
            return "the matrix is transposed: rows are the true class, columns the call."
        if np.any(np.diag(got) != 0):
            return "a correct call costs nothing here: the diagonal should be zero."
        return "some entries differ from the scenario; read each sentence as (true class, called class, cost)."
    p = np.asarray(probs, dtype=float)
    dec = np.asarray(answer["decisions"]).astype(int).ravel()
    right = bayes_decision(p, CostMatrix.from_array(want, classes=classes))
    if dec.shape != right.shape:
        return f"give one decision (a class index) for each of the {right.size} cases."
    if np.array_equal(dec, right):
        return None
    if np.array_equal(dec, p.argmax(1)):
        return "those are the most likely classes (argmax); the Bayes decision minimises expected cost."
    if np.array_equal(dec, np.argmax(p @ want, axis=1)):
        return "you took the most expensive call; the Bayes decision is the argmin of the expected costs."
    if np.array_equal(dec, np.argmin(p @ want.T, axis=1)):
        return (
            "the expected cost of calling j is sum_i p_i · C[i, j]: weight column j of the matrix by "
            "the probabilities (p @ C), not row j."
        )
    return "for each case compute p @ C (one expected cost per possible call) and take the argmin."


@exercise("06.3")
def sensitivity_with_guarantee(answer, *, y_val, score_val, target, level):
    """Answer: dict with the exact ``threshold`` and the ``guaranteed`` one."""
    missing = _need(answer, ("threshold", "guaranteed"))
    if missing:
        return missing
    y = np.asarray(y_val).astype(int).ravel()
    s = np.asarray(score_val, dtype=float).ravel()
    t, g = float(answer["threshold"]), float(answer["guaranteed"])
    want_t = threshold_for_sensitivity(y, s, target=target)
    pos = s[y == 1]
    if not _close(t, want_t):
        sens = float(np.mean(pos >= t))
        if sens < target:
            return (
                f"at your threshold the validation sensitivity is {sens:.3f}, below {target}; "
                "a case counts as positive when its score is >= the threshold."
            )
        return "take the highest threshold that still reaches the target (it keeps the most specificity)."
    want_g = guaranteed_threshold(pos, target=target, level=level)
    if _close(g, want_g):
        return None
    kept = int(np.sum(pos >= g))
    need = int(np.sum(pos >= want_g))
    if g > want_t:
        return "the guaranteed threshold must be lower than the exact one: it keeps more positives."
    if kept < need:
        return (
            "not enough positives kept: the one-sided lower bound of sensitivity (Clopper-Pearson, "
            "scipy.stats.beta.ppf(1 - level, j, m - j + 1)) must reach the target."
        )
    return (
        "too many positives kept: take the *smallest* number j of top-scored positives whose lower "
        "bound reaches the target, and the j-th highest score as threshold."
    )
