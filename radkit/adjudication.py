"""Ambiguous ground truth: reader agreement, majority vote and label models.

Radiologists disagree, so "the label" of a chest radiograph is itself an
estimate. This module measures disagreement (Cohen's and Fleiss' kappa with
bootstrap intervals) and combines several readers' labels into one:

* :func:`majority_vote` -- one reader, one vote, with an explicit tie policy;
* :func:`dawid_skene` -- EM estimate of every reader's confusion matrix and of
  each item's posterior (Dawid & Skene 1979), K classes;
* :func:`raykar` -- "learning from crowds" (Raykar et al. 2010): reader
  sensitivity/specificity and a logistic classifier on image features, fitted
  jointly, binary.

Every function takes one *long* table with columns ``item``, ``reader`` and
``label`` (integer class codes ``0..K-1``; binary: 0 = absent, 1 = present),
one finding at a time; :func:`per_finding` applies any of them to a table that
also has a ``finding`` column. Missing labels (NaN) are dropped with a warning,
because in a long table a missing label means the same as a missing row; every
other defect (missing columns, duplicate ``(item, reader)`` rows, labels that
are not class codes, a single reader, items or readers left without any label)
raises a ``ValueError`` that says what to do.

The EM steps are vectorized: items and readers are coded to integers once and
each E- or M-step is one sparse matrix product over the annotations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy.special import expit
from threadpoolctl import threadpool_limits

from radkit.stats import Estimate, percentile_interval

__all__ = [
    "cohen_kappa",
    "fleiss_kappa",
    "majority_vote",
    "dawid_skene",
    "raykar",
    "per_finding",
    "Estimate",
    "DawidSkeneResult",
    "RaykarResult",
]

_REQUIRED = ("item", "reader", "label")
#: Largest number of classes accepted (a stray label such as 10**9 would otherwise
#: make the per-item count tables allocate gigabytes).
MAX_CLASSES = 1000
_TIES = ("positive", "negative", "random", "nan")
_INITS = ("majority", "random")


# --------------------------------------------------------------------------- #
# Input checking and integer coding (shared by every public function)
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class _Coded:
    item: np.ndarray  # (n_annotations,) item code per annotation
    reader: np.ndarray  # (n_annotations,) reader code per annotation
    label: np.ndarray  # (n_annotations,) class code per annotation
    items: pd.Index
    readers: pd.Index
    n_classes: int


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # mixed, unorderable ids: keep order of appearance
        codes, uniques = pd.factorize(values, sort=False)
    if isinstance(uniques, (pd.Categorical, pd.CategoricalIndex)):
        uniques = np.asarray(uniques)  # plain ids; unused categories are not readers
    return codes.astype(np.int64), pd.Index(uniques)


def _label_codes(values: pd.Series, where: str) -> np.ndarray:
    if values.dtype == bool:
        return values.to_numpy(dtype=np.int64)
    if not pd.api.types.is_numeric_dtype(values):
        example = values.iloc[0] if len(values) else None
        raise ValueError(
            f"{where}: labels must be integer class codes 0..K-1 (binary: 0 = absent, "
            f"1 = present); got {values.dtype} values such as {example!r}. Map them first, "
            "e.g. table.assign(label=table.label.map({'no': 0, 'yes': 1}))."
        )
    arr = values.to_numpy(dtype=np.float64)
    bad = (arr < 0) | (arr != np.round(arr))
    if bad.any():
        raise ValueError(
            f"{where}: labels must be integer class codes 0..K-1; found {np.unique(arr[bad])[:5]}. "
            "Recode them, e.g. with pd.factorize or a dict passed to Series.map."
        )
    return arr.astype(np.int64)


def _encode(table: pd.DataFrame, *, where: str, n_classes: int | None = None,
            min_readers: int = 2) -> _Coded:
    """Validate a long ``item, reader, label`` table and code it to integers."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{where}: expected a pandas DataFrame with columns item, reader, label; got "
            f"{type(table).__name__}. Build one with pd.DataFrame({{'item': ..., 'reader': ..., "
            "'label': ...}})."
        )
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(
            f"{where}: the table lacks column(s) {missing}; it has {list(table.columns)}. "
            "Rename yours, e.g. table.rename(columns={'image_id': 'item', 'rad_id': 'reader'})."
        )
    if "finding" in table.columns and table["finding"].nunique(dropna=False) > 1:
        found = list(pd.unique(table["finding"]))[:5]
        raise ValueError(
            f"{where}: the table holds several findings ({found}...); this function takes one "
            "at a time. Select one (table[table.finding == 'Cardiomegaly']) or use "
            f"radkit.adjudication.per_finding({where}, table, ...)."
        )
    for col in ("item", "reader"):
        if table[col].isna().any():
            raise ValueError(f"{where}: column {col!r} has missing ids; drop or fill those rows.")
    if len(table) == 0:
        raise ValueError(f"{where}: the table is empty; it needs at least one labelled item.")

    nan = table["label"].isna().to_numpy()
    if nan.any():
        warnings.warn(
            f"{where}: dropped {int(nan.sum())} row(s) with a missing label (NaN means 'not "
            "read'). Drop them yourself (table.dropna(subset=['label'])) to silence this.",
            UserWarning, stacklevel=3,
        )
        kept = table.loc[~nan]
        for col in ("item", "reader"):
            lost = set(table[col].unique()) - set(kept[col].unique())
            if lost:
                raise ValueError(
                    f"{where}: {col}(s) {sorted(map(str, lost))[:5]} have no labels at all (only "
                    "NaN). Remove those rows or supply labels."
                )
        table = kept

    label = _label_codes(table["label"], where)
    k = int(label.max()) + 1 if label.size else 2
    if n_classes is not None and (isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer))
                                  or not 2 <= n_classes <= MAX_CLASSES):
        raise ValueError(f"{where}: n_classes must be an int from 2 to {MAX_CLASSES}; got {n_classes!r}.")
    if k > MAX_CLASSES:
        raise ValueError(
            f"{where}: found label {k - 1}, which would mean {k} classes (at most {MAX_CLASSES} are "
            "supported: the tables grow with the number of classes). Labels must be class codes "
            "0..K-1; recode them, e.g. table.assign(label=pd.factorize(table.label, sort=True)[0])."
        )
    if n_classes is None:
        n_classes = max(2, k)
    elif k > n_classes:
        raise ValueError(
            f"{where}: found label {k - 1} but n_classes={n_classes}; labels must lie in "
            f"0..{n_classes - 1}. Raise n_classes or recode the labels."
        )
    item, items = _factorize(table["item"])
    reader, readers = _factorize(table["reader"])
    if len(readers) < min_readers:
        raise ValueError(
            f"{where}: needs labels from at least {min_readers} readers; the table has "
            f"{len(readers)} ({list(readers)}). With one reader there is nothing to adjudicate: "
            "use that reader's labels directly."
        )
    key = np.sort(item * len(readers) + reader)
    dup = key[1:] == key[:-1]
    if dup.any():
        first = key[1:][dup][0]
        raise ValueError(
            f"{where}: {int(dup.sum())} duplicate (item, reader) row(s), e.g. item "
            f"{items[first // len(readers)]!r}, reader {readers[first % len(readers)]!r}. "
            "Keep one label per reader per item, e.g. table.drop_duplicates(['item', 'reader']) "
            "or aggregate first (a reader's box count -> 1 if any box)."
        )
    return _Coded(item, reader, label, items, readers, int(n_classes))


