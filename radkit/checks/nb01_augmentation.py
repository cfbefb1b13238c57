"""Checks for notebooks/01_insufficient_data.ipynb (solutions/01_insufficient_data.ipynb)."""

from __future__ import annotations

import math

import numpy as np
import torch

from radkit.augmentation.curves import LearningCurve
from radkit.augmentation.frechet import frechet_from_features
from radkit.checks import exercise


@exercise("01.1")
def images_for_target(answer, *, curve: LearningCurve, target: float):
    """Answer: the training-set size at which the mean learning curve reaches ``target`` AUC."""
    try:
        n = float(answer)
    except (TypeError, ValueError):
        return "give one number: the training-set size (images) at which the curve reaches the target."
    want = curve.n_to_reach(target)
    if not math.isfinite(want):
        return "the curve never reaches this target; answer float('nan')." if math.isfinite(n) else None
    if abs(n / want - 1) <= 0.1:
        return None
    s = curve.summary()
    ns, auc = s.index.to_numpy(float), s["auc"].to_numpy()
    i = int(np.flatnonzero(auc >= target)[0])
    if i > 0:
        lin = ns[i - 1] + (target - auc[i - 1]) / (auc[i] - auc[i - 1]) * (ns[i] - ns[i - 1])
        if abs(n / lin - 1) <= 0.02:
            return (
                "you interpolated linearly in n; the curve is (nearly) straight against log n, so "
                "interpolate log n and take exp of the result."
            )
    if any(abs(n / v - 1) < 1e-6 for v in ns):
        return (
            "that is one of the measured sizes; the target falls between two of them, so interpolate "
            "between the last size below the target and the first one above it."
        )
    if n < want:
        return "too few: find the two measured sizes whose mean AUCs bracket the target, then interpolate."
    return "too many: use the mean AUC per size (the summary), not the lower bound of its interval."


def _heart_batch(size: int = 64, n: int = 24, seed: int = 0):
    from radkit import synth

    data = synth.generate(n, size=size, seed=seed, prevalence={"cardiomegaly": 1.0}, masks=True, device="cpu")
    return data.masks["cardiomegaly"].float(), data.lungs.float()


def _centre_x(mask: torch.Tensor) -> torch.Tensor:
    cols = mask.sum(dim=(1, 2))
    return (cols * torch.arange(mask.shape[-1])).sum(-1) / cols.sum(-1).clamp_min(1e-9)


@exercise("01.2")
def laterality_safe(answer, **_):
    """Answer: a function ``augment(x, *, seed) -> x`` that rotates/shifts per image and never mirrors."""
    if not callable(answer):
        return "give the function itself (def my_augment(x, *, seed): ...), not its output."
    heart, lungs = _heart_batch()
    out_heart = answer(heart, seed=3)
    if not isinstance(out_heart, torch.Tensor) or out_heart.shape != heart.shape:
        return "return a tensor of the same shape as the input batch (N×1×H×W)."
    if float(out_heart.min()) < -1e-6 or float(out_heart.max()) > 1 + 1e-6:
        return "the output leaves [0, 1]; clamp it (or use operations that keep the range)."
    if not torch.equal(out_heart, answer(heart, seed=3)):
        return (
            "the same seed gave two different outputs: draw the random parameters from a generator "
            "made with radkit.seeding.torch_generator(seed), not from the global random state."
        )
    if torch.equal(out_heart, answer(heart, seed=4)):
        return "different seeds gave the same output: use the seed to draw the parameters."
    if torch.allclose(out_heart, heart):
        return "the function leaves the images unchanged; apply a random rotation or shift."
    copies = answer(heart[:1].repeat(8, 1, 1, 1), seed=3)
    if all(torch.equal(copies[0], copies[i]) for i in range(1, 8)):
        return "eight copies of one image came out identical: draw one set of parameters per image."
    out_lungs = answer(lungs, seed=3)
    right = _centre_x(out_heart) > _centre_x(out_lungs)
    if not bool(right.all()):
        return (
            f"the heart ended left of the midline in {int((~right).sum())} of {len(heart)} images: your "
            "augmentation mirrors (or rotates far enough to swap sides). A chest radiograph must keep "
            "the heart on the image right; no flips, rotations of a few degrees only."
        )
    return None


@exercise("01.3")
def fd_by_hand(answer, *, a, b):
    """Answer: the Fréchet distance between Gaussians fitted to feature samples ``a`` and ``b``."""
    try:
        value = float(np.real(answer))
    except (TypeError, ValueError):
        return "give one number, the Fréchet distance."
    want = frechet_from_features(a, b)
    if math.isclose(value, want, rel_tol=1e-3, abs_tol=1e-6):
        return None
    a, b = np.asarray(a, float), np.asarray(b, float)
    mean_term = float(((a.mean(0) - b.mean(0)) ** 2).sum())
    if math.isclose(value, mean_term, rel_tol=1e-3):
        return "that is only ‖μ₁ − μ₂‖²; add the covariance term Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)."
    if math.isclose(value, math.sqrt(want), rel_tol=1e-3):
        return "the Fréchet distance as used for FID is the squared 2-Wasserstein distance: no final square root."
    if value < 0:
        return "an FD is never negative; check the sign of the 2(Σ₁Σ₂)^½ term."
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    no_sqrt = mean_term + float(np.trace(s1 + s2 - 2 * s1 @ s2))
    if math.isclose(value, no_sqrt, rel_tol=1e-3):
        return "take the matrix square root of Σ₁Σ₂ (scipy.linalg.sqrtm), not the product itself."
    return (
        "compute μ and Σ of each sample (np.cov(x, rowvar=False): features are columns), then "
        "‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2·sqrtm(Σ₁Σ₂)), keeping the real part."
    )
