"""What the public chest radiograph label sets offer an external validation.

:func:`label_sources` counts, from the label files that ship with
torchxrayvision (:mod:`radkit.public`, no images), how many images each set
has, how its labels were made, what share carries expert labels, and how many
positives it holds for a few findings: the reference standard an external
validation on that set would inherit.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["SOURCE_COLUMNS", "label_sources"]

#: Each finding's column (NIH, CheXpert, VinDr) or label string (PadChest) in the shipped tables.
SOURCE_COLUMNS = {
    "effusion": {"nih": "effusion", "chexpert": "pleural_effusion", "padchest": "pleural effusion",
                 "vindr": "Pleural effusion"},
    "cardiomegaly": {"nih": "cardiomegaly", "chexpert": "cardiomegaly", "padchest": "cardiomegaly",
                     "vindr": "Cardiomegaly"},
    "pneumothorax": {"nih": "pneumothorax", "chexpert": "pneumothorax", "padchest": "pneumothorax",
                     "vindr": "Pneumothorax"},
}


def label_sources(*, findings: tuple[str, ...] = ("effusion", "cardiomegaly", "pneumothorax")) -> pd.DataFrame:
    """Images, label origin, share with expert labels and positives per finding, per public set.

    Positives: NIH and CheXpert count a report-mined positive (CheXpert's
    'uncertain' is not counted); PadChest a label string in the report's
    labels; VinDr-CXR (train) an image that at least two of its three
    radiologists marked. Loading the four tables takes a few seconds.

    Parameters
    ----------
    findings : tuple of str
        Keys of :data:`SOURCE_COLUMNS`.

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
    >>> label_sources(findings=("nodule",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: findings must be a non-empty tuple of ['cardiomegaly', 'effusion', 'pneumothorax'], got ...
    """
    findings = tuple(findings)
    unknown = [f for f in findings if f not in SOURCE_COLUMNS]
    if not findings or unknown:
        raise ValueError(f"findings must be a non-empty tuple of {sorted(SOURCE_COLUMNS)}, got {findings!r}; "
                         "add the finding's column names to SOURCE_COLUMNS to count another one.")
    from radkit import public

    cols = {f: SOURCE_COLUMNS[f] for f in findings}
    nih = public.nih_entries()
    adjudicated = public.nih_google_adjudicated()
    chex = public.chexpert_labels(uncertain="keep")
    padchest = public.padchest_entries()
    votes = public.vindr_reader_labels().groupby(["item", "finding"], observed=True)["label"].sum().unstack()
    pad_labels = padchest["labels"].apply(lambda ls: set(ls) if isinstance(ls, list) else set())
    rows = {
        "NIH ChestX-ray14": {
            "images": len(nih), "labels from": "NLP of reports",
            "share with expert labels": len(adjudicated) / len(nih),
            **{f: int(nih[c["nih"]].sum()) for f, c in cols.items()}},
        "CheXpert": {
            "images": len(chex), "labels from": "NLP of reports ('uncertain' kept); expert sets not shipped",
            "share with expert labels": 0.0,
            **{f: int((chex[c["chexpert"]] == 1).sum()) for f, c in cols.items()}},
        "PadChest": {
            "images": len(padchest), "labels from": "physicians (part), RNN (rest)",
            "share with expert labels": float((padchest["method_label"] == "Physician").mean()),
            **{f: int(pad_labels.apply(lambda s, t=c["padchest"]: t in s).sum()) for f, c in cols.items()}},
        "VinDr-CXR (train)": {
            "images": votes.shape[0], "labels from": "3 radiologists each, not adjudicated",
            "share with expert labels": 1.0,
            **{f: int((votes[c["vindr"]] >= 2).sum()) for f, c in cols.items()}},
    }
    out = pd.DataFrame(rows).T
    out["share with expert labels"] = out["share with expert labels"].astype(float)
    return out
