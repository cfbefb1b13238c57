"""Evasion attacks on a deployed model: FGSM and PGD (L∞ and L2, targeted or not).

Every attack takes any ``nn.Module`` that returns logits (N×K with K > 1 and
class-index targets, or N×1 with 0/1 labels), images in [0, 1], and returns
new adversarial images on the input's device; the model's weights, gradients
and mode are left as they were. Randomness (PGD's random start) comes from
``seed`` alone, drawn on the CPU, so a seed gives the same attack on any device.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

from radkit._validate import ATTACK_PIXELS, check_eps, check_images, check_model, check_targets
from radkit.seeding import torch_generator

__all__ = ["fgsm", "pgd", "input_gradient", "predicted_class", "NORMS"]

NORMS = ("linf", "l2")


def _loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Summed loss, so each image's input gradient does not depend on the batch it is in."""
    if logits.shape[1] == 1:
        return nn.functional.binary_cross_entropy_with_logits(logits[:, 0], y, reduction="sum")
    return nn.functional.cross_entropy(logits, y, reduction="sum")


def predicted_class(logits: torch.Tensor) -> torch.Tensor:
    """Class called by the model: argmax for K logits, ``logit > 0`` (p > 0.5) for one logit."""
    return (logits[:, 0] > 0).long() if logits.shape[1] == 1 else logits.argmax(1)


def _grad(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        loss = _loss(model(x).float(), y)
        if not loss.requires_grad:
            return torch.zeros_like(x)
        # gradient for the input only: no parameter .grad is touched
        (g,) = torch.autograd.grad(loss, x, allow_unused=True)
    return torch.zeros_like(x) if g is None else g  # None: no gradient reaches the input (masking)


def input_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor | object) -> torch.Tensor:
    """Gradient of the summed loss (cross-entropy, or BCE for one logit) with respect to the images.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> input_gradient(m, torch.rand(3, 1, 16, 16), torch.tensor([0, 1, 1])).shape
    torch.Size([3, 1, 16, 16])
    """
    model = check_model(model, "input_gradient")
    x = check_images(x, where="input_gradient", non_empty=True, hint=ATTACK_PIXELS)
    with torch.no_grad():
        y = check_targets(y, model(x[:1]).float().expand(len(x), -1), "input_gradient")
    return _grad(model, x, y)


def _prepare(model, x, y, eps, where, batch_size):
    model = check_model(model, where)
    x = check_images(x, where=where, non_empty=True, hint=ATTACK_PIXELS)
    eps = check_eps(eps, where)
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"{where}: batch_size must be a positive int, got {batch_size!r}.")
    with torch.no_grad():
        logits = model(x[:1]).float()
    y = check_targets(y, logits.expand(len(x), -1), where)
    return model, x, y, eps


def fgsm(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor | object,
    *,
    eps: float,
    targeted: bool = False,
    batch_size: int = 256,
) -> torch.Tensor:
    """Fast gradient sign method (Goodfellow et al. 2015): one step of size ``eps`` along the gradient's sign.

    Parameters
    ----------
    model : nn.Module
        In eval mode, returns logits.
    x : Tensor
        Images N×C×H×W in [0, 1].
    y : Tensor
        True classes (untargeted: the loss for them is increased) or, with
        ``targeted=True``, the classes the attacker wants (the loss is decreased).
    eps : float
        Largest change of any pixel, on the [0, 1] scale (1/255 is one grey level of an 8-bit image).
    targeted : bool, default False
    batch_size : int, default 256

    Returns
    -------
    Tensor
        ``clip(x ± eps · sign(∇x loss), 0, 1)``, detached, on ``x``'s device.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> x = torch.rand(4, 1, 32, 32); y = torch.tensor([0, 1, 0, 1])
    >>> x_adv = fgsm(m, x, y, eps=2 / 255)
    >>> bool((x_adv - x).abs().max() <= 2 / 255 + 1e-7), bool(x_adv.min() >= 0)
    (True, True)
    """
    model, x, y, eps = _prepare(model, x, y, eps, "fgsm", batch_size)
    sign = -1.0 if targeted else 1.0
    out = []
    for i in range(0, len(x), batch_size):
        xb, yb = x[i : i + batch_size], y[i : i + batch_size]
        g = _grad(model, xb, yb)
        out.append((xb + sign * eps * g.sign()).clamp(0, 1).detach())
    return torch.cat(out)


