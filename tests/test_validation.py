"""radkit.validation designs and sample sizes: hand-worked values, closed forms, statsmodels and sklearn."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from radkit import validation as val

Z = 1.959963984540054


def _data(n=400, p=20, signal=1.0, seed=0):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, p))
    y = (signal * X[:, 0] + gen.normal(size=n) > 1.0).astype(int)
    return X, y


# ---------------------------------------------------------------- sample sizes
def test_buderer_hand_worked():
    # 1.96^2 * 0.9 * 0.1 / 0.05^2 = 138.29 positives; / 0.10 = 1382.9 -> 1383 patients
    s = val.n_for_sens_spec(sensitivity=0.9, prevalence=0.1, half_width=0.05)
    assert (s.n, s.n_positive, s.criterion) == (1383, 139, "sensitivity")
    assert s.detail["positives for sensitivity"] == pytest.approx(Z**2 * 0.09 / 0.0025)
    # specificity 0.9 +/- 0.05 at prevalence 0.1: 138.29 negatives / 0.9 = 153.7 -> sensitivity still decides
    assert val.n_for_sens_spec(sensitivity=0.9, specificity=0.9, prevalence=0.1, half_width=0.05).n == 1383
    # specificity 0.8 +/- 0.02 decides: 1.96^2 * 0.16 / 0.0004 / 0.9 = 1707.3 -> 1708
    s2 = val.n_for_sens_spec(
        sensitivity=0.9, specificity=0.8, prevalence=0.1, half_width=0.05, specificity_half_width=0.02
    )
    assert (s2.n, s2.criterion) == (1708, "specificity")


@pytest.mark.parametrize(("sens", "prev", "w"), [(0.9, 0.1, 0.05), (0.75, 0.3, 0.04), (0.95, 0.02, 0.03)])
def test_buderer_against_statsmodels_wald(sens, prev, w):
    from statsmodels.stats.proportion import proportion_confint

    s = val.n_for_sens_spec(sensitivity=sens, prevalence=prev, half_width=w)
    m = s.detail["positives for sensitivity"]  # the Wald interval at exactly m positives has half-width w
    lo, hi = proportion_confint(sens * m, m, alpha=0.05, method="normal")
    assert (hi - lo) / 2 == pytest.approx(w, rel=1e-9)
    assert s.n * prev >= m - 1e-9 and (s.n - 1) * prev < m


def test_hanley_mcneil_hand_worked():
    # A = 0.8, 50 + 50: Q1 = 0.8/1.2, Q2 = 1.28/1.8; var = (0.16 + 49 (Q1 - .64) + 49 (Q2 - .64)) / 2500
    q1, q2 = 0.8 / 1.2, 2 * 0.64 / 1.8
    want = math.sqrt((0.16 + 49 * (q1 - 0.64) + 49 * (q2 - 0.64)) / 2500)
    assert val.auc_se_hanley_mcneil(0.8, 50, 50) == pytest.approx(want, rel=1e-12)
    assert round(want, 4) == 0.0445
    s = val.n_for_auc(auc=0.8, prevalence=0.5, half_width=0.05)
    assert Z * val.auc_se_hanley_mcneil(0.8, s.n * 0.5, s.n * 0.5) <= 0.05
    assert Z * val.auc_se_hanley_mcneil(0.8, (s.n - 1) * 0.5, (s.n - 1) * 0.5) > 0.05


def test_hanley_mcneil_matches_simulation_under_its_model():
    """Under H&M's own model (exponential scores: Q1, Q2 exact) the SE is the SD of the AUC over studies."""
    gen = np.random.default_rng(1)
    pos, neg = gen.exponential(4.0, (800, 60, 1)), gen.exponential(1.0, (800, 1, 140))
    aucs = (pos > neg).mean(axis=(1, 2))  # Mann-Whitney AUC of each of 800 studies (no ties)
    se = val.auc_se_hanley_mcneil(0.8, 60, 140)  # P(Exp(mean 4) > Exp(mean 1)) = 4 / 5
    assert np.mean(aucs) == pytest.approx(0.8, abs=0.005)
    assert se == pytest.approx(np.std(aucs, ddof=1), rel=0.08)


def test_riley_oe_closed_form():
    s = val.n_for_calibration_oe(prevalence=0.1, width=0.2)
    width = lambda n: 2 * math.sinh(Z * math.sqrt(0.9 / (0.1 * n)))
    assert width(s.n) <= 0.2 < width(s.n - 1)


@pytest.mark.parametrize("kwargs", [dict(half_width=0.0), dict(half_width=-0.1), dict(half_width=1.5)])
def test_sample_size_bad_width(kwargs):
    with pytest.raises(ValueError, match="half-width"):
        val.n_for_sens_spec(sensitivity=0.9, prevalence=0.1, **kwargs)


@pytest.mark.parametrize("prev", [0.0, 1.0])
def test_sample_size_bad_prevalence(prev):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        val.n_for_sens_spec(sensitivity=0.9, prevalence=prev, half_width=0.05)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        val.n_for_auc(auc=0.8, prevalence=prev, half_width=0.05)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        val.n_for_calibration_oe(prevalence=prev)


