"""Labeller scores against scikit-learn, the Indiana split and MeSH mapping, the paired comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import precision_recall_fscore_support

from radkit.annotation import (
    compare_labelers,
    indiana_split,
    mesh_labels,
    positive,
    report_text,
    score_labels,
)


@pytest.fixture
def calls():
    g = np.random.default_rng(3)
    t = pd.DataFrame((g.random((300, 4)) < 0.2).astype(int), columns=list("abcd"))
    flip = g.random(t.shape) < 0.1
    p = pd.DataFrame(np.where(flip, 1 - t, t), columns=t.columns)
    return t, p


def test_scores_match_sklearn(calls):
    t, p = calls
    s = score_labels(t, p, n_boot=0, seed=0)
    pr, rc, f1, _ = precision_recall_fscore_support(t, p, average=None, zero_division=0)
    table = s.to_frame()
    assert np.allclose(table.loc[list("abcd"), "precision"], pr)
    assert np.allclose(table.loc[list("abcd"), "recall"], rc)
    assert np.allclose(table.loc[list("abcd"), "f1"], f1)
    micro = precision_recall_fscore_support(t, p, average="micro")
    assert s.micro_f1.estimate == pytest.approx(micro[2])
    assert table.loc["a", "positives"] == t["a"].sum()


def test_intervals_cover_and_shrink(calls):
    t, p = calls
    s = score_labels(t, p, n_boot=300, seed=1)
    e = s.micro_f1
    assert e.low < e.estimate < e.high and e.method == "bootstrap percentile"
    big = score_labels(
        pd.concat([t] * 4, ignore_index=True), pd.concat([p] * 4, ignore_index=True), n_boot=300, seed=1
    ).micro_f1
    assert big.width < 0.7 * e.width  # 4x the reports: about half as wide


def test_paired_difference(calls):
    t, p = calls
    same = compare_labelers(t, p, p, n_boot=100, seed=0)
    assert same.estimate == 0 and same.low == 0 and same.high == 0
    worse = pd.DataFrame(np.zeros_like(p), columns=p.columns)
    d = compare_labelers(t, p, worse, n_boot=200, seed=0)
    assert d.low > 0.5


def test_positive_maps_uncertain():
    codes = pd.DataFrame({"x": [1.0, 0.0, -1.0, np.nan]})
    assert positive(codes)[:, 0].tolist() == [1, 0, 0, 0]
    assert positive(codes, uncertain="positive")[:, 0].tolist() == [1, 0, 1, 0]
    with pytest.raises(ValueError, match="U-zeros"):
        positive(codes, uncertain="maybe")


def test_indiana_split_and_mesh():
    df = pd.DataFrame(
        {
            "report_id": [1, 2, 3, 4],
            "mesh_major": [["Pleural Effusion/right"], ["normal"], ["Mass/lung", "Nodule"], ["Airspace Disease/lung"]],
        }
    )
    assert indiana_split(df).tolist() == ["development", "held-out"] * 2
    m = mesh_labels(df["mesh_major"], ["effusion", "nodule", "consolidation"])
    assert m.to_numpy().tolist() == [[1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="No MeSH mapping"):
        mesh_labels(df["mesh_major"], ["alien"])


def test_score_input_errors(calls):
    t, p = calls
    with pytest.raises(ValueError, match="only 0 and 1"):
        score_labels(t, p.replace(1, -1), n_boot=0, seed=0)
    with pytest.raises(TypeError, match="DataFrame"):
        score_labels(t.to_numpy(), p, n_boot=0, seed=0)
    with pytest.raises(KeyError, match="section"):
        report_text(pd.DataFrame({"findings": ["x"]}))


def test_indiana_reports_labelled_fast_enough_to_use():
    from radkit.annotation import label_reports
    from radkit.public import indiana_reports

    df = indiana_reports()
    out = label_reports(report_text(df))
    assert len(out) == 3955
    # the real corpus: most reports are negative statements, so the labeller finds many zeros
    assert (out == 0).sum().sum() > (out == 1).sum().sum()
