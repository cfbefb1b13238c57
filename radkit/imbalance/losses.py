"""Algorithm-level fixes for :func:`radkit.train.fit`: ``pos_weight`` and the focal loss."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

__all__ = ["FocalLoss", "pos_weight_for"]


def pos_weight_for(prevalence: float | np.ndarray | torch.Tensor) -> np.ndarray:
    """The ``pos_weight`` that gives positives and negatives equal total weight: ``(1 - p) / p``.

    Parameters
    ----------
    prevalence : float or array-like
        Share of positives per finding (one number or one per output), in (0, 1).
        Pass ``y.mean(0)`` of the training labels.

    Returns
    -------
    numpy.ndarray
        One weight per finding, for ``radkit.train.fit(..., pos_weight=...)``.

    Examples
    --------
    >>> pos_weight_for(0.02)
    array([49.])
    >>> pos_weight_for([0.2, 0.5]).tolist()
    [4.0, 1.0]
    """
    p = np.atleast_1d(np.asarray(prevalence, dtype=np.float64))
    if p.size == 0 or not np.all(np.isfinite(p)):
        raise ValueError(
            f"prevalence must be finite numbers, got {prevalence!r}. Pass y.mean(0) of the "
            "training labels (drop NaN labels first)."
        )
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError(
            f"prevalence must lie strictly between 0 and 1, got {p.tolist()}: a finding with no "
            "positive (or no negative) training case cannot be re-weighted; add cases or drop it."
        )
    return (1 - p) / p


class FocalLoss(nn.Module):
    """Binary focal loss (Lin et al. 2017) for :func:`radkit.train.fit` (``loss=FocalLoss(...)``).

    ``FL = -alpha_t (1 - p_t)^gamma log(p_t)``: the factor ``(1 - p_t)^gamma``
    shrinks the loss of the many easy (mostly normal) cases so that the rare,
    hard ones dominate the gradient. ``gamma = 0`` and ``alpha = None`` is
    plain binary cross-entropy. Targets that are NaN (label unknown) are ignored,
    as in fit's default loss.

    Parameters
    ----------
    gamma : float, default 2.0
        Focusing exponent, >= 0.
    alpha : float, optional
        Weight of the positive class in [0, 1] (negatives get ``1 - alpha``);
        None weighs both classes 1.

    Examples
    --------
    >>> import torch
    >>> logits, y = torch.tensor([[2.0], [-1.0]]), torch.tensor([[1.0], [1.0]])
    >>> bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
    >>> bool(torch.isclose(FocalLoss(gamma=0.0)(logits, y), bce))
    True
    >>> bool(FocalLoss(gamma=2.0)(logits, y) < bce)
    True
    """

    def __init__(self, *, gamma: float = 2.0, alpha: float | None = None) -> None:
        super().__init__()
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not math.isfinite(gamma) or gamma < 0:
            raise ValueError(
                f"gamma must be a finite number >= 0 (0 gives plain BCE, 2 is Lin et al.'s default), got {gamma!r}."
            )
        if alpha is not None and (
            isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1
        ):
            raise ValueError(f"alpha must be None or a number in [0, 1] (the weight of positives), got {alpha!r}.")
        self.gamma, self.alpha = float(gamma), alpha

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target.reshape(logits.shape).to(logits.dtype)
        known = ~torch.isnan(target)
        t = torch.nan_to_num(target)
        bce = nn.functional.binary_cross_entropy_with_logits(logits, t, reduction="none")
        p = torch.sigmoid(logits)
        p_t = p * t + (1 - p) * (1 - t)
        loss = bce * (1 - p_t).clamp_min(0) ** self.gamma if self.gamma else bce
        if self.alpha is not None:
            loss = loss * (self.alpha * t + (1 - self.alpha) * (1 - t))
        return (loss * known).sum() / known.sum().clamp_min(1)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}, alpha={self.alpha}"
