"""Real images in lessons: finding map, resize cache, real_lesson_data on fake NIH / CheXpert folders."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import SMALL_NORMAL, SMALL_PER_FINDING
from PIL import Image
from sklearn.metrics import roc_auc_score
from test_data import dcm

import radkit
from radkit.data import cache as cache_mod
from radkit.data import lesson_data
from radkit.data.cache import CachedImages
from radkit.data.lesson import LESSON_FINDINGS, REAL_SOURCES
from radkit.data.loaders import ImageDataset
from radkit.data.real import MIN_PER_CLASS, _largest_remainder
from radkit.findings import CROSSWALK, finding_table, source_labels
from radkit.public import NIH_FINDINGS
from radkit.public.chexpert import CHEXPERT_COLUMNS

#: the crosswalk's lesson part: the sources RADKIT_IMAGES names and the lesson findings
FINDING_LABELS = {s: {f: CROSSWALK[s][f] for f in LESSON_FINDINGS if f in CROSSWALK[s]} for s in REAL_SOURCES}

# --------------------------------------------------------------------------- the finding map


def _vocabulary(source: str) -> set[str]:
    """Every label name a source's loader can produce, from the public tables (independent of the map)."""
    from radkit import public

    if source == "nih":
        return set(NIH_FINDINGS)
    if source == "chexpert":
        return set(CHEXPERT_COLUMNS)
    if source == "rsna":
        return {"Target"}  # the label file's column (RSNAPneumonia calls it "Pneumonia")
    if source == "vindr":
        return set(public.vindr_reader_labels()["finding"])
    if source == "siim":
        return {"Pneumothorax"}  # SIIMPneumothorax's one column: a film with a mask row
    return {label for labels in public.padchest_entries()["labels"] for label in labels}


@pytest.mark.parametrize("source", REAL_SOURCES)
def test_every_lesson_finding_maps_to_real_labels_or_raises_naming_the_cause(source):
    vocabulary = _vocabulary(source)
    for finding in LESSON_FINDINGS:
        if finding in FINDING_LABELS[source]:
            names = source_labels(source, finding)
            assert names and set(names) <= vocabulary, (source, finding, set(names) - vocabulary)
        else:
            with pytest.raises(ValueError, match=f"has no {finding} label; it has ") as err:
                source_labels(source, finding)
            # the message lists what the source has, and which sources have the finding
            assert all(f in str(err.value) for f in FINDING_LABELS[source])
            assert "RADKIT_IMAGES=" in str(err.value)


def test_only_rsna_lacks_findings_and_the_table_agrees():
    lacking = {s: [f for f in LESSON_FINDINGS if f not in m] for s, m in FINDING_LABELS.items()}
    assert lacking == {
        "nih": [],
        "chexpert": [],
        "vindr": [],
        "padchest": [],
        "rsna": ["nodule", "effusion", "cardiomegaly", "pneumothorax"],
        "siim": ["nodule", "consolidation", "effusion", "cardiomegaly"],
    }
    table = finding_table()
    assert table.loc["nodule", "nih"] == "Nodule | Mass" and table.loc["effusion", "rsna"] == ""


def test_mapped_labels_have_positives_in_the_shipped_public_tables():
    from radkit import public

    nih = public.nih_entries()
    for finding, names in FINDING_LABELS["nih"].items():
        assert nih[[n.lower() for n in names]].to_numpy().any(axis=1).sum() > 100, finding
    counts = pd.Series([label for labels in public.padchest_entries()["labels"] for label in labels]).value_counts()
    for finding, names in FINDING_LABELS["padchest"].items():
        assert all(counts.get(n, 0) > 0 for n in names), finding


def test_largest_remainder_is_proportional_and_exact():
    counts = _largest_remainder(np.array([30.0, 10, 10, 10]), 20)
    assert counts.sum() == 20 and counts.tolist() == [10, 4, 3, 3]
    assert _largest_remainder(np.array([5.0, 5.0]), 10).tolist() == [5, 5]


# --------------------------------------------------------------------------- the resize cache


@pytest.fixture
def image_files(tmp_path, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path / "cache"))
    gen = np.random.default_rng(3)
    files = []
    for i in range(4):
        p = tmp_path / "img" / f"{i}.png"
        p.parent.mkdir(exist_ok=True)
        Image.fromarray(gen.integers(0, 256, (50, 40), dtype=np.uint8)).save(p)
        files.append(p)
    q = tmp_path / "img" / "4.dcm"
    dcm(q, gen.integers(0, 4096, (48, 48)), WindowCenter=2048, WindowWidth=4096)
    return files + [q]