def test_sample_size_percent_prevalence_is_refused():
    with pytest.raises(ValueError, match=r"prevalence=10 must lie strictly between 0 and 1.*did you mean 0\.1\?"):
        val.n_for_sens_spec(sensitivity=0.9, prevalence=10, half_width=0.05)


def test_study_sizes_at_an_external_prevalence_agrees_with_each_criterion_and_hand_counts():
    # Buderer by hand at prevalence 0.05: 1.96^2 * 0.09 / 0.0025 = 138.29 positives / 0.05 = 2765.8 -> 2766
    t = val.study_sizes(prevalence=0.05, auc=0.85, films=3000, positives=140)
    assert list(t.index) == [
        "sensitivity 0.9 +/- 0.05",
        "sensitivity 0.9 and specificity 0.9, each +/- 0.05",
        "AUC 0.85 +/- 0.05",
        "O/E within 0.9-1.1 (Riley)",
    ]
    assert t["n"].iloc[0] == 2766 and t["n_positive"].iloc[0] == 139
    auc = val.n_for_auc(auc=0.85, prevalence=0.05, half_width=0.05)
    oe = val.n_for_calibration_oe(prevalence=0.05, width=0.2)
    assert (t["n"].iloc[2], t["n_positive"].iloc[2]) == (auc.n, auc.n_positive)
    assert (t["n"].iloc[3], t["n_negative"].iloc[3]) == (oe.n, oe.n_negative)
    # 3,000 films hold enough patients for Buderer, but 140 positives: 139 needed -> enough; Riley needs more
    assert t["enough"].tolist() == [True, True, auc.n <= 3000 and auc.n_positive <= 140, False]
    assert (t["films here"] == 3000).all() and (t["positives here"] == 140).all()
    # one positive fewer than Buderer's count is not enough, whatever the films
    assert not val.study_sizes(prevalence=0.05, films=10_000, positives=138)["enough"].iloc[0]
    # a model at chance: no AUC row is computed, and it is said why; no counts -> no "enough" column
    t2 = val.study_sizes(prevalence=0.3, auc=0.45)
    assert pd.isna(t2["n"].iloc[2]) and "needs an AUC in [0.5, 1)" in t2["criterion"].iloc[2]
    assert "enough" not in t2 and len(val.study_sizes(prevalence=0.3)) == 3
    with pytest.raises(ValueError, match="together"):
        val.study_sizes(prevalence=0.1, films=100)
    with pytest.raises(ValueError, match="between 0 and films"):
        val.study_sizes(prevalence=0.1, films=100, positives=101)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        val.study_sizes(prevalence=0.0)


# ---------------------------------------------------------------- learner and designs
def test_ridge_learner_matches_sklearn_ridge():
    X, y = _data()
    p = val.ridge_learner(alpha=5.0)(X, y)(X)
    Zs = StandardScaler().fit_transform(X)
    ref = Ridge(alpha=5.0).fit(Zs, y).predict(Zs)
    from scipy.stats import spearmanr

    assert spearmanr(p, ref).statistic == pytest.approx(1.0, abs=1e-9)  # Platt's sigmoid is monotone
    assert roc_auc_score(y, p) == pytest.approx(roc_auc_score(y, ref), abs=1e-12)


def test_ridge_learner_pooling_equals_pool_pixels():
    gen = np.random.default_rng(0)
    imgs = gen.random((60, 1, 8, 8)).astype(np.float32)
    y = np.r_[np.ones(20), np.zeros(40)].astype(int)
    a = val.ridge_learner(pool=2)(imgs, y)(imgs)
    F = val.pool_pixels(imgs, factor=2)
    b = val.ridge_learner()(F, y)(F)
    np.testing.assert_allclose(a, b, rtol=1e-10)
    with pytest.raises(ValueError, match="must divide"):
        val.pool_pixels(imgs, factor=3)


def test_designs_order_with_signal():
    X, y = _data(n=600, p=40, seed=2)
    learner = val.ridge_learner(alpha=1.0)
    app = val.apparent(learner, X, y)
    hold = val.holdout(learner, X, y, seed=0)
    cv = val.cross_validated(learner, X, y, k=5, seed=0)
    assert app.estimate > cv.estimate and app.estimate > hold.estimate
    assert hold.n == 180 and cv.n == 600
    assert hold.low < hold.estimate < hold.high


def test_holdout_and_cv_are_stratified_and_deterministic():
    X, y = _data(n=300, seed=3)
    learner = val.ridge_learner()
    assert val.holdout(learner, X, y, seed=4) == val.holdout(learner, X, y, seed=4)
    assert val.cross_validated(learner, X, y, seed=4) == val.cross_validated(learner, X, y, seed=4)
    from radkit.validation.designs import _stratified_folds

    folds = _stratified_folds(y, 5, np.random.default_rng(0))
    per_fold = np.array([y[folds == f].sum() for f in range(5)])
    assert per_fold.max() - per_fold.min() <= 1
    sizes = np.bincount(folds)
    assert sizes.max() - sizes.min() <= 1


