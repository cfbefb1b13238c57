"""Harmonization: make films from different scanners look alike, and test whether it worked.

Per-image standardisation and histogram matching to a reference site remove
differences of brightness and contrast curve. Glocker et al. (2019) showed they
do not remove scanner bias: a simple classifier still tells the sites apart.
:func:`site_probe` is that test; :func:`texture_features` gives the probe what a
network sees besides grey levels (noise and sharpness).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from numpy.typing import ArrayLike

from radkit.metrics.probe import ProbeResult, attribute_probe, pooled_pixels

__all__ = ["standardize", "match_histograms", "texture_features", "site_probe"]


def _images(images: ArrayLike | torch.Tensor, what: str = "images") -> np.ndarray:
    x = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    if x.ndim != 4:
        raise ValueError(f"{what} must be N x C x H x W, got shape {x.shape}. Add a channel axis with x[:, None].")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise ValueError(f"{what} contain NaN or infinite values; fix the images first.")
    return x


def standardize(images: ArrayLike | torch.Tensor) -> torch.Tensor:
    """Per-image standardisation: each image minus its mean, divided by its standard deviation.

    Examples
    --------
    >>> z = standardize(torch.rand(3, 1, 8, 8))
    >>> [round(abs(float(v)), 4) for v in (z.mean(), z[0].std(unbiased=False))]
    [0.0, 1.0]
    """
    x = torch.as_tensor(_images(images))
    mu = x.mean(dim=(1, 2, 3), keepdim=True)
    sd = x.std(dim=(1, 2, 3), keepdim=True, unbiased=False).clamp_min(1e-6)
    return (x - mu) / sd


def _match_one(source: np.ndarray, t_values: np.ndarray, t_quantiles: np.ndarray) -> np.ndarray:
    values, inverse, counts = np.unique(source.ravel(), return_inverse=True, return_counts=True)
    quantiles = np.cumsum(counts) / source.size
    return np.interp(quantiles, t_quantiles, t_values)[inverse].reshape(source.shape)


def match_histograms(images: ArrayLike | torch.Tensor, reference: ArrayLike | torch.Tensor) -> torch.Tensor:
    """Map each image's grey levels so that its histogram matches ``reference``'s.

    The cumulative histogram of every image is mapped onto the reference's (the
    same rule as ``skimage.exposure.match_histograms`` for float images).

    Parameters
    ----------
    images : array-like, N x C x H x W
    reference : array-like
        One image (C x H x W or H x W) or a stack of reference images
        (K x C x H x W, pooled into one histogram, e.g. a few films of the
        reference site). Its H x W must equal the images'.

    Returns
    -------
    torch.Tensor
        float32, same shape as ``images``.

    Examples
    --------
    >>> src = torch.linspace(0, 1, 16).reshape(1, 1, 4, 4)
    >>> ref = (torch.linspace(0, 1, 16) ** 2).reshape(1, 4, 4)
    >>> bool(torch.allclose(match_histograms(src, ref).flatten(), ref.flatten()))
    True
    """
    x = _images(images)
    r = reference.detach().cpu().numpy() if isinstance(reference, torch.Tensor) else np.asarray(reference)
    if r.ndim < 2 or r.shape[-2:] != x.shape[-2:]:
        raise ValueError(
            f"reference has shape {r.shape} but the images are {x.shape[-2]} x {x.shape[-1]}; "
            "resize the reference (or pick a reference film of the same size)."
        )
    if not np.isfinite(r).all():
        raise ValueError("reference contains NaN or infinite values.")
    t_values, t_counts = np.unique(r.astype(np.float64).ravel(), return_counts=True)
    t_quantiles = np.cumsum(t_counts) / r.size
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = _match_one(x[i].astype(np.float64), t_values, t_quantiles)
    return torch.from_numpy(out)


def texture_features(images: ArrayLike | torch.Tensor, *, pool: int = 8) -> np.ndarray:
    """Pooled grey levels plus pooled high-frequency energy (noise, sharpness) per image.

    The high-pass part is the absolute difference between the image and a 3 x 3
    box blur of it, average-pooled like the grey levels.

    Examples
    --------
    >>> texture_features(torch.rand(2, 1, 16, 16), pool=4).shape
    (2, 32)
    """
    x = torch.as_tensor(_images(images))
    blur = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    hp = (x - blur).abs()
    return np.concatenate([pooled_pixels(x.numpy(), pool=pool), pooled_pixels(hp.numpy(), pool=pool)], axis=1)


def site_probe(
    features: ArrayLike | torch.Tensor, site: ArrayLike, *, seed: int, pair: Sequence[str] | None = None, pool: int = 16
) -> ProbeResult:
    """Out-of-fold AUC of a linear probe telling two sites apart (Glocker's test).

    Parameters
    ----------
    features : array-like
        Images N x C x H x W (average-pooled first), or a feature matrix N x D
        (:func:`texture_features`, a network's embeddings).
    site : array-like of str
        Site of every row.
    seed : int
        Seeds the folds.
    pair : (str, str), optional
        The two sites to compare (rows of other sites are dropped); required
        when there are more than two sites. The second one counts as positive.
    pool : int
        Pooled side for images.

    Returns
    -------
    radkit.fairness.ProbeResult
        ``auc`` near 0.5: the sites look alike to the probe; near 1: they do not.

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> site = np.array(["A", "B"] * 50)
    >>> X = gen.normal(size=(100, 4)) + (site == "B")[:, None]
    >>> bool(site_probe(X, site, seed=0).auc.estimate > 0.8)
    True
    """
    s = np.asarray(site, dtype=object)
    names = list(dict.fromkeys(s.tolist()))
    if pair is None:
        if len(names) != 2:
            raise ValueError(f"The data have sites {names}; pass pair=(site1, site2) to compare two of them.")
        pair = tuple(sorted(names))
    pair = tuple(pair)
    unknown = [p for p in pair if p not in names]
    if len(pair) != 2 or pair[0] == pair[1] or unknown:
        raise ValueError(f"pair={pair} must name two different sites among {names}.")
    keep = np.isin(s, pair)
    f = features.detach().cpu().numpy() if isinstance(features, torch.Tensor) else np.asarray(features)
    if f.shape[0] != s.size:
        raise ValueError(f"features have {f.shape[0]} rows but site has {s.size}; pass one site per row.")
    label = np.where(s[keep] == pair[1], pair[1], pair[0])
    import pandas as pd

    return attribute_probe(f[keep], pd.Series(label, name="site"), seed=seed, positive=pair[1], pool=pool)