def _counting(monkeypatch):
    calls = []
    real = cache_mod.read_image

    def counted(path):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(cache_mod, "read_image", counted)
    return calls


def _table(files):
    return pd.DataFrame({"effusion": np.arange(len(files)) % 2}, dtype=float), pd.DataFrame({"i": range(len(files))})


def test_second_epoch_reads_no_image_file_and_matches_the_first(image_files, monkeypatch):
    labels, meta = _table(image_files)
    ds = CachedImages(labels, meta, image_files, size=16)
    calls = _counting(monkeypatch)
    first = torch.stack([ds[i][0] for i in range(len(ds))])
    assert len(calls) == len(image_files)
    second = torch.stack([ds[i][0] for i in range(len(ds))])
    assert len(calls) == len(image_files)  # no file decoded again
    assert torch.equal(first, second)
    # and a fresh Dataset (a new process, a new notebook) reuses the entries too
    again = CachedImages(labels, meta, image_files, size=16).stack(progress=False)
    assert len(calls) == len(image_files) and torch.equal(again, first)


def test_cached_pixels_equal_the_uncached_loader_within_16_bit_rounding(image_files):
    labels, meta = _table(image_files)
    reference = ImageDataset(labels, meta, image_files, size=16)  # radkit's plain loader, no cache
    ds = CachedImages(labels, meta, image_files, size=16)
    for i in range(len(ds)):
        assert torch.allclose(ds[i][0], reference[i][0], atol=0.5 / 65535 + 1e-7)
    no_cache = CachedImages(labels, meta, image_files, size=16, cache=False)
    assert torch.equal(no_cache.stack(progress=False), ds.stack(progress=False))


def test_a_changed_source_file_invalidates_only_its_entry(image_files, monkeypatch):
    labels, meta = _table(image_files)
    ds = CachedImages(labels, meta, image_files, size=16)
    before = ds.stack(progress=False)
    calls = _counting(monkeypatch)
    Image.fromarray(np.full((50, 40), 200, dtype=np.uint8)).save(image_files[1])
    os.utime(image_files[1], ns=(1, 1_000_000_000))  # a different mtime even on coarse clocks
    assert not ds.is_cached(1) and ds.is_cached(0)
    after = ds.stack(progress=False)
    assert calls == [str(image_files[1])]
    assert torch.allclose(after[1], torch.full_like(after[1], 200 / 255), atol=1e-4)
    assert torch.equal(after[[0, 2, 3, 4]], before[[0, 2, 3, 4]])
    entries = list(ds.cache_dir.rglob("*.npy"))
    assert len(entries) == len(image_files)  # the stale entry was removed, not left next to the new one


def test_a_truncated_cache_entry_is_decoded_again(image_files):
    labels, meta = _table(image_files)
    ds = CachedImages(labels, meta, image_files, size=16)
    good = ds[0][0]
    ds._entry(0).write_bytes(b"\x93NUMPY")
    assert torch.equal(ds[0][0], good)


@pytest.mark.parametrize("damage", [b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 30, b"not an image at all"])
def test_a_corrupt_film_among_good_ones_names_the_file_and_what_to_do(image_files, damage):
    image_files[2].write_bytes(damage)
    labels, meta = _table(image_files)
    ds = CachedImages(labels, meta, image_files, size=16)
    assert ds[1][0].shape == (1, 16, 16)  # the good films are unaffected
    with pytest.raises(ValueError, match=r"2\.png cannot be decoded .*Download it again, or delete it"):
        ds.stack(progress=False, num_workers=0)


def test_8_bit_16_bit_and_rgb_films_mixed_in_one_folder_stack_alike(tmp_path, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path / "cache"))
    ramp = np.linspace(0, 1, 32 * 32).reshape(32, 32)
    films = {
        "gray8.png": Image.fromarray(np.round(ramp * 255).astype(np.uint8)),
        "gray16.png": Image.fromarray(np.round(ramp * 65535).astype(np.uint16)),
        "rgb.png": Image.fromarray(np.repeat(np.round(ramp * 255).astype(np.uint8)[..., None], 3, axis=2)),
    }
    files = []
    for name, im in films.items():
        im.save(tmp_path / name)
        files.append(tmp_path / name)
    labels, meta = _table(files)
    stack = CachedImages(labels, meta, files, size=16, intensity="minmax").stack(progress=False, num_workers=0)
    assert stack.shape == (3, 1, 16, 16)
    # each film is scaled by its own depth (or min-max), so the three codings of one ramp agree
    assert float((stack[1] - stack[0]).abs().max()) < 0.01 and float((stack[2] - stack[0]).abs().max()) < 0.01


