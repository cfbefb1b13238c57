"""The PHI rules shared by :func:`~radkit.dicom.phi_report` and :func:`~radkit.dicom.deidentify`.

One decision per element: why it may identify a patient and which PS3.15 Annex E action applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.tag import Tag
from pydicom.uid import UID

from radkit import _annex_e

__all__ = ["ACTIONS", "BASIC_PROFILE", "RETAINED"]

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

# The file meta information (group 0002, PS3.10 section 7.1) precedes the data set in every file.
# PS3.15 Table E.1-1 lists data-set attributes only, none of group 0002, but the profile's aim (no
# attribute that can identify the patient, the site or its devices survives) applies to it as much:
# the application entity titles and presentation addresses name the stations that wrote, sent or
# received the file (pydicom's own test files carry "CLUNIE1" and "gdcmconv" there), and Private
# Information is a vendor's payload like a private tag. What stays describes the encoding, not a
# person: the meta version, the SOP class, the transfer syntax (needed to decode the pixels), and the
# Implementation Class UID and Version Name, which PS3.7 D.3.3.2 defines as identifying the writing
# software product and version (the same value on every installation of it), so they name
# software, not a patient or a site. Media Storage SOP Instance UID is an instance UID: it is
# replaced by the data set's new SOP Instance UID so the two stay equal, as PS3.10 requires. Any
# other group-0002 element (including ones a later edition adds) is removed.
_META_KEPT = frozenset(
    {
        "FileMetaInformationGroupLength",
        "FileMetaInformationVersion",
        "MediaStorageSOPClassUID",
        "TransferSyntaxUID",
        "ImplementationClassUID",
        "ImplementationVersionName",
    }
)
_META_WHY = {
    "SourceApplicationEntityTitle": "file meta: station (AE title) that wrote the file",
    "SendingApplicationEntityTitle": "file meta: station (AE title) that sent the file",
    "ReceivingApplicationEntityTitle": "file meta: station (AE title) that received the file",
    "SourcePresentationAddress": "file meta: network address of a station",
    "SendingPresentationAddress": "file meta: network address of a station",
    "ReceivingPresentationAddress": "file meta: network address of a station",
    "PrivateInformationCreatorUID": "file meta: private information (vendor data may hold identifiers)",
    "PrivateInformation": "file meta: private information (vendor data may hold identifiers)",
}

# DT/DA elements that version coding resources rather than date an event
_NOT_DATES = {"ContextGroupVersion", "ContextGroupLocalVersion", "MappingResourceName"}


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
    if tag.group == 0x0002:
        return _meta_rule(keyword, vr, value)
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


def _meta_rule(keyword: str, vr: str, value: Any = None) -> tuple[str, str] | None:
    """(why, action code) for a file-meta (group 0002) element; see the comment at ``_META_KEPT``."""
    if keyword == "MediaStorageSOPInstanceUID":
        return "instance UID (links files to one patient and site)", "U"
    if keyword == "MediaStorageSOPClassUID" and value is not None and not _is_known_uid(str(value)):
        return "instance UID (links files to one patient and site)", "U"  # a private SOP class: as SOPClassUID
    if keyword in _META_KEPT:
        return None
    return _META_WHY.get(keyword, "file meta: not needed to read the file (may name a station)"), "X"
