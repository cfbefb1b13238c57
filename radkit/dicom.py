"""Read chest radiograph DICOMs for display and strip identifying header data.

Three public jobs:

* :func:`read` turns a DICOM file into display-ready pixels in ``[0, 1]``
  (modality LUT, then VOI LUT or window, then MONOCHROME1 inversion) plus a
  small, flat metadata dict.
* :func:`phi_report` lists header elements that may identify a patient.
* :func:`deidentify` returns a copy with those elements removed, emptied or
  replaced, following the whole DICOM PS3.15 Annex E Basic Application Level
  Confidentiality Profile table (:mod:`radkit._annex_e`), plus a rule that no
  person name (VR PN) survives at any depth.

:func:`phi_columns` applies the same rules to the column names of a header
table (for example the Indiana University metadata CSV).

This is not a certified de-identification: pixel data are not inspected
(burned-in text is only *reported* through the ``BurnedInAnnotation`` flag),
free text inside structured-report content items is not rewritten, and
conformance of the result to its IOD is not checked (removing a type 1 name
keeps the patient safe but may make a strict validator complain).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import struct
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydicom
from pydicom.datadict import DicomDictionary, keyword_for_tag
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import UID, ExplicitVRLittleEndian

from radkit import _annex_e

__all__ = ["DicomError", "read", "phi_report", "deidentify", "phi_columns", "DECODER_HINT",
           "BASIC_PROFILE", "RETAINED"]

DECODER_HINT = (
    'install the optional decoders with `pip install "radkit[dicom]"` '
    "(pylibjpeg, pylibjpeg-libjpeg, pylibjpeg-openjpeg), or `pip install python-gdcm` / "
    "`conda install -c conda-forge gdcm` for the transfer syntaxes those do not cover"
)

#: Annex E action codes used in the reports (PS3.15 Table E.1-1 legend).
ACTIONS = {
    "D": "D replace with a pseudonym",
    "Z": "Z replace with an empty value",
    "X": "X remove",
    "U": "U replace UID (consistent remap)",
    "R": "review by hand (not changed automatically)",
}

#: PS3.15 Table E.1-1 (Basic Profile): tag -> (keyword, action code).
BASIC_PROFILE = _annex_e.BASIC_PROFILE

#: Kept although the Basic Profile lists them: the "Retain Patient
#: Characteristics Option" (age, sex, size, weight), which the lessons on
#: fairness and generalisation need.
RETAINED = frozenset({"PatientAge", "PatientSex", "PatientSize", "PatientWeight"})

_TEXT_VRS = {"AE", "AS", "CS", "LO", "LT", "SH", "ST", "UC", "UR", "UT"}
_MAX_LEN = {"AE": 16, "CS": 16, "SH": 16, "LO": 64, "UC": 64}

# keyword -> (why it is flagged, Annex E action applied here)
_RULES: dict[str, tuple[str, str]] = {
    "PatientName": ("patient name", "D"),
    "PatientID": ("patient identifier", "D"),
    "PatientBirthDate": ("date of birth", "X"),
    "PatientBirthTime": ("time of birth", "X"),
    "PatientAddress": ("patient address", "X"),
    "PatientTelephoneNumbers": ("patient phone number", "X"),
    "OtherPatientIDs": ("other patient identifiers", "X"),
    "OtherPatientIDsSequence": ("other patient identifiers", "X"),
    "OtherPatientNames": ("other patient names", "X"),
    "PatientMotherBirthName": ("mother's birth name", "X"),
    "MedicalRecordLocator": ("medical record locator", "X"),
    "InstitutionName": ("institution name", "X"),
    "InstitutionAddress": ("institution address", "X"),
    "InstitutionalDepartmentName": ("institution department", "X"),
    "ReferringPhysicianName": ("referring physician", "Z"),
    "ReferringPhysicianAddress": ("referring physician address", "X"),
    "ReferringPhysicianTelephoneNumbers": ("referring physician phone", "X"),
    "PerformingPhysicianName": ("performing physician", "X"),
    "NameOfPhysiciansReadingStudy": ("reading physician", "X"),
    "PhysiciansOfRecord": ("physician of record", "X"),
    "RequestingPhysician": ("requesting physician", "X"),
    "OperatorsName": ("operator name", "X"),
    "AccessionNumber": ("accession number (links to the hospital record)", "Z"),
    "StudyID": ("study identifier", "Z"),
    "DeviceSerialNumber": ("device serial number", "X"),
    "StationName": ("station name", "X"),
    "ImageComments": ("free-text comment", "X"),
    "PatientComments": ("free-text comment", "X"),
    "StudyComments": ("free-text comment", "X"),
    "AdditionalPatientHistory": ("free-text history", "X"),
    "StudyDescription": ("free-text description", "X"),
    "SeriesDescription": ("free-text description", "X"),
    "RequestedProcedureDescription": ("free-text description", "X"),
    "PerformedProcedureStepDescription": ("free-text description", "X"),
    "RequestAttributesSequence": ("request details (IDs, physicians)", "X"),
}

# DT/DA elements that version coding resources rather than date an event
_NOT_DATES = {"ContextGroupVersion", "ContextGroupLocalVersion", "MappingResourceName"}


class DicomError(ValueError):
    """A DICOM file that radkit cannot turn into an image (the message says why)."""


# --------------------------------------------------------------------------- reading


def _open(path: str | os.PathLike, *, stop_before_pixels: bool = False) -> Dataset:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"expected a pydicom Dataset or a file path, got {type(path).__name__}.")
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file; check the path (and RADKIT_DATA if you used it).")
    if p.is_dir():
        raise IsADirectoryError(f"{p}: is a folder; pass the path of one .dcm/.dicom file.")
    try:
        return pydicom.dcmread(p, stop_before_pixels=stop_before_pixels)
    except InvalidDicomError as exc:
        raise DicomError(
            f"{p.name}: not a DICOM file (no 'DICM' marker after the 128-byte preamble). "
            "Check that it is not a PNG/JPEG or a zip; if it is a preamble-less DICOM, "
            "read it with pydicom.dcmread(path, force=True) and pass the Dataset on."
        ) from exc
    except (EOFError, OSError, struct.error) as exc:
        raise DicomError(
            f"{p.name}: the file ends early or is damaged ({exc}). Download or copy it again "
            "and compare its size or checksum with the source."
        ) from exc


def _decode(ds: Dataset, name: str, frame: int) -> np.ndarray:
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise DicomError(
            f"{name}: the file has no pixel data (it may be a report, structured report or "
            "presentation state). Use the header with phi_report() or pick an image file."
        )
    tsyntax = ds.file_meta.get("TransferSyntaxUID", None) if hasattr(ds, "file_meta") else None
    try:
        arr = ds.pixel_array
    except (RuntimeError, NotImplementedError) as exc:
        ts = UID(tsyntax).name if tsyntax else "unknown transfer syntax"
        raise DicomError(
            f"{name}: cannot decode pixel data compressed as '{ts}' with the decoders "
            f"installed; {DECODER_HINT}. Original error: {str(exc).splitlines()[0]}"
        ) from exc
    except ValueError as exc:
        raise DicomError(
            f"{name}: the pixel data are shorter or longer than the header says ({exc}); "
            "the file is probably truncated: download or copy it again."
        ) from exc
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if not 0 <= frame < frames:
        raise ValueError(
            f"{name}: frame={frame} is out of range; the file has {frames} frame(s), "
            f"numbered 0..{frames - 1}" + (" (pass frame=0 or leave it out)." if frames == 1 else ".")
        )
    if frames > 1:
        arr = arr[frame]
    if _text(ds, "PhotometricInterpretation").upper() == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        try:  # stored values are indices into the palette: map them to RGB first
            arr = apply_color_lut(arr, ds)
        except (ValueError, AttributeError, KeyError) as exc:
            raise DicomError(
                f"{name}: PALETTE COLOR image whose palette cannot be applied ({exc}); the stored "
                "values are palette indices, not intensities. Convert it to grey-scale with a "
                "viewer, or fix the palette descriptor/data elements."
            ) from exc
    if arr.ndim == 3:  # colour (already RGB after pydicom's YBR conversion): luminance
        arr = arr[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return np.asarray(arr)


def _lut(arr: np.ndarray, item: Dataset) -> tuple[np.ndarray, int]:
    """Apply one LUT item (LUTDescriptor + LUTData); return values and LUT bit depth."""
    n, first, bits = (int(v) for v in item.LUTDescriptor)
    n = n or 65536
    data = item.LUTData
    if isinstance(data, bytes):  # stored as OW
        data = np.frombuffer(data, dtype="<u2" if bits > 8 else "u1")
    table = np.asarray(data, dtype=np.float64)[:n]
    idx = np.clip(np.round(arr).astype(np.int64) - first, 0, len(table) - 1)
    return table[idx], bits


def _modality(arr: np.ndarray, ds: Dataset) -> tuple[np.ndarray, str]:
    arr = arr.astype(np.float64)
    if ds.get("ModalityLUTSequence"):
        return _lut(arr, ds.ModalityLUTSequence[0])[0], "lut"
    if "RescaleSlope" in ds or "RescaleIntercept" in ds:
        slope = float(ds.get("RescaleSlope", 1) or 1)
        intercept = float(ds.get("RescaleIntercept", 0) or 0)
        return arr * slope + intercept, "rescale"
    return arr, "none"


def _window(x: np.ndarray, center: float, width: float, function: str) -> np.ndarray:
    """PS3.3 C.11.2.1.2 window to [0, 1] (LINEAR, LINEAR_EXACT or SIGMOID)."""
    if function == "SIGMOID":
        return 1.0 / (1.0 + np.exp(-4.0 * (x - center) / width))
    if function == "LINEAR_EXACT":
        c, w = center, width
    else:  # LINEAR: the standard's half-pixel offsets
        c, w = center - 0.5, width - 1.0
    if w <= 0:
        return (x > c).astype(np.float64)
    return np.clip((x - c) / w + 0.5, 0.0, 1.0)


def _first(value: Any) -> float:
    if isinstance(value, (list, tuple, MultiValue)):
        value = value[0]
    return float(value)


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    return "" if value is None else str(value).strip()


def _age_years(text: str) -> float:
    m = re.fullmatch(r"(\d{1,3})\s*([DWMY]?)", text.strip().upper())
    if not m:
        return float("nan")
    per_year = {"D": 365.25, "W": 52.1775, "M": 12.0, "Y": 1.0, "": 1.0}[m.group(2)]
    return float(m.group(1)) / per_year


def _meta(ds: Dataset, name: str) -> dict[str, Any]:
    spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing") or [float("nan")] * 2
    ts = ds.file_meta.get("TransferSyntaxUID", "") if hasattr(ds, "file_meta") else ""
    return {
        "file": name,
        "modality": _text(ds, "Modality"),
        "manufacturer": _text(ds, "Manufacturer"),
        "patient_sex": _text(ds, "PatientSex"),
        "patient_age": _age_years(_text(ds, "PatientAge")),
        "view_position": _text(ds, "ViewPosition"),
        "photometric_interpretation": _text(ds, "PhotometricInterpretation"),
        "rows": int(ds.get("Rows", 0) or 0),
        "cols": int(ds.get("Columns", 0) or 0),
        "bits_stored": int(ds.get("BitsStored", 0) or 0),
        "pixel_spacing_row": float(spacing[0]),
        "pixel_spacing_col": float(spacing[1]),
        "study_date": _text(ds, "StudyDate"),
        "transfer_syntax": UID(ts).name if ts else "",
        "transfer_syntax_uid": str(ts),
    }


def read(
    path: str | os.PathLike | Dataset,
    *,
    window: None | str | tuple[float, float] = None,
    invert_monochrome1: bool = True,
    frame: int = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Read a DICOM image as display-ready float32 pixels in ``[0, 1]``.

    Steps, as a viewer does them: decode (big-endian and any compressed
    transfer syntax pydicom has a decoder for); modality LUT (Rescale
    Slope/Intercept or Modality LUT Sequence); VOI (header VOI LUT Sequence,
    else the first header window with its VOI LUT Function LINEAR,
    LINEAR_EXACT or SIGMOID, else min-max); then MONOCHROME1 inversion so
    that bone is bright and air dark as on MONOCHROME2.

    Parameters
    ----------
    path : str, PathLike or pydicom Dataset
        A ``.dcm``/``.dicom`` file (or an already-read Dataset).
    window : None, "minmax" or (center, width), keyword-only
        ``None`` uses the header VOI; ``"minmax"`` stretches the modality
        values' range to [0, 1]; a ``(center, width)`` pair overrides the
        header (in modality units, e.g. after rescale). Header windows with
        several values use the first pair; pass another pair explicitly.
    invert_monochrome1 : bool, keyword-only
        Invert MONOCHROME1 images (default True).
    frame : int, keyword-only
        Frame of a multi-frame file (default 0).

    Returns
    -------
    pixels : numpy.ndarray
        float32, shape (rows, cols), values in [0, 1].
    meta : dict
        Flat str/int/float values: ``patient_age`` (years, nan if absent),
        ``patient_sex``, ``view_position``, ``modality``, ``manufacturer``,
        ``photometric_interpretation``, ``pixel_spacing_row/col`` (mm),
        ``rows``, ``cols``, ``study_date``, ``transfer_syntax``, and what was
        applied: ``modality_lut`` ("rescale", "lut", "none"), ``voi``
        ("lut", "window", "override", "minmax"), ``window_center``,
        ``window_width``, ``voi_function``, ``inverted``.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> px, meta = read(get_testdata_file("CT_small.dcm"))
    >>> px.shape, px.dtype.name, float(px.min()) >= 0.0, float(px.max()) <= 1.0
    ((128, 128), 'float32', True, True)
    >>> meta["modality_lut"], meta["voi"]
    ('rescale', 'minmax')
    """
    if isinstance(path, Dataset):
        ds, name = path, str(getattr(path, "filename", "") or "<Dataset>")
    else:
        ds, name = _open(path), Path(path).name
    if isinstance(window, list) and len(window) == 2:
        window = tuple(window)
    if not (window is None or (isinstance(window, str) and window == "minmax")
            or (isinstance(window, tuple) and len(window) == 2)):
        raise ValueError(f"window={window!r}: use None (header), 'minmax' or a (center, width) tuple.")
    if isinstance(window, tuple):
        try:
            center, width = float(window[0]), float(window[1])
        except (TypeError, ValueError):
            raise ValueError(f"window={window!r}: center and width must be numbers, "
                             "e.g. window=(40, 400) in modality units.") from None
        if not (np.isfinite(center) and np.isfinite(width)):
            raise ValueError(f"window={window!r}: center and width must be finite numbers "
                             "(NaN or inf gives an all-NaN image); e.g. window=(40, 400).")
        if not width > 0:
            raise ValueError(f"window width must be > 0, got {window[1]!r}.")
    if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)):
        raise TypeError(f"frame must be an int (0 for the first frame), got {frame!r}.")

    raw = _decode(ds, Path(name).name, frame)
    x, modality_lut = _modality(raw, ds)
    center = width = float("nan")
    function = ""
    if isinstance(window, tuple):
        center, width, function, voi = float(window[0]), float(window[1]), "LINEAR", "override"
        y = _window(x, center, width, function)
    elif window is None and ds.get("VOILUTSequence"):
        y, bits = _lut(x, ds.VOILUTSequence[0])
        y, voi = np.clip(y / (2.0**bits - 1), 0.0, 1.0), "lut"
    elif window is None and "WindowCenter" in ds and "WindowWidth" in ds:
        center, width = _first(ds.WindowCenter), _first(ds.WindowWidth)
        function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").upper()
        if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
            raise DicomError(f"{name}: unknown VOI LUT Function {function!r}; pass window=(center, width).")
        y, voi = _window(x, center, width, function), "window"
    else:
        lo, hi = float(x.min()), float(x.max())
        y = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
        voi = "minmax"

    photometric = _text(ds, "PhotometricInterpretation").upper()
    inverted = bool(invert_monochrome1 and photometric == "MONOCHROME1")
    if inverted:
        y = 1.0 - y
    meta = _meta(ds, Path(name).name)
    meta.update(
        modality_lut=modality_lut,
        voi=voi,
        window_center=center,
        window_width=width,
        voi_function=function,
        inverted=inverted,
    )
    return np.ascontiguousarray(y, dtype=np.float32), meta