def test_worker_processes_give_the_same_stack(image_files):
    labels, meta = _table(image_files)
    ds = CachedImages(labels, meta, image_files, size=16)
    with_workers = ds.stack(num_workers=2, progress=False)
    assert ds.is_cached(0) and torch.equal(
        CachedImages(labels, meta, image_files, size=16, cache=False).stack(progress=False), with_workers
    )


def test_cached_images_needs_a_size(image_files):
    labels, meta = _table(image_files)
    with pytest.raises(ValueError, match="needs a fixed size"):
        CachedImages(labels, meta, image_files, size=None)


# --------------------------------------------------------------------------- lesson_data on fake folders


@pytest.fixture
def prof(fake_cxr_data, monkeypatch):
    monkeypatch.setenv("RADKIT_DATA", str(fake_cxr_data))
    return radkit.setup(profile_name="quick", verbose=False)


FINDINGS = ["effusion", "cardiomegaly"]
N_FAKE = SMALL_NORMAL + SMALL_PER_FINDING * len(LESSON_FINDINGS)  # images in each fake folder


def test_nih_lesson_data_end_to_end(prof, capsys):
    n_train, n_test = 2 * prof.n_train, 2 * prof.n_test  # more than the folder holds
    d = lesson_data(prof, findings=FINDINGS, source="nih", size=32, n_train=n_train, n_test=n_test)
    assert d.source == "nih" and not d.synthetic and d.findings == FINDINGS
    assert f"the folder has {N_FAKE} usable" in capsys.readouterr().out  # fewer than asked: said so
    # all used, in the asked train:test ratio
    assert len(d.train) + len(d.test) == N_FAKE
    assert len(d.test) == round(N_FAKE * n_test / (n_train + n_test))
    X, y = d.train.tensors()
    assert X.shape == (len(d.train), 1, 32, 32) and X.dtype == torch.float32 and y.shape == (len(d.train), 2)
    assert float(X.min()) >= 0 and float(X.max()) <= 1
    assert torch.equal(y, torch.tensor(d.train.labels.to_numpy()))
    for split in (d.train, d.test):
        assert set(split.meta.columns) >= {"age", "sex", "view", "site", "date", "source", "patient_id"}
        assert split.meta["view"].isin(["PA", "AP"]).all() and split.meta["sex"].isin(["M", "F"]).all()
        assert (split.labels.sum() >= MIN_PER_CLASS).all()
    assert not set(d.train.meta["patient_id"]) & set(d.test.meta["patient_id"])
    # labels are the real NIH labels of those image names
    from radkit import public

    nih = public.nih_entries().set_index("image_id")
    truth = nih.loc[d.test.meta["image_id"], ["effusion", "cardiomegaly"]].to_numpy()
    assert np.array_equal(truth, d.test.labels.to_numpy())


def test_same_seed_same_split_other_seed_other_split(prof):
    a = lesson_data(prof, findings=FINDINGS, source="nih", size=16, seed=5)
    b = lesson_data(prof, findings=FINDINGS, source="nih", size=16, seed=5)
    c = lesson_data(prof, findings=FINDINGS, source="nih", size=16, seed=6)
    assert a.test.meta["image_id"].tolist() == b.test.meta["image_id"].tolist()
    assert set(a.test.meta["image_id"]) != set(c.test.meta["image_id"])


def test_sampling_keeps_prevalence_when_the_source_is_larger(prof):
    d = lesson_data(prof, findings=["pneumothorax"], source="nih", n_train=30, n_test=20, size=16)
    assert (len(d.train), len(d.test)) == (30, 20)
    # the draw keeps the folder's prevalence in each set (stratified)
    prevalence = SMALL_PER_FINDING / N_FAKE
    assert d.train.labels["pneumothorax"].sum() == pytest.approx(30 * prevalence, abs=1)
    assert d.test.labels["pneumothorax"].sum() == pytest.approx(20 * prevalence, abs=1)


def test_too_few_positives_is_a_clear_error(prof):
    with pytest.raises(ValueError, match=r"test set has [01] positive .* at least 2 of each"):
        lesson_data(prof, findings=["effusion"], source="nih", n_train=60, n_test=8, size=16)


def test_a_finding_the_source_lacks_fails_before_reading_files(prof):
    with pytest.raises(ValueError, match="has no effusion label; it has consolidation"):
        lesson_data(prof, findings=["effusion"], source="rsna")