def _check_options(*, max_iter: int, tol: float, init: str, smoothing: float = 1e-6) -> None:
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer; got {max_iter!r}.")
    if not _is_real(tol) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be >= 0 (0 runs all max_iter iterations); got {tol!r}.")
    if not _is_real(smoothing) or not np.isfinite(smoothing) or not 0 < smoothing <= 1e3:
        raise ValueError(
            f"smoothing must be a small positive pseudo-count (default 1e-6); got {smoothing!r}. "
            "Zero or negative counts make probabilities 0 or negative, and EM then labels nonsense."
        )
    if init not in _INITS:
        raise ValueError(f"init must be one of {_INITS}; got {init!r}.")


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _kind(value: Any) -> str:
    if isinstance(value, (bool, np.bool_, int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, (str, np.str_)):
        return "text"
    return type(value).__name__


def _check_label_kinds(sa: pd.Series, sb: pd.Series) -> None:
    """Refuse 1 and "1" side by side: they would count as two different labels."""
    kinds = {name: {_kind(v) for v in series} for name, series in (("a", sa), ("b", sb))}
    found = kinds["a"] | kinds["b"]
    if len(found) > 1:
        detail = ", ".join(f"{name} holds {'/'.join(sorted(k))}" for name, k in kinds.items())
        raise ValueError(
            f"cohen_kappa: labels mix types ({detail}), so 1 and '1' would count as different "
            "labels and kappa would be wrong. Use one type for both readers, e.g. "
            "b = [int(v) for v in b] or a = [str(v) for v in a]."
        )


def _check_boot(n_boot: int, level: float) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer (0 = no interval); got {n_boot!r}.")
    if not _is_real(level) or not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), e.g. 0.95; got {level!r}.")


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


