"""radkit.findings: the one crosswalk, checked against the raw label strings of the shipped tables.

The raw vocabularies here are read straight from torchxrayvision's files with pandas (not through
radkit.public's parsers), so a parser that mangled a label could not hide a wrong crosswalk entry.
"""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from radkit import findings as fnd
from radkit.data.lesson import REAL_SOURCES
from radkit.public._files import data_file

ROOT = Path(__file__).resolve().parents[1]


def _raw_vocabulary(source: str) -> pd.Series:
    """Every raw label string of a source's shipped table, with how many images (reports) carry it."""
    if source == "nih":
        raw = pd.read_csv(data_file("Data_Entry_2017_v2020.csv.gz"), usecols=["Finding Labels"])
        return raw["Finding Labels"].str.split("|").explode().value_counts()
    if source == "chexpert":
        raw = pd.read_csv(data_file("chexpert_train.csv.gz"))
        observations = raw.columns[raw.columns.get_loc("AP/PA") + 1 :]
        return (raw[observations] == 1).sum()
    if source == "rsna":
        with (
            zipfile.ZipFile(data_file("kaggle_stage_2_train_labels.csv.zip")) as z,
            z.open("stage_2_train_labels.csv") as fh,
        ):
            raw = pd.read_csv(fh)
        return pd.Series({"Target": int(raw.groupby("patientId")["Target"].max().sum())})
    if source == "vindr":
        raw = pd.read_csv(data_file("vinbigdata-train.csv.gz"), usecols=["image_id", "class_name"])
        return raw.drop_duplicates()["class_name"].value_counts()
    if source == "padchest":
        raw = pd.read_csv(data_file("PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv.gz"), usecols=["Labels"])
        items = raw["Labels"].fillna("").map(lambda s: {x.strip() for x in re.findall(r"'([^']*)'", s)} - {""})
        return items.explode().dropna().value_counts()
    if source == "indiana":
        from radkit.public import indiana_reports  # XML in a tar: read by the one parser

        heads = indiana_reports()["mesh_major"].map(lambda codes: {c.split("/")[0].strip() for c in codes})
        return heads.explode().dropna().value_counts()
    if source == "siim":  # no label strings: a film with a mask row is a pneumothorax (the loader's name)
        raw = pd.read_csv(data_file("siim-pneumothorax-train-rle.csv.gz"))
        masked = raw[raw.columns[1]].astype(str).str.strip() != "-1"
        return pd.Series({"Pneumothorax": int(raw.loc[masked, raw.columns[0]].nunique())})
    raise AssertionError(source)


@pytest.mark.parametrize("source", fnd.SOURCES)
def test_every_raw_label_exists_and_every_lesson_finding_has_positives(source):
    vocabulary = _raw_vocabulary(source)
    named = {raw for labels in fnd.CROSSWALK[source].values() for raw in labels}
    assert named <= set(vocabulary.index), (source, sorted(named - set(vocabulary.index)))
    for finding in fnd.FINDINGS:
        if finding in fnd.CROSSWALK[source]:
            raws = fnd.source_labels(source, finding)
            assert raws and vocabulary.reindex(list(raws)).fillna(0).sum() > 0, (source, finding)


def test_lesson_sources_and_their_findings():
    assert set(REAL_SOURCES) <= set(fnd.SOURCES)
    lacking = {s: [f for f in fnd.FINDINGS if f not in fnd.CROSSWALK[s]] for s in REAL_SOURCES}
    assert lacking == {
        "nih": [],
        "chexpert": [],
        "vindr": [],
        "padchest": [],
        "rsna": ["nodule", "effusion", "cardiomegaly", "pneumothorax"],
        "siim": ["nodule", "consolidation", "effusion", "cardiomegaly"],
    }
    assert set(fnd.GLOSSARY) == set(fnd.ALL_FINDINGS)
    assert all(f in fnd.ALL_FINDINGS for m in fnd.CROSSWALK.values() for f in m)
    assert set(fnd.SOURCE_NAMES) == set(fnd.SOURCES) == set(fnd.CROSSWALK)


