"""Checkers of notebook 06's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import numpy as np
import pytest
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)
from scipy.stats import beta

CTX1 = dict(cost_fp=1.0, cost_fn=19.0, train_prevalence=0.3, deploy_prevalence=0.03)
CLASSES = ["normal", "routine", "urgent"]
STATED = {
    ("normal", "routine"): 1,
    ("normal", "urgent"): 2,
    ("routine", "normal"): 6,
    ("routine", "urgent"): 1,
    ("urgent", "normal"): 40,
    ("urgent", "routine"): 8,
}
PROBS = np.array([[0.97, 0.02, 0.01], [0.70, 0.20, 0.10], [0.30, 0.65, 0.05], [0.55, 0.40, 0.05], [0.10, 0.60, 0.30]])


def _odds(p):
    return p / (1 - p)


def _right_06_1():
    p = 1 / 20
    bar = _odds(p) * _odds(0.3) / _odds(0.03)  # worked by hand, independent of radkit.costs
    return {"p_star": p, "deploy_threshold": bar / (1 + bar)}


def test_06_1_right(capsys):
    assert _check("06.1", _right_06_1(), **CTX1)
    assert "correct: 06.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"p_star": 19 / 20}, "calling *negative*"),
        ({"p_star": 1 / 19}, "odds at p*"),
        ({"p_star": 0.3}, "solve for p"),
        ({"deploy_threshold": 0.05}, "must move"),
        ({"deploy_threshold": (lambda o: o / (1 + o))(_odds(0.05) * _odds(0.03) / _odds(0.3))}, "wrong way"),
        ({"deploy_threshold": 0.2}, "odds(train prevalence)"),
    ],
)
def test_06_1_hints(capsys, change, hint):
    assert not _check("06.1", _right_06_1() | change, **CTX1)
    out = capsys.readouterr().out
    assert "not yet: 06.1" in out and hint in out
    assert "0.05" not in out and "0.42" not in out  # hints never reveal the answer


def _cost():
    c = np.zeros((3, 3))
    for (t, k), v in STATED.items():
        c[CLASSES.index(t), CLASSES.index(k)] = v
    return c


def test_06_2_right_and_hints(capsys):
    c = _cost()
    brute = np.array([min(range(3), key=lambda j: sum(p[i] * c[i, j] for i in range(3))) for p in PROBS])
    ctx = dict(probs=PROBS, classes=CLASSES, costs=STATED)
    assert _check("06.2", {"cost": c, "decisions": brute}, **ctx)
    assert not _check("06.2", {"cost": c.T, "decisions": brute}, **ctx)
    assert "transposed" in capsys.readouterr().out
    assert not _check("06.2", {"cost": c, "decisions": PROBS.argmax(1)}, **ctx)
    assert "argmax" in capsys.readouterr().out
    assert not _check("06.2", {"cost": c, "decisions": (PROBS @ c).argmax(1)}, **ctx)
    assert "most expensive" in capsys.readouterr().out
    assert not _check("06.2", {"cost": c, "decisions": (PROBS @ c.T).argmin(1)}, **ctx)
    assert "column j" in capsys.readouterr().out
    assert not _check("06.2", {"cost": c[:2]}, **ctx)
    assert "'decisions'" in capsys.readouterr().out


@pytest.fixture
def validation():
    gen = np.random.default_rng(11)
    y = (gen.random(600) < 0.25).astype(int)
    return y, gen.normal(loc=1.8 * y, scale=1.0)


def test_06_3_right_and_hints(capsys, validation):
    y, s = validation
    pos = np.sort(s[y == 1])[::-1]
    m = pos.size
    t = pos[int(np.ceil(0.9 * m)) - 1]
    j = np.arange(1, m + 1)
    g = pos[np.flatnonzero(beta.ppf(0.05, j, m - j + 1) >= 0.9)[0]]
    ctx = dict(y_val=y, score_val=s, target=0.9, level=0.95)
    assert _check("06.3", {"threshold": t, "guaranteed": g}, **ctx)
    assert not _check("06.3", {"threshold": pos[int(np.ceil(0.9 * m)) - 3], "guaranteed": g}, **ctx)
    assert "below 0.9" in capsys.readouterr().out
    assert not _check("06.3", {"threshold": pos[-1], "guaranteed": g}, **ctx)
    assert "highest threshold" in capsys.readouterr().out
    k = int(np.sum(pos >= g))
    assert not _check("06.3", {"threshold": t, "guaranteed": pos[k - 3]}, **ctx)
    assert "not enough positives" in capsys.readouterr().out
    assert not _check("06.3", {"threshold": t, "guaranteed": pos[k + 3]}, **ctx)
    assert "too many positives" in capsys.readouterr().out
    assert not _check("06.3", {"threshold": t}, **ctx)
    assert "'guaranteed'" in capsys.readouterr().out
