"""Drift in real metadata: PadChest (Hospital San Juan, 2009-2017) from the tables torchxrayvision ships.

No images are needed to see that a hospital's data move: the scanner mix, the
mix of views and the labelling method all change over the years, and each
changes what a finding's prevalence looks like.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments

__all__ = ["direct_standardize", "padchest_by_year", "raw_label_rates"]


@renamed_arguments(by="groups")
def direct_standardize(
    data: pd.DataFrame, *, outcome: str, stratum: str, groups: str, reference: object
) -> pd.DataFrame:
    """Crude and directly standardised rates of ``outcome`` per group of the column ``groups``.

    The standardised rate of a group is the average of its stratum-specific
    rates weighted by the stratum mix of the ``reference`` group: what the
    rate would have been had the mix (e.g. of views) not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"year": [1, 1, 1, 1, 2, 2, 2, 2],
    ...                   "ap":   [1, 1, 0, 0, 1, 0, 0, 0],
    ...                   "y":    [1, 0, 0, 0, 1, 0, 0, 0]})
    >>> direct_standardize(d, outcome="y", stratum="ap", groups="year", reference=1).round(3).to_dict("list")
    {'crude': [0.25, 0.25], 'standardized': [0.25, 0.5]}
    """
    for c in (outcome, stratum, groups):
        if c not in data.columns:
            raise ValueError(f"column {c!r} is not in the table; columns are {list(data.columns)[:12]}...")
    if reference not in set(data[groups]):
        raise ValueError(f"reference={reference!r} is not a value of {groups!r}.")
    y = data[outcome].astype(float)
    rates = y.groupby([data[groups], data[stratum]]).mean().unstack()
    ref = data.loc[data[groups] == reference, stratum].value_counts(normalize=True)
    rates = rates.reindex(columns=ref.index)
    if rates.isna().to_numpy().any():
        raise ValueError("some group lacks a stratum present in the reference group; merge sparse strata first.")
    out = pd.DataFrame({"crude": y.groupby(data[groups]).mean(), "standardized": rates @ ref})
    out.index.name = groups
    return out


def _known_label(label: str, seen: set[str], name: str) -> None:
    """Refuse a label no image carries (a typo would otherwise give a prevalence of 0 every year)."""
    if not isinstance(label, str) or not label.strip():
        raise TypeError(f"{name} must be one PadChest label string such as 'pleural effusion', got {label!r}.")
    if label in seen or (" " + label) in seen:
        return
    import difflib

    close = difflib.get_close_matches(label.strip(), sorted({s.strip() for s in seen}), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"{name}={label!r} is not a PadChest label of any image in the table.{hint}")


def padchest_by_year(finding: str = "pleural effusion", *, years: tuple[int, int] = (2009, 2017)) -> pd.DataFrame:
    """PadChest images (one row each) within ``years`` with ``year``, ``bedside`` (AP views) and the finding.

    ``finding`` is one raw PadChest label string, matched exactly: the lesson
    follows what the file says. radkit's finding, made of all its PadChest
    labels by the one crosswalk, is ``radkit.public.finding_labels("padchest")``.

    Examples
    --------
    >>> df = padchest_by_year()
    >>> int(df["year"].min()), bool(df["finding"].dtype == bool)
    (2009, True)
    """
    from radkit.public import padchest_entries

    df = padchest_entries()
    _known_label(finding, {lab for labels in df["labels"] for lab in labels}, "finding")
    df = df.assign(year=df["study_date"].dt.year)
    df = df[df["year"].between(*years)].copy()
    df["bedside"] = df["projection"].isin(["AP", "AP_horizontal"])
    df["finding"] = df["labels"].map(lambda labels: finding in labels)
    return df[["year", "manufacturer", "projection", "bedside", "method_label", "finding"]].reset_index(drop=True)


def raw_label_rates(label: str = "pleural effusion", *, years: tuple[int, int] = (2009, 2017)) -> pd.DataFrame:
    """Per year: share of images whose raw ``Labels`` string lists ``label`` exactly, with a leading space, or either.

    The shipped file writes the same label as ``'pleural effusion'`` or
    ``' pleural effusion'``; a search for the exact string misses the second.

    Examples
    --------
    >>> r = raw_label_rates()
    >>> list(r.columns)
    ['exact', 'leading_space', 'either']
    """
    from radkit.public._files import data_file

    raw = pd.read_csv(
        data_file("PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv.gz"), usecols=["StudyDate_DICOM", "Labels"]
    )
    year = raw["StudyDate_DICOM"].astype(str).str[:4].astype(int)
    keep = year.between(*years)
    items = raw.loc[keep, "Labels"].fillna("").map(lambda s: re.findall(r"'([^']*)'", s))
    _known_label(label, {lab for it in items for lab in it}, "label")
    exact = items.map(lambda it: label in it)
    spaced = items.map(lambda it: (" " + label) in it)
    out = pd.DataFrame({"exact": exact, "leading_space": spaced, "either": exact | spaced}).groupby(year[keep]).mean()
    out.index.name = "year"
    return out.astype(np.float64)
