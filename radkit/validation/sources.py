"""What the public chest radiograph label sets offer an external validation.

:func:`label_sources` counts, from the label files that ship with
torchxrayvision (:mod:`radkit.public`, no images), how many images each set
has, how its labels were made, what share carries expert labels, and how many
positives it holds for a few findings: the reference standard an external
validation on that set would inherit. Findings are radkit's, made of each
set's raw labels by the one crosswalk (:mod:`radkit.findings`).
"""

from __future__ import annotations

import warnings

import pandas as pd

from radkit.findings import ALL_FINDINGS, CROSSWALK

__all__ = ["label_sources"]

_SETS = {"nih": "NIH ChestX-ray14", "chexpert": "CheXpert", "padchest": "PadChest", "vindr": "VinDr-CXR (train)"}


def __getattr__(name: str):
    if name == "SOURCE_COLUMNS":
        warnings.warn(
            "radkit.validation.SOURCE_COLUMNS moved: the one crosswalk is radkit.findings.CROSSWALK "
            "(source -> finding -> raw labels).",
            FutureWarning,
            stacklevel=2,
        )
        return {f: {s: CROSSWALK[s][f] for s in _SETS} for f in ALL_FINDINGS if all(f in CROSSWALK[s] for s in _SETS)}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def label_sources(*, findings: tuple[str, ...] = ("effusion", "cardiomegaly", "pneumothorax")) -> pd.DataFrame:
    """Images, label origin, share with expert labels and positives per finding, per public set.

    Positives (:func:`radkit.public.finding_labels`): NIH and CheXpert count
    a report-mined positive (CheXpert's 'uncertain' is not counted); PadChest
    an image with any of the finding's label strings; VinDr-CXR (train) an
    image that at least two of its three radiologists marked. Loading the
    four tables takes a few seconds.

    Parameters
    ----------
    findings : tuple of str
        Findings all four sets have (:data:`radkit.findings.CROSSWALK`).

    Returns
    -------
    pandas.DataFrame
        One row per set: ``images``, ``labels from``, ``share with expert labels``
        (a float in [0, 1]) and one count column per finding.

    Examples
    --------
    >>> from radkit.validation import label_sources
    >>> t = label_sources(findings=("pneumothorax",))  # doctest: +SKIP
    >>> list(t.columns)  # doctest: +SKIP
    ['images', 'labels from', 'share with expert labels', 'pneumothorax']
    >>> label_sources(findings=("hernia",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: findings must be a non-empty tuple of findings all four sets have ...
    """
    findings = tuple(findings)
    common = [f for f in ALL_FINDINGS if all(f in CROSSWALK[s] for s in _SETS)]
    unknown = [f for f in findings if f not in common]
    if not findings or unknown:
        lacking = {f: [s for s in _SETS if f not in CROSSWALK[s]] for f in unknown if f in ALL_FINDINGS}
        raise ValueError(
            f"findings must be a non-empty tuple of findings all four sets have ({', '.join(common)}), "
            f"got {findings!r}" + (f"; missing from: {lacking}" if lacking else "") + "."
        )
    from radkit import public

    counts = {
        s: public.finding_labels(s, list(findings), uncertain="zeros", blank="zeros", readers="majority")
        .sum()
        .astype(int)
        for s in _SETS
    }
    nih = public.nih_entries()
    adjudicated = public.nih_google_adjudicated()
    chex = public.chexpert_labels(uncertain="keep")
    padchest = public.padchest_entries()
    n_vindr = public.vindr_reader_labels()["item"].nunique()
    rows = {
        _SETS["nih"]: {
            "images": len(nih),
            "labels from": "NLP of reports",
            "share with expert labels": len(adjudicated) / len(nih),
        },
        _SETS["chexpert"]: {
            "images": len(chex),
            "labels from": "NLP of reports ('uncertain' kept); expert sets not shipped",
            "share with expert labels": 0.0,
        },
        _SETS["padchest"]: {
            "images": len(padchest),
            "labels from": "physicians (part), RNN (rest)",
            "share with expert labels": float((padchest["method_label"] == "Physician").mean()),
        },
        _SETS["vindr"]: {
            "images": n_vindr,
            "labels from": "3 radiologists each, not adjudicated",
            "share with expert labels": 1.0,
        },
    }
    for s, name in _SETS.items():
        rows[name].update({f: int(counts[s][f]) for f in findings})
    out = pd.DataFrame(rows).T
    out["share with expert labels"] = out["share with expert labels"].astype(float)
    return out
