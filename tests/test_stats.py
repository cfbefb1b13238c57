import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from radkit.seeding import spawn
from radkit.stats import Estimate, by_group, percentile_interval


def test_estimate_frame_and_interval():
    e = Estimate(0.5, 0.4, 0.6, method="DeLong", n=10)
    f = e.to_frame("auc")
    assert list(f.columns) == ["estimate", "low", "high", "level", "method", "n"]
    assert f.loc["auc", "low"] == 0.4 and not e.excludes(0.45) and e.excludes(0.7)


def test_percentile_interval_matches_numpy():
    reps = np.random.default_rng(3).normal(size=5000)
    lo, hi = percentile_interval(reps, level=0.9)
    assert (lo, hi) == tuple(np.quantile(reps, [0.05, 0.95]))
    with pytest.raises(ValueError, match="level"):
        percentile_interval(reps, level=95)


def test_by_group_matches_sklearn_per_group_and_covers():
    gen = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame(
        {"site": gen.choice(["A", "B", "C"], n), "sex": gen.choice(["F", "M"], n), "y_true": gen.integers(0, 2, n)}
    )
    df["y_score"] = df["y_true"] + gen.normal(0, 1.0, n)
    out = by_group(df, roc_auc_score, groups="site", n_boot=200, seed=1)
    for site, g in df.groupby("site"):
        assert out.loc[site, "estimate"] == pytest.approx(roc_auc_score(g.y_true, g.y_score))
        assert out.loc[site, "low"] < out.loc[site, "estimate"] < out.loc[site, "high"]
        assert out.loc[site, "n"] == len(g)
    assert out.loc["overall", "estimate"] == pytest.approx(roc_auc_score(df.y_true, df.y_score))
    inter = by_group(df, roc_auc_score, groups=["site", "sex"], n_boot=0, seed=1)
    assert len(inter) == 7 and inter.index.name == "site x sex"
    # same seed, same intervals
    again = by_group(df, roc_auc_score, groups="site", n_boot=200, seed=1)
    pd.testing.assert_frame_equal(out, again)


def test_by_group_group_without_positives_is_nan_not_error():
    df = pd.DataFrame(
        {
            "g": ["a"] * 4 + ["b"] * 4,
            "y_true": [0, 0, 0, 0, 1, 0, 1, 0],
            "y_score": [0.1, 0.2, 0.3, 0.4, 0.9, 0.1, 0.8, 0.2],
        }
    )
    out = by_group(df, roc_auc_score, groups="g", n_boot=50, seed=0)
    assert np.isnan(out.loc["a", "estimate"]) and out.loc["b", "estimate"] == 1.0


def test_by_group_bad_input():
    df = pd.DataFrame({"g": [1], "y_true": [1], "y_score": [0.5]})
    with pytest.raises(KeyError, match="no column"):
        by_group(df, roc_auc_score, groups="site", seed=0)
    with pytest.raises(ValueError, match="n_boot"):
        by_group(df, roc_auc_score, groups="g", n_boot=-1, seed=0)
    with pytest.raises(TypeError, match="seed"):
        by_group(df, roc_auc_score, groups="g", seed=None)


def test_spawn_children_differ_across_seeds():
    assert not set(spawn(0, 10)) & set(spawn(1, 10))


def test_format_p_floor_and_digits():
    from scipy.stats import norm

    from radkit.stats import format_p

    assert format_p(2 * norm.sf(40)) == "< 1e-4"  # a float 0.0: not an exact zero
    assert format_p(0.0) == "< 1e-4"
    assert format_p(0.012345) == "0.0123"
    assert format_p(0.5) == "0.5"
    assert format_p(5e-4, floor=1e-3) == "< 1e-3"
    with pytest.raises(ValueError, match="p-value lies in"):
        format_p(1.7)
    with pytest.raises(ValueError, match="floor"):
        format_p(0.1, floor=2)


