"""CheXpert training labels with an explicit uncertainty policy."""

from __future__ import annotations

import os
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

from radkit.public._files import disk_cached

__all__ = [
    "chexpert_labels",
    "read_chexpert_table",
    "uncertain_policy",
    "CHEXPERT_FINDINGS",
    "CHEXPERT_COLUMNS",
    "UNCERTAIN_POLICIES",
    "BLANK_POLICIES",
]

_FILE = "chexpert_train.csv.gz"

#: The 14 CheXpert observations, snake_case, in file order.
CHEXPERT_FINDINGS = (
    "no_finding",
    "enlarged_cardiomediastinum",
    "cardiomegaly",
    "lung_opacity",
    "lung_lesion",
    "edema",
    "consolidation",
    "pneumonia",
    "atelectasis",
    "pneumothorax",
    "pleural_effusion",
    "pleural_other",
    "fracture",
    "support_devices",
)
#: What an uncertain mention (-1 in the file) becomes.
UNCERTAIN_POLICIES = {"ones": 1.0, "zeros": 0.0, "ignore": np.nan, "keep": -1.0}
#: Old spellings still accepted, with a FutureWarning (radkit.data.CheXpert used "nan").
UNCERTAIN_ALIASES = {"nan": "ignore"}
#: What a blank (observation not mentioned in the report) becomes.
BLANK_POLICIES = {"nan": np.nan, "zeros": 0.0}


class PolicyError(TypeError, ValueError):
    """A missing or non-string uncertainty policy (a TypeError and a ValueError)."""


def uncertain_policy(uncertain: object, *, where: str = "chexpert_labels()") -> str:
    """Check an uncertainty policy and return its one spelling (shared with ``radkit.data.CheXpert``).

    Examples
    --------
    >>> uncertain_policy("ignore")
    'ignore'
    """
    if isinstance(uncertain, str) and uncertain in UNCERTAIN_ALIASES:
        new = UNCERTAIN_ALIASES[uncertain]
        warnings.warn(
            f"{where}: uncertain={uncertain!r} is the old spelling; use uncertain={new!r}.", FutureWarning, stacklevel=3
        )
        return new
    if not isinstance(uncertain, str) or uncertain not in UNCERTAIN_POLICIES:
        error = PolicyError if uncertain is None or not isinstance(uncertain, str) else ValueError
        raise error(
            f"{where} needs an explicit uncertainty policy as one string, got uncertain={uncertain!r}. "
            "Pass uncertain='ones' (U->1, U-Ones), 'zeros' (U->0, U-Zeros), 'ignore' (U->NaN, left out "
            "of the loss) or 'keep' (U stays -1, to model it yourself); see Irvin et al. 2019."
        )
    return uncertain


#: CheXpert's observation names as spelled in its CSV files, in file order.
CHEXPERT_COLUMNS = (
    "No Finding",
    "Enlarged Cardiomediastinum",
    "Cardiomegaly",
    "Lung Opacity",
    "Lung Lesion",
    "Edema",
    "Consolidation",
    "Pneumonia",
    "Atelectasis",
    "Pneumothorax",
    "Pleural Effusion",
    "Pleural Other",
    "Fracture",
    "Support Devices",
)