def test_missing_folder_says_what_to_download(prof, tmp_path, monkeypatch):
    monkeypatch.setenv("RADKIT_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"(?s)Download it from https://.*vindr"):
        lesson_data(prof, findings=["effusion"], source="vindr")


def test_switch_is_read_once_by_setup(fake_cxr_data, monkeypatch):
    monkeypatch.setenv("RADKIT_DATA", str(fake_cxr_data))
    monkeypatch.setenv("RADKIT_IMAGES", "nih")
    prof = radkit.setup(profile_name="quick", verbose=False)
    monkeypatch.setenv("RADKIT_IMAGES", "synthetic")
    assert prof.images == "nih" and lesson_data(prof, findings="effusion", size=16).source == "nih"
    assert lesson_data(
        prof, findings="effusion", size=16, n_train=8, n_test=4, masks=False, source="synthetic"
    ).synthetic


def test_synthetic_options_are_ignored_with_a_note_for_real_images(prof, capsys):
    d = lesson_data(prof, findings="effusion", source="nih", size=16, sites=3, uncertain="zeros")
    assert d.source == "nih" and "synthetic-only options sites" in capsys.readouterr().out


def test_chexpert_lesson_data_and_its_uncertain_policy(prof):
    d = lesson_data(prof, findings=FINDINGS, source="chexpert", size=16)
    assert len(d.train) + len(d.test) == N_FAKE  # the 3 listed-but-absent images are skipped
    assert d.train.meta["sex"].isin(["M", "F"]).all() and (d.train.meta["site"] == "Stanford Hospital").all()
    assert not set(d.train.meta["patient_id"]) & set(d.test.meta["patient_id"])
    with pytest.raises(ValueError, match="uncertain='maybe'.*'drop'"):
        lesson_data(prof, findings=FINDINGS, source="chexpert", uncertain="maybe")


def test_fit_and_predict_run_on_real_splits(prof):
    from radkit import models, train

    d = lesson_data(prof, findings=FINDINGS, source="nih", size=32)
    model = models.make_model("smallcnn", num_classes=2, seed=prof.seed)
    history = train.fit(
        model,
        d.train.dataset(),
        val_data=d.test.dataset(),
        num_epochs=2,
        lr=1e-3,
        batch_size=16,
        seed=prof.seed,
        progress=False,
    )
    assert len(history.rows) == 2 and np.isfinite(history["train_loss"]).all()
    from_dataset = train.predict(model, d.test.dataset())
    X, y = d.test.tensors()
    from_tensors = train.predict(model, X)
    assert from_dataset.shape == (len(d.test), 2) and np.allclose(from_dataset, from_tensors, atol=1e-5)
    assert 0 <= roc_auc_score(y[:, 0], from_dataset[:, 0]) <= 1


def test_data_card_table_lists_every_mapped_label():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "datasets" / "README.md").read_text()
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:-1]
        for line in text.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip() in LESSON_FINDINGS
    }
    assert set(rows) == set(LESSON_FINDINGS)
    sources = list(FINDING_LABELS)
    for finding, cells in rows.items():
        for source, cell in zip(sources, cells):
            names = FINDING_LABELS[source].get(finding, ())
            assert all(f"`{n}`" in cell for n in names) and (bool(names) or cell.strip() == "—"), (finding, source)


# --------------------------------------------------------------------------- RSNA, VinDr-CXR, PadChest


def _pixels(i: int) -> np.ndarray:
    return np.random.default_rng(i).integers(0, 4096, (40, 40))


@pytest.fixture(scope="module")
def other_sources(tmp_path_factory):
    """Fake rsna/, vindr/ and padchest/ folders: 8 positive and 8 negative real names each, no label files."""
    from radkit import public

    root = tmp_path_factory.mktemp("fake-other")
    rsna = public.rsna_entries()
    chosen = pd.concat([rsna[rsna["target"] == 1].head(8), rsna[rsna["target"] == 0].head(8)])
    for i, pid in enumerate(chosen["patient_id"]):
        dcm(root / "rsna" / "stage_2_train_images" / f"{pid}.dcm", _pixels(i))
    votes = public.vindr_reader_labels()
    votes = votes[votes["finding"] == "Pleural effusion"].groupby("item")["label"].mean()
    vindr = list(votes[votes > 0.5].index[:8]) + list(votes[votes == 0].index[:8])
    for i, image_id in enumerate(vindr):
        dcm(root / "vindr" / "train" / f"{image_id}.dicom", _pixels(100 + i))
    pad = public.padchest_entries()
    pad = pad[pad["projection"] == "PA"].drop_duplicates("patient_id")
    effusion = pad["labels"].map(lambda ls: "pleural effusion" in ls)
    normal = pad["labels"].map(lambda ls: ls == ["normal"])
    lateral = public.padchest_entries().query("projection == 'L'").head(2)  # must be left out
    padchest = pd.concat([pad[effusion].head(8), pad[normal].head(8), lateral])
    for i, name in enumerate(padchest["image_id"]):
        path = root / "padchest" / "images" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(_pixels(200 + i).astype(np.uint16)).save(path)  # 12 bits used of 16, like PadChest
    return root, {"rsna": chosen, "vindr": votes.loc[vindr], "padchest": padchest}


