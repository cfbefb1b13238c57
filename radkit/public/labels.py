"""Each shipped table's labels as one wide table of raw label strings, and as radkit's findings.

:func:`raw_labels` gives one row per image (per report for Indiana) and one
column per raw label, spelled as the source's files spell it (the keys of
:data:`radkit.findings.CROSSWALK`); :func:`finding_labels` maps them to the
kit's findings with :func:`radkit.findings.map_findings`. Every count of a
finding in the public tables (``radkit.imbalance.real_prevalence``,
``radkit.validation.label_sources``) goes through these two, so the same
finding has the same positives everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from radkit.findings import CROSSWALK, map_findings, source_findings, source_labels

__all__ = ["RAW_LABEL_SOURCES", "raw_labels", "finding_labels", "READER_POLICIES"]

#: Sources whose shipped table :func:`raw_labels` reads.
RAW_LABEL_SOURCES = ("nih", "chexpert", "rsna", "vindr", "padchest", "indiana")
#: How VinDr-CXR's three readers make one label: more than half of them, or any.
READER_POLICIES = ("majority", "any")


def _nih() -> pd.DataFrame:
    from radkit.public.nih import NIH_FINDINGS, _snake, nih_entries

    e = nih_entries()
    return pd.DataFrame(
        {raw: e[_snake(raw)].to_numpy(np.float64) for raw in NIH_FINDINGS},
        index=pd.Index(e["image_id"], name="image_id"),
    )


def _chexpert(uncertain: str, blank: str) -> pd.DataFrame:
    from radkit.public.chexpert import CHEXPERT_COLUMNS, CHEXPERT_FINDINGS, chexpert_labels

    c = chexpert_labels(uncertain=uncertain, blank=blank)
    return pd.DataFrame(
        {raw: c[snake].to_numpy(np.float64) for raw, snake in zip(CHEXPERT_COLUMNS, CHEXPERT_FINDINGS)},
        index=pd.Index(c["path"], name="image_id"),
    )


def _rsna() -> pd.DataFrame:
    from radkit.public.rsna import rsna_entries

    r = rsna_entries()
    return pd.DataFrame({"Target": r["target"].to_numpy(np.float64)}, index=pd.Index(r["patient_id"], name="image_id"))


def _vindr(readers: str) -> pd.DataFrame:
    from radkit.public.vindr import vindr_reader_labels

    v = vindr_reader_labels()
    votes = v.pivot_table(index="item", columns="finding", values="label", aggfunc="sum", observed=True)
    n = v.groupby("item", observed=True)["reader"].nunique().reindex(votes.index)
    positive = votes.gt(n.to_numpy()[:, None] / 2) if readers == "majority" else votes.gt(0)
    out = positive.astype(np.float64)
    out.columns = [str(c) for c in out.columns]
    return out.rename_axis(index="image_id")


def _padchest(labels: Sequence[str] | None) -> pd.DataFrame:
    from radkit.public.padchest import padchest_entries

    p = padchest_entries()
    sets = p["labels"].map(frozenset)
    wanted = sorted({x for s in sets for x in s}) if labels is None else list(labels)
    unknown = sets.map(len).eq(0).to_numpy()  # no labels in the file: unknown, not negative
    return pd.DataFrame(
        {w: np.where(unknown, np.nan, sets.map(lambda s, w=w: w in s).to_numpy(np.float64)) for w in wanted},
        index=pd.Index(p["image_id"], name="image_id"),
    )


def _indiana(labels: Sequence[str] | None) -> pd.DataFrame:
    from radkit.public.indiana import indiana_reports

    r = indiana_reports()
    heads = r["mesh_major"].map(lambda codes: frozenset(c.split("/")[0].strip() for c in codes))
    wanted = sorted({x for s in heads for x in s}) if labels is None else list(labels)
    return pd.DataFrame(
        {w: heads.map(lambda s, w=w: w in s).to_numpy(np.float64) for w in wanted},
        index=pd.Index(r["uid"], name="image_id"),
    )


def raw_labels(
    source: str,
    *,
    labels: Sequence[str] | None = None,
    uncertain: str = "zeros",
    blank: str = "zeros",
    readers: str = "majority",
) -> pd.DataFrame:
    """One source's shipped labels, one float column (1/0/NaN) per raw label string, one row per image.

    Parameters
    ----------
    source : {"nih", "chexpert", "rsna", "vindr", "padchest", "indiana"}
    labels : sequence of str, optional, keyword-only
        Keep only these raw labels (PadChest has 190, Indiana over 100);
        default all.
    uncertain, blank : str, keyword-only
        CheXpert's policies, as in :func:`radkit.public.chexpert_labels`;
        default U-Zeros with unmentioned as negative.
    readers : {"majority", "any"}, keyword-only
        VinDr-CXR: positive when more than half of the image's readers (2 of
        3) marked the finding, or when any did.

    Returns
    -------
    pandas.DataFrame
        Index ``image_id`` (NIH file name, CheXpert path, RSNA patientId, VinDr
        image id, PadChest ImageID, Indiana report uid). PadChest images
        whose report has no labels are NaN (unknown), not negative.

    Examples
    --------
    >>> t = raw_labels("nih")
    >>> int(t["Effusion"].sum())
    13317
    """
    if source not in RAW_LABEL_SOURCES:
        raise ValueError(f"Unknown source {source!r}; raw_labels reads {', '.join(RAW_LABEL_SOURCES)}.")
    if readers not in READER_POLICIES:
        raise ValueError(f"readers={readers!r}: use 'majority' (more than half of the readers) or 'any'.")
    if source == "nih":
        out = _nih()
    elif source == "chexpert":
        out = _chexpert(uncertain, blank)
    elif source == "rsna":
        out = _rsna()
    elif source == "vindr":
        out = _vindr(readers)
    elif source == "padchest":
        return _padchest(labels)
    else:
        return _indiana(labels)
    if labels is not None:
        absent = [x for x in labels if x not in out.columns]
        if absent:
            raise ValueError(f"{source} has no raw label(s) {absent}; it has {list(out.columns)}.")
        out = out[list(labels)]
    return out


def finding_labels(source: str, findings: Sequence[str] | None = None, **policies: str) -> pd.DataFrame:
    """radkit's findings for every image of a shipped table, through :data:`radkit.findings.CROSSWALK`.

    Parameters
    ----------
    source : str
        As in :func:`raw_labels`.
    findings : sequence of str, optional
        Default: every finding the source has (:func:`radkit.findings.source_findings`).
    **policies
        ``uncertain``, ``blank``, ``readers``: passed to :func:`raw_labels`.

    Returns
    -------
    pandas.DataFrame
        One float32 column per finding (1/0/NaN), indexed by image.

    Examples
    --------
    >>> t = finding_labels("nih", ["nodule"])
    >>> int(t["nodule"].sum()) == int(raw_labels("nih")[["Nodule", "Mass"]].max(axis=1).sum())
    True
    """
    names = list(source_findings(source) if findings is None else findings)
    for f in names:
        source_labels(source, f)  # a clear error for a finding the source lacks
    wanted = sorted({raw for f in names for raw in CROSSWALK[source][f]})
    return map_findings(raw_labels(source, labels=wanted, **policies), source, names)
