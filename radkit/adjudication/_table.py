"""The long reader table (``item, reader, label``): input checks and integer coding, written once."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from radkit._validate import check_level

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


def _encode(table: pd.DataFrame, *, where: str, n_classes: int | None = None, min_readers: int = 2) -> _Coded:
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
            UserWarning,
            stacklevel=3,
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
    if n_classes is not None and (
        isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or not 2 <= n_classes <= MAX_CLASSES
    ):
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
    check_level(level)