def cohen_kappa(a: Any, b: Any = None, *, readers: tuple[Any, Any] | None = None,
                n_boot: int = 0, level: float = 0.95, seed: int | None = None) -> Estimate:
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
        Seed for the bootstrap.

    Returns
    -------
    Estimate
        ``estimate`` (NaN when both readers use one and the same label, where
        kappa is undefined), ``ci`` and ``n_items``.

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
                    f"cohen_kappa: reader {r!r} is not in the table; readers are "
                    f"{list(coded.readers)[:20]}."
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
            raise ValueError(f"cohen_kappa: a and b differ in length ({len(sa)} vs {len(sb)}); "
                             "they must be aligned, one entry per item.")
        ok = (sa.notna() & sb.notna()).to_numpy()
        _check_label_kinds(sa[ok], sb[ok])
        if not ok.all():
            warnings.warn(f"cohen_kappa: dropped {int((~ok).sum())} pair(s) with a missing label.",
                          UserWarning, stacklevel=2)
        if not ok.any():
            raise ValueError("cohen_kappa: no item has a label from both readers.")
        codes, uniq = pd.factorize(pd.concat([sa[ok], sb[ok]], ignore_index=True))
        if len(uniq) > MAX_CLASSES:
            raise ValueError(f"cohen_kappa: the readers use {len(uniq)} distinct labels (at most {MAX_CLASSES}); "
                             "are these ids or scores rather than class labels? Pass class labels.")
        x, y = codes[: ok.sum()], codes[ok.sum():]
        k = max(2, len(uniq))
    cells = np.bincount(x * k + y, minlength=k * k)
    est = float(_kappa_from_cells(cells, k))
    ci = None
    if n_boot:
        rng = np.random.default_rng(seed)
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


def fleiss_kappa(table: pd.DataFrame, *, n_classes: int | None = None, n_boot: int = 0,
                 level: float = 0.95, seed: int | None = None) -> Estimate:
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
        Seed for the bootstrap.

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
    ci = None
    if n_boot:
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n, freq / n, size=n_boot).astype(float)
        ci = percentile_interval(_fleiss_from_patterns(draws, patterns, m), level=level)
    return _estimate(est, ci, n=n, level=level)


# --------------------------------------------------------------------------- #
# Majority vote
# --------------------------------------------------------------------------- #
def _votes(coded: _Coded) -> np.ndarray:
    n, k = len(coded.items), coded.n_classes
    return np.bincount(coded.item * k + coded.label, minlength=n * k).reshape(n, k)


def majority_vote(table: pd.DataFrame,
                  *, tie: Literal["positive", "negative", "random", "nan"],
                  n_classes: int | None = None, seed: int | None = None) -> pd.Series:
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
        Seed for ``tie="random"``.

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
        rng = np.random.default_rng(seed)
        out = np.argmax(rng.random(top.shape) * top, axis=1).astype(np.int64)
    else:
        out = np.argmax(top, axis=1).astype(np.int64)
    if tie == "nan":
        out = np.where(tied, np.nan, out)
    index = pd.Index(coded.items, name="item")
    return pd.Series(out, index=index, name="label")


