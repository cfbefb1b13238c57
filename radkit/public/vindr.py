"""VinDr-CXR training labels: three radiologists per image, as a long table."""

from __future__ import annotations

import os
from functools import lru_cache

import pandas as pd

from radkit.public._files import data_file, disk_cached

__all__ = ["vindr_reader_labels", "read_vindr_table", "VINDR_FINDINGS"]

_FILE = "vinbigdata-train.csv.gz"

#: The 14 local findings in VinDr's class_id order, then "No finding" (class 14).
VINDR_FINDINGS = (
    "Aortic enlargement",
    "Atelectasis",
    "Calcification",
    "Cardiomegaly",
    "Consolidation",
    "ILD",
    "Infiltration",
    "Lung Opacity",
    "Nodule/Mass",
    "Other lesion",
    "Pleural effusion",
    "Pleural thickening",
    "Pneumothorax",
    "Pulmonary fibrosis",
    "No finding",
)


def read_vindr_table(path: str | os.PathLike) -> pd.DataFrame:
    """Parse a VinDr-CXR box table (Kaggle VinBigData ``train.csv``): one row per box or "No finding" mark.

    Columns renamed to radkit's: ``item`` (image_id), ``reader`` (rad_id,
    category), ``finding`` (class_name, category of :data:`VINDR_FINDINGS`),
    then the file's box columns.

    Examples
    --------
    >>> from radkit.public._files import data_file
    >>> read_vindr_table(data_file(_FILE))["reader"].nunique()
    17
    """
    raw = pd.read_csv(path)
    missing = [c for c in ("image_id", "class_name", "rad_id") if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: not a VinDr-CXR box table, it lacks the column(s) {missing}; "
            "use train.csv of Kaggle's VinBigData release."
        )
    return _tidy(raw)


@lru_cache(maxsize=1)
def _raw() -> pd.DataFrame:
    return read_vindr_table(data_file(_FILE))


def _tidy(raw: pd.DataFrame) -> pd.DataFrame:
    unknown = set(raw["class_name"]) - set(VINDR_FINDINGS)
    if unknown:
        raise ValueError(
            f"{_FILE} has findings radkit does not know: {sorted(unknown)}; "
            "update VINDR_FINDINGS in radkit/public/vindr.py."
        )
    readers = sorted(raw["rad_id"].unique(), key=lambda r: int(r[1:]))
    raw = raw.rename(columns={"image_id": "item", "rad_id": "reader", "class_name": "finding"})
    raw["reader"] = pd.Categorical(raw["reader"], categories=readers)
    raw["finding"] = pd.Categorical(raw["finding"], categories=list(VINDR_FINDINGS))
    return raw


@lru_cache(maxsize=1)
def _labels() -> pd.DataFrame:
    return disk_cached(_FILE, lambda path: _long(_raw()))


def _long(raw: pd.DataFrame) -> pd.DataFrame:
    pairs = raw[["item", "reader"]].drop_duplicates()
    findings = pd.DataFrame({"finding": raw["finding"].cat.categories})
    findings["finding"] = findings["finding"].astype(raw["finding"].dtype)
    grid = pairs.merge(findings, how="cross")
    marked = raw[["item", "reader", "finding"]].drop_duplicates().assign(label=1)
    out = grid.merge(marked, on=["item", "reader", "finding"], how="left")
    out["label"] = out["label"].fillna(0).astype("int8")
    return out.sort_values(["item", "reader", "finding"], ignore_index=True)


def vindr_reader_labels(*, boxes: bool = False) -> pd.DataFrame:
    """VinDr-CXR training labels, one row per (image, reader, finding).

    Each of the 15,000 training images was read independently by three of
    seventeen radiologists (Nguyen et al., Sci Data 2022). A reader either
    drew boxes for local findings or marked the image "No finding". Here a
    reader who marked finding F gives label 1 for F and 0 for every finding
    they did not mark; a reader who marked "No finding" gives 0 for all 14
    findings and 1 for the "No finding" row. Several boxes of one finding by
    one reader count once.

    Parameters
    ----------
    boxes : bool, default False
        Return the box rows instead (one row per drawn box).

    Returns
    -------
    pandas.DataFrame
        Labels (``boxes=False``), 15 rows per (item, reader):

        - ``item`` (str): VinDr image id (hex hash).
        - ``reader`` (category ``R1`` ... ``R17``): radiologist id.
        - ``finding`` (category): :data:`VINDR_FINDINGS`, "No finding" last.
        - ``label`` (int8): 1 if the reader marked the finding, else 0.

        Boxes (``boxes=True``): ``item``, ``reader``, ``finding`` as above,
        then ``x_min, y_min, x_max, y_max`` (float, pixels of the original
        DICOM image). "No finding" rows have no box and are left out.

    Examples
    --------
    >>> from radkit.public import vindr_reader_labels
    >>> df = vindr_reader_labels()
    >>> int(df.groupby("item", observed=True)["reader"].nunique().max())
    3
    """
    if not isinstance(boxes, bool):
        raise TypeError(f"boxes must be True or False, got {boxes!r}.")
    if boxes:
        raw = _raw()
        box = raw[raw["finding"] != "No finding"]
        cols = ["item", "reader", "finding", "x_min", "y_min", "x_max", "y_max"]
        return box[cols].reset_index(drop=True).copy()
    return _labels().copy()