def test_optimism_no_signal_gives_half():
    """No signal at all: the apparent AUC is well above 0.5, the corrected one near 0.5 (mean over data sets).

    (With many features per case Harrell's correction under-corrects a little, a known property;
    here 10 features for 300 cases.)
    """
    app, corr = [], []
    for seed in range(6):
        gen = np.random.default_rng(seed)
        X, y = gen.normal(size=(300, 10)), gen.integers(0, 2, 300)
        r = val.optimism_corrected(val.ridge_learner(alpha=1.0), X, y, n_boot=50, seed=seed)
        assert r.optimism == pytest.approx(r.apparent - r.estimate.estimate)
        app.append(r.apparent)
        corr.append(r.estimate.estimate)
    assert np.mean(app) > 0.57
    assert abs(np.mean(corr) - 0.5) < 0.04, corr
    assert abs(np.mean(corr) - 0.5) < (np.mean(app) - 0.5) / 2
    assert len(r.replicates) == 50 and "optimism" in r.to_frame().columns


def test_optimism_close_to_holdout_truth():
    """With signal, the corrected AUC sits near the AUC on fresh cases (the truth), far below the apparent."""
    X, y = _data(n=3400, p=60, seed=5)
    learner = val.ridge_learner(alpha=1.0)
    r = val.optimism_corrected(learner, X[:300], y[:300], n_boot=60, seed=0)
    fresh = roc_auc_score(y[300:], learner(X[:300], y[:300])(X[300:]))
    assert abs(r.estimate.estimate - fresh) < abs(r.apparent - fresh) / 2


def test_temporal_split_respects_dates():
    dates = pd.date_range("2019-01-01", "2023-12-31", periods=500).to_numpy()
    dates = np.random.default_rng(0).permutation(dates)
    before, after = val.temporal_split(dates, cutoff="2022-01-01")
    d = pd.to_datetime(dates)
    assert (d[before] < pd.Timestamp("2022-01-01")).all() and (d[after] >= pd.Timestamp("2022-01-01")).all()
    assert len(before) + len(after) == 500
    X, y = _data(n=500, seed=6)
    e = val.temporal(val.ridge_learner(), X, y, dates, cutoff="2022-01-01")
    assert e.n == len(after)
    with pytest.raises(ValueError, match="Pick a date inside"):
        val.temporal_split(dates, cutoff="2030-01-01")
    bad = dates.astype(object)
    bad[3] = None
    with pytest.raises(ValueError, match="missing or unreadable"):
        val.temporal_split(bad, cutoff="2022-01-01")


def test_external_site_without_positives_is_a_clear_error():
    X, y = _data(n=300, seed=7)
    sites = np.repeat(["A", "B", "C"], 100)
    y = y.copy()
    y[sites == "C"] = 0
    with pytest.raises(ValueError, match="only one class"):
        val.external(val.ridge_learner(), X, y, sites, site="C")
    with pytest.raises(ValueError, match="do not occur"):
        val.external(val.ridge_learner(), X, y, sites, site="Z")
    with pytest.raises(ValueError, match="nothing is left"):
        val.site_split(sites, site=["A", "B", "C"])


def test_external_uses_only_other_sites():
    seen = []

    def learner(X, y):
        seen.append(len(X))
        return lambda Xn: Xn[:, 0]

    X, y = _data(n=300, seed=8)
    e = val.external(learner, X, y, np.repeat(["A", "B", "C"], 100), site="B")
    assert seen == [200] and e.n == 100
    assert e.estimate == pytest.approx(roc_auc_score(y[100:200], X[100:200, 0]))


def test_validation_designs_table():
    X, y = _data(n=500, seed=9)
    sites = np.repeat(["A", "B"], [400, 100])
    dates = pd.date_range("2020-01-01", periods=500).to_numpy()
    d = val.validation_designs(
        val.ridge_learner(), X, y, sites=sites, dates=dates, external_site="B", cutoff="2020-12-01", n_boot=5, seed=0
    )
    t = d.to_frame()
    assert list(t.index) == list(val.DESIGNS)
    assert {"estimate", "low", "high", "level", "method", "n"} <= set(t.columns)
    assert d["external"].n == 100 and d["apparent"].n == 400


def test_design_inputs_are_checked():
    X, y = _data(n=100)
    with pytest.raises(ValueError, match="cases but y has"):
        val.apparent(val.ridge_learner(), X, y[:-1])
    with pytest.raises(ValueError, match="k=200 folds"):
        val.cross_validated(val.ridge_learner(), X, y, k=200, seed=0)
    with pytest.raises(ValueError, match="alpha must be"):
        val.ridge_learner(alpha=0)
    with pytest.raises(ValueError):
        val.holdout(val.ridge_learner(), X, np.full(100, np.nan), seed=0)
