"""RSNA Pneumonia Detection Challenge (2018) labels joined to DICOM headers."""

from __future__ import annotations

import os
import zipfile
from functools import lru_cache

import pandas as pd

from radkit.public._files import data_file

__all__ = ["rsna_entries", "read_rsna_table"]

_LABELS = "kaggle_stage_2_train_labels.csv.zip"
_HEADERS = "kaggle_stage_2_train_images_dicom_headers.csv.gz"


def read_rsna_table(path: str | os.PathLike) -> pd.DataFrame:
    """Parse RSNA's ``stage_2_train_labels.csv`` (or the zip holding it): one row per box, radkit's names.

    Returns ``patient_id, x, y, width, height, target`` (a row with NaN box
    and ``target`` 0 for a negative image), as :func:`rsna_entries` reads it.

    Examples
    --------
    >>> from radkit.public._files import data_file
    >>> int(read_rsna_table(data_file(_LABELS))["target"].max())
    1
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive, archive.open("stage_2_train_labels.csv") as fh:
            raw = pd.read_csv(fh)
    else:
        raw = pd.read_csv(path)
    missing = [c for c in ("patientId", "x", "y", "width", "height", "Target") if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: not an RSNA label table, it lacks the column(s) {missing}; "
            "use stage_2_train_labels.csv from the Kaggle challenge."
        )
    raw = raw.rename(columns={"patientId": "patient_id", "Target": "target"})
    per_patient = raw.groupby("patient_id")["target"].nunique()
    if (per_patient > 1).any():
        raise ValueError(f"{path}: some patients have both Target 0 and 1 rows.")
    return raw


@lru_cache(maxsize=1)
def _boxes() -> pd.DataFrame:
    return read_rsna_table(data_file(_LABELS))


@lru_cache(maxsize=1)
def _entries() -> pd.DataFrame:
    raw = _boxes()
    per = raw.groupby("patient_id", sort=False).agg(target=("target", "first"), n_boxes=("x", "count")).reset_index()
    head = pd.read_csv(data_file(_HEADERS), index_col=0)
    head = pd.DataFrame(
        {
            "patient_id": head["PatientID"],
            "age": head["PatientAge"].astype("int64"),
            "sex": pd.Categorical(head["PatientSex"], categories=["F", "M"]),
            "view": pd.Categorical(head["ViewPosition"], categories=["PA", "AP"]),
            "pixel_spacing": head["PixelSpacing"].astype("float64"),
        }
    )
    out = per.merge(head, on="patient_id", how="left", validate="one_to_one")
    if out["age"].isna().any():
        raise ValueError(f"{_HEADERS} lacks headers for some labelled images.")
    out["target"] = out["target"].astype("int8")
    out["n_boxes"] = out["n_boxes"].astype("int64")
    return out


def rsna_entries(*, boxes: bool = False) -> pd.DataFrame:
    """RSNA Pneumonia Detection Challenge training images (Shih et al., Radiol AI 2019).

    26,684 frontal radiographs, a subset of NIH ChestX-ray14 relabelled by
    radiologists from the RSNA and the Society of Thoracic Radiology, who
    drew boxes around lung opacities suspicious for pneumonia. In this
    challenge each "patientId" is one image. The labels file has one row per
    box (or one row with no box for negatives); here they are counted per
    image and joined to the DICOM header table.

    Parameters
    ----------
    boxes : bool, default False
        Return one row per box instead: ``patient_id, x, y, width, height``
        (float, pixels of the 1024 x 1024 image; ``x, y`` the top-left corner).

    Returns
    -------
    pandas.DataFrame
        - ``patient_id`` (str): image id (also the DICOM file stem).
        - ``target`` (int8): 1 if any box (opacity suspicious for pneumonia).
        - ``n_boxes`` (int): number of boxes, 0 to 4.
        - ``age`` (int, years; the file has implausible values above 100,
          kept as shipped), ``sex`` (category F/M), ``view`` (category PA/AP).
        - ``pixel_spacing`` (float, mm).

    Examples
    --------
    >>> from radkit.public import rsna_entries
    >>> df = rsna_entries()
    >>> bool(((df["n_boxes"] > 0) == (df["target"] == 1)).all())
    True
    """
    if not isinstance(boxes, bool):
        raise TypeError(f"boxes must be True or False, got {boxes!r}.")
    if boxes:
        raw = _boxes()
        cols = ["patient_id", "x", "y", "width", "height"]
        return raw.loc[raw["target"] == 1, cols].reset_index(drop=True).copy()
    return _entries().copy()
