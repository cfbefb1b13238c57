"""NIH ChestX-ray14 entries and Google's expert-adjudicated subset."""

from __future__ import annotations

import os
from functools import lru_cache

import pandas as pd

from radkit.public._files import data_file, disk_cached

__all__ = [
    "nih_entries",
    "read_nih_table",
    "nih_google_adjudicated",
    "nih_vs_adjudicated",
    "NIH_FINDINGS",
    "GOOGLE_CATEGORIES",
    "NIH_TO_GOOGLE",
]

_ENTRIES = "Data_Entry_2017_v2020.csv.gz"
_GOOGLE = "google2019_nih-chest-xray-labels.csv.gz"

#: The 14 NIH findings as spelled in "Finding Labels", then "No Finding".
NIH_FINDINGS = (
    "Atelectasis",
    "Cardiomegaly",
    "Consolidation",
    "Edema",
    "Effusion",
    "Emphysema",
    "Fibrosis",
    "Hernia",
    "Infiltration",
    "Mass",
    "Nodule",
    "Pleural_Thickening",
    "Pneumonia",
    "Pneumothorax",
    "No Finding",
)
#: Google's four adjudicated categories (column names in radkit).
GOOGLE_CATEGORIES = ("fracture", "pneumothorax", "airspace_opacity", "nodule_or_mass")
#: Approximate mapping of NIH report-mined labels onto Google's categories
#: (any listed NIH label present -> 1). Fracture has no NIH label.
NIH_TO_GOOGLE = {
    "pneumothorax": ("pneumothorax",),
    "nodule_or_mass": ("nodule", "mass"),
    "airspace_opacity": ("consolidation", "pneumonia", "infiltration"),
}
_YES_NO = {"YES": 1, "NO": 0}
_SPLITS = {"test": "test", "val": "validation"}


def _snake(name: str) -> str:
    return name.lower().replace(" ", "_")


#: NIH's column names -> radkit's (the last four only in the v2020 file).
NIH_COLUMNS = {
    "Image Index": "image_id",
    "Finding Labels": "finding_labels",
    "Follow-up #": "follow_up",
    "Patient ID": "patient_id",
    "Patient Age": "age",
    "Patient Gender": "sex",
    "View Position": "view",
    "OriginalImage[Width": "width",
    "Height]": "height",
    "OriginalImagePixelSpacing[x": "pixel_spacing_x",
    "y]": "pixel_spacing_y",
}
_NIH_REQUIRED = ("Image Index", "Finding Labels", "Patient ID", "Patient Age", "Patient Gender", "View Position")


def read_nih_table(path: str | os.PathLike) -> pd.DataFrame:
    """Parse an NIH ``Data_Entry_2017*.csv`` (the 2017 or v2020 file, or a subset of its rows) as
    :func:`nih_entries` returns it: radkit's column names, one 0/1 column per finding.

    Examples
    --------
    >>> from radkit.public._files import data_file
    >>> read_nih_table(data_file(_ENTRIES)).shape[0]
    112120
    """
    raw = pd.read_csv(path)
    missing = [c for c in _NIH_REQUIRED if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: not an NIH Data_Entry table, it lacks the column(s) {missing}; "
            "use Data_Entry_2017_v2020.csv from the NIH download."
        )
    raw = raw[[c for c in NIH_COLUMNS if c in raw.columns]].rename(columns=NIH_COLUMNS)
    dummies = raw["finding_labels"].fillna("No Finding").str.get_dummies(sep="|")
    unknown = set(dummies.columns) - set(NIH_FINDINGS)
    if unknown:
        raise ValueError(
            f"{path} has labels radkit does not know: {sorted(unknown)}; update NIH_FINDINGS in radkit/public/nih.py."
        )
    dummies = dummies.reindex(columns=list(NIH_FINDINGS), fill_value=0).astype("int8")
    dummies.columns = [_snake(c) for c in NIH_FINDINGS]
    out = pd.concat([raw, dummies], axis=1)
    out["sex"] = pd.Categorical(out["sex"], categories=["F", "M"])
    out["view"] = pd.Categorical(out["view"], categories=["PA", "AP"])
    return out


@lru_cache(maxsize=1)
def _entries() -> pd.DataFrame:
    return disk_cached(_ENTRIES, read_nih_table)