# --------------------------------------------------------------------------- #
# EM machinery shared by Dawid-Skene and Raykar
# --------------------------------------------------------------------------- #
def _design(coded: _Coded) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Sparse (reader*K + label) x item incidence and its transpose."""
    k, n, r = coded.n_classes, len(coded.items), len(coded.readers)
    rows = coded.reader * k + coded.label
    ones = np.ones(len(rows))
    s = sparse.csr_matrix((ones, (rows, coded.item)), shape=(r * k, n))
    return s, s.T.tocsr()


def _m_confusion(s: sparse.csr_matrix, post: np.ndarray, n_readers: int, k: int,
                 smoothing: float) -> np.ndarray:
    """Confusion matrices pi[r, true, observed] from posteriors (n_items, K).

    The pseudo-count ``smoothing`` is spread over the observed labels in
    proportion to the reader's own label rates, so a row the data say nothing
    about (a reader who, softly, never saw class k) falls back to how often
    the reader uses each label -- uninformative -- not to a uniform guess.
    """
    counts = np.asarray(s @ post).reshape(n_readers, k, k)  # [r, observed, true]
    used = counts.sum(axis=2) + smoothing  # [r, observed]: label use (+ floor: no log(0))
    rate = used / used.sum(axis=1, keepdims=True)
    cells = counts.transpose(0, 2, 1) + smoothing * rate[:, None, :]
    return cells / cells.sum(axis=2, keepdims=True)


def _e_step(s_t: sparse.csr_matrix, pi: np.ndarray, log_prior: np.ndarray
            ) -> tuple[np.ndarray, float]:
    """Posteriors (n_items, K) and the observed-data log-likelihood."""
    n_readers, k, _ = pi.shape
    log_pi = np.log(pi).transpose(0, 2, 1).reshape(n_readers * k, k)  # [(r, observed), true]
    # Work class-major, (K, n_items): reductions over K short rows are far
    # faster in NumPy than axis=1 reductions over an (n_items, K) array.
    joint = np.ascontiguousarray(np.asarray(s_t @ log_pi).T)
    joint += log_prior.T if log_prior.ndim == 2 else log_prior[:, None]
    top = joint.max(axis=0)  # shift before exp: no underflow
    joint -= top
    np.exp(joint, out=joint)
    total = joint.sum(axis=0)
    joint /= total
    return joint.T, float(np.log(total).sum() + top.sum())


def _initial_posteriors(coded: _Coded, init: str, seed: int | None) -> np.ndarray:
    if init == "majority":
        votes = _votes(coded).astype(np.float64)
        return votes / votes.sum(1, keepdims=True)
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(coded.n_classes), size=len(coded.items))


def _reader_table(coded: _Coded, pi: np.ndarray, s: sparse.csr_matrix,
                  post: np.ndarray) -> pd.DataFrame:
    r, k = len(coded.readers), coded.n_classes
    idx = pd.Index(coded.readers, name="reader")
    out = pd.DataFrame({"n_labels": np.bincount(coded.reader, minlength=r)}, index=idx)
    # Expected number of items of each true class the reader read: a sens or
    # spec resting on ~0 such items is a fallback, not a measurement.
    seen = np.asarray(s @ post).reshape(r, k, k).sum(axis=1)
    if k == 2:
        out["sens"], out["n_pos"] = pi[:, 1, 1], seen[:, 1]
        out["spec"], out["n_neg"] = pi[:, 0, 0], seen[:, 0]
    else:
        for c in range(k):
            out[f"recall_{c}"], out[f"n_{c}"] = pi[:, c, c], seen[:, c]
    return out


def _confusion_frame(coded: _Coded, pi: np.ndarray) -> pd.DataFrame:
    r, k, _ = pi.shape
    index = pd.MultiIndex.from_product([coded.readers, range(k)], names=["reader", "true"])
    return pd.DataFrame(pi.reshape(r * k, k), index=index,
                        columns=pd.RangeIndex(k, name="observed"))


def _posterior_frame(coded: _Coded, post: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(post, index=pd.Index(coded.items, name="item"),
                        columns=pd.RangeIndex(coded.n_classes, name="label"))


# --------------------------------------------------------------------------- #
# Dawid-Skene
# --------------------------------------------------------------------------- #
def dawid_skene(table: pd.DataFrame, *, n_classes: int | None = None, max_iter: int = 100,
                tol: float = 1e-6, seed: int | None = None,
                init: Literal["majority", "random"] = "majority",
                smoothing: float = 1e-6) -> DawidSkeneResult:
    """Estimate each reader's confusion matrix and each item's true class (EM).

    Dawid & Skene (1979): every reader ``r`` reports class ``l`` for an item
    whose true class is ``k`` with probability ``pi[r, k, l]``, independently
    of the other readers given the truth. EM alternates the posterior of each
    item's class (E-step) with the readers' confusion matrices and the class
    priors (M-step), starting from the soft majority vote.

    Parameters
    ----------
    table : DataFrame
        Long table with columns ``item, reader, label`` (one finding).
    n_classes : int, optional
        Number of classes K (default: largest label + 1, at least 2).
    max_iter : int, default 100
        Maximum number of EM iterations (one M-step plus one E-step each).
    tol : float, default 1e-6
        Stop when the log-likelihood per annotation changes by less than this;
        0 runs all ``max_iter`` iterations.
    seed : int, optional
        Seed for ``init="random"`` (unused by ``"majority"``, which is
        deterministic).
    init : {"majority", "random"}, default "majority"
        Starting posteriors: vote shares, or random Dirichlet draws.
    smoothing : float, default 1e-6
        Pseudo-count added to every confusion-matrix cell and class count
        so that no probability is exactly 0 (no ``log(0)``).

    Returns
    -------
    DawidSkeneResult

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.adjudication import dawid_skene
    >>> t = pd.DataFrame({"item": [1, 1, 1, 2, 2, 2, 3, 3, 3],
    ...                   "reader": ["A", "B", "C"] * 3,
    ...                   "label": [1, 1, 0, 0, 0, 0, 1, 1, 1]})
    >>> res = dawid_skene(t)
    >>> res.labels.tolist()
    [1, 0, 1]
    """
    _check_options(max_iter=max_iter, tol=tol, init=init, smoothing=smoothing)
    coded = _encode(table, where="dawid_skene", n_classes=n_classes)
    k, n, r = coded.n_classes, len(coded.items), len(coded.readers)
    s, s_t = _design(coded)
    post = _initial_posteriors(coded, init, seed)
    trace: list[float] = []
    converged = False
    for _ in range(max_iter):
        pi = _m_confusion(s, post, r, k, smoothing)
        prior = (post.sum(0) + smoothing) / (n + k * smoothing)
        post, ll = _e_step(s_t, pi, np.log(prior))
        trace.append(ll)
        if len(trace) > 1 and abs(trace[-1] - trace[-2]) < tol * len(coded.label):
            converged = True
            break
    return DawidSkeneResult(
        posteriors=_posterior_frame(coded, post),
        confusion=_confusion_frame(coded, pi),
        readers=_reader_table(coded, pi, s, post),
        priors=pd.Series(prior, index=pd.RangeIndex(k, name="label"), name="prior"),
        log_likelihood=np.asarray(trace),
        converged=converged,
        n_iter=len(trace),
    )


# --------------------------------------------------------------------------- #
# Raykar et al. (2010): learning from crowds
# --------------------------------------------------------------------------- #
def _align_features(X: Any, items: pd.Index, feature_items: Any) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        if feature_items is not None:
            raise ValueError("raykar: X is a DataFrame; its index names the items, so leave items out.")
        frame = X
    else:
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim != 2:
            raise ValueError(f"raykar: X must be 2-D (n_items x n_features); got shape {arr.shape}.")
        if feature_items is None:
            raise ValueError(
                "raykar: say which item each row of X is: pass X as a DataFrame indexed by item, "
                "or items=[...] (one id per row)."
            )
        if len(feature_items) != len(arr):
            raise ValueError(f"raykar: items has {len(feature_items)} ids but X has {len(arr)} rows.")
        frame = pd.DataFrame(arr, index=pd.Index(feature_items))
    if frame.index.has_duplicates:
        raise ValueError("raykar: X has several rows for one item; keep one feature row per item.")
    absent = items.difference(frame.index)
    if len(absent):
        raise ValueError(
            f"raykar: {len(absent)} labelled item(s) have no feature row, e.g. {list(absent[:3])}. "
            "Give features for every item in the table, or drop those items from the table."
        )
    out = frame.loc[items].to_numpy(dtype=np.float64)
    if not np.isfinite(out).all():
        raise ValueError("raykar: X holds NaN or infinite values; impute or drop those items first.")
    return out


def _fit_logistic(z: np.ndarray, target: np.ndarray, l2: float, w0: np.ndarray) -> np.ndarray:
    """L2-penalised logistic regression on soft targets; z has a leading ones column."""
    penal = np.r_[0.0, np.full(z.shape[1] - 1, l2)]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        eta = z @ w
        nll = np.sum(np.logaddexp(0.0, eta) - target * eta) + 0.5 * np.sum(penal * w * w)
        grad = z.T @ (expit(eta) - target) + penal * w
        return float(nll), grad

    return optimize.minimize(loss, w0, jac=True, method="L-BFGS-B").x


def _raykar_em(z: np.ndarray, s: sparse.csr_matrix, s_t: sparse.csr_matrix, post: np.ndarray,
               r: int, coded: _Coded, *, max_iter: int, tol: float, l2: float,
               smoothing: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float], bool]:
    """Raykar's EM loop: reader confusion, classifier refit, posteriors, until the likelihood settles."""
    w = np.zeros(z.shape[1])
    trace: list[float] = []
    converged = False
    pi = np.empty(0)
    for _ in range(max_iter):
        pi = _m_confusion(s, post, r, 2, smoothing)
        w = _fit_logistic(z, post[:, 1], l2, w)
        eta = z @ w
        log_prior = np.column_stack([-np.logaddexp(0.0, eta), -np.logaddexp(0.0, -eta)])
        post, ll = _e_step(s_t, pi, log_prior)
        trace.append(ll - 0.5 * l2 * float(w[1:] @ w[1:]))
        if len(trace) > 1 and abs(trace[-1] - trace[-2]) < tol * len(coded.label):
            converged = True
            break
    return w, pi, post, trace, converged