def _l2_normalize(v: torch.Tensor) -> torch.Tensor:
    norm = v.flatten(1).norm(dim=1).clamp_min(1e-12)
    return v / norm.view(-1, *([1] * (v.ndim - 1)))


def _random_start(shape, eps: float, norm: str, seed: int) -> torch.Tensor:
    gen = torch_generator(seed)
    if norm == "linf":
        return (torch.rand(shape, generator=gen) * 2 - 1) * eps
    direction = _l2_normalize(torch.randn(shape, generator=gen))
    radius = torch.rand(shape[0], generator=gen).view(-1, *([1] * (len(shape) - 1))) * eps
    return direction * radius


def _project(delta: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    if norm == "linf":
        return delta.clamp(-eps, eps)
    norms = delta.flatten(1).norm(dim=1).view(-1, *([1] * (delta.ndim - 1)))
    return delta * torch.clamp(eps / norms.clamp_min(1e-12), max=1.0)


def pgd(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor | object,
    *,
    eps: float,
    steps: int = 10,
    step_size: float | None = None,
    norm: str = "linf",
    random_start: bool = True,
    targeted: bool = False,
    seed: int,
    batch_size: int = 256,
) -> torch.Tensor:
    """Projected gradient descent (Madry et al. 2018): ``steps`` small steps, each projected back into the ε-ball.

    Parameters
    ----------
    model, x, y, targeted, batch_size
        As in :func:`fgsm`.
    eps : float
        Radius of the ball around ``x``: the largest pixel change (``norm="linf"``) or the
        Euclidean length of the whole perturbation (``norm="l2"``), on the [0, 1] scale.
    steps : int, default 10
    step_size : float, optional
        Default ``2.5 * eps / steps`` (enough to cross the ball and come back).
    norm : {"linf", "l2"}
    random_start : bool, default True
        Start from a uniform random point of the ball (drawn on the CPU from ``seed``).
    seed : int

    Returns
    -------
    Tensor
        Adversarial images within the ball and in [0, 1], detached, on ``x``'s device.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> x = torch.rand(4, 1, 32, 32); y = torch.tensor([0, 1, 0, 1])
    >>> x_adv = pgd(m, x, y, eps=0.5, norm="l2", steps=5, seed=1)
    >>> bool(((x_adv - x).flatten(1).norm(dim=1) <= 0.5 + 1e-5).all())
    True
    """
    model, x, y, eps = _prepare(model, x, y, eps, "pgd", batch_size)
    if norm not in NORMS:
        raise ValueError(f"pgd: norm must be one of {NORMS}, got {norm!r}.")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"pgd: steps must be a positive int, got {steps!r}; for one step use fgsm.")
    alpha = 2.5 * eps / steps if step_size is None else check_eps(step_size, "pgd", "step_size")
    sign = -1.0 if targeted else 1.0
    start = _random_start(x.shape, eps, norm, seed).to(x.device, x.dtype) if random_start else None
    out = []
    for i in range(0, len(x), batch_size):
        out.append(
            _pgd_batch(
                model,
                x[i : i + batch_size],
                y[i : i + batch_size],
                None if start is None else start[i : i + batch_size],
                eps=eps,
                alpha=alpha,
                steps=steps,
                norm=norm,
                sign=sign,
            )
        )
    return torch.cat(out)


def _pgd_batch(model, xb, yb, start, *, eps, alpha, steps, norm, sign):
    adv = xb.clone() if start is None else (xb + start).clamp(0, 1)
    for _ in range(steps):
        g = _grad(model, adv, yb)
        step = g.sign() if norm == "linf" else _l2_normalize(g)
        adv = adv + sign * alpha * step
        adv = (xb + _project(adv - xb, eps, norm)).clamp(0, 1).detach()
    return adv
