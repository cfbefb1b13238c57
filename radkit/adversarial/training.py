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

__all__ = ["AdversarialAugment", "METHODS", "settle_batchnorm"]

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


def settle_batchnorm(model: nn.Module, images: torch.Tensor, *, batch_size: int = 256) -> nn.Module:
    """Recompute every BatchNorm layer's running statistics on ``images`` with the final weights; eval mode.

    A short training run leaves BatchNorm's running means and variances trailing
    behind the weights (they are averages over the last batches, made with
    earlier weights). The ranking of the images barely suffers, but the logits
    shift, and with them every decision at the default threshold: a model with
    an AUC near 1 can call most images positive. Attacks are judged by
    accuracy at that threshold, so the lesson settles the statistics once,
    after training: one pass over ``images`` in train mode without gradients
    (cumulative averages, ``momentum=None``). The weights are not changed.

    Parameters
    ----------
    model : nn.Module
        A trained model; models without BatchNorm are returned unchanged (in eval mode).
    images : Tensor
        N×C×H×W images, typically the training images.
    batch_size : int, default 256

    Returns
    -------
    nn.Module
        ``model`` itself, in eval mode.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0)
    >>> x = torch.rand(64, 1, 16, 16) * 0.5 + 0.5
    >>> bn = m.features[1]
    >>> bool(bn.running_mean.abs().max() == 0)       # fresh statistics: mean 0
    True
    >>> m = settle_batchnorm(m, x)
    >>> bool(bn.running_mean.abs().max() > 0), m.training
    (True, False)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"settle_batchnorm: model must be an nn.Module, got {type(model).__name__}.")
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or len(images) == 0:
        raise ValueError("settle_batchnorm: images must be a non-empty N×C×H×W tensor (e.g. the training images).")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"settle_batchnorm: batch_size must be a positive int, got {batch_size!r}.")
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return model.eval()
    momenta = [m.momentum for m in norms]
    device = next(model.parameters()).device
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over all the batches of the pass
        model.train()
        with torch.no_grad():
            for i in range(0, len(images), batch_size):
                model(images[i : i + batch_size].to(device))
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
    return model.eval()