def raykar(table: pd.DataFrame, X: Any, *, items: Any = None, max_iter: int = 100,
           tol: float = 1e-6, l2: float = 1.0, seed: int | None = None,
           init: Literal["majority", "random"] = "majority",
           smoothing: float = 1e-6) -> RaykarResult:
    """Learn reader reliability and an image classifier jointly (binary).

    Raykar et al. (2010): as in Dawid-Skene each reader has a sensitivity and a
    specificity, but the prior probability that an item is positive comes from
    a logistic regression on the item's features ``X`` instead of one
    prevalence. EM alternates posteriors (E-step, classifier prediction as the
    prior) with reader sens/spec and a refit of the classifier on the soft
    posteriors (M-step).

    Parameters
    ----------
    table : DataFrame
        Long table with columns ``item, reader, label``; labels 0/1.
    X : DataFrame or array (n_items, n_features)
        Features (image embeddings, say). A DataFrame is matched to the items
        by its index; an array needs ``items``.
    items : sequence, optional
        Item id of each row of an array ``X``.
    max_iter, tol, init, smoothing
        As in :func:`dawid_skene` (``tol`` on the penalised log-likelihood per
        annotation).
    l2 : float, default 1.0
        Ridge penalty on the (standardised) feature weights; not on the intercept.
    seed : int, optional
        Seed for ``init="random"``.

    Returns
    -------
    RaykarResult
        Has ``predict_proba(X_new)`` for unseen images.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from radkit.adjudication import raykar
    >>> t = pd.DataFrame({"item": np.repeat([0, 1, 2, 3], 2), "reader": ["A", "B"] * 4,
    ...                   "label": [1, 1, 0, 0, 1, 0, 0, 0]})
    >>> X = pd.DataFrame({"opacity": [2.0, -1.5, 1.0, -2.0]}, index=[0, 1, 2, 3])
    >>> res = raykar(t, X)
    >>> res.labels.tolist()
    [1, 0, 1, 0]
    """
    _check_options(max_iter=max_iter, tol=tol, init=init, smoothing=smoothing)
    if not _is_real(l2) or not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"raykar: l2 must be >= 0; got {l2!r}.")
    coded = _encode(table, where="raykar", n_classes=2)
    feats = _align_features(X, coded.items, items)
    mean, scale = feats.mean(0), feats.std(0)
    scale[scale == 0] = 1.0
    z = np.column_stack([np.ones(len(feats)), (feats - mean) / scale])
    r = len(coded.readers)
    s, s_t = _design(coded)
    post = _initial_posteriors(coded, init, seed)
    # the problems are tiny (n x ~10): multithreaded BLAS only adds hand-offs, and on a busy
    # 2-core machine L-BFGS-B ran 20x slower with it (bench/raykar_threads.py)
    with threadpool_limits(1, user_api="blas"):
        w, pi, post, trace, converged = _raykar_em(z, s, s_t, post, r, coded, max_iter=max_iter,
                                                   tol=tol, l2=l2, smoothing=smoothing)
    coef = w[1:] / scale
    return RaykarResult(
        posteriors=_posterior_frame(coded, post),
        confusion=_confusion_frame(coded, pi),
        readers=_reader_table(coded, pi, s, post),
        priors=pd.Series([1 - post[:, 1].mean(), post[:, 1].mean()],
                         index=pd.RangeIndex(2, name="label"), name="prior"),
        log_likelihood=np.asarray(trace),
        converged=converged,
        n_iter=len(trace),
        coef=coef,
        intercept=float(w[0] - coef @ mean),
        feature_names=list(X.columns) if isinstance(X, pd.DataFrame) else None,
    )


