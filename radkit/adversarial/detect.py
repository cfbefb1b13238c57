"""Defense of family (3), an auxiliary detector: feature squeezing (Xu, Evans & Qi 2018).

An adversarial perturbation is tuned to one model on one exact image; squeeze
the image (fewer grey levels, a median filter) and the prediction often jumps
back, while a clean image's prediction barely moves. The detector's score is
the largest L1 distance between the class probabilities on the raw and on
each squeezed image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from radkit._validate import ATTACK_PIXELS, check_images, check_model
from radkit.adversarial.defenses import bit_depth, median_filter

__all__ = ["squeezing_score", "DEFAULT_SQUEEZERS"]

#: Xu et al.'s two squeezers for grey images: fewer grey levels and a median filter.
DEFAULT_SQUEEZERS: tuple[Callable[[torch.Tensor], torch.Tensor], ...] = (
    lambda x: bit_depth(x, bits=4),
    lambda x: median_filter(x, size=3),
)


def _probs(logits: torch.Tensor) -> torch.Tensor:
    if logits.shape[1] == 1:
        p = torch.sigmoid(logits)
        return torch.cat([1 - p, p], dim=1)
    return torch.softmax(logits, dim=1)


def squeezing_score(
    model: nn.Module,
    x: torch.Tensor,
    *,
    squeezers: Sequence[Callable[[torch.Tensor], torch.Tensor]] = DEFAULT_SQUEEZERS,
    batch_size: int = 256,
) -> np.ndarray:
    """Feature-squeezing score of each image: ``max_s ||p(x) - p(s(x))||_1`` (0 to 2; high = suspicious).

    Parameters
    ----------
    model : nn.Module
        In eval mode, returns logits.
    x : Tensor
        Images N×C×H×W in [0, 1].
    squeezers : sequence of callables
        Default :data:`DEFAULT_SQUEEZERS` (4-bit depth, 3×3 median).
    batch_size : int, default 256

    Returns
    -------
    numpy.ndarray
        One score per image. Threshold it at a chosen false-alarm rate on clean images.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> s = squeezing_score(m, torch.rand(3, 1, 16, 16))
    >>> s.shape, bool(((s >= 0) & (s <= 2)).all())
    ((3,), True)
    """
    model = check_model(model, "squeezing_score")
    x = check_images(x, where="squeezing_score", non_empty=True, hint=ATTACK_PIXELS)
    if len(squeezers) == 0:
        raise ValueError("squeezing_score: give at least one squeezer, e.g. DEFAULT_SQUEEZERS.")
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            xb = x[i : i + batch_size]
            p = _probs(model(xb).float())
            dist = torch.stack([(p - _probs(model(s(xb)).float())).abs().sum(1) for s in squeezers])
            out.append(dist.max(0).values.cpu())
    return torch.cat(out).numpy().astype(np.float64)
