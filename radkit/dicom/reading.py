"""Reading: decode a DICOM file and turn it into display-ready pixels (modality LUT, VOI, MONOCHROME1)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import UID

from radkit.dicom._common import DECODER_HINT, DicomError, _open, _text

__all__ = ["read"]


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
        given = ds.get("RescaleSlope", None)
        slope = 1.0 if given in (None, "") else float(given)  # absent or empty: the identity (PS3.3 C.11.1)
        if not np.isfinite(slope) or slope == 0:
            raise ValueError(
                f"RescaleSlope is {given!r}: every pixel would map to one value (or to NaN), so the header is "
                "corrupt; check the file with its source, or rescale the pixel data yourself."
            )
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
    if not (
        window is None
        or (isinstance(window, str) and window == "minmax")
        or (isinstance(window, tuple) and len(window) == 2)
    ):
        raise ValueError(f"window={window!r}: use None (header), 'minmax' or a (center, width) tuple.")
    if isinstance(window, tuple):
        try:
            center, width = float(window[0]), float(window[1])
        except (TypeError, ValueError):
            raise ValueError(
                f"window={window!r}: center and width must be numbers, e.g. window=(40, 400) in modality units."
            ) from None
        if not (np.isfinite(center) and np.isfinite(width)):
            raise ValueError(
                f"window={window!r}: center and width must be finite numbers "
                "(NaN or inf gives an all-NaN image); e.g. window=(40, 400)."
            )
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
