"""PadChest image and report metadata (Bustos et al., Med Image Anal 2020)."""

from __future__ import annotations

import ast
import re
from functools import lru_cache

import pandas as pd

from radkit.public._files import disk_cached

__all__ = ["padchest_entries", "read_padchest_table"]

_FILE = "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv.gz"
_QUOTED = re.compile(r"'([^']*)'")
_COLUMNS = [
    "ImageID",
    "ImageDir",
    "StudyDate_DICOM",
    "StudyID",
    "PatientID",
    "PatientBirth",
    "PatientSex_DICOM",
    "ViewPosition_DICOM",
    "Projection",
    "MethodProjection",
    "Pediatric",
    "Modality_DICOM",
    "Manufacturer_DICOM",
    "Rows_DICOM",
    "Columns_DICOM",
    "ReportID",
    "Report",
    "MethodLabel",
    "Labels",
    "Localizations",
]
_REQUIRED = ("ImageID", "PatientID", "Labels")


def _parse_list(text: object) -> list[str]:
    """``"['a', ' b', '']"`` -> ``['a', 'b']``; blank entries dropped, NaN -> []."""
    if not isinstance(text, str):
        return []
    if '"' in text or "\\" in text:  # not the simple form: use the full parser
        items = ast.literal_eval(text)
    else:
        items = _QUOTED.findall(text)
    return [s.strip() for s in items if s.strip()]


def read_padchest_table(path) -> pd.DataFrame:
    """Parse a PadChest label CSV (``.csv`` or ``.csv.gz``, all rows or a subset) as :func:`padchest_entries`
    returns it. ``ImageID``, ``PatientID`` and ``Labels`` are required; other absent columns become missing.

    Examples
    --------
    >>> from radkit.public._files import data_file
    >>> read_padchest_table(data_file(_FILE)).shape[0]
    160861
    """
    raw = pd.read_csv(path, usecols=lambda c: c in _COLUMNS, dtype={"PatientID": str, "StudyID": str})
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: not a PadChest label table, it lacks the column(s) {missing}; "
            f"use {_FILE.removesuffix('.gz')} from the PadChest download."
        )
    complete = all(c in raw.columns for c in _COLUMNS)
    raw = raw.reindex(columns=_COLUMNS)

    def whole(column: str) -> pd.Series:  # int64 as in the official file, nullable Int64 where it lacks the column
        return raw[column].astype("int64" if complete else "Int64")

    date = pd.to_datetime(raw["StudyDate_DICOM"].astype("Int64").astype(str), format="%Y%m%d", errors="coerce")
    birth = raw["PatientBirth"].astype("Int64")
    out = pd.DataFrame(
        {
            "image_id": raw["ImageID"],
            "image_dir": whole("ImageDir"),
            "study_id": raw["StudyID"],
            "patient_id": raw["PatientID"],
            "study_date": date,
            "birth_year": birth,
            "age": (pd.Series(date.dt.year, dtype="Int64") - birth),
            "sex": pd.Categorical(raw["PatientSex_DICOM"], categories=["F", "M", "O"]),
            "projection": raw["Projection"].astype("category"),
            "view_position": raw["ViewPosition_DICOM"].astype("category"),
            "method_projection": raw["MethodProjection"].astype("category"),
            "pediatric": raw["Pediatric"].eq("PED"),
            "modality": raw["Modality_DICOM"].astype("category"),
            "manufacturer": raw["Manufacturer_DICOM"].astype("category"),
            "rows": whole("Rows_DICOM"),
            "columns": whole("Columns_DICOM"),
            "report_id": whole("ReportID"),
            "report": raw["Report"].str.strip() if complete else raw["Report"],
            "method_label": pd.Categorical(raw["MethodLabel"], categories=["Physician", "RNN_model"]),
            "labels": raw["Labels"].map(_parse_list),
            "localizations": raw["Localizations"].map(_parse_list),
        }
    )
    return out


@lru_cache(maxsize=1)
def _entries() -> pd.DataFrame:
    return disk_cached(_FILE, read_padchest_table)


def padchest_entries() -> pd.DataFrame:
    """PadChest: one row per image (160,861 images, Hospital San Juan, Alicante).

    Reports (Spanish, shipped stemmed) were labelled with 174 findings, 19
    diagnoses and 104 anatomic locations. About a quarter of the images'
    reports were labelled by physicians (``method_label == "Physician"``);
    the rest by a recurrent neural network trained on those
    (``"RNN_model"``). The first call parses a 17 MB file (seconds) and
    caches the result on disk; later calls take well under a second.

    Returns
    -------
    pandas.DataFrame
        - ``image_id`` (str, PNG file name), ``image_dir`` (int, zip folder).
        - ``study_id``, ``patient_id`` (str: 30+ digit ids, too big for int64).
        - ``study_date`` (datetime64), ``birth_year`` (Int64, may be NA).
        - ``age`` (Int64): study year minus birth year, so +-1 year.
        - ``sex`` (category F/M/O; O as in the DICOM header).
        - ``projection`` (category PA, L, AP, AP_horizontal, COSTAL, EXCLUDE, UNK).
        - ``view_position`` (category): raw DICOM ViewPosition, often missing.
        - ``method_projection`` (category): DICOM review or a ResNet-50 classifier.
        - ``pediatric`` (bool), ``modality`` (category CR/DX),
          ``manufacturer`` (category), ``rows``, ``columns`` (int, pixels).
        - ``report_id`` (int), ``report`` (str, stemmed Spanish text).
        - ``method_label`` (category Physician / RNN_model).
        - ``labels``, ``localizations`` (list of str; leading spaces and empty
          entries removed; ``[]`` where the file has none).

    Examples
    --------
    >>> from radkit.public import padchest_entries
    >>> df = padchest_entries()
    >>> "normal" in df.loc[0, "labels"]
    True
    """
    out = _entries().copy()
    for column in ("labels", "localizations"):  # fresh lists: callers cannot edit the cache
        out[column] = [list(items) for items in out[column]]
    return out
