"""De-identification: a copy with the PHI rules applied, optionally written without overwriting anything."""

from __future__ import annotations

import copy
import hashlib
import os
import tempfile
import uuid
import warnings
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.uid import ExplicitVRLittleEndian

from radkit.dicom._common import _as_dataset
from radkit.dicom._rules import _MAX_LEN, _RULES, _is_known_uid, _rule

__all__ = ["deidentify"]


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
        raise FileNotFoundError(
            f"folder {target.parent} does not exist; create it first "
            f"(Path({str(target.parent)!r}).mkdir(parents=True))."
        )
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
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except PermissionError as exc:
        raise PermissionError(
            f"out={target}: the folder {target.parent} is not writable (permission denied); "
            "nothing was written. Choose an output folder you can write to."
        ) from exc
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
    are dropped; age, sex, size and weight are kept (:data:`RETAINED`). The
    file meta information (group 0002) follows the same rules: station
    titles, addresses and private information are removed, and
    ``MediaStorageSOPInstanceUID`` / ``MediaStorageSOPClassUID`` equal the
    data set's new SOP Instance / Class UIDs.
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
    >>> from radkit.dicom import phi_report
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
        warnings.warn(
            "BurnedInAnnotation=YES: the pixels contain text that deidentify() does not remove.", stacklevel=2
        )

    _clean(clean, salt=salt, uid_map=uid_map, keep_dates=keep_dates)
    meta = getattr(clean, "file_meta", None)
    if meta is not None:  # group 0002: the same rules (radkit.dicom._rules._meta_rule), then kept consistent
        _clean(meta, salt=salt, uid_map=uid_map, keep_dates=keep_dates)
        if "MediaStorageSOPInstanceUID" in meta and "SOPInstanceUID" in clean:
            meta.MediaStorageSOPInstanceUID = clean.SOPInstanceUID
        if "MediaStorageSOPClassUID" in meta and "SOPClassUID" in clean:
            meta.MediaStorageSOPClassUID = clean.SOPClassUID
        if "FileMetaInformationGroupLength" in meta:  # stale after removals; the writer computes it again
            del meta.FileMetaInformationGroupLength

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
