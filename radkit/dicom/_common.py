"""Shared pieces of :mod:`radkit.dicom`: the error type, the decoder hint and file opening."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

__all__ = ["DicomError", "DECODER_HINT"]

DECODER_HINT = (
    'install the optional decoders with `pip install "radkit[dicom]"` '
    "(pylibjpeg, pylibjpeg-libjpeg, pylibjpeg-openjpeg), or `pip install python-gdcm` / "
    "`conda install -c conda-forge gdcm` for the transfer syntaxes those do not cover"
)


class DicomError(ValueError):
    """A DICOM file that radkit cannot turn into an image (the message says why)."""


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


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    return "" if value is None else str(value).strip()


def _as_dataset(ds_or_path: Dataset | str | os.PathLike) -> Dataset:
    if isinstance(ds_or_path, Dataset):
        return ds_or_path
    if isinstance(ds_or_path, (str, os.PathLike)):
        return _open(ds_or_path, stop_before_pixels=False)
    raise TypeError(f"expected a pydicom Dataset or a file path, got {type(ds_or_path).__name__}.")
