"""Checks for notebooks/09_model_decay.ipynb (solutions/09_model_decay.ipynb)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.stats import norm

from radkit.checks import close, exercise
from radkit.drift import labels_needed
from radkit.metrics import prior_correct

#: The drift kind each scenario of exercise 09.1 describes.
SCENARIO_KINDS = {
    "new_detector": "covariate",  # a flat-panel detector replaces computed radiography: p(x) moves
    "flu_season": "prior",  # more pneumonia in winter, each pneumonia looks the same
    "new_guideline": "concept",  # the same films, a new threshold for calling the finding
    "older_referrals": "covariate",  # a geriatric ward starts referring: the patients' mix moves
    "reader_change": "concept",  # a new radiologist calls borderline cases differently
}
_KINDS = ("covariate", "prior", "concept")


@exercise("09.1")
def name_the_drift(answer, *, scenarios):
    """Answer: dict scenario -> "covariate", "prior" or "concept"."""
    if not isinstance(answer, Mapping) or set(answer) != set(scenarios):
        return f"give a dict with one kind of drift per scenario: keys {sorted(scenarios)}."
    given = {k: str(v).strip().lower() for k, v in answer.items()}
    unknown = sorted(k for k, v in given.items() if v not in _KINDS)
    if unknown:
        return f"use one of {_KINDS} for every scenario (check {unknown})."
    wrong = sorted(k for k in scenarios if given[k] != SCENARIO_KINDS[k])
    if not wrong:
        return None
    k = wrong[0]
    want = SCENARIO_KINDS[k]
    if want == "concept":
        return (
            f"{k!r}: do the films change, or only what is called positive on the same films? When p(y | x) "
            "moves with p(x) fixed, it is concept drift."
        )
    if want == "prior":
        return (
            f"{k!r}: does each sick patient's film look different, or are there simply more sick patients? "
            "A change in p(y) with p(x | y) fixed is a prior shift."
        )
    return (
        f"{k!r}: the films themselves (who is imaged, on what) change while the rule that turns a film into a "
        "label stays: covariate shift."
    )


@exercise("09.2")
def labels_per_week(answer, *, prevalence, drop, alpha, power):
    """Answer: the whole number of labelled films a week (one-sided z test on observed − expected)."""
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return "give one whole number: the labelled films a week."
    sd = float(np.sqrt(prevalence * (1 - prevalence)))
    want = labels_needed(drop, sd=sd, alpha=alpha, power=power)
    if got == want:
        return None
    if abs(got - want) <= 1:
        return "round up (np.ceil): a fraction of a film cannot be labelled, and rounding down loses power."
    z1, zb = norm.ppf(1 - alpha), norm.ppf(power)
    if abs(got - np.ceil(((norm.ppf(1 - alpha / 2) + zb) * sd / drop) ** 2)) <= 1:
        return "a drop is one-sided (you alarm only when positives fall): use z_{1-alpha}, not z_{1-alpha/2}."
    if abs(got - np.ceil((z1 * sd / drop) ** 2)) <= 1:
        return "that k detects the drop only half of the time; add z_power to z_{1-alpha} for the stated power."
    if abs(got - np.ceil((z1 + zb) * sd / drop)) <= 1:
        return "the standard error falls as 1/sqrt(k): square (z sd / drop) to get k."
    if abs(got - np.ceil(((z1 + zb) * prevalence * (1 - prevalence) / drop) ** 2)) <= 1:
        return "sd is the standard deviation of one film's 0/1 label, sqrt(p (1 - p)), not the variance p (1 - p)."
    return "k = ((z_{1-alpha} + z_power) * sd / drop)^2, rounded up, with sd = sqrt(p (1 - p))."


@exercise("09.3")
def prior_correction(answer, *, p, train_prior, new_prior):
    """Answer: the probabilities ``p`` corrected from ``train_prior`` to ``new_prior``."""
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return "give an array of probabilities, one per film."
    p = np.asarray(p, dtype=float)
    if got.shape != p.shape:
        return f"give one corrected probability per film ({p.size}), in the same order."
    want = prior_correct(p, train_prevalence=train_prior, true_prevalence=new_prior)
    if np.allclose(got, want, atol=1e-6):
        return None
    if np.allclose(got, prior_correct(p, train_prevalence=new_prior, true_prevalence=train_prior), atol=1e-6):
        return "the priors are swapped: multiply the odds by odds(new) / odds(train), not the reverse."
    scaled = p * new_prior / train_prior
    if np.allclose(got, scaled, atol=1e-6) or np.allclose(got, np.clip(scaled, 0, 1), atol=1e-6):
        return (
            "scaling p by new / train prior is not enough: the negative class must be re-weighted too "
            "(work with odds, or divide by the re-weighted sum)."
        )
    if close(float(np.mean(got)), new_prior, tol=1e-6):
        return "the mean of the corrected probabilities need not equal the new prior: correct each film by Bayes' rule."
    return "odds' = p / (1 - p) × [q / (1 - q)] / [pi / (1 - pi)]; p' = odds' / (1 + odds')."
