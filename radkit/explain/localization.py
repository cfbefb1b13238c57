"""Does a map point at the lesion? Scores of attribution maps against known masks.

- :func:`pointing_game`: is the map's hottest pixel inside the mask (Zhang et al. 2018)?
- :func:`energy_in_mask`: the share of the map's positive mass that falls inside the mask;
- :func:`topk_iou`: overlap (IoU) of the map's top-``k`` share of pixels with the mask;
- :func:`chance_pointing`: what a random point would score (the mask's area share);
- :func:`localization_scores`: all of them per image, with intervals, in one table.

Maps and masks are N x H x W or N x 1 x H x W (tensors or arrays) of the same size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from radkit.stats import Estimate, percentile_interval, proportion

__all__ = [
    "pointing_game",
    "energy_in_mask",
    "topk_iou",
    "chance_pointing",
    "LocalizationScores",
    "localization_scores",
    "dilate",
]


def _as_stack(a: object, name: str) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    a = np.asarray(a)
    if a.ndim == 4:
        if a.shape[1] != 1:
            raise ValueError(
                f"{name} has shape {a.shape}: give one channel (N x 1 x H x W) or N x H x W; "
                "sum the channels first (radkit.explain.attribute does)."
            )
        a = a[:, 0]
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[0] == 0:
        raise ValueError(f"{name} must be N x H x W or N x 1 x H x W with N >= 1, got shape {a.shape}.")
    return a


def _pair(maps: object, masks: object) -> tuple[np.ndarray, np.ndarray]:
    m = _as_stack(maps, "maps").astype(np.float64)
    k = _as_stack(masks, "masks")
    if m.shape != k.shape:
        raise ValueError(
            f"maps {m.shape} and masks {k.shape} differ in size: give one mask per map, at the "
            "map's resolution (upsample Grad-CAM maps to the image size, e.g. grad_cam(upsample=True))."
        )
    if not np.isfinite(m).all():
        raise ValueError("maps hold NaN or infinite values; recompute them (check the model's output).")
    k = k.astype(bool)
    empty = np.flatnonzero(~k.any(axis=(1, 2)))
    if empty.size:
        raise ValueError(
            f"masks {empty[:10].tolist()}{' ...' if empty.size > 10 else ''} are empty: there is "
            "no lesion to point at. Score only images that have the finding (true positives)."
        )
    return m, k


def dilate(masks: np.ndarray, pixels: int) -> np.ndarray:
    """Grow boolean masks (N x H x W) by ``pixels`` in every direction (square neighbourhood).

    Examples
    --------
    >>> m = np.zeros((1, 5, 5), bool); m[0, 2, 2] = True
    >>> int(dilate(m, 1).sum())
    9
    """
    if isinstance(pixels, bool) or not isinstance(pixels, (int, np.integer)) or pixels < 0:
        raise ValueError(f"tolerance must be an int >= 0 (pixels), got {pixels!r}.")
    if pixels == 0:
        return masks.astype(bool)
    t = torch.as_tensor(masks.astype(np.float32))[:, None]
    out = torch.nn.functional.max_pool2d(t, 2 * pixels + 1, stride=1, padding=pixels)
    return out[:, 0].numpy() > 0.5


def pointing_game(maps: object, masks: object, *, tolerance: int = 0) -> np.ndarray:
    """For each image: is the map's maximum inside the mask (grown by ``tolerance`` pixels)?

    Ties for the maximum count as a hit only if *all* tied pixels are inside
    (a flat map earns nothing).

    Examples
    --------
    >>> maps = np.zeros((2, 4, 4)); maps[0, 1, 1] = 1; maps[1, 3, 3] = 1
    >>> masks = np.zeros((2, 4, 4), bool); masks[:, :2, :2] = True
    >>> pointing_game(maps, masks).tolist()
    [True, False]
    """
    m, k = _pair(maps, masks)
    k = dilate(k, tolerance)
    top = m == m.max(axis=(1, 2), keepdims=True)
    return ~(top & ~k).any(axis=(1, 2))


def chance_pointing(masks: object, *, tolerance: int = 0) -> np.ndarray:
    """Hit probability of a uniformly random point: the (grown) mask's share of the image.

    Examples
    --------
    >>> masks = np.zeros((1, 4, 4), bool); masks[0, :2, :2] = True
    >>> chance_pointing(masks).tolist()
    [0.25]
    """
    k = _as_stack(masks, "masks").astype(bool)
    return dilate(k, tolerance).mean(axis=(1, 2))


def energy_in_mask(maps: object, masks: object) -> np.ndarray:
    """Share of each map's positive mass inside the mask (negative values count as 0).

    A map that spreads evenly scores the mask's area share; 1 means every bit
    of attribution is on the lesion. A map with no positive mass scores NaN.

    Examples
    --------
    >>> maps = np.ones((1, 4, 4)); maps[0, 0, 0] = 13
    >>> masks = np.zeros((1, 4, 4), bool); masks[0, 0, :2] = True
    >>> energy_in_mask(maps, masks).tolist()
    [0.5]
    """
    m, k = _pair(maps, masks)
    pos = np.clip(m, 0, None)
    total = pos.sum(axis=(1, 2))
    inside = (pos * k).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / np.where(total > 0, total, 1), np.nan)


def topk_iou(maps: object, masks: object, *, top: float | str = "mask") -> np.ndarray:
    """IoU between the map's top pixels and the mask.

    Parameters
    ----------
    top : float or "mask", default "mask"
        Share of pixels kept (e.g. 0.05 for the top 5 %), or ``"mask"`` to keep as
        many pixels as the mask has (then IoU = 1 only for a perfect map).

    Notes
    -----
    Pixels tied at the cut (a flat map, or the zeros of a rectified Grad-CAM map) share the places
    left at the cut equally, as a random tie-break would on average, and the overlap is that of this
    soft selection. The score therefore does not depend on the order of the pixels, and a flat map
    scores about what a random map scores: ``s / (2 - s)`` for a mask covering a share ``s`` with
    ``top="mask"``.

    Examples
    --------
    >>> maps = np.zeros((1, 4, 4)); maps[0, 0, :2] = [2, 1]
    >>> masks = np.zeros((1, 4, 4), bool); masks[0, 0, :2] = True
    >>> topk_iou(maps, masks).tolist(), topk_iou(maps, masks, top=0.25).tolist()
    ([1.0], [0.5])
    >>> round(float(topk_iou(np.ones((1, 4, 4)), masks)[0]), 4)  # flat: s = 1/8, s / (2 - s)
    0.0667
    """
    m, k = _pair(maps, masks)
    n, h, w = m.shape
    if isinstance(top, str):
        if top != "mask":
            raise ValueError(f"top={top!r}: use 'mask' or a share of pixels in (0, 1], e.g. 0.05.")
        counts = k.sum(axis=(1, 2))
    else:
        if isinstance(top, bool) or not (isinstance(top, (int, float)) and 0 < top <= 1):
            raise ValueError(f"top={top!r} must be a share of pixels in (0, 1], e.g. 0.05, or 'mask'.")
        counts = np.full(n, max(1, int(round(top * h * w))))
    flat = m.reshape(n, -1)
    kf = k.reshape(n, -1)
    # the value at the cut: pixels above it are in; pixels equal to it share the places that are left equally
    # (what a random tie-break gives on average), so the score does not depend on the order of the pixels
    cut = -np.sort(-flat, axis=1)[np.arange(n), counts - 1][:, None]
    above, tied = flat > cut, flat == cut
    share = (counts - above.sum(1)) / tied.sum(1)
    inter = (above & kf).sum(1) + share * (tied & kf).sum(1)
    return inter / (counts + kf.sum(1) - inter)


@dataclass
class LocalizationScores:
    """Per-image scores of one set of maps against masks, and their summaries.

    Attributes
    ----------
    per_image : pandas.DataFrame
        ``pointing`` (0/1), ``chance`` (random point's hit probability), ``energy``, ``iou``.
    pointing, chance, energy, iou : Estimate
        Pointing-game hit rate (Wilson interval), the mean chance of a random
        point, mean energy in mask and mean IoU (bootstrap percentile intervals).
    """

    per_image: pd.DataFrame
    pointing: Estimate
    chance: Estimate
    energy: Estimate
    iou: Estimate

    def to_frame(self) -> pd.DataFrame:
        """One row per score: ``estimate, low, high, level, method, n``."""
        return pd.DataFrame({k: getattr(self, k).as_dict() for k in ("pointing", "chance", "energy", "iou")}).T


def _boot_mean(values: np.ndarray, *, n_boot: int, seed: int, level: float) -> Estimate:
    from radkit.seeding import rng

    v = values[np.isfinite(values)]
    if v.size == 0:
        return Estimate(float("nan"), level=level, method="bootstrap percentile", n=0)
    idx = rng(seed).integers(0, v.size, size=(n_boot, v.size))
    low, high = percentile_interval(v[idx].mean(1), level=level)
    return Estimate(float(v.mean()), float(low), float(high), level=level, method="bootstrap percentile", n=int(v.size))


def localization_scores(
    maps: object,
    masks: object,
    *,
    tolerance: int = 0,
    top: float | str = "mask",
    n_boot: int = 1000,
    seed: int,
    level: float = 0.95,
) -> LocalizationScores:
    """Pointing game, chance, energy in mask and top-k IoU for every image, with intervals.

    Examples
    --------
    >>> maps = np.zeros((4, 8, 8)); maps[:, 2, 2] = 1
    >>> masks = np.zeros((4, 8, 8), bool); masks[:, :4, :4] = True
    >>> s = localization_scores(maps, masks, n_boot=50, seed=0)
    >>> s.pointing.estimate, s.chance.estimate
    (1.0, 0.25)
    """
    from radkit.seeding import check_seed

    seed = check_seed(seed)
    m, k = _pair(maps, masks)
    hits = pointing_game(m, k, tolerance=tolerance)
    chance = chance_pointing(k, tolerance=tolerance)
    energy = energy_in_mask(m, k)
    iou = topk_iou(m, k, top=top)
    per = pd.DataFrame({"pointing": hits.astype(int), "chance": chance, "energy": energy, "iou": iou})
    return LocalizationScores(
        per_image=per,
        pointing=proportion(int(hits.sum()), len(hits), level=level),
        chance=_boot_mean(chance, n_boot=n_boot, seed=seed, level=level),
        energy=_boot_mean(energy, n_boot=n_boot, seed=seed + 1, level=level),
        iou=_boot_mean(iou, n_boot=n_boot, seed=seed + 2, level=level),
    )
