"""Checks for notebooks/00_tour.ipynb (solutions/00_tour.ipynb)."""

from __future__ import annotations

import numpy as np

from radkit.checks import exercise


@exercise("00.1")
def prevalence_per_class(answer, *, y):
    """Answer: the fraction of positive labels in each column of ``y``."""
    y = np.asarray(y, dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    got = np.asarray(answer, dtype=float).ravel()
    if got.size != y.shape[1]:
        return f"give one number per label column: y has {y.shape[1]} column(s), your answer has {got.size}."
    if np.any((got < 0) | (got > 1)):
        return "a prevalence is a fraction between 0 and 1; did you sum instead of average?"
    if np.allclose(got, y.mean(0), atol=1e-6):
        return None
    if np.allclose(got, 1 - y.mean(0), atol=1e-6):
        return "that is the fraction of negatives; count the ones."
    return "average each label column over the images (axis 0)."


def _share_within(seeds, *, n: int, prevalence: float, z: float = 2.0) -> float:
    """Share of toy draws whose observed prevalence lies within z binomial SEs of the target."""
    from radkit.toy import blobs

    se = np.sqrt(prevalence * (1 - prevalence) / n)
    observed = np.array([float(blobs(n, size=8, prevalence=prevalence, seed=int(s))[1].mean()) for s in seeds])
    return float(np.mean(np.abs(observed - prevalence) <= z * se))


@exercise("00.2")
def standard_error(answer, *, prevalence, n):
    """Answer: the binomial standard error of an observed prevalence, one per column."""
    p = np.atleast_1d(np.asarray(prevalence, dtype=float))
    got = np.atleast_1d(np.asarray(answer, dtype=float)).ravel()
    want = np.sqrt(p * (1 - p) / n)
    if got.size != want.size:
        return f"give one standard error per label column ({want.size}), your answer has {got.size}."
    if np.allclose(got, want, rtol=1e-6, atol=1e-12):
        return None
    if np.allclose(got, p * (1 - p) / n, rtol=1e-6, atol=1e-12):
        return "that is the variance; the standard error is its square root."
    if np.allclose(got, np.sqrt(p * (1 - p)), rtol=1e-6, atol=1e-12):
        return "that is the spread of one image's label; divide the variance by the number of images first."
    return "the standard error of a proportion p from n cases is sqrt(p (1 - p) / n)."


@exercise("00.3")
def share_of_draws(answer, *, seeds, n, prevalence):
    """Answer: the share of draws (one per seed) whose prevalence is within 2 standard errors of the target."""
    got = float(np.asarray(answer, dtype=float))
    if not 0 <= got <= 1:
        return "give a share between 0 and 1 (the number of draws inside, divided by the number of draws)."
    want = _share_within(seeds, n=n, prevalence=prevalence)
    if abs(got - want) <= 1e-9:
        return None
    if abs(got - _share_within(seeds, n=n, prevalence=prevalence, z=1.0)) <= 1e-9:
        return "use two standard errors either side of the target, not one."
    return (
        "for each seed draw blobs(n, size=8, prevalence=prevalence, seed=seed), take the mean of y, "
        "and count the draws within 2 standard errors of the target prevalence."
    )
