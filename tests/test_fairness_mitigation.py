"""radkit.fairness mitigation, probe, trade-offs and real-data helpers: known solutions and references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from radkit import fairness
from radkit.metrics import from_confusion


def test_equal_opportunity_thresholds_known_solution():
    # group A positives 0.9, 0.8, 0.6, 0.2; group B positives 0.5, 0.4, 0.3, 0.1
    y = [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0]
    s = [0.9, 0.8, 0.6, 0.2, 0.7, 0.1, 0.5, 0.4, 0.3, 0.1, 0.35, 0.05]
    g = ["A"] * 6 + ["B"] * 6
    assert fairness.equal_opportunity_thresholds(y, s, groups=g, sensitivity=0.75) == {"A": 0.6, "B": 0.3}
    assert fairness.equal_opportunity_thresholds(y, s, groups=g, sensitivity=0.5) == {"A": 0.8, "B": 0.4}
    # Hardt's cost-optimal common sensitivity, by exhaustive enumeration of the four levels
    best = None
    for target in (0.25, 0.5, 0.75, 1.0):
        t = fairness.equal_opportunity_thresholds(y, s, groups=g, sensitivity=target)
        p = fairness.apply_thresholds(s, groups=g, thresholds=t)
        errors = int(np.sum(p != np.array(y)))
        best = min(best or (errors, t), (errors, t), key=lambda e: e[0])
    assert fairness.equal_opportunity_thresholds(y, s, groups=g) == best[1]


def test_equal_opportunity_thresholds_equalise_sensitivity():
    df = fairness.calibrated_scores({"A": 0.1, "B": 0.4}, n=3000, seed=1)
    t = fairness.equal_opportunity_thresholds(df["y_true"], df["y_score"], groups=df["group"], sensitivity=0.8)
    gm = fairness.group_metrics(
        df["y_true"], df["y_score"], groups=df["group"], threshold=t, n_boot=0, seed=0, calibration=False
    )
    sens = gm.to_frame().loc[["A", "B"], "sensitivity"]
    assert (sens >= 0.8).all() and (sens - 0.8).abs().max() < 0.01
    assert gm.gap("predictive_parity_difference").estimate > 0.1  # ... and PPV parts ways


def test_thresholds_reject_group_without_positives():
    with pytest.raises(ValueError, match="group 'B' has no positive cases"):
        fairness.equal_opportunity_thresholds([1, 0, 0, 0], [0.9, 0.1, 0.2, 0.3], groups=list("AABB"), sensitivity=0.5)


def test_reweighing_makes_label_independent_of_group():
    gen = np.random.default_rng(0)
    g = gen.choice(["A", "B", "C"], 5000, p=[0.5, 0.3, 0.2])
    y = (gen.random(5000) < np.select([g == "A", g == "B"], [0.1, 0.3], 0.5)).astype(int)
    w = fairness.reweighing_weights(y, groups=g)
    overall = y.mean()
    for name in "ABC":
        sel = g == name
        assert np.average(y[sel], weights=w[sel]) == pytest.approx(overall, abs=1e-12)
        assert w[sel].sum() == pytest.approx(sel.sum(), rel=1e-12)  # each group keeps its weight
    idx = fairness.weighted_resample(w, n=20000, seed=0)
    assert pd.Series(y[idx]).groupby(g[idx]).mean().sub(overall).abs().max() < 0.03


def test_share_split_and_bad_input():
    sex = np.array(["F"] * 30 + ["M"] * 70)
    idx = fairness.share_split(sex, group="F", share=0.5, n=40, seed=0)
    assert len(set(idx)) == 40 and (sex[idx] == "F").sum() == 20
    with pytest.raises(ValueError, match="lower n or generate a larger pool"):
        fairness.share_split(sex, group="F", share=1.0, n=40, seed=0)
    with pytest.raises(ValueError, match="no case belongs to group 'X'"):
        fairness.share_split(sex, group="X", share=0.5, n=10, seed=0)


def test_share_experiment_finds_a_planted_representation_effect():
    gen = np.random.default_rng(0)
    n = 1200
    g = np.where(np.arange(n) % 2 == 0, "F", "M")
    y = gen.integers(0, 2, n)
    x = gen.normal(size=(n, 4))
    x[:, 0] += np.where(g == "M", 1.5 * y, 0.0)  # men's signal in feature 0, women's in feature 1
    x[:, 1] += np.where(g == "F", 1.5 * y, 0.0)
    r = fairness.share_experiment(
        x, y, g, test_features=x, test_y=y, test_groups=g, group="F", shares=[0.0, 1.0], n=500, n_rep=3, seed=0
    )
    s = fairness.summarize_shares(r).set_index(["share", "group"])["estimate"]
    assert s[(1.0, "F")] - s[(0.0, "F")] > 0.15 and s[(0.0, "M")] - s[(1.0, "M")] > 0.15


def test_probe_recovers_a_planted_attribute_and_not_noise():
    gen = np.random.default_rng(0)
    sex = pd.Series(np.repeat(["F", "M"], 150), name="sex")
    imgs = gen.random((300, 1, 16, 16)).astype(np.float32)
    flat = fairness.attribute_probe(imgs, sex, seed=0, pool=4)
    assert flat.auc.low < 0.5 < flat.auc.high  # nothing to find
    imgs[sex.to_numpy() == "M", :, :, :3] += 0.3  # men: a brighter left edge
    r = fairness.attribute_probe(imgs, sex, seed=0, pool=4)
    assert r.auc.low > 0.9 and r.attribute == "sex = M" and r.y_score.shape == (300,)
    with pytest.raises(ValueError, match="exactly two values"):
        fairness.attribute_probe(imgs, np.arange(300) % 3, seed=0)
    with pytest.raises(ValueError, match="must divide"):
        fairness.pooled_pixels(imgs, pool=5)


def test_chouldechova_identity_holds_on_any_table():
    gen = np.random.default_rng(0)
    for _ in range(20):
        tn, fp, fn, tp = gen.integers(1, 500, 4)
        m = from_confusion(tn=tn, fp=fp, fn=fn, tp=tp)
        assert fairness.chouldechova_fpr(m.prevalence, m.ppv, 1 - m.sensitivity) == pytest.approx(1 - m.specificity)


def test_calibrated_scores_are_calibrated_and_unbalanced():
    df = fairness.calibrated_scores({"A": 0.1, "B": 0.4}, n=40000, seed=0)
    bins = pd.cut(df["y_score"], np.linspace(0, 1, 6))
    cal = df.groupby(["group", bins], observed=True).agg(
        obs=("y_true", "mean"), pred=("y_score", "mean"), n=("y_true", "size")
    )
    cal = cal[cal["n"] > 500]
    assert (cal["obs"] - cal["pred"]).abs().max() < 0.03
    bt = fairness.balance_table(df, n_boot=100, seed=0)
    a, b = bt.loc[("A", "generalized_fpr")], bt.loc[("B", "generalized_fpr")]
    assert b["low"] > a["high"]
    r = fairness.parity_frontier(df["y_true"], df["y_score"], groups=df["group"])
    assert r["pairs"] > 0 and r["gap"] > 0.1 and r["ppv_gap"] <= 0.02
    same = fairness.calibrated_scores({"A": 0.3, "B": 0.3}, n=40000, seed=0)  # equal base rates: no conflict
    r0 = fairness.parity_frontier(same["y_true"], same["y_score"], groups=same["group"])
    assert r0["gap"] < 0.03


def test_underdiagnosis_is_the_fpr_of_no_finding():
    nf = np.array([0, 0, 1, 0, 0, 1, 0, 0])
    score = np.array([0.9, 0.2, 0.8, 0.1, 0.2, 0.7, 0.6, 0.4])
    sex = list("FFFMMMMM")
    t = fairness.underdiagnosis(nf, score, groups=sex, threshold=0.5, n_boot=0, seed=0)
    assert t.loc["F", "estimate"] == 0.5 and t.loc["M", "estimate"] == 0.25 and t.loc["M", "n"] == 4


def test_rate_by_group_matches_statsmodels_wilson():
    from statsmodels.stats.proportion import proportion_confint

    df = pd.DataFrame({"sex": ["F"] * 40 + ["M"] * 60, "y": [1] * 7 + [0] * 33 + [1] * 30 + [0] * 30})
    t = fairness.rate_by_group(df, "y", groups="sex")
    lo, hi = proportion_confint(7, 40, method="wilson")
    assert t.loc["F", "low"] == pytest.approx(lo, abs=1e-12) and t.loc["F", "high"] == pytest.approx(hi, abs=1e-12)
    assert t.loc["overall", "n"] == 100


def test_n_to_detect_matches_statsmodels_and_its_own_power():
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    for p1, p2 in [(0.42, 0.47), (0.8, 0.75), (0.1, 0.2)]:
        ours = fairness.n_to_detect(p1, p2)
        ref = samplesize_proportions_2indep_onetail(p2 - p1, p1, power=0.8, alpha=0.05, alternative="two-sided")
        assert abs(ours - ref) <= 0.02 * ref + 1
    with pytest.raises(ValueError, match="p1 equals p2"):
        fairness.n_to_detect(0.5, 0.5)


def test_age_band_labels():
    assert fairness.age_band([0, 39, 40, 85], edges=(0, 40, 60, 80)).tolist() == ["0-39", "0-39", "40-59", "80+"]


def test_breast_shadow_leaves_others_and_the_input_unchanged():
    x = torch.rand(6, 1, 32, 32) * 0.5
    before = x.clone()
    sex = np.array(["F", "M"] * 3)
    y = fairness.breast_shadow(x, sex, seed=0, strength=0.3)
    assert torch.equal(x, before)
    assert torch.equal(y[sex == "M"], x[sex == "M"])
    lower = (y - x)[sex == "F"][..., 20:, :].mean()
    upper = (y - x)[sex == "F"][..., :10, :].mean()
    assert lower > 0.02 and upper < 0.005  # the shadow sits over the lower zones
    assert torch.equal(fairness.breast_shadow(x, sex, seed=0, strength=0.0), x)
    with pytest.raises(ValueError, match="sex has 2 values"):
        fairness.breast_shadow(x, ["F", "M"], seed=0)


def test_plots_smoke():
    import matplotlib

    matplotlib.use("Agg")
    from radkit.fairness import plots

    gm = fairness.group_metrics(
        [1, 0, 1, 0, 1, 0],
        [0.9, 0.2, 0.4, 0.6, 0.8, 0.1],
        groups=list("FFFMMM"),
        threshold=0.5,
        n_boot=10,
        seed=0,
        calibration=False,
    )
    assert len(plots.plot_group_metrics(gm, measures=("sensitivity",)).axes) == 1
