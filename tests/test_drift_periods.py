"""radkit.drift.periods: pooled years, drift tests per period and AUC per period, cross-checked.

References: scipy's ks_2samp for the KS rows, the kit's own mmd_test/classifier_test
called directly for the others, scikit-learn's roc_auc_score for the AUC.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from radkit import drift
from radkit.seeding import spawn


def test_pooled_years_merges_sparse_years_forwards_and_the_short_tail_backwards():
    # the shape of a 2,500-film random PadChest sample: a handful in 2007-2008, ~270 a year after
    counts = {2007: 1, 2008: 2, **{y: 270 for y in range(2009, 2017)}, 2017: 40}
    years = np.repeat(list(counts), list(counts.values()))
    pooled = drift.pooled_years(years, min_films=200)
    assert pooled[2007] == pooled[2008] == pooled[2009] == "2007-2009"
    assert pooled[2016] == pooled[2017] == "2016-2017"  # 40 films alone are too few
    assert pooled[2012] == "2012"
    per_period = pd.Series(pooled.reindex(years).to_numpy()).value_counts()
    assert per_period.min() >= 200 and per_period.sum() == len(years)
    # every year keeps one period, periods are contiguous and in time order
    starts = [int(p.split("-")[0]) for p in pd.unique(pooled.to_numpy())]
    assert starts == sorted(starts)


def test_pooled_years_keeps_every_year_when_all_are_large_enough():
    years = np.repeat(range(2010, 2015), 50)
    assert list(drift.pooled_years(years, min_films=50)) == [str(y) for y in range(2010, 2015)]


@pytest.mark.parametrize(
    ("years", "min_films", "match"),
    [
        ([2010, 2011], 5, "fewer than min_films"),
        ([2010.5, 2011], 1, "whole study years"),
        ([2010, np.nan], 1, "whole study years"),
        ([2010], 0, "min_films"),
    ],
)
def test_pooled_years_refuses_bad_input(years, min_films, match):
    with pytest.raises(ValueError, match=match):
        drift.pooled_years(years, min_films=min_films)


def _periods(seed=0):
    g = np.random.default_rng(seed)
    ref = g.normal(size=(200, 4))
    new = np.vstack([g.normal(size=(150, 4)), g.normal(size=(150, 4)) + [0, 0.7, 0, 0], g.normal(size=(10, 4))])
    period = np.array(["2010"] * 150 + ["2011"] * 150 + ["2012"] * 10)
    return ref, new, period


def test_drift_by_period_rows_equal_the_tests_called_directly():
    ref, new, period = _periods()
    t = drift.drift_by_period(ref, new, period, n_perm=300, min_films=20, seed=7)
    seeds = dict(zip(["2010", "2011", "2012"], spawn(7, 3)))
    bw = drift.median_bandwidth(ref)
    for name in ("2010", "2011"):
        x = new[period == name]
        row = t[(t["period"] == name)].set_index("test")
        # KS: the largest statistic over features is scipy's; the p-value is Holm's smallest
        ks = [stats.ks_2samp(ref[:, j], x[:, j], method="asymp") for j in range(4)]
        assert row.loc["KS", "statistic"] == pytest.approx(max(r.statistic for r in ks), abs=1e-12)
        holm = min(1.0, 4 * min(r.pvalue for r in ks))  # Holm's smallest adjusted p-value
        assert row.loc["KS", "p_value"] == pytest.approx(holm, rel=1e-9)
        mmd = drift.mmd_test(ref, x, n_perm=300, bandwidth=bw, seed=seeds[name])
        assert row.loc["MMD", "statistic"] == pytest.approx(mmd.statistic, rel=1e-12)
        assert row.loc["MMD", "p_value"] == mmd.p_value
        clf = drift.classifier_test(ref, x, seed=seeds[name])
        assert row.loc["classifier", "statistic"] == pytest.approx(clf.statistic, rel=1e-12)
        assert int(row.loc["KS", "n_new"]) == 150 and int(row.loc["KS", "n_ref"]) == 200
    flags = t.pivot(index="period", columns="test", values="drift")
    assert flags.loc["2011"].all()  # the planted shift of one feature: every test sees it
    assert not flags.loc["2010"].any()  # the same distribution as the reference
    # a period under min_films is reported, not tested
    small = t[t["period"] == "2012"]
    assert len(small) == 3 and small["statistic"].isna().all() and small["drift"].isna().all()


def test_drift_by_period_holds_its_level_without_drift():
    g = np.random.default_rng(3)
    ref = g.normal(size=(150, 3))
    new = g.normal(size=(40 * 60, 3))
    period = np.repeat([f"p{k:02d}" for k in range(40)], 60)
    t = drift.drift_by_period(ref, new, period, tests=["KS", "classifier"], seed=1)
    # one reference shared by all periods: their flags are correlated, so the bound is loose
    assert t.groupby("test")["drift"].mean().max() <= 0.2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tests": ["t-test"]}, "choose among"),
        ({"period": ["a"] * 3}, "one period per film"),
        ({"period": [None] * 310}, "missing"),
    ],
)
def test_drift_by_period_refuses_bad_input(kwargs, match):
    ref, new, period = _periods()
    args = {"period": period, **kwargs}
    with pytest.raises(ValueError, match=match):
        drift.drift_by_period(ref, new, args.pop("period"), seed=0, **args)


def test_auc_by_period_matches_sklearn_and_names_sparse_periods():
    g = np.random.default_rng(4)
    y = g.binomial(1, 0.3, size=300)
    s = y * 0.8 + g.normal(size=300)
    period = np.repeat(["2009", "2010", "2011"], 100)
    y[200:] = 0
    y[200:203] = 1  # 2011: three positives only
    t = drift.auc_by_period(y, s, period, min_positives=5)
    for name, sl in (("2009", slice(0, 100)), ("2010", slice(100, 200))):
        assert t.loc[name, "auc"] == pytest.approx(roc_auc_score(y[sl], s[sl]), abs=1e-12)
        assert t.loc[name, "low"] < t.loc[name, "auc"] < t.loc[name, "high"]
    assert np.isnan(t.loc["2011", "auc"]) and "3 positive" in t.loc["2011", "note"]
    assert t["films"].tolist() == [100, 100, 100]
    with pytest.raises(ValueError, match="min_positives"):
        drift.auc_by_period(y, s, period, min_positives=1)
