"""Defenses of family (1), transform the input, and the adaptive attack that breaks them (BPDA).

A transformation (JPEG re-compression, bit-depth reduction, median filter)
removes some of a small perturbation before the model sees the image.
:class:`Defended` puts one in front of a model. Its gradient is the
defense's weak point: JPEG and rounding have no useful gradient, so an
attacker who differentiates through them gets nothing (*gradient masking*),
while one who replaces the transformation by the identity on the backward
pass (BPDA, Athalye et al. 2018: ``bpda=True``) attacks it almost as well as
the bare model.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from radkit._validate import ATTACK_PIXELS, check_images

__all__ = ["jpeg", "bit_depth", "median_filter", "Defended", "Ensemble", "TRANSFORMS"]

Transform = Callable[[torch.Tensor], torch.Tensor]


def jpeg(x: torch.Tensor, *, quality: int = 75) -> torch.Tensor:
    """JPEG-compress and decode each image at ``quality`` (1-95), through Pillow; values stay in [0, 1].

    Examples
    --------
    >>> import torch
    >>> x = torch.rand(2, 1, 16, 16)
    >>> y = jpeg(x, quality=50)
    >>> y.shape == x.shape, bool(y.min() >= 0 and y.max() <= 1)
    (True, True)
    """
    from PIL import Image

    x = check_images(x, where="jpeg", non_empty=True, hint=ATTACK_PIXELS)
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 95:
        raise ValueError(f"jpeg: quality must be an int from 1 to 95, got {quality!r}.")
    pixels = (x.detach().cpu().float().numpy() * 255).round().astype(np.uint8)
    out = np.empty_like(pixels)
    for i, image in enumerate(pixels):
        for c, channel in enumerate(image):  # one grey channel at a time: radiographs are grey
            buf = io.BytesIO()
            Image.fromarray(channel, mode="L").save(buf, format="JPEG", quality=quality)
            buf.seek(0)
            out[i, c] = np.asarray(Image.open(buf).convert("L"))
    return torch.from_numpy(out).to(x.device, x.dtype) / 255


def bit_depth(x: torch.Tensor, *, bits: int = 4) -> torch.Tensor:
    """Reduce each pixel to ``bits`` bits (``2**bits`` grey levels), Xu et al.'s colour-depth squeezer.

    Examples
    --------
    >>> import torch
    >>> bit_depth(torch.tensor([0.0, 0.2, 0.6, 1.0]).view(1, 1, 1, 4), bits=1).flatten().tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    x = check_images(x, where="bit_depth", non_empty=True, hint=ATTACK_PIXELS)
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 16:
        raise ValueError(f"bit_depth: bits must be an int from 1 to 16, got {bits!r}.")
    levels = 2**bits - 1
    return torch.round(x * levels) / levels


def median_filter(x: torch.Tensor, *, size: int = 3) -> torch.Tensor:
    """Median of each ``size``×``size`` neighbourhood (reflected at the borders).

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 2, 2] = 1.0   # one salt pixel
    >>> float(median_filter(x, size=3).max())
    0.0
    """
    x = check_images(x, where="median_filter", non_empty=True, hint=ATTACK_PIXELS)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1 or size % 2 == 0:
        raise ValueError(f"median_filter: size must be an odd int >= 1, got {size!r}.")
    if size == 1:
        return x.clone()
    pad = size // 2
    if min(x.shape[-2:]) <= pad:
        raise ValueError(f"median_filter: images of {tuple(x.shape[-2:])} pixels are too small for size={size}.")
    padded = nn.functional.pad(x, (pad, pad, pad, pad), mode="reflect")
    patches = padded.unfold(2, size, 1).unfold(3, size, 1)  # N, C, H, W, size, size
    return patches.reshape(*patches.shape[:4], -1).median(dim=-1).values


#: The transformations of family (1), by name, with the settings the lesson uses.
TRANSFORMS: dict[str, Transform] = {
    "JPEG (quality 50)": lambda x: jpeg(x, quality=50),
    "bit depth (4 bits)": lambda x: bit_depth(x, bits=4),
    "median filter (3×3)": lambda x: median_filter(x, size=3),
}


class Defended(nn.Module):
    """``model(transform(x))``: a model behind an input transformation.

    Parameters
    ----------
    model : nn.Module
        Returns logits.
    transform : callable
        ``transform(x) -> x'`` on images in [0, 1] (e.g. :func:`jpeg`), same shape.
    bpda : bool, default False
        Backward pass differentiable approximation: the forward pass is the same,
        but the gradient passes through the transformation as if it were the
        identity (``x + (t(x) - x).detach()``). This is the *adaptive* attacker's
        view of the defended model. With ``bpda=False`` the gradient is whatever
        autograd finds through the transformation: none for JPEG (it leaves torch)
        and zero for rounding (the attacker's gradient is zero: gradient masking),
        the true gradient for a median filter.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> d = Defended(m, lambda x: bit_depth(x, bits=3), bpda=True).eval()
    >>> x = torch.rand(2, 1, 16, 16)
    >>> torch.equal(d(x), m(bit_depth(x, bits=3)))
    True
    """

    def __init__(self, model: nn.Module, transform: Transform, *, bpda: bool = False) -> None:
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f"Defended: model must be an nn.Module, got {type(model).__name__}.")
        if not callable(transform):
            raise TypeError("Defended: transform must be a callable x -> x' such as radkit.adversarial.jpeg.")
        self.model, self.transform, self.bpda = model, transform, bool(bpda)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeezed = self.transform(x.clamp(0, 1))
        if squeezed.shape != x.shape:
            raise ValueError(
                f"Defended: the transform changed the shape from {tuple(x.shape)} to "
                f"{tuple(squeezed.shape)}; it must return images of the same shape."
            )
        if self.bpda:
            return self.model(x + (squeezed - x).detach())  # forward: t(x); backward: identity
        return self.model(squeezed)


class Ensemble(nn.Module):
    """The mean of several models' logits: an attacker who must fool all of them at once.

    Attacking ``Ensemble([model, Defended(model, squeeze, bpda=True)])`` is the
    adaptive attack against feature squeezing: it pushes the raw and the
    squeezed prediction to the wrong class together, so they agree again.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> ms = [M.make_model("smallcnn", num_classes=2, seed=s).eval() for s in (0, 1)]
    >>> x = torch.rand(2, 1, 16, 16)
    >>> torch.allclose(Ensemble(ms).eval()(x), (ms[0](x) + ms[1](x)) / 2)
    True
    """

    def __init__(self, models: Sequence[nn.Module]) -> None:
        super().__init__()
        if len(models) == 0 or not all(isinstance(m, nn.Module) for m in models):
            raise ValueError("Ensemble: give a non-empty list of nn.Module models returning logits.")
        self.members = nn.ModuleList(models)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members]).mean(0)
