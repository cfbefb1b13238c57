"""``python -m radkit.data check``: counts against the label table, unreadable files, what lessons use."""

import shutil

import numpy as np
import pytest

from radkit.data.__main__ import main
from radkit.data.check import SHOWN, folder_report
from tests.conftest import SMALL_NORMAL, SMALL_PER_FINDING


@pytest.fixture
def nih_copy(fake_cxr_data, tmp_path):
    """A private copy of the fake NIH folder (tests below damage it)."""
    shutil.copytree(fake_cxr_data / "nih", tmp_path / "nih")
    return tmp_path / "nih"


def test_a_complete_folder_counts_every_film_and_what_lessons_use(fake_cxr_data):
    r = folder_report("chexpert", fake_cxr_data / "chexpert", progress=False)
    n = SMALL_NORMAL + SMALL_PER_FINDING * 5  # five lesson findings in the fake folders
    assert r.found == n and r.decoded == n and not r.unreadable
    assert r.listed == n + 3 and len(r.missing) == 3  # the fake CSV lists three films it does not write
    assert not r.ok
    assert r.films <= n and r.patients == r.films  # one frontal film per fake patient
    assert set(r.positives) and all(v >= SMALL_PER_FINDING for v in r.positives.values())


def test_the_nih_table_lists_far_more_than_a_partial_download(nih_copy):
    r = folder_report("nih", nih_copy, progress=False)
    assert r.listed == 112_120 and r.found == len(list((nih_copy / "images").iterdir()))
    assert len(r.missing) == r.listed - r.found
    text = str(r)
    assert f"{r.found:,} of 112,120" in text and f"... and {len(r.missing) - SHOWN:,} more" in text


def test_a_corrupt_png_is_named_and_not_used(nih_copy):
    files = sorted((nih_copy / "images").iterdir())
    files[0].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)  # a truncated download
    files[1].write_bytes(b"")
    r = folder_report("nih", nih_copy, progress=False)
    assert sorted(p for p, _ in r.unreadable) == sorted(map(str, files[:2]))
    assert r.films == r.found - 2  # the lessons' count leaves the unreadable films out
    assert "2 unreadable" in str(r) and "Download those files again" in str(r)


def test_a_sample_decodes_only_that_many_and_is_seeded(nih_copy):
    a = folder_report("nih", nih_copy, sample=7, seed=1, progress=False)
    assert a.decoded == 7 and "a random 7 of" in str(a)
    with pytest.raises(ValueError, match="sample=0"):
        folder_report("nih", nih_copy, sample=0, seed=0, progress=False)
    with pytest.raises(ValueError, match="give seed= too"):
        folder_report("nih", nih_copy, sample=5, progress=False)


def test_another_sources_films_and_a_missing_folder_are_clear_errors(fake_cxr_data, tmp_path):
    shutil.copytree(fake_cxr_data / "chexpert", tmp_path / "nih")  # CheXpert's films where NIH's belong
    with pytest.raises(FileNotFoundError, match="none of the 112120 images in the label table found") as err:
        folder_report("nih", tmp_path / "nih", progress=False)
    n_jpg = len(list((tmp_path / "nih").rglob("*.jpg")))
    assert f"the folder holds {n_jpg:,} image files" in str(err.value) and "another source's films" in str(err.value)
    with pytest.raises(FileNotFoundError, match="Download it from"):
        folder_report("nih", tmp_path / "absent", progress=False)


def test_another_sources_films_among_the_right_ones_are_listed_and_never_read(nih_copy, fake_cxr_data, monkeypatch):
    strays = sorted((fake_cxr_data / "chexpert").rglob("*.jpg"))[:4]
    for k, jpg in enumerate(strays):
        shutil.copy(jpg, nih_copy / "images" / f"stray{k}.jpg")
    r = folder_report("nih", nih_copy, progress=False)
    assert r.unlisted == [f"images/stray{k}.jpg" for k in range(4)]
    assert "4 image files in the folder are not in the label table" in str(r)
    assert r.found == len(list((nih_copy / "images").glob("*.png")))  # the strays are not counted as NIH films
    from radkit.data.real import real_lesson_data

    d = real_lesson_data("nih", ["effusion"], n_train=60, n_test=40, size=8, seed=0, root=nih_copy, verbose=False)
    assert not any("stray" in str(f) for f in d.train.dataset().files + d.test.dataset().files)


def test_the_command_line_exit_codes(nih_copy, fake_cxr_data, tmp_path, capsys):
    assert main(["check", "nih", "--root", str(nih_copy), "--sample", "5"]) == 1  # partial: not ok
    assert "The lessons will use" in capsys.readouterr().out
    assert main(["check", "nih", "--root", str(tmp_path / "absent")]) == 2
    assert "Download it from" in capsys.readouterr().err


def test_lesson_data_notes_the_films_absent_from_the_folder(fake_cxr_data, monkeypatch, capsys):
    from radkit.data.real import real_lesson_data

    monkeypatch.setenv("RADKIT_DATA", str(fake_cxr_data))
    d = real_lesson_data("nih", ["effusion"], n_train=60, n_test=40, size=32, seed=0)
    assert any("not in the folder" in n and "radkit.data check nih" in n for n in d.notes)
    assert np.isfinite(d.train.labels.to_numpy()).all()
