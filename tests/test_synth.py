"""Tests for radkit.synth: truth is known, so check that it is honoured."""

from __future__ import annotations

import importlib.util
import math
import re

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import radkit.synth as synth
from radkit.synth import PATHOLOGIES, Drift, Site, generate, make_reports, simulate_readers


@pytest.fixture(scope="module")
def small():
    return generate(300, size=48, seed=7, prevalence=0.3, device="cpu")


def _binom_ok(k: float, n: int, p: float, z: float = 4.0) -> bool:
    return abs(k / n - p) <= z * math.sqrt(p * (1 - p) / n) + 1e-9


# ---------------------------------------------------------------- generate


def test_shapes_dtypes_ranges(small):
    n = len(small)
    assert small.images.shape == (n, 1, 48, 48) and small.images.dtype == torch.float32
    assert float(small.images.min()) >= 0.0 and float(small.images.max()) <= 1.0
    assert list(small.labels.columns) == list(PATHOLOGIES)
    assert all(small.labels[p].dtype == np.int64 for p in PATHOLOGIES)
    assert set(np.unique(small.labels.to_numpy())) <= {0, 1}
    for p in PATHOLOGIES:
        assert small.masks[p].shape == (n, 1, 48, 48) and small.masks[p].dtype == torch.bool
    for col in ("age", "sex", "view", "site", "date", "marker", "ctr", "subtlety_nodule", "severity_effusion"):
        assert col in small.meta.columns
    assert set(small.meta.view) <= {"PA", "AP"} and set(small.meta.sex) <= {"M", "F"}
    # images look like radiographs: lungs darker than the mediastinum/heart column
    lung = small.lungs.float()
    lung_mean = (small.images * lung).sum() / lung.sum()
    centre = small.images[:, :, 24:40, 22:26].mean()
    assert centre > lung_mean + 0.1


def test_deterministic_and_seed_dependent():
    a = generate(40, size=32, seed=3, device="cpu")
    b = generate(40, size=32, seed=3, device="cpu")
    c = generate(40, size=32, seed=4, device="cpu")
    assert torch.equal(a.images, b.images)
    assert all(torch.equal(a.masks[p], b.masks[p]) for p in PATHOLOGIES)
    pd.testing.assert_frame_equal(a.meta, b.meta)
    pd.testing.assert_frame_equal(a.labels, b.labels)
    assert not torch.equal(a.images, c.images)
    assert not a.meta["age"].equals(c.meta["age"])


def test_chunking_does_not_change_results():
    n_big = synth.CHUNK + 12
    big = generate(n_big, size=24, seed=5, masks=False, device="cpu")
    small = generate(20, size=24, seed=5, masks=False, device="cpu")
    tail = generate(n_big, size=24, seed=5, masks=False, device="cpu")
    assert torch.equal(big.images[:20], small.images)
    assert torch.equal(big.images, tail.images)
    pd.testing.assert_frame_equal(big.labels.iloc[:20], small.labels)


def test_difficulty_keeps_cases_changes_pixels():
    easy = generate(60, size=32, seed=2, difficulty=0.0, masks=False, device="cpu")
    hard = generate(60, size=32, seed=2, difficulty=3.0, masks=False, device="cpu")
    pd.testing.assert_frame_equal(easy.labels, hard.labels)
    assert easy.meta["age"].equals(hard.meta["age"])
    assert not torch.equal(easy.images, hard.images)
    sub = hard.meta["subtlety_nodule"].dropna()
    assert (sub >= easy.meta["subtlety_nodule"].dropna()).all()


def test_prevalence_honoured():
    n = 3000
    d = generate(n, size=16, seed=11, prevalence={"nodule": 0.05, "effusion": 0.4}, masks=False, device="cpu")
    expect = dict(synth.DEFAULT_PREVALENCE, nodule=0.05, effusion=0.4)
    for p in PATHOLOGIES:
        assert _binom_ok(d.labels[p].sum(), n, expect[p]), (p, d.labels[p].mean())
    # sicker site B really is sicker (the calibration keeps the overall rate)
    by_site = d.labels.groupby(d.meta["site"]).mean().mean(axis=1)
    assert by_site["B"] > by_site["A"]


