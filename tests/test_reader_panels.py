import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from radkit import adjudication
from radkit.adjudication.reader_panels import (
    compare_over_panels,
    compare_protocols,
    paired_differences,
    plot_panel_differences,
)
from radkit.synth import simulate_readers

plt.switch_backend("Agg")


def _truth(n=600, prevalence=0.2, seed=0):
    return (np.random.default_rng(seed).random(n) < prevalence).astype(int)


def test_each_panel_is_the_simulation_it_names():
    y = _truth()
    designs = {"unequal": dict(sensitivity=[0.95, 0.6, 0.6], specificity=[0.97, 0.7, 0.7])}
    scores = compare_over_panels(y, designs, seeds=[11, 12], progress=False)
    reads = simulate_readers(
        y, sensitivity=[0.95, 0.6, 0.6], specificity=[0.97, 0.7, 0.7], seed=12, finding="finding"
    ).labels
    ds = adjudication.dawid_skene(reads).labels.sort_index().to_numpy()
    row = scores[(scores.panel == 1) & (scores["label model"] == "Dawid-Skene")].iloc[0]
    assert row.accuracy == pytest.approx(np.mean(ds == y))
    assert row.sensitivity == pytest.approx(np.mean(ds[y == 1] == 1))


def test_paired_differences_matches_a_paired_t_test():
    gen = np.random.default_rng(3)
    a, b = gen.normal(0.8, 0.03, 25), gen.normal(0.78, 0.03, 25)
    scores = pd.DataFrame(
        {
            "design": "d",
            "panel": np.r_[np.arange(25), np.arange(25)],
            "label model": ["A"] * 25 + ["B"] * 25,
            "accuracy": np.r_[a, b],
        }
    )
    out = paired_differences(scores, "A", "B").loc["d"]
    ci = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert out.estimate == pytest.approx(np.mean(a - b))
    assert (out.low, out.high) == pytest.approx((ci.low, ci.high))
    assert out.win_rate == pytest.approx(np.mean(a > b)) and out.n == 25


def test_protocols_with_perfect_readers_need_no_expert():
    y = _truth(300)
    p = compare_protocols(
        y, sensitivity=[1, 1, 1], specificity=[1, 1, 1], expert_sensitivity=0.5, expert_specificity=0.5, seed=0
    )
    assert p.loc["readers + adjudication", "expert reads per image"] == 0
    assert p.loc[["one reader", "majority of readers", "readers + adjudication"], "accuracy"].eq(1).all()
    # a coin-flipping expert who reads everything is right about half the time
    assert 0.4 < p.loc["expert reads all", "accuracy"] < 0.6


def test_adjudication_reads_exactly_the_disagreements():
    y = _truth(2000)
    p = compare_protocols(
        y, sensitivity=[0.8, 0.7, 0.6], specificity=[0.9, 0.8, 0.7], expert_sensitivity=1, expert_specificity=1, seed=5
    )
    reads = simulate_readers(y, sensitivity=[0.8, 0.7, 0.6], specificity=[0.9, 0.8, 0.7], seed=5).labels
    split = reads.groupby("item")["label"].nunique().gt(1).mean()
    assert p.loc["readers + adjudication", "expert reads per image"] == pytest.approx(split)


def test_bad_inputs_name_the_cause():
    y = _truth(50)
    with pytest.raises(ValueError, match="seeds is empty"):
        compare_over_panels(y, {"a": dict(sensitivity=0.8)}, seeds=[], progress=False)
    with pytest.raises(ValueError, match="unknown reader setting"):
        compare_over_panels(y, {"a": dict(sensitivty=0.8)}, seeds=[1], progress=False)
    with pytest.raises(ValueError, match="0/1"):
        compare_over_panels([0, 2, 1], {"a": dict(sensitivity=0.8)}, seeds=[1], progress=False)
    with pytest.raises(ValueError, match="same number"):
        compare_protocols(
            y, sensitivity=[0.8, 0.7], specificity=[0.9], expert_sensitivity=1, expert_specificity=1, seed=0
        )
    scores = compare_over_panels(y, {"a": dict(sensitivity=0.8)}, seeds=[1, 2], progress=False)
    with pytest.raises(ValueError, match="not a value of"):
        paired_differences(scores, "Raykar", "majority vote")
    with pytest.raises(KeyError, match="no column"):
        paired_differences(scores.drop(columns="panel"), "Dawid-Skene", "majority vote")


def test_plot_panel_differences_smoke():
    ax = plot_panel_differences(
        {"5 readers\nDS - MV": [0.01, 0.03, 0.02], "other": [-0.01, 0.0, 0.01]}, title="spread", seed=1
    )
    assert ax.get_title() == "spread" and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5 readers\nDS - MV", "other"]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="empty"):
        plot_panel_differences({})