def test_result_dataclasses_have_to_frame():
    """Every result with several numbers turns into a table (house style, issue 11)."""
    import pandas as pd

    from radkit.adjudication import dawid_skene
    from radkit.adjudication.label_process import adjudicate
    from radkit.federated.flower import FlowerResult
    from radkit.metrics import cost_curve, delong_test, pr_curve, roc

    y, s = [0, 0, 1, 1, 0, 1], [0.1, 0.6, 0.4, 0.9, 0.3, 0.8]
    r = roc(y, s).to_frame()
    assert list(r.columns) == ["threshold", "fpr", "tpr"] and r.attrs["auc"] == roc(y, s).auc
    p = pr_curve(y, s)
    assert len(p.to_frame()) == len(p.precision) and p.to_frame()["threshold"].isna().sum() == 1
    c = cost_curve(y, s)
    assert len(c.to_frame()) == len(c.thresholds)
    d = delong_test(y, s, [0.2, 0.1, 0.5, 0.7, 0.6, 0.9]).to_frame()
    assert d.shape == (1, 6) and d["diff"].iloc[0] == d["auc_a"].iloc[0] - d["auc_b"].iloc[0]
    t = pd.DataFrame({"item": [0, 0, 0, 1, 1, 1], "reader": list("ABCABC"), "label": [1, 1, 0, 0, 0, 0]})
    ds = dawid_skene(t).to_frame()
    assert list(ds.columns) == ["p_0", "p_1", "label"] and ds["label"].tolist() == [1, 0]
    adj = adjudicate(t, [1, 0], expert_sensitivity=1.0, expert_specificity=1.0, seed=0).to_frame()
    assert adj["flagged"].tolist() == [True, False]
    fr = FlowerResult(evaluate_metrics={2: {"auc": 0.7}, 1: {"auc": 0.6}}).to_frame()
    assert fr.index.tolist() == [1, 2] and fr["auc"].tolist() == [0.6, 0.7]


def test_t_interval_matches_scipy_and_has_no_interval_below_two_values():
    import numpy as np
    from scipy import stats as st

    from radkit.stats import t_interval

    v = np.array([0.71, 0.74, 0.69, 0.80, 0.77])
    e = t_interval(v, level=0.9)
    lo, hi = st.t.interval(0.9, v.size - 1, loc=v.mean(), scale=st.sem(v))
    assert (e.low, e.high) == pytest.approx((lo, hi), abs=1e-12) and e.n == 5 and e.level == 0.9
    one = t_interval([0.5])
    assert one.estimate == 0.5 and np.isnan(one.low) and np.isnan(one.high)
    assert t_interval([]).n == 0
    with pytest.raises(ValueError, match="level"):
        t_interval(v, level=90)


def test_proportion_is_the_wilson_interval_of_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    from radkit.stats import proportion, wilson_ci

    for k, n in [(8, 10), (0, 25), (25, 25), (139, 150), (3, 1000), (1, 1)]:
        for level in (0.8, 0.95, 0.99):
            e = proportion(k, n, level=level)
            lo, hi = proportion_confint(k, n, alpha=1 - level, method="wilson")
            assert (e.low, e.high) == pytest.approx((lo, hi), abs=1e-12)
            assert e.estimate == k / n and e.n == n and e.method == "Wilson" and e.level == level
            assert e.low <= e.estimate <= e.high  # never excludes its own estimate, even at 0 or n
            assert np.allclose(wilson_ci(k, n, level=level), (lo, hi), atol=1e-12)


def test_proportion_of_nothing_is_nan_and_bad_counts_raise():
    from radkit.stats import proportion

    e = proportion(0, 0)
    assert np.isnan(e.estimate) and np.isnan(e.low) and e.n == 0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        proportion(11, 10)
    with pytest.raises(ValueError, match="level"):
        proportion(3, 10, level=95)


def test_the_old_homes_of_the_wilson_interval_are_the_same_functions():
    import radkit.label_process as lp
    import radkit.stats as st
    import radkit.validation as val

    with pytest.warns(FutureWarning, match="use radkit.stats.wilson_ci"):  # label_process moved to adjudication
        assert lp.wilson_ci is st.wilson_ci
    assert val.proportion_estimate is st.proportion


def test_wilson_interval_contains_the_estimate_at_zero_and_all():
    """At k = 0 or k = n rounding must not put a bound on the wrong side of k / n (a negative error bar)."""
    from radkit.stats import wilson_ci

    for n in range(1, 400):
        k = np.arange(n + 1)
        lo, hi = wilson_ci(k, np.full_like(k, n))
        assert (k / n - lo >= 0).all() and (hi - k / n >= 0).all(), n
