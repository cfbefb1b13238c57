"""Sources as sites: RADKIT_EXTERNAL, external test sets, the source comparison and real-prevalence fake folders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

import radkit
from radkit.config import external_sources
from radkit.data import compare_sources, external_sets, lesson_data
from radkit.devtools.fake_cxr import _eligible, write_fake_sample


def test_external_sources_parse_and_refuse_what_cannot_be_external(monkeypatch):
    assert external_sources(" PadChest ,vindr", images="nih") == ("padchest", "vindr")
    monkeypatch.setenv("RADKIT_EXTERNAL", "chexpert")
    assert external_sources(images="nih") == ("chexpert",)
    with pytest.raises(ValueError, match=r"Unknown external source\(s\) \['mimic'\].*environment variable"):
        monkeypatch.setenv("RADKIT_EXTERNAL", "mimic")
        external_sources(images="nih")
    with pytest.raises(ValueError, match="needs a real training source: set RADKIT_IMAGES"):
        external_sources("nih", images="synthetic")
    with pytest.raises(ValueError, match="not the training source 'nih'.*internal validation"):
        external_sources("nih,padchest", images="nih")
    with pytest.raises(ValueError, match="name each external source once"):
        external_sources("padchest,padchest", images="nih")


def test_setup_reads_and_prints_the_external_sources(monkeypatch, capsys):
    monkeypatch.setenv("RADKIT_IMAGES", "nih")
    monkeypatch.setenv("RADKIT_EXTERNAL", "padchest,vindr")
    prof = radkit.setup(profile_name="quick")
    assert prof.images == "nih" and prof.external == ("padchest", "vindr")
    assert "images: nih | external: padchest, vindr" in capsys.readouterr().out
    monkeypatch.delenv("RADKIT_EXTERNAL")
    assert radkit.setup(profile_name="quick", verbose=False).external == ()


@pytest.fixture(scope="module")
def four_sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("four-sources")
    for k, source in enumerate(("nih", "chexpert", "padchest", "vindr")):
        write_fake_sample(root, source, 400, seed=k)
    return root


def test_external_sets_draw_test_only_sets_of_each_named_source(four_sources, monkeypatch):
    monkeypatch.setenv("RADKIT_DATA", str(four_sources))
    monkeypatch.setenv("RADKIT_IMAGES", "nih")
    monkeypatch.setenv("RADKIT_EXTERNAL", "padchest,vindr,chexpert")
    prof = radkit.setup(profile_name="quick", verbose=False)
    home = lesson_data(prof, findings=["cardiomegaly", "effusion"], n_train=200, n_test=100, size=16)
    ext = external_sets(prof, findings=["cardiomegaly", "effusion"], n_test=150, size=16)
    assert list(ext) == ["padchest", "vindr", "chexpert"]
    for source, split in ext.items():
        X, y = split.tensors()
        assert X.shape == (150, 1, 16, 16) and y.shape == (150, 2)
        assert set(split.meta["source"]) == {source}
    again = external_sets(prof, findings=["cardiomegaly", "effusion"], n_test=150, size=16)
    pd.testing.assert_frame_equal(ext["vindr"].meta, again["vindr"].meta)  # same seed, same films
    table = compare_sources({"nih": home.test, **ext}, ["cardiomegaly", "effusion"])
    assert list(table.index) == ["nih", "padchest", "vindr", "chexpert"]
    for source, split in {"nih": home.test, **ext}.items():  # each cell against a hand count
        assert table.loc[source, "films"] == len(split.labels)
        assert table.loc[source, "effusion prevalence"] == pytest.approx(split.labels["effusion"].mean())
    assert np.isnan(table.loc["vindr", "median age"]) and np.isnan(table.loc["vindr", "women share"])
    ages = pd.to_numeric(ext["padchest"].meta["age"], errors="coerce")
    assert table.loc["padchest", "median age"] == pytest.approx(ages.median())
    with pytest.raises(ValueError, match="not the training source 'nih'"):
        external_sets(prof, findings="effusion", sources=["nih"])
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['masks'\]"):
        external_sets(prof, findings="effusion", masks=False)


@pytest.mark.parametrize("source", ["nih", "padchest"])
def test_fake_sample_keeps_the_source_prevalence(tmp_path, source):
    # a uniform random sample: each finding's count is binomial at the table's frontal prevalence
    n = 600
    write_fake_sample(tmp_path, source, n, seed=3)
    table = _eligible(source).fillna(0)
    files = {p.name for p in (tmp_path / source).rglob("*.png")}
    assert len(files) == n
    drawn = table.loc[sorted(files)]
    for finding in table.columns:
        p = float(table[finding].mean())
        assert binomtest(int(drawn[finding].sum()), n, p).pvalue > 1e-4, finding


def test_fake_sample_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match="source='rsna'; use one of nih, chexpert, padchest, vindr"):
        write_fake_sample(tmp_path, "rsna", 10, seed=0)
    with pytest.raises(ValueError, match="n=0; vindr has 15,000 frontal films"):
        write_fake_sample(tmp_path, "vindr", 0, seed=0)


def test_require_positives_names_the_count_and_the_way_out():
    from radkit.data import require_positives

    prof = radkit.setup(profile_name="quick", verbose=False)
    d = lesson_data(prof, findings="pneumothorax", n_train=8, n_test=100, size=16, masks=False, source="synthetic")
    n = int(d.test.labels["pneumothorax"].sum())
    assert require_positives(d.test, "pneumothorax", at_least=n, purpose="x") == n
    with pytest.raises(ValueError, match=rf"hold {n} pneumothorax positives .* a threshold needs at least {n + 1}"):
        require_positives(d.test, "pneumothorax", at_least=n + 1, purpose="a threshold", source="vindr")
    with pytest.raises(KeyError, match="not among the split's findings"):
        require_positives(d.test, "effusion", at_least=1, purpose="x")
