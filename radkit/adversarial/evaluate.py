"""Robust accuracy: how a model (or a defended model) fares against attacks of growing size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from radkit._validate import ATTACK_PIXELS, check_eps, check_images, check_model, check_targets
from radkit.adversarial.attacks import fgsm, pgd, predicted_class
from radkit.stats import Estimate, proportion

__all__ = ["accuracy", "positive_probability", "robustness_curve", "RobustnessCurve", "ATTACKS"]

ATTACKS = ("fgsm", "pgd")


def _logits(model: nn.Module, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model(x[i : i + batch_size]).float() for i in range(0, len(x), batch_size)])


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 256) -> Estimate:
    """Share of images whose class the model calls right, with a Wilson 95% interval.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> accuracy(m, torch.rand(8, 1, 16, 16), torch.zeros(8, dtype=torch.long)).n
    8
    """
    model = check_model(model, "accuracy")
    x = check_images(x, where="accuracy", non_empty=True, hint=ATTACK_PIXELS)
    logits = _logits(model, x, batch_size)
    y = check_targets(y, logits, "accuracy")
    k, n = int((predicted_class(logits) == y).sum()), len(y)
    return proportion(k, n)


def positive_probability(model: nn.Module, x: torch.Tensor, *, batch_size: int = 256) -> np.ndarray:
    """Probability of class 1 (softmax for two logits, sigmoid for one), as NumPy.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> positive_probability(m, torch.rand(3, 1, 16, 16)).shape
    (3,)
    """
    model = check_model(model, "positive_probability")
    x = check_images(x, where="positive_probability", non_empty=True, hint=ATTACK_PIXELS)
    logits = _logits(model, x, batch_size)
    if logits.shape[1] == 1:
        return torch.sigmoid(logits[:, 0]).cpu().numpy().astype(np.float64)
    if logits.shape[1] != 2:
        raise ValueError(f"positive_probability: needs a one- or two-logit model, got {logits.shape[1]} logits.")
    return torch.softmax(logits, 1)[:, 1].cpu().numpy().astype(np.float64)


@dataclass
class RobustnessCurve:
    """Accuracy (Wilson 95% CI) and AUC under each attack at each ε, from :func:`robustness_curve`.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``attack, eps, grey_levels`` (ε × 255), ``accuracy, low, high, n, auc``.
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def accuracy(self, attack: str) -> pd.Series:
        """Accuracy against ε (indexed by grey levels) for one attack (``"clean"`` is ε = 0)."""
        t = self.table
        return t[t["attack"] == attack].set_index("grey_levels")["accuracy"]

    def plot(self, ax=None, *, title: str = "robust accuracy", label: str = ""):
        """Accuracy against ε in grey levels, one line per attack, with the Wilson band."""
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(5, 3.4))[1]
        for attack, grp in self.table.groupby("attack", sort=False):
            if attack == "clean":
                continue
            grp = pd.concat([self.table[self.table["attack"] == "clean"], grp])
            (line,) = ax.plot(grp["grey_levels"], grp["accuracy"], marker="o", label=f"{label}{attack}".strip())
            ax.fill_between(grp["grey_levels"], grp["low"], grp["high"], color=line.get_color(), alpha=0.15)
        ax.set(xlabel="ε (grey levels of 255)", ylabel="accuracy", ylim=(-0.02, 1.02), title=title)
        ax.legend(loc="upper right", fontsize=8)
        return ax


def robustness_curve(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: Sequence[float],
    attacks: Sequence[str] = ATTACKS,
    attack_model: nn.Module | None = None,
    steps: int = 10,
    seed: int,
    batch_size: int = 256,
) -> RobustnessCurve:
    """Accuracy and AUC of ``model`` on clean images and under each attack at each ε.

    Parameters
    ----------
    model : nn.Module
        The model that is evaluated (possibly a :class:`~radkit.adversarial.Defended` one).
    x, y : Tensor
        Images in [0, 1] and true classes (two classes for the AUC column).
    eps : sequence of float
        Attack radii (L∞, [0, 1] scale).
    attacks : sequence of {"fgsm", "pgd"}
    attack_model : nn.Module, optional
        The model whose gradients make the attack; default ``model``. Pass the
        bare model to evaluate a defense against a *non-adaptive* attacker who
        ignores it (the perturbation is made on the bare model, then defended).
    steps : int, default 10
        PGD steps.
    seed : int
        PGD's random start.

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
    >>> c = robustness_curve(m, torch.rand(6, 1, 16, 16), torch.tensor([0, 1] * 3), eps=[1 / 255], steps=2, seed=0)
    >>> list(c.table["attack"])
    ['clean', 'fgsm', 'pgd']
    """
    from sklearn.metrics import roc_auc_score

    model = check_model(model, "robustness_curve")
    attacker = check_model(attack_model if attack_model is not None else model, "robustness_curve")
    x = check_images(x, where="robustness_curve", non_empty=True, hint=ATTACK_PIXELS)
    eps = [check_eps(e, "robustness_curve") for e in eps]
    unknown = [a for a in attacks if a not in ATTACKS]
    if unknown or not eps:
        raise ValueError(
            f"robustness_curve: attacks must be among {ATTACKS} (got {list(attacks)}) and eps "
            "must list at least one radius."
        )
    y_np = torch.as_tensor(y).reshape(-1).cpu().numpy()
    two = len(np.unique(y_np)) == 2

    def row(attack: str, e: float, images: torch.Tensor) -> dict:
        acc = accuracy(model, images, y, batch_size=batch_size)
        auc = roc_auc_score(y_np, positive_probability(model, images, batch_size=batch_size)) if two else np.nan
        return {
            "attack": attack,
            "eps": e,
            "grey_levels": e * 255,
            "accuracy": acc.estimate,
            "low": acc.low,
            "high": acc.high,
            "n": acc.n,
            "auc": auc,
        }

    rows = [row("clean", 0.0, x)]
    for attack in attacks:
        for e in eps:
            if attack == "fgsm":
                adv = fgsm(attacker, x, y, eps=e, batch_size=batch_size)
            else:
                adv = pgd(attacker, x, y, eps=e, steps=steps, seed=seed, batch_size=batch_size)
            rows.append(row(attack, e, adv))
    return RobustnessCurve(pd.DataFrame(rows))
