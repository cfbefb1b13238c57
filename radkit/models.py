"""Model zoo: a fast CPU model for teaching and two standard CXR backbones.

All models take 1-channel radiographs (N×1×H×W) and return logits
(N×num_classes). torchvision architectures get a 1-channel stem, the way
chest X-ray models (e.g. torchxrayvision's) are usually built. No pretrained
weights are downloaded: these machines may have no internet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

# What radkit remembers on a model (channels, task) is recorded and read in radkit._train_checks, below both
# this module and radkit.train; the three functions are re-exported here, where they have always been.
from radkit._train_checks import Data, in_channels_of, remember, trained_task

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


def _resnet50(num_classes: int, in_channels: int) -> nn.Module:
    from torchvision.models import resnet50

    model = resnet50(weights=None, num_classes=num_classes)
    model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


MODELS: dict[str, Callable[[int, int], nn.Module]] = {
    "smallcnn": lambda num_classes, in_channels: SmallCNN(num_classes, in_channels),
    "resnet18": _resnet18,
    "densenet121": _densenet121,
    "resnet50": _resnet50,  # the reference recipe's second backbone (radkit.recipes.train_cxr)
}


def make_model(name: str, *, num_classes: int, in_channels: int = 1, seed: int) -> nn.Module:
    """Build a model by name with randomly initialised weights.

    Parameters
    ----------
    name : {"smallcnn", "resnet18", "densenet121", "resnet50"}
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
        raise TypeError(
            f"model name must be a string such as 'smallcnn', got {name!r}. Valid names: {', '.join(MODELS)}."
        )
    key = name.strip().lower()
    if key not in MODELS:
        raise ValueError(f"Unknown model {name!r}. Valid names: {', '.join(MODELS)}.")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}.")
    if isinstance(in_channels, bool) or not isinstance(in_channels, (int, np.integer)) or in_channels < 1:
        raise ValueError(f"in_channels must be a positive int, got {in_channels!r}.")
    from radkit.seeding import check_seed

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_seed(seed))
        model = MODELS[key](num_classes, in_channels)
    return remember(model, in_channels=in_channels)


def penultimate_features(model: nn.Module, data: Data, **options: Any) -> np.ndarray:
    """Deprecated name of :func:`radkit.train.embed` (same arguments, same numbers); it warns.

    Examples
    --------
    >>> import warnings, torch
    >>> m = make_model("smallcnn", num_classes=1, seed=0)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     penultimate_features(m, torch.rand(2, 1, 32, 32)).shape
    (2, 128)
    """
    import warnings

    from radkit.train import embed

    warnings.warn(
        "radkit.models.penultimate_features is deprecated; call radkit.train.embed(model, data, ...), "
        "the kit's one embedding function (same numbers).",
        FutureWarning,
        stacklevel=2,
    )
    return embed(model, data, **options)
