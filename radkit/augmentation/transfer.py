"""Transfer learning: reuse a network trained on a data-rich task for a scarce one.

:func:`transfer_model` copies a trained network and gives it a fresh head for
the new task (optionally freezing everything else); :func:`fine_tune` does that
and trains it with ``radkit.train.fit``. The pretraining itself is an ordinary
``fit`` on the data-rich task (other findings, more sites). With ImageNet
weights unavailable offline, the kit pretrains on radiographs, which is also
what works best for chest X-rays (e.g. torchxrayvision's models).

Examples
--------
>>> import torch, radkit.models as M
>>> base = M.make_model("smallcnn", num_classes=4, seed=0)
>>> m = transfer_model(base, num_classes=1, seed=0)
>>> m(torch.rand(2, 1, 32, 32)).shape, base.head.out_features
(torch.Size([2, 1]), 4)
"""

from __future__ import annotations

import copy
import numbers

import torch
from torch import nn

from radkit.seeding import check_seed

__all__ = ["fine_tune", "transfer_model"]


def _head_name(model: nn.Module) -> str:
    name = None
    for n, module in model.named_modules():
        if isinstance(module, nn.Linear):
            name = n
    if name is None:
        raise ValueError("The pretrained model has no nn.Linear head to replace; use a radkit.models network.")
    return name


def transfer_model(pretrained: nn.Module, *, num_classes: int, seed: int, freeze: bool = False) -> nn.Module:
    """A copy of ``pretrained`` with a new, randomly initialised last linear layer of ``num_classes`` outputs.

    Parameters
    ----------
    pretrained : nn.Module
        Trained network (left untouched).
    num_classes : int
    seed : int
        Initial weights of the new head.
    freeze : bool
        Freeze every other parameter (linear probing) instead of fine-tuning all.
    """
    if not isinstance(num_classes, numbers.Integral) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}.")
    model = copy.deepcopy(pretrained)
    name = _head_name(model)
    parent = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
    old = model.get_submodule(name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_seed(seed))
        new = nn.Linear(old.in_features, num_classes, device=old.weight.device)
    if freeze:
        for p in model.parameters():
            p.requires_grad_(False)
    setattr(parent, name.rsplit(".", 1)[-1], new)
    return model


def fine_tune(
    pretrained: nn.Module,
    train_data,
    *,
    num_classes: int,
    num_epochs: int,
    lr: float,
    seed: int,
    freeze: bool = False,
    **fit_kwargs,
) -> tuple[nn.Module, object]:
    """:func:`transfer_model` then ``radkit.train.fit``; returns ``(model, history)``.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> base = M.make_model("smallcnn", num_classes=3, seed=0)
    >>> x, y = torch.rand(16, 1, 32, 32), (torch.rand(16, 1) < 0.5).float()
    >>> m, h = fine_tune(base, (x, y), num_classes=1, num_epochs=1, lr=1e-3, seed=0, progress=False)
    >>> len(h.rows)
    1
    """
    from radkit.train import fit

    model = transfer_model(pretrained, num_classes=num_classes, seed=seed, freeze=freeze)
    if freeze:  # fit's optimiser takes every parameter; frozen ones get no gradient and stay put
        fit_kwargs.setdefault("weight_decay", 0.0)
    history = fit(model, train_data, num_epochs=num_epochs, lr=lr, seed=seed, **fit_kwargs)
    return model, history
