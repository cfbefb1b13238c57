"""Tests for radkit.metrics, cross-checked against scikit-learn, scipy,
statsmodels, or cases worked by hand / by definition inside the test."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression

from radkit import metrics as rm


def _tables(seed: int = 0, k: int = 12) -> list[tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    return [tuple(int(c) for c in rng.integers(1, 60, 4)) for _ in range(k)]


def _labels(tn: int, fp: int, fn: int, tp: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.r_[np.zeros(tn + fp, int), np.ones(fn + tp, int)]
    p = np.r_[np.zeros(tn, int), np.ones(fp, int), np.zeros(fn, int), np.ones(tp, int)]
    return y, p


def _scores(n: int, seed: int, shift: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, expit(shift * (2 * y - 1) + rng.normal(size=n))


def _rank_auc(y: np.ndarray, s: np.ndarray) -> float:
    """AUC as the Mann-Whitney statistic (fast, for bootstrap loops in tests)."""
    r, m = stats.rankdata(s), int(y.sum())
    return (r[y == 1].sum() - m * (m + 1) / 2) / (m * (y.size - m))


def _delong_by_definition(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple:
    """DeLong (1988) structural components by their O(n^2) definition."""

    def comps(s):
        x, z = s[y == 1], s[y == 0]
        psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
        return psi.mean(), psi.mean(axis=1), psi.mean(axis=0)

    (auc_a, v10a, v01a), (auc_b, v10b, v01b) = comps(a), comps(b)
    m, n = v10a.size, v01a.size
    s10, s01 = np.cov(np.vstack([v10a, v10b])), np.cov(np.vstack([v01a, v01b]))
    cov = s10 / m + s01 / n
    return auc_a, auc_b, cov


# ---------------------------------------------------------------- confusion measures


def test_table1_of_the_paper():
    m = rm.from_confusion(tn=80, fp=10, fn=5, tp=5)
    assert m.accuracy == pytest.approx(0.85)
    assert m.sensitivity == pytest.approx(0.50)
    assert m.specificity == pytest.approx(80 / 90) and round(m.specificity, 2) == 0.89
    assert m.ppv == pytest.approx(1 / 3) and m.precision == m.ppv
    assert m.npv == pytest.approx(80 / 85)
    assert m.prevalence == pytest.approx(0.10) and m.n == 100


@pytest.mark.parametrize("table", _tables())
def test_measures_match_sklearn(table):
    tn, fp, fn, tp = table
    y, p = _labels(*table)
    m = rm.from_confusion(tn=tn, fp=fp, fn=fn, tp=tp)
    lr_pos, lr_neg = skm.class_likelihood_ratios(y, p)
    assert m.accuracy == pytest.approx(skm.accuracy_score(y, p))
    assert m.balanced_accuracy == pytest.approx(skm.balanced_accuracy_score(y, p))
    assert m.sensitivity == pytest.approx(skm.recall_score(y, p))
    assert m.specificity == pytest.approx(skm.recall_score(y, p, pos_label=0))
    assert m.ppv == pytest.approx(skm.precision_score(y, p))
    assert m.npv == pytest.approx(skm.precision_score(y, p, pos_label=0))
    assert m.f1 == pytest.approx(skm.f1_score(y, p))
    assert m.mcc == pytest.approx(skm.matthews_corrcoef(y, p))
    assert m.lr_pos == pytest.approx(lr_pos) and m.lr_neg == pytest.approx(lr_neg)
    assert m.dor == pytest.approx(lr_pos / lr_neg)


def test_from_confusion_vectorized_and_frame():
    tables = np.array(_tables(seed=1, k=5))
    m = rm.from_confusion(tn=tables[:, 0], fp=tables[:, 1], fn=tables[:, 2], tp=tables[:, 3])
    for i, (tn, fp, fn, tp) in enumerate(tables):
        one = rm.from_confusion(tn=tn, fp=fp, fn=fn, tp=tp)
        assert m.mcc[i] == pytest.approx(one.mcc) and m.f1[i] == pytest.approx(one.f1)
    frame = m.to_frame()
    assert frame.shape == (5, len(m.as_dict())) and list(frame["tp"]) == list(tables[:, 3])
    assert rm.from_confusion(tn=1, fp=2, fn=3, tp=4).to_frame().shape[0] == 1


def test_undefined_ratios_follow_the_rule():
    none_pos = rm.from_confusion(tn=10, fp=0, fn=0, tp=0)
    assert np.isnan(none_pos.sensitivity) and np.isnan(none_pos.ppv)
    assert np.isnan(none_pos.mcc)  # scikit-learn says 0.0 here; we say undefined
    assert none_pos.specificity == 1.0 and none_pos.accuracy == 1.0
    perfect_spec = rm.from_confusion(tn=10, fp=0, fn=2, tp=3)
    assert perfect_spec.lr_pos == np.inf and perfect_spec.dor == np.inf
    assert np.isnan(rm.from_confusion(tn=0, fp=0, fn=0, tp=0).accuracy)


@pytest.mark.parametrize("bad", [-1, np.nan, "3"])
def test_from_confusion_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match="non-negative counts"):
        rm.from_confusion(tn=bad, fp=1, fn=1, tp=1)


def test_confusion_matches_sklearn_and_accepts_bool():
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    assert tuple(rm.confusion(y, p)) == tuple(skm.confusion_matrix(y, p).ravel())
    c = rm.confusion(y.astype(bool), p.astype(bool))
    assert c.tp == int(np.sum(y & p))
    assert c.measures().sensitivity == pytest.approx(skm.recall_score(y, p))


def test_report_matches_sklearn():
    y, s = _scores(300, seed=4)
    r = rm.report(y, s, threshold=0.6)
    assert r["auc"] == pytest.approx(skm.roc_auc_score(y, s))
    assert r["average_precision"] == pytest.approx(skm.average_precision_score(y, s))
    assert r["brier"] == pytest.approx(skm.brier_score_loss(y, s))
    assert r["sensitivity"] == pytest.approx(skm.recall_score(y, s >= 0.6))
    assert r["threshold"] == 0.6


def test_report_warns_on_threshold_outside_scores():
    y, s = _scores(50, seed=5)
    with pytest.warns(UserWarning, match="outside the scores' range"):
        r = rm.report(y, s, threshold=1.5)
    assert r["tp"] == 0 and r["fp"] == 0


def test_ppv_npv_at_prevalence_bayes():
    tn, fp, fn, tp = 70, 20, 4, 16  # at the sample's own prevalence Bayes gives the table
    m = rm.from_confusion(tn=tn, fp=fp, fn=fn, tp=tp)
    assert rm.ppv_at_prevalence(m.sensitivity, m.specificity, m.prevalence) == pytest.approx(m.ppv)
    assert rm.npv_at_prevalence(m.sensitivity, m.specificity, m.prevalence) == pytest.approx(m.npv)
    # hand-worked: sens = spec = 0.9 at 1 % prevalence -> 0.009 / (0.009 + 0.099)
    assert rm.ppv_at_prevalence(0.9, 0.9, 0.01) == pytest.approx(0.009 / 0.108)
    grid = rm.ppv_at_prevalence(np.array([[0.8], [0.9], [0.99]]), 0.95, np.linspace(0.01, 0.5, 4))
    assert grid.shape == (3, 4) and np.all(np.diff(grid, axis=1) > 0)
    with pytest.raises(ValueError, match="fractions, not percentages"):
        rm.ppv_at_prevalence(0.9, 0.9, 5)


# ---------------------------------------------------------------- curves


def test_roc_and_pr_areas_match_sklearn():
    y, s = _scores(250, seed=6, shift=0.6)
    s = np.round(s, 1)  # ties
    assert rm.roc(y, s).auc == pytest.approx(skm.roc_auc_score(y, s))
    pr = rm.pr_curve(y, s)
    assert pr.average_precision == pytest.approx(skm.average_precision_score(y, s))
    assert pr.prevalence == pytest.approx(y.mean())


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 1.0])
def test_threshold_for_sensitivity_matches_roc(target):
    y, s = _scores(200, seed=7, shift=0.5)
    t = rm.threshold_for_sensitivity(y, s, target=target)
    fpr, tpr, thr = skm.roc_curve(y, s, drop_intermediate=False)
    assert t == pytest.approx(thr[tpr >= target - 1e-12].max())
    assert skm.recall_score(y, s >= t) >= target
    higher = np.unique(s[s > t])
    if higher.size:
        assert skm.recall_score(y, s >= higher[0]) < target


def test_threshold_for_sensitivity_exact_fraction():
    y = np.r_[np.ones(10, int), np.zeros(5, int)]
    s = np.r_[np.arange(10) / 10, np.full(5, 0.05)]
    assert rm.threshold_for_sensitivity(y, s, target=0.9) == pytest.approx(0.1)  # 9 of 10, not 10


def test_cost_curve_envelope():
    y, s = _scores(150, seed=8, shift=0.7)
    c = rm.cost_curve(y, s, n_points=11)
    fpr, tpr, _ = skm.roc_curve(y, s)
    # at pc = 0.5 normalized expected cost is (FNR + FPR) / 2, minimized by Youden's J
    assert c.envelope[5] == pytest.approx(0.5 * (1 - np.max(tpr - fpr)))
    assert np.all(c.envelope <= np.minimum(c.pc, 1 - c.pc) + 1e-12)
    # brute force over thresholds with sklearn's confusion matrix
    for j in (2, 8):
        costs = []
        for t in np.r_[np.unique(s), np.inf]:
            fnr, fpr_t = np.mean(s[y == 1] < t), np.mean(s[y == 0] >= t)
            costs.append(fnr * c.pc[j] + fpr_t * (1 - c.pc[j]))
        assert c.envelope[j] == pytest.approx(min(costs))
    assert c.lines.shape == (c.thresholds.size, 11)


def test_net_benefit_and_decision_curve():
    y = np.array([0, 1, 1, 0, 1, 0, 0, 0])
    p = np.array([0.1, 0.8, 0.4, 0.5, 0.9, 0.2, 0.7, 0.3])
    # hand-worked at pt = 0.25: treated 0.8, 0.4, 0.5, 0.9, 0.7, 0.3 -> TP 3, FP 3
    assert rm.net_benefit(y, p, 0.25) == pytest.approx(3 / 8 - 3 / 8 * (0.25 / 0.75))
    pts = np.array([0.05, 0.3, 0.6, 0.85])
    d = rm.decision_curve(y, p, thresholds=pts)
    for pt, nb in zip(pts, d.model, strict=True):
        tn, fp, fn, tp = skm.confusion_matrix(y, p >= pt).ravel()
        assert nb == pytest.approx(tp / 8 - fp / 8 * pt / (1 - pt))
    assert np.allclose(d.treat_all, rm.net_benefit(y, np.ones_like(p), pts))
    assert np.all(d.treat_none == 0) and d.to_frame().shape == (4, 4)
    assert rm.decision_curve(y, p).thresholds.size == 99
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        rm.net_benefit(y, p, 1.0)


# ---------------------------------------------------------------- uncertainty


def test_delong_tiny_case_by_definition():
    y = np.array([0, 0, 0, 0, 1, 1, 1])
    s = np.array([0.2, 0.5, 0.5, 0.1, 0.5, 0.9, 0.3])
    auc, _, cov = _delong_by_definition(y, s, s)
    r = rm.delong_auc(y, s)
    assert r.auc == pytest.approx(auc) and r.auc == pytest.approx(skm.roc_auc_score(y, s))
    assert r.var == pytest.approx(cov[0, 0]) and r.se == pytest.approx(np.sqrt(cov[0, 0]))
    z = stats.norm.ppf(0.975)
    assert r.ci == pytest.approx((max(0, auc - z * r.se), min(1, auc + z * r.se)))


def test_delong_matches_sklearn_with_ties():
    y, s = _scores(400, seed=9, shift=0.5)
    s = np.round(s * 5)  # heavy ties, integer ratings like a reader study
    assert rm.delong_auc(y, s).auc == pytest.approx(skm.roc_auc_score(y, s))


def test_delong_test_by_definition_and_identical_scores():
    y, a = _scores(120, seed=10, shift=0.8)
    b = a + np.random.default_rng(11).normal(scale=0.3, size=a.size)
    auc_a, auc_b, cov = _delong_by_definition(y, a, b)
    t = rm.delong_test(y, a, b)
    se = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert (t.auc_a, t.auc_b, t.se) == pytest.approx((auc_a, auc_b, se))
    assert t.p == pytest.approx(2 * stats.norm.sf(abs((auc_a - auc_b) / se)))
    same = rm.delong_test(y, a, a.copy())
    assert same.p == 1.0 and same.diff == 0.0 and same.z == 0.0
    noise = np.random.default_rng(12).normal(size=a.size)
    assert rm.delong_test(y, a, noise).p < 1e-6


def test_delong_se_agrees_with_bootstrap():
    y, s = _scores(600, seed=13, shift=0.6)
    d = rm.delong_auc(y, s)
    assert _rank_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s))
    b = rm.bootstrap_ci(_rank_auc, y, s, n_boot=400, seed=0)
    assert b.se == pytest.approx(d.se, rel=0.15)
    assert b.low == pytest.approx(d.low, abs=0.02) and b.high == pytest.approx(d.high, abs=0.02)


def test_bootstrap_is_deterministic_and_stratified():
    y, s = _scores(80, seed=14)
    a = rm.bootstrap_ci(_rank_auc, y, s, n_boot=50, seed=3)
    b = rm.bootstrap_ci(_rank_auc, y, s, n_boot=50, seed=3)
    c = rm.bootstrap_ci(_rank_auc, y, s, n_boot=50, seed=4)
    assert np.array_equal(a.replicates, b.replicates)
    assert not np.array_equal(a.replicates, c.replicates)
    assert a.estimate == pytest.approx(skm.roc_auc_score(y, s))
    kept = rm.bootstrap_ci(lambda yy, ss: yy.sum(), y, s, n_boot=50, seed=0)
    assert np.all(kept.replicates == y.sum())  # class counts kept in every replicate
    free = rm.bootstrap_ci(lambda yy, ss: yy.sum(), y, s, n_boot=50, seed=0, stratified=False)
    assert np.ptp(free.replicates) > 0


def test_bootstrap_percentile_matches_scipy():
    y, s = _scores(300, seed=15)
    ours = rm.bootstrap_ci(lambda yy, ss: ss.mean(), y, s, n_boot=2000, seed=1, stratified=False)
    ref = stats.bootstrap(
        (s,), np.mean, n_resamples=2000, method="percentile", rng=np.random.default_rng(2)
    ).confidence_interval
    width = ref.high - ref.low
    assert ours.low == pytest.approx(ref.low, abs=0.1 * width)
    assert ours.high == pytest.approx(ref.high, abs=0.1 * width)


def test_bootstrap_unstratified_single_class_resample_errors():
    y = np.r_[1, np.zeros(19, int)]
    s = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match="holds only class 0.*stratified=True"):
        rm.bootstrap_ci(skm.roc_auc_score, y, s, n_boot=100, seed=0, stratified=False)


def test_bootstrap_drops_nan_replicates_with_warning():
    y, s = _scores(60, seed=16)
    rng = np.random.default_rng(0)
    flaky = lambda yy, ss: np.nan if rng.random() < 0.2 else ss.mean()
    with pytest.warns(UserWarning, match="dropped"):
        r = rm.bootstrap_ci(flaky, y, s, n_boot=50, seed=0)
    assert 0 < r.replicates.size < 50


# ---------------------------------------------------------------- calibration


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_matches_sklearn(strategy):
    y, p = _scores(500, seed=17, shift=0.4)
    r = rm.reliability_curve(y, p, n_bins=8, strategy=strategy)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy=strategy)
    full = r.counts > 0
    assert np.allclose(r.observed[full], prob_true)
    assert np.allclose(r.mean_predicted[full], prob_pred)
    assert r.counts.sum() == y.size and r.to_frame().shape == (8, 6)


def test_reliability_bins_are_right_closed_like_sklearn():
    p = np.repeat(np.linspace(0.0, 1.0, 11), 2)  # every value sits on a bin edge
    y = np.tile([0, 1], 11)
    y[::4] = 1
    r = rm.reliability_curve(y, p, n_bins=10)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
    assert np.allclose(r.mean_predicted, prob_pred) and np.allclose(r.observed, prob_true)
    assert r.counts.tolist() == [4] + [2] * 9  # 0.0 and 0.1 share the first bin


def test_ece_and_brier():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.05, 0.15, 0.3, 0.7, 0.8, 0.95])
    # by hand, 2 bins: {0.05, 0.15, 0.3} observed 1/3, mean 0.5/3;
    #                  {0.7, 0.8, 0.95} observed 2/3, mean 2.45/3
    expected = 0.5 * abs(1 / 3 - 0.5 / 3) + 0.5 * abs(2 / 3 - 2.45 / 3)
    assert rm.expected_calibration_error(y, p, n_bins=2) == pytest.approx(expected)
    assert rm.brier_score(y, p) == pytest.approx(skm.brier_score_loss(y, p))
    assert rm.expected_calibration_error(y, y.astype(float)) == 0.0


def test_temperature_matches_logistic_regression_without_intercept():
    rng = np.random.default_rng(18)
    y = rng.integers(0, 2, 400)
    z = 3.0 * ((2 * y - 1) + rng.normal(size=400))  # over-confident logits
    t = rm.fit_temperature(z, y)
    lr = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12).fit(z[:, None], y)
    assert t == pytest.approx(1 / lr.coef_[0, 0], rel=1e-6) and t > 1  # unpenalized MLE of 1/T
    ts = rm.TemperatureScaler().fit(z, y)
    out = ts.transform(z)
    assert np.allclose(out, expit(z / t))
    assert skm.roc_auc_score(y, out) == pytest.approx(skm.roc_auc_score(y, z))
    assert skm.log_loss(y, out) < skm.log_loss(y, expit(z))
    with pytest.raises(RuntimeError, match="not fitted"):
        rm.TemperatureScaler().transform(z)


def _shifted_logits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits of a model trained with up-weighted positives: right ranking, intercept + 2.5."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.15).astype(int)
    z = 1.5 * (2 * y - 1) + rng.normal(size=n) - 1.0  # roughly calibrated logits
    return y, z + 2.5  # pos_weight-like shift of the intercept


def test_platt_matches_unpenalized_logistic_regression_on_the_logit():
    y, z = _shifted_logits(2_000, seed=31)
    a, b = rm.fit_platt(z, y)
    lr = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(z[:, None], y)
    assert a == pytest.approx(lr.coef_[0, 0], rel=1e-5)
    assert b == pytest.approx(lr.intercept_[0], rel=1e-5, abs=1e-6)
    ps = rm.PlattScaler().fit(z, y)
    out = ps.transform(z)
    assert np.allclose(out, lr.predict_proba(z[:, None])[:, 1], atol=1e-6)
    assert out.mean() == pytest.approx(y.mean(), abs=1e-6)  # score equation of the intercept
    assert skm.roc_auc_score(y, out) == pytest.approx(skm.roc_auc_score(y, z))


def test_platt_smoothed_targets_match_calibrated_classifier_cv_sigmoid():
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    class Logit(ClassifierMixin, BaseEstimator):  # a fitted classifier scoring with the logit itself
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def decision_function(self, X):
            return np.asarray(X)[:, 0]

        def predict(self, X):
            return (self.decision_function(X) > 0).astype(int)

    y, z = _shifted_logits(1_500, seed=32)
    cal = CalibratedClassifierCV(FrozenEstimator(Logit().fit(z[:, None], y)), method="sigmoid").fit(z[:, None], y)
    ours = rm.PlattScaler(smooth_targets=True).fit(z, y).transform(z)
    assert np.allclose(ours, cal.predict_proba(z[:, None])[:, 1], atol=1e-5)


def test_temperature_cannot_remove_an_intercept_shift_platt_can():
    y, z = _shifted_logits(4_000, seed=33)
    cal, held = slice(0, 2_000), slice(2_000, None)
    ts = rm.TemperatureScaler().fit(z[cal], y[cal])
    ps = rm.PlattScaler().fit(z[cal], y[cal])
    iso = rm.IsotonicCalibrator().fit(z[cal], y[cal])
    ece = {
        name: rm.expected_calibration_error(y[held], q)
        for name, q in {
            "raw": expit(z[held]),
            "temperature": ts.transform(z[held]),
            "platt": ps.transform(z[held]),
            "isotonic": iso.transform(z[held]),
        }.items()
    }
    # one parameter through 0 can only flatten the shifted logits towards 0.5: large T
    assert ts.temperature_ > 2
    assert ece["platt"] < 0.03 and ece["platt"] < 0.5 * ece["temperature"], ece
    assert ece["isotonic"] < 0.05, ece
    assert ps.intercept_ < -1.5  # it removes the shift (about -2.5 scaled by the slope)


def test_platt_bad_input_names_the_cause():
    with pytest.raises(ValueError, match="only class 1"):
        rm.fit_platt([0.5, 1.0], [1, 1])
    with pytest.raises(ValueError, match="paired case by case"):
        rm.PlattScaler().fit([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(RuntimeError, match="not fitted"):
        rm.PlattScaler().transform([0.0])
    with pytest.raises(ValueError, match="finite|NaN"):
        rm.fit_platt([0.0, np.nan, 1.0], [0, 1, 1])


def test_isotonic_calibrator_pools_adjacent_violators():
    iso = rm.IsotonicCalibrator().fit([0.1, 0.2, 0.3, 0.4, 0.5], [0, 1, 0, 0, 1])
    # PAV by hand: 0 | (1, 0, 0) -> 1/3 each | 1
    assert np.allclose(iso.transform([0.1, 0.2, 0.3, 0.4, 0.5]), [0, 1 / 3, 1 / 3, 1 / 3, 1])
    assert np.allclose(iso.transform([-5.0, 9.0]), [0, 1])  # clipped outside the fit range
    y, p = _scores(300, seed=19, shift=0.4)
    fitted = rm.IsotonicCalibrator().fit_transform(p**3, y)
    assert skm.brier_score_loss(y, fitted) < skm.brier_score_loss(y, p**3)


# ---------------------------------------------------------------- bad input


def test_single_class_error_names_the_missing_class():
    with pytest.raises(ValueError, match=r"only class 0 .*no class 1.*stratified"):
        rm.delong_auc(np.zeros(10, int), np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match=r"only class 1 .*no class 0"):
        rm.roc(np.ones(10, int), np.linspace(0, 1, 10))


def test_non_finite_scores_reported_with_count_and_positions():
    s = np.linspace(0, 1, 10)
    s[[2, 7]] = np.nan
    s[4] = np.inf
    with pytest.raises(ValueError, match=r"2 NaN and 1 infinite values at positions \[2, 4, 7\]"):
        rm.report(np.r_[np.zeros(5, int), np.ones(5, int)], s, threshold=0.5)


def test_length_mismatch_range_and_label_errors():
    with pytest.raises(ValueError, match="10 cases but y_score has 9"):
        rm.roc(np.r_[np.zeros(5, int), np.ones(5, int)], np.linspace(0, 1, 9))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*expit"):
        rm.brier_score([0, 1, 1], [0.2, 1.4, 0.5])
    with pytest.raises(ValueError, match=r"binary 0/1 but contains the values \[0, 1, 2\]"):
        rm.confusion([0, 1, 2], [0, 1, 1])
    with pytest.raises(ValueError, match="dtype"):
        rm.confusion(["a", "b"], [0, 1])
    with pytest.raises(ValueError, match="1-D"):
        rm.roc(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="missing or infinite labels"):
        rm.confusion([0, np.nan, 1], [0, 1, 1])


def test_no_warnings_on_clean_input():
    y, s = _scores(100, seed=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rm.report(y, s, threshold=0.5)
        rm.cost_curve(y, s)
        rm.reliability_curve(y, s)


# ---------------------------------------------------------------- measures by group


def test_measures_by_group_matches_sklearn_per_group():
    import pandas as pd

    rng = np.random.default_rng(41)
    n = 600
    df = pd.DataFrame({"finding": rng.choice(["a", "b", "c"], n), "y_true": rng.integers(0, 2, n)})
    df["y_pred"] = np.where(rng.random(n) < 0.8, df["y_true"], 1 - df["y_true"])
    t = rm.measures_by_group(df, groups="finding", n_boot=200, seed=3)
    assert list(t.index) == ["a", "b", "c", "overall"]
    for name, g in [*df.groupby("finding"), ("overall", df)]:
        yt, yp = g["y_true"], g["y_pred"]
        assert t.loc[name, "sensitivity"] == pytest.approx(skm.recall_score(yt, yp))
        assert t.loc[name, "specificity"] == pytest.approx(skm.recall_score(yt, yp, pos_label=0))
        assert t.loc[name, "ppv"] == pytest.approx(skm.precision_score(yt, yp))
        assert t.loc[name, "npv"] == pytest.approx(skm.precision_score(yt, yp, pos_label=0))
        assert t.loc[name, "n"] == len(g) and t.loc[name, "prevalence"] == pytest.approx(yt.mean())
        for m in ("sensitivity", "specificity", "ppv", "npv"):
            assert t.loc[name, f"{m} low"] <= t.loc[name, m] <= t.loc[name, f"{m} high"]
    # the interval is the percentile bootstrap: about 2 x 1.96 binomial SEs wide for sensitivity
    g = df[df["finding"] == "a"]
    sens = t.loc["a", "sensitivity"]
    se = np.sqrt(sens * (1 - sens) / g["y_true"].sum())
    width = t.loc["a", "sensitivity high"] - t.loc["a", "sensitivity low"]
    assert 0.6 < width / (2 * 1.96 * se) < 1.4
    # reproducible from the seed
    again = rm.measures_by_group(df, groups="finding", n_boot=200, seed=3)
    pd.testing.assert_frame_equal(t, again)


def test_measures_by_group_bad_input_names_the_cause():
    import pandas as pd

    df = pd.DataFrame({"g": ["a", "b"], "y_true": [1, 0], "y_pred": [1, 0]})
    with pytest.raises(ValueError, match="unknown measure.*sensitivty.*sensitivity"):
        rm.measures_by_group(df, groups="g", measures=["sensitivty"], n_boot=0, seed=0)
    with pytest.raises(KeyError, match="no column"):
        rm.measures_by_group(df, groups="site", n_boot=0, seed=0)
    with pytest.raises(ValueError, match="two columns"):
        rm.measures_by_group(df, groups="g", columns=["y_true"], n_boot=0, seed=0)


# ---------------------------------------------------------------- operating points


def test_operating_points_match_brute_force_over_thresholds():
    rng = np.random.default_rng(51)
    y = (rng.random(400) < 0.2).astype(int)
    s = np.round(rng.normal(1.2 * y, 1.0), 2)  # ties on purpose
    for ratio, prevalence in ((1.0, None), (4.0, None), (20.0, None), (4.0, 0.02)):
        got = rm.operating_points(y, s, cost_ratio=ratio, prevalence=prevalence)
        p = y.mean() if prevalence is None else prevalence
        pc = p * ratio / (p * ratio + 1 - p)
        best = {}
        for t in np.unique(s)[::-1]:  # highest first, so ties keep the highest threshold
            pred = (s >= t).astype(int)
            sens = skm.recall_score(y, pred)
            spec = skm.recall_score(y, pred, pos_label=0)
            vals = {
                "Youden": sens + spec - 1,
                "F1": skm.f1_score(y, pred),
                "cost": -((1 - sens) * pc + (1 - spec) * (1 - pc)),
            }
            for k, v in vals.items():
                if k not in best or round(v, 12) > round(best[k][0], 12):
                    best[k] = (v, t)
        assert got == {k: pytest.approx(v[1]) for k, v in best.items()}, (ratio, got, best)
    # equal costs at the sample's prevalence 0.5: least cost is Youden's J
    y2 = np.r_[np.zeros(200, int), np.ones(200, int)]
    s2 = rng.normal(y2, 1.0)
    pts = rm.operating_points(y2, s2, cost_ratio=1.0)
    assert pts["cost"] == pts["Youden"]


def test_operating_points_bad_input():
    with pytest.raises(ValueError, match="cost_ratio is C_FN / C_FP"):
        rm.operating_points([0, 1], [0.2, 0.8], cost_ratio=0)
    with pytest.raises(ValueError, match="only class 0"):
        rm.operating_points([0, 0], [0.2, 0.8], cost_ratio=4)


def test_delong_too_few_cases_raises_or_gives_nan_on_request():
    from radkit.metrics.uncertainty import DELONG_MIN_PER_CLASS, delong_auc

    assert DELONG_MIN_PER_CLASS == 2
    s = [0.1, 0.4, 0.35, 0.8, 0.3]
    for y in ([0, 0, 0, 1, 0], [0, 0, 0, 0, 0], [1, 1, 1, 0, 1]):
        if sum(y) in (0, len(y)):
            with pytest.raises(ValueError, match="only class"):
                delong_auc(y, s)
        else:
            with pytest.raises(ValueError, match="too_few='nan'"):
                delong_auc(y, s)
        r = delong_auc(y, s, too_few="nan")
        assert all(np.isnan(v) for v in (r.auc, r.low, r.high, r.se, r.var)) and r.n == 5
        assert "too few cases" in r.method
    y = [0, 0, 1, 1, 0]  # enough of each: the option changes nothing
    assert delong_auc(y, s, too_few="nan") == delong_auc(y, s)
    with pytest.raises(ValueError, match="too_few"):
        delong_auc(y, s, too_few="skip")


def test_prior_correct_is_bayes_rule_by_hand():
    from scipy.stats import norm

    x = np.linspace(-3, 3, 41)
    f1, f0 = norm.pdf(x, 1, 1), norm.pdf(x, -1, 1)  # the class-conditional densities stay; the prior moves

    def posterior(prevalence):
        return prevalence * f1 / (prevalence * f1 + (1 - prevalence) * f0)

    for pi, q in [(0.5, 0.02), (0.2, 0.6), (0.3, 0.3)]:
        got = rm.prior_correct(posterior(pi), train_prevalence=pi, true_prevalence=q)
        np.testing.assert_allclose(got, posterior(q), rtol=1e-12, atol=1e-15)
    assert rm.prior_correct([0.0, 1.0], train_prevalence=0.5, true_prevalence=0.1).tolist() == [0.0, 1.0]
    # K classes: p_k * q_k / pi_k renormalized; for two classes the same as the binary form
    p = np.array([0.1, 0.5, 0.9])
    two = rm.prior_correct(np.c_[1 - p, p], train_prevalence=[0.8, 0.2], true_prevalence=[0.4, 0.6])
    np.testing.assert_allclose(two[:, 1], rm.prior_correct(p, train_prevalence=0.2, true_prevalence=0.6), rtol=1e-14)


def test_prior_correct_old_call_sites_agree():
    from radkit import costs, drift, imbalance

    p = np.random.default_rng(2).random(500)
    want = rm.prior_correct(p, train_prevalence=0.4, true_prevalence=0.05)
    np.testing.assert_allclose(imbalance.prior_correct(p, train_prevalence=0.4, true_prevalence=0.05), want, rtol=1e-14)
    with pytest.warns(FutureWarning, match="prior_correct"):  # the deprecated alias, for one release
        np.testing.assert_allclose(drift.adjust_probs(p, 0.4, 0.05), want, rtol=1e-14)
    np.testing.assert_allclose(
        costs.shift_probabilities(np.c_[1 - p, p], train_prevalence=[0.6, 0.4], deploy_prevalence=[0.95, 0.05])[:, 1],
        want,
        rtol=1e-14,
    )
    # a threshold t' on the model's scale is the one whose corrected probability is t
    t = costs.shift_threshold(0.1, train_prevalence=0.4, deploy_prevalence=0.05)
    assert rm.prior_correct([t], train_prevalence=0.4, true_prevalence=0.05)[0] == pytest.approx(0.1, abs=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y_score": [1.5], "train_prevalence": 0.5, "true_prevalence": 0.1}, "probabilities in"),
        ({"y_score": [0.5], "train_prevalence": 1.0, "true_prevalence": 0.1}, "train_prevalence"),
        ({"y_score": [0.5], "train_prevalence": 0.5, "true_prevalence": 20}, "did you mean 0.2"),
        ({"y_score": [[0.2, 0.7]], "train_prevalence": [0.5, 0.5], "true_prevalence": [0.5, 0.5]}, "sum to one"),
        ({"y_score": [[0.2, 0.8]], "train_prevalence": 0.5, "true_prevalence": [0.5, 0.5]}, "class shares"),
    ],
)
def test_prior_correct_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rm.prior_correct(**kwargs)


def test_ece_sample_weight_is_repeating_cases():
    g = np.random.default_rng(4)
    y = (g.random(300) < 0.3).astype(int)
    p = np.clip(g.beta(2, 4, 300) + 0.25 * y, 0, 1)
    w = g.integers(0, 4, 300)
    rep = np.repeat(np.arange(300), w)
    assert rm.expected_calibration_error(y, p, sample_weight=w) == pytest.approx(
        rm.expected_calibration_error(y[rep], p[rep]), abs=1e-12
    )
    assert rm.expected_calibration_error(y, p, sample_weight=np.ones(300)) == pytest.approx(
        rm.expected_calibration_error(y, p), abs=1e-15
    )
    from radkit.imbalance import weighted_ece

    assert weighted_ece(y, p, weights=w) == rm.expected_calibration_error(y, p, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        rm.expected_calibration_error(y, p, sample_weight=-np.ones(300))


def test_table1_test_in_rarer_populations():
    """Notebook 07, section 1: Table 1's test (sens 0.5, spec 80/90) moved to rarer populations.

    An identity of Bayes' theorem, so a unit test rather than a notebook claim: accuracy rises towards the
    specificity and PPV falls towards zero as the prevalence drops.
    """
    m = rm.from_confusion(tn=80, fp=10, fn=5, tp=5)
    prevalence = np.array([0.5, 0.1, 0.02, 0.005])
    accuracy = m.sensitivity * prevalence + m.specificity * (1 - prevalence)
    ppv = rm.ppv_at_prevalence(m.sensitivity, m.specificity, prevalence)
    assert np.all(np.diff(accuracy) > 0) and np.all(np.diff(ppv) < 0)
    assert accuracy[-1] > 0.88 and ppv[-1] < 0.05
    assert accuracy[1] == pytest.approx(m.accuracy)  # Table 1's own prevalence