def test_rsna_gives_consolidation_with_header_metadata(other_sources, monkeypatch):
    root, truth = other_sources
    monkeypatch.setenv("RADKIT_DATA", str(root))
    prof = radkit.setup(profile_name="quick", verbose=False)
    d = lesson_data(prof, findings=["consolidation"], source="rsna", size=16)
    assert len(d.train) + len(d.test) == 16
    expected = truth["rsna"].set_index("patient_id")
    for split in (d.train, d.test):
        ids = split.meta["patient_id"]
        assert np.array_equal(split.labels["consolidation"].to_numpy(), expected.loc[ids, "target"].to_numpy())
        assert np.array_equal(split.meta["age"].to_numpy(), expected.loc[ids, "age"].to_numpy(dtype=float))
        assert split.meta["view"].isin(["PA", "AP"]).all()
    assert d.train.tensors()[0].shape == (len(d.train), 1, 16, 16)


def test_vindr_majority_labels(other_sources, monkeypatch):
    root, truth = other_sources
    monkeypatch.setenv("RADKIT_DATA", str(root))
    prof = radkit.setup(profile_name="quick", verbose=False)
    d = lesson_data(prof, findings=["effusion"], source="vindr", size=16)
    both = pd.concat(
        [
            d.train.labels.assign(image_id=d.train.meta["image_id"]),
            d.test.labels.assign(image_id=d.test.meta["image_id"]),
        ]
    ).set_index("image_id")
    assert len(both) == 16
    assert np.array_equal(both["effusion"].to_numpy(), (truth["vindr"].loc[both.index] > 0.5).to_numpy(float))
    with pytest.raises(ValueError, match="label_policy='some'"):
        lesson_data(prof, findings=["effusion"], source="vindr", label_policy="some")


def test_padchest_frontal_only_with_dates_ages_and_manufacturers(other_sources, monkeypatch):
    root, truth = other_sources
    monkeypatch.setenv("RADKIT_DATA", str(root))
    prof = radkit.setup(profile_name="quick", verbose=False)
    d = lesson_data(prof, findings=["effusion"], source="padchest", size=16)
    meta = pd.concat([d.train.meta, d.test.meta])
    assert len(meta) == 16 and (meta["view"] == "PA").all()  # the two lateral films are not used
    expected = truth["padchest"].set_index("image_id").loc[meta["image_id"]]
    assert np.array_equal(meta["date"].to_numpy(), expected["study_date"].to_numpy())
    assert np.array_equal(meta["age"].to_numpy(), expected["age"].to_numpy(dtype=float))
    assert (meta["manufacturer"] == expected["manufacturer"].astype(str).to_numpy()).all()
    labels = pd.concat([d.train.labels, d.test.labels])["effusion"].to_numpy()
    assert np.array_equal(labels, expected["labels"].map(lambda ls: float("pleural effusion" in ls)).to_numpy())
    X, _ = d.test.tensors()
    # stretched per image: 12-bit noise in a 16-bit container would average 0.03 divided by 65535
    assert float(X.mean(dim=(1, 2, 3)).min()) > 0.4


def test_external_validation_train_on_nih_test_on_chexpert(prof, fake_cxr_data):
    from radkit import models, train
    from radkit.data import available_sources

    assert available_sources() == ["nih", "chexpert"] == available_sources(fake_cxr_data)
    nih = lesson_data(prof, findings=FINDINGS, source="nih", size=32)
    chexpert = lesson_data(prof, findings=FINDINGS, source="chexpert", size=32)
    model = models.make_model("smallcnn", num_classes=2, seed=prof.seed)
    train.fit(
        model, nih.train.dataset(), num_epochs=1, lr=1e-3, batch_size=16, seed=prof.seed, progress=False, num_workers=2
    )  # decoding in worker processes
    external = train.predict(model, chexpert.test.dataset())
    assert external.shape == (len(chexpert.test), 2)
    assert set(nih.test.meta["site"]) != set(chexpert.test.meta["site"])
    batch = next(iter(torch.utils.data.DataLoader(nih.test.dataset(), batch_size=4)))
    assert batch[2]["date"] == [""] * 4 and batch[2]["source"] == ["nih"] * 4
