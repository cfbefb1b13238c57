"""Learning curves with intervals over replicates, and paired gains of one method over another.

A learning curve trains the same model on training sets of increasing size
``n`` and scores each on one fixed test set. Each size is repeated over
replicates that redraw the training subset, the initial weights and the batch
order, so the curve carries an interval (a t-interval of the replicate mean).

Examples
--------
>>> import numpy as np
>>> from radkit.augmentation.curves import draw_subset
>>> y = np.r_[np.ones(50), np.zeros(950)]
>>> idx = draw_subset(y, 200, prevalence=0.02, seed=0)
>>> len(idx), int(y[idx].sum())
(200, 4)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from radkit.seeding import check_seed, rng, spawn
from radkit.stats import Estimate

if TYPE_CHECKING:
    import torch

__all__ = [
    "LearningCurve",
    "draw_subset",
    "epochs_for",
    "fit_and_score",
    "learning_curve",
    "make_cnn",
    "paired_gain",
    "t_interval",
    "unpaired_gain",
]


def draw_subset(y: np.ndarray, n: int, *, prevalence: float | None = None, seed: int) -> np.ndarray:
    """Indices of ``n`` training cases; with ``prevalence``, exactly ``round(n·prevalence)`` positives.

    Examples
    --------
    >>> draw_subset(np.r_[1, 1, 0, 0, 0], 3, prevalence=0.34, seed=0).size
    3
    """
    y = np.asarray(y).ravel()
    if not isinstance(n, (int, np.integer)) or not 0 < n <= len(y):
        raise ValueError(f"n={n!r}: ask for between 1 and {len(y)} cases (the size of the pool).")
    g = rng(seed)
    if prevalence is None:
        return np.sort(g.choice(len(y), int(n), replace=False))
    if not 0 < prevalence < 1:
        raise ValueError(f"prevalence={prevalence} must be strictly between 0 and 1.")
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    n_pos = max(1, int(round(n * prevalence)))
    if n_pos > len(pos) or n - n_pos > len(neg):
        raise ValueError(
            f"The pool has {len(pos)} positives and {len(neg)} negatives; {n} cases at prevalence "
            f"{prevalence} need {n_pos} and {n - n_pos}. Generate a larger pool or ask for fewer."
        )
    return np.sort(np.r_[g.choice(pos, n_pos, replace=False), g.choice(neg, n - n_pos, replace=False)])


def epochs_for(n: int, *, passes: int, min_epochs: int = 2, max_epochs: int = 20) -> int:
    """Epochs so that a run sees about ``passes`` images: small sets get more epochs, within limits.

    Examples
    --------
    >>> [epochs_for(n, passes=2000) for n in (100, 300, 1000, 5000)]
    [20, 7, 2, 2]
    """
    return int(np.clip(round(passes / max(n, 1)), min_epochs, max_epochs))


def t_interval(values: Sequence[float], *, level: float = 0.95) -> Estimate:
    """Mean of replicate values with a Student-t interval (``method="t over replicates"``).

    Examples
    --------
    >>> e = t_interval([0.80, 0.82, 0.84])
    >>> round(e.estimate, 3), round(e.low, 3), round(e.high, 3)
    (0.82, 0.77, 0.87)
    """
    from radkit.stats import t_interval as _t

    v = np.asarray(values, dtype=float)
    return _t(v[np.isfinite(v)], level=level)


def paired_gain(treated: Sequence[float], control: Sequence[float], *, level: float = 0.95) -> Estimate:
    """Mean of the paired differences ``treated − control`` (same replicate, same data) with a t-interval.

    Examples
    --------
    >>> round(paired_gain([0.85, 0.88, 0.86], [0.80, 0.84, 0.80]).estimate, 3)
    0.05
    """
    a, b = np.asarray(treated, float), np.asarray(control, float)
    if a.shape != b.shape:
        raise ValueError(f"Paired results need the same replicates: got {a.shape} and {b.shape}.")
    return t_interval(a - b, level=level)


def unpaired_gain(treated: Sequence[float], control: Sequence[float], *, level: float = 0.95) -> Estimate:
    """Difference of two means from independent replicates, with a Welch t-interval.

    Use it when the two sets of runs share nothing (e.g. two sizes of a learning curve).

    Examples
    --------
    >>> e = unpaired_gain([0.90, 0.92, 0.91], [0.80, 0.76, 0.78])
    >>> round(e.estimate, 3), e.low > 0
    (0.13, True)
    """
    from scipy import stats

    a, b = np.asarray(treated, float), np.asarray(control, float)
    if min(a.size, b.size) < 2:
        raise ValueError("Each group needs at least 2 replicates for an interval.")
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(level)
    return Estimate(
        float(a.mean() - b.mean()),
        float(ci.low),
        float(ci.high),
        level=level,
        method="Welch t over replicates",
        n=int(a.size + b.size),
    )


@dataclass
class LearningCurve:
    """Test AUC per training-set size and replicate.

    Attributes
    ----------
    rows : pandas.DataFrame
        ``n, replicate, positives, auc``.
    """

    rows: pd.DataFrame

    def summary(self, *, level: float = 0.95) -> pd.DataFrame:
        """Per size: mean AUC with its t-interval over replicates, and the mean number of positives."""
        out = {}
        for n, g in self.rows.groupby("n"):
            e = t_interval(g["auc"], level=level)
            out[n] = {
                "auc": e.estimate,
                "low": e.low,
                "high": e.high,
                "replicates": e.n,
                "positives": g["positives"].mean(),
            }
        return pd.DataFrame(out).T.rename_axis("n")

    def to_frame(self) -> pd.DataFrame:
        return self.rows.copy()

    def n_to_reach(self, auc: float) -> float:
        """Training-set size at which the mean curve reaches ``auc`` (interpolated on log n; NaN if never)."""
        s = self.summary()
        n, a = s.index.to_numpy(float), s["auc"].to_numpy()
        above = np.flatnonzero(a >= auc)
        if above.size == 0:
            return math.nan
        i = above[0]
        if i == 0:
            return float(n[0])
        f = (auc - a[i - 1]) / (a[i] - a[i - 1])
        return float(np.exp(np.log(n[i - 1]) + f * (np.log(n[i]) - np.log(n[i - 1]))))


def learning_curve(
    train_fn: Callable[[np.ndarray, int], np.ndarray],
    y_pool: np.ndarray,
    y_test: np.ndarray,
    *,
    sizes: Sequence[int],
    n_rep: int,
    seed: int,
    prevalence: float | None = None,
    progress: bool = True,
) -> LearningCurve:
    """Run ``train_fn(index, seed) -> test scores`` over sizes and replicates; score by AUC.

    Parameters
    ----------
    train_fn : callable
        ``train_fn(index, seed) -> y_score`` trains on the pool cases ``index``
        with ``seed`` (initial weights, order) and returns scores for the test set.
    y_pool, y_test : array
        0/1 labels of the pool and the test set.
    sizes : sequence of int
    n_rep : int
        Replicates per size (each redraws the subset and the seed).
    seed : int
    prevalence : float, optional
        Fix the training prevalence (e.g. 0.02 for a rare finding).

    Examples
    --------
    >>> import numpy as np
    >>> y_pool, y_test = np.tile([0, 1], 50), np.tile([0, 1], 20)
    >>> lc = learning_curve(lambda idx, s: y_test + rng(s).normal(0, 1.0, 40), y_pool, y_test,
    ...                     sizes=[10, 40], n_rep=2, seed=0, progress=False)
    >>> list(lc.summary().index), lc.rows.shape
    ([10, 40], (4, 4))
    """
    from sklearn.metrics import roc_auc_score
    from tqdm.auto import tqdm

    check_seed(seed)
    if n_rep < 1:
        raise ValueError(f"n_rep must be >= 1, got {n_rep}.")
    y_pool, y_test = np.asarray(y_pool).ravel(), np.asarray(y_test).ravel()
    seeds = spawn(seed, n_rep * len(sizes))
    rows = []
    with tqdm(total=len(seeds), desc="learning curve", disable=not progress) as bar:
        for i, n in enumerate(sizes):
            for r in range(n_rep):
                s = seeds[i * n_rep + r]
                idx = draw_subset(y_pool, int(n), prevalence=prevalence, seed=s)
                score = np.asarray(train_fn(idx, s)).ravel()
                rows.append(
                    {
                        "n": int(n),
                        "replicate": r,
                        "positives": int(y_pool[idx].sum()),
                        "auc": float(roc_auc_score(y_test, score)),
                    }
                )
                bar.update()
    return LearningCurve(pd.DataFrame(rows))


def make_cnn(name: str, *, num_classes: int, seed: int, width: int | None = None):
    """A seeded model of :func:`radkit.models.make_model`, or a narrower ``smallcnn`` when ``width`` is given.

    A lesson that trains dozens of models on tiny images can fix its own, cheaper model size in every
    profile: ``width`` is the channel count of the small CNN's first block (the kit's default is 16;
    8 trains about 2.5 times faster on a CPU). Other architectures take no width (``width=None``).

    Parameters
    ----------
    name : str
        Architecture, as in :func:`radkit.models.make_model`.
    num_classes : int
        Output logits.
    seed : int
        Seed of the initial weights (the global torch generator is left as it was).
    width : int, optional, keyword-only
        First-block channels of ``smallcnn``; None keeps the kit's default.

    Examples
    --------
    >>> import torch
    >>> m = make_cnn("smallcnn", num_classes=1, seed=0, width=8)
    >>> m(torch.zeros(2, 1, 32, 32)).shape, m.head.in_features
    (torch.Size([2, 1]), 64)
    """
    import torch

    from radkit import models

    if width is None:
        return models.make_model(name, num_classes=num_classes, seed=seed)
    if str(name).strip().lower() != "smallcnn":
        raise ValueError(
            f"width applies to the 'smallcnn' model only, got model {name!r} with width={width}. "
            "Pass width=None for other architectures."
        )
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive int such as 8, got {width!r}.")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_seed(seed))
        model = models.SmallCNN(num_classes, width=int(width))
    return models.remember(model, in_channels=1)


def fit_and_score(
    model,
    x: torch.Tensor,
    y: torch.Tensor,
    x_test: torch.Tensor,
    *,
    num_epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    augment=None,
) -> np.ndarray:
    """Train ``model`` on ``(x, y)`` with ``radkit.train.fit`` and return its test scores (first output).

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> x, y = torch.rand(16, 1, 32, 32), (torch.rand(16, 1) < 0.5).float()
    >>> fit_and_score(M.make_model("smallcnn", num_classes=1, seed=0), x, y, x[:4], num_epochs=1,
    ...               lr=1e-3, batch_size=8, seed=0).shape
    (4,)
    """
    from radkit.train import fit, predict

    fit(model, (x, y), num_epochs=num_epochs, lr=lr, batch_size=batch_size, seed=seed, augment=augment, progress=False)
    return predict(model, x_test, batch_size=256)[:, 0]