def test_padchest_effusion_is_pleural_fluid_only():
    effusion = set(fnd.source_labels("padchest", "effusion"))
    assert {"pleural effusion", "loculated pleural effusion", "loculated fissural effusion"} <= effusion
    assert "pericardial effusion" not in effusion and "costophrenic angle blunting" not in effusion
    assert "hydropneumothorax" in set(fnd.source_labels("padchest", "pneumothorax")) & effusion


def test_one_tuple_of_findings_under_its_old_names():
    import radkit.data
    import radkit.synth

    assert radkit.synth.PATHOLOGIES is fnd.FINDINGS and radkit.data.LESSON_FINDINGS is fnd.FINDINGS


def test_old_names_warn_and_point_to_the_new_place():
    import radkit.data
    import radkit.data.findings
    import radkit.validation
    from radkit.public import NIH_FINDINGS
    from radkit.public.chexpert import CHEXPERT_COLUMNS

    with pytest.warns(FutureWarning, match="NIH_FINDINGS"):
        assert [f for f in NIH_FINDINGS if f != "No Finding"] == radkit.data.NIH_PATHOLOGIES
    with pytest.warns(FutureWarning, match="CHEXPERT_COLUMNS"):
        assert list(CHEXPERT_COLUMNS) == radkit.data.CHEXPERT_PATHOLOGIES
    with pytest.warns(FutureWarning, match="CROSSWALK"):
        assert radkit.data.findings.FINDING_LABELS is fnd.CROSSWALK
    with pytest.warns(FutureWarning, match="CROSSWALK"):
        assert radkit.validation.SOURCE_COLUMNS["effusion"]["padchest"] == fnd.CROSSWALK["padchest"]["effusion"]


def test_map_findings_any_positive_unknown_only_when_all_unknown():
    t = pd.DataFrame({"Nodule": [1.0, 0.0, np.nan, np.nan, 0.0], "Mass": [np.nan, 1.0, 1.0, np.nan, 0.0]})
    out = fnd.map_findings(t, "nih", ["nodule"])["nodule"].tolist()
    assert out[:3] == [1.0, 1.0, 1.0] and np.isnan(out[3]) and out[4] == 0.0
    with pytest.raises(ValueError, match="has no column 'Effusion'"):
        fnd.map_findings(t, "nih", ["effusion"])
    with pytest.raises(ValueError, match="Unknown source 'NIH'.*lower-case"):
        fnd.source_labels("NIH", "nodule")


# --------------------------------------------------------------------------- the same prevalence everywhere

SHARED = ("effusion", "cardiomegaly", "pneumothorax", "nodule", "consolidation")


@pytest.fixture(scope="module")
def prevalences():
    import radkit.imbalance as imb
    import radkit.validation as val

    return imb.real_prevalence(), val.label_sources(findings=SHARED)


def test_imbalance_and_validation_count_the_same_positives(prevalences):
    from radkit.validation.sources import _SETS

    real, sources = prevalences
    table = real.set_index(["source", "finding"])
    for source, row in _SETS.items():
        for finding in SHARED:
            assert table.loc[(source, finding), "positives"] == sources.loc[row, finding], (source, finding)


