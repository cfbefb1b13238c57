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

Layout: :mod:`radkit.dicom.reading` (decoding and display windowing),
:mod:`radkit.dicom.phi` (the PHI report, also for header tables),
:mod:`radkit.dicom.deidentification` (the de-identified copy and writing it
safely), over two private modules: ``_rules`` (one Annex E decision per
element, shared by the report and the de-identification) and ``_common``
(the error type and file opening). The submodules are not called ``read``
or ``deidentify`` so that they never shadow the functions of those names.
"""

from radkit.dicom._common import DECODER_HINT, DicomError
from radkit.dicom._rules import ACTIONS as ACTIONS  # public before the split, kept
from radkit.dicom._rules import BASIC_PROFILE, RETAINED
from radkit.dicom.deidentification import deidentify
from radkit.dicom.phi import phi_columns, phi_report
from radkit.dicom.reading import read

__all__ = ["DicomError", "read", "phi_report", "deidentify", "phi_columns", "DECODER_HINT", "BASIC_PROFILE", "RETAINED"]