def read_chexpert_table(path: str | os.PathLike) -> pd.DataFrame:
    """Parse a CheXpert ``train.csv`` or ``valid.csv`` into radkit's columns, labels as in the file
    (1, 0, -1 uncertain, NaN blank), before any uncertainty policy.

    Examples
    --------
    >>> from radkit.public._files import data_file
    >>> read_chexpert_table(data_file(_FILE))["patient_id"].dtype
    dtype('int64')
    """
    raw = pd.read_csv(path)
    missing = [c for c in ("Path", "Sex", "Age", "Frontal/Lateral", "AP/PA", *CHEXPERT_COLUMNS) if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: not a CheXpert label table, it lacks the column(s) {missing}; "
            "use train.csv or valid.csv from CheXpert-v1.0(-small)."
        )
    parts = raw["Path"].str.extract(r"patient(\d+)/study(\d+)/view(\d+)_")
    if parts.isna().any().any():
        raise ValueError(f"{path}: some paths do not look like .../patientN/studyN/viewN_*.jpg")
    out = pd.DataFrame(
        {
            "path": raw["Path"].astype(str),
            "patient_id": parts[0].astype("int64"),
            "study": parts[1].astype("int64"),
            "view_number": parts[2].astype("int64"),
            # "Unknown" (one image) becomes missing rather than a third sex.
            "sex": pd.Categorical(raw["Sex"].where(raw["Sex"] != "Unknown"), categories=["Female", "Male"]),
            "age": pd.to_numeric(raw["Age"], errors="coerce"),
            "frontal_lateral": pd.Categorical(raw["Frontal/Lateral"], categories=["Frontal", "Lateral"]),
            "ap_pa": pd.Categorical(raw["AP/PA"], categories=["AP", "PA", "LL", "RL"]),
        }
    )
    labels = raw[list(CHEXPERT_COLUMNS)].astype("float64")
    labels.columns = list(CHEXPERT_FINDINGS)
    values = set(np.unique(labels.to_numpy()[~np.isnan(labels.to_numpy())]).tolist())
    if not values <= {-1.0, 0.0, 1.0}:
        raise ValueError(f"{path}: label values {sorted(values)}; expected -1, 0, 1 or blank.")
    return pd.concat([out, labels], axis=1)


@lru_cache(maxsize=1)
def _base() -> pd.DataFrame:
    return disk_cached(_FILE, read_chexpert_table)


def chexpert_labels(*, uncertain: str | None = None, blank: str = "nan") -> pd.DataFrame:
    """CheXpert training labels (Irvin et al., AAAI 2019), one row per image.

    Labels were extracted from the free-text reports by the CheXpert labeler
    (rule-based NLP): 1 positive, 0 negative, -1 uncertain ("may represent"),
    blank when the report does not mention the observation. Which of these
    you train on is a modelling decision, so there is no default.

    Parameters
    ----------
    uncertain : {"ones", "zeros", "ignore", "keep"}
        Required. What -1 becomes: 1 (U-Ones), 0 (U-Zeros), NaN (leave the
        label out of the loss) or -1 (keep it, e.g. to model it yourself).
    blank : {"nan", "zeros"}, default "nan"
        What a not-mentioned observation becomes. The default keeps NaN,
        because "not mentioned" is not "absent"; "zeros" follows the common
        practice of treating it as negative. ``no_finding`` is only ever 1 or
        blank in the file, so it is 1 or NaN unless ``blank="zeros"``.

    Returns
    -------
    pandas.DataFrame
        - ``path`` (str): relative image path in CheXpert-v1.0-small.
        - ``patient_id``, ``study``, ``view_number`` (int): parsed from the path.
        - ``sex`` (category Female/Male; NaN for the one "Unknown").
        - ``age`` (int, years), ``frontal_lateral`` (category Frontal/Lateral),
          ``ap_pa`` (category AP/PA/LL/RL; NaN for laterals).
        - one column per :data:`CHEXPERT_FINDINGS`: int8 when the policies
          leave no NaN (``uncertain`` in ones/zeros/keep and
          ``blank="zeros"``), else float64 with NaN.

    Examples
    --------
    >>> from radkit.public import chexpert_labels
    >>> df = chexpert_labels(uncertain="zeros", blank="zeros")
    >>> sorted(df["pneumonia"].unique().tolist())
    [0, 1]
    """
    uncertain = uncertain_policy(uncertain)
    if not isinstance(blank, str) or blank not in BLANK_POLICIES:
        raise ValueError(f"blank must be one of {sorted(BLANK_POLICIES)}, got {blank!r}.")
    out = _base().copy()
    labels = out[list(CHEXPERT_FINDINGS)]
    labels = labels.mask(labels == -1.0, UNCERTAIN_POLICIES[uncertain])
    if blank == "zeros":
        labels = labels.where(labels.notna() | (_base()[list(CHEXPERT_FINDINGS)] == -1.0), 0.0)
    if not labels.isna().any().any():
        labels = labels.astype("int8")
    out[list(CHEXPERT_FINDINGS)] = labels
    return out
