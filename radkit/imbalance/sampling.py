"""Data-level fixes for images: a balanced batch sampler and random under- / over-sampling.

Both work with :func:`radkit.train.fit` unchanged: resampling returns indices
(train on ``(X[idx], y[idx])``), the sampler goes into a ``DataLoader`` that
fit accepts as ``train_data`` (:func:`balanced_loader`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler, TensorDataset

from radkit.seeding import check_seed, rng, torch_generator

__all__ = ["BalancedBatchSampler", "balanced_loader", "resample_indices"]


def _binary_labels(y, where: str) -> np.ndarray:
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{where}: labels must be one binary column (N or N×1), got shape {arr.shape}. "
            "Select the finding to balance, e.g. y[:, k]."
        )
    if arr.size == 0:
        raise ValueError(f"{where}: no labels given; pass the training labels.")
    if not np.all(np.isfinite(arr.astype(np.float64))):
        raise ValueError(f"{where}: labels contain NaN or inf; drop the cases whose label is unknown first.")
    if not np.all(np.isin(arr, (0, 1))):
        raise ValueError(f"{where}: labels must be 0 or 1, got values {np.unique(arr)[:5].tolist()}.")
    arr = arr.astype(np.int64)
    if arr.min() == arr.max():
        raise ValueError(
            f"{where}: all {arr.size} labels are {arr[0]}; balancing needs both classes in the "
            "training set. Add cases of the missing class."
        )
    return arr


def resample_indices(y, *, method: str, ratio: float = 1.0, seed: int) -> np.ndarray:
    """Indices of a randomly under- or over-sampled training set.

    Parameters
    ----------
    y : array-like of 0/1
        Training labels of one finding.
    method : {"under", "over"}
        ``"under"`` drops random majority cases, ``"over"`` repeats random
        minority cases (drawn with replacement), until minority / majority = ``ratio``.
    ratio : float, default 1.0
        Wanted minority-to-majority ratio, in (0, 1].
    seed : int

    Returns
    -------
    numpy.ndarray
        Sorted indices into ``y`` (repeated ones for ``"over"``); every
        original minority case is kept.

    Examples
    --------
    >>> y = [0] * 8 + [1] * 2
    >>> idx = resample_indices(y, method="under", seed=0)
    >>> len(idx), int(sum(y[i] for i in idx))
    (4, 2)
    >>> len(resample_indices(y, method="over", seed=0))
    16
    """
    labels = _binary_labels(y, "resample_indices")
    if method not in ("under", "over"):
        raise ValueError(f"method must be 'under' or 'over', got {method!r}.")
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
        raise ValueError(f"ratio (minority / majority after resampling) must be in (0, 1], got {ratio!r}.")
    g = rng(check_seed(seed))
    minority = int(np.argmin(np.bincount(labels, minlength=2)))
    small, large = np.flatnonzero(labels == minority), np.flatnonzero(labels != minority)
    if method == "under":
        keep = max(len(small), int(round(len(small) / ratio)))
        chosen = np.r_[small, g.choice(large, size=min(keep, len(large)), replace=False)]
    else:
        want = max(len(small), int(round(ratio * len(large))))
        chosen = np.r_[large, small, g.choice(small, size=want - len(small), replace=True)]
    return np.sort(chosen)


class BalancedBatchSampler(Sampler[list[int]]):
    """Batches with a fixed expected share of positives (a torch batch sampler).

    Each batch draws every item independently: a positive with probability
    ``positive_fraction``, then a random case of that class (with
    replacement). An epoch has as many batches as the data have
    ``ceil(n / batch_size)``, so one "epoch" costs what it costs without the sampler.

    Parameters
    ----------
    y : array-like of 0/1
        Labels of one finding (N or N×1).
    batch_size : int
    positive_fraction : float, default 0.5
        Expected share of positives per batch, in (0, 1).
    seed : int
        Seeds a private generator; successive epochs draw new batches.

    Examples
    --------
    >>> s = BalancedBatchSampler([0] * 95 + [1] * 5, batch_size=10, seed=0)
    >>> batches = list(s)
    >>> len(batches), len(batches[0])
    (10, 10)
    """

    def __init__(self, y, *, batch_size: int, positive_fraction: float = 0.5, seed: int) -> None:
        labels = _binary_labels(y, "BalancedBatchSampler")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
        if (
            isinstance(positive_fraction, bool)
            or not isinstance(positive_fraction, (int, float))
            or not 0 < positive_fraction < 1
        ):
            raise ValueError(
                f"positive_fraction must be in (0, 1) (0.5 for balanced batches), got {positive_fraction!r}."
            )
        self.pos = torch.as_tensor(np.flatnonzero(labels == 1))
        self.neg = torch.as_tensor(np.flatnonzero(labels == 0))
        self.n, self.batch_size, self.positive_fraction = len(labels), batch_size, float(positive_fraction)
        self.generator = torch_generator(check_seed(seed))

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        g = self.generator
        for b in range(len(self)):
            size = min(self.batch_size, self.n - b * self.batch_size)
            is_pos = torch.rand(size, generator=g) < self.positive_fraction
            n_pos = int(is_pos.sum())
            pos = self.pos[torch.randint(len(self.pos), (n_pos,), generator=g)]
            neg = self.neg[torch.randint(len(self.neg), (size - n_pos,), generator=g)]
            batch = torch.cat([pos, neg])
            yield batch[torch.randperm(size, generator=g)].tolist()


def balanced_loader(
    X: torch.Tensor, y: torch.Tensor, *, batch_size: int, positive_fraction: float = 0.5, seed: int, column: int = 0
) -> DataLoader:
    """A ``DataLoader`` of ``(X, y)`` with balanced batches, to pass to ``radkit.train.fit`` as ``train_data``.

    Parameters
    ----------
    X, y : torch.Tensor
        Images N×C×H×W and labels N×K; ``column`` names the finding to balance on.
    batch_size, positive_fraction, seed
        See :class:`BalancedBatchSampler`.
    column : int, default 0

    Examples
    --------
    >>> import torch
    >>> X, y = torch.rand(40, 1, 8, 8), torch.tensor([[0.0]] * 36 + [[1.0]] * 4)
    >>> xb, yb = next(iter(balanced_loader(X, y, batch_size=20, seed=0)))
    >>> tuple(xb.shape), 4 <= int(yb.sum()) <= 16
    ((20, 1, 8, 8), True)
    """
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError("balanced_loader: X and y must be torch tensors (use data.train.tensors()).")
    if len(X) != len(y):
        raise ValueError(f"balanced_loader: {len(X)} images but {len(y)} labels; they must match.")
    y2 = y if y.ndim == 2 else y[:, None]
    if not 0 <= column < y2.shape[1]:
        raise ValueError(f"column={column} is not a label column (labels have {y2.shape[1]}).")
    sampler = BalancedBatchSampler(y2[:, column], batch_size=batch_size, positive_fraction=positive_fraction, seed=seed)
    return DataLoader(TensorDataset(X, y), batch_sampler=sampler)
