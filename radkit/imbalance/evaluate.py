"""Measures of a score at a chosen prevalence: PR-AUC, ROC-AUC, sensitivity at a fixed specificity, ECE.

The test set has whatever prevalence it was drawn with; re-weighting its
cases (positives by ``pi / pi_test``, negatives by ``(1 - pi) / (1 - pi_test)``)
gives the measures a test set at prevalence ``pi`` would give, without
throwing away positives. ROC-AUC, sensitivity and specificity do not change
with the weights; PR-AUC, accuracy, PPV and ECE do.
"""

from __future__ import annotations

import numpy as np

from radkit._compat import renamed_arguments
from radkit._validate import check_binary
from radkit.metrics.calibration import expected_calibration_error

__all__ = ["prevalence_weights", "weighted_ece", "score_measures"]


def prevalence_weights(y_true, *, prevalence: float | None) -> np.ndarray:
    """Case weights that make the test set behave as if its prevalence were ``prevalence``.

    Examples
    --------
    >>> prevalence_weights([0, 0, 1, 1], prevalence=0.2).tolist()
    [1.6, 1.6, 0.4, 0.4]
    """
    y = np.asarray(y_true).astype(np.int64)
    if prevalence is None:
        return np.ones(len(y))
    if isinstance(prevalence, bool) or not 0 < prevalence < 1:
        raise ValueError(f"prevalence must be in (0, 1), got {prevalence!r}.")
    p_test = y.mean()
    if not 0 < p_test < 1:
        raise ValueError("the test set needs both classes to be re-weighted to another prevalence.")
    return np.where(y == 1, prevalence / p_test, (1 - prevalence) / (1 - p_test))


@renamed_arguments(y_prob="y_score")
def weighted_ece(y_true, y_score, *, weights=None, n_bins: int = 10) -> float:
    """Expected calibration error with case weights (uniform bins).

    :func:`radkit.metrics.expected_calibration_error` with ``sample_weight=weights``, which computes it.

    Examples
    --------
    >>> round(weighted_ece([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.8], n_bins=2), 3)
    0.25
    """
    return expected_calibration_error(y_true, y_score, n_bins=n_bins, sample_weight=weights)


def score_measures(
    y_true, y_score, *, prevalence: float | None = None, specificity: float = 0.9, threshold: float | None = 0.5
) -> dict[str, float]:
    """PR-AUC, ROC-AUC, sensitivity at a fixed specificity and, for probabilities, the measures at ``threshold``.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_score : array-like
        Probabilities, or any score (then pass ``threshold=None``).
    prevalence : float, optional
        Evaluate as if the test prevalence were this (see :func:`prevalence_weights`).
    specificity : float, default 0.9
        Sensitivity is read at the threshold that gives this specificity on the test negatives.
    threshold : float or None, default 0.5
        The decision threshold for ``sens@t``, ``spec@t``, ``accuracy@t`` and ``ECE``
        (NaN when None: scores that are not probabilities).

    Returns
    -------
    dict
        ``PR-AUC, ROC-AUC, sens@spec, sens@t, spec@t, accuracy@t, ECE``.

    Examples
    --------
    >>> m = score_measures([0, 0, 0, 1], [0.1, 0.2, 0.6, 0.7])
    >>> m["ROC-AUC"], m["sens@t"], m["accuracy@t"]
    (1.0, 1.0, 0.75)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, s = check_binary(y_true, y_score, purpose="PR-AUC, ROC-AUC and sensitivity at a specificity")
    if not 0 < specificity < 1:
        raise ValueError(f"specificity must be in (0, 1), got {specificity!r}.")
    w = prevalence_weights(y, prevalence=prevalence)
    pi = float(prevalence if prevalence is not None else y.mean())
    cut = np.quantile(s[y == 0], specificity, method="higher")
    out = {
        "PR-AUC": float(average_precision_score(y, s, sample_weight=w)),
        "ROC-AUC": float(roc_auc_score(y, s)),
        "sens@spec": float(np.mean(s[y == 1] > cut)),
    }
    if threshold is None:
        out.update({"sens@t": np.nan, "spec@t": np.nan, "accuracy@t": np.nan, "ECE": np.nan})
        return out
    sens, spec = float(np.mean(s[y == 1] >= threshold)), float(np.mean(s[y == 0] < threshold))
    out.update(
        {
            "sens@t": sens,
            "spec@t": spec,
            "accuracy@t": pi * sens + (1 - pi) * spec,
            "ECE": weighted_ece(y, s, weights=w),
        }
    )
    return out