def test_masks_where_drawn(small):
    lab, lungs = small.labels, small.lungs
    for p in ("nodule", "consolidation", "effusion", "pneumothorax"):
        m = small.masks[p]
        assert not (m & ~lungs).any(), f"{p} mask leaves the lung field"
        area = m.flatten(1).sum(1).numpy()
        drawn = small.meta[f"present_{p}"].to_numpy() == 1
        assert (area[~drawn] == 0).all()
        assert (area[drawn] > 0).mean() > 0.9, p
    heart = small.masks["cardiomegaly"].flatten(1).sum(1).numpy()
    assert ((heart > 0) == (lab["cardiomegaly"].to_numpy() == 1)).all()
    # opacities are brighter than the rest of the same lung field
    for p in ("consolidation", "effusion", "nodule"):
        m = small.masks[p]
        idx = m.flatten(1).sum(1) > 3
        img, mm, ll = small.images[idx], m[idx], lungs[idx] & ~m[idx]
        inside = (img * mm).flatten(1).sum(1) / mm.flatten(1).sum(1)
        rest = (img * ll).flatten(1).sum(1) / ll.flatten(1).sum(1).clamp_min(1)
        assert (inside > rest).float().mean() > 0.8, p


def test_cardiomegaly_is_ctr_and_ap_magnifies(small):
    m = small.meta
    assert ((m["ctr"] > 0.5) == (small.labels["cardiomegaly"] == 1)).all()
    ap = m["view"] == "AP"
    assert ap.any() and (m.loc[ap, "apparent_ctr"] > m.loc[ap, "ctr"]).all()
    assert (m.loc[~ap, "apparent_ctr"] == m.loc[~ap, "ctr"]).all()


def test_difficulty_moves_auc_monotonically():
    def auc(diff):
        tr = generate(500, size=32, seed=21, prevalence=0.4, difficulty=diff, masks=False, device="cpu")
        te = generate(300, size=32, seed=22, prevalence=0.4, difficulty=diff, masks=False, device="cpu")
        f = lambda d: torch.nn.functional.avg_pool2d(d.images, 4).flatten(1).numpy()
        out = []
        for p in ("effusion", "cardiomegaly", "consolidation"):
            clf = LogisticRegression(C=1.0, max_iter=300).fit(f(tr), tr.labels[p])
            out.append(roc_auc_score(te.labels[p], clf.predict_proba(f(te))[:, 1]))
        return float(np.mean(out))

    a = [auc(d) for d in (0.0, 1.0, 4.0)]
    assert a[0] > a[1] > a[2], a


def test_marker_shortcut():
    tied = generate(400, size=32, seed=1, marker_corr=1.0, masks=False, device="cpu")
    has_token = tied.meta["site"].isin(["A", "B"])
    anyp = tied.labels.any(axis=1).astype(int)
    assert (tied.meta.loc[has_token, "marker"] == anyp[has_token]).all()
    assert (tied.meta.loc[~has_token, "marker"] == 0).all()
    free = generate(2000, size=16, seed=1, masks=False, device="cpu")
    phi = np.corrcoef(free.meta["marker"], free.labels.any(axis=1))[0, 1]
    assert abs(phi) < 0.1
    # the token is burned in: marked images have many bright pixels in their corner
    img = tied.images
    a_site = (tied.meta["site"] == "A").to_numpy()
    corner = img[:, 0, :10, :10].flatten(1).gt(0.9).sum(1).numpy()
    marked = tied.meta["marker"].to_numpy() == 1
    assert corner[a_site & marked].min() > corner[a_site & ~marked].max()


def test_drift():
    drift = Drift(
        scanner={"A": ("2021-01-01", {"gamma": 2.5, "noise": 0.0})},
        prevalence={"effusion": 0.6},
        concept={"nodule": ("2021-01-01", 15.0)},
    )
    d = generate(
        1500, size=24, seed=9, prevalence={"effusion": 0.05, "nodule": 0.3}, drift=drift, masks=False, device="cpu"
    )
    m, lab = d.meta, d.labels
    late = m["date"] >= "2021-01-01"
    # concept: after the date only nodules >= 15 mm count
    drawn = m["present_nodule"] == 1
    assert (lab.loc[~late, "nodule"] == drawn[~late]).all()
    assert (lab.loc[late, "nodule"] == (drawn & (m["severity_nodule"] >= 15.0))[late]).all()
    assert lab.loc[late, "nodule"].mean() < lab.loc[~late, "nodule"].mean()
    # prior: effusion climbs from 5% towards 60%
    early = m["date"] < "2019-01-01"
    last = m["date"] >= "2023-01-01"
    assert lab.loc[last, "effusion"].mean() > lab.loc[early, "effusion"].mean() + 0.3
    # covariate: site A's new scanner darkens mid-tones
    a = (m["site"] == "A").to_numpy()
    mean = d.images.mean((1, 2, 3)).numpy()
    assert mean[a & late.to_numpy()].mean() < mean[a & ~late.to_numpy()].mean() - 0.05


