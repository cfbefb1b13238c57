"""Defense of family (2), modify the model: adversarial training through ``radkit.train.fit``.

:class:`AdversarialAugment` is an ``augment=`` hook for :func:`radkit.train.fit`:
it replaces (a share of) every training batch by adversarial examples made
against the current weights, so there is no second training loop.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

from radkit._validate import check_eps, check_fraction, check_targets
from radkit.adversarial.attacks import _pgd_batch
from radkit.seeding import torch_generator

__all__ = ["AdversarialAugment", "METHODS"]

METHODS = ("fgsm", "pgd")


class AdversarialAugment:
    """``fit(..., augment=AdversarialAugment(model, eps=...))``: train on adversarial examples.

    Parameters
    ----------
    model : nn.Module
        The model being trained (the same object passed to ``fit``).
    eps : float
        Radius of the L∞ ball the model should resist, on the [0, 1] scale.
    method : {"fgsm", "pgd"}, default "fgsm"
        ``"fgsm"``: FGSM from a random start with step ``1.25 * eps`` (Wong et al.
        2020, "fast is better than free"; two passes per batch). ``"pgd"``: PGD
        with ``steps`` steps from a random start (Madry et al. 2018; ``steps + 1`` passes).
    steps : int, default 5
        PGD steps (``method="pgd"`` only).
    fraction : float, default 1.0
        Share of each batch replaced by adversarial examples (the rest stays clean).
    seed : int
        Seeds the random starts and the choice of images, batch after batch.

    Notes
    -----
    The attack runs with the model in eval mode (BatchNorm uses its running
    statistics, dropout is off) and the mode is restored afterwards; no
    parameter gradient is accumulated.

    Examples
    --------
    >>> import torch, radkit.models as M, radkit.train as T
    >>> X = torch.rand(32, 1, 16, 16); y = (X.mean((1, 2, 3)) > 0.5).long()
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0)
    >>> h = T.fit(m, (X, y), num_epochs=1, lr=1e-3, augment=AdversarialAugment(m, eps=4 / 255, seed=0),
    ...           progress=False, seed=0)
    >>> len(h.rows)
    1
    """

    def __init__(
        self, model: nn.Module, *, eps: float, method: str = "fgsm", steps: int = 5, fraction: float = 1.0, seed: int
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"AdversarialAugment: model must be the nn.Module being trained, got {type(model).__name__}."
            )
        if method not in METHODS:
            raise ValueError(f"AdversarialAugment: method must be one of {METHODS}, got {method!r}.")
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
            raise ValueError(f"AdversarialAugment: steps must be a positive int, got {steps!r}.")
        self.model, self.method = model, method
        self.eps = check_eps(eps, "AdversarialAugment")
        self.steps = 1 if method == "fgsm" else steps
        self.alpha = 1.25 * self.eps if method == "fgsm" else 2.5 * self.eps / steps
        self.fraction = float(check_fraction(fraction, "AdversarialAugment: fraction"))
        self.generator = torch_generator(seed)

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if float(x.min()) < 0 or float(x.max()) > 1:
            raise ValueError(
                "AdversarialAugment: training images must be in [0, 1]; put normalisation inside the model."
            )
        n = len(x)
        k = int(round(self.fraction * n))
        if k == 0:
            return x, y
        pick = torch.randperm(n, generator=self.generator)[:k]
        start = (torch.rand((k, *x.shape[1:]), generator=self.generator) * 2 - 1) * self.eps
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                logits = self.model(x[pick[:1]]).float().expand(k, -1)
            targets = check_targets(y[pick], logits, "AdversarialAugment")
            adv = _pgd_batch(
                self.model,
                x[pick],
                targets,
                start.to(x.device, x.dtype),
                eps=self.eps,
                alpha=self.alpha,
                steps=self.steps,
                norm="linf",
                sign=1.0,
            )
        finally:
            self.model.train(was_training)
        out = x.clone()
        out[pick.to(x.device)] = adv
        return out, y
