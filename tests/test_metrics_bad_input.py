"""Bad input to radkit.metrics (issue 10): refused with the cause named, never silently wrong."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from radkit import metrics
from radkit.metrics.plots import expected_counts

Y = np.array([0, 0, 1, 1, 0, 1, 0, 1])
S = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7])


@pytest.mark.parametrize("threshold", [float("nan"), np.nan, np.float32("nan")])
def test_report_rejects_nan_threshold(threshold):
    with pytest.raises(ValueError, match="threshold is NaN"):
        metrics.report(Y, S, threshold=threshold)


@pytest.mark.parametrize("threshold", ["0.5", None, True, [0.5]])
def test_report_rejects_non_numeric_threshold(threshold):
    with pytest.raises(TypeError, match="threshold must be a number"):
        metrics.report(Y, S, threshold=threshold)


def test_report_infinite_threshold_still_means_call_nobody_positive():
    with pytest.warns(UserWarning, match="every case negative"):
        r = metrics.report(Y, S, threshold=np.inf)
    assert r["sensitivity"] == 0 and r["specificity"] == 1


@pytest.mark.parametrize("n", [-10, 0, 2.5, float("nan"), "1000", True])
def test_expected_counts_rejects_bad_n(n):
    with pytest.raises(ValueError, match="n must be a whole number >= 1"):
        expected_counts(0.9, 0.8, 0.1, n=n)


def test_expected_counts_checks_fractions_and_accepts_whole_floats():
    with pytest.raises(ValueError, match="sensitivity must lie in"):
        expected_counts(float("nan"), 0.8, 0.1)
    assert expected_counts(0.9, 0.8, 0.1, n=1000.0) == expected_counts(0.9, 0.8, 0.1, n=1000)
    assert all(v >= 0 for v in expected_counts(0.9, 0.8, 0.1, n=10).values())


def test_column_of_scores_is_accepted_as_predict_returns_it():
    column = S[:, None]  # what radkit.train.predict gives for one finding
    assert metrics.roc(Y, column).auc == pytest.approx(roc_auc_score(Y, S))
    assert metrics.report(Y, column, threshold=0.5).equals(metrics.report(Y, S, threshold=0.5))


def test_two_and_many_column_scores_get_the_right_hint():
    with pytest.raises(ValueError, match=r"y_score\[:, 1\]"):
        metrics.roc(Y, np.c_[1 - S, S])
    with pytest.raises(ValueError, match=r"3 columns.*y_score\[:, k\]") as info:
        metrics.roc(Y, np.c_[S, S, S])
    assert "[:, 1]" not in str(info.value)


@pytest.mark.parametrize("n_bins", [2.5, 0, -1, "10", float("nan"), True])
def test_non_integer_n_bins_is_refused_not_truncated(n_bins):
    with pytest.raises(ValueError, match="n_bins must be a whole number"):
        metrics.reliability_curve(Y, S, n_bins=n_bins)
    with pytest.raises(ValueError, match="n_bins"):
        metrics.expected_calibration_error(Y, S, n_bins=n_bins)


def test_whole_float_n_bins_equals_the_int():
    a = metrics.reliability_curve(Y, S, n_bins=4.0)
    b = metrics.reliability_curve(Y, S, n_bins=4)
    np.testing.assert_array_equal(a.counts, b.counts)


@pytest.mark.parametrize("n_boot", [100.7, 1, 1.5, "200"])
def test_non_integer_n_boot_is_refused(n_boot):
    with pytest.raises(ValueError, match="n_boot must be a whole number >= 2"):
        metrics.bootstrap_ci(roc_auc_score, Y, S, n_boot=n_boot, seed=0)


def test_non_integer_n_points_is_refused():
    with pytest.raises(ValueError, match="n_points must be a whole number >= 2"):
        metrics.cost_curve(Y, S, n_points=50.5)


def test_interval_coverage_is_called_level_and_alpha_still_works_with_a_warning():
    import warnings

    from sklearn.metrics import roc_auc_score

    from radkit.metrics import bootstrap_ci, delong_auc

    y, s = [0, 0, 0, 1, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.3, 0.9, 0.2, 0.7]
    a = delong_auc(y, s, level=0.9)
    with pytest.warns(FutureWarning, match="level=0.9"):
        b = delong_auc(y, s, alpha=0.1)
    assert a.level == 0.9 and a.high - a.low == pytest.approx(b.high - b.low)
    assert a.high - a.low < delong_auc(y, s).high - delong_auc(y, s).low
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = bootstrap_ci(roc_auc_score, y, s, n_boot=50, seed=0, level=0.8)
    assert r.level == 0.8
    with pytest.raises(ValueError, match="level must lie in"):
        delong_auc(y, s, level=95)
