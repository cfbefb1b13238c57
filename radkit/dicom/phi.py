"""The PHI report: which header elements (or header-table columns) may identify a patient."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pandas as pd
from pydicom.datadict import DicomDictionary, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from radkit.dicom._common import _as_dataset
from radkit.dicom._rules import _RULES, ACTIONS, _rule, _walk

__all__ = ["phi_report", "phi_columns"]


def _preview(value: Any, limit: int = 40) -> str:
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, Sequence):
        return f"<sequence of {len(value)} item(s)>"
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def phi_report(ds: Dataset | str | os.PathLike, *, keep_dates: bool = False) -> pd.DataFrame:
    """List header elements that may identify a patient, and what :func:`deidentify` does.

    The rules follow the whole DICOM PS3.15 Annex E Basic Application Level
    Confidentiality Profile table (:data:`BASIC_PROFILE`, ~650 attributes:
    names, IDs, issuers, addresses, insurance, occupation, military rank,
    admissions, institutions, physicians, operators, devices, protocol names,
    comments and descriptions, UIDs, dates), where a compound action takes
    the standard's first choice. On top of the table: every person name (VR
    PN) at any depth is removed (emptied where the table says Z); patient
    name and ID become pseudonyms; the birth date is removed; every
    non-registered UID is remapped and every date/time emptied, listed or
    not; private tags are removed. Sequences are searched recursively.
    The file meta information (group 0002) is listed too, with locations
    ``file_meta.<keyword>``: station AE titles, presentation addresses and
    private information are removed, the media storage instance UID is
    replaced; the transfer syntax, SOP class and the implementation (writing
    software) UID and version name are kept. Patient age, sex, size and weight are kept (:data:`RETAINED`, the Annex E
    "Retain Patient Characteristics Option"); ``BurnedInAnnotation=YES`` is
    listed for review because pixels are not inspected.

    Parameters
    ----------
    ds : pydicom Dataset or path
    keep_dates : bool, keyword-only
        Report dates/times as kept (as ``deidentify(keep_dates=True)`` does).

    Returns
    -------
    pandas.DataFrame
        Columns ``tag``, ``keyword``, ``location``, ``VR``, ``value``
        (preview, at most 40 characters), ``why``, ``action`` (Annex E code
        and words); one row per flagged, non-empty element.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> rep = phi_report(get_testdata_file("CT_small.dcm"))
    >>> "PatientName" in set(rep["keyword"])
    True
    """
    dataset = _as_dataset(ds)
    rows = []
    meta = getattr(dataset, "file_meta", None)
    elements = [*(_walk(meta, "file_meta.") if meta is not None else ()), *_walk(dataset)]
    for location, _, elem in elements:
        if elem.tag == 0x7FE00010 or elem.value in (None, "", b"") or (elem.VR == "SQ" and not elem.value):
            continue  # pixel data, or nothing left to leak
        rule = _rule(elem.keyword, elem.VR, elem.tag, elem.value)
        if rule is None:
            continue
        why, code = rule
        if keep_dates and code == "Z" and elem.VR in ("DA", "DT", "TM") and elem.keyword not in _RULES:
            code = "K"
        rows.append(
            {
                "tag": f"({elem.tag.group:04X},{elem.tag.element:04X})",
                "keyword": elem.keyword or "(private)",
                "location": location,
                "VR": elem.VR,
                "value": _preview(elem.value),
                "why": why,
                "action": ACTIONS.get(code, "K keep (keep_dates=True)"),
            }
        )
    return pd.DataFrame(rows, columns=["tag", "keyword", "location", "VR", "value", "why", "action"])


@lru_cache(maxsize=1)
def _name_index() -> dict[str, tuple[int, str, str]]:
    """Normalised keyword/name → (tag, VR, keyword) over pydicom's dictionary."""
    index: dict[str, tuple[int, str, str]] = {}
    for tag, (vr, _vm, name, _retired, keyword) in DicomDictionary.items():
        for label in (name, keyword):
            key = re.sub(r"[^a-z0-9]", "", label.lower())
            if key:
                index.setdefault(key, (tag, vr, keyword))
    return index


def phi_columns(df: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """Flag columns of a DICOM header table whose names look identifying.

    Column names are matched to DICOM elements by keyword or by name
    (``"Patient's Name"``, ``"PatientName"`` and ``"patient_name"`` all
    match), then judged with the rules of :func:`phi_report`. Columns that
    match no element are not flagged, so read the rest yourself.

    Parameters
    ----------
    df : pandas.DataFrame (or any mapping of column names)

    Returns
    -------
    pandas.DataFrame
        Columns ``column``, ``keyword``, ``tag``, ``why``, ``action``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(columns=["Patient's Name", "Rows", "Study Date"])
    >>> phi_columns(table)["column"].tolist()
    ["Patient's Name", 'Study Date']
    """
    if not hasattr(df, "keys"):
        raise TypeError(f"expected a DataFrame or mapping of columns, got {type(df).__name__}.")
    index = _name_index()
    rows = []
    for column in df:
        hit = index.get(re.sub(r"[^a-z0-9]", "", str(column).lower()))
        if hit is None:
            continue
        tag, vr, keyword = hit
        # UI columns: instance UIDs identify; class and transfer syntax UIDs do not
        sample = "9.9" if vr == "UI" and not re.search(r"Class|TransferSyntax|Creator", keyword) else None
        rule = _rule(keyword, vr, tag, sample)
        if rule is not None:
            rows.append(
                {
                    "column": column,
                    "keyword": keyword or keyword_for_tag(tag),
                    "tag": f"({tag >> 16:04X},{tag & 0xFFFF:04X})",
                    "why": rule[0],
                    "action": ACTIONS[rule[1]],
                }
            )
    return pd.DataFrame(rows, columns=["column", "keyword", "tag", "why", "action"])
