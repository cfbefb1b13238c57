"""Penultimate-layer embeddings of a trained CNN: the feature space where SMOTE and friends work."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from radkit.train import Data, _batches

__all__ = ["embeddings"]


def _last_linear(model: nn.Module) -> nn.Linear:
    last = None
    for module in model.modules():
        if isinstance(module, nn.Linear):
            last = module
    if last is None:
        raise ValueError("embeddings: the model has no nn.Linear layer, so it has no penultimate layer to read. "
                         "Pass layer=<the module whose input you want>.")
    return last


def embeddings(model: nn.Module, data: Data, *, layer: nn.Module | None = None, batch_size: int = 256,
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
    >>> embeddings(m, torch.rand(5, 1, 32, 32)).shape
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
    try:
        from tqdm.auto import tqdm

        with torch.inference_mode():
            batches = _batches(data, batch_size=batch_size, shuffle=False, generator=None, dev=dev, model=model,
                               where="embeddings")
            for xb, _ in tqdm(batches, desc="embeddings", disable=not progress, unit="batch"):
                model(xb)
    finally:
        handle.remove()
        model.train(was_training)
    if not out:
        raise ValueError("embeddings: the data held no image; pass at least one.")
    return torch.cat(out).numpy()
