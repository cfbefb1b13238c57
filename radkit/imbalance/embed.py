"""Deprecated: penultimate-layer embeddings are :func:`radkit.train.embed`, the kit's one embedding function.

``radkit.imbalance.embeddings`` keeps working for one release; it warns and calls :func:`radkit.train.embed`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from torch import nn

__all__ = ["embeddings"]


def embeddings(model: nn.Module, data: Any, **options: Any) -> np.ndarray:
    """Deprecated name of :func:`radkit.train.embed` (same arguments, same numbers); it warns.

    Examples
    --------
    >>> import torch, radkit.models
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     embeddings(m, torch.rand(2, 1, 32, 32)).shape
    (2, 128)
    """
    from radkit.train import embed

    warnings.warn(
        "radkit.imbalance.embeddings is deprecated; call radkit.train.embed(model, data, ...), "
        "the kit's one embedding function (same numbers).",
        FutureWarning,
        stacklevel=2,
    )
    return embed(model, data, **options)