# --------------------------------------------------------------------- PHI rules


def _walk(ds: Dataset, prefix: str = "") -> Iterator[tuple[str, Dataset, Any]]:
    """Yield (location, parent dataset, element) for every element, depth first."""
    for elem in list(ds):
        here = f"{prefix}{elem.keyword or str(elem.tag)}"
        yield here, ds, elem
        if elem.VR == "SQ" and elem.value is not None:
            for i, item in enumerate(elem.value):
                yield from _walk(item, f"{here}[{i}].")


def _is_known_uid(value: str) -> bool:
    """True for registered DICOM UIDs (SOP classes, transfer syntaxes, ...)."""
    return UID(value).name != str(UID(value))


def _resolve(action: str) -> str:
    """One code from a table entry: the standard's first choice (X/Z/U*: keep and remap)."""
    return "U*" if action == "X/Z/U*" else action.split("/")[0]


# D-coded sequences that are kept (their items are cleaned one by one): the
# report tree of a structured report and its verifying observers, and
# presentation-state graphics. Other D-coded sequences are removed.
_KEEP_D_SEQUENCES = {"ContentSequence", "VerifyingObserverSequence", "GraphicAnnotationSequence"}
_WHY_TABLE = "listed in the PS3.15 Annex E Basic Profile"


def _rule(keyword: str, vr: str, tag: int, value: Any = None) -> tuple[str, str] | None:
    """(why, action code) for an element, or None when it is kept (sequences: cleaned inside)."""
    tag = Tag(tag)
    if tag.is_private:
        return "private tag (vendor data may hold identifiers)", "X"
    if keyword in RETAINED:
        return None
    if keyword in _RULES:
        return _RULES[keyword]
    hit = _annex_e.lookup(tag)
    code = _resolve(hit[1]) if hit is not None else None
    if vr == "PN":  # every person name, at any depth: emptied where the profile says Z, else removed
        return "person name", "Z" if code == "Z" else "X"
    if code == "U*":
        return None
    if code == "D":
        if vr == "SQ":
            return None if keyword in _KEEP_D_SEQUENCES else (_WHY_TABLE, "X")
        if vr in ("DA", "DT", "TM"):
            return "date/time (narrows identity; links to hospital records)", "Z"
        if vr == "UI":
            code = "U"
        elif vr not in _TEXT_VRS or vr == "AS":
            code = "X"
    if code is not None:
        if code == "U" and vr == "UI":
            return "instance UID (links files to one patient and site)", "U"
        if vr in ("DA", "DT", "TM") and code == "Z":
            return "date/time (narrows identity; links to hospital records)", "Z"
        return _WHY_TABLE, code
    if vr == "UI" and value is not None:
        values = value if isinstance(value, (list, MultiValue)) else [value]
        if any(v and not _is_known_uid(str(v)) for v in values):
            return "instance UID (links files to one patient and site)", "U"
    if vr in ("DA", "DT", "TM") and keyword not in _NOT_DATES:
        return "date/time (narrows identity; links to hospital records)", "Z"
    if keyword == "BurnedInAnnotation" and str(value).upper() == "YES":
        return "pixels contain burned-in text: inspect images", "R"
    return None


