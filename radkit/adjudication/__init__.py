"""Ambiguous ground truth: reader agreement, majority vote and label models.

Radiologists disagree, so "the label" of a chest radiograph is itself an
estimate. This module measures disagreement (Cohen's and Fleiss' kappa with
bootstrap intervals) and combines several readers' labels into one:

* :func:`majority_vote` -- one reader, one vote, with an explicit tie policy;
* :func:`dawid_skene` -- EM estimate of every reader's confusion matrix and of
  each item's posterior (Dawid & Skene 1979), K classes;
* :func:`raykar` -- "learning from crowds" (Raykar et al. 2010): reader
  sensitivity/specificity and a logistic classifier on image features, fitted
  jointly, binary.

Every function takes one *long* table with columns ``item``, ``reader`` and
``label`` (integer class codes ``0..K-1``; binary: 0 = absent, 1 = present),
one finding at a time; :func:`per_finding` applies any of them to a table that
also has a ``finding`` column. Missing labels (NaN) are dropped with a warning,
because in a long table a missing label means the same as a missing row; every
other defect (missing columns, duplicate ``(item, reader)`` rows, labels that
are not class codes, a single reader, items or readers left without any label)
raises a ``ValueError`` that says what to do.

Submodules: :mod:`~radkit.adjudication.agreement` (kappas, and the kappa to expect of
readers of known sensitivity and specificity),
:mod:`~radkit.adjudication.voting` (majority vote),
:mod:`~radkit.adjudication.label_models` (Dawid-Skene, Raykar) and
``_table`` (the input checks and coding all of them share). The labelling process
around them (consideration 04) has two more, imported by name
(``from radkit.adjudication import label_process, reader_panels``):
:mod:`~radkit.adjudication.label_process` (label quality against a reference,
label models scored against the truth, simulated adjudication) and
:mod:`~radkit.adjudication.reader_panels` (the same over many simulated reader panels).
They were ``radkit.label_process`` and ``radkit.reader_panels``; those paths still work
for one release, with a ``FutureWarning``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from radkit.adjudication._table import MAX_CLASSES
from radkit.adjudication.agreement import cohen_kappa, expected_kappa, fleiss_kappa
from radkit.adjudication.label_models import DawidSkeneResult, RaykarResult, dawid_skene, raykar
from radkit.adjudication.voting import majority_vote
from radkit.stats import Estimate

__all__ = [
    "cohen_kappa",
    "fleiss_kappa",
    "expected_kappa",
    "majority_vote",
    "dawid_skene",
    "raykar",
    "per_finding",
    "Estimate",
    "DawidSkeneResult",
    "RaykarResult",
    "MAX_CLASSES",
]


def per_finding(func: Callable[..., Any], table: pd.DataFrame, **kwargs: Any) -> dict[Any, Any]:
    """Apply ``func`` to each finding of a table with a ``finding`` column.

    Parameters
    ----------
    func : callable
        Any function of this module that takes a one-finding table first.
    table : DataFrame
        Long table with columns ``item, reader, finding, label``.
    **kwargs
        Passed to ``func`` (the same for every finding).

    Returns
    -------
    dict
        ``{finding: func(table_of_that_finding, **kwargs)}``, findings sorted
        (a categorical ``finding`` column keeps its category order).
        For :class:`radkit.stats.Estimate` results,
        ``pd.concat([e.to_frame(f) for f, e in out.items()])`` makes a table.

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.adjudication import per_finding, fleiss_kappa
    >>> t = pd.DataFrame({"item": [1, 1, 2, 2] * 2, "reader": ["A", "B"] * 4,
    ...                   "finding": ["effusion"] * 4 + ["nodule"] * 4,
    ...                   "label": [1, 1, 0, 0, 1, 0, 0, 1]})
    >>> {f: round(e.estimate, 2) for f, e in per_finding(fleiss_kappa, t).items()}
    {'effusion': 1.0, 'nodule': -1.0}
    """
    if not callable(func):
        raise TypeError(f"per_finding: func must be callable, e.g. fleiss_kappa; got {func!r}.")
    if not isinstance(table, pd.DataFrame) or "finding" not in table.columns:
        raise ValueError("per_finding: the table needs a 'finding' column; for one finding call the function directly.")
    return {
        f: func(sub.drop(columns="finding"), **kwargs) for f, sub in table.groupby("finding", sort=True, observed=True)
    }
