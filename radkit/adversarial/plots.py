"""Figures of the adversarial lesson: the attack in pictures."""

from __future__ import annotations

import torch

__all__ = ["show_attack"]


def show_attack(
    x: torch.Tensor, x_adv: torch.Tensor, *, p_before: float, p_after: float, finding: str = "finding", axes=None
):
    """Image, perturbation (amplified to fill the grey range), adversarial image and the two probabilities.

    Parameters
    ----------
    x, x_adv : Tensor
        One image each (C×H×W or 1×C×H×W), in [0, 1].
    p_before, p_after : float
        The model's probability of ``finding`` on each.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import torch
    >>> x = torch.rand(1, 16, 16)
    >>> axes = show_attack(x, (x + 0.01).clamp(0, 1), p_before=0.9, p_after=0.1)
    >>> len(axes)
    3
    """
    import matplotlib.pyplot as plt

    x = x.detach().cpu().reshape(x.shape[-2:]).numpy()
    x_adv = x_adv.detach().cpu().reshape(x_adv.shape[-2:]).numpy()
    delta = x_adv - x
    scale = float(abs(delta).max()) or 1.0
    if axes is None:
        axes = plt.subplots(1, 3, figsize=(9.5, 3.4), layout="constrained")[1]
    axes[0].imshow(x, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"original\nP({finding}) = {p_before:.2f}")
    im = axes[1].imshow(delta, cmap="RdBu_r", vmin=-scale, vmax=scale)
    axes[1].set_title(f"perturbation ×{1 / scale:.0f}\n(max {scale * 255:.1f} grey levels)")
    plt.colorbar(im, ax=axes[1], fraction=0.046, label="change (grey levels)", format=lambda v, _: f"{v * 255:.1f}")
    axes[2].imshow(x_adv, cmap="gray", vmin=0, vmax=1)
    axes[2].set_title(f"adversarial\nP({finding}) = {p_after:.2f}")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return axes
