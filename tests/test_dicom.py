"""Tests for radkit.dicom: pixels against hand-computed values and pydicom's own LUT code."""

from __future__ import annotations

import copy
import importlib.util

import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from radkit import dicom


def make_ds(pixels: np.ndarray, **header) -> Dataset:
    """A minimal unsigned 16-bit-allocated grayscale image dataset."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = header.pop("transfer_syntax", ExplicitVRLittleEndian)
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = generate_uid(entropy_srcs=["test", str(pixels.sum())])
    ds.Modality = "CR"
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "MRN12345"
    ds.PatientAge = "065Y"
    ds.PatientSex = "F"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    for key, value in header.items():
        setattr(ds, key, value)
    big = ds.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    ds.PixelData = pixels.astype(">u2" if big else "<u2").tobytes()
    return ds


def save(ds: Dataset, path) -> str:
    ds.save_as(path, enforce_file_format=True)
    return str(path)


PIX = np.array([[0, 100, 200], [300, 400, 4095]], dtype=np.uint16)


# ------------------------------------------------------------------ read: pixels


def test_linear_window_matches_hand_computation(tmp_path):
    # LINEAR, c=200, w=401: y = (x - 199.5) / 400 + 0.5, clipped to [0, 1]
    path = save(make_ds(PIX, WindowCenter=200, WindowWidth=401), tmp_path / "w.dcm")
    px, meta = dicom.read(path)
    expected = np.array([[0.00125, 0.25125, 0.50125], [0.75125, 1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(px, expected, atol=1e-6)
    assert px.dtype == np.float32 and px.shape == (2, 3)
    assert meta["voi"] == "window" and meta["window_center"] == 200.0 and meta["voi_function"] == "LINEAR"


def test_multivalued_window_uses_first_pair_and_override(tmp_path):
    path = save(make_ds(PIX, WindowCenter=[200, 2000], WindowWidth=[401, 4000]), tmp_path / "m.dcm")
    px, meta = dicom.read(path)
    assert meta["window_width"] == 401.0
    assert px[0, 1] == pytest.approx(0.25125, abs=1e-6)
    px2, meta2 = dicom.read(path, window=(2000, 4000))
    assert meta2["voi"] == "override"
    assert px2[0, 1] == pytest.approx((100 - 1999.5) / 3999 + 0.5, abs=1e-6)
    px3, meta3 = dicom.read(path, window="minmax")
    assert meta3["voi"] == "minmax" and px3.min() == 0.0 and px3.max() == 1.0
    assert px3[0, 1] == pytest.approx(100 / 4095, abs=1e-6)


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
def test_window_functions_match_pydicom(function):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))  # has rescale slope/intercept
    ds.WindowCenter, ds.WindowWidth, ds.VOILUTFunction = 40, 400, function
    px, meta = dicom.read(ds)
    ref = copy.deepcopy(ds)
    out = apply_voi_lut(apply_modality_lut(ref.pixel_array, ref), ref)
    # pydicom maps the window onto the stored range [y_min, y_max] after rescale
    y_min, y_max = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1
    slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
    y_min, y_max = y_min * slope + intercept, y_max * slope + intercept
    np.testing.assert_allclose(px, (out - y_min) / (y_max - y_min), atol=1e-5)
    assert meta["modality_lut"] == "rescale" and meta["voi_function"] == function


def test_rescale_is_applied_before_window(tmp_path):
    # HU = 2 * stored - 1000; window (0, 1001) in HU: stored 500 -> HU 0 -> y = 0.5 + 0.5/1000
    pix = np.array([[0, 500, 1000]], dtype=np.uint16)
    ds = make_ds(pix, RescaleSlope=2, RescaleIntercept=-1000, WindowCenter=0, WindowWidth=1001)
    px, meta = dicom.read(save(ds, tmp_path / "r.dcm"))
    np.testing.assert_allclose(px[0], [0.0, 0.5005, 1.0], atol=1e-6)
    assert meta["modality_lut"] == "rescale"


def test_modality_and_voi_lut_sequences_match_pydicom(tmp_path):
    pix = np.array([[0, 1, 2], [3, 5, 7]], dtype=np.uint16)
    mod = Dataset()
    mod.add_new(0x00283002, "US", [8, 0, 16])  # LUTDescriptor: entries, first value, bits
    mod.ModalityLUTType = "US"
    mod.add_new(0x00283006, "US", [0, 100, 200, 400, 800, 1600, 3200, 4000])  # LUTData
    voi = Dataset()
    voi.add_new(0x00283002, "US", [5, 0, 12])
    voi.add_new(0x00283006, "US", [0, 1000, 2000, 3000, 4095])
    ds = make_ds(pix, ModalityLUTSequence=[mod], VOILUTSequence=[voi])
    ds = pydicom.dcmread(save(ds, tmp_path / "lut.dcm"))
    px, meta = dicom.read(ds)
    ref = apply_voi_lut(apply_modality_lut(ds.pixel_array, ds), ds)
    np.testing.assert_allclose(px, ref / 4095.0, atol=1e-6)
    assert meta["modality_lut"] == "lut" and meta["voi"] == "lut"


def test_monochrome1_is_inverted(tmp_path):
    m2 = save(make_ds(PIX, WindowCenter=200, WindowWidth=401), tmp_path / "m2.dcm")
    m1 = save(make_ds(PIX, WindowCenter=200, WindowWidth=401, PhotometricInterpretation="MONOCHROME1"), tmp_path / "m1.dcm")
    a, _ = dicom.read(m2)
    b, meta = dicom.read(m1)
    np.testing.assert_allclose(a + b, 1.0, atol=1e-6)
    assert meta["inverted"] is True
    c, meta_c = dicom.read(m1, invert_monochrome1=False)
    np.testing.assert_allclose(c, a)
    assert meta_c["inverted"] is False


def test_big_endian_written_and_shipped(tmp_path):
    little = save(make_ds(PIX, WindowCenter=200, WindowWidth=401), tmp_path / "le.dcm")
    big = save(make_ds(PIX, WindowCenter=200, WindowWidth=401, transfer_syntax=ExplicitVRBigEndian), tmp_path / "be.dcm")
    a, _ = dicom.read(little)
    b, meta = dicom.read(big)
    np.testing.assert_array_equal(a, b)
    assert meta["transfer_syntax"] == "Explicit VR Big Endian"
    ref, _ = dicom.read(get_testdata_file("MR_small.dcm"))
    shipped, _ = dicom.read(get_testdata_file("MR_small_bigendian.dcm"))
    np.testing.assert_array_equal(ref, shipped)


def test_lossless_compressed_equals_uncompressed():
    ref, _ = dicom.read(get_testdata_file("MR_small.dcm"))
    rle, meta = dicom.read(get_testdata_file("MR_small_RLE.dcm"))  # numpy RLE decoder, always present
    np.testing.assert_array_equal(ref, rle)
    assert meta["transfer_syntax"] == "RLE Lossless"


def test_meta_fields(tmp_path):
    ds = make_ds(PIX, PixelSpacing=[0.143, 0.15], ViewPosition="PA", StudyDate="20200101", Manufacturer="ACME")
    _, meta = dicom.read(save(ds, tmp_path / "meta.dcm"))
    assert meta["patient_age"] == 65.0 and meta["patient_sex"] == "F" and meta["view_position"] == "PA"
    assert (meta["rows"], meta["cols"]) == (2, 3) and meta["pixel_spacing_col"] == pytest.approx(0.15)
    assert meta["study_date"] == "20200101" and meta["file"] == "meta.dcm"
    assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())


# ------------------------------------------------------------------ read: errors


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.dcm"):
        dicom.read(tmp_path / "nope.dcm")


def test_not_a_dicom(tmp_path):
    path = tmp_path / "image.dcm"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    with pytest.raises(dicom.DicomError, match="image.dcm: not a DICOM"):
        dicom.read(path)


def test_truncated_pixels(tmp_path):
    full = save(make_ds(np.zeros((64, 64), np.uint16)), tmp_path / "full.dcm")
    data = open(full, "rb").read()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[: len(data) - 1000])
    with pytest.raises(dicom.DicomError, match="cut.dcm.*truncated"):
        dicom.read(cut)


def test_truncated_header(tmp_path):
    full = save(make_ds(PIX, WindowCenter=200, WindowWidth=401), tmp_path / "full.dcm")
    cut = tmp_path / "head.dcm"
    cut.write_bytes(open(full, "rb").read()[:300])
    with pytest.raises(dicom.DicomError, match="head.dcm"):
        dicom.read(cut)


def test_no_pixel_data():
    with pytest.raises(dicom.DicomError, match="no pixel data"):
        dicom.read(get_testdata_file("rtplan.dcm"))


@pytest.mark.skipif(importlib.util.find_spec("libjpeg") is not None, reason="a 12-bit JPEG decoder is installed")
def test_undecodable_compression_names_the_decoders():
    with pytest.raises(dicom.DicomError) as info:
        dicom.read(get_testdata_file("JPEG-lossy.dcm"))
    msg = str(info.value)
    assert "JPEG-lossy.dcm" in msg and "JPEG Extended" in msg
    assert 'pip install "radkit[dicom]"' in msg and "pylibjpeg-libjpeg" in msg and "gdcm" in msg


def test_bad_window_argument(tmp_path):
    path = save(make_ds(PIX), tmp_path / "a.dcm")
    with pytest.raises(ValueError, match="window="):
        dicom.read(path, window="auto")
    with pytest.raises(ValueError, match="width"):
        dicom.read(path, window=(10, 0))


# ------------------------------------------------------------------ PHI


def phi_ds() -> Dataset:
    ds = make_ds(PIX, PatientBirthDate="19500101", InstitutionName="St Elsewhere", StudyDate="20200101",
                 StudyTime="101010", AccessionNumber="ACC1", ReferringPhysicianName="Dr^Who",
                 StudyInstanceUID="1.2.3.4.5", SeriesInstanceUID="1.2.3.4.5.6", DeviceSerialNumber="SN9")
    ds.add_new(0x00091001, "LO", "vendor secret")
    ref = Dataset()
    ref.ReferencedSOPInstanceUID = "1.2.3.4.5.7"
    ref.ReferencedSOPClassUID = SecondaryCaptureImageStorage
    ds.ReferencedImageSequence = [ref]
    return ds


def test_phi_report_flags_the_subset():
    rep = dicom.phi_report(phi_ds())
    assert list(rep.columns) == ["tag", "keyword", "location", "VR", "value", "why", "action"]
    flagged = set(rep["keyword"])
    for kw in ["PatientName", "PatientID", "PatientBirthDate", "InstitutionName", "StudyDate", "StudyTime",
               "AccessionNumber", "ReferringPhysicianName", "StudyInstanceUID", "SOPInstanceUID",
               "DeviceSerialNumber", "(private)", "ReferencedSOPInstanceUID"]:
        assert kw in flagged, kw
    for kw in ["PatientAge", "PatientSex", "Modality", "SOPClassUID", "ReferencedSOPClassUID", "Rows"]:
        assert kw not in flagged, kw
    nested = rep[rep["keyword"] == "ReferencedSOPInstanceUID"].iloc[0]
    assert nested["location"] == "ReferencedImageSequence[0].ReferencedSOPInstanceUID"
    assert rep.set_index("keyword").loc["PatientBirthDate", "action"].startswith("X")


def test_deidentify_removes_and_never_mutates(tmp_path):
    ds = phi_ds()
    before = copy.deepcopy(ds)
    clean = dicom.deidentify(ds, salt="s1")
    assert ds == before  # input untouched
    assert clean is not ds
    assert clean.PatientIdentityRemoved == "YES" and clean.DeidentificationMethod
    assert str(clean.PatientName).startswith("ANON-") and "MRN12345" not in str(clean.PatientID)
    for kw in ["PatientBirthDate", "InstitutionName", "DeviceSerialNumber"]:
        assert kw not in clean
    assert 0x00091001 not in clean
    assert clean.StudyDate in ("", None) and clean.AccessionNumber in ("", None)
    assert clean.PatientAge == "065Y" and clean.SOPClassUID == ds.SOPClassUID
    assert clean.ReferencedImageSequence[0].ReferencedSOPClassUID == SecondaryCaptureImageStorage
    assert clean.StudyInstanceUID.startswith("2.25.") and len(clean.StudyInstanceUID) <= 64
    assert clean.PixelData == ds.PixelData
    left = dicom.phi_report(clean)
    assert set(left["action"].str[0]) <= {"D", "U"}


def test_deidentify_is_consistent_and_salted():
    a, b = phi_ds(), phi_ds()
    b.SOPInstanceUID = "9.9.9"  # second image of the same study
    uid_map: dict[str, str] = {}
    ca = dicom.deidentify(a, salt="s1", uid_map=uid_map)
    cb = dicom.deidentify(b, salt="s1", uid_map=uid_map)
    assert ca.StudyInstanceUID == cb.StudyInstanceUID and ca.SOPInstanceUID != cb.SOPInstanceUID
    assert uid_map["1.2.3.4.5"] == ca.StudyInstanceUID and uid_map["9.9.9"] == cb.SOPInstanceUID
    # without a map the salted hash gives the same answer; another salt does not
    assert dicom.deidentify(phi_ds(), salt="s1").StudyInstanceUID == ca.StudyInstanceUID
    other = dicom.deidentify(phi_ds(), salt="s2")
    assert other.StudyInstanceUID != ca.StudyInstanceUID and other.PatientName != ca.PatientName
    kept = dicom.deidentify(phi_ds(), salt="s1", keep_dates=True)
    assert kept.StudyDate == "20200101" and "PatientBirthDate" not in kept
    with pytest.raises(ValueError, match="salt"):
        dicom.deidentify(phi_ds(), salt="")


def test_deidentify_writes_safely(tmp_path):
    src = save(phi_ds(), tmp_path / "src.dcm")
    original = open(src, "rb").read()
    out = tmp_path / "anon.dcm"
    clean = dicom.deidentify(src, salt="s1", out=out)
    assert open(src, "rb").read() == original
    back = pydicom.dcmread(out)
    assert back.file_meta.MediaStorageSOPInstanceUID == back.SOPInstanceUID == clean.SOPInstanceUID
    assert "PatientBirthDate" not in back and back.PatientIdentityRemoved == "YES"
    np.testing.assert_array_equal(back.pixel_array, PIX)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        dicom.deidentify(src, salt="s1", out=out)
    dicom.deidentify(src, salt="s1", out=out, overwrite=True)
    with pytest.raises(ValueError, match="source"):
        dicom.deidentify(src, salt="s1", out=src, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anon.dcm", "src.dcm"]  # no temp files left


def test_phi_columns_on_header_table():
    table = pd.DataFrame(columns=["imageid", "Patient's Name", "Patient ID", "Study Instance UID",
                                  "SOP Class UID", "Rows", "Study Date", "Patient's Sex", "Accession Number"])
    flagged = dicom.phi_columns(table)
    assert set(flagged["column"]) == {"Patient's Name", "Patient ID", "Study Instance UID", "Study Date",
                                      "Accession Number"}
    with pytest.raises(TypeError):
        dicom.phi_columns(["a", "b"])
