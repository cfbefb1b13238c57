"""Model zoo: a fast CPU model for teaching and two standard CXR backbones.

All models take 1-channel radiographs (N×1×H×W) and return logits
(N×num_classes). torchvision architectures get a 1-channel stem, the way
chest X-ray models (e.g. torchxrayvision's) are usually built. No pretrained
weights are downloaded: these machines may have no internet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from radkit.train import Data

__all__ = ["MODELS", "make_model", "SmallCNN", "remember", "in_channels_of", "trained_task", "penultimate_features"]


class SmallCNN(nn.Module):
    """Four conv blocks (strided stem) and a linear head: trains in seconds on a CPU.

    Parameters
    ----------
    num_classes : int
        Number of output logits.
    in_channels : int
        Image channels (1 for radiographs).
    width : int
        Channels of the first block; doubled in each of the next three.
    """

    def __init__(self, num_classes: int, in_channels: int = 1, width: int = 16) -> None:
        super().__init__()
        chans = [in_channels, width, width * 2, width * 4, width * 8]
        blocks: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(chans[:-1], chans[1:])):
            stem = i == 0  # a strided stem halves the cost of the full-resolution layer
            blocks += [
                nn.Conv2d(c_in, c_out, 3, stride=2 if stem else 1, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
            ] + ([] if stem else [nn.MaxPool2d(2)])
        self.features = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(chans[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.pool(self.features(x)), 1))


def _resnet18(num_classes: int, in_channels: int) -> nn.Module:
    from torchvision.models import resnet18

    model = resnet18(weights=None, num_classes=num_classes)
    model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def _densenet121(num_classes: int, in_channels: int) -> nn.Module:
    from torchvision.models import densenet121

    model = densenet121(weights=None, num_classes=num_classes)
    model.features.conv0 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


MODELS: dict[str, Callable[[int, int], nn.Module]] = {
    "smallcnn": lambda num_classes, in_channels: SmallCNN(num_classes, in_channels),
    "resnet18": _resnet18,
    "densenet121": _densenet121,
}


def make_model(name: str, *, num_classes: int, in_channels: int = 1, seed: int) -> nn.Module:
    """Build a model by name with randomly initialised weights.

    Parameters
    ----------
    name : {"smallcnn", "resnet18", "densenet121"}
        Architecture. ``smallcnn`` is for the quick profile on a CPU.
    num_classes : int
        Number of output logits (one per pathology for multi-label).
    in_channels : int, default 1
        Input channels; radiographs are grayscale.
    seed : int
        Seed for the initial weights (e.g. ``prof.seed``). The global torch generator is forked and
        restored, so the caller's random state is left as it was.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> M.make_model("smallcnn", num_classes=3, seed=0)(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 3])
    """
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string such as 'smallcnn', got {name!r}. "
                        f"Valid names: {', '.join(MODELS)}.")
    key = name.strip().lower()
    if key not in MODELS:
        raise ValueError(f"Unknown model {name!r}. Valid names: {', '.join(MODELS)}.")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}.")
    if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
        raise ValueError(f"in_channels must be a positive int, got {in_channels!r}.")
    from radkit.seeding import check_seed

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_seed(seed))
        model = MODELS[key](num_classes, in_channels)
    return remember(model, in_channels=in_channels)


# What radkit remembers about a model, kept in this one place. make_model records the channels a model
# takes (train.fit and predict check images against them); fit records the task it trained for
# (predict applies the matching activation). Models from elsewhere simply have neither.
_IN_CHANNELS, _TASK = "radkit_in_channels", "radkit_task"


def remember(model: nn.Module, *, in_channels: int | None = None, task: str | None = None) -> nn.Module:
    """Record on ``model`` the input channels it takes and/or the task it was trained for; return it.

    Examples
    --------
    >>> m = remember(torch.nn.Linear(2, 1), task="binary")
    >>> trained_task(m), in_channels_of(m)
    ('binary', None)
    """
    if in_channels is not None:
        setattr(model, _IN_CHANNELS, in_channels)
    if task is not None:
        setattr(model, _TASK, task)
    return model


def in_channels_of(model: nn.Module) -> int | None:
    """Channels the model takes, if :func:`make_model` (or :func:`remember`) recorded them."""
    return getattr(model, _IN_CHANNELS, None)


def trained_task(model: nn.Module) -> str | None:
    """The task :func:`radkit.train.fit` last trained the model for, if any."""
    return getattr(model, _TASK, None)


# --------------------------------------------------------------------------- features
# The penultimate layer is the embedding notebooks 01 (Frechet distance), 03 (active learning) and 05
# (SMOTE) work in; one function reads it for all of them.
def _last_linear(model: nn.Module) -> nn.Linear:
    last = None
    for module in model.modules():
        if isinstance(module, nn.Linear):
            last = module
    if last is None:
        raise ValueError("penultimate_features: the model has no nn.Linear layer, so it has no penultimate layer "
                         "to read. "
                         "Pass layer=<the module whose input you want>.")
    return last


def penultimate_features(model: nn.Module, data: Data, *, layer: nn.Module | None = None, batch_size: int = 256,
               device: torch.device | str | None = None, progress: bool = False) -> np.ndarray:
    """The input of the model's last linear layer (its penultimate features) for every image.

    Parameters
    ----------
    model : nn.Module
        A trained classifier (``radkit.models.make_model``: SmallCNN, ResNet, DenseNet).
    data : tensor, (X, y) tensors or Dataset
        Images as for :func:`radkit.train.predict`.
    layer : nn.Module, optional
        Read the input of this module instead of the last ``nn.Linear``.
    batch_size : int, default 256
    device : torch.device or str, optional
        Default: where the model's parameters are.
    progress : bool, default False
        Show a tqdm bar over batches.

    Returns
    -------
    numpy.ndarray
        float32, N×D (D = 128 for the quick SmallCNN, 512 for ResNet-18).

    Examples
    --------
    >>> import torch, radkit.models
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> penultimate_features(m, torch.rand(5, 1, 32, 32)).shape
    (5, 128)
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    target = layer if layer is not None else _last_linear(model)
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.to(dev).eval()
    out: list[torch.Tensor] = []
    handle = target.register_forward_hook(
        lambda _m, inputs, _o: out.append(inputs[0].detach().flatten(1).float().cpu()))
    from tqdm.auto import tqdm

    from radkit.train import _batches  # train imports models: import here

    try:

        with torch.inference_mode():
            batches = _batches(data, batch_size=batch_size, shuffle=False, generator=None, dev=dev, model=model,
                               where="penultimate_features")
            for xb, _ in tqdm(batches, desc="features", disable=not progress, unit="batch"):
                model(xb)
    finally:
        handle.remove()
        model.train(was_training)
    if not out:
        raise ValueError("penultimate_features: the data held no image; pass at least one.")
    return torch.cat(out).numpy()
