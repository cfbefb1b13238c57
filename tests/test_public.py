"""radkit.public: loaders checked against counts taken straight from the raw files.

Every reference below is computed with gzip/csv/zipfile/tarfile/re, without
radkit's parsing, or worked by hand.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import os
import re
import tarfile
import zipfile
from collections import Counter, defaultdict
from functools import cache

import numpy as np
import pandas as pd
import pytest

import radkit.public as pub
from radkit.public import _files


@cache
def _rows(name: str) -> list[dict]:
    with gzip.open(pub.data_dir() / name, "rt", newline="") as fh:
        return list(csv.DictReader(fh))


def _plain(name: str, columns: list[str]) -> pd.DataFrame:
    """Raw text of some columns, read by plain pandas (no radkit parsing)."""
    return pd.read_csv(pub.data_dir() / name, usecols=columns, dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- files / cache
def test_missing_file_error_names_file_folder_and_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(_files, "data_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError) as err:
        _files.data_file("vinbigdata-train.csv.gz")
    msg = str(err.value)
    assert "vinbigdata-train.csv.gz" in msg and str(tmp_path) in msg
    assert "pip install" in msg and "torchxrayvision>=1.2" in msg


def test_disk_cache_builds_once_and_rebuilds_when_file_changes(monkeypatch, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "toy.csv").write_text("a\n1\n")
    monkeypatch.setattr(_files, "data_dir", lambda: data)
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path / "cache"))
    calls = []

    def build(path):
        calls.append(path)
        return pd.read_csv(path)

    first = _files.disk_cached("toy.csv", build)
    second = _files.disk_cached("toy.csv", build)
    assert len(calls) == 1 and first.equals(second)
    (data / "toy.csv").write_text("a\n1\n2\n")
    os.utime(data / "toy.csv", ns=(1, 1))
    assert len(_files.disk_cached("toy.csv", build)) == 2 and len(calls) == 2


# ---------------------------------------------------------------------- VinDr
@pytest.fixture(scope="module")
def vindr():
    return pub.vindr_reader_labels()


@pytest.fixture(scope="module")
def vindr_raw():
    marks = defaultdict(set)
    for row in _rows("vinbigdata-train.csv.gz"):
        marks[(row["image_id"], row["rad_id"])].add(row["class_name"])
    return marks


def test_vindr_three_of_seventeen_readers(vindr, vindr_raw):
    images = {item for item, _ in vindr_raw}
    readers = {reader for _, reader in vindr_raw}
    assert len(images) == 15_000 and len(readers) == 17
    per_image = vindr.groupby("item")["reader"].nunique()
    assert per_image.eq(3).all() and set(per_image.index) == images
    assert set(vindr["reader"].astype(str)) == readers
    assert len(vindr) == len(vindr_raw) * 15  # 14 findings + "No finding"


def test_vindr_labels_match_raw_marks(vindr, vindr_raw):
    counts = Counter(f for classes in vindr_raw.values() for f in classes)
    got = vindr.groupby("finding", observed=True)["label"].sum()
    assert got.to_dict() == {f: counts[f] for f in pub.VINDR_FINDINGS}
    # a reader who said "No finding" gives 0 for all 14 findings
    wide = vindr.pivot_table(index=["item", "reader"], columns="finding", values="label", observed=True)
    normal = wide["No finding"] == 1
    assert wide.loc[normal].drop(columns="No finding").to_numpy().sum() == 0
    assert (wide.loc[~normal].drop(columns="No finding").sum(axis=1) >= 1).all()
    assert set(vindr["label"].unique()) == {0, 1} and vindr["label"].dtype == np.int8


def test_vindr_boxes_are_the_non_normal_rows():
    boxes = pub.vindr_reader_labels(boxes=True)
    raw = _rows("vinbigdata-train.csv.gz")
    assert len(boxes) == sum(r["class_name"] != "No finding" for r in raw)
    assert (boxes["x_max"] > boxes["x_min"]).all() and (boxes["y_max"] > boxes["y_min"]).all()
    with pytest.raises(TypeError, match="True or False"):
        pub.vindr_reader_labels(boxes="yes")


# ------------------------------------------------------------------------ NIH
@pytest.fixture(scope="module")
def nih():
    return pub.nih_entries()


def test_nih_counts_and_finding_columns(nih):
    raw = _plain("Data_Entry_2017_v2020.csv.gz", ["Finding Labels", "Patient ID", "View Position"])
    assert len(nih) == len(raw) == 112_120
    assert nih["patient_id"].nunique() == raw["Patient ID"].nunique()
    counts = Counter(f for labels in raw["Finding Labels"] for f in labels.split("|"))
    for finding in pub.NIH_FINDINGS:
        column = finding.lower().replace(" ", "_")
        assert nih[column].sum() == counts[finding], finding
    assert nih["view"].value_counts().to_dict() == Counter(raw["View Position"])
    assert str(nih["sex"].dtype) == "category" and nih["age"].dtype == np.int64


def test_google_adjudicated_values_and_join(nih):
    google = pub.nih_google_adjudicated()
    raw = _rows("google2019_nih-chest-xray-labels.csv.gz")
    assert len(google) == len(raw) == 4_376
    for source, column in [
        ("Fracture", "fracture"),
        ("Pneumothorax", "pneumothorax"),
        ("Airspace opacity", "airspace_opacity"),
        ("Nodule or mass", "nodule_or_mass"),
    ]:
        assert google[column].sum() == sum(r[source] == "YES" for r in raw)
    assert Counter(google["split"].astype(str)) == Counter(
        {"val": "validation", "test": "test"}[r["Set Id"]] for r in raw
    )
    assert google["image_id"].isin(nih["image_id"]).all()


def test_nih_vs_adjudicated_mapping():
    pairs = pub.nih_vs_adjudicated()
    assert len(pairs) == 3 * 4_376
    assert "fracture" not in set(pairs["category"].astype(str))
    # independent: the Google file repeats each image's NIH "Finding Labels"
    raw = {r["Image Index"]: r for r in _rows("google2019_nih-chest-xray-labels.csv.gz")}
    rules = {
        "pneumothorax": ({"Pneumothorax"}, "Pneumothorax"),
        "nodule_or_mass": ({"Nodule", "Mass"}, "Nodule or mass"),
        "airspace_opacity": ({"Consolidation", "Pneumonia", "Infiltration"}, "Airspace opacity"),
    }
    for category, (nih_names, google_column) in rules.items():
        part = pairs[pairs["category"] == category].set_index("image_id")
        want_nih = {i: int(bool(nih_names & set(r["Finding Labels"].split("|")))) for i, r in raw.items()}
        want_adj = {i: int(r[google_column] == "YES") for i, r in raw.items()}
        assert part["nih"].to_dict() == want_nih
        assert part["adjudicated"].to_dict() == want_adj


# ------------------------------------------------------------------- CheXpert
def test_chexpert_requires_a_policy():
    with pytest.raises(TypeError, match="'ones'.*'zeros'.*'ignore'.*'keep'"):
        pub.chexpert_labels()
    with pytest.raises(ValueError, match="uncertainty policy"):
        pub.chexpert_labels(uncertain="U-Ones")
    with pytest.raises(ValueError, match="blank"):
        pub.chexpert_labels(uncertain="ones", blank="ones")


def test_chexpert_policies_on_a_hand_read_row():
    # file row 2: patient00002/study2, Cardiomegaly -1, Lung Opacity 1, Pneumonia blank
    path = "CheXpert-v1.0-small/train/patient00002/study2/view1_frontal.jpg"
    expect = {"ones": 1, "zeros": 0, "ignore": np.nan, "keep": -1}
    for policy, value in expect.items():
        row = pub.chexpert_labels(uncertain=policy).iloc[1]  # file order is kept
        assert row["path"] == path
        assert np.isnan(row["cardiomegaly"]) if np.isnan(value) else row["cardiomegaly"] == value
        assert row["lung_opacity"] == 1 and np.isnan(row["pneumonia"])
        assert row["patient_id"] == 2 and row["study"] == 2 and row["sex"] == "Female"
    zeros = pub.chexpert_labels(uncertain="ignore", blank="zeros").iloc[1]
    assert zeros["pneumonia"] == 0 and np.isnan(zeros["cardiomegaly"])


def test_chexpert_counts_follow_the_policy():
    raw = _plain("chexpert_train.csv.gz", ["Path", "Pneumonia"])
    uncertain = (raw["Pneumonia"] == "-1.0").sum()
    positive = (raw["Pneumonia"] == "1.0").sum()
    ones = pub.chexpert_labels(uncertain="ones", blank="zeros")
    assert len(ones) == len(raw) == 223_414
    assert ones["pneumonia"].dtype == np.int8 and ones["pneumonia"].sum() == uncertain + positive
    assert (pub.chexpert_labels(uncertain="keep")["pneumonia"] == -1).sum() == uncertain
    assert ones["patient_id"].nunique() == raw["Path"].str.split("/").str[2].nunique()


# ------------------------------------------------------------------- PadChest
@pytest.fixture(scope="module")
def padchest():
    return pub.padchest_entries()


def test_padchest_counts_dates_and_methods(padchest):
    raw = _plain(pub.padchest._FILE, ["MethodLabel", "PatientID", "Labels"])
    assert len(padchest) == len(raw) == 160_861
    assert (padchest["method_label"] == "Physician").sum() == (raw["MethodLabel"] == "Physician").sum()
    assert padchest["study_date"].dtype.kind == "M"
    assert padchest["study_date"].min().year == 2007 and padchest["study_date"].max().year == 2017
    assert padchest["patient_id"].nunique() == raw["PatientID"].nunique()
    sample = range(0, len(raw), 997)  # reference parser on a spread of rows
    for i in sample:
        text = raw.at[i, "Labels"]
        want = [s.strip() for s in ast.literal_eval(text)] if text else []
        assert padchest.at[i, "labels"] == [s for s in want if s], i


def test_padchest_second_call_returns_a_copy(padchest):
    # (speed is measured in bench/, never by a timed test: the cache itself is tested in test_cache.py)
    padchest.at[0, "labels"].append("tampered")
    again = pub.padchest_entries()
    assert "tampered" not in again.at[0, "labels"]


# ----------------------------------------------------------------------- RSNA
def test_rsna_targets_boxes_and_headers():
    entries = pub.rsna_entries()
    with zipfile.ZipFile(pub.data_dir() / "kaggle_stage_2_train_labels.csv.zip") as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("stage_2_train_labels.csv"))))
    boxes = Counter(r["patientId"] for r in rows if r["Target"] == "1")
    assert len(entries) == len({r["patientId"] for r in rows}) == 26_684
    assert entries.set_index("patient_id")["n_boxes"].to_dict() == {p: boxes.get(p, 0) for p in entries["patient_id"]}
    assert entries["target"].sum() == len(boxes)
    assert len(pub.rsna_entries(boxes=True)) == sum(boxes.values())
    head = _rows("kaggle_stage_2_train_images_dicom_headers.csv.gz")
    assert entries["sex"].value_counts().to_dict() == Counter(r["PatientSex"] for r in head)


# ------------------------------------------------------------------- Indiana
def test_indiana_reports_against_raw_xml():
    reports = pub.indiana_reports()
    with tarfile.open(pub.data_dir() / "NLMCXR_reports.tgz") as tar:
        texts = {m.name: tar.extractfile(m).read().decode() for m in tar if m.isfile()}
    assert len(reports) == len(texts) == 3_955
    blob = "".join(texts.values())
    assert reports["mesh_major"].map(len).sum() == len(re.findall(r"<major>[^<]+</major>", blob))
    assert reports["mesh_automatic"].map(len).sum() == blob.count("<automatic>")
    assert reports["n_images"].sum() == blob.count("<parentImage ")
    one = reports.set_index("uid").loc["CXR1"]
    assert one["indication"] == "Positive TB test" and one["mesh_major"] == ["normal"]
    assert one["image_ids"] == ["CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001"]


def test_indiana_dicom_metadata_columns():
    meta = pub.indiana_dicom_metadata()
    assert len(meta) == len(_rows("nlmcxr_dicom_metadata.csv.gz"))
    assert meta.columns.is_unique and all(re.fullmatch(r"[a-z0-9_]+", c) for c in meta.columns)
    assert meta.attrs["dicom_names"]["patients_birth_date"] == "Patient's Birth Date"
    meta.attrs["dicom_names"].clear()
    assert pub.indiana_dicom_metadata().attrs["dicom_names"]


# ----------------------------------------------------------------------- SIIM
def test_rle_decode_hand_worked():
    # 3 x 2 image, pixels numbered down columns: 0 1 2 | 3 4 5
    # "1 2 1 1": skip 1, set 1-2; skip 1 more (pixel 3), set 4
    want = np.array([[0, 0], [1, 1], [1, 0]], dtype=bool)
    assert np.array_equal(pub.rle_decode("1 2 1 1", shape=(3, 2)), want)
    assert np.array_equal(pub.rle_decode(["0 1", "5 1"], shape=(3, 2)), np.array([[1, 0], [0, 0], [0, 1]], dtype=bool))
    assert not pub.rle_decode("-1", shape=(4, 4)).any()
    with pytest.raises(ValueError, match="past the end"):
        pub.rle_decode("5 2", shape=(2, 3))
    with pytest.raises(ValueError, match="pairs"):
        pub.rle_decode("1 2 3", shape=(3, 3))


def test_siim_table_and_relative_format():
    table = pub.siim_pneumothorax()
    raw = _rows("siim-pneumothorax-train-rle.csv.gz")
    pixels = [r[" EncodedPixels"].strip() for r in raw]
    assert len(table) == len({r["ImageId"] for r in raw}) == 12_047
    assert table["n_components"].sum() == sum(p != "-1" for p in pixels)
    assert table["has_pneumothorax"].sum() == len({r["ImageId"] for r, p in zip(raw, pixels) if p != "-1"})
    # relative format: gaps + lengths of every string fit one 1024 x 1024 image,
    # while read as absolute starts most strings would not be increasing
    sums = [sum(map(int, p.split())) for p in pixels if p != "-1"]
    assert max(sums) <= 1024 * 1024
    row = table[table["has_pneumothorax"]].iloc[0]
    mask = pub.rle_decode(row["rle"])
    lengths = sum(int(v) for v in row["rle"][0].split()[1::2])
    assert mask.sum() == lengths
    from scipy import ndimage

    assert ndimage.label(mask)[1] == 1  # one solid region, not stripes


# ---------------------------------------------------------------------- masks
def test_lung_masks_names_and_decoding():
    with zipfile.ZipFile(pub.data_dir() / "semantic_masks_v7labs_lungs.zip") as z:
        files = [n for n in z.namelist() if not n.endswith("/")]
    names = pub.lung_mask_names()
    assert len(names) == len(files) == 517
    got = list(pub.lung_masks(limit=3))
    assert len(got) == 3 and [n for n, _ in got] == sorted(n for n, _ in got)
    for _, mask in got:
        assert mask.dtype == bool and mask.ndim == 2 and 0.05 < mask.mean() < 0.9
    with pytest.raises(KeyError, match="lung_mask_names"):
        next(pub.lung_masks(names=["no-such.png"]))


def test_disk_cache_is_data_and_a_damaged_entry_is_named_and_rebuilt(monkeypatch, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "toy.csv").write_text("a,b\n1,x\n2,y\n")
    monkeypatch.setattr(_files, "data_dir", lambda: data)
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path / "cache"))
    first = _files.disk_cached("toy.csv", pd.read_csv)
    stored = sorted(p.suffix for p in (tmp_path / "cache" / "public").iterdir())
    assert ".pkl" not in stored and ".json" in stored
    for p in (tmp_path / "cache" / "public").iterdir():
        if p.suffix != ".json":
            p.write_bytes(b"\x80\x04garbage")
    with pytest.warns(UserWarning, match="toy-.*unreadable.*rebuilding"):
        again = _files.disk_cached("toy.csv", pd.read_csv)
    pd.testing.assert_frame_equal(first, again)


# ------------------------------------------------------------------ bad input (issue 10)
@pytest.mark.parametrize(
    "rle, error, match",
    [
        ("1 a", ValueError, "whole numbers.*'a'"),
        ("1.5 2", ValueError, "whole numbers.*'1.5'"),
        (["1 2", None], TypeError, "item 1 is a NoneType"),
        (["1 2", float("nan")], TypeError, "item 1 is a float"),
        (123, TypeError, "rle must be a run-length string"),
        (b"1 2", TypeError, "rle must be a run-length string"),
        ("1 2 3", ValueError, "pairs"),
        ("-1 2", ValueError, "non-negative"),
    ],
)
def test_rle_decode_malformed(rle, error, match):
    with pytest.raises(error, match=match):
        pub.rle_decode(rle, shape=(4, 4))


@pytest.mark.parametrize("shape", [(4.5, 4), (4,), "4x4", (0, 4), (True, 4)])
def test_rle_decode_bad_shape(shape):
    with pytest.raises(ValueError, match="shape must be"):
        pub.rle_decode("1 2", shape=shape)


def test_lung_masks_names_must_be_a_list():
    name = pub.lung_mask_names()[0]
    with pytest.raises(TypeError, match=rf"names=\['{name}'\]"):
        next(pub.lung_masks(names=name))
    got, mask = next(pub.lung_masks(names=[name], skip_empty=False))
    assert got == name and mask.dtype == bool
    with pytest.raises(TypeError, match="list of strings"):
        next(pub.lung_masks(names=[1, 2]))


@pytest.mark.parametrize("uncertain", [["ones"], ("zeros",), {"ones"}, 1])
def test_chexpert_policy_must_be_one_string(uncertain):
    with pytest.raises(TypeError, match="one string.*'ignore'"):
        pub.chexpert_labels(uncertain=uncertain)


def test_chexpert_old_nan_spelling_is_an_alias():
    with pytest.warns(FutureWarning, match="use uncertain='ignore'"):
        old = pub.chexpert_labels(uncertain="nan")
    pd.testing.assert_frame_equal(old, pub.chexpert_labels(uncertain="ignore"))
    with pytest.raises(ValueError, match="blank"):
        pub.chexpert_labels(uncertain="ones", blank=["nan"])


def test_read_nih_table_takes_the_2017_file_and_rejects_other_tables(tmp_path):
    from radkit.public import read_nih_table

    # the 2017 release has a trailing empty column and no pixel spacing in the v2020 spelling
    (tmp_path / "old.csv").write_text(
        "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
        "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],\n"
        "00000001_000.png,Cardiomegaly|Effusion,0,1,58,M,PA,2682,2749,0.143,0.143,\n"
        "00000002_000.png,No Finding,0,2,81,F,AP,2500,2048,0.168,0.168,\n"
    )
    t = read_nih_table(tmp_path / "old.csv")
    assert t["image_id"].tolist() == ["00000001_000.png", "00000002_000.png"]
    assert t[["cardiomegaly", "effusion", "no_finding"]].to_numpy().tolist() == [[1, 1, 0], [0, 0, 1]]
    assert list(t["sex"]) == ["M", "F"] and not any(c.startswith("Unnamed") for c in t.columns)
    (tmp_path / "other.csv").write_text("image_id,label\na,1\n")
    with pytest.raises(ValueError, match=r"not an NIH Data_Entry table.*Image Index"):
        read_nih_table(tmp_path / "other.csv")


def test_read_chexpert_table_rejects_a_table_without_its_columns(tmp_path):
    from radkit.public import read_chexpert_table

    (tmp_path / "valid.csv").write_text("Path,Sex\nx.jpg,Male\n")
    with pytest.raises(ValueError, match=r"not a CheXpert label table.*Age"):
        read_chexpert_table(tmp_path / "valid.csv")
