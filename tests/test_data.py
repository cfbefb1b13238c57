"""Tests for radkit.data: tiny fake dataset roots of every format, written into tmp_path."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid
from torch.utils.data import DataLoader

from radkit import data
from radkit.public import NIH_FINDINGS
from radkit.public.chexpert import CHEXPERT_COLUMNS


def png8(path, value: int, shape=(40, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(shape, value, dtype=np.uint8)).save(path)


def dcm(path, pixels: np.ndarray, **header):
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    for key, value in header.items():
        setattr(ds, key, value)
    ds.PixelData = pixels.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def check_batch(dataset, k: int, size: int, batch_size: int = 2):
    batch_images, batch_labels, batch_meta = next(iter(DataLoader(dataset, batch_size=batch_size)))
    assert batch_images.shape == (batch_size, 1, size, size) and batch_images.dtype == torch.float32
    assert batch_labels.shape == (batch_size, k) and batch_labels.dtype == torch.float32
    assert isinstance(batch_meta, dict)
    return batch_images, batch_labels, batch_meta


# --------------------------------------------------------------------------- NIH


@pytest.fixture
def nih_root(tmp_path):
    root = tmp_path / "nih"
    rows = [
        ("00000001_000.png", "Cardiomegaly|Effusion", 0, 1, 57, "M", "PA"),
        ("00000002_000.png", "No Finding", 0, 2, 40, "F", "AP"),
        ("00000003_000.png", "Hernia", 1, 3, 71, "F", "PA"),
    ]
    pd.DataFrame(
        rows,
        columns=[
            "Image Index",
            "Finding Labels",
            "Follow-up #",
            "Patient ID",
            "Patient Age",
            "Patient Gender",
            "View Position",
        ],
    ).to_csv(root.mkdir() or root / "Data_Entry_2017.csv", index=False)
    png8(root / "images" / "00000001_000.png", 255)
    png8(root / "images" / "00000002_000.png", 0)
    png8(root / "images_002" / "images" / "00000003_000.png", 51)  # as unpacked from the tarballs
    return root


def test_nih_items_labels_and_batching(nih_root):
    ds = data.NIHChestXray14(nih_root, size=16)
    assert len(ds) == 3 and ds.pathologies == [f for f in NIH_FINDINGS if f != "No Finding"]
    image, label, meta = ds[0]
    assert image.shape == (1, 16, 16) and image.dtype == torch.float32
    assert torch.allclose(image, torch.ones_like(image))
    assert label[ds.pathologies.index("Cardiomegaly")] == 1 and label[ds.pathologies.index("Effusion")] == 1
    assert label.sum() == 2
    assert ds[1][1].sum() == 0  # No Finding: all zero
    assert ds[2][0].mean().item() == pytest.approx(51 / 255, abs=1e-6)  # found by the file-name search
    assert meta == {
        "image_id": "00000001_000.png",
        "patient_id": 1,
        "follow_up": 0,
        "age": 57.0,
        "sex": "M",
        "view": "PA",
    }
    assert list(ds.labels.columns) == ds.pathologies and len(ds.meta) == 3
    images, labels, metas = check_batch(ds, 14, 16, batch_size=3)
    assert metas["sex"] == ["M", "F", "F"] and metas["age"].dtype == torch.float64


def test_nih_native_size_and_transform(nih_root):
    ds = data.NIHChestXray14(nih_root, size=None, transform=lambda t: 1 - t)
    image, _, _ = ds[0]
    assert image.shape == (1, 40, 30) and image.max() == 0


def test_missing_images_error_or_skip(nih_root):
    (nih_root / "images" / "00000002_000.png").unlink()
    with pytest.raises(FileNotFoundError, match="missing='skip'"):
        data.NIHChestXray14(nih_root)
    ds = data.NIHChestXray14(nih_root, missing="skip")
    assert ds.meta["image_id"].tolist() == ["00000001_000.png", "00000003_000.png"]


def test_nih_split_lists(nih_root):
    (nih_root / "test_list.txt").write_text("00000003_000.png\n")
    assert data.NIHChestXray14(nih_root, split="test").meta["patient_id"].tolist() == [3]
    with pytest.raises(FileNotFoundError, match="train_val_list.txt"):
        data.NIHChestXray14(nih_root, split="train_val")


def test_missing_root_messages(tmp_path, monkeypatch):
    monkeypatch.delenv("RADKIT_DATA", raising=False)
    with pytest.raises(FileNotFoundError) as info:
        data.NIHChestXray14()
    msg = str(info.value)
    assert "RADKIT_DATA" in msg and "https://nihcc.app.box.com/v/ChestXray-NIHCC" in msg and "GB" in msg
    assert "nih/images/" in msg
    monkeypatch.setenv("RADKIT_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"(?s)PadChest.*padchest.*bimcv"):
        data.PadChest()


def test_radkit_data_env(nih_root, monkeypatch):
    monkeypatch.setenv("RADKIT_DATA", str(nih_root.parent))
    assert len(data.NIHChestXray14(size=8)) == 3


# ---------------------------------------------------------------------- CheXpert


@pytest.fixture
def chexpert_root(tmp_path):
    root = tmp_path / "chexpert"
    release = root / "CheXpert-v1.0-small"
    rows = []
    for i, (lab, view) in enumerate([({"Edema": 1.0, "Cardiomegaly": -1.0}, "Frontal"), ({"Edema": 0.0}, "Lateral")]):
        rel = f"CheXpert-v1.0-small/train/patient0000{i + 1}/study1/view1_{view.lower()}.jpg"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((20, 20), 128, np.uint8)).save(root / rel, quality=95)
        row = {"Path": rel, "Sex": "Female", "Age": 60 + i, "Frontal/Lateral": view, "AP/PA": "AP" if i == 0 else ""}
        row.update({p: lab.get(p, np.nan) for p in CHEXPERT_COLUMNS})
        rows.append(row)
    pd.DataFrame(rows).to_csv(release / "train.csv", index=False)
    return root


@pytest.mark.parametrize("policy, expected", [("zeros", 0.0), ("ones", 1.0), ("ignore", math.nan), ("keep", -1.0)])
def test_chexpert_uncertain_policy(chexpert_root, policy, expected):
    ds = data.CheXpert(chexpert_root, uncertain=policy, size=8)
    value = ds.labels.loc[0, "Cardiomegaly"]
    assert (math.isnan(value) and math.isnan(expected)) or value == expected
    assert ds.labels.loc[0, "Edema"] == 1.0 and ds.labels.loc[1, "Edema"] == 0.0
    assert math.isnan(ds.labels.loc[0, "Fracture"])  # blank stays unknown by default
    image, _, meta = ds[0]
    assert abs(image.mean().item() - 128 / 255) < 0.02  # JPEG is lossy
    assert meta["patient_id"] == 1 and meta["ap_pa"] == "AP" and ds[1][2]["ap_pa"] == ""
    check_batch(ds, 14, 8)


def test_chexpert_requires_policy_and_blank_zeros(chexpert_root):
    with pytest.raises(ValueError, match="U-Ones"):
        data.CheXpert(chexpert_root)
    ds = data.CheXpert(chexpert_root, uncertain="ignore", blank="zeros", frontal_only=True)
    assert len(ds) == 1 and ds.labels.loc[0, "Fracture"] == 0.0 and math.isnan(ds.labels.loc[0, "Cardiomegaly"])


# ------------------------------------------------------------------ RSNA, VinDr


def test_rsna_dicoms(tmp_path):
    root = tmp_path / "rsna"
    root.mkdir()
    pd.DataFrame(
        {
            "patientId": ["a", "a", "b"],
            "x": [1, 5, np.nan],
            "y": [1, 5, np.nan],
            "width": [2, 2, np.nan],
            "height": [2, 2, np.nan],
            "Target": [1, 1, 0],
        }
    ).to_csv(root / "stage_2_train_labels.csv", index=False)
    ramp = np.arange(64, dtype=np.uint16).reshape(8, 8) * 64
    dcm(root / "stage_2_train_images" / "a.dcm", ramp, PhotometricInterpretation="MONOCHROME1")
    dcm(root / "stage_2_train_images" / "b.dcm", ramp)
    ds = data.RSNAPneumonia(root, size=8)
    assert ds.pathologies == ["Pneumonia"] and ds.labels["Pneumonia"].tolist() == [1.0, 0.0]
    assert ds.meta["n_boxes"].tolist() == [2, 0]
    a, b = ds[0][0], ds[1][0]
    torch.testing.assert_close(a + b, torch.ones_like(a))  # MONOCHROME1 inverted by radkit.dicom.read
    assert b.min() == 0 and b.max() == 1
    check_batch(ds, 1, 8)


def test_vindr_label_policies_from_kaggle_table(tmp_path):
    root = tmp_path / "vindr"
    root.mkdir()
    rows = [
        ("img1", "Cardiomegaly", "R1"),
        ("img1", "Cardiomegaly", "R2"),
        ("img1", "No finding", "R3"),
        ("img2", "Nodule/Mass", "R1"),
        ("img2", "No finding", "R2"),
        ("img2", "No finding", "R3"),
    ]
    pd.DataFrame(rows, columns=["image_id", "class_name", "rad_id"]).to_csv(root / "train.csv", index=False)
    for name in ("img1", "img2"):
        dcm(root / "train" / f"{name}.dicom", np.full((4, 4), 7, np.uint16), WindowCenter=7, WindowWidth=1)
    with pytest.raises(ValueError, match="label_policy"):
        data.VinDrCXR(root)
    anyone = data.VinDrCXR(root, label_policy="any", size=4)
    majority = data.VinDrCXR(root, label_policy="majority", size=4)
    assert anyone.pathologies == ["Cardiomegaly", "No finding", "Nodule/Mass"]
    assert anyone.labels.to_numpy().tolist() == [[1, 1, 0], [0, 1, 1]]
    assert majority.labels.to_numpy().tolist() == [[1, 0, 0], [0, 1, 0]]
    assert anyone.meta["n_readers"].tolist() == [3, 3] and anyone.meta["readers"][0] == "R1,R2,R3"
    check_batch(majority, 3, 4)


def test_vindr_physionet_table(tmp_path):
    root = tmp_path / "vindr"
    (root / "annotations").mkdir(parents=True)
    pd.DataFrame(
        {
            "image_id": ["x", "x", "x"],
            "rad_id": ["R1", "R2", "R3"],
            "Aortic enlargement": [1, 1, 0],
            "Lung tumor": [0, 0, 1],
        }
    ).to_csv(root / "annotations" / "image_labels_train.csv", index=False)
    dcm(root / "train" / "x.dicom", np.zeros((4, 4), np.uint16))
    ds = data.VinDrCXR(root, label_policy="majority", size=4)
    assert ds.labels.loc[0].tolist() == [1.0, 0.0]


# -------------------------------------------------------------------- PadChest


def test_padchest_16bit_scaling(tmp_path):
    root = tmp_path / "padchest"
    values = np.array([[0, 1000], [4095, 65535]], dtype=np.uint16)
    (root / "images").mkdir(parents=True)
    Image.fromarray(values).save(root / "images" / "p1.png")
    Image.fromarray(np.full((2, 2), 300, np.uint16)).save(root / "images" / "p2.png")
    png8(root / "images" / "p3.png", 255, shape=(2, 2))  # an 8-bit file in the same folder
    table = pd.DataFrame(
        {
            "ImageID": ["p1.png", "p2.png", "p3.png"],
            "ImageDir": [0, 0, 0],
            "StudyDate_DICOM": ["20140915"] * 3,
            "StudyID": ["9" * 38] * 3,
            "PatientID": ["8" * 36] * 3,
            "PatientBirth": [1930.0, np.nan, 1950.0],
            "PatientSex_DICOM": ["F", "M", "F"],
            "Projection": ["PA"] * 3,
            "Manufacturer_DICOM": ["X"] * 3,
            "Labels": ["['normal']", "['pleural effusion', ' cardiomegaly']", np.nan],
        }
    )
    table.to_csv(root / data.PadChest.CSV, index=False)
    ds = data.PadChest(root, size=None)
    assert ds.pathologies == ["cardiomegaly", "normal", "pleural effusion"]
    image = ds[0][0][0].numpy()
    np.testing.assert_allclose(image, values / 65535.0, rtol=1e-6)  # by bit depth, not clipped at 255
    assert image[0, 1] == pytest.approx(1000 / 65535) and image[0, 1] < 1
    assert ds[2][0].max() == 1.0  # 8-bit white is still 1
    assert torch.isnan(ds[2][1]).all() and ds[1][1].tolist() == [1.0, 0.0, 1.0]
    assert ds.meta["patient_id"][0] == "8" * 36  # big IDs kept exact, as text
    stretched = data.PadChest(root, size=None, intensity="minmax", pathologies=["Cardiomegaly"])
    assert stretched.pathologies == ["cardiomegaly"] and stretched[0][0].max() == 1.0
    check_batch(data.PadChest(root, size=8), 3, 8, batch_size=3)


def test_read_image_formats_and_errors(tmp_path):
    p16 = tmp_path / "a.png"
    Image.fromarray(np.array([[0, 32768]], dtype=np.uint16)).save(p16)
    assert data.read_image(p16).tolist() == [[0.0, pytest.approx(32768 / 65535)]]
    rgb = tmp_path / "c.png"
    Image.fromarray(np.zeros((2, 2, 3), np.uint8) + np.array([255, 0, 0], np.uint8)).save(rgb)
    assert data.read_image(rgb)[0, 0] == pytest.approx(0.299, abs=0.01)
    broken = tmp_path / "b.png"
    broken.write_bytes(p16.read_bytes()[:30])
    with pytest.raises(ValueError, match="b.png"):
        data.read_image(broken)
    with pytest.raises(FileNotFoundError):
        data.read_image(tmp_path / "none.png")


# -------------------------------------------------------------------- MedMNIST


def write_npz(path, n=5, size=28, k=14):
    rng = np.random.default_rng(0)
    arrays = {}
    for split in ("train", "val", "test"):
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 2, (n, k), dtype=np.uint8)
    np.savez(path, **arrays)
    return arrays


def test_medmnist_npz(tmp_path):
    arrays = write_npz(tmp_path / "chestmnist.npz")
    ds = data.MedMNIST("chestmnist", split="val", root=tmp_path)
    assert len(ds) == 5 and ds.pathologies == data.MEDMNIST_LABELS["chestmnist"]
    image, label, meta = ds[3]
    assert image.shape == (1, 28, 28)
    np.testing.assert_allclose(image[0].numpy(), arrays["val_images"][3] / 255.0, rtol=1e-6)
    assert label.tolist() == arrays["val_labels"][3].astype(float).tolist()
    assert meta == {"index": 3, "split": "val"}
    check_batch(ds, 14, 28, batch_size=4)
    write_npz(tmp_path / "pneumoniamnist_64.npz", size=64, k=1)
    pneu = data.MedMNIST("pneumoniamnist", split="test", size=64, root=tmp_path)
    assert pneu.pathologies == ["pneumonia"] and pneu[0][0].shape == (1, 64, 64)


def test_medmnist_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("RADKIT_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="zenodo.org/records/10519652"):
        data.MedMNIST("chestmnist", root=tmp_path)
    with pytest.raises(ValueError, match="md5="):
        data.MedMNIST("chestmnist", root=tmp_path, download=True)
    with pytest.raises(ValueError, match="size="):
        data.MedMNIST("chestmnist", size=32, root=tmp_path)
    assert not any(tmp_path.iterdir())


def test_medmnist_download_from_file_url(tmp_path, monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    write_npz(server / "pneumoniamnist.npz", k=1)
    md5 = hashlib.md5((server / "pneumoniamnist.npz").read_bytes()).hexdigest()
    monkeypatch.setattr(data.medmnist, "medmnist_url", lambda name, size: (server / "pneumoniamnist.npz").as_uri())
    ds = data.MedMNIST("pneumoniamnist", root=tmp_path / "mm", download=True, md5=md5)
    assert len(ds) == 5 and (tmp_path / "mm" / "pneumoniamnist.npz").is_file()


# ------------------------------------------------------------ verify, download


def test_verify_against_hashlib_and_known_digest(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    # published test vectors for "abc" (FIPS 180-2, RFC 1321)
    assert data.verify(path, sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == path
    assert data.verify(path, md5="900150983cd24fb0d6963f7d28e17f72") == path
    with pytest.raises(data.ChecksumError, match="delete it"):
        data.verify(path, md5="0" * 32)
    with pytest.raises(ValueError, match="sha256= or md5="):
        data.verify(path)


def test_download_verifies_and_leaves_nothing_on_failure(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"payload" * 1000)
    good = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "out"
    with pytest.raises(data.ChecksumError) as info:
        data.download(src.as_uri(), out / "x.bin", sha256="1" * 64)
    assert "by hand" in str(info.value) and list(out.iterdir()) == []  # no partial or temp file
    with pytest.raises(RuntimeError, match="by hand"):
        data.download((tmp_path / "absent.bin").as_uri(), out / "y.bin", sha256=good)
    assert list(out.iterdir()) == []
    target = data.download(src.as_uri(), out / "x.bin", sha256=good)
    assert target.read_bytes() == src.read_bytes()
    # an existing file is never overwritten: verified if it matches, refused otherwise
    target.write_bytes(b"edited")
    with pytest.raises(data.ChecksumError):
        data.download(src.as_uri(), target, sha256=good)
    assert target.read_bytes() == b"edited"
    with pytest.raises(ValueError, match="sha256= or md5="):
        data.download(src.as_uri(), out / "z.bin")


def test_base_validation():
    labels, meta = pd.DataFrame({"a": [1.0]}), pd.DataFrame({"m": [None], "n": [np.nan]})
    with pytest.raises(ValueError, match="size="):
        data.ImageDataset(labels, meta, size=0)
    with pytest.raises(ValueError, match="one row per item"):
        data.ImageDataset(labels, pd.DataFrame({"m": [1, 2]}))
    ds = data.ImageDataset(labels, meta)
    assert ds._records[0]["m"] == "" and math.isnan(ds._records[0]["n"])
    with pytest.raises(IndexError):
        ds[5]


# ------------------------------------------------------------------ bad input (issue 10)


def test_chexpert_policy_is_spelled_as_in_radkit_public(chexpert_root):
    from radkit.public.chexpert import UNCERTAIN_POLICIES

    for policy in UNCERTAIN_POLICIES:  # the same four words in both places
        data.CheXpert(chexpert_root, uncertain=policy, size=8)
    with pytest.warns(FutureWarning, match="uncertain='nan' is the old spelling; use uncertain='ignore'"):
        old = data.CheXpert(chexpert_root, uncertain="nan", size=8)
    assert math.isnan(old.labels.loc[0, "Cardiomegaly"])
    with pytest.raises(TypeError, match="one string"):
        data.CheXpert(chexpert_root, uncertain=["ones"])


def _npz(path, images, k=1):
    labels = np.zeros((len(images), k), dtype=np.uint8)
    np.savez(
        path,
        **{f"{s}_images": images for s in ("train", "val", "test")},
        **{f"{s}_labels": labels for s in ("train", "val", "test")},
    )


def test_medmnist_float_images_in_0_1_are_not_divided_again(tmp_path):
    images = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    _npz(tmp_path / "pneumoniamnist.npz", images)
    ds = data.MedMNIST("pneumoniamnist", split="train", root=tmp_path)
    np.testing.assert_allclose(ds[1][0][0].numpy(), images[1], rtol=1e-6)


@pytest.mark.parametrize(
    "images, match",
    [
        (np.full((3, 28, 28), 200.0, dtype=np.float32), "float images range from 200 to 200"),
        (np.full((3, 28, 28), 2000, dtype=np.uint16), "dtype uint16"),
        (np.full((3, 28, 28), np.nan, dtype=np.float32), "NaN"),
    ],
)
def test_medmnist_images_of_another_scale_are_refused(tmp_path, images, match):
    _npz(tmp_path / "pneumoniamnist.npz", images)
    with pytest.raises(ValueError, match=match):
        data.MedMNIST("pneumoniamnist", split="train", root=tmp_path)
