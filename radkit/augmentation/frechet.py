"""Fréchet distance between two sets of images, on the embeddings of an in-kit classifier.

The Fréchet Inception Distance (Heusel et al. 2017) fits a Gaussian to the
embeddings of each image set and reports the Fréchet (2-Wasserstein) distance
between the two Gaussians,

    FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½).

Inception weights are not available offline and were trained on photographs,
not radiographs, so the kit embeds images with a classifier trained on
radiographs (the penultimate layer of any ``radkit.models`` network, read by
:func:`radkit.train.embed`). FD values
are therefore comparable within one embedding model and one sample size only;
FD is biased upwards at small n, so compare sets of equal size.

Examples
--------
>>> import numpy as np
>>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))   # 2 + 2·(2 − 1)²
4.0
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from radkit.stats import Estimate

__all__ = ["embed", "frechet_distance", "frechet_from_features", "image_frechet"]


def _sqrt_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), in closed form.

    ``Tr((Σ₁Σ₂)^½)`` is computed as ``Tr((Σ₁^½ Σ₂ Σ₁^½)^½)``, a symmetric
    positive semi-definite square root (same eigenvalues, no complex round-off,
    unlike ``scipy.linalg.sqrtm`` of the non-symmetric product).

    Examples
    --------
    >>> import numpy as np
    >>> round(frechet_distance(np.zeros(1), np.eye(1), np.zeros(1), 9 * np.eye(1)), 9)   # (3 − 1)²
    4.0
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, float)), np.atleast_1d(np.asarray(mu2, float))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, float)), np.atleast_2d(np.asarray(sigma2, float))
    d = mu1.shape[0]
    if mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(
            f"Shapes do not match: mu1 {mu1.shape}, sigma1 {s1.shape}, mu2 {mu2.shape}, "
            f"sigma2 {s2.shape}; means must be (d,) and covariances (d, d)."
        )
    root1 = _sqrt_psd(s1)
    cross = np.trace(_sqrt_psd(root1 @ s2 @ root1))
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * cross)
    return max(value, 0.0)


def frechet_from_features(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature samples (rows = items).

    Examples
    --------
    >>> import numpy as np
    >>> from radkit.seeding import rng
    >>> g = rng(0)
    >>> a, b = g.normal(0, 1, (4000, 2)), g.normal(1, 1, (4000, 2))
    >>> round(frechet_from_features(a, b), 1)      # ‖(1, 1)‖² = 2
    2.0
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"Features must be two 2-D arrays with the same number of columns, got {a.shape} and {b.shape}."
        )
    if min(len(a), len(b)) < 2:
        raise ValueError("Each set needs at least 2 items to estimate a covariance.")
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def _features(model: nn.Module, images: torch.Tensor, *, batch_size: int = 256) -> np.ndarray:
    """``images`` checked, then their :func:`radkit.train.embed` features in float64 (for the covariances)."""
    from radkit.augmentation.transforms import check_images
    from radkit.train import embed as _embed

    check_images(images, where="embed")
    return _embed(model, images, batch_size=batch_size).astype(np.float64)


def embed(model: nn.Module, images: torch.Tensor, *, batch_size: int = 256) -> np.ndarray:
    """Deprecated: :func:`radkit.train.embed` in float64 (same numbers); it warns.

    Examples
    --------
    >>> import warnings, torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=1, seed=0)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     embed(m, torch.rand(3, 1, 32, 32)).shape
    (3, 128)
    """
    import warnings

    warnings.warn(
        "radkit.augmentation.frechet.embed is deprecated; call radkit.train.embed(model, images, ...), "
        "the kit's one embedding function (float32; .astype(float) gives these numbers).",
        FutureWarning,
        stacklevel=2,
    )
    return _features(model, images, batch_size=batch_size)


def image_frechet(
    a: torch.Tensor, b: torch.Tensor, *, model: nn.Module, n_boot: int = 0, seed: int | None = None, level: float = 0.95
) -> Estimate:
    """Fréchet distance between two image sets on ``model``'s embeddings, optionally with a bootstrap interval.

    Parameters
    ----------
    a, b : Tensor
        Image batches ``N×1×H×W`` in [0, 1]; use sets of the same size when comparing FDs.
    model : nn.Module
        A trained radkit classifier (its penultimate layer is the embedding).
    n_boot : int
        Bootstrap replicates (resampling both sets); 0 = no interval.
    seed : int, optional
        Needed when ``n_boot > 0`` (e.g. ``prof.seed``).
    level : float

    Returns
    -------
    radkit.stats.Estimate

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=1, seed=0)
    >>> x = torch.rand(64, 1, 32, 32)
    >>> image_frechet(x, x, model=m).estimate < 1e-6
    True
    """
    from radkit.seeding import rng_if_needed
    from radkit.stats import percentile_interval

    fa, fb = _features(model, a), _features(model, b)
    value = frechet_from_features(fa, fb)
    if n_boot <= 0:
        return Estimate(value, level=level, method="", n=min(len(fa), len(fb)))
    g = rng_if_needed(seed, where="image_frechet", why=f"n_boot={n_boot} resamples both sets")
    reps = np.array(
        [
            frechet_from_features(fa[g.integers(0, len(fa), len(fa))], fb[g.integers(0, len(fb), len(fb))])
            for _ in range(n_boot)
        ]
    )
    low, high = percentile_interval(reps, level=level)
    return Estimate(value, low, high, level=level, method="bootstrap percentile", n=min(len(fa), len(fb)))
