"""Input validation shared by the drift functions: errors say what is wrong and what to do."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def samples(ref: ArrayLike, new: ArrayLike, *, what: str = "embeddings") -> tuple[np.ndarray, np.ndarray]:
    """Two samples as float64 2-D arrays (n x d) of the same dimension, finite, >= 2 rows each."""
    out = []
    for name, a in (("ref", ref), ("new", new)):
        arr = np.asarray(a, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array (samples x features) of {what}, got shape {arr.shape}. "
                             "Flatten images or pass model embeddings.")
        if arr.shape[0] < 2:
            raise ValueError(f"{name} has {arr.shape[0]} sample(s); a two-sample test needs at least 2 in each "
                             "sample. Pool more weeks or lower the monitoring frequency.")
        bad = ~np.isfinite(arr)
        if bad.any():
            rows = np.unique(np.nonzero(bad)[0])[:5].tolist()
            raise ValueError(f"{name} contains NaN or infinite values (rows {rows}...). Drop or impute those "
                             f"{what} before testing (a NaN embedding usually means a failed image read).")
        out.append(arr)
    if out[0].shape[1] != out[1].shape[1]:
        raise ValueError(f"ref has {out[0].shape[1]} features but new has {out[1].shape[1]}; both samples must come "
                         "from the same embedding (same model, same layer).")
    return out[0], out[1]


def probabilities(p: ArrayLike, name: str) -> np.ndarray:
    """A 1-D array of finite probabilities in [0, 1]."""
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of probabilities P(y = 1), got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; drop those cases or fix the model output.")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{name} must lie in [0, 1] (got {arr.min():.3g} to {arr.max():.3g}); pass probabilities, "
                         "not logits (apply a sigmoid).")
    return arr


def prevalence(p: object, name: str) -> float:
    """A prevalence strictly between 0 and 1."""
    try:
        v = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in (0, 1), got {p!r}.") from None
    if not (0.0 < v < 1.0):
        raise ValueError(f"{name}={v!r} must lie strictly between 0 and 1 (a prevalence).")
    return v


def level(value: float) -> float:
    if not 0 < float(value) < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {value!r}.")
    return float(value)
