"""Majority vote: one reader, one vote, with an explicit tie policy."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from radkit.adjudication._table import _TIES, _Coded, _encode
from radkit.seeding import rng_if_needed


# --------------------------------------------------------------------------- #
# Majority vote
# --------------------------------------------------------------------------- #
def _votes(coded: _Coded) -> np.ndarray:
    n, k = len(coded.items), coded.n_classes
    return np.bincount(coded.item * k + coded.label, minlength=n * k).reshape(n, k)


def majority_vote(
    table: pd.DataFrame,
    *,
    tie: Literal["positive", "negative", "random", "nan"],
    n_classes: int | None = None,
    seed: int | None = None,
) -> pd.Series:
    """The label most readers gave each item, with an explicit tie policy.

    ``tie`` has no default on purpose: with 2 readers, or 4, ties are common
    (VinDr-CXR has 3 readers per image, so binary ties cannot happen there, but
    a subset can have 2), and whether a tie counts as disease is a clinical
    choice (screening leans ``"positive"``), not a software default.

    Parameters
    ----------
    table : DataFrame
        Long table with columns ``item, reader, label`` (one finding).
    tie : {"positive", "negative", "random", "nan"}
        ``"positive"``: the largest tied class code (binary: 1, present);
        ``"negative"``: the smallest (binary: 0, absent); ``"random"``: uniform
        among the tied classes under ``seed``; ``"nan"``: leave the item
        unlabelled (NaN), e.g. to send it to adjudication.
    n_classes : int, optional
        Number of classes (default: largest label + 1, at least 2).
    seed : int, optional
        Seed for ``tie="random"`` (needed there, unused otherwise).

    Returns
    -------
    Series
        Indexed by item, named ``"label"``; integer, or float when
        ``tie="nan"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.adjudication import majority_vote
    >>> t = pd.DataFrame({"item": [1, 1, 2, 2, 2], "reader": ["A", "B", "A", "B", "C"],
    ...                   "label": [1, 0, 1, 1, 0]})
    >>> majority_vote(t, tie="nan").tolist()
    [nan, 1.0]
    """
    if tie not in _TIES:
        raise ValueError(f"majority_vote: tie must be one of {_TIES}; got {tie!r}.")
    coded = _encode(table, where="majority_vote", n_classes=n_classes)
    votes = _votes(coded)
    top = votes == votes.max(1, keepdims=True)
    tied = top.sum(1) > 1
    k = coded.n_classes
    if tie == "positive":
        out = (k - 1 - np.argmax(top[:, ::-1], axis=1)).astype(np.int64)
    elif tie == "random":
        rng = rng_if_needed(seed, where="majority_vote", why='tie="random" breaks ties at random')
        out = np.argmax(rng.random(top.shape) * top, axis=1).astype(np.int64)
    else:
        out = np.argmax(top, axis=1).astype(np.int64)
    if tie == "nan":
        out = np.where(tied, np.nan, out)
    index = pd.Index(coded.items, name="item")
    return pd.Series(out, index=index, name="label")