# --------------------------------------------------------------------------- #
# Per finding
# --------------------------------------------------------------------------- #
def per_finding(func: Callable[..., Any], table: pd.DataFrame, **kwargs: Any) -> dict[Any, Any]:
    """Apply ``func`` to each finding of a table with a ``finding`` column.

    Parameters
    ----------
    func : callable
        Any function of this module that takes a one-finding table first.
    table : DataFrame
        Long table with columns ``item, reader, finding, label``.
    **kwargs
        Passed to ``func`` (the same for every finding).

    Returns
    -------
    dict
        ``{finding: func(table_of_that_finding, **kwargs)}``, findings sorted
        (a categorical ``finding`` column keeps its category order).
        For :class:`radkit.stats.Estimate` results,
        ``pd.concat([e.to_frame(f) for f, e in out.items()])`` makes a table.

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.adjudication import per_finding, fleiss_kappa
    >>> t = pd.DataFrame({"item": [1, 1, 2, 2] * 2, "reader": ["A", "B"] * 4,
    ...                   "finding": ["effusion"] * 4 + ["nodule"] * 4,
    ...                   "label": [1, 1, 0, 0, 1, 0, 0, 1]})
    >>> {f: round(e.estimate, 2) for f, e in per_finding(fleiss_kappa, t).items()}
    {'effusion': 1.0, 'nodule': -1.0}
    """
    if not callable(func):
        raise TypeError(f"per_finding: func must be callable, e.g. fleiss_kappa; got {func!r}.")
    if not isinstance(table, pd.DataFrame) or "finding" not in table.columns:
        raise ValueError(
            "per_finding: the table needs a 'finding' column; for one finding call the "
            "function directly."
        )
    return {f: func(sub.drop(columns="finding"), **kwargs)
            for f, sub in table.groupby("finding", sort=True, observed=True)}


