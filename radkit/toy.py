"""A tiny built-in tensor dataset for the tour and for tests.

Bright discs on noisy backgrounds: small enough to train on a CPU in
seconds, simple enough that the answer is never in doubt.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["blobs"]


def blobs(
    n: int = 512, *, size: int = 32, prevalence: float = 0.5, contrast: float = 0.25, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images with or without a faint disc, and their labels.

    Parameters
    ----------
    n : int
        Number of images.
    size : int
        Image side in pixels.
    prevalence : float
        Fraction of images with a disc (label 1).
    contrast : float
        Brightness of the disc over the background; smaller is harder.
    seed : int
        Seed of a private generator; the global RNG is untouched.

    Returns
    -------
    X : float32 tensor, n×1×size×size, values in [0, 1]
    y : float32 tensor, n×1, 0/1

    Examples
    --------
    >>> from radkit.toy import blobs
    >>> X, y = blobs(8, size=16, seed=0)
    >>> tuple(X.shape), tuple(y.shape)
    ((8, 1, 16, 16), (8, 1))
    """
    for name, value in (("n", n), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be a whole number, got {value!r}.")
    if n < 1 or size < 8:
        raise ValueError(f"need n >= 1 and size >= 8, got n={n}, size={size}.")
    if not 0 <= prevalence <= 1:
        raise ValueError(f"prevalence must be in [0, 1], got {prevalence}.")
    for name, value in (("contrast", contrast),):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.integer, np.floating))
            or not np.isfinite(value)
            or value < 0
        ):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r} (NaN or inf gives NaN images).")
    g = torch.Generator().manual_seed(seed)
    y = (torch.rand(n, generator=g) < prevalence).float()
    centre = torch.rand(n, 2, generator=g) * (size * 0.5) + size * 0.25
    radius = (torch.rand(n, generator=g) * 0.1 + 0.1) * size
    grid = torch.arange(size, dtype=torch.float32)
    dy = grid[None, :, None] - centre[:, 0, None, None]
    dx = grid[None, None, :] - centre[:, 1, None, None]
    disc = torch.sigmoid((radius[:, None, None] - torch.sqrt(dx**2 + dy**2)) * 2.0)
    X = 0.35 + 0.1 * torch.randn(n, size, size, generator=g) + contrast * disc * y[:, None, None]
    return X.clamp(0, 1).unsqueeze(1), y[:, None]