def test_dataset_contract(small):
    ds = small.dataset()
    assert len(ds) == len(small) and ds.pathologies == list(PATHOLOGIES)
    assert ds.labels is small.labels and ds.meta is small.meta
    img, y, meta = ds[3]
    assert img.shape == (1, 48, 48) and img.dtype == torch.float32
    assert y.shape == (len(PATHOLOGIES),) and y.dtype == torch.float32
    assert all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in meta.values())
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", meta["date"])
    X, Y = small.tensors()
    assert torch.equal(Y[3], y) and X.shape[0] == Y.shape[0]
    batch = next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
    assert batch[0].shape == (4, 1, 48, 48)


def test_cache_roundtrip(tmp_path, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path))
    a = generate(10, size=24, seed=1, cache=True, device="cpu")
    assert any(tmp_path.rglob("tensors.pt"))
    b = generate(10, size=24, seed=1, cache=True, device="cpu")
    assert torch.equal(a.images, b.images) and torch.equal(a.masks["nodule"], b.masks["nodule"])
    pd.testing.assert_frame_equal(a.meta, b.meta)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=-1), "non-negative"),
        (dict(n=5, size=8), "size"),
        (dict(n=5, prevalence=1.5), "probability"),
        (dict(n=5, prevalence={"tumour": 0.1}), "unknown pathologies"),
        (dict(n=5, difficulty=-1), "difficulty"),
        (dict(n=5, marker_corr=2), "marker_corr"),
        (dict(n=5, drift=Drift(scanner={"Z": ("2020-01-01", {"gamma": 1.2})})), "not among"),
        (dict(n=5, dates=("2022-01-01", "2020-01-01")), "end comes before"),
    ],
)
def test_bad_input(kwargs, match):
    n = kwargs.pop("n")
    with pytest.raises((ValueError, TypeError), match=match):
        generate(n, device="cpu", seed=0, **kwargs)


def test_bad_specs():
    with pytest.raises(ValueError, match="glyph"):
        Site("Q", marker="?")
    with pytest.raises(ValueError, match="probability"):
        Site("Q", ap_fraction=1.5)
    with pytest.raises(ValueError, match="unknown scanner fields"):
        Drift(scanner={"A": ("2020-01-01", {"colour": 1})})


# ---------------------------------------------------------------- readers


def test_readers_recover_sens_spec():
    rng = np.random.default_rng(0)
    truth = rng.random(6000) < 0.5
    sens, spec = [0.9, 0.7, 0.8], [0.95, 0.8, 0.9]
    labels, params = simulate_readers(truth.astype(int), sensitivity=sens, specificity=spec, seed=1)
    assert list(labels.columns) == ["item", "reader", "finding", "label"]
    assert len(labels) == 3 * len(truth) and params["sensitivity"].tolist() == sens
    wide = labels.pivot(index="item", columns="reader", values="label")
    for r, se, sp in zip(["R1", "R2", "R3"], sens, spec):
        assert _binom_ok(wide.loc[truth, r].sum(), truth.sum(), se)
        assert _binom_ok((1 - wide.loc[~truth, r]).sum(), (~truth).sum(), sp)


