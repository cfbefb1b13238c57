"""radkit.drift: drift tests cross-checked against scipy, statsmodels, scikit-learn and hand-worked cases."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from radkit import drift
from radkit.drift.detectors import _adjust, _mmd2_many


def _two(seed=0, n=80, d=5, shift=0.0):
    g = np.random.default_rng(seed)
    return g.normal(size=(n, d)), g.normal(size=(n + 7, d)) + shift


def test_ks_matches_scipy_per_feature():
    a, b = _two(1, d=4, shift=np.array([0, 0, 0.6, 0]))
    r = drift.ks_test(a, b, correction="none")
    for j in range(4):
        ref = stats.ks_2samp(a[:, j], b[:, j])
        assert r.details.loc[j, "statistic"] == pytest.approx(ref.statistic, abs=1e-12)
        assert r.details.loc[j, "p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.drift and int(r.details["p_value"].idxmin()) == 2


@pytest.mark.parametrize("method", ["holm", "bonferroni"])
def test_corrections_match_statsmodels(method):
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(3).random(25) ** 3
    assert np.allclose(_adjust(p, method), multipletests(p, method=method)[1])


def test_mmd2_unbiased_by_hand():
    x, y, bw = np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]]), 1.0
    k = lambda u, v: np.exp(-((u - v) ** 2) / (2 * bw**2))
    kxx = k(0, 1)  # one distinct pair each way, mean = the value
    kyy = k(0, 2)
    kxy = np.mean([k(0, 0), k(0, 2), k(1, 0), k(1, 2)])
    assert drift.mmd2_unbiased(x, y, bandwidth=bw) == pytest.approx(kxx + kyy - 2 * kxy, abs=1e-12)


def test_mmd2_matches_sklearn_kernel_and_fast_path():
    from sklearn.metrics.pairwise import rbf_kernel

    a, b = _two(4, n=30, d=3, shift=0.3)
    bw = drift.median_bandwidth(np.vstack([a, b]))
    g = 1 / (2 * bw**2)
    kxx, kyy, kxy = rbf_kernel(a, a, gamma=g), rbf_kernel(b, b, gamma=g), rbf_kernel(a, b, gamma=g)
    m, n = len(a), len(b)
    want = (kxx.sum() - m) / (m * (m - 1)) + (kyy.sum() - n) / (n * (n - 1)) - 2 * kxy.mean()
    assert drift.mmd2_unbiased(a, b) == pytest.approx(want, rel=1e-9)
    k0 = rbf_kernel(np.vstack([a, b]), gamma=g)
    np.fill_diagonal(k0, 0)
    x = np.r_[np.ones(m), np.zeros(n)][:, None]
    assert _mmd2_many(k0, x, m, k0.sum(), k0.sum(1))[0] == pytest.approx(want, rel=1e-9)
    assert drift.mmd_test(a, b, n_perm=50, seed=0).statistic == pytest.approx(want, rel=1e-9)


def test_median_bandwidth_by_hand():
    assert drift.median_bandwidth([[0.0], [1.0], [3.0]]) == 2.0  # distances 1, 2, 3


def test_mmd_permutation_p_uniform_under_null():
    g = np.random.default_rng(5)
    p = np.array(
        [drift.mmd_test(g.normal(size=(15, 2)), g.normal(size=(15, 2)), n_perm=99, seed=i).p_value for i in range(150)]
    )
    assert 0.01 <= (p < 0.05).mean() <= 0.11
    assert stats.kstest(p, "uniform").pvalue > 0.001  # discrete grid of 1/100, close to uniform


def test_mmd_detects_shift_and_is_deterministic():
    a, b = _two(6, n=60, d=4, shift=0.7)
    r1, r2 = drift.mmd_test(a, b, n_perm=300, seed=2), drift.mmd_test(a, b, n_perm=300, seed=2)
    assert r1.drift and r1.p_value == r2.p_value == pytest.approx(1 / 301)
    assert list(r1.to_frame().columns) == ["statistic", "p_value", "alpha", "n_ref", "n_new", "drift"]


def test_classifier_and_score_tests():
    a, b = _two(7, n=150, d=3, shift=1.0)
    assert drift.classifier_test(a, b, seed=0).drift
    same = [drift.classifier_test(*_two(s, n=60, d=3), seed=s).drift for s in range(40)]
    assert np.mean(same) <= 0.15
    assert drift.score_test(a[:, 0], a[::-1, 0] + 0.0).p_value == pytest.approx(1.0)


@pytest.mark.parametrize(
    "bad, msg",
    [
        ((np.zeros((5, 3)), np.zeros((5, 4))), "features"),
        ((np.zeros((1, 3)), np.zeros((5, 3))), "at least 2"),
        ((np.full((5, 3), np.nan), np.zeros((5, 3))), "NaN"),
        ((np.zeros((5, 3, 2)), np.zeros((5, 3))), "2-D"),
    ],
)
def test_bad_samples(bad, msg):
    for fn, extra in ((drift.ks_test, {}), (drift.mmd_test, {"seed": 0}), (drift.mmd2_unbiased, {})):
        with pytest.raises(ValueError, match=msg):
            fn(*bad, **extra)


def test_bbse_recovers_known_prior_from_confusion():
    # validation: 200 positives, 800 negatives; TPR 0.9, FPR 0.2
    y_val = np.r_[np.ones(200), np.zeros(800)].astype(int)
    pred_val = np.r_[np.ones(180), np.zeros(20), np.ones(160), np.zeros(640)].astype(int)
    q = 0.37  # new sample built exactly: decision rate = 0.2 + 0.7 q
    rate = 0.2 + 0.7 * q
    pred_new = np.r_[np.ones(int(round(rate * 1000))), np.zeros(1000 - int(round(rate * 1000)))].astype(int)
    assert drift.bbse_prior(y_val, pred_val, pred_new) == pytest.approx(q, abs=1e-3)
    # the general BBSE: C w = mu, q = w * p_val (two classes)
    C = np.array([[640, 20], [160, 180]]) / 1000  # rows: decision 0/1, columns: truth 0/1
    w = np.linalg.solve(C, [1 - rate, rate])
    assert w[1] * 0.2 == pytest.approx(q, abs=1e-9)


def _calibrated(g, n, prevalence, train_prior):
    y = g.random(n) < prevalence
    x = g.normal(np.where(y, 1.0, -1.0))
    return y.astype(int), 1 / (1 + np.exp(-(2 * x + np.log(train_prior / (1 - train_prior)))))


def test_em_and_estimate_prior_recover_shift():
    g = np.random.default_rng(8)
    y_val, p_val = _calibrated(g, 3000, 0.2, 0.2)
    _, p_new = _calibrated(g, 3000, 0.45, 0.2)
    assert drift.em_prior(p_new, 0.2) == pytest.approx(0.45, abs=0.03)
    for method in ("bbse", "em"):
        e = drift.estimate_prior(p_new, y_val=y_val, p_val=p_val, method=method, threshold=0.2, n_boot=100, seed=1)
        assert e.low < 0.45 < e.high and e.width < 0.15 and e.method.startswith(method.upper())


def test_prior_correct_closed_form_and_the_deprecated_adjust_probs():
    from radkit.metrics import prior_correct

    p = np.array([0.1, 0.5, 0.9])
    assert np.allclose(prior_correct(p, train_prevalence=0.3, true_prevalence=0.3), p)
    odds = p / (1 - p) * (0.6 / 0.4) / (0.3 / 0.7)
    assert np.allclose(prior_correct(p, train_prevalence=0.3, true_prevalence=0.6), odds / (1 + odds))
    with pytest.raises(ValueError, match="logits"):
        prior_correct([2.0], train_prevalence=0.3, true_prevalence=0.5)
    with pytest.warns(FutureWarning, match="prior_correct"):
        assert np.array_equal(
            drift.adjust_probs(p, 0.3, 0.6), prior_correct(p, train_prevalence=0.3, true_prevalence=0.6)
        )
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="logits"):
        drift.adjust_probs([2.0], 0.3, 0.5)
    with pytest.raises(TypeError, match="missing"):
        drift.adjust_probs(p, 0.3)


def test_cusum_alarm_time_on_known_step():
    x = np.r_[np.zeros(10), np.full(10, -1.0)]  # a drop of 1 sd at week 10
    a = drift.cusum(x, target=0.0, sigma=1.0, slack=0.5, h=2.0)
    # S grows by 0.5 a week after the step: 0.5, 1.0, 1.5, 2.0, 2.5 > 2 at week 14
    assert a.first == 14 and drift.detection_delay(a, 10) == {"false_alarm": False, "delay": 4}
    assert drift.cusum(-x, target=0.0, sigma=1.0, h=2.0, direction="above").first == 14
    assert drift.cusum(np.zeros(30), target=0.0, sigma=1.0).first is None


def test_page_hinkley_and_threshold():
    x = np.r_[np.ones(8), np.zeros(8)]
    a = drift.page_hinkley(x, delta=0.05, lam=1.0)
    assert a.first is not None and 8 <= a.first <= 10
    assert drift.page_hinkley(np.ones(20), delta=0.05, lam=1.0).first is None
    t = drift.threshold_alarm([0.8, 0.5, np.nan], [0.9, 0.6, np.nan], threshold=0.7)
    assert t.flags.tolist() == [False, True, False]


def test_weekly_metric_matches_delong_and_validates_k():
    from radkit.metrics import delong_auc

    g = np.random.default_rng(9)
    y = (g.random(300) < 0.3).astype(int)
    p = np.clip(0.3 + 0.3 * (y - 0.3) + g.normal(0, 0.15, 300), 0, 1)
    week = np.repeat([0, 1, 2], 100)
    f = drift.weekly_metric(y, p, week, k=100, metric="auc", seed=0)
    for w in range(3):
        r = delong_auc(y[week == w], p[week == w])
        assert f.loc[w, "estimate"] == pytest.approx(r.auc) and f.loc[w, "low"] == pytest.approx(r.low)
    oe = drift.weekly_metric(y, p, week, k=100, metric="oe", seed=0)
    assert oe.loc[0, "estimate"] == pytest.approx((y[:100] - p[:100]).mean())
    for k in (0, 1, 2.5):
        with pytest.raises(ValueError, match="k="):
            drift.weekly_metric(y, p, week, k=k, seed=0)


def test_weekly_auc_is_nan_for_a_week_with_fewer_than_two_of_a_class():
    y = np.array([1, 0, 0, 0, 0, 0] + [1, 1, 0, 0, 1, 0])
    p = np.linspace(0.1, 0.9, 12)
    f = drift.weekly_metric(y, p, np.repeat([0, 1], 6), k=6, metric="auc", seed=0)
    assert np.isnan(f.loc[0, ["estimate", "low", "high"]].astype(float)).all()
    assert np.isfinite(f.loc[1, "estimate"]) and f.loc[0, "n"] == 6


def test_labels_needed_closed_form_and_power():
    k = drift.labels_needed(0.1, sd=0.4)
    assert k == int(np.ceil(((stats.norm.ppf(0.95) + stats.norm.ppf(0.8)) * 0.4 / 0.1) ** 2))
    g = np.random.default_rng(10)  # simulated power of the one-sided z test at that k is about 0.8
    means = g.normal(-0.1, 0.4 / np.sqrt(k), 4000)
    assert 0.75 < (means / (0.4 / np.sqrt(k)) < -stats.norm.ppf(0.95)).mean() < 0.85


@pytest.fixture(scope="module")
def small_pool():
    import radkit.synth as synth

    return synth.generate(400, size=32, seed=3, masks=False, device="cpu")


def test_concept_labels_equal_synth_drift(small_pool):
    import radkit.synth as synth

    after = synth.generate(
        400,
        size=32,
        seed=3,
        masks=False,
        device="cpu",
        drift=synth.Drift(concept={"cardiomegaly": ("2000-01-01", 0.55)}),
    )
    ours = drift.concept_labels(small_pool.meta, "cardiomegaly", min_severity=0.55)
    theirs = after.labels["cardiomegaly"].to_numpy()
    # meta stores severity rounded to 3 decimals: only a case sitting exactly on the threshold may differ
    differ = ours != theirs
    assert (small_pool.meta["severity_cardiomegaly"].to_numpy()[differ] == 0.55).all() and differ.sum() <= 2
    assert np.array_equal(
        drift.concept_labels(small_pool.meta, "cardiomegaly"), small_pool.labels["cardiomegaly"].to_numpy()
    )


def test_timeline_schedule_and_changes(small_pool):
    m = small_pool.meta
    t = drift.make_timeline(
        m,
        m,
        finding="effusion",
        n_weeks=30,
        per_week=200,
        prevalence=drift.prevalence_schedule(30, start=0.1, end=0.4),
        scanner_week=10,
        concept_week=20,
        min_severity=20.0,
        seed=0,
    )
    f = t.to_frame()
    assert np.abs(f["present"] - f["prevalence"]).mean() < 0.03
    assert (f.loc[:9, "new_scanner"] == 0).all() and (f.loc[10:, "new_scanner"] == 1).all()
    assert (f.loc[:19, "label_rate"] == f.loc[:19, "present"]).all()
    assert (f.loc[20:, "label_rate"] < f.loc[20:, "present"]).all()
    again = drift.make_timeline(m, m, finding="effusion", n_weeks=30, per_week=200, prevalence=0.2, seed=0)
    assert np.array_equal(
        again.index,
        drift.make_timeline(m, m, finding="effusion", n_weeks=30, per_week=200, prevalence=0.2, seed=0).index,
    )
    with pytest.raises(ValueError, match="pool_new"):
        drift.make_timeline(m, finding="effusion", n_weeks=3, per_week=5, prevalence=0.2, scanner_week=1, seed=0)
    with pytest.raises(ValueError, match="min_severity"):
        drift.make_timeline(m, finding="effusion", n_weeks=3, per_week=5, prevalence=0.2, concept_week=1, seed=0)


def test_policies():
    g = np.random.default_rng(11)
    week = np.repeat(np.arange(24), 200)
    p = g.random(week.size) * 0.6
    y = (g.random(week.size) < np.where(week < 12, p, p / 3)).astype(int)  # labels drop at week 12
    never = drift.simulate_policy(y, p, week, policy="never", seed=0)
    per = drift.simulate_policy(y, p, week, policy="periodic", period=8, n_retrain=100, seed=0)
    alarm = drift.simulate_policy(y, p, week, policy="alarm", k=60, n_retrain=150, seed=1)
    assert never.labels == 0 and never.retrains == 0
    assert per.retrains == 3 and per.labels == 300
    assert alarm.weekly.loc[12:14, "retrained"].any() and alarm.mean_brier < never.mean_brier
    assert list(alarm.to_frame().columns) == ["mean_brier", "retrains", "labels"]
    with pytest.raises(ValueError, match="policy"):
        drift.simulate_policy(y, p, week, policy="sometimes", seed=0)


def test_direct_standardize_by_hand():
    d = pd.DataFrame({"year": [1] * 4 + [2] * 4, "ap": [1, 1, 0, 0, 1, 0, 0, 0], "y": [1, 0, 0, 0, 1, 0, 0, 0]})
    out = drift.direct_standardize(d, outcome="y", stratum="ap", groups="year", reference=1)
    # year 2: AP rate 1, PA rate 0; with year 1's half-AP mix: 0.5
    assert out.loc[2, "standardized"] == pytest.approx(0.5) and out.loc[2, "crude"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="reference"):
        drift.direct_standardize(d, outcome="y", stratum="ap", groups="year", reference=3)


def test_label_shift_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        drift.em_prior([0.2, np.nan], 0.3)
    with pytest.raises(ValueError, match="both classes"):
        drift.bbse_prior([1, 1, 1], [1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="strictly between"):
        drift.em_prior([0.2], 0.0)
    with pytest.raises(ValueError, match="do not separate"):
        drift.bbse_prior([1, 0, 1, 0], [0, 1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="method"):
        drift.estimate_prior([0.2, 0.4], y_val=[0, 1], p_val=[0.1, 0.9], method="magic", seed=0)


def test_alarm_bad_input():
    with pytest.raises(ValueError, match="sigma"):
        drift.cusum([0.0, 1.0], target=0.0, sigma=0.0)
    with pytest.raises(ValueError, match="direction"):
        drift.page_hinkley([0.0, 1.0], delta=0.1, lam=1.0, direction="sideways")
    with pytest.raises(ValueError, match="drop and sd"):
        drift.labels_needed(0.0, sd=0.3)


def test_weekly_prior_is_the_week_by_week_loop():
    """weekly_prior = estimate_prior per week (seed + week) and prior_correct to the first method's estimate."""
    from radkit.metrics import prior_correct

    g = np.random.default_rng(11)

    def probs(y):
        return 1 / (1 + np.exp(-(np.where(y, 1.5, -1.5) + g.normal(size=y.size) - 1.0)))

    y_val = (g.random(1500) < 0.2).astype(int)
    p_val = probs(y_val == 1)
    week = np.repeat([0, 1, 2], 200)
    y_new = (g.random(600) < np.repeat([0.2, 0.35, 0.5], 200)).astype(int)
    p_new = probs(y_new == 1)
    got = drift.weekly_prior(p_new, week, y_val=y_val, p_val=p_val, threshold=0.2, n_boot=30, seed=5)
    for w in range(3):
        s = week == w
        for m in ("bbse", "em"):
            e = drift.estimate_prior(p_new[s], y_val=y_val, p_val=p_val, method=m, threshold=0.2, n_boot=30, seed=5 + w)
            assert got.loc[w, [m, f"{m}_low", f"{m}_high"]].tolist() == [e.estimate, e.low, e.high]
        q = prior_correct(p_new[s], train_prevalence=y_val.mean(), true_prevalence=got.loc[w, "bbse"])
        assert got.loc[w, "mean_prob_adjusted"] == pytest.approx(q.mean())
        assert got.loc[w, "n"] == 200
    # the correction moves the mean probability towards the true rate as the prevalence rises
    true = pd.Series(y_new).groupby(week).mean()
    assert (abs(true - got["mean_prob_adjusted"]) < abs(true - got["mean_prob"])).iloc[1:].all()
    with pytest.raises(ValueError, match="one week per probability"):
        drift.weekly_prior(p_new, week[:10], y_val=y_val, p_val=p_val, threshold=0.2, seed=0)
    with pytest.raises(ValueError, match="methods"):
        drift.weekly_prior(p_new, week, y_val=y_val, p_val=p_val, threshold=0.2, methods=("mle",), seed=0)