# --------------------------------------------------------------------------- #
# Result objects
# --------------------------------------------------------------------------- #
def _estimate(est: float, ci: tuple[float, float] | None, *, n: int, level: float) -> Estimate:
    """A kappa as a :class:`radkit.stats.Estimate` (no interval when ``n_boot`` was 0)."""
    if ci is None:
        return Estimate(est, level=level, method="", n=n)
    return Estimate(est, float(ci[0]), float(ci[1]), level=level, method="bootstrap percentile", n=n)


@dataclass(frozen=True)
class DawidSkeneResult:
    """What :func:`dawid_skene` estimates.

    Attributes
    ----------
    posteriors : DataFrame
        P(true class = k | all labels), indexed by item, one column per class.
    confusion : DataFrame
        ``pi[r, true, observed]``: rows (reader, true class), columns observed label.
    readers : DataFrame
        Per reader: ``n_labels``; binary: ``sens``, ``n_pos``, ``spec``, ``n_neg``
        (``n_pos``/``n_neg``: expected number of truly positive/negative items the
        reader read; a sensitivity resting on ``n_pos`` near 0 is not measured
        but falls back to the reader's overall label rate); K classes:
        ``recall_k`` and ``n_k``.
    priors : Series
        Estimated class prevalence.
    log_likelihood : ndarray
        Observed-data log-likelihood after each iteration (non-decreasing).
    converged : bool
        Whether the change fell below ``tol`` before ``max_iter``.
    n_iter : int
        Iterations run.
    """

    posteriors: pd.DataFrame
    confusion: pd.DataFrame
    readers: pd.DataFrame
    priors: pd.Series
    log_likelihood: np.ndarray = field(repr=False)
    converged: bool
    n_iter: int

    @property
    def labels(self) -> pd.Series:
        """Most probable class per item (ties go to the smaller class code)."""
        return pd.Series(self.posteriors.to_numpy().argmax(1), index=self.posteriors.index,
                         name="label")

    @property
    def sens(self) -> pd.Series:
        """Per-reader sensitivity (binary only)."""
        return self._binary("sens")

    @property
    def spec(self) -> pd.Series:
        """Per-reader specificity (binary only)."""
        return self._binary("spec")

    def _binary(self, col: str) -> pd.Series:
        if col not in self.readers.columns:
            raise ValueError(f"{col} is defined for binary labels; use .confusion or "
                             ".readers (recall_k columns) for K classes.")
        return self.readers[col]


