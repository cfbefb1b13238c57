"""Checkers of notebook 07's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import numpy as np
import pytest
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)
from sklearn.metrics import roc_auc_score

from radkit.checks import passed
from radkit.metrics import confusion, delong_auc, ppv_at_prevalence, threshold_for_sensitivity

TABLE1 = dict(tn=80, fp=10, fn=5, tp=5)


@pytest.fixture
def scores():
    rng = np.random.default_rng(7)
    y = (rng.random(1_000) < 0.2).astype(int)
    return y, rng.normal(loc=1.6 * y, scale=1.0)


def _table1_right():
    return {"sensitivity": 0.5, "specificity": 80 / 90, "ppv": 5 / 15, "npv": 80 / 85, "accuracy": 0.85}


def test_07_1_right(capsys):
    assert _check("07.1", _table1_right(), **TABLE1)
    assert "correct: 07.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"sensitivity": 80 / 90, "specificity": 0.5}, "swapped"),
        ({"sensitivity": 5 / 15}, "divides by the positive calls"),
        ({"specificity": 80 / 85}, "divides by the negative calls"),
        ({"ppv": 0.5}, "not by the diseased"),
        ({"npv": 80 / 90}, "true negatives + false negatives"),
        ({"accuracy": (0.5 + 80 / 90) / 2}, "balanced accuracy"),
        ({"accuracy": 85.0}, "percentages"),
    ],
)
def test_07_1_hints(capsys, change, hint):
    assert not _check("07.1", _table1_right() | change, **TABLE1)
    out = capsys.readouterr().out
    assert "not yet: 07.1" in out and hint in out
    assert "0.333" not in out and "0.889" not in out  # hints never reveal the answer


def test_07_1_missing_key(capsys):
    assert not _check("07.1", {"sensitivity": 0.5}, **TABLE1)
    assert "lacks" in capsys.readouterr().out


def test_07_2_right_and_hints(capsys, scores):
    y, s = scores
    t = threshold_for_sensitivity(y, s, target=0.95)
    m = confusion(y, (s >= t).astype(int)).measures()
    ppv = ppv_at_prevalence(m.sensitivity, m.specificity, 0.02)
    ctx = dict(y_val=y, score_val=s, prevalence=0.02)
    assert _check("07.2", {"threshold": t, "ppv": ppv}, **ctx)
    assert not _check("07.2", {"threshold": t + 0.05, "ppv": ppv}, **ctx)  # misses positives
    assert "lower it" in capsys.readouterr().out
    assert not _check("07.2", {"threshold": t - 0.3, "ppv": ppv}, **ctx)  # needlessly low
    assert "highest threshold" in capsys.readouterr().out
    assert not _check("07.2", {"threshold": t, "ppv": m.ppv}, **ctx)  # validation-set PPV
    assert "own prevalence" in capsys.readouterr().out
    assert not _check("07.2", {"threshold": t}, **ctx)
    assert "'ppv'" in capsys.readouterr().out


def test_07_3_right_and_hints(capsys, scores):
    y, s = scores
    rng = np.random.default_rng(0)
    reps = []
    for _ in range(400):
        idx = rng.integers(0, y.size, y.size)
        reps.append(roc_auc_score(y[idx], s[idx]))
    right = tuple(np.percentile(reps, [2.5, 97.5]))
    assert _check("07.3", right, y_true=y, y_score=s)
    narrow = tuple(np.percentile(reps, [16, 84]))
    assert not _check("07.3", narrow, y_true=y, y_score=s)
    assert "2.5th and 97.5th" in capsys.readouterr().out
    auc = delong_auc(y, s).auc
    assert not _check("07.3", (auc, auc), y_true=y, y_score=s)
    assert "no width" in capsys.readouterr().out
    assert not _check("07.3", (right[1], right[0]), y_true=y, y_score=s)
    assert "order" in capsys.readouterr().out
    assert not _check("07.3", 0.87, y_true=y, y_score=s)
    assert "pair" in capsys.readouterr().out


def test_close_is_one_shared_helper_with_an_explicit_tolerance():
    from radkit.checks import close

    assert close(0.3334, 1 / 3, tol=1e-3) and not close(0.335, 1 / 3, tol=1e-3)
    assert not close(float("nan"), 0.0, tol=1.0) and not close("a", 0.0, tol=1.0)
    with pytest.raises(TypeError):
        close(0.1, 0.1)  # the tolerance is always stated


def test_07_2_uses_the_library_threshold(capsys, scores):
    # the checker's "best threshold" is radkit.metrics.threshold_for_sensitivity, for any target
    y, s = scores
    for target in (0.8, 0.9, 0.97):
        t = threshold_for_sensitivity(y, s, target=target)
        m = confusion(y, (s >= t).astype(int)).measures()
        ppv = ppv_at_prevalence(m.sensitivity, m.specificity, 0.02)
        assert passed("07.2", {"threshold": t, "ppv": ppv}, y_val=y, score_val=s, prevalence=0.02, target=target)
        lower = np.max(s[(y == 1) & (s < t)])  # the next positive score down still meets it
        assert not passed(
            "07.2", {"threshold": lower, "ppv": ppv}, y_val=y, score_val=s, prevalence=0.02, target=target
        )


def _shifted_calibration_set(seed=5, w=9.0):
    from scipy.special import expit

    rng = np.random.default_rng(seed)
    z_true = -2.5 + 1.5 * rng.normal(size=800)
    y = (rng.random(800) < expit(z_true)).astype(int)
    return z_true + np.log(w), y, w


def test_07_4_right_and_hints(capsys):
    from radkit.metrics import PlattScaler

    z, y, w = _shifted_calibration_set()
    ctx = dict(z_cal=z, y_cal=y, pos_weight=w)
    fitted = PlattScaler().fit(z, y).intercept_
    assert _check("07.4", {"method": "platt", "intercept": fitted}, **ctx)
    assert _check("07.4", {"method": "Platt", "intercept": -np.log(w)}, **ctx)  # reasoned, not fitted
    assert not _check("07.4", {"method": "temperature", "intercept": fitted}, **ctx)
    assert "probability 0.5" in capsys.readouterr().out
    assert not _check("07.4", {"method": "platt", "intercept": np.log(w)}, **ctx)
    assert "sign is flipped" in capsys.readouterr().out
    assert not _check("07.4", {"method": "platt", "intercept": 0.0}, **ctx)
    assert "leaves the shift" in capsys.readouterr().out
    assert not _check("07.4", {"method": "platt"}, **ctx)
    assert "'intercept'" in capsys.readouterr().out