# ------------------------------------------------- PadChest facts (moved from notebook 09's Claims)
def test_padchest_drift_facts_of_the_shipped_table():
    """What notebook 09 section 6 states about the shipped PadChest table: facts, not findings of a run."""
    pc = drift.padchest_by_year("pleural effusion")
    maker = pd.crosstab(pc["year"], pc["manufacturer"], normalize="index")
    assert maker.loc[2009, "ImagingDynamicsCompanyLtd"] > 0.6
    assert maker.loc[2017, "ImagingDynamicsCompanyLtd"] == 0
    method = pd.crosstab(pc["year"], pc["method_label"], normalize="index")
    assert method.loc[2010:2013, "RNN_model"].min() > 0.99
    assert method.loc[2016:2017, "Physician"].min() > 0.99
    std = drift.direct_standardize(pc, outcome="finding", stratum="bedside", groups="year", reference=2009)
    fall = std.loc[2009] - std.loc[2017]
    assert std.loc[2017, "crude"] < 0.5 * std.loc[2009, "crude"]
    assert 1 - fall["standardized"] / fall["crude"] > 0.5  # the view mix explains most of the fall
    raw = drift.raw_label_rates("pleural effusion")
    rnn, md = raw.loc[2009:2013].mean(), raw.loc[2015:2017].mean()
    assert md["exact"] > rnn["exact"] and md["either"] < rnn["either"]  # the string invents a rise
