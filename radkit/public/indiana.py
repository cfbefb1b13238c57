"""Indiana University chest X-ray reports (OpenI) and their DICOM headers."""

from __future__ import annotations

import re
import tarfile
import xml.etree.ElementTree as ET
from functools import lru_cache

import pandas as pd

from radkit.public._files import data_file, disk_cached

__all__ = ["indiana_reports", "indiana_dicom_metadata"]

_REPORTS = "NLMCXR_reports.tgz"
_HEADERS = "nlmcxr_dicom_metadata.csv.gz"
_SECTIONS = ("comparison", "indication", "findings", "impression")


def _text(node: ET.Element | None) -> str | None:
    text = (node.text or "").strip() if node is not None else ""
    return text or None


def _parse(xml: bytes) -> dict:
    root = ET.fromstring(xml)
    uid = root.find("uId").get("id")
    row: dict = {"uid": uid, "report_id": int(root.find("IUXRId").get("id"))}
    for section in _SECTIONS:
        row[section] = _text(root.find(f".//AbstractText[@Label='{section.upper()}']"))
    row["mesh_major"] = [t for t in (_text(n) for n in root.iterfind("MeSH/major")) if t]
    row["mesh_automatic"] = [t for t in (_text(n) for n in root.iterfind("MeSH/automatic")) if t]
    row["image_ids"] = [n.get("id") for n in root.iterfind("parentImage")]
    return row


def _build(path) -> pd.DataFrame:
    rows = []
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".xml"):
                rows.append(_parse(archive.extractfile(member).read()))
    out = pd.DataFrame(rows).sort_values("report_id", ignore_index=True)
    out["n_images"] = out["image_ids"].map(len).astype("int64")
    return out


@lru_cache(maxsize=1)
def _reports() -> pd.DataFrame:
    return disk_cached(_REPORTS, _build)


def indiana_reports() -> pd.DataFrame:
    """Indiana University chest X-ray reports (Demner-Fushman et al., JAMIA 2016).

    3,955 de-identified radiology reports from the OpenI collection, read
    straight from the shipped tar of XML files (nothing is extracted). MeSH
    "major" codes were assigned manually by coders; "automatic" codes come
    from the MTI indexing software. Words replaced by de-identification show
    as ``XXXX``.

    Returns
    -------
    pandas.DataFrame
        - ``uid`` (str, e.g. ``CXR1``), ``report_id`` (int).
        - ``comparison``, ``indication``, ``findings``, ``impression``
          (str, None when the section is empty).
        - ``mesh_major`` (list of str): manual codes, e.g.
          ``"Cardiomegaly/borderline"`` or ``"normal"``.
        - ``mesh_automatic`` (list of str): automatic codes (often empty).
        - ``image_ids`` (list of str): images of the study, e.g.
          ``CXR1_1_IM-0001-3001`` (joins to :func:`indiana_dicom_metadata`).
        - ``n_images`` (int).

    Examples
    --------
    >>> from radkit.public import indiana_reports
    >>> df = indiana_reports()
    >>> df.loc[df["uid"] == "CXR1", "mesh_major"].item()
    ['normal']
    """
    out = _reports().copy()
    for column in ("mesh_major", "mesh_automatic", "image_ids"):
        out[column] = [list(items) for items in out[column]]
    return out


def _snake(name: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z]+", "_", name.replace("'s", "s")).strip("_").lower()
    return {"imageid": "image_id"}.get(name, name)


@lru_cache(maxsize=1)
def _headers() -> pd.DataFrame:
    raw = pd.read_csv(data_file(_HEADERS), dtype=str, keep_default_na=False, na_values=[""])
    names = {c: _snake(c) for c in raw.columns}
    out = raw.rename(columns=names)
    out.attrs["dicom_names"] = {v: k for k, v in names.items()}
    return out


def indiana_dicom_metadata() -> pd.DataFrame:
    """DICOM header fields of the 7,469 Indiana University images, one row per image.

    A real example of what a "de-identified" header still contains: the
    table keeps birth dates, study dates, accession numbers and UIDs as
    shipped (some were replaced by surrogates). Use it for the
    de-identification lesson; do not treat the values as verified.

    Returns
    -------
    pandas.DataFrame
        ``image_id`` then one column per DICOM attribute in the file, renamed
        to snake_case (``"Patient's Birth Date"`` -> ``patients_birth_date``).
        All values are str (NaN when blank), exactly as shipped, because
        the lesson is about the raw header text. ``df.attrs["dicom_names"]``
        maps each column back to the attribute name.

    Examples
    --------
    >>> from radkit.public import indiana_dicom_metadata
    >>> df = indiana_dicom_metadata()
    >>> df.attrs["dicom_names"]["patients_birth_date"]
    "Patient's Birth Date"
    """
    out = _headers().copy()
    out.attrs = {"dicom_names": dict(_headers().attrs["dicom_names"])}
    return out
