"""Real sources as federated hospitals (radkit.federated.source_clients) on small fake folders."""

from __future__ import annotations

import numpy as np
import pytest

import radkit
from radkit import federated as fl
from radkit.data import compare_sources, lesson_data
from radkit.devtools.fake_cxr import write_fake_sample


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("fed-sources")
    write_fake_sample(root, "nih", 600, seed=0)
    write_fake_sample(root, "chexpert", 400, seed=1)
    return root


def _prof(monkeypatch, root, images, external=""):
    monkeypatch.setenv("RADKIT_DATA", str(root))
    monkeypatch.setenv("RADKIT_IMAGES", images)
    monkeypatch.setenv("RADKIT_EXTERNAL", external)
    return radkit.setup(profile_name="quick", seed=0, verbose=False)


def test_one_client_per_source_with_that_sources_films(two_sources, monkeypatch):
    prof = _prof(monkeypatch, two_sources, "nih", "chexpert")
    clients, tests = fl.source_clients(prof, finding="effusion", n_train=200, n_test=100, size=16)
    assert [c.name for c in clients] == ["nih", "chexpert"] == list(tests)
    for c in clients:
        d = lesson_data(prof, findings="effusion", n_train=200, n_test=100, size=16, source=c.name)
        X, y = d.train.tensors()
        assert c.X.shape == X.shape and bool((c.y == y).all()) and bool((c.X == X).all())
        assert set(tests[c.name].meta["source"]) == {c.name}
    table = compare_sources(tests, "effusion")
    assert list(table.index) == ["nih", "chexpert"]
    assert table.loc["nih", "films"] == len(clients[0].X_test)


def test_one_source_is_split_by_patient_into_sites(two_sources, monkeypatch):
    prof = _prof(monkeypatch, two_sources, "nih")
    clients, tests = fl.source_clients(prof, finding="effusion", n_train=300, n_test=150, size=16, n_sites=3)
    assert [c.name for c in clients] == ["nih part 1", "nih part 2", "nih part 3"]
    d = lesson_data(prof, findings="effusion", n_train=300, n_test=150, size=16)
    assert sum(c.n for c in clients) == len(d.train) and sum(len(t) for t in tests.values()) == len(d.test)
    # a patient's films stay at one site; every test film is the lesson's own film
    patients = [set(t.meta["patient_id"]) for t in tests.values()]
    assert all(not (a & b) for i, a in enumerate(patients) for b in patients[i + 1 :])
    for c, t in zip(clients, tests.values()):
        X, y = t.tensors()
        assert bool((c.X_test == X).all()) and np.array_equal(y.numpy(), c.y_test.numpy())


def test_refuses_synthetic_and_a_bad_site_count(two_sources, monkeypatch):
    prof = _prof(monkeypatch, two_sources, "nih")
    with pytest.raises(ValueError, match="n_sites"):
        fl.source_clients(prof, n_sites=1)
    with pytest.raises(ValueError, match="make_clients"):
        fl.source_clients(_prof(monkeypatch, two_sources, "synthetic"))
