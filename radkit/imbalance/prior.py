"""Prior correction: put probabilities back on the scale of the real prevalence (Saerens 2002, Elkan 2001)."""

from __future__ import annotations

import numpy as np

from radkit._compat import renamed_arguments
from radkit._validate import check_prevalence
from radkit.metrics import calibration

__all__ = ["prior_correct", "effective_prevalence"]


def effective_prevalence(prevalence: float, *, pos_weight: float) -> float:
    """The training prevalence a model "sees" when positives weigh ``pos_weight``.

    Weighting each positive by ``w`` is, for the loss, the same as repeating it
    ``w`` times: ``pi_eff = w pi / (w pi + 1 - pi)`` (0.5 for the balancing weight).

    Examples
    --------
    >>> effective_prevalence(0.02, pos_weight=49.0)
    0.5
    """
    pi = check_prevalence(prevalence, "prevalence")
    if isinstance(pos_weight, bool) or not isinstance(pos_weight, (int, float, np.floating)) or not pos_weight > 0:
        raise ValueError(f"pos_weight must be a positive number, got {pos_weight!r}.")
    return float(pos_weight * pi / (pos_weight * pi + 1 - pi))


@renamed_arguments(y_prob="y_score")
def prior_correct(y_score, *, train_prevalence: float, true_prevalence: float) -> np.ndarray:
    """Move probabilities from the training prevalence to the true one (Bayes' rule on the odds).

    A model trained where positives make up ``train_prevalence`` (after
    resampling or weighting: see :func:`effective_prevalence`) predicts
    posterior odds inflated by ``train_odds / true_odds``. Dividing them out::

        odds' = odds * [pi / (1 - pi)] / [pi_s / (1 - pi_s)]

    gives probabilities calibrated for the true prevalence ``pi`` if they were
    calibrated at ``pi_s``. The ranking (ROC-AUC) does not change. Computed
    by :func:`radkit.metrics.prior_correct`, the kit's one prior-shift correction,
    applied to each probability of ``y_score`` whatever its shape.

    Parameters
    ----------
    y_score : array-like
        Probabilities in [0, 1] from the resampled / weighted model.
    train_prevalence, true_prevalence : float
        In (0, 1).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> prior_correct([0.5, 0.9], train_prevalence=0.5, true_prevalence=0.1).round(3).tolist()
    [0.1, 0.5]
    """
    p = np.asarray(y_score, dtype=np.float64)  # any shape, each probability on its own (multi-label heads too)
    out = calibration.prior_correct(p.ravel(), train_prevalence=train_prevalence, true_prevalence=true_prevalence)
    return out.reshape(p.shape)