def nih_entries() -> pd.DataFrame:
    """NIH ChestX-ray14: one row per image (112,120 frontal radiographs).

    Wang et al., CVPR 2017 (file ``Data_Entry_2017_v2020``). The findings were
    **mined from the radiology reports by NLP**, not read from the images, so
    they carry label noise (see :func:`nih_vs_adjudicated`).

    Returns
    -------
    pandas.DataFrame
        - ``image_id`` (str): file name, e.g. ``00000001_000.png``.
        - ``finding_labels`` (str): the original ``|``-separated labels.
        - ``follow_up`` (int): visit number of this patient.
        - ``patient_id`` (int).
        - ``age`` (int, years), ``sex`` (category F/M), ``view`` (category PA/AP).
        - ``width``, ``height`` (int): original image size in pixels.
        - ``pixel_spacing_x``, ``pixel_spacing_y`` (float, mm).
        - ``atelectasis`` ... ``pneumothorax``, ``no_finding`` (int8 0/1): one
          column per entry of :data:`NIH_FINDINGS`, snake_case.

    Examples
    --------
    >>> from radkit.public import nih_entries
    >>> df = nih_entries()
    >>> bool((df["no_finding"] == 1).equals(df["finding_labels"] == "No Finding"))
    True
    """
    return _entries().copy()


@lru_cache(maxsize=1)
def _google() -> pd.DataFrame:
    raw = pd.read_csv(data_file(_GOOGLE))
    out = pd.DataFrame({"image_id": raw["Image Index"]})
    split = raw["Set Id"].map(_SPLITS)
    if split.isna().any():
        bad = sorted(set(raw.loc[split.isna(), "Set Id"].astype(str)))
        raise ValueError(f"{_GOOGLE}: unexpected Set Id values {bad}; expected {sorted(_SPLITS)}.")
    out["split"] = pd.Categorical(split, categories=["validation", "test"])
    for source, name in zip(["Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass"], GOOGLE_CATEGORIES):
        values = raw[source].str.strip().str.upper().map(_YES_NO)
        if values.isna().any():
            bad = sorted(set(raw.loc[values.isna(), source].astype(str)))
            raise ValueError(
                f"{_GOOGLE}: column {source!r} has values {bad}; "
                "radkit only knows YES and NO. Update _YES_NO in radkit/public/nih.py."
            )
        out[name] = values.astype("int8")
    return out


def nih_google_adjudicated() -> pd.DataFrame:
    """Google's expert-adjudicated labels for 4,376 NIH ChestX-ray14 images.

    Majkowska et al., Radiology 2020;294:421-431: each image was read by three
    radiologists from a panel, disagreements adjudicated. The shipped file
    holds only YES/NO values; anything else raises an error.

    Returns
    -------
    pandas.DataFrame
        - ``image_id`` (str): joins to :func:`nih_entries` on ``image_id``.
        - ``split`` (category): ``validation`` or ``test`` (file's ``val``/``test``).
        - ``fracture``, ``pneumothorax``, ``airspace_opacity``,
          ``nodule_or_mass`` (int8 0/1).

    Examples
    --------
    >>> from radkit.public import nih_google_adjudicated
    >>> sorted(nih_google_adjudicated()["split"].unique())
    ['test', 'validation']
    """
    return _google().copy()


def nih_vs_adjudicated() -> pd.DataFrame:
    """NIH report-mined labels next to Google's adjudicated labels, long form.

    The NIH labels are mapped onto Google's categories with
    :data:`NIH_TO_GOOGLE`: pneumothorax <- Pneumothorax; nodule_or_mass <-
    Nodule or Mass; airspace_opacity <- Consolidation, Pneumonia or
    Infiltration. The last is an approximation (NIH has no "airspace
    opacity" label), which is itself a teaching point: part of the
    disagreement is definitional, not reading error. Fracture has no NIH
    label and is omitted.

    Returns
    -------
    pandas.DataFrame
        One row per (image, category), 3 x 4,376 rows:

        - ``image_id`` (str), ``split`` (category validation/test).
        - ``category`` (category): pneumothorax, nodule_or_mass, airspace_opacity.
        - ``nih`` (int8 0/1): report-mined label, mapped.
        - ``adjudicated`` (int8 0/1): Google's expert label (the reference).

    Examples
    --------
    >>> from radkit.public import nih_vs_adjudicated
    >>> df = nih_vs_adjudicated()
    >>> df.groupby("category", observed=True)["nih"].size().tolist()
    [4376, 4376, 4376]
    """
    return _pairs().copy()


@lru_cache(maxsize=1)
def _pairs() -> pd.DataFrame:
    google = _google()
    wanted = [c for columns in NIH_TO_GOOGLE.values() for c in columns]
    nih = google[["image_id"]].merge(
        _entries()[["image_id", *wanted]], on="image_id", how="left", validate="one_to_one"
    )
    if nih[wanted].isna().any().any():
        raise ValueError(f"some adjudicated images are not in {_ENTRIES}.")
    parts = []
    for category, columns in NIH_TO_GOOGLE.items():
        parts.append(
            pd.DataFrame(
                {
                    "image_id": google["image_id"].to_numpy(),
                    "split": google["split"].to_numpy(),
                    "category": category,
                    "nih": nih[list(columns)].max(axis=1).astype("int8").to_numpy(),
                    "adjudicated": google[category].to_numpy(),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["category"] = pd.Categorical(out["category"], categories=list(NIH_TO_GOOGLE))
    out["split"] = out["split"].astype(google["split"].dtype)
    return out
