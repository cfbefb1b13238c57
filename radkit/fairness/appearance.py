"""A documented sex-specific appearance for synthetic radiographs: breast soft-tissue shadows.

:func:`radkit.synth.generate` renders men and women almost alike (women's
thoraces are about 7 % narrower, nothing else), so a model trained on one sex
transfers to the other, and Larrazabal et al.'s finding (PNAS 2020: a
classifier trained on men only does worse on women) has nothing to act on.
Real female chest films differ visibly: breast tissue adds a soft density over
both lower zones, with a curved lower-lateral edge, whose size varies between
women. :func:`breast_shadow` adds that to existing images, leaving the
generator and its outputs untouched, so a lesson can show where the effect comes
from: a group whose images look different from the training data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike

__all__ = ["breast_shadow"]


def breast_shadow(
    images: torch.Tensor, sex: ArrayLike, *, seed: int, strength: float = 0.25, group: object = "F"
) -> torch.Tensor:
    """Images with a soft-tissue shadow over both lower zones for every case of ``group``.

    Each shadow is a smooth half-ellipse below the mid-lung on each side, centred
    at about 45 % of the half-width from the midline, adding ``strength`` times a
    per-patient size factor (uniform on 0.5-1.5) to the image intensity (brighter is
    denser), clamped to [0, 1]. Other cases are returned unchanged.

    Parameters
    ----------
    images : torch.Tensor
        N x 1 x H x W in [0, 1].
    sex : array-like of shape (n,)
        Sex per image (``meta["sex"]``).
    seed : int
        Seeds each patient's size factor and small position jitter.
    strength : float
        Peak added intensity for an average patient (0 leaves images unchanged).
    group : object
        Which value of ``sex`` gets the shadow.

    Returns
    -------
    torch.Tensor
        A new tensor; ``images`` is not modified.

    Examples
    --------
    >>> x = torch.full((2, 1, 32, 32), 0.3)
    >>> y = breast_shadow(x, ["F", "M"], seed=0)
    >>> bool(y[0].mean() > x[0].mean()), bool(torch.equal(y[1], x[1]))
    (True, True)
    """
    from radkit._validate import check_images
    from radkit.seeding import torch_generator

    images = check_images(images, where="breast_shadow: images")  # 0-255 pixels would be clamped to white
    values = np.asarray(sex)
    found = set(pd.unique(values.ravel()).tolist()) if values.size else set()
    if group not in found and isinstance(group, str):
        near = sorted(str(v) for v in found if isinstance(v, str) and v.strip().lower().startswith(group.lower()[:1]))
        if near:
            raise ValueError(
                f"no image has sex == {group!r}, but sex holds {near}; pass group={near[0]!r} "
                "(or recode sex to 'F'/'M' as radkit's metadata does)."
            )
    who = values == group
    if who.shape[0] != images.shape[0]:
        raise ValueError(f"sex has {who.shape[0]} values but there are {images.shape[0]} images.")
    if (
        isinstance(strength, (bool, str))
        or not isinstance(strength, (int, float, np.integer, np.floating))
        or not (strength >= 0 and np.isfinite(strength))
    ):
        raise ValueError(f"strength must be a finite number >= 0 (added intensity, e.g. 0.25), got {strength!r}.")
    out = images.clone()
    idx = torch.as_tensor(np.flatnonzero(who))
    if idx.numel() == 0 or strength == 0:
        return out
    g = torch_generator(seed)
    m = idx.numel()
    size = 0.5 + torch.rand(m, generator=g)
    jitter = 0.04 * torch.randn(m, 2, generator=g)
    h, w = images.shape[-2:]
    yy = torch.linspace(-1, 1, h).view(1, h, 1)
    xx = torch.linspace(-1, 1, w).view(1, 1, w)
    cy = (0.30 + jitter[:, 0]).view(m, 1, 1)
    rx, ry = 0.30 * (0.8 + 0.4 * (size.view(m, 1, 1) - 0.5)), 0.28
    shadow = torch.zeros(m, h, w)
    for side in (-1.0, 1.0):
        cx = (side * 0.45 + jitter[:, 1]).view(m, 1, 1)
        r2 = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
        blob = torch.sigmoid((1.0 - r2) * 6.0) * torch.sigmoid((yy - cy + 0.1) * 12.0)  # lower half, soft top
        shadow = torch.maximum(shadow, blob)
    add = strength * size.view(m, 1, 1) * shadow
    out[idx] = (out[idx] + add.unsqueeze(1).to(out.dtype)).clamp_(0.0, 1.0)
    return out
