"""Which label of each real dataset stands for each lesson finding.

Lessons ask for findings by their radkit name (:data:`LESSON_FINDINGS`:
nodule, consolidation, effusion, cardiomegaly, pneumothorax). Each real
source spells them its own way, and some do not have them at all. A lesson
finding is positive when *any* of the source labels listed for it is
positive; it is unknown (NaN) only when all of them are.

Decisions, so that nobody has to rediscover them:

* **nodule** means a focal round opacity of any size: NIH ``Nodule`` or
  ``Mass`` (NIH splits at 3 cm), CheXpert ``Lung Lesion``, VinDr
  ``Nodule/Mass``, PadChest ``nodule``, ``multiple nodules``,
  ``pulmonary mass`` or ``mass`` (not ``pseudonodule``, which is a
  nipple or bone mimic, nor mediastinal/soft-tissue masses).
* **consolidation** is the radiological sign, not the diagnosis: NIH,
  CheXpert, VinDr and PadChest ``consolidation`` (not ``Pneumonia``).
  RSNA has only the challenge target, "lung opacity suspicious for
  pneumonia"; radkit maps it to consolidation because that is the closest
  sign, and the data card says so.
* **effusion**: pleural effusion, including PadChest's loculated and
  fissural effusions (not pericardial effusion).
* **pneumothorax** includes PadChest's ``hydropneumothorax``.
* RSNA has no nodule, effusion, cardiomegaly or pneumothorax label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["FINDING_LABELS", "source_labels", "finding_table", "map_findings"]

#: source -> lesson finding -> the source's label names (as its loader spells the columns).
FINDING_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "nih": {
        "nodule": ("Nodule", "Mass"),
        "consolidation": ("Consolidation",),
        "effusion": ("Effusion",),
        "cardiomegaly": ("Cardiomegaly",),
        "pneumothorax": ("Pneumothorax",),
    },
    "chexpert": {
        "nodule": ("Lung Lesion",),
        "consolidation": ("Consolidation",),
        "effusion": ("Pleural Effusion",),
        "cardiomegaly": ("Cardiomegaly",),
        "pneumothorax": ("Pneumothorax",),
    },
    "rsna": {
        "consolidation": ("Pneumonia",),
    },
    "vindr": {
        "nodule": ("Nodule/Mass",),
        "consolidation": ("Consolidation",),
        "effusion": ("Pleural effusion",),
        "cardiomegaly": ("Cardiomegaly",),
        "pneumothorax": ("Pneumothorax",),
    },
    "padchest": {
        "nodule": ("nodule", "multiple nodules", "pulmonary mass", "mass"),
        "consolidation": ("consolidation",),
        "effusion": ("pleural effusion", "loculated pleural effusion", "loculated fissural effusion"),
        "cardiomegaly": ("cardiomegaly",),
        "pneumothorax": ("pneumothorax", "hydropneumothorax"),
    },
}


def source_labels(source: str, finding: str) -> tuple[str, ...]:
    """The label names of ``source`` that make up lesson ``finding``.

    Raises a ``ValueError`` that lists what the source does have when it
    lacks the finding.

    Examples
    --------
    >>> source_labels("nih", "nodule")
    ('Nodule', 'Mass')
    >>> source_labels("rsna", "effusion")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: RSNA Pneumonia Detection Challenge has no effusion label; it has consolidation ...
    """
    from radkit.data._sources import SOURCES
    from radkit.data.lesson import LESSON_FINDINGS

    if source not in FINDING_LABELS:
        raise ValueError(f"Unknown real source {source!r}; real sources are {', '.join(FINDING_LABELS)}.")
    if finding not in LESSON_FINDINGS:
        raise ValueError(f"Unknown lesson finding {finding!r}; lessons use {', '.join(LESSON_FINDINGS)}.")
    mapping = FINDING_LABELS[source]
    if finding not in mapping:
        has = ", ".join(f"{f} (from {' or '.join(map(repr, names))})" for f, names in mapping.items())
        others = [s for s, m in FINDING_LABELS.items() if finding in m]
        raise ValueError(f"{SOURCES[source].title} has no {finding} label; it has {has}. Choose one of those "
                         f"findings, or another source (RADKIT_IMAGES={', '.join(others[:-1])} or {others[-1]} "
                         f"have {finding}).")
    return mapping[finding]


def finding_table() -> pd.DataFrame:
    """Lesson findings (rows) by source (columns): the label names used, blank where absent.

    Examples
    --------
    >>> finding_table().loc["effusion", "chexpert"]
    'Pleural Effusion'
    """
    from radkit.data.lesson import LESSON_FINDINGS

    return pd.DataFrame({s: {f: " | ".join(m.get(f, ())) for f in LESSON_FINDINGS} for s, m in FINDING_LABELS.items()}
                        ).rename_axis(index="finding")


def map_findings(labels: pd.DataFrame, source: str, findings: Sequence[str]) -> pd.DataFrame:
    """Lesson-finding columns from a source's label table (any listed label positive -> 1).

    Parameters
    ----------
    labels : pandas.DataFrame
        The loader's label table: one float column per source label, 1/0/NaN.
    source : str
        Key of :data:`FINDING_LABELS`.
    findings : sequence of str
        Lesson findings.

    Returns
    -------
    pandas.DataFrame
        One float32 column per finding: 1 if any mapped label is 1, 0 if all
        known ones are 0, NaN if all are unknown.

    Examples
    --------
    >>> t = pd.DataFrame({"Nodule": [1.0, 0.0, 0.0], "Mass": [0.0, 1.0, 0.0]})
    >>> map_findings(t, "nih", ["nodule"])["nodule"].tolist()
    [1.0, 1.0, 0.0]
    """
    out = {}
    for finding in findings:
        names = source_labels(source, finding)
        absent = [n for n in names if n not in labels.columns]
        if len(absent) == len(names):
            raise ValueError(f"The {source} label table has no column {' or '.join(map(repr, names))} for "
                             f"{finding}; its columns are {list(labels.columns)}. Check that the label file is "
                             "the official release (see datasets/README.md).")
        cols = labels[[n for n in names if n in labels.columns]].astype(float)
        any_pos = (cols == 1).any(axis=1)
        all_unknown = cols.isna().all(axis=1)
        out[finding] = np.where(any_pos, 1.0, np.where(all_unknown, np.nan, 0.0)).astype(np.float32)
    return pd.DataFrame(out, index=labels.index)
