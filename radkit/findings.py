"""The kit's findings, the one crosswalk from each source's labels to them, and a glossary.

Ground floor: this module imports only the standard library, numpy and
pandas, so every other part of radkit (``synth``, ``data``, ``public``, the
lessons' subpackages) can use it.

:data:`FINDINGS` are the five findings the kit draws (``radkit.synth``) and
lessons ask for (``radkit.data.lesson_data``); :data:`EXTRA_FINDINGS` are the
other findings the public label tables are summarised by (class imbalance,
label sources). :data:`CROSSWALK` says which raw label strings of each source
make up each finding, spelled exactly as the source's own files spell them:

===========  ==========================================================================
source       raw labels are
===========  ==========================================================================
nih          the ``|``-separated tokens of ``Finding Labels`` (``Effusion``)
chexpert     the observation column headers (``Pleural Effusion``)
rsna         the ``Target`` column (1: lung opacity suspicious for pneumonia)
vindr        ``class_name`` of a reader's mark (``Pleural effusion``)
padchest     the entries of ``Labels``, stripped (``pleural effusion``)
indiana      the MeSH heading of a manual ("major") code, before its first ``/``
siim         ``Pneumothorax``: an image with a mask row (not ``-1``) in ``train-rle.csv``
===========  ==========================================================================

SIIM-ACR has no label strings: every row of its table is a pneumothorax mask
or ``-1`` (``radkit.public.siim_pneumothorax``); its loader names the one label
``Pneumothorax``, so it has pneumothorax and nothing else.

A finding is positive when *any* of its raw labels is positive, negative when
all known ones are negative, unknown (NaN) only when all are unknown
(:func:`map_findings`). The choices, as a radiologist reads the label names:

* **nodule** is any focal round lung opacity, whatever its size: NIH
  ``Nodule`` or ``Mass`` (NIH splits at 3 cm), CheXpert ``Lung Lesion``, VinDr
  ``Nodule/Mass``, PadChest ``nodule``, ``multiple nodules``, ``pulmonary
  mass`` and ``mass``. Not PadChest ``pseudonodule`` (a nipple or bone
  mimic), ``granuloma`` (a healed, benign nodule that reports name as such),
  nor masses outside the lung (mediastinal, pleural, soft tissue, breast).
* **consolidation** is the radiological sign, not the diagnosis:
  ``Consolidation`` everywhere, not ``Pneumonia``. RSNA has only its
  challenge target, "lung opacity suspicious for pneumonia", which radkit
  maps to consolidation as the closest sign (the data card says so).
* **effusion** is fluid in the pleural space: PadChest ``pleural effusion``,
  ``loculated pleural effusion`` (fluid walled off by adhesions),
  ``loculated fissural effusion`` (fluid within a fissure, the "vanishing
  tumour") and ``hydropneumothorax`` (air *and* fluid in the pleural space,
  so it is both an effusion and a pneumothorax). Not ``pericardial
  effusion`` (another space) nor ``costophrenic angle blunting`` (a sign that
  may be fluid or pleural thickening).
* **pneumothorax** includes PadChest's ``hydropneumothorax``.
* **atelectasis** includes PadChest's laminar, lobar, segmental, round,
  total and basal atelectasis (all are collapse of lung);
  **pleural thickening** its apical and calcified forms; **fracture** every
  bone PadChest names, healed rib fractures (``callus``) included, as
  CheXpert's ``Fracture`` does; **emphysema** is of the lung, not
  ``subcutaneous emphysema``; **hernia** is NIH's ``Hernia`` (almost always
  hiatal) and PadChest's ``hiatal hernia``.

Examples
--------
>>> from radkit.findings import FINDINGS, source_labels
>>> FINDINGS
('nodule', 'consolidation', 'effusion', 'cardiomegaly', 'pneumothorax')
>>> source_labels("padchest", "pneumothorax")
('pneumothorax', 'hydropneumothorax')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "FINDINGS",
    "EXTRA_FINDINGS",
    "ALL_FINDINGS",
    "SOURCES",
    "SOURCE_NAMES",
    "CROSSWALK",
    "GLOSSARY",
    "source_labels",
    "source_findings",
    "finding_table",
    "map_findings",
    "check_findings",
]

#: The kit's findings: what ``radkit.synth`` draws (in its label-column order) and lessons ask for.
FINDINGS: tuple[str, ...] = ("nodule", "consolidation", "effusion", "cardiomegaly", "pneumothorax")
#: Further findings the public label tables are summarised by (no synthetic images, no lessons train on them).
EXTRA_FINDINGS: tuple[str, ...] = (
    "atelectasis",
    "edema",
    "emphysema",
    "fibrosis",
    "hernia",
    "infiltration",
    "pleural thickening",
    "pneumonia",
    "fracture",
    "lung opacity",
    "enlarged cardiomediastinum",
    "aortic enlargement",
    "granuloma",
    "scarring",
)
ALL_FINDINGS: tuple[str, ...] = FINDINGS + EXTRA_FINDINGS

#: Source ids, lower case as ``RADKIT_IMAGES`` spells them.
SOURCES: tuple[str, ...] = ("nih", "chexpert", "rsna", "vindr", "padchest", "indiana", "siim")
#: Display names of the source ids.
SOURCE_NAMES: dict[str, str] = {
    "nih": "NIH ChestX-ray14",
    "chexpert": "CheXpert",
    "rsna": "RSNA Pneumonia Detection Challenge",
    "vindr": "VinDr-CXR",
    "padchest": "PadChest",
    "indiana": "Indiana University (OpenI)",
    "siim": "SIIM-ACR Pneumothorax",
}

#: source -> finding -> the source's raw label strings (see the module docstring for the choices).
CROSSWALK: dict[str, dict[str, tuple[str, ...]]] = {
    "nih": {
        "nodule": ("Nodule", "Mass"),
        "consolidation": ("Consolidation",),
        "effusion": ("Effusion",),
        "cardiomegaly": ("Cardiomegaly",),
        "pneumothorax": ("Pneumothorax",),
        "atelectasis": ("Atelectasis",),
        "edema": ("Edema",),
        "emphysema": ("Emphysema",),
        "fibrosis": ("Fibrosis",),
        "hernia": ("Hernia",),
        "infiltration": ("Infiltration",),
        "pleural thickening": ("Pleural_Thickening",),
        "pneumonia": ("Pneumonia",),
    },
    "chexpert": {
        "nodule": ("Lung Lesion",),
        "consolidation": ("Consolidation",),
        "effusion": ("Pleural Effusion",),
        "cardiomegaly": ("Cardiomegaly",),
        "pneumothorax": ("Pneumothorax",),
        "atelectasis": ("Atelectasis",),
        "edema": ("Edema",),
        "pneumonia": ("Pneumonia",),
        "fracture": ("Fracture",),
        "lung opacity": ("Lung Opacity",),
        "enlarged cardiomediastinum": ("Enlarged Cardiomediastinum",),
    },
    "rsna": {
        "consolidation": ("Target",),
    },
    "vindr": {
        "nodule": ("Nodule/Mass",),
        "consolidation": ("Consolidation",),
        "effusion": ("Pleural effusion",),
        "cardiomegaly": ("Cardiomegaly",),
        "pneumothorax": ("Pneumothorax",),
        "atelectasis": ("Atelectasis",),
        "fibrosis": ("Pulmonary fibrosis",),
        "infiltration": ("Infiltration",),
        "pleural thickening": ("Pleural thickening",),
        "lung opacity": ("Lung Opacity",),
        "aortic enlargement": ("Aortic enlargement",),
    },
    "padchest": {
        "nodule": ("nodule", "multiple nodules", "pulmonary mass", "mass"),
        "consolidation": ("consolidation",),
        # pleural fluid in any form; hydropneumothorax holds fluid too (and counts for pneumothorax)
        "effusion": (
            "pleural effusion",
            "loculated pleural effusion",
            "loculated fissural effusion",
            "hydropneumothorax",
        ),
        "cardiomegaly": ("cardiomegaly",),
        "pneumothorax": ("pneumothorax", "hydropneumothorax"),
        "atelectasis": (
            "atelectasis",
            "laminar atelectasis",
            "lobar atelectasis",
            "segmental atelectasis",
            "total atelectasis",
            "round atelectasis",
            "atelectasis basal",
        ),
        "edema": ("pulmonary edema",),
        "emphysema": ("emphysema",),
        "fibrosis": ("pulmonary fibrosis",),
        "hernia": ("hiatal hernia",),
        "infiltration": ("infiltrates",),
        "pleural thickening": ("pleural thickening", "apical pleural thickening", "calcified pleural thickening"),
        "pneumonia": ("pneumonia", "atypical pneumonia"),
        "fracture": (
            "fracture",
            "rib fracture",
            "callus rib fracture",
            "clavicle fracture",
            "humeral fracture",
            "vertebral fracture",
        ),
    },
    "indiana": {
        "nodule": ("Nodule", "Mass"),
        # "airspace disease" is how these reports name airspace opacification: the sign of consolidation
        "consolidation": ("Consolidation", "Airspace Disease"),
        "effusion": ("Pleural Effusion",),
        "cardiomegaly": ("Cardiomegaly",),
        "pneumothorax": ("Pneumothorax",),
        "atelectasis": ("Pulmonary Atelectasis",),
        "edema": ("Pulmonary Edema",),
        "emphysema": ("Emphysema", "Pulmonary Emphysema"),
        "fibrosis": ("Pulmonary Fibrosis",),
        "hernia": ("Hernia, Hiatal",),
        "infiltration": ("Infiltrate",),
        "pneumonia": ("Pneumonia",),
        "fracture": ("Fractures, Bone",),
        "lung opacity": ("Opacity",),
        "granuloma": ("Calcified Granuloma", "Granuloma", "Granulomatous Disease"),
        "scarring": ("Cicatrix",),
    },
    # no label strings in SIIM's file: an image with a mask is positive (radkit.data.loaders.SIIMPneumothorax)
    "siim": {
        "pneumothorax": ("Pneumothorax",),
    },
}

#: One-line definitions of every finding the crosswalk maps.
GLOSSARY: dict[str, str] = {
    "nodule": "a focal, round opacity in the lung, of any size (a 'mass' when over 3 cm)",
    "consolidation": "air spaces of the lung filled with fluid, pus or cells, so that the lung turns white "
    "(the sign, whatever its cause)",
    "effusion": "fluid in the pleural space, between lung and chest wall",
    "cardiomegaly": "an enlarged heart shadow: cardiothoracic ratio above 0.5 on a PA film",
    "pneumothorax": "air in the pleural space, so that the lung edge separates from the chest wall",
    "atelectasis": "collapse or incomplete expansion of part of a lung",
    "edema": "fluid in the lung's interstitium and air spaces, usually from heart failure",
    "emphysema": "destroyed alveolar walls with over-inflated, dark lungs",
    "fibrosis": "scarring of the lung's interstitium: reticular lines, volume loss",
    "hernia": "abdominal content (mostly stomach, a hiatal hernia) above the diaphragm",
    "infiltration": "an ill-defined opacity in the lung (an older, non-specific report term)",
    "pleural thickening": "thickened pleura, including apical caps and calcified plaques",
    "pneumonia": "a clinical diagnosis of lung infection, not a sign on the image alone",
    "fracture": "a broken bone in the field of view (ribs, clavicle, humerus, vertebrae), old or new",
    "lung opacity": "any area of the lung whiter than it should be (a catch-all sign)",
    "enlarged cardiomediastinum": "a widened heart and mediastinum silhouette",
    "aortic enlargement": "a dilated or unfolded thoracic aorta",
    "granuloma": "a small healed focus of old inflammation (often calcified), reported apart from nodules",
    "scarring": "fibrous scar of the lung or pleura after injury or infection (MeSH: cicatrix)",
}


def _check_source(source: str) -> None:
    if source not in CROSSWALK:
        raise ValueError(
            f"Unknown source {source!r}; the crosswalk knows {', '.join(CROSSWALK)} "
            "(lower-case ids, as RADKIT_IMAGES spells them)."
        )


def check_findings(findings: str | Sequence[str], *, allowed: Sequence[str] = FINDINGS) -> list[str]:
    """``findings`` as a list, each one of ``allowed`` (default :data:`FINDINGS`); a clear error otherwise.

    Examples
    --------
    >>> check_findings("effusion")
    ['effusion']
    >>> check_findings(["tumour"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown finding(s) ['tumour']; use nodule, consolidation, ...
    """
    names = [findings] if isinstance(findings, str) else list(findings)
    if not names:
        raise ValueError(f"Ask for at least one finding, from {', '.join(allowed)}.")
    unknown = [f for f in names if f not in allowed]
    if unknown:
        raise ValueError(f"Unknown finding(s) {unknown}; use {', '.join(allowed)}.")
    return names


def source_findings(source: str) -> tuple[str, ...]:
    """The findings ``source`` has a label for, in :data:`ALL_FINDINGS` order.

    Examples
    --------
    >>> source_findings("rsna")
    ('consolidation',)
    """
    _check_source(source)
    return tuple(f for f in ALL_FINDINGS if f in CROSSWALK[source])


def source_labels(source: str, finding: str) -> tuple[str, ...]:
    """The raw label strings of ``source`` that make up ``finding``.

    Raises a ``ValueError`` that lists what the source does have when it
    lacks the finding, and which sources have it.

    Examples
    --------
    >>> source_labels("nih", "nodule")
    ('Nodule', 'Mass')
    >>> source_labels("rsna", "effusion")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: RSNA Pneumonia Detection Challenge has no effusion label; it has consolidation ...
    """
    _check_source(source)
    if finding not in ALL_FINDINGS:
        raise ValueError(
            f"Unknown finding {finding!r}; radkit's findings are {', '.join(FINDINGS)} "
            f"(and, for the label tables, {', '.join(EXTRA_FINDINGS)})."
        )
    mapping = CROSSWALK[source]
    if finding not in mapping:
        has = ", ".join(f"{f} (from {' or '.join(map(repr, mapping[f]))})" for f in FINDINGS if f in mapping)
        others = [s for s, m in CROSSWALK.items() if finding in m]
        raise ValueError(
            f"{SOURCE_NAMES[source]} has no {finding} label; it has {has}. Choose one of those "
            f"findings, or another source (RADKIT_IMAGES={', '.join(others[:-1])} or {others[-1]} "
            f"have {finding})."
        )
    return mapping[finding]


def finding_table(findings: Sequence[str] = FINDINGS) -> pd.DataFrame:
    """Findings (rows) by source (columns): the raw labels used, blank where the source has none.

    Examples
    --------
    >>> finding_table().loc["effusion", "chexpert"]
    'Pleural Effusion'
    """
    names = check_findings(findings, allowed=ALL_FINDINGS)
    return pd.DataFrame({s: {f: " | ".join(m.get(f, ())) for f in names} for s, m in CROSSWALK.items()}).rename_axis(
        index="finding"
    )


def map_findings(labels: pd.DataFrame, source: str, findings: Sequence[str]) -> pd.DataFrame:
    """Finding columns from a source's raw label table (any listed raw label positive -> 1).

    Parameters
    ----------
    labels : pandas.DataFrame
        One column per raw label, named as the source spells it (see
        :data:`CROSSWALK`), values 1/0/NaN (NaN unknown). A finding needs at
        least one of its raw labels as a column.
    source : str
        Key of :data:`CROSSWALK`.
    findings : sequence of str
        Findings the source has (:func:`source_findings`).

    Returns
    -------
    pandas.DataFrame
        One float32 column per finding, same index as ``labels``: 1 if any
        mapped label is 1, 0 if all known ones are 0, NaN if all are unknown.

    Examples
    --------
    >>> t = pd.DataFrame({"Nodule": [1.0, 0.0, 0.0], "Mass": [0.0, 1.0, 0.0]})
    >>> map_findings(t, "nih", ["nodule"])["nodule"].tolist()
    [1.0, 1.0, 0.0]
    """
    out = {}
    for finding in check_findings(findings, allowed=ALL_FINDINGS):
        names = source_labels(source, finding)
        present = [n for n in names if n in labels.columns]
        if not present:
            raise ValueError(
                f"The {source} label table has no column {' or '.join(map(repr, names))} for "
                f"{finding}; its columns are {list(labels.columns)[:20]}. Check that the label file "
                "is the official release (see datasets/README.md)."
            )
        cols = labels[present].astype(float)
        any_pos = (cols == 1).any(axis=1)
        all_unknown = cols.isna().all(axis=1)
        out[finding] = np.where(any_pos, 1.0, np.where(all_unknown, np.nan, 0.0)).astype(np.float32)
    return pd.DataFrame(out, index=labels.index)
