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
from pydicom.multival import MultiValue
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from radkit import dicom
from radkit.dicom._rules import _is_known_uid, _walk


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
    m1 = save(
        make_ds(PIX, WindowCenter=200, WindowWidth=401, PhotometricInterpretation="MONOCHROME1"), tmp_path / "m1.dcm"
    )
    a, _ = dicom.read(m2)
    b, meta = dicom.read(m1)
    np.testing.assert_allclose(a + b, 1.0, atol=1e-6)
    assert meta["inverted"] is True
    c, meta_c = dicom.read(m1, invert_monochrome1=False)
    np.testing.assert_allclose(c, a)
    assert meta_c["inverted"] is False


def test_big_endian_written_and_shipped(tmp_path):
    little = save(make_ds(PIX, WindowCenter=200, WindowWidth=401), tmp_path / "le.dcm")
    big = save(
        make_ds(PIX, WindowCenter=200, WindowWidth=401, transfer_syntax=ExplicitVRBigEndian), tmp_path / "be.dcm"
    )
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
    ds = make_ds(
        PIX,
        PatientBirthDate="19500101",
        InstitutionName="St Elsewhere",
        StudyDate="20200101",
        StudyTime="101010",
        AccessionNumber="ACC1",
        ReferringPhysicianName="Dr^Who",
        StudyInstanceUID="1.2.3.4.5",
        SeriesInstanceUID="1.2.3.4.5.6",
        DeviceSerialNumber="SN9",
    )
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
    for kw in [
        "PatientName",
        "PatientID",
        "PatientBirthDate",
        "InstitutionName",
        "StudyDate",
        "StudyTime",
        "AccessionNumber",
        "ReferringPhysicianName",
        "StudyInstanceUID",
        "SOPInstanceUID",
        "DeviceSerialNumber",
        "(private)",
        "ReferencedSOPInstanceUID",
    ]:
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
    with pytest.raises(FileExistsError, match="new path") as info:
        dicom.deidentify(src, salt="s1", out=out)
    assert "overwrite=True" not in str(info.value)  # never advise the destructive step
    dicom.deidentify(src, salt="s1", out=out, overwrite=True)
    with pytest.raises(ValueError, match="read from"):
        dicom.deidentify(src, salt="s1", out=src, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anon.dcm", "src.dcm"]  # no temp files left


def test_phi_columns_on_header_table():
    table = pd.DataFrame(
        columns=[
            "imageid",
            "Patient's Name",
            "Patient ID",
            "Study Instance UID",
            "SOP Class UID",
            "Rows",
            "Study Date",
            "Patient's Sex",
            "Accession Number",
        ]
    )
    flagged = dicom.phi_columns(table)
    assert set(flagged["column"]) == {
        "Patient's Name",
        "Patient ID",
        "Study Instance UID",
        "Study Date",
        "Accession Number",
    }
    with pytest.raises(TypeError):
        dicom.phi_columns(["a", "b"])


# ------------------------------------------------------------------ bad input (issue 10)


def test_dataset_read_from_a_file_is_never_overwritten(tmp_path):
    # item 1: a Dataset remembers its filename; out= that file is refused whatever overwrite says
    src = save(phi_ds(), tmp_path / "src.dcm")
    original = open(src, "rb").read()
    ds = pydicom.dcmread(src)
    for overwrite in (False, True):
        with pytest.raises(ValueError, match="read from.*never") as info:
            dicom.deidentify(ds, salt="s", out=src, overwrite=overwrite)
        assert "overwrite=True" not in str(info.value) and "src-deid.dcm" in str(info.value)
    link = tmp_path / "link.dcm"
    link.symlink_to(src)
    with pytest.raises(ValueError, match="never"):
        dicom.deidentify(ds, salt="s", out=link, overwrite=True)
    assert open(src, "rb").read() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.dcm", "src.dcm"]


def test_out_must_be_a_file_path(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        dicom.deidentify(phi_ds(), salt="s", out=tmp_path)
    with pytest.raises(TypeError, match="out must be a file path"):
        dicom.deidentify(phi_ds(), salt="s", out=3)
    with pytest.raises(FileNotFoundError, match="mkdir"):
        dicom.deidentify(phi_ds(), salt="s", out=tmp_path / "no" / "x.dcm")
    with pytest.raises(TypeError, match="Dataset or a file path"):
        dicom.deidentify(b"DICM", salt="s")


@pytest.mark.parametrize(
    "window", [(float("nan"), 400), (40, float("nan")), (40, float("inf")), ("a", 400), (40, None)]
)
def test_window_must_be_finite_numbers(tmp_path, window):
    path = save(make_ds(PIX), tmp_path / "w.dcm")
    with pytest.raises(ValueError, match="window"):
        dicom.read(path, window=window)


def test_frame_out_of_range_on_a_single_frame_file(tmp_path):
    path = save(make_ds(PIX), tmp_path / "f.dcm")
    with pytest.raises(ValueError, match="frame=5 is out of range; the file has 1 frame"):
        dicom.read(path, frame=5)
    with pytest.raises(ValueError, match="out of range"):
        dicom.read(path, frame=-1)
    with pytest.raises(TypeError, match="frame must be an int"):
        dicom.read(path, frame=0.5)


def test_palette_colour_is_applied_not_read_as_indices():
    from pydicom.pixels import apply_color_lut

    path = get_testdata_file("examples_palette.dcm")
    ds = pydicom.dcmread(path)
    assert ds.PhotometricInterpretation == "PALETTE COLOR"
    px, meta = dicom.read(path, window="minmax")
    rgb = apply_color_lut(ds.pixel_array, ds).astype(np.float64)
    lum = rgb @ np.array([0.299, 0.587, 0.114])
    expected = (lum - lum.min()) / (lum.max() - lum.min())
    np.testing.assert_allclose(px, expected, atol=1e-6)
    indices = ds.pixel_array.astype(np.float64)
    assert not np.allclose(px, (indices - indices.min()) / np.ptp(indices), atol=0.05)


def test_broken_palette_is_refused():
    ds = pydicom.dcmread(get_testdata_file("examples_palette.dcm"))
    del ds.RedPaletteColorLookupTableData
    with pytest.raises(dicom.DicomError, match="PALETTE COLOR"):
        dicom.read(ds)


# Annex E: the whole Basic Profile, plus no person name at any depth
def _profile_values(ds):
    """(location, keyword, value) of every non-empty element listed in the profile, at any depth."""
    from radkit._annex_e import lookup

    out = []
    for location, _, elem in _walk(ds):
        if elem.value in (None, "", b"") or (elem.VR == "SQ" and not elem.value):
            continue
        if lookup(elem.tag) is not None or elem.VR == "PN":
            out.append((location, elem.keyword, elem.VR, elem.value))
    return out


def _flat(ds):
    return {(elem.tag, str(elem.value)) for elem in ds.iterall() if elem.VR != "SQ"}


LOCAL_FILES = [
    "test-SR.dcm",
    "CT_small.dcm",
    "MR_small.dcm",
    "rtplan.dcm",
    "waveform_ecg.dcm",
    "JPEG2000.dcm",
    "examples_palette.dcm",
    "MR_small_bigendian.dcm",
]


@pytest.mark.parametrize("name", LOCAL_FILES)
def test_no_profile_element_or_person_name_keeps_its_value(name):
    ds = pydicom.dcmread(get_testdata_file(name))
    clean = dicom.deidentify(ds, salt="s")
    left = []
    for location, keyword, vr, value in _profile_values(clean):
        if keyword in dicom.RETAINED or vr == "SQ":  # kept sequences: their items are checked one by one
            continue
        pseudonym = str(value).startswith(("ANON-", "ID-", "ID_"))
        remapped = False
        if vr == "UI":
            remapped = all(
                str(v).startswith("2.25.") or _is_known_uid(str(v))
                for v in (value if isinstance(value, (list, MultiValue)) else [value])
            )
        if not (pseudonym or remapped):
            left.append((location, value))
    assert not left, left
    names = [e for e in clean.iterall() if e.VR == "PN" and e.value]
    assert [e.keyword for e in names] == ["PatientName"] and str(names[0].value).startswith("ANON-")
    # phi_report flags, in the original, everything the profile lists (except the retained characteristics)
    flagged = set(dicom.phi_report(ds)["location"])
    missing = [
        loc for loc, kw, vr, _ in _profile_values(ds) if loc not in flagged and kw not in dicom.RETAINED and vr != "SQ"
    ]
    assert not missing, missing


def test_issue_examples_are_removed_and_flagged():
    ds = pydicom.dcmread(get_testdata_file("test-SR.dcm"))
    assert any(str(e.value) == "Riesmeier^Jörg" for e in ds.iterall() if e.keyword == "VerifyingObserverName")
    extra = {
        "ResponsiblePerson": "Doe^John",
        "ContentCreatorName": "Smith^Ann",
        "PatientBirthName": "Roe^Jane",
        "IssuerOfPatientID": "HOSP-A",
        "Occupation": "pilot",
        "MilitaryRank": "Major",
        "CountryOfResidence": "Narnia",
        "AdmissionID": "ADM77",
        "ProtocolName": "Chest PA Dr Smith",
    }
    for kw, value in extra.items():
        setattr(ds, kw, value)
    plan = Dataset()
    plan.InsurancePlanIdentification = "PLAN-42"
    ds.PatientInsurancePlanCodeSequence = [plan]
    rep = dicom.phi_report(ds)
    for kw in [*extra, "VerifyingObserverName", "PatientInsurancePlanCodeSequence"]:
        assert kw in set(rep["keyword"]), kw
    clean = dicom.deidentify(ds, salt="s")
    text = " ".join(str(e.value) for e in clean.iterall())
    for needle in ["Riesmeier", "Observer^Verifying", *[v.split("^")[0] for v in extra.values()], "PLAN-42"]:
        assert needle not in text, needle
    assert "PatientInsurancePlanCodeSequence" not in clean


def test_basic_profile_table_matches_pydicom_keywords():
    # a transcription check: every tag pydicom knows carries the keyword written in the table
    from pydicom.datadict import keyword_for_tag

    from radkit._annex_e import BASIC_PROFILE

    assert len(BASIC_PROFILE) > 600
    known = {tag: kw for tag, (kw, _) in BASIC_PROFILE.items() if keyword_for_tag(tag)}
    assert len(known) > 600
    assert {tag: keyword_for_tag(tag) for tag in known} == known
    codes = {action for _, action in BASIC_PROFILE.values()}
    assert codes <= {"D", "Z", "X", "U", "K", "C", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"}


# File meta information (group 0002): issue 34, class 2
def _with_meta_phi(ds: Dataset) -> Dataset:
    ds.file_meta.SourceApplicationEntityTitle = "XRAYROOM3"
    ds.file_meta.SendingApplicationEntityTitle = "ST-ELSEWHERE"
    ds.file_meta.PrivateInformationCreatorUID = "1.2.826.0.1.3680043.9.9999"
    ds.file_meta.PrivateInformation = b"patient Doe^Jane MRN12345"
    ds.file_meta.ImplementationClassUID = "1.2.826.0.1.3680043.9.1234"
    ds.file_meta.ImplementationVersionName = "VIEWER_2_1"
    return ds


def test_file_meta_phi_is_reported_and_removed(tmp_path):
    src = save(_with_meta_phi(phi_ds()), tmp_path / "src.dcm")
    rep = dicom.phi_report(src).set_index("location")
    for kw in [
        "SourceApplicationEntityTitle",
        "SendingApplicationEntityTitle",
        "PrivateInformationCreatorUID",
        "PrivateInformation",
    ]:
        assert rep.loc[f"file_meta.{kw}", "action"].startswith("X"), kw
    assert rep.loc["file_meta.MediaStorageSOPInstanceUID", "action"].startswith("U")
    for kw in ["TransferSyntaxUID", "MediaStorageSOPClassUID", "ImplementationClassUID", "ImplementationVersionName"]:
        assert f"file_meta.{kw}" not in rep.index, kw  # encoding and writing software, not a person

    out = tmp_path / "anon.dcm"
    clean = dicom.deidentify(src, salt="s1", out=out)
    for ds in (clean, pydicom.dcmread(out)):
        meta = ds.file_meta
        for kw in [
            "SourceApplicationEntityTitle",
            "SendingApplicationEntityTitle",
            "PrivateInformationCreatorUID",
            "PrivateInformation",
        ]:
            assert kw not in meta, kw
        assert meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID != pydicom.dcmread(src).SOPInstanceUID
        assert meta.MediaStorageSOPClassUID == ds.SOPClassUID == SecondaryCaptureImageStorage
        assert meta.TransferSyntaxUID == ExplicitVRLittleEndian
        assert meta.ImplementationVersionName == "VIEWER_2_1"
        assert not [
            r
            for r in dicom.phi_report(ds)["location"]
            if r.startswith("file_meta.") and r != "file_meta.MediaStorageSOPInstanceUID"
        ]
    np.testing.assert_array_equal(pydicom.dcmread(out).pixel_array, PIX)
    # group-0002 elements put (wrongly) into the data set itself are judged by the same rules
    ds = phi_ds()
    ds.add_new(0x00020016, "AE", "XRAYROOM3")
    assert "SourceApplicationEntityTitle" in set(dicom.phi_report(ds)["keyword"])
    assert 0x00020016 not in dicom.deidentify(ds, salt="s1")


def test_file_meta_uids_stay_consistent_across_files():
    a, b = _with_meta_phi(phi_ds()), _with_meta_phi(phi_ds())
    b.SOPInstanceUID = "9.9.9"
    a.file_meta.MediaStorageSOPInstanceUID = a.SOPInstanceUID
    b.file_meta.MediaStorageSOPInstanceUID = "9.9.9"
    uid_map: dict[str, str] = {}
    ca = dicom.deidentify(a, salt="s1", uid_map=uid_map)
    cb = dicom.deidentify(b, salt="s1", uid_map=uid_map)
    assert ca.file_meta.MediaStorageSOPInstanceUID == ca.SOPInstanceUID == uid_map[str(a.SOPInstanceUID)]
    assert cb.file_meta.MediaStorageSOPInstanceUID == cb.SOPInstanceUID == uid_map["9.9.9"]
    assert ca.StudyInstanceUID == cb.StudyInstanceUID


def test_unwritable_folder_says_so_and_writes_nothing(tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".x.dcm.abc.part"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # as root, chmod would not stop the write
    with pytest.raises(PermissionError, match="not writable.*nothing was written"):
        dicom.deidentify(phi_ds(), salt="s", out=tmp_path / "x.dcm")
    assert list(tmp_path.iterdir()) == []


def _bundled_files() -> list[str]:
    from pathlib import Path

    folder = Path(get_testdata_file("CT_small.dcm")).parent
    return sorted(p.name for p in folder.glob("*.dcm"))


def _values(elem) -> set[str]:
    value = elem.value
    parts = list(value) if isinstance(value, (list, MultiValue)) else [value]
    return {str(v) for v in [value, *parts] if v not in (None, "", b"")}


@pytest.mark.parametrize("name", _bundled_files())
def test_no_phi_value_survives_anywhere_in_pydicom_test_files(name):
    from radkit.dicom._rules import _rule

    try:
        ds = pydicom.dcmread(get_testdata_file(name), force=True)  # force: files without a preamble too
    except Exception as exc:  # a few files are deliberately broken (no preamble, truncated)
        pytest.skip(f"pydicom cannot read {name}: {type(exc).__name__}")
    every = [*_walk(ds.file_meta, "file_meta."), *_walk(ds)]
    phi: set[str] = set()
    kept: set[str] = set()
    for _, _, elem in every:
        if elem.VR == "SQ" or elem.tag == 0x7FE00010:
            continue
        rule = _rule(elem.keyword, elem.VR, elem.tag, elem.value)
        (phi if rule is not None and rule[1] in "XZDU" else kept).update(_values(elem))
    # values that the original also holds in a kept element (an instance number "1" = a private "1") or that
    # are registered UIDs (public constants) are not identifying
    phi = {v for v in phi - kept if not _is_known_uid(v)}

    clean = dicom.deidentify(ds, salt="s")
    after = [*_walk(clean.file_meta, "file_meta."), *_walk(clean)]
    left = [(loc, v) for loc, _, elem in after if elem.VR != "SQ" for v in _values(elem) if v in phi]
    assert not left, left
    meta = clean.file_meta
    assert meta.get("TransferSyntaxUID") == ds.file_meta.get("TransferSyntaxUID")
    if "MediaStorageSOPInstanceUID" in meta and "SOPInstanceUID" in clean:
        assert meta.MediaStorageSOPInstanceUID == clean.SOPInstanceUID
        assert str(clean.SOPInstanceUID).startswith("2.25.")
    assert "SourceApplicationEntityTitle" not in meta
