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