def test_imbalance_counts_are_the_crosswalk_applied_to_the_raw_strings(prevalences):
    real, _ = prevalences
    table = real.set_index(["source", "finding"])
    vocabulary = _raw_vocabulary("nih")  # one label per token: an image with Nodule and Mass counts once
    raw = pd.read_csv(data_file("Data_Entry_2017_v2020.csv.gz"), usecols=["Finding Labels"])["Finding Labels"]
    tokens = raw.str.split("|").map(set)
    for finding, labels in fnd.CROSSWALK["nih"].items():
        assert table.loc[("nih", finding), "positives"] == tokens.map(lambda t, s=set(labels): bool(t & s)).sum()
        assert all(vocabulary[x] > 0 for x in labels)


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Empty files under real names (the table builders only list files): positives of every finding."""
    from radkit import public

    root = tmp_path_factory.mktemp("names")
    picked = {}
    for source in ("nih", "padchest", "vindr", "rsna"):
        labels = public.finding_labels(source, [f for f in fnd.FINDINGS if f in fnd.CROSSWALK[source]])
        chosen = set()
        for f in labels.columns:
            chosen |= set(labels.index[labels[f] == 1][:15]) | set(labels.index[labels[f] == 0][:15])
        if source == "padchest":  # the labels this crosswalk added, and reports without labels
            raw = public.raw_labels("padchest", labels=["loculated fissural effusion", "hydropneumothorax"])
            chosen |= set(raw.index[raw.sum(axis=1) > 0][:10]) | set(raw.index[raw.isna().all(axis=1)][:5])
        picked[source] = sorted(chosen)
    for name in picked["nih"]:
        _touch(root / "nih" / "images" / name)
    for name in picked["padchest"]:
        _touch(root / "padchest" / "images" / name)
    for name in picked["vindr"]:
        _touch(root / "vindr" / "train" / f"{name}.dicom")
    for name in picked["rsna"]:
        _touch(root / "rsna" / "stage_2_train_images" / f"{name}.dcm")
    return root, picked


@pytest.mark.parametrize("source", ["nih", "padchest", "vindr", "rsna"])
def test_lesson_tables_give_the_same_labels_as_the_public_tables(folders, source):
    from radkit import public
    from radkit.data import real

    root, picked = folders
    names = [f for f in fnd.FINDINGS if f in fnd.CROSSWALK[source]]
    table = real._TABLES[source](root / source, names)
    truth = public.finding_labels(source, names)
    if source == "padchest":  # lessons keep frontal films only
        entries = public.padchest_entries().set_index("image_id")
        assert set(table["image_id"]) == {
            i for i in picked[source] if entries.loc[i, "projection"] in ("PA", "AP", "AP_horizontal")
        }
    else:
        assert set(table["image_id"].str.removesuffix(".dcm")) == set(picked[source])
    ids = table["image_id"].str.removesuffix(".dcm")
    pd.testing.assert_frame_equal(
        table[names].reset_index(drop=True), truth.loc[ids, names].reset_index(drop=True), check_dtype=False
    )
    # hence the same prevalence, for every finding
    for f in names:
        assert np.nanmean(table[f]) == pytest.approx(np.nanmean(truth.loc[ids, f]))


# --------------------------------------------------------------------------- exactly one crosswalk

_RAW = {raw for m in fnd.CROSSWALK.values() for labels in m.values() for raw in labels} - set(fnd.ALL_FINDINGS)


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


#: Not crosswalks: the words radkit's own synthetic reports use for each finding.
_NOT_A_SOURCE = {ROOT / "radkit" / "synth" / "reports.py"}


def test_no_other_module_maps_raw_labels_to_findings():
    offenders = []
    for path in sorted((ROOT / "radkit").rglob("*.py")):
        if path == ROOT / "radkit" / "findings.py" or path in _NOT_A_SOURCE:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            keys = set().union(*(_strings(k) for k in node.keys if k is not None)) if node.keys else set()
            values = set().union(*(_strings(v) for v in node.values)) if node.values else set()
            finding_keys, raw_keys = keys & set(fnd.ALL_FINDINGS), keys & _RAW
            if (len(finding_keys) >= 2 and values & _RAW) or (len(raw_keys) >= 2 and values & set(fnd.ALL_FINDINGS)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        for node in tree.body:
            targets = [
                t.id for t in getattr(node, "targets", [getattr(node, "target", None)]) if isinstance(t, ast.Name)
            ]
            bad = [t for t in targets if t.endswith("_PATHOLOGIES") or t in ("FINDING_LABELS", "SOURCE_COLUMNS")]
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno} defines {t}" for t in bad]
    assert not offenders, (
        f"map raw source labels to findings only in radkit/findings.py (CROSSWALK); found: {offenders}"
    )


def test_findings_is_on_the_ground_floor():
    tree = ast.parse((ROOT / "radkit" / "findings.py").read_text())
    imported = {
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in (n.names if isinstance(n, ast.Import) else [None])
    }
    assert {m.split(".")[0] for m in imported} <= {"__future__", "collections", "numpy", "pandas", "radkit"}
    assert {m for m in imported if m.startswith("radkit")} <= {"radkit._validate"}
