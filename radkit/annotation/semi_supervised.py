"""Semi-supervised learning: a few expert labels plus many unlabelled images, on top of ``radkit.train``.

Two methods, both built from :func:`radkit.train.fit` and :func:`radkit.train.predict`:

* :func:`pseudo_label` (self-training, Lee 2013): train on the labelled images,
  let the model label the unlabelled pool, keep only the calls it is confident
  about (probability above ``threshold`` or below ``1 - threshold``) and train
  again on both. Unconfident pool images get a NaN label, which the training
  loss ignores.
* :func:`temporal_ensembling` (Laine & Aila 2017), a consistency method: the
  model's predictions on randomly *augmented* views of the pool, averaged over
  rounds (an exponential moving average), become soft targets the model must
  reproduce on new augmented views. It rewards predictions that do not change
  under perturbations the label should not care about.

Both accept any tensors ``fit`` accepts: images N x C x H x W, or frozen
embeddings shaped N x D x 1 x 1 (see :mod:`radkit.annotation.embeddings`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from radkit._compat import renamed_arguments
from radkit.seeding import check_seed, spawn, torch_generator
from radkit.train import fit, predict

__all__ = ["confident_pseudo_labels", "pseudo_label", "temporal_ensembling", "gaussian_noise", "SemiResult"]

Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


@dataclass
class SemiResult:
    """A trained model and what happened in each round.

    Attributes
    ----------
    model : nn.Module
    rounds : DataFrame
        One row per round: ``round``, ``n_pseudo`` (pool images used with a label) and,
        when ``y_unlabeled_true`` was passed, ``pseudo_accuracy`` (share of those labels that are right).
    """

    model: nn.Module
    rounds: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.rounds


@renamed_arguments(prob="y_score")
def confident_pseudo_labels(y_score, threshold: float) -> np.ndarray:
    """Hard labels where the model is confident, NaN elsewhere.

    ``1`` where ``y_score >= threshold``, ``0`` where ``y_score <= 1 - threshold``.

    Examples
    --------
    >>> confident_pseudo_labels([0.97, 0.6, 0.02], 0.95).tolist()
    [1.0, nan, 0.0]
    """
    if not 0.5 < threshold <= 1.0:
        raise ValueError(
            f"threshold must be in (0.5, 1]; a call is confident when p >= threshold or "
            f"p <= 1 - threshold. Got {threshold!r}."
        )
    p = np.asarray(y_score, dtype=float)
    out = np.full(p.shape, np.nan)
    out[p >= threshold] = 1.0
    out[p <= 1 - threshold] = 0.0
    return out


def _validate(X_l, y_l, X_u) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    for name, x in (("X_labeled", X_l), ("X_unlabeled", X_u)):
        if not isinstance(x, torch.Tensor) or x.ndim != 4:
            raise TypeError(
                f"{name} must be a float tensor N x C x H x W (embeddings: N x D x 1 x 1), "
                f"got {type(x).__name__} {tuple(getattr(x, 'shape', ()))}."
            )
    y = torch.as_tensor(y_l, dtype=torch.float32)
    if y.ndim == 1:
        y = y[:, None]
    if len(y) != len(X_l):
        raise ValueError(f"{len(X_l)} labelled images but {len(y)} labels.")
    if len(X_l) == 0 or len(X_u) == 0:
        raise ValueError(
            f"{len(X_l)} labelled and {len(X_u)} unlabelled items: semi-supervised learning needs both; "
            "label fewer items (or draw a larger pool) so that some stay unlabelled."
        )
    if X_l.shape[1:] != X_u.shape[1:]:
        raise ValueError(
            f"labelled {tuple(X_l.shape[1:])} and unlabelled {tuple(X_u.shape[1:])} items "
            "differ in shape; both must come from the same images or the same embedding."
        )
    return X_l, y, X_u


def _fit_kwargs(num_epochs, lr, batch_size, device) -> dict:
    return {"num_epochs": num_epochs, "lr": lr, "batch_size": batch_size, "device": device, "progress": False}


@renamed_arguments(make_model="model_factory")
def pseudo_label(
    model_factory: Callable[[int], nn.Module],
    X_labeled: torch.Tensor,
    y_labeled,
    X_unlabeled: torch.Tensor,
    *,
    threshold: float = 0.95,
    num_rounds: int = 2,
    num_epochs: int,
    lr: float,
    batch_size: int = 64,
    seed: int,
    y_unlabeled_true=None,
    device: torch.device | str | None = None,
) -> SemiResult:
    """Self-training with a confidence threshold.

    Parameters
    ----------
    model_factory : callable
        ``model_factory(seed) -> nn.Module`` returning logits N x K (a fresh model each round).
    X_labeled, y_labeled : tensor, array
        The expert-labelled images and their 0/1 labels (N or N x K).
    X_unlabeled : tensor
        The pool.
    threshold : float, default 0.95
        Confidence needed to keep a pseudo-label.
    num_rounds : int, default 2
        Rounds after the labelled-only model (each retrains from scratch on labels + pseudo-labels).
    num_epochs, lr, batch_size :
        Passed to :func:`radkit.train.fit` each round.
    seed : int
    y_unlabeled_true : array, optional
        Truth of the pool, used only to report how accurate the pseudo-labels were.

    Returns
    -------
    SemiResult

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.randn(200, 2, 1, 1, generator=g); y = (X[:, 0, 0, 0] > 0).float()[:, None]
    >>> head = lambda s: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2, 1))
    >>> r = pseudo_label(head, X[:20], y[:20], X[20:], num_epochs=30, lr=0.1, seed=0, y_unlabeled_true=y[20:])
    >>> r.rounds.columns.tolist()
    ['round', 'n_pseudo', 'pseudo_accuracy']
    """
    check_seed(seed)
    X_l, y_l, X_u = _validate(X_labeled, y_labeled, X_unlabeled)
    if not isinstance(num_rounds, (int, np.integer)) or num_rounds < 0:
        raise ValueError(f"num_rounds must be an int >= 0, got {num_rounds!r}.")
    confident_pseudo_labels([0.5], threshold)  # validates the threshold
    seeds = spawn(seed, num_rounds + 1)
    kw = _fit_kwargs(num_epochs, lr, batch_size, device)
    model = model_factory(seeds[0])
    fit(model, (X_l, y_l), seed=seeds[0], **kw)
    rows = [{"round": 0, "n_pseudo": 0, "pseudo_accuracy": np.nan}]
    truth = None if y_unlabeled_true is None else np.asarray(y_unlabeled_true, dtype=float).reshape(len(X_u), -1)
    for r in range(1, num_rounds + 1):
        pseudo = confident_pseudo_labels(predict(model, X_u, batch_size=max(batch_size, 256)), threshold)
        used = ~np.isnan(pseudo)
        acc = float((pseudo[used] == truth[used]).mean()) if truth is not None and used.any() else np.nan
        rows.append({"round": r, "n_pseudo": int(used.any(1).sum()), "pseudo_accuracy": acc})
        y_all = torch.cat([y_l, torch.as_tensor(pseudo, dtype=torch.float32)])
        model = model_factory(seeds[r])
        fit(model, (torch.cat([X_l, X_u]), y_all), seed=seeds[r], **kw)
    out = pd.DataFrame(rows)
    if truth is None:
        out = out.drop(columns="pseudo_accuracy")
    return SemiResult(model, out)


def gaussian_noise(std: float = 0.1) -> Augment:
    """An augmentation for embeddings (or images): add N(0, std²) noise.

    Examples
    --------
    >>> aug = gaussian_noise(0.0)
    >>> bool(torch.equal(aug(torch.ones(2, 3, 1, 1), torch.Generator()), torch.ones(2, 3, 1, 1)))
    True
    """
    if not std >= 0:
        raise ValueError(f"std must be >= 0, got {std!r}.")

    def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return x + std * torch.randn(x.shape, generator=generator, dtype=x.dtype)

    return augment


@renamed_arguments(make_model="model_factory")
def temporal_ensembling(
    model_factory: Callable[[int], nn.Module],
    X_labeled: torch.Tensor,
    y_labeled,
    X_unlabeled: torch.Tensor,
    *,
    augment: Augment,
    alpha: float = 0.6,
    num_rounds: int = 5,
    warmup_epochs: int,
    epochs_per_round: int = 1,
    lr: float,
    round_lr: float | None = None,
    batch_size: int = 64,
    seed: int,
    device: torch.device | str | None = None,
) -> SemiResult:
    """Consistency training: match the running average of the model's own predictions on augmented views.

    Round 0 trains on the labelled images only (``warmup_epochs``). Each later
    round predicts the pool under a fresh augmentation, updates the ensemble
    ``Z <- alpha Z + (1 - alpha) p`` (bias-corrected by ``1 - alpha**r``), and
    continues training the same model on the labelled images plus the pool (another
    augmented view) with the ensemble as soft targets.

    Each round calls :func:`radkit.train.fit`, which starts a fresh AdamW optimiser; Adam's
    first steps move every weight by about the learning rate, so the rounds use
    ``round_lr`` (default ``lr / 10``) to refine the warm-started model instead of shaking it.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.randn(200, 2, 1, 1, generator=g); y = (X[:, 0, 0, 0] > 0).float()[:, None]
    >>> head = lambda s: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2, 1))
    >>> r = temporal_ensembling(head, X[:20], y[:20], X[20:], augment=gaussian_noise(0.1), num_rounds=2,
    ...                         warmup_epochs=20, lr=0.1, seed=0)
    >>> r.rounds["round"].tolist()
    [0, 1, 2]
    """
    check_seed(seed)
    X_l, y_l, X_u = _validate(X_labeled, y_labeled, X_unlabeled)
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha (the ensemble momentum) must be in [0, 1), got {alpha!r}.")
    if not isinstance(num_rounds, (int, np.integer)) or num_rounds < 0:
        raise ValueError(f"num_rounds must be an int >= 0, got {num_rounds!r}.")
    seeds = spawn(seed, num_rounds + 2)
    gen = torch_generator(seeds[-1])
    model = model_factory(seeds[0])
    fit(model, (X_l, y_l), seed=seeds[0], **_fit_kwargs(warmup_epochs, lr, batch_size, device))
    Z = torch.zeros(len(X_u), y_l.shape[1])
    rows = [{"round": 0, "n_pseudo": 0}]
    for r in range(1, num_rounds + 1):
        p = torch.as_tensor(predict(model, augment(X_u, gen), batch_size=max(batch_size, 256)))
        Z = alpha * Z + (1 - alpha) * p
        targets = (Z / (1 - alpha**r)).clamp(0.0, 1.0)  # bias-corrected average; rounding can pass 1
        fit(
            model,
            (torch.cat([X_l, augment(X_u, gen)]), torch.cat([y_l, targets])),
            seed=seeds[r],
            **_fit_kwargs(epochs_per_round, lr / 10 if round_lr is None else round_lr, batch_size, device),
        )
        rows.append({"round": r, "n_pseudo": len(X_u)})
    return SemiResult(model, pd.DataFrame(rows))