def test_readers_correlation_and_difficulty():
    n = 4000
    truth = np.ones(n, dtype=int)

    def err_corr(rho):
        lab, _ = simulate_readers(truth, sensitivity=0.7, n_readers=2, correlation=rho, seed=3)
        w = lab.pivot(index="item", columns="reader", values="label")
        return np.corrcoef(w["R1"], w["R2"])[0, 1]

    assert err_corr(0.0) < 0.08 and err_corr(0.8) > 0.4
    sub = np.linspace(0, 1, n)
    lab, _ = simulate_readers(truth, sensitivity=0.8, n_readers=1, subtlety=sub, difficulty_dependence=2.0, seed=4)
    hit = lab["label"].to_numpy()
    assert hit[sub < 0.3].mean() > hit[sub > 0.7].mean() + 0.2
    assert abs(hit.mean() - 0.8) < 0.08


def test_readers_dataframe_truth_and_errors(small):
    lab, params = simulate_readers(small.labels, sensitivity=0.8, specificity=0.9, n_readers=2, seed=0)
    assert set(lab["finding"]) == set(PATHOLOGIES) and len(lab) == len(small) * len(PATHOLOGIES) * 2
    assert len(params) == 2 * len(PATHOLOGIES)
    with pytest.raises(ValueError, match="one value per reader"):
        simulate_readers(np.array([0, 1]), sensitivity=[0.8, 0.9], n_readers=3, seed=0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        simulate_readers(np.array([0, 2]), seed=0)


# ---------------------------------------------------------------- reports

_NEG = ("no ", "there is no", "not seen", "negative for", "without", "normal", "within normal")
_UNC = ("cannot exclude", "possible", "not excluded", "may represent", "questionable")


def _rule_label(findings: str, name: str) -> float:
    terms = synth.TERMS[name]
    for sent in findings.lower().split("."):
        special = (name == "cardiomegaly" and ("heart" in sent or "cardiac silhouette" in sent)) or (
            name == "effusion" and "costophrenic" in sent
        )
        if not (special or any(t in sent for t in terms)):
            continue
        if any(c in sent for c in _UNC):
            return -1.0
        if any(c in sent for c in _NEG):
            return 0.0
        return 1.0
    return float("nan")


def test_reports_intended_labels(small):
    rep, intended = make_reports(small.labels, seed=2, meta=small.meta)
    assert rep.shape[0] == len(small) and list(intended.columns) == list(PATHOLOGIES)
    y = small.labels
    assert (y[intended == 1] == 1).sum().sum() == (intended == 1).sum().sum()
    assert (y[intended == 0] == 0).sum().sum() == (intended == 0).sum().sum()
    assert (intended == -1).any().any() and intended.isna().any().any()
    for i in range(len(rep)):
        for p in PATHOLOGIES:
            got, want = _rule_label(rep["findings"].iloc[i], p), intended[p].iloc[i]
            assert (np.isnan(got) and np.isnan(want)) or got == want, (rep["findings"].iloc[i], p, want)
    again, _ = make_reports(small.labels, seed=2, meta=small.meta)
    assert again.equals(rep)


# ------------------------------------------------------------ cache holds data, not code (issue 10)
class _Boom:
    """Unpickling this writes a marker file: proof that a pickle was loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _entry(tmp_path):
    [done] = list(tmp_path.rglob("done"))
    return done.parent


@pytest.mark.parametrize(
    "fmt",
    [
        pytest.param(
            "parquet",
            marks=pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow is not installed"),
        ),
        "csv",
    ],
)
def test_cache_stores_tables_as_data(tmp_path, monkeypatch, fmt):
    import radkit._cache

    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(radkit._cache, "table_format", lambda: fmt)
    a = generate(12, size=24, seed=3, cache=True, device="cpu", masks=False)
    entry = _entry(tmp_path)
    assert sorted(p.name for p in entry.iterdir()) == sorted(
        ["done", "tensors.pt", f"labels.{fmt}", "labels.json", f"meta.{fmt}", "meta.json"]
    )
    b = generate(12, size=24, seed=3, cache=True, device="cpu", masks=False)
    pd.testing.assert_frame_equal(a.meta, b.meta)
    pd.testing.assert_frame_equal(a.labels, b.labels)


def test_tampered_cache_entry_is_named_rebuilt_and_never_unpickled(tmp_path, monkeypatch):
    import pickle

    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path / "cache"))
    fresh = generate(10, size=24, seed=2, cache=True, device="cpu")
    entry = _entry(tmp_path / "cache")
    marker = tmp_path / "pwned"
    with open(entry / "tables.pkl", "wb") as fh:  # what the old format read
        pickle.dump(_Boom(marker), fh)
    (entry / "meta.json").write_text("{broken")
    with pytest.warns(UserWarning, match=f"{entry.name}.*unreadable.*rebuilding"):
        again = generate(10, size=24, seed=2, cache=True, device="cpu")
    assert not marker.exists()
    assert torch.equal(again.images, fresh.images)
    pd.testing.assert_frame_equal(again.meta, fresh.meta)
    assert not (entry / "tables.pkl").exists()  # the rebuilt entry is clean


def test_corrupt_tensors_are_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path))
    fresh = generate(6, size=24, seed=4, cache=True, device="cpu", masks=False)
    (_entry(tmp_path) / "tensors.pt").write_bytes(b"\x80\x04garbage")
    with pytest.warns(UserWarning, match="unreadable"):
        again = generate(6, size=24, seed=4, cache=True, device="cpu", masks=False)
    assert torch.equal(again.images, fresh.images)


# ------------------------------------------------------------ bad input (issue 10, item 11)
@pytest.mark.parametrize(
    "field, value",
    [
        ("noise", float("nan")),
        ("noise", float("inf")),
        ("gamma", float("inf")),
        ("gamma", float("nan")),
        ("risk", float("nan")),
        ("risk", float("inf")),
        ("age_mean", float("nan")),
        ("age_mean", 300),
        ("blur", float("nan")),
        ("weight", float("inf")),
        ("weight", "2"),
        ("ap_fraction", float("nan")),
        ("marker_rate", float("nan")),
        ("window", (0.0, float("nan"))),
        ("window", "auto"),
        ("marker", 5),
    ],
)
def test_site_fields_must_be_finite_and_in_range(field, value):
    with pytest.raises(ValueError, match=f"Site 'Z'.*{field}"):
        Site("Z", **{field: value})


@pytest.mark.parametrize("changes", [{"noise": float("nan")}, {"gamma": float("inf")}, {"window": (1, 0)}])
def test_drift_scanner_values_are_checked(changes):
    with pytest.raises(ValueError, match=r"Drift.scanner\['A'\]"):
        Drift(scanner={"A": ("2021-01-01", changes)})


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), -1, "8"])
def test_drift_concept_threshold_is_checked(threshold):
    with pytest.raises(ValueError, match=r"Drift.concept\['nodule'\].*min_severity"):
        Drift(concept={"nodule": ("2021-01-01", threshold)})


def test_nan_site_would_have_given_nan_images():
    # the defaults stay valid and images stay finite for every default site
    data = generate(8, size=24, seed=0, device="cpu", masks=False)
    assert torch.isfinite(data.images).all() and data.meta["age"].between(18, 95).all()


@pytest.mark.parametrize(
    "kwargs",
    [dict(marker_corr="0.5"), dict(marker_corr=float("nan")), dict(difficulty=float("nan")), dict(difficulty=True)],
)
def test_generate_numbers_are_checked(kwargs):
    with pytest.raises(ValueError, match=list(kwargs)[0]):
        generate(4, device="cpu", seed=0, **kwargs)


def test_generate_names_the_memory_it_would_need_before_allocating(monkeypatch):
    import importlib

    gen = importlib.import_module("radkit.synth.generate")
    monkeypatch.setattr(gen, "_available_bytes", lambda: 2 * 2**30)
    monkeypatch.setattr(gen.torch, "empty", lambda *a, **k: pytest.fail("allocated before checking"))
    with pytest.raises(MemoryError, match=r"need 9\.8 GB.*2\.0 GB.*masks=False \(3\.9 GB\).*smaller size"):
        generate(64_000, size=128, device="cpu", seed=0)
    assert gen.output_bytes(64_000, 128, True) == 64_000 * 128 * 128 * 10


def test_zero_cases_keep_their_columns():
    empty = generate(0, size=24, seed=0, device="cpu")
    full = generate(3, size=24, seed=0, device="cpu")
    assert len(empty) == 0 and empty.images.shape == (0, 1, 24, 24)
    assert list(empty.meta.columns) == list(full.meta.columns)
    assert (empty.meta.dtypes == full.meta.dtypes).all() and (empty.labels.dtypes == full.labels.dtypes).all()
    assert empty.masks["nodule"].shape == (0, 1, 24, 24) and empty.params["n"] == 0
