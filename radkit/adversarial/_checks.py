"""Input validation shared by the attacks, poisons and defenses (errors that say what to do)."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["check_images", "check_eps", "check_model", "check_targets", "check_fraction"]


def check_images(x: object, where: str) -> torch.Tensor:
    """``x`` must be a float tensor N×C×H×W with values in [0, 1]."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{where}: images must be a torch.Tensor N×C×H×W, got {type(x).__name__}. "
                        "Use torch.as_tensor(array, dtype=torch.float32).")
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"{where}: images must be a non-empty N×C×H×W tensor, got shape {tuple(x.shape)}. "
                         "Add the batch axis with x[None] for one image.")
    if not torch.is_floating_point(x):
        raise TypeError(f"{where}: images must be floating point in [0, 1], got {x.dtype}; divide 8-bit "
                        "pixels by 255.")
    if torch.isnan(x.detach()).any():
        raise ValueError(f"{where}: the images contain NaN; remove or repair those images first.")
    lo, hi = float(x.detach().min()), float(x.detach().max())
    if lo < 0 or hi > 1:
        raise ValueError(f"{where}: attacks and defenses work on pixels in [0, 1], got values from {lo:.3g} "
                         f"to {hi:.3g}. Undo the normalisation (or min-max scale) before attacking; put any "
                         "normalisation inside the model.")
    return x


def check_eps(eps: object, where: str, name: str = "eps") -> float:
    """``eps`` must be a finite number >= 0 (in units of the [0, 1] pixel scale)."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps < 0:
        raise ValueError(f"{where}: {name} must be a finite number >= 0 on the [0, 1] pixel scale "
                         f"(e.g. 2 / 255 for two grey levels of an 8-bit image), got {eps!r}.")
    return float(eps)


def check_model(model: object, where: str) -> nn.Module:
    """The model must be an ``nn.Module`` in eval mode (BatchNorm/Dropout would change under attack)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"{where}: model must be a torch.nn.Module returning logits, got {type(model).__name__}.")
    if model.training:
        raise ValueError(f"{where}: the model is in training mode, so BatchNorm statistics and dropout would "
                         "change while it is attacked. Call model.eval() first (radkit.train.predict does too).")
    return model


def check_targets(y: object, logits: torch.Tensor, where: str) -> torch.Tensor:
    """Class indices (N,) for a K>1-logit model, or 0/1 labels (N,) / (N, 1) for a one-logit model."""
    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(y)
    n, k = logits.shape[0], logits.shape[1] if logits.ndim == 2 else 0
    if logits.ndim != 2:
        raise ValueError(f"{where}: the model must return logits of shape N×K, got {tuple(logits.shape)}.")
    if k == 1:
        if y.numel() != n:
            raise ValueError(f"{where}: a one-logit model needs one 0/1 label per image, shape ({n},) or "
                             f"({n}, 1); got shape {tuple(y.shape)}.")
        y = y.reshape(n).to(logits.device, torch.float32)
        if not torch.all((y == 0) | (y == 1)):
            raise ValueError(f"{where}: labels of a one-logit model must be 0 or 1.")
        return y
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{where}: targets must be class indices of shape ({n},) for a {k}-logit model, got "
                         f"shape {tuple(y.shape)}. For one-hot labels use y.argmax(1).")
    if torch.is_floating_point(y):
        if not torch.all(y == y.round()):
            raise ValueError(f"{where}: targets must be whole class indices 0..{k - 1}.")
        y = y.long()
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= k):
        raise ValueError(f"{where}: targets must be class indices in 0..{k - 1}, got {int(y.min())}..{int(y.max())}.")
    return y.to(logits.device, torch.long)


def check_fraction(fraction: object, where: str, name: str = "fraction") -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise ValueError(f"{where}: {name} must be a number in [0, 1], got {fraction!r}.")
    return float(fraction)
