"""Bad input to radkit.checkpoint: nothing of the user's is destroyed, errors say what to do."""

from __future__ import annotations

import collections

import pytest
import torch

from radkit.checkpoint import load_checkpoint, save_checkpoint
from radkit.models import make_model


def small(k: int = 2, seed: int = 0):
    return make_model("smallcnn", num_classes=k, seed=seed)


def test_existing_tmp_file_of_the_user_survives(tmp_path):
    mine = tmp_path / "m.pt.tmp"
    mine.write_text("my notes")
    save_checkpoint(small(), tmp_path / "m.pt")
    assert mine.read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt", "m.pt.tmp"]


def test_saving_onto_a_folder_writes_nothing(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    with pytest.raises(IsADirectoryError, match="folder.*model.pt.*Nothing was written"):
        save_checkpoint(small(), folder, overwrite=True)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_failed_save_leaves_no_temporary_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = save_checkpoint(small(seed=1), tmp_path / "m.pt")
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(small(seed=2), path, overwrite=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_existing_file_message_suggests_a_new_name(tmp_path):
    path = save_checkpoint(small(), tmp_path / "m.pt")
    with pytest.raises(FileExistsError, match="another file name"):
        save_checkpoint(small(), path)


@pytest.mark.parametrize("content", [b"hello, I am a text file\n", b"", b"PK\x03\x04garbage"])
def test_loading_a_non_checkpoint_never_suggests_disabling_the_safety(tmp_path, content):
    path = tmp_path / "notes.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a radkit checkpoint") as info:
        load_checkpoint(small(), path)
    assert "weights_only=False" not in str(info.value) and "notes.pt" in str(info.value)


class Payload:  # an arbitrary object: weights_only=True must refuse it
    pass


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "meta": Payload()}, path)
    with pytest.raises(ValueError, match="not a radkit checkpoint") as info:
        load_checkpoint(small(), path)
    assert "weights_only=False" not in str(info.value)


def test_bare_state_dict_is_explained(tmp_path):
    path = tmp_path / "sd.pt"
    torch.save(small().state_dict(), path)
    with pytest.raises(ValueError, match="load_state_dict"):
        load_checkpoint(small(), path)


def test_other_architecture_is_named(tmp_path):
    path = save_checkpoint(small(), tmp_path / "m.pt")
    with pytest.raises(ValueError, match="architecture and num_classes.*strict=False"):
        load_checkpoint(make_model("resnet18", num_classes=2, seed=0), path)
    with pytest.raises(ValueError, match="shapes differ"):
        load_checkpoint(small(k=3), path, strict=False)


def test_strict_false_reports_the_key_lists(tmp_path):
    path = save_checkpoint(small(), tmp_path / "m.pt", arch="smallcnn")
    model = make_model("resnet18", num_classes=2, seed=0)
    with pytest.warns(UserWarning, match="were not in the file"):
        meta = load_checkpoint(model, path, strict=False)
    reference = model.load_state_dict(torch.load(path, weights_only=True)["state_dict"], strict=False)
    assert meta["_missing_keys"] == list(reference.missing_keys) and len(meta["_missing_keys"]) > 10
    assert meta["_unexpected_keys"] == list(reference.unexpected_keys) and meta["arch"] == "smallcnn"


def test_arguments_swapped_or_not_a_model(tmp_path):
    with pytest.raises(TypeError, match="nn.Module"):
        save_checkpoint(tmp_path / "m.pt", small())
    with pytest.raises(TypeError, match="nn.Module"):
        load_checkpoint(collections.OrderedDict(), tmp_path / "m.pt")
    with pytest.raises(IsADirectoryError, match="folder"):
        load_checkpoint(small(), tmp_path)
