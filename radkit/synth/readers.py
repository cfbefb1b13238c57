"""Simulated radiologists: labels from readers with known sensitivity and specificity.

Each reader ``r`` has a sensitivity and specificity. Reader ``r`` calls item
``i`` positive when a latent score ``sqrt(rho) * z_i + sqrt(1 - rho) * e_ir``
(standard normal) exceeds a threshold chosen so that the reader's marginal
sensitivity (on positives) or false-positive rate (on negatives) is exactly
what was asked. ``rho`` (``correlation``) makes readers err on the same cases;
``difficulty_dependence`` lowers sensitivity on subtle positives (and raises
it on obvious ones) around the reader's average.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from scipy.special import ndtr, ndtri

from radkit._compat import renamed_arguments
from radkit._validate import check_fraction

__all__ = ["ReaderLabels", "simulate_readers"]


class ReaderLabels(NamedTuple):
    """What :func:`simulate_readers` returns (unpacks as ``labels, params``).

    labels : DataFrame with columns ``item, reader, finding, label`` (long format,
        like ``radkit.public.vindr_reader_labels()``).
    params : DataFrame with columns ``reader, finding, sensitivity, specificity``: the true
        values used.
    """

    labels: pd.DataFrame
    params: pd.DataFrame


def _per_reader(value, n_readers: int, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1 or arr.size not in (1, n_readers):
        raise ValueError(f"{name} must be a scalar or one value per reader ({n_readers}), got shape {arr.shape}.")
    check_fraction(arr, name)
    return np.broadcast_to(arr, (n_readers,)).copy()


@renamed_arguments(sens="sensitivity", spec="specificity")
def simulate_readers(
    truth: pd.DataFrame | np.ndarray | pd.Series,
    *,
    sensitivity: float | list[float] | np.ndarray = 0.85,
    specificity: float | list[float] | np.ndarray = 0.95,
    n_readers: int | None = None,
    subtlety: pd.DataFrame | np.ndarray | None = None,
    difficulty_dependence: float = 0.0,
    correlation: float = 0.0,
    finding: str = "finding",
    seed: int,
) -> ReaderLabels:
    """Labels from several simulated readers of the same cases.

    Parameters
    ----------
    truth : DataFrame of 0/1 columns (one per finding) or 1-D array
        True labels; items are the DataFrame's index (or 0..n-1).
    sensitivity, specificity : float or array of length ``n_readers``
        Each reader's sensitivity and specificity (the same for every finding).
    n_readers : int, optional
        Number of readers; defaults to the length of ``sensitivity``/``specificity`` or 3.
    subtlety : DataFrame or array, optional
        Per item (and finding) subtlety in [0, 1] (e.g. ``meta["subtlety_<p>"]``
        of :func:`radkit.synth.generate`); NaN counts as average.
    difficulty_dependence : float
        Probit-scale drop of sensitivity per unit of subtlety above the mean
        subtlety of the positives (0 = readers ignore subtlety).
    correlation : float in [0, 1)
        Correlation of the readers' latent scores: their errors co-occur.
    finding : str
        Name of the finding when ``truth`` is 1-D.
    seed : int
        Seed of the local random generator.

    Returns
    -------
    ReaderLabels
        ``(labels, params)``: long DataFrame ``item, reader, finding, label`` and
        the per-reader ``sensitivity, specificity`` used.

    Examples
    --------
    >>> import numpy as np
    >>> from radkit.synth import simulate_readers
    >>> labels, params = simulate_readers(np.array([1, 0, 1, 0]), sensitivity=[0.9, 0.8], specificity=0.95,
    ...                                   seed=0)
    >>> list(labels.columns), len(labels)
    (['item', 'reader', 'finding', 'label'], 8)
    """
    if isinstance(truth, pd.DataFrame):
        df = truth
    else:
        arr = np.asarray(truth)
        if arr.ndim != 1:
            raise ValueError(f"truth must be a DataFrame of 0/1 columns or a 1-D array, got shape {arr.shape}.")
        df = pd.DataFrame({finding: arr}, index=truth.index if isinstance(truth, pd.Series) else None)
    from radkit.seeding import check_seed

    seed = check_seed(seed)
    if (
        isinstance(difficulty_dependence, bool)
        or not isinstance(difficulty_dependence, int | float | np.integer | np.floating)
        or not np.isfinite(difficulty_dependence)
    ):
        raise ValueError(
            f"difficulty_dependence={difficulty_dependence!r} must be a finite number "
            "(0 = readers ignore subtlety; 1-2 is a strong effect)."
        )
    y = df.to_numpy()
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"truth must hold 0/1 numbers, got {y.dtype} values such as {y.ravel()[:3].tolist()}; "
            "encode them first, e.g. (labels == 'yes').astype(int)."
        )
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("truth must contain only 0 and 1 (no NaN). Drop or impute unknown labels first.")
    y = y.astype(bool)
    if n_readers is None:
        n_readers = max(np.size(sensitivity), np.size(specificity))
        n_readers = 3 if n_readers == 1 else n_readers
    if not isinstance(n_readers, int | np.integer) or n_readers < 1:
        raise ValueError(f"n_readers={n_readers!r} must be a positive int.")
    se, sp = _per_reader(sensitivity, n_readers, "sensitivity"), _per_reader(specificity, n_readers, "specificity")
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f"correlation={correlation} must be in [0, 1). Use 0 for independent readers.")
    n, f = y.shape
    if subtlety is None:
        sub = np.full((n, f), np.nan)
    else:
        sub = np.asarray(subtlety, dtype=np.float64).reshape(n, -1)
        if sub.shape != (n, f):
            raise ValueError(f"subtlety has shape {sub.shape}; it must match truth's shape {(n, f)}.")

    g = torch.Generator().manual_seed(int(seed))
    z = torch.randn(n, f, 1, generator=g, dtype=torch.float64).numpy()
    e = torch.randn(n, f, n_readers, generator=g, dtype=torch.float64).numpy()
    score = np.sqrt(correlation) * z + np.sqrt(1.0 - correlation) * e  # (n, f, R), marginally N(0, 1)

    # positives: called positive when score < ndtri(sensitivity), shifted by subtlety
    centre = np.nanmean(np.where(y, sub, np.nan), axis=0, keepdims=True) if np.isfinite(sub).any() else 0.0
    centre = np.nan_to_num(centre, nan=0.0)
    shift = -difficulty_dependence * np.nan_to_num(sub - centre, nan=0.0)  # (n, f)
    with np.errstate(divide="ignore"):
        thr_pos = ndtri(np.clip(se, 0, 1))[None, None, :] + shift[:, :, None]
        thr_neg = ndtri(np.clip(1.0 - sp, 0, 1))[None, None, :]
    call = np.where(y[:, :, None], score < thr_pos, score < thr_neg)

    items = np.asarray(df.index)
    readers = np.array([f"R{r + 1}" for r in range(n_readers)], dtype=object)
    labels = pd.DataFrame(
        {
            "item": np.repeat(items, f * n_readers),
            "reader": np.tile(readers, n * f),
            "finding": np.tile(np.repeat(np.asarray(df.columns, dtype=object), n_readers), n),
            "label": call.reshape(-1).astype(np.int64),
        }
    )
    params = pd.DataFrame(
        {
            "reader": np.tile(readers, f),
            "finding": np.repeat(np.asarray(df.columns, dtype=object), n_readers),
            "sensitivity": np.tile(se, f),
            "specificity": np.tile(sp, f),
        }
    )
    return ReaderLabels(labels, params)


def _expected_sens(se: float, dependence: float, sub: np.ndarray) -> float:
    """Average sensitivity implied by a subtlety-dependent threshold (for checks)."""
    return float(np.mean(ndtr(ndtri(se) - dependence * (sub - sub.mean()))))