@dataclass(frozen=True)
class RaykarResult(DawidSkeneResult):
    """What :func:`raykar` estimates: a :class:`DawidSkeneResult` plus a classifier.

    Attributes
    ----------
    coef : ndarray (n_features,)
        Logistic-regression weights on the original feature scale.
    intercept : float
    feature_names : list or None
    """

    coef: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    intercept: float = 0.0
    feature_names: list | None = None

    def predict_proba(self, X_new: Any) -> np.ndarray:
        """Class probabilities ``(n, 2)`` for new items, like scikit-learn.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from radkit.adjudication import raykar
        >>> t = pd.DataFrame({"item": np.repeat([0, 1, 2, 3], 2), "reader": ["A", "B"] * 4,
        ...                   "label": [1, 1, 0, 0, 1, 0, 0, 0]})
        >>> res = raykar(t, np.array([[2.0], [-1.5], [1.0], [-2.0]]), items=[0, 1, 2, 3])
        >>> res.predict_proba(np.array([[3.0], [-3.0]]))[:, 1].round(1).tolist()
        [0.9, 0.1]
        """
        arr = np.asarray(X_new, dtype=np.float64)
        if arr.ndim == 1 and len(self.coef) == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != len(self.coef):
            raise ValueError(
                f"predict_proba: X_new must have shape (n, {len(self.coef)}), the features "
                f"used in fitting; got {arr.shape}."
            )
        p = expit(arr @ self.coef + self.intercept)
        return np.column_stack([1 - p, p])