def _as_dataset(ds_or_path: Dataset | str | os.PathLike) -> Dataset:
    if isinstance(ds_or_path, Dataset):
        return ds_or_path
    if isinstance(ds_or_path, (str, os.PathLike)):
        return _open(ds_or_path, stop_before_pixels=False)
    raise TypeError(f"expected a pydicom Dataset or a file path, got {type(ds_or_path).__name__}.")


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
    Patient age, sex, size and weight are kept (:data:`RETAINED`, the Annex E
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
    for location, _, elem in _walk(dataset):
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


# ------------------------------------------------------------------ de-identify


def _pseudonym(value: str, salt: str, prefix: str) -> str:
    digest = hashlib.sha256(f"{salt}\x00{prefix}\x00{value}".encode()).hexdigest()
    return f"{prefix}{digest[:12].upper()}"


def _new_uid(uid: str, salt: str, uid_map: dict[str, str] | None) -> str:
    if uid_map is not None and uid in uid_map:
        return uid_map[uid]
    # deterministic: a name-based (SHA-1, version 5) UUID of salt + UID, as a
    # decimal under the 2.25 root (PS3.5 B.2); at most 44 characters
    new = f"2.25.{uuid.uuid5(uuid.NAMESPACE_OID, salt + chr(0) + uid).int}"
    if uid_map is not None:
        uid_map[uid] = new
    return new


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _check_out(out: str | os.PathLike, source: Path | None, overwrite: bool) -> Path:
    """Refuse, before anything is written, every ``out`` that would destroy data."""
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a file path (str or pathlib.Path), got {type(out).__name__}.")
    target = Path(out)
    suggestion = target.with_name(f"{target.stem}-deid{target.suffix or '.dcm'}")
    if source is not None and _same_file(target, source):
        raise ValueError(
            f"out={target} is the file the dataset was read from; radkit never writes a "
            f"de-identified copy over the original, whatever overwrite says. Write it to a "
            f"new path such as {suggestion}, or to a separate output folder."
        )
    if target.is_dir():
        raise IsADirectoryError(f"out={target} is a folder; pass a file path inside it, e.g. {target / 'image.dcm'}.")
    if target.exists() and not overwrite:
        raise FileExistsError(
            f"out={target} already exists and is left untouched. Write to a new path such as "
            f"{suggestion}, or to a separate output folder."
        )
    if not target.parent.is_dir():
        raise FileNotFoundError(f"folder {target.parent} does not exist; create it first "
                                f"(Path({str(target.parent)!r}).mkdir(parents=True)).")
    return target


def _source_of(ds_or_path: Dataset | str | os.PathLike) -> Path | None:
    """The file a dataset came from: the path passed, or a Dataset's ``filename``."""
    if isinstance(ds_or_path, Dataset):
        name = getattr(ds_or_path, "filename", None)
        return Path(name) if isinstance(name, (str, os.PathLike)) and str(name) else None
    return Path(ds_or_path)


def _write(ds: Dataset, target: Path) -> None:
    if not getattr(ds, "file_meta", None):
        ds.file_meta = FileMetaDataset()
    meta = ds.file_meta
    if "TransferSyntaxUID" not in meta:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    if "SOPClassUID" in ds:
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
    if "SOPInstanceUID" in ds:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        ds.save_as(tmp, enforce_file_format=True)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _clean(ds: Dataset, *, salt: str, uid_map: dict[str, str] | None, keep_dates: bool) -> None:
    """Apply the rules in place, recursing only into sequences that are kept."""
    for elem in list(ds):
        rule = None if elem.tag == 0x7FE00010 else _rule(elem.keyword, elem.VR, elem.tag, elem.value)
        code = rule[1] if rule else "K"
        if code == "X":
            del ds[elem.tag]
            continue
        if code == "D":
            prefix = "ANON-" if elem.keyword == "PatientName" else "ID-"
            dummy = _pseudonym(str(elem.value), salt, prefix)
            if elem.VR == "CS":
                dummy = dummy.replace("-", "_")
            elem.value = dummy[: _MAX_LEN.get(elem.VR, len(dummy))]
        elif code == "U":
            if isinstance(elem.value, (list, MultiValue)):
                elem.value = [v if _is_known_uid(str(v)) else _new_uid(str(v), salt, uid_map) for v in elem.value]
            else:
                elem.value = _new_uid(str(elem.value), salt, uid_map)
        elif code == "Z" and not (keep_dates and elem.VR in ("DA", "DT", "TM") and elem.keyword not in _RULES):
            elem.value = [] if elem.VR == "SQ" else None
        if elem.VR == "SQ" and elem.value:
            for item in elem.value:
                _clean(item, salt=salt, uid_map=uid_map, keep_dates=keep_dates)


def deidentify(
    ds_or_path: Dataset | str | os.PathLike,
    *,
    salt: str,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
    uid_map: dict[str, str] | None = None,
    keep_dates: bool = False,
) -> Dataset:
    """Return a de-identified copy of a DICOM dataset (rules of :func:`phi_report`).

    Every attribute of the PS3.15 Annex E Basic Profile table is handled as
    the table says (first choice of a compound action): removed (X), emptied
    (Z), replaced by a salted-hash dummy (D) or, for UIDs, remapped (U).
    Patient name and ID become salted-hash pseudonyms (``ANON-...``, same
    input and salt → same pseudonym); every other person name (VR PN) at any
    depth is removed or emptied; birth date/time are removed; every
    non-registered UID, in sequences too, is remapped consistently under the
    2.25 root; dates/times are emptied unless ``keep_dates``; private tags
    are dropped; age, sex, size and weight are kept (:data:`RETAINED`).
    ``PatientIdentityRemoved=YES``, ``DeidentificationMethod``
    and ``LongitudinalTemporalInformationModified`` are set. The input object
    and source file are never modified.

    Parameters
    ----------
    ds_or_path : pydicom Dataset or path
    salt : str, keyword-only
        Secret phrase for the pseudonyms and UIDs. Keep it out of the data:
        anyone with it can test guesses of patient IDs. Use the same salt
        across files of one project so links between files survive.
    out : path, optional, keyword-only
        Also write the result here (a temporary file, then renamed).
    overwrite : bool, keyword-only
        Allow replacing an existing ``out``, such as an earlier de-identified
        copy. The file the data came from (the path passed, or the
        ``filename`` a Dataset read by ``pydicom.dcmread`` remembers) is never
        replaced, whatever this says.
    uid_map : dict, optional, keyword-only
        Old UID → new UID; consulted first and filled in, so passing one
        dict to all files of a run keeps them consistent and records the map.
    keep_dates : bool, keyword-only
        Keep dates and times (Annex E "Retain Longitudinal Temporal
        Information with Full Dates Option"); birth date is removed anyway.

    Returns
    -------
    pydicom.Dataset

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> clean = deidentify(get_testdata_file("CT_small.dcm"), salt="course-2024")
    >>> clean.PatientIdentityRemoved, str(clean.PatientName).startswith("ANON-")
    ('YES', True)
    >>> sorted(set(phi_report(clean)["action"].str[0]))
    ['D', 'U']
    """
    if not isinstance(salt, str) or not salt:
        raise ValueError("salt must be a non-empty string; pick a secret phrase and keep it outside the data.")
    if uid_map is not None and not isinstance(uid_map, dict):
        raise TypeError(f"uid_map must be a dict (old UID -> new UID), got {type(uid_map).__name__}.")
    if not isinstance(ds_or_path, (Dataset, str, os.PathLike)):
        raise TypeError(f"expected a pydicom Dataset or a file path, got {type(ds_or_path).__name__}.")
    target = _check_out(out, _source_of(ds_or_path), overwrite) if out is not None else None
    clean = copy.deepcopy(_as_dataset(ds_or_path))
    if clean.get("BurnedInAnnotation", "").upper() == "YES":
        warnings.warn("BurnedInAnnotation=YES: the pixels contain text that deidentify() does not remove.",
                      stacklevel=2)

    _clean(clean, salt=salt, uid_map=uid_map, keep_dates=keep_dates)
    if getattr(clean, "file_meta", None) and "MediaStorageSOPInstanceUID" in clean.file_meta:
        old = str(clean.file_meta.MediaStorageSOPInstanceUID)
        clean.file_meta.MediaStorageSOPInstanceUID = _new_uid(old, salt, uid_map)

    clean.PatientIdentityRemoved = "YES"
    clean.DeidentificationMethod = [
        "radkit.dicom.deidentify v2: PS3.15 Annex E Basic Profile",
        "names/IDs pseudonymised, UIDs remapped, private tags removed",
        "dates and times kept" if keep_dates else "dates and times emptied",
    ]
    clean.LongitudinalTemporalInformationModified = "UNMODIFIED" if keep_dates else "REMOVED"
    if target is not None:
        _write(clean, target)
    return clean


# --------------------------------------------------------------- header tables


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
                {"column": column, "keyword": keyword or keyword_for_tag(tag),
                 "tag": f"({tag >> 16:04X},{tag & 0xFFFF:04X})",
                 "why": rule[0], "action": ACTIONS[rule[1]]}
            )
    return pd.DataFrame(rows, columns=["column", "keyword", "tag", "why", "action"])
