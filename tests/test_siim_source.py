"""SIIM-ACR as a real source: the loader, its masks, the lesson table, the folder check, the fake writer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from radkit.data.loaders import SIIMPneumothorax
from radkit.public import rle_decode, siim_masks


def _dicom(path, pixels, uid):
    from radkit.devtools.fake_cxr import _write_dicom

    path.parent.mkdir(parents=True, exist_ok=True)
    _write_dicom(path, pixels, bits=8, uid=uid)


# a 16 x 16 block: columns 16-31, rows 32-47 of a 1024 x 1024 film, in SIIM's relative column-major runs
# (first gap from pixel 0: 16 * 1024 + 32; each later gap from the end of the previous run: 1024 - 16)
BLOCK = " ".join(["16416 16"] + ["1008 16"] * 15)
# by hand: pixel 2050 is column 2 (2050 // 1024), row 2 (2050 % 1024): rows 2-4 of column 2; the run ends at
# 2053, a gap of 1019 starts at 3072 = column 3, row 0: rows 0-1 of column 3
SMALL = "2050 3 1019 2"


@pytest.fixture
def folder(tmp_path):
    """A stage-1 layout by hand: three films in <study>/<series>/ folders, one listed but absent."""
    root = tmp_path / "siim"
    rows = [("1.2.3.1", BLOCK), ("1.2.3.1", SMALL), ("1.2.3.2", "-1"), ("1.2.3.3", "-1"), ("1.2.3.9", "-1")]
    root.mkdir()
    pd.DataFrame(rows, columns=["ImageId", " EncodedPixels"]).to_csv(root / "train-rle.csv", index=False)
    for k, uid in enumerate(["1.2.3.1", "1.2.3.2", "1.2.3.3"]):
        pixels = np.full((64, 64), 100 + k, dtype=np.uint8)
        _dicom(root / "dicom-images-train" / f"study{k}" / f"series{k}" / f"{uid}.dcm", pixels, uid)
    return root


def test_rle_by_hand_and_resampled_to_a_lesson_size():
    mask = rle_decode(SMALL)
    assert mask.sum() == 5 and mask[2:5, 2].all() and mask[0:2, 3].all()
    block = rle_decode(BLOCK)
    assert block.sum() == 256 and block[32:48, 16:32].all()
    small = siim_masks([BLOCK], size=64)[0]  # 16-pixel cells: the block is cell (row 2, column 1)
    assert small.sum() == 1 and small[2, 1]
    assert not siim_masks([SMALL], size=64).any()  # five pixels cover no cell half-way
    assert siim_masks([SMALL], size=64, cover=1e-9)[0][0, 0]
    # a size that does not divide 1024 (the full profile's 224): blocks of 4 or 5 pixels, same place on the film
    full = siim_masks([BLOCK], size=224)[0]
    rows, cols = np.nonzero(full)
    big = rle_decode(BLOCK, shape=(1024, 1024))
    r, c = np.nonzero(big)
    assert abs(rows.mean() * 1024 / 224 - r.mean()) < 5 and abs(cols.mean() * 1024 / 224 - c.mean()) < 5
    assert abs(full.sum() * (1024 / 224) ** 2 - big.sum()) / big.sum() < 0.1  # area kept within 10%
    with pytest.raises(ValueError, match="up to the films'"):
        siim_masks([BLOCK], size=2048)


def test_loader_finds_films_by_name_and_carries_their_masks(folder):
    ds = SIIMPneumothorax(folder, missing="skip", size=None)
    assert list(ds.meta["image_id"]) == ["1.2.3.1", "1.2.3.2", "1.2.3.3"]
    assert ds.labels["Pneumothorax"].tolist() == [1.0, 0.0, 0.0]
    assert ds.not_found == ["1.2.3.9.dcm"] and ds.meta["n_components"].tolist() == [2, 0, 0]
    full = ds.mask(0)
    assert full.shape == (1024, 1024) and full.sum() == 256 + 5 and full[2:5, 2].all()
    assert ds.mask(0, size=64).sum() == 1 and not ds.mask(1).any()
    assert ds.load(0).shape == (64, 64)
    with pytest.raises(FileNotFoundError, match="missing"):
        SIIMPneumothorax(folder, size=None)  # missing="error" names the absent film's count


def test_lesson_table_and_check_command(folder, capsys):
    from radkit.data.__main__ import main
    from radkit.data.real import _TABLES

    table = _TABLES["siim"](folder, ["pneumothorax"])
    assert table["pneumothorax"].tolist() == [1.0, 0.0, 0.0]
    assert (table["patient_id"] == table["image_id"]).all() and set(table["view"]) == {"frontal"}
    assert table.attrs == {"not_found": 1, "listed": 4}
    assert main(["check", "siim", "--root", str(folder)]) == 1  # one listed film is absent
    out = capsys.readouterr().out
    assert "3 of 4 films" in out and "1.2.3.9.dcm" in out and "pneumothorax 1" in out


def test_fake_sample_draws_the_pneumothorax_inside_the_real_mask(tmp_path):
    from radkit.data.real import real_lesson_data
    from radkit.devtools.fake_cxr import write_fake_sample
    from radkit.public import siim_pneumothorax

    base = write_fake_sample(tmp_path, "siim", 60, seed=0)
    ds = SIIMPneumothorax(base, size=None)  # train-rle.csv lists exactly the films written
    truth = siim_pneumothorax().set_index("image_id").loc[list(ds.meta["image_id"]), "has_pneumothorax"]
    assert ds.labels["Pneumothorax"].tolist() == truth.astype(float).tolist() and not ds.not_found
    positives = np.flatnonzero(ds.labels["Pneumothorax"].to_numpy() == 1)
    assert 5 <= len(positives) <= 25  # SIIM's prevalence is about 22%
    for i in positives:
        film, mask = ds.load(int(i)), ds.mask(int(i), size=128)
        assert film[mask].mean() < film[~mask].mean() - 0.05, i  # dark air where the radiologists drew it
    d = real_lesson_data("siim", ["pneumothorax"], n_train=40, n_test=20, size=32, seed=0, root=base, cache=False)
    assert len(d.train) + len(d.test) == 60 and set(d.test.meta["image_id"]) <= set(ds.meta["image_id"])
