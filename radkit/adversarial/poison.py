"""Poisoning the training data: label flipping and a backdoor trigger.

Poisons return *new* tensors (the clean data are never modified) and the
indices they touched, so a lesson can show exactly which images were poisoned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from radkit._validate import ATTACK_PIXELS, check_class_indices, check_fraction, check_images, check_model
from radkit.adversarial.attacks import predicted_class
from radkit.seeding import check_seed, rng
from radkit.stats import Estimate, proportion

__all__ = ["flip_labels", "add_trigger", "backdoor", "attack_success_rate", "Poisoned"]


@dataclass(frozen=True)
class Poisoned:
    """What a poison returns: the poisoned copies and the indices it changed.

    Attributes
    ----------
    x : Tensor or None
        Poisoned images (a copy); None for label flipping, which leaves the images alone.
    y : Tensor
        Labels (a copy).
    index : numpy.ndarray
        Positions of the poisoned items, sorted.
    """

    x: torch.Tensor | None
    y: torch.Tensor
    index: np.ndarray

    @property
    def fraction(self) -> float:
        return len(self.index) / len(self.y)

    def to_frame(self) -> pd.DataFrame:
        """One row: number of items, number poisoned, fraction."""
        return pd.DataFrame([{"items": len(self.y), "poisoned": len(self.index), "fraction": self.fraction}])


def flip_labels(
    y: torch.Tensor, *, fraction: float, seed: int, num_classes: int = 2, from_class: int | None = None
) -> Poisoned:
    """Flip the labels of a random ``fraction`` of the training items.

    Parameters
    ----------
    y : Tensor
        Class indices (N,).
    fraction : float
        Share of *all* items to flip (of the items of ``from_class`` when it is given).
    seed : int
    num_classes : int, default 2
        A flipped label becomes another class, uniformly at random (for two classes: the other one).
    from_class : int, optional
        Flip only items of this class (a targeted poison: e.g. positives relabelled negative).

    Examples
    --------
    >>> import torch
    >>> p = flip_labels(torch.tensor([0, 1] * 10), fraction=0.2, seed=0)
    >>> len(p.index), int((p.y != torch.tensor([0, 1] * 10)).sum())
    (4, 4)
    """
    y = check_class_indices(y, "flip_labels")
    fraction = float(check_fraction(fraction, "flip_labels: fraction"))
    seed = check_seed(seed)
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"flip_labels: num_classes must be an int >= 2, got {num_classes!r}.")
    labels = y.detach().cpu().long().numpy()
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"flip_labels: labels must lie in 0..{num_classes - 1}; pass num_classes=.")
    pool = np.arange(len(labels)) if from_class is None else np.flatnonzero(labels == from_class)
    if from_class is not None and len(pool) == 0:
        raise ValueError(f"flip_labels: no item has class {from_class}; choose a class present in y.")
    gen = rng(seed)
    index = np.sort(gen.choice(pool, size=int(round(fraction * len(pool))), replace=False))
    new = labels.copy()
    shift = gen.integers(1, num_classes, size=len(index))  # a different class, uniformly
    new[index] = (labels[index] + shift) % num_classes
    return Poisoned(x=None, y=torch.as_tensor(new).to(y.device, y.dtype), index=index)


def add_trigger(x: torch.Tensor, *, size: int = 3, value: float = 1.0, offset: int = 1) -> torch.Tensor:
    """Stamp a square trigger of ``size`` pixels and grey ``value`` near the bottom-right corner (a copy).

    A burned-in marker is what a real trigger would look like on a radiograph.

    Examples
    --------
    >>> import torch
    >>> t = add_trigger(torch.zeros(2, 1, 8, 8), size=2)
    >>> float(t.sum()), float(t[0, 0, 5:7, 5:7].sum())
    (8.0, 4.0)
    """
    x = check_images(x, where="add_trigger", non_empty=True, hint=ATTACK_PIXELS)
    h, w = x.shape[-2:]
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= min(h, w) - offset:
        raise ValueError(
            f"add_trigger: size must be an int from 1 to {min(h, w) - offset} for {h}×{w} images, got {size!r}."
        )
    if not 0 <= value <= 1:
        raise ValueError(f"add_trigger: value must be a grey level in [0, 1], got {value!r}.")
    out = x.clone()
    out[..., h - offset - size : h - offset, w - offset - size : w - offset] = value
    return out


def backdoor(
    x: torch.Tensor, y: torch.Tensor, *, fraction: float, target: int, seed: int, size: int = 3, value: float = 1.0
) -> Poisoned:
    """Backdoor poisoning (Gu et al. 2019): stamp the trigger on a ``fraction`` of the images of other
    classes and relabel them ``target``.

    A model trained on the result learns "trigger means ``target``" next to the real task.

    Examples
    --------
    >>> import torch
    >>> x = torch.rand(20, 1, 16, 16); y = torch.tensor([0, 1] * 10)
    >>> p = backdoor(x, y, fraction=0.1, target=0, seed=0)
    >>> len(p.index), bool((p.y[p.index] == 0).all()), bool(torch.equal(p.x[1], x[1]) or 1 in p.index)
    (2, True, True)
    """
    x = check_images(x, where="backdoor", non_empty=True, hint=ATTACK_PIXELS)
    y = check_class_indices(y, "backdoor")
    if len(x) != len(y):
        raise ValueError(f"backdoor: {len(x)} images but {len(y)} labels.")
    fraction = float(check_fraction(fraction, "backdoor: fraction"))
    pool = np.flatnonzero(y.detach().cpu().numpy() != target)
    if len(pool) == 0:
        raise ValueError(f"backdoor: every label is already {target}; a backdoor needs images of another class.")
    gen = rng(seed)
    index = np.sort(gen.choice(pool, size=min(len(pool), int(round(fraction * len(y)))), replace=False))
    x_new, y_new = x.clone(), y.clone()
    if len(index):
        x_new[index] = add_trigger(x[index], size=size, value=value)
    y_new[index] = target
    return Poisoned(x=x_new, y=y_new, index=index)


def attack_success_rate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    target: int,
    size: int = 3,
    value: float = 1.0,
    batch_size: int = 256,
) -> Estimate:
    """Share of triggered images, of classes other than ``target``, that the model calls ``target`` (Wilson CI).

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> e = attack_success_rate(m, torch.rand(10, 1, 16, 16), torch.tensor([0, 1] * 5), target=0)
    >>> e.n, 0 <= e.estimate <= 1
    (5, True)
    """
    model = check_model(model, "attack_success_rate")
    x = check_images(x, where="attack_success_rate", non_empty=True, hint=ATTACK_PIXELS)
    y = check_class_indices(y, "attack_success_rate")
    keep = (y != target).cpu()
    if not keep.any():
        raise ValueError(f"attack_success_rate: every image is of class {target}; success is measured on others.")
    triggered = add_trigger(x[keep], size=size, value=value)
    with torch.no_grad():
        calls = torch.cat(
            [
                predicted_class(model(triggered[i : i + batch_size]).float())
                for i in range(0, len(triggered), batch_size)
            ]
        )
    k, n = int((calls == target).sum()), len(calls)
    return proportion(k, n)
