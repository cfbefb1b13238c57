"""radkit.augmentation.curves, transfer and plots: subsets, intervals against scipy, heads, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from radkit import models
from radkit.augmentation import plots
from radkit.augmentation.curves import (
    LearningCurve,
    draw_subset,
    epochs_for,
    learning_curve,
    paired_gain,
    t_interval,
)
from radkit.augmentation.transfer import fine_tune, transfer_model
from radkit.augmentation.transforms import Policy
from radkit.seeding import rng


def test_draw_subset_prevalence_and_seed():
    y = (rng(0).random(5000) < 0.15).astype(int)
    idx = draw_subset(y, 1000, prevalence=0.02, seed=1)
    assert len(idx) == len(set(idx)) == 1000 and y[idx].sum() == 20
    assert np.array_equal(idx, draw_subset(y, 1000, prevalence=0.02, seed=1))
    assert not np.array_equal(idx, draw_subset(y, 1000, prevalence=0.02, seed=2))


def test_draw_subset_errors_say_what_is_missing():
    y = np.r_[np.ones(5), np.zeros(95)]
    with pytest.raises(ValueError, match="5 positives"):
        draw_subset(y, 100, prevalence=0.5, seed=0)
    with pytest.raises(ValueError, match="between 1 and 100"):
        draw_subset(y, 500, seed=0)


def test_t_interval_matches_scipy():
    v = [0.81, 0.84, 0.80, 0.86, 0.83]
    e = t_interval(v, level=0.9)
    low, high = stats.t.interval(0.9, len(v) - 1, loc=np.mean(v), scale=stats.sem(v))
    assert e.estimate == pytest.approx(np.mean(v)) and e.low == pytest.approx(low) and e.high == pytest.approx(high)
    assert e.n == 5 and e.method == "t over replicates"


def test_paired_gain_is_a_paired_t_interval():
    a, b = np.array([0.85, 0.88, 0.86, 0.9]), np.array([0.80, 0.84, 0.83, 0.85])
    e = paired_gain(a, b)
    res = stats.ttest_rel(a, b)
    ci = res.confidence_interval(0.95)
    assert e.low == pytest.approx(ci.low) and e.high == pytest.approx(ci.high)
    with pytest.raises(ValueError, match="same replicates"):
        paired_gain(a, b[:3])


def test_epochs_for():
    assert epochs_for(100, passes=2000) == 20 and epochs_for(50, passes=2000) == 20
    assert epochs_for(5000, passes=2000, min_epochs=3) == 3


def test_learning_curve_and_n_to_reach():
    y_pool, y_test = np.tile([0, 1], 200), np.tile([0, 1], 100)

    def scores(idx, seed):  # better with more data, by construction
        return y_test * np.log(len(idx)) + rng(seed).normal(0, 2.0, len(y_test))

    lc = learning_curve(scores, y_pool, y_test, sizes=[10, 40, 160], n_rep=3, seed=0, progress=False)
    s = lc.summary()
    assert list(s.index) == [10, 40, 160] and (s["replicates"] == 3).all()
    assert s["auc"].is_monotonic_increasing
    mid = (s["auc"].iloc[0] + s["auc"].iloc[1]) / 2
    n = lc.n_to_reach(mid)
    assert 10 < n < 40
    assert np.isnan(lc.n_to_reach(1.01))


def test_n_to_reach_hand_worked():
    lc = LearningCurve(pd.DataFrame({"n": [100, 1000], "replicate": [0, 0], "positives": [15, 150], "auc": [0.8, 0.9]}))
    assert lc.n_to_reach(0.85) == pytest.approx(np.sqrt(100 * 1000))  # halfway on log n


def test_transfer_model_keeps_features_and_replaces_head():
    base = models.make_model("smallcnn", num_classes=4, seed=0)
    m = transfer_model(base, num_classes=1, seed=1)
    assert m.head.out_features == 1 and base.head.out_features == 4
    for (k, v), (_, v2) in zip(base.features.state_dict().items(), m.features.state_dict().items()):
        assert torch.equal(v, v2), k
    assert torch.equal(transfer_model(base, num_classes=1, seed=1).head.weight, m.head.weight)
    frozen = transfer_model(base, num_classes=1, seed=1, freeze=True)
    trainable = {n for n, p in frozen.named_parameters() if p.requires_grad}
    assert trainable == {"head.weight", "head.bias"}


def test_fine_tune_frozen_moves_only_the_head():
    base = models.make_model("smallcnn", num_classes=2, seed=0)
    x, y = torch.rand(32, 1, 32, 32), (torch.rand(32, 1) < 0.5).float()
    m, _ = fine_tune(
        base, (x, y), num_classes=1, num_epochs=1, lr=1e-2, seed=0, freeze=True, progress=False, device="cpu"
    )
    conv = "features.0.weight"
    assert torch.equal(m.state_dict()[conv], base.state_dict()[conv])
    assert not torch.equal(m.head.weight, transfer_model(base, num_classes=1, seed=0).head.weight)


def test_transfer_needs_a_linear_head():
    with pytest.raises(ValueError, match="no nn.Linear head"):
        transfer_model(torch.nn.Conv2d(1, 1, 3), num_classes=1, seed=0)


def test_plot_smoke():
    lc = LearningCurve(
        pd.DataFrame(
            {
                "n": [10, 10, 100, 100],
                "replicate": [0, 1, 0, 1],
                "positives": [2, 2, 20, 20],
                "auc": [0.6, 0.7, 0.8, 0.85],
            }
        )
    )
    ax = plots.plot_learning_curves({"a": lc}, x="positives")
    assert ax.get_xlabel() == "positive training images" and ax.get_title()
    fig = plots.plot_augmentations(torch.rand(1, 16, 16), {"r": Policy(rotate=5), "n": Policy(noise=0.1)}, seed=0)
    assert [a.get_title() for a in fig.axes[:3]] == ["original", "r", "n"]
    t = pd.DataFrame({"estimate": [0.02], "low": [0.0], "high": [0.04]}, index=["a"])
    assert plots.plot_gains(t).get_title()
    ax = plots.plot_long_tail({"x": pd.Series([5, 50, 500], index=list("abc"))})
    assert ax.get_legend() is not None
    import matplotlib.pyplot as plt

    plt.close("all")


def test_unpaired_gain_is_welch():
    from radkit.augmentation.curves import unpaired_gain

    a, b = np.array([0.9, 0.93, 0.88, 0.91]), np.array([0.8, 0.75, 0.83])
    e = unpaired_gain(a, b)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert e.estimate == pytest.approx(a.mean() - b.mean()) and (e.low, e.high) == pytest.approx((ci.low, ci.high))
    with pytest.raises(ValueError, match="at least 2"):
        unpaired_gain(a, b[:1])


def test_make_cnn_narrow_smallcnn_is_seeded_and_checked():
    from radkit.augmentation.curves import make_cnn

    a, b = make_cnn("smallcnn", num_classes=2, seed=3, width=8), make_cnn("smallcnn", num_classes=2, seed=3, width=8)
    assert a.head.in_features == 64 and all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    default = make_cnn("smallcnn", num_classes=2, seed=3)
    ref = models.make_model("smallcnn", num_classes=2, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(default.parameters(), ref.parameters()))
    with pytest.raises(ValueError, match="smallcnn"):
        make_cnn("resnet18", num_classes=1, seed=0, width=8)
    with pytest.raises(ValueError, match="positive int"):
        make_cnn("smallcnn", num_classes=1, seed=0, width=0)
