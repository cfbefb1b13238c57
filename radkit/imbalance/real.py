"""How imbalanced real chest X-ray label tables are: prevalence of each finding in NIH, CheXpert, PadChest, VinDr."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["REAL_DATASETS", "real_prevalence"]

REAL_DATASETS = ("NIH", "CheXpert", "PadChest", "VinDr")

# one name per finding across the tables (the tables spell them differently)
_NIH = {"atelectasis": "atelectasis", "cardiomegaly": "cardiomegaly", "consolidation": "consolidation",
        "edema": "edema", "effusion": "pleural effusion", "emphysema": "emphysema", "fibrosis": "fibrosis",
        "hernia": "hernia", "infiltration": "infiltration", "mass": "mass", "nodule": "nodule",
        "pleural_thickening": "pleural thickening", "pneumonia": "pneumonia", "pneumothorax": "pneumothorax"}
_CHEXPERT = {"atelectasis": "atelectasis", "cardiomegaly": "cardiomegaly", "consolidation": "consolidation",
             "edema": "edema", "pleural_effusion": "pleural effusion", "pneumonia": "pneumonia",
             "pneumothorax": "pneumothorax", "lung_opacity": "lung opacity", "lung_lesion": "nodule or mass",
             "fracture": "fracture", "enlarged_cardiomediastinum": "enlarged cardiomediastinum"}
_PADCHEST = {"atelectasis": "atelectasis", "cardiomegaly": "cardiomegaly", "consolidation": "consolidation",
             "pulmonary edema": "edema", "pleural effusion": "pleural effusion", "emphysema": "emphysema",
             "pulmonary fibrosis": "fibrosis", "hiatal hernia": "hernia", "infiltrates": "infiltration",
             "mass": "mass", "nodule": "nodule", "pleural thickening": "pleural thickening",
             "pneumonia": "pneumonia", "pneumothorax": "pneumothorax", "rib fracture": "fracture"}
_VINDR = {"Atelectasis": "atelectasis", "Cardiomegaly": "cardiomegaly", "Consolidation": "consolidation",
          "Pleural effusion": "pleural effusion", "Pulmonary fibrosis": "fibrosis", "Infiltration": "infiltration",
          "Nodule/Mass": "nodule or mass", "Pleural thickening": "pleural thickening",
          "Pneumothorax": "pneumothorax", "Lung Opacity": "lung opacity", "Aortic enlargement": "aortic enlargement"}


def _rows(dataset: str, positives: pd.Series, n: int) -> pd.DataFrame:
    return pd.DataFrame({"dataset": dataset, "finding": positives.index, "positives": positives.to_numpy(int),
                         "images": n, "prevalence": positives.to_numpy(float) / n})


def real_prevalence(datasets: Sequence[str] = REAL_DATASETS) -> pd.DataFrame:
    """Prevalence of each finding in the label tables shipped with torchxrayvision (no images needed).

    NIH ChestX-ray14 and PadChest count images whose (report-mined) labels
    include the finding; CheXpert counts positives with uncertain and blank
    mentions as negative (U-Zeros); VinDr-CXR counts an image as positive when
    at least two of its three radiologists marked the finding.

    Parameters
    ----------
    datasets : sequence of str
        Any of :data:`REAL_DATASETS`.

    Returns
    -------
    pandas.DataFrame
        ``dataset, finding, positives, images, prevalence``, one row per finding per dataset,
        with findings under one common name.

    Examples
    --------
    >>> t = real_prevalence(["NIH"])
    >>> t.set_index("finding").loc["hernia", "positives"]
    np.int64(227)
    """
    unknown = [d for d in datasets if d not in REAL_DATASETS]
    if unknown:
        raise ValueError(f"Unknown dataset(s) {unknown}; choose from {', '.join(REAL_DATASETS)}.")
    from radkit import public

    parts = []
    if "NIH" in datasets:
        nih = public.nih_entries()
        parts.append(_rows("NIH", nih[list(_NIH)].sum().rename(_NIH), len(nih)))
    if "CheXpert" in datasets:
        cx = public.chexpert_labels(uncertain="zeros", blank="zeros")
        parts.append(_rows("CheXpert", cx[list(_CHEXPERT)].sum().rename(_CHEXPERT), len(cx)))
    if "PadChest" in datasets:
        pc = public.padchest_entries()
        per_image = pc["labels"].explode().dropna().reset_index().drop_duplicates()  # each label once per image
        counts = per_image["labels"].value_counts().reindex(list(_PADCHEST), fill_value=0)
        parts.append(_rows("PadChest", counts.rename(_PADCHEST), len(pc)))
    if "VinDr" in datasets:
        vd = public.vindr_reader_labels()
        n = vd["item"].nunique()
        marked = vd[(vd["label"] == 1) & vd["finding"].isin(list(_VINDR))]
        votes = marked.groupby(["item", "finding"], observed=True).size()
        majority = (votes >= 2).groupby(level="finding", observed=True).sum()
        parts.append(_rows("VinDr", majority.rename(_VINDR).reindex(list(_VINDR.values())).fillna(0), n))
    out = pd.concat(parts, ignore_index=True)
    return out.groupby(["dataset", "finding"], sort=False, as_index=False).agg(
        positives=("positives", "sum"), images=("images", "first")).assign(
        prevalence=lambda t: t["positives"] / t["images"]).astype({"positives": np.int64})
