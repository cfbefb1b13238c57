"""How imbalanced real chest X-ray label tables are: prevalence of each finding in NIH, CheXpert, PadChest, VinDr."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from radkit.findings import SOURCE_NAMES

__all__ = ["REAL_DATASETS", "real_prevalence"]

#: Source ids (lower case, as ``RADKIT_IMAGES`` spells them) :func:`real_prevalence` counts.
REAL_DATASETS = ("nih", "chexpert", "padchest", "vindr")
#: The display spellings this function used to take; accepted for one release with a FutureWarning.
_OLD_IDS = {"NIH": "nih", "CheXpert": "chexpert", "PadChest": "padchest", "VinDr": "vindr"}


def real_prevalence(datasets: Sequence[str] = REAL_DATASETS) -> pd.DataFrame:
    """Prevalence of each finding in the label tables shipped with torchxrayvision (no images needed).

    Findings are radkit's (:mod:`radkit.findings`), each made of the
    source's raw labels by the one crosswalk
    (:func:`radkit.public.finding_labels`). NIH ChestX-ray14 and PadChest
    count images whose (report-mined) labels include the finding (PadChest
    images without any label are left out); CheXpert counts positives with
    uncertain and blank mentions as negative (U-Zeros); VinDr-CXR counts an
    image as positive when at least two of its three radiologists marked the
    finding.

    Parameters
    ----------
    datasets : sequence of str
        Any of :data:`REAL_DATASETS`.

    Returns
    -------
    pandas.DataFrame
        ``source, dataset, finding, positives, images, prevalence``, one row per
        finding per source (``dataset`` is the source's display name).

    Examples
    --------
    >>> t = real_prevalence(["nih"])
    >>> t.set_index("finding").loc["hernia", "positives"]
    np.int64(227)
    """
    ids = []
    for d in datasets:
        if d in _OLD_IDS:
            warnings.warn(
                f"real_prevalence: dataset {d!r} is now spelled {_OLD_IDS[d]!r} (the source id).",
                FutureWarning,
                stacklevel=2,
            )
            d = _OLD_IDS[d]
        ids.append(d)
    unknown = [d for d in ids if d not in REAL_DATASETS]
    if unknown:
        raise ValueError(f"Unknown dataset(s) {unknown}; choose from {', '.join(REAL_DATASETS)}.")
    from radkit.public import finding_labels

    parts = []
    for source in ids:
        table = finding_labels(source, uncertain="zeros", blank="zeros", readers="majority")
        positives = table.sum().astype(np.int64)
        images = table.notna().sum().astype(np.int64)
        parts.append(
            pd.DataFrame(
                {
                    "source": source,
                    "dataset": SOURCE_NAMES[source],
                    "finding": table.columns,
                    "positives": positives.to_numpy(),
                    "images": images.to_numpy(),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return out.assign(prevalence=out["positives"] / out["images"])
