"""Checks for notebooks/08_generalization.ipynb (solutions/08_generalization.ipynb)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from radkit.checks import close, exercise


def _site_only_auc(n_a: float, prev_a: float, n_b: float, prev_b: float, *, ties: float = 0.5) -> float:
    pos_a, pos_b = n_a * prev_a, n_b * prev_b
    neg_a, neg_b = n_a - pos_a, n_b - pos_b
    return (pos_a * neg_b + ties * (pos_a * neg_a + pos_b * neg_b)) / ((pos_a + pos_b) * (neg_a + neg_b))


@exercise("08.1")
def site_only_auc(answer, *, n_a, prev_a, n_b, prev_b):
    """Answer: the AUC of a score that is 1 on site A's films and 0 on site B's (ties count half)."""
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return "give one number: the AUC of the site-only score on the pooled test set."
    want = _site_only_auc(n_a, prev_a, n_b, prev_b)
    if close(got, want, tol=2e-3):
        return None
    if close(got, 1 - want, tol=2e-3):
        return "that is the AUC of the opposite score: the high-prevalence site A should get the higher score."
    if close(got, _site_only_auc(n_a, prev_a, n_b, prev_b, ties=0.0), tol=2e-3):
        return (
            "pairs of a positive and a negative from the same site are ties (both scored alike); "
            "an AUC counts a tie as half a win."
        )
    if close(got, _site_only_auc(n_a, prev_a, n_b, prev_b, ties=1.0), tol=2e-3):
        return "a tie is half a win, not a whole one."
    if not 0 <= got <= 1:
        return "an AUC is a probability, between 0 and 1."
    return (
        "count positives and negatives per site (n x prevalence), then the share of (positive, negative) "
        "pairs where the positive is from A and the negative from B, plus half the same-site pairs."
    )


@exercise("08.2")
def histogram_matching(answer, *, image, reference):
    """Answer: a function ``match(image, reference)`` mapping one image's grey levels onto the reference's."""
    from radkit.generalization import match_histograms

    if not callable(answer):
        return "give the function itself (answer = match), not its output."
    img, ref = np.asarray(image, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    got = np.asarray(answer(img.copy(), ref.copy()), dtype=np.float64)
    want = match_histograms(img[None, None], ref).numpy()[0, 0]
    if got.shape != img.shape:
        return f"the result must have the image's shape {img.shape}, got {got.shape}."
    if np.allclose(got, want, atol=1e-5):
        return None
    if np.allclose(np.sort(got.ravel()), np.sort(want.ravel()), atol=1e-5):
        return (
            "the right grey levels in the wrong places: each pixel must get the reference value at "
            "its own rank (quantile) in the source image."
        )
    if np.allclose(got, img):
        return "the image came back unchanged; map each pixel's quantile onto the reference's values."
    if np.allclose(np.sort(got.ravel()), np.sort(ref.ravel()), atol=1e-5):
        return (
            "close: the reference's values by rank, but ties and interpolation differ; use np.unique "
            "with counts for both images and np.interp of the source's cumulative share."
        )
    return (
        "for each distinct source value take its cumulative share of pixels, then np.interp that share "
        "into the reference's cumulative shares and values."
    )


@exercise("08.3")
def drop_after_harmonization(answer, *, y_internal, y_external, raw, harmonized):
    """Answer: the share of the internal-minus-external AUC drop that remains after harmonization.

    ``raw`` and ``harmonized`` are each ``(internal scores, external scores)``.
    """
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return "give one number: drop after harmonization divided by drop before."

    def drop(pair):
        return roc_auc_score(y_internal, pair[0]) - roc_auc_score(y_external, pair[1])

    if all(np.allclose(np.asarray(h, dtype=float), np.asarray(r, dtype=float)) for h, r in zip(harmonized, raw)):
        return (
            "harmonized holds the same scores as raw: retrain the model on histogram-matched films "
            "(training, internal and external) and score those."
        )
    before, after = drop(raw), drop(harmonized)
    want = after / before
    if close(got, want, tol=2e-3):
        return None
    if close(got, before / after, tol=2e-3):
        return "upside down: the drop after harmonization goes on top."
    if close(got, after - before, tol=2e-3) or close(got, before - after, tol=2e-3):
        return "that is a difference of drops; the question asks for a share (a ratio)."
    if close(got, 1 - want, tol=2e-3):
        return "that is the share removed; the question asks what survives."
    ext = roc_auc_score(y_external, harmonized[1]) / roc_auc_score(y_external, raw[1])
    if close(got, ext, tol=2e-3):
        return "that compares external AUCs only; a drop is internal AUC minus external AUC, on each set of scores."
    return "compute internal AUC minus external AUC for the raw and the harmonized scores, then after / before."
