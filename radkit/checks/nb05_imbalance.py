"""Checks for notebooks/05_class_imbalance.ipynb (solutions/05_class_imbalance.ipynb)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from radkit.checks import close, exercise


def _need(answer, keys: tuple[str, ...]) -> str | None:
    if not isinstance(answer, Mapping) or not set(keys) <= set(answer):
        return "give a dict with the keys " + ", ".join(repr(k) for k in keys) + "."
    return None


@exercise("05.1")
def pos_weight_and_effective_prevalence(answer, *, n_images, n_positive, chosen_weight):
    """Answer: dict with the balancing ``pos_weight`` and the ``effective_prevalence`` under ``chosen_weight``."""
    missing = _need(answer, ("pos_weight", "effective_prevalence"))
    if missing:
        return missing
    pi = n_positive / n_images
    w, eff = float(answer["pos_weight"]), float(answer["effective_prevalence"])
    if not close(w, (1 - pi) / pi, tol=1e-6):
        if close(w, pi / (1 - pi), tol=1e-6):
            return "that is the weight that would make negatives count more; the weight multiplies the *positives*."
        if close(w, 1 / pi, tol=1e-6):
            return (
                "close: 1 / prevalence counts all images; the positives must balance the *negatives*, "
                "n_negative / n_positive."
            )
        return "choose w so that w × (number of positives) equals the number of negatives."
    want = chosen_weight * pi / (chosen_weight * pi + 1 - pi)
    if close(eff, want, tol=1e-4):
        return None
    if close(eff, chosen_weight * pi, tol=1e-4):
        return (
            "w × prevalence counts the weighted positives, but the share must be taken of the weighted "
            "total: weighted positives plus the (unweighted) negatives."
        )
    if close(eff, 0.5, tol=1e-4):
        return f"0.5 is the share under the balancing weight; the scenario uses a weight of {chosen_weight:g}."
    return "a weight of w counts each positive w times: share = w·π / (w·π + 1 − π)."


@exercise("05.2")
def prior_correction_by_hand(answer, *, probs, train_prevalence, true_prevalence):
    """Answer: a function ``f(p, train_prevalence, true_prevalence)`` that returns corrected probabilities."""
    if not callable(answer):
        return "give the function itself (answer = my_prior_correct), not its output."
    p = np.asarray(probs, dtype=float)

    def odds(x):
        return x / (1 - x)

    ratio = odds(true_prevalence) / odds(train_prevalence)
    want = ratio * p / (ratio * p + 1 - p)  # odds times the ratio, back to a probability
    got = np.asarray(answer(p, train_prevalence, true_prevalence), dtype=float)
    if got.shape != p.shape:
        return f"return one probability per input: got shape {got.shape} for {p.shape} inputs."
    if np.allclose(got, want, atol=1e-9):
        same = np.asarray(answer(p, 0.3, 0.3), dtype=float)
        if not np.allclose(same, p, atol=1e-9):
            return "when the two prevalences are equal nothing should change; check the ratio."
        return None
    inverse = (p / ratio) / (p / ratio + 1 - p)
    if np.allclose(got, inverse, atol=1e-9):
        return (
            "the correction goes the wrong way: the model trained at the higher prevalence over-states the "
            "risk, so its odds must shrink."
        )
    if np.allclose(got, odds(p) * ratio, atol=1e-9):
        return "you returned odds; turn them back into probabilities with o / (1 + o)."
    if np.allclose(got, np.clip(p * true_prevalence / train_prevalence, 0, 1), atol=1e-9):
        return "scaling the probability is not Bayes' rule; scale the *odds* by the ratio of the prior odds."
    return "multiply the odds p / (1 − p) by odds(true prevalence) / odds(training prevalence), then convert back."


@exercise("05.3")
def choose_a_method(answer, *, comparison, prevalence, measure="sens@spec"):
    """Answer: dict with the chosen ``method``, its mean ``value`` of ``measure``, and ``prior_correct``.

    A choice passes when it is tied with the best method: the 95% interval of the paired difference
    (best minus chosen, over the comparison's replicates, which share their training draws) reaches
    zero, and the stated value is the comparison's own number. A method the replicates show to be
    worse, however slightly, is rejected with a hint.
    """
    missing = _need(answer, ("method", "value", "prior_correct"))
    if missing:
        return missing
    rows = comparison.rows[comparison.rows["prevalence"] == prevalence]
    means = rows.groupby("method")[measure].mean()
    method = answer["method"]
    if method not in means.index:
        return f"choose one of the methods that were compared: {', '.join(means.index)}."
    if answer["value"] is None or not close(answer["value"], means[method], tol=1e-6):
        return f"report the mean {measure} of your method at this prevalence, as computed in the comparison table."
    best = means.idxmax()
    wide = rows.pivot_table(index="replicate", columns="method", values=measure)
    diff = (wide[best] - wide[method]).dropna()
    half = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
    if diff.mean() - half > 0:
        return (
            f"on {measure} {best} does clearly better here: over the paired replicates its lead over your "
            f"method ({diff.mean():.3f}) is larger than its 95% interval allows by chance. Look at the table again."
        )
    changes_prior = method not in ("plain", "one-class")
    if bool(answer["prior_correct"]) != changes_prior:
        if changes_prior:
            return (
                "this method trains at a balanced prevalence: the probabilities shown to a radiologist must be "
                "prior-corrected."
            )
        return "this method trains at the true prevalence (or gives no probability): there is nothing to correct."
    return None
