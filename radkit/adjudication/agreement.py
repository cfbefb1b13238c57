"""Agreement between readers: Cohen's and Fleiss' kappa with bootstrap intervals, and the kappa to expect.

:func:`expected_kappa` gives the kappa two readers of known sensitivity and specificity reach at a
prevalence, which is why the same readers earn a low kappa on a rare finding.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments
from radkit._validate import check_fraction
from radkit.adjudication._table import MAX_CLASSES, _check_boot, _check_label_kinds, _encode
from radkit.seeding import rng_if_needed
from radkit.stats import Estimate, percentile_interval


# --------------------------------------------------------------------------- #
# Agreement: Cohen's and Fleiss' kappa
# --------------------------------------------------------------------------- #
def _kappa_from_cells(cells: np.ndarray, k: int) -> np.ndarray:
    """Cohen's kappa from (..., k*k) confusion counts (rows reader a, cols reader b)."""
    c = cells.reshape(cells.shape[:-1] + (k, k)).astype(np.float64)
    n = c.sum(axis=(-2, -1))
    po = np.trace(c, axis1=-2, axis2=-1) / n
    pe = (c.sum(-1) * c.sum(-2)).sum(-1) / n**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (po - pe) / (1.0 - pe)


def cohen_kappa(
    a: Any,
    b: Any = None,
    *,
    readers: tuple[Any, Any] | None = None,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | None = None,
) -> Estimate:
    """Cohen's kappa between two readers, with an optional bootstrap interval.

    Parameters
    ----------
    a, b : array-like
        Two aligned label vectors (any hashable labels; pairs with a missing
        label are dropped with a warning). Or pass a long table as ``a`` and
        leave ``b`` out.
    readers : (reader_a, reader_b), optional
        With a table: the two readers to compare, on the items both read.
    n_boot : int, default 0
        Bootstrap replicates over items for the interval (0: no interval).
        Resampling items is done exactly, as a multinomial draw over the
        cells of the 2-reader confusion table.
    level : float, default 0.95
        Coverage of the percentile interval.
    seed : int, optional
        Seed for the bootstrap; needed when ``n_boot > 0``.

    Returns
    -------
    Estimate
        :class:`radkit.stats.Estimate`: ``estimate`` (NaN when both readers use one
        and the same label, where kappa is undefined), ``low``/``high`` (NaN
        without ``n_boot``), ``n`` items.

    Examples
    --------
    >>> from radkit.adjudication import cohen_kappa
    >>> round(cohen_kappa([1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 1]).estimate, 3)
    0.333
    """
    _check_boot(n_boot, level)
    if isinstance(a, pd.DataFrame):
        if b is not None or readers is None or len(readers) != 2:
            raise ValueError(
                "cohen_kappa: with a table, name the two readers: "
                "cohen_kappa(table, readers=('R8', 'R9')) and leave b out."
            )
        if readers[0] == readers[1]:
            raise ValueError(f"cohen_kappa: readers must be two different readers; got {readers}.")
        coded = _encode(a, where="cohen_kappa")
        pos = coded.readers.get_indexer(list(readers))
        for r, hit in zip(readers, pos):
            if hit < 0:
                raise ValueError(
                    f"cohen_kappa: reader {r!r} is not in the table; readers are {list(coded.readers)[:20]}."
                )
        wide = np.full((len(coded.items), 2), -1, dtype=np.int64)
        for j, r in enumerate(pos):
            m = coded.reader == r
            wide[coded.item[m], j] = coded.label[m]
        wide = wide[(wide >= 0).all(axis=1)]
        if len(wide) == 0:
            raise ValueError(
                f"cohen_kappa: readers {readers} never read the same item; pick two readers "
                "that overlap, or use fleiss_kappa for readers drawn per item."
            )
        x, y, k = wide[:, 0], wide[:, 1], coded.n_classes
    else:
        if b is None:
            raise ValueError("cohen_kappa: give two label vectors (a, b) or a table with readers=.")
        sa, sb = pd.Series(np.asarray(a, dtype=object)), pd.Series(np.asarray(b, dtype=object))
        if len(sa) != len(sb):
            raise ValueError(
                f"cohen_kappa: a and b differ in length ({len(sa)} vs {len(sb)}); "
                "they must be aligned, one entry per item."
            )
        ok = (sa.notna() & sb.notna()).to_numpy()
        _check_label_kinds(sa[ok], sb[ok])
        if not ok.all():
            warnings.warn(
                f"cohen_kappa: dropped {int((~ok).sum())} pair(s) with a missing label.", UserWarning, stacklevel=2
            )
        if not ok.any():
            raise ValueError("cohen_kappa: no item has a label from both readers.")
        codes, uniq = pd.factorize(pd.concat([sa[ok], sb[ok]], ignore_index=True))
        if len(uniq) > MAX_CLASSES:
            raise ValueError(
                f"cohen_kappa: the readers use {len(uniq)} distinct labels (at most {MAX_CLASSES}); "
                "are these ids or scores rather than class labels? Pass class labels."
            )
        x, y = codes[: ok.sum()], codes[ok.sum() :]
        k = max(2, len(uniq))
    cells = np.bincount(x * k + y, minlength=k * k)
    est = float(_kappa_from_cells(cells, k))
    ci = None
    if n_boot:
        rng = rng_if_needed(seed, where="cohen_kappa", why=f"n_boot={n_boot} draws bootstrap resamples")
        draws = rng.multinomial(len(x), cells / cells.sum(), size=n_boot)
        ci = percentile_interval(_kappa_from_cells(draws, k), level=level)
    return _estimate(est, ci, n=len(x), level=level)


