"""Checks for notebooks/04_ambiguous_ground_truth.ipynb (solutions/04_ambiguous_ground_truth.ipynb)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from radkit.checks import close, exercise, variant


@exercise("04.1")
def cohen_kappa_by_hand(answer, *, a, b):
    """Answer: Cohen's kappa between the 0/1 label vectors ``a`` and ``b``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    got = float(np.asarray(answer, dtype=float))
    po = float(np.mean(a == b))
    pa, pb = a.mean(), b.mean()
    pe = pa * pb + (1 - pa) * (1 - pb)
    kappa = (po - pe) / (1 - pe)
    if close(got, kappa, tol=1e-6):
        return None
    if not -1 <= got <= 1:
        return "kappa lies between -1 and 1; check that you divide by (1 - chance agreement)."
    if close(got, po, tol=1e-6):
        return "that is the observed agreement; kappa also subtracts the agreement expected by chance."
    if close(got, pe, tol=1e-6):
        return "that is the chance agreement alone; kappa compares the observed agreement with it."
    if close(got, po - pe, tol=1e-6):
        return "almost: scale the excess agreement by the most it could be, 1 - chance agreement."
    pe_wrong = pa * pb
    if close(got, (po - pe_wrong) / (1 - pe_wrong), tol=1e-6):
        return "chance agreement counts both ways of agreeing: both say present, and both say absent."
    if close(got, (po - 0.5) / 0.5, tol=1e-6):
        return "chance agreement depends on how often each reader says present, not on a coin flip."
    return (
        "compute the observed agreement (share of items with equal labels) and the chance "
        "agreement from each reader's own rate of saying present, then combine them."
    )


def _reference_m_step(table: pd.DataFrame, posterior: pd.Series) -> pd.DataFrame:
    w = posterior.reindex(table["item"]).to_numpy()
    lab = table["label"].to_numpy()
    g = pd.DataFrame(
        {"reader": table["reader"].to_numpy(), "tp": w * lab, "pos": w, "tn": (1 - w) * (1 - lab), "neg": 1 - w}
    )
    s = g.groupby("reader", sort=True).sum()
    return pd.DataFrame({"sensitivity": s.tp / s.pos, "specificity": s.tn / s.neg})


def _m_step_case(seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """A small, uneven case: readers read different items; posteriors are soft."""
    rng = np.random.default_rng(seed)
    n, readers = 60, ["A", "B", "C", "D"]
    rows = []
    for i in range(n):
        for r in rng.choice(readers, size=3, replace=False):
            rows.append((i, r, int(rng.random() < 0.4)))
    table = pd.DataFrame(rows, columns=["item", "reader", "label"])
    posterior = pd.Series(rng.beta(0.7, 0.7, n), index=pd.RangeIndex(n, name="item"), name="p")
    return table, posterior


@exercise("04.2", variants=True)
def m_step(answer, **_):
    """Answer: a function ``m_step(table, posterior) -> DataFrame`` (per reader ``sensitivity``, ``specificity``)."""
    if not callable(answer):
        return "give the function itself (m_step), not its result."
    table, posterior = _m_step_case(seed=4 + 1000 * variant())
    want = _reference_m_step(table, posterior)
    got = answer(table.copy(), posterior.copy())
    if not isinstance(got, pd.DataFrame) or not {"sensitivity", "specificity"} <= set(got.columns):
        return "return a DataFrame indexed by reader with columns 'sensitivity' and 'specificity'."
    got = got.reindex(want.index)
    if got[["sensitivity", "specificity"]].isna().any().any():
        return f"return one row per reader ({', '.join(want.index)}), indexed by reader id."
    g_se, g_sp = got["sensitivity"].to_numpy(float), got["specificity"].to_numpy(float)
    if np.allclose(g_se, want.sensitivity, atol=1e-6) and np.allclose(g_sp, want.specificity, atol=1e-6):
        return None
    if np.allclose(g_se, want.specificity, atol=1e-6) and np.allclose(g_sp, want.sensitivity, atol=1e-6):
        return "sensitivity and specificity are swapped."
    hard = (posterior >= 0.5).astype(float)
    h = _reference_m_step(table, hard)
    if np.allclose(g_se, h.sensitivity, atol=1e-6) and np.allclose(g_sp, h.specificity, atol=1e-6):
        return "you thresholded the posteriors; EM weights every item by its soft posterior probability."
    w = posterior.reindex(table["item"]).to_numpy()
    lab = table["label"].to_numpy()
    tp = pd.Series(w * lab).groupby(table["reader"].to_numpy()).sum()
    if np.allclose(g_se, (tp / posterior.sum()).reindex(want.index), atol=1e-6):
        return "divide by the expected number of positives among the items *this reader* read, not all items."
    return (
        "sensitivity of a reader = expected true positives / expected positives, both summed "
        "over the items that reader labelled, with the posterior as the weight "
        "(1 - posterior for specificity)."
    )


def _majority_accuracy(n_readers: int, sens: float, spec: float, prevalence: float) -> float:
    need = n_readers // 2 + 1
    hit_pos = stats.binom.sf(need - 1, n_readers, sens)
    hit_neg = stats.binom.sf(need - 1, n_readers, spec)
    return float(prevalence * hit_pos + (1 - prevalence) * hit_neg)


@exercise("04.3")
def label_budget(answer, *, sens, spec, prevalence):
    """Answer: dict with expected label accuracy ``"one reader"`` and ``"three readers"`` (majority)."""
    if not isinstance(answer, dict) or not {"one reader", "three readers"} <= set(answer):
        return "give a dict with keys 'one reader' and 'three readers'."
    one, three = float(answer["one reader"]), float(answer["three readers"])
    want1 = _majority_accuracy(1, sens, spec, prevalence)
    want3 = _majority_accuracy(3, sens, spec, prevalence)
    if not (0 <= one <= 1 and 0 <= three <= 1):
        return "accuracies are probabilities between 0 and 1."
    if not close(one, want1, tol=1e-4):
        if close(one, (sens + spec) / 2, tol=1e-4):
            return "one reader: weight sensitivity and specificity by how common positives and negatives are."
        return "one reader is right on a positive with probability sens and on a negative with probability spec."
    if close(three, want3, tol=1e-4):
        return None
    if close(three, one**3, tol=1e-4) or close(three, prevalence * sens**3 + (1 - prevalence) * spec**3, tol=1e-4):
        return "the majority is right when at least two of the three are right, not only when all three are."
    two_right = prevalence * 3 * sens**2 * (1 - sens) + (1 - prevalence) * 3 * spec**2 * (1 - spec)
    if close(three, two_right, tol=1e-4):
        return "count both cases: exactly two right, and all three right."
    return (
        "for each true class, the majority is right when 2 or 3 of 3 independent readers are "
        "right (a binomial count); weight the two classes by the prevalence."
    )
