"""A three-way triage task on multi-label findings: normal / routine / urgent.

A reporting worklist sorts radiographs by urgency: a pneumothorax needs a
clinician within the hour, a nodule or an effusion is reported in the normal
queue, a normal study can wait. :func:`triage_labels` turns per-finding labels
into that one class per image, and :data:`TRIAGE_COST` is a cost matrix a
clinician could argue about (every number is in the units of "one unnecessary
urgent review").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from radkit.costs.matrix import CostMatrix

__all__ = ["TRIAGE_CLASSES", "TRIAGE_COST", "triage_labels"]

#: Class names, in index order.
TRIAGE_CLASSES = ("normal", "routine", "urgent")

#: Rows: true class; columns: the queue the image is sent to.
#: normal -> routine queue: a radiologist reads a normal study sooner than needed (0.5);
#: normal -> urgent: an unnecessary urgent review (1, the unit);
#: routine -> normal: a finding is reported late, days later (4);
#: routine -> urgent: an urgent slot spent on a non-urgent finding (1);
#: urgent -> normal: a pneumothorax waits in the slow queue, possibly for days (50);
#: urgent -> routine: it waits hours in the routine queue (10).
TRIAGE_COST = CostMatrix.from_array(
    [[0.0, 0.5, 1.0], [4.0, 0.0, 1.0], [50.0, 10.0, 0.0]],
    classes=TRIAGE_CLASSES,
)


def triage_labels(
    labels: pd.DataFrame, *, urgent: Sequence[str] = ("pneumothorax",), routine: Sequence[str] | None = None
) -> np.ndarray:
    """One triage class per image from 0/1 finding columns: 0 normal, 1 routine, 2 urgent.

    An image with any ``urgent`` finding is urgent (whatever else it shows);
    otherwise with any ``routine`` finding (default: every other column) it is
    routine; otherwise normal.

    Examples
    --------
    >>> df = pd.DataFrame({"nodule": [0, 1, 1, 0], "pneumothorax": [0, 0, 1, 1]})
    >>> triage_labels(df).tolist()
    [0, 1, 2, 2]
    """
    if not isinstance(labels, pd.DataFrame):
        raise TypeError(f"labels must be a DataFrame of 0/1 finding columns, got {type(labels).__name__}.")
    urgent = list(urgent)
    routine = [c for c in labels.columns if c not in urgent] if routine is None else list(routine)
    missing = [c for c in [*urgent, *routine] if c not in labels.columns]
    if missing:
        raise KeyError(f"no finding column(s) {missing}; the labels have {list(labels.columns)}.")
    if not urgent:
        raise ValueError("name at least one urgent finding, e.g. urgent=('pneumothorax',).")
    both = sorted(set(urgent) & set(routine))
    if both:
        raise ValueError(f"{both} are listed as both urgent and routine; put each finding in one list.")
    values = labels[[*urgent, *routine]].to_numpy(dtype=np.float64)
    if np.isnan(values).any():
        raise ValueError(
            "the finding labels contain NaN (unknown); resolve them before triage "
            "(e.g. treat unknown as positive for urgent findings)."
        )
    odd = sorted(set(np.unique(values).tolist()) - {0.0, 1.0})
    if odd:
        code = (
            " -1 is CheXpert's 'uncertain' code: load with chexpert_labels(uncertain='ones' or 'zeros') to choose "
            "a policy (for urgent findings 'ones' errs on the safe side)."
            if -1.0 in odd
            else " Binarise them first, e.g. (labels > 0).astype(int)."
        )
        raise ValueError(f"triage needs 0/1 finding labels, but they hold {odd[:6]}.{code}")
    is_urgent = values[:, : len(urgent)].max(axis=1) >= 0.5
    is_routine = values[:, len(urgent) :].max(axis=1, initial=0.0) >= 0.5
    return np.where(is_urgent, 2, np.where(is_routine, 1, 0)).astype(np.int64)
