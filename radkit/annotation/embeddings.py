"""Frozen embeddings: run a trained network once, then learn cheaply on its features.

Active-learning and semi-supervised loops retrain a model many times. On a
CPU that is only affordable when the expensive part, the convolutional
backbone, is trained once and frozen; each loop then trains a linear head on
its features. :func:`radkit.train.embed` extracts the features (the input of the
network's last linear layer; ``embed`` here is its deprecated old name);
:func:`linear_head` builds a head that :func:`radkit.train.fit` trains on them,
shaped N x D x 1 x 1 (:func:`as_images`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["embed", "linear_head", "as_images"]


def embed(model: nn.Module, X: torch.Tensor, *, batch_size: int = 256) -> np.ndarray:
    """Deprecated name of :func:`radkit.train.embed` for an image tensor ``X`` (same numbers); it warns.

    Examples
    --------
    >>> import warnings, radkit.models
    >>> m = radkit.models.make_model("smallcnn", num_classes=2, seed=0)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     embed(m, torch.rand(3, 1, 32, 32)).shape
    (3, 128)
    """
    import warnings

    from radkit.train import embed as _embed

    warnings.warn(
        "radkit.annotation.embed is deprecated; call radkit.train.embed(model, X, batch_size=...), "
        "the kit's one embedding function (same numbers).",
        FutureWarning,
        stacklevel=2,
    )
    if not isinstance(X, torch.Tensor) or X.ndim != 4:
        raise TypeError(f"X must be an image tensor N x C x H x W, got {type(X).__name__}.")
    return _embed(model, X, batch_size=batch_size)


def as_images(features: np.ndarray | torch.Tensor) -> torch.Tensor:
    """N x D features -> float32 tensor N x D x 1 x 1 that :func:`radkit.train.fit` accepts.

    Examples
    --------
    >>> tuple(as_images(np.zeros((4, 3))).shape)
    (4, 3, 1, 1)
    """
    x = torch.as_tensor(np.asarray(features), dtype=torch.float32)
    if x.ndim != 2:
        raise ValueError(f"features must be N x D, got shape {tuple(x.shape)}.")
    return x[:, :, None, None].contiguous()


def linear_head(dim: int, *, num_classes: int = 1, seed: int) -> nn.Module:
    """Logistic-regression head on N x D x 1 x 1 embeddings (flatten + linear), seeded.

    Examples
    --------
    >>> linear_head(3, seed=0)(torch.zeros(2, 3, 1, 1)).shape
    torch.Size([2, 1])
    """
    from radkit.seeding import torch_generator

    head = nn.Sequential(nn.Flatten(), nn.Linear(dim, num_classes))
    gen = torch_generator(seed)
    with torch.no_grad():
        bound = 1 / np.sqrt(dim)
        head[1].weight.copy_(torch.empty(num_classes, dim).uniform_(-bound, bound, generator=gen))
        head[1].bias.zero_()
    return head
