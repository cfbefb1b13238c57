"""Acting on costs during training: class weights, a cost loss, and resampling.

Elkan (2001) showed three routes to a cost-sensitive classifier are
equivalent in principle for two classes: move the threshold to ``p*``,
re-weight the classes by their error costs, or resample them in that ratio.
The last two change what the model's probabilities mean (they become the
probabilities of a population where positives are ``C_FN / C_FP`` times more
common), so a re-weighted model is uncalibrated by design; decide with it at
0.5, not at ``p*``.

Everything here plugs into :func:`radkit.train.fit` through its existing
arguments: ``pos_weight=`` (binary BCE), ``class_weight=`` (K-class
cross-entropy) or ``loss=`` (:func:`expected_cost_loss`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from radkit.costs.matrix import CostMatrix, _as_cost

__all__ = ["class_weights", "pos_weight", "expected_cost_loss", "resample_for_costs"]


def class_weights(cost: CostMatrix | ArrayLike) -> np.ndarray:
    """Per-class weights for a cost-weighted cross-entropy: row sums of the cost matrix.

    Class ``i`` is weighted by what its errors cost, ``sum_j C[i, j]``
    (Breiman et al.'s "altered priors"), scaled so the smallest weight is 1.
    For two classes this is exactly Elkan's re-weighting, ``(C_FP, C_FN)``; for
    K > 2 it is a heuristic that ignores *which* wrong class is called
    (:func:`expected_cost_loss` does not). Pass it as
    ``radkit.train.fit(..., class_weight=class_weights(C))``.

    Examples
    --------
    >>> class_weights(CostMatrix.binary(cost_fp=1, cost_fn=9)).tolist()
    [1.0, 9.0]
    """
    c = _as_cost(cost)
    rows = (c.values * (1 - np.eye(c.k))).sum(axis=1)
    if np.any(rows <= 0):
        zero = [c.classes[i] for i in np.flatnonzero(rows <= 0)]
        raise ValueError(
            f"errors on class(es) {zero} cost nothing, so their weight would be 0 and the "
            "model would ignore them; give each row at least one positive cost."
        )
    return rows / rows.min()


def pos_weight(cost: CostMatrix) -> float:
    """``pos_weight`` for binary cross-entropy with logits: ``C_FN / C_FP``.

    With it, a model's 0.5 threshold plays the role of ``p*`` for the original
    prevalence (Elkan's Theorem 1). Pass ``fit(..., pos_weight=[pos_weight(C)])``.

    Examples
    --------
    >>> pos_weight(CostMatrix.binary(cost_fp=1, cost_fn=9))
    9.0
    """
    c = _as_cost(cost)
    c._need_binary("pos_weight")
    if c.cost_fp <= 0:
        raise ValueError(
            "a false positive costs 0, so every case should be called positive; "
            "pos_weight would be infinite. Give cost_fp a positive cost."
        )
    return c.cost_fn / c.cost_fp


def expected_cost_loss(cost: CostMatrix | ArrayLike, *, ce_weight: float = 0.1) -> Callable:
    """A K-class loss for ``fit(loss=...)``: expected cost under the softmax, plus some cross-entropy.

    ``L = mean_n sum_j softmax(z_n)_j C[y_n, j] + ce_weight * CE(z_n, y_n)``.
    The first term is the cost of a randomized call drawn from the model's
    probabilities; minimizing it pushes probability mass away from the
    expensive mistakes for each true class. On its own it has flat regions
    (saturated softmax), so a little cross-entropy keeps the gradients alive.

    Parameters
    ----------
    cost : CostMatrix or array-like (K x K)
    ce_weight : float, keyword-only
        Weight of the cross-entropy term, >= 0.

    Returns
    -------
    callable
        ``loss(logits N x K, targets N (int)) -> scalar tensor``.

    Examples
    --------
    >>> import torch
    >>> loss = expected_cost_loss(CostMatrix.binary(cost_fp=1, cost_fn=9), ce_weight=0.0)
    >>> float(loss(torch.tensor([[0.0, 0.0]]), torch.tensor([1])))  # half the mass on the miss
    4.5
    """
    import torch

    c = _as_cost(cost)
    if not (ce_weight >= 0 and np.isfinite(ce_weight)):
        raise ValueError(f"ce_weight must be a finite number >= 0, got {ce_weight!r}.")
    table = torch.tensor(np.array(c.values), dtype=torch.float32)

    def loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if logits.ndim != 2 or logits.shape[1] != c.k:
            raise ValueError(
                f"expected_cost_loss: logits must be N x {c.k} (one per class of the cost "
                f"matrix), got shape {tuple(logits.shape)}."
            )
        target = target.reshape(-1).long()
        rows = table.to(logits.device)[target]
        out = (torch.softmax(logits, dim=1) * rows).sum(dim=1).mean()
        if ce_weight:
            out = out + ce_weight * torch.nn.functional.cross_entropy(logits, target)
        return out

    return loss


def resample_for_costs(
    y_true: ArrayLike, cost: CostMatrix | ArrayLike, *, seed: int, method: str = "over"
) -> np.ndarray:
    """Indices of a training set resampled so each class counts in proportion to its weight.

    Elkan's third route: instead of weighting class ``i`` by ``w_i``
    (:func:`class_weights`), replicate its cases. ``"over"`` draws extra cases
    with replacement so class ``i`` has ``n_i * w_i / min(w)`` cases;
    ``"under"`` keeps every case of the heaviest class and subsamples the
    others (without replacement) to ``n_i * w_i / max(w)``.

    Examples
    --------
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> idx = resample_for_costs(y, CostMatrix.binary(cost_fp=1, cost_fn=4), seed=0)
    >>> np.bincount(y[idx]).tolist()
    [8, 8]
    """
    from radkit.seeding import rng

    c = _as_cost(cost)
    y = np.asarray(y_true)
    if y.ndim != 1 or y.dtype.kind not in "iub" or (y.size and (y.min() < 0 or y.max() >= c.k)):
        raise ValueError(
            f"y_true must be 1-D integer class indices 0..{c.k - 1}, got dtype {y.dtype}, shape {y.shape}."
        )
    if method not in ("over", "under"):
        raise ValueError(f"method must be 'over' or 'under', got {method!r}.")
    w = class_weights(c)
    gen = rng(seed)
    scale = w / (w.min() if method == "over" else w.max())
    parts = []
    for i in range(c.k):
        idx = np.flatnonzero(y == i)
        want = int(round(idx.size * scale[i]))
        if idx.size == 0:
            continue
        if method == "over":
            extra = gen.choice(idx, want - idx.size, replace=True) if want > idx.size else idx[:0]
            parts.append(np.concatenate([idx, extra]))
        else:
            parts.append(gen.choice(idx, max(want, 1), replace=False))
    out = np.concatenate(parts)
    gen.shuffle(out)
    return out