def _fleiss_from_patterns(weights: np.ndarray, counts: np.ndarray, m: int) -> np.ndarray:
    """Fleiss' kappa from (..., P) item counts per distinct rating pattern ``counts`` (P, K)."""
    n = weights.sum(-1)
    p_i = ((counts**2).sum(-1) - m) / (m * (m - 1))
    p_bar = weights @ p_i / n
    p_j = (weights @ counts) / (n[..., None] * m)
    pe = (p_j**2).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (p_bar - pe) / (1.0 - pe)


def fleiss_kappa(
    table: pd.DataFrame, *, n_classes: int | None = None, n_boot: int = 0, level: float = 0.95, seed: int | None = None
) -> Estimate:
    """Fleiss' kappa for many readers, with an optional bootstrap interval over items.

    Only the number of ratings per class matters for each item, so the readers
    may differ from item to item (VinDr-CXR: 3 of 17 radiologists per image).
    Every item must carry the **same number** of ratings ``m >= 2``; otherwise
    a ``ValueError`` says how many items have how many ratings (Fleiss' formula
    assumes a fixed ``m``; keep the items with the common count, or subsample).

    Parameters
    ----------
    table : DataFrame
        Long table with columns ``item, reader, label`` (one finding).
    n_classes : int, optional
        Number of classes K (default: largest label + 1, at least 2).
    n_boot : int, default 0
        Bootstrap replicates over items (0: no interval). Resampling items is
        done exactly, as a multinomial draw over the distinct per-item rating
        patterns (for 3 binary ratings there are 4), so it is cheap.
    level : float, default 0.95
        Coverage of the percentile interval.
    seed : int, optional
        Seed for the bootstrap; needed when ``n_boot > 0``.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.adjudication import fleiss_kappa
    >>> t = pd.DataFrame({"item": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                   "reader": ["A", "B", "C", "A", "B", "D", "B", "C", "D", "A", "C", "D"],
    ...                   "label": [1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0]})
    >>> round(fleiss_kappa(t).estimate, 3)
    0.333
    """
    _check_boot(n_boot, level)
    coded = _encode(table, where="fleiss_kappa", n_classes=n_classes)
    k, n = coded.n_classes, len(coded.items)
    counts = np.bincount(coded.item * k + coded.label, minlength=n * k).reshape(n, k)
    per_item = counts.sum(1)
    if (per_item != per_item[0]).any() or per_item[0] < 2:
        spread = pd.Series(per_item).value_counts().sort_index().to_dict()
        raise ValueError(
            "fleiss_kappa: every item needs the same number (>= 2) of ratings; found "
            f"{{ratings: items}} = {spread}. Keep the items with the common count, e.g. "
            "table.groupby('item').filter(lambda g: len(g) == 3), or subsample readers per item."
        )
    m = int(per_item[0])
    patterns, freq = np.unique(counts, axis=0, return_counts=True)
    est = float(_fleiss_from_patterns(freq.astype(float), patterns, m))
    if not np.isfinite(est):
        import warnings

        warnings.warn(
            "fleiss_kappa is undefined here (NaN): every rating falls in one class, so chance agreement is 1 and "
            "kappa is 0/0; report the raw agreement instead (all readers agree on every item).",
            UserWarning,
            stacklevel=2,
        )
    ci = None
    if n_boot:
        rng = rng_if_needed(seed, where="fleiss_kappa", why=f"n_boot={n_boot} draws bootstrap resamples")
        draws = rng.multinomial(n, freq / n, size=n_boot).astype(float)
        ci = percentile_interval(_fleiss_from_patterns(draws, patterns, m), level=level)
    return _estimate(est, ci, n=n, level=level)


def _estimate(est: float, ci: tuple[float, float] | None, *, n: int, level: float) -> Estimate:
    """A kappa as a :class:`radkit.stats.Estimate` (no interval when ``n_boot`` was 0)."""
    if ci is None:
        return Estimate(est, level=level, method="", n=n)
    return Estimate(est, float(ci[0]), float(ci[1]), level=level, method="bootstrap percentile", n=n)


@renamed_arguments(sens="sensitivity", spec="specificity")
def expected_kappa(sensitivity: Any, specificity: Any, prevalence: Any) -> np.ndarray:
    """Cohen's kappa expected between two independent readers of equal sensitivity and specificity.

    Both readers see the same items, make their errors independently given
    the truth, and have sensitivity ``sensitivity`` and specificity ``specificity``. Kappa
    corrects the observed agreement for the agreement expected by chance from
    how often each reader says "present"; for a rare finding chance agreement
    on "absent" is already near 1, so the same readers earn a much lower kappa.
    Broadcasts over its arguments.

    Parameters
    ----------
    sensitivity, specificity : float or array-like in [0, 1]
    prevalence : float or array-like in (0, 1)

    Returns
    -------
    ndarray
        Expected kappa (NaN where a reader always gives one label).

    Examples
    --------
    >>> float(expected_kappa(1.0, 1.0, 0.2))
    1.0
    >>> round(float(expected_kappa(0.8, 0.98, 0.01)), 2)  # the same readers, a rare finding
    0.22
    """
    se, sp = check_fraction(sensitivity, "sensitivity"), check_fraction(specificity, "specificity")
    p = check_fraction(prevalence, "prevalence")
    q = p * se + (1 - p) * (1 - sp)  # P(reader says present)
    both_pos = p * se**2 + (1 - p) * (1 - sp) ** 2
    both_neg = p * (1 - se) ** 2 + (1 - p) * sp**2
    po = both_pos + both_neg
    pe = q**2 + (1 - q) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (po - pe) / (1 - pe)
