"""The self-checks of solutions/12_fairness.ipynb accept right answers and give the right hints."""

from __future__ import annotations

import numpy as np
import pytest

from radkit.checks import _verdict, passed
from radkit.fairness import equal_opportunity_thresholds, n_to_detect

TABLES = {"F": {"tn": 410, "fp": 40, "fn": 18, "tp": 32}, "M": {"tn": 395, "fp": 55, "fn": 10, "tp": 40}}


def test_12_1_equal_opportunity():
    sens = {g: t["tp"] / (t["tp"] + t["fn"]) for g, t in TABLES.items()}
    assert passed("12.1", max(sens.values()) - min(sens.values()), tables=TABLES)
    fpr = {g: t["fp"] / (t["fp"] + t["tn"]) for g, t in TABLES.items()}
    assert "false-positive" in _verdict("12.1", max(fpr.values()) - min(fpr.values()), tables=TABLES)
    assert "ratio" in _verdict("12.1", min(sens.values()) / max(sens.values()), tables=TABLES)
    assert ">= 0" in _verdict("12.1", -0.1, tables=TABLES)


def test_12_2_chouldechova():
    prev, ppv, fnr = {"A": 0.1, "B": 0.3}, 0.5, 0.2
    right = {g: p / (1 - p) * (1 - ppv) / ppv * (1 - fnr) for g, p in prev.items()}
    assert passed("12.2", right, prevalence=prev, ppv=ppv, fnr=fnr)
    # hand-checked: group B must have FPR 0.3/0.7 * 1 * 0.8 = 0.342857...
    assert right["B"] == pytest.approx(0.342857, abs=1e-6)
    no_fnr = {g: p / (1 - p) * (1 - ppv) / ppv for g, p in prev.items()}
    assert "(1 - FNR)" in _verdict("12.2", no_fnr, prevalence=prev, ppv=ppv, fnr=fnr)
    flipped = {g: (1 - p) / p * (1 - ppv) / ppv * (1 - fnr) for g, p in prev.items()}
    assert "upside down" in _verdict("12.2", flipped, prevalence=prev, ppv=ppv, fnr=fnr)
    assert "one false-positive rate per group" in _verdict("12.2", [0.1], prevalence=prev, ppv=ppv, fnr=fnr)


def test_12_3_group_thresholds():
    gen = np.random.default_rng(3)
    g = gen.choice(["a", "b"], 500)
    y = (gen.random(500) < np.where(g == "a", 0.1, 0.3)).astype(int)
    s = gen.random(500) + y
    right = equal_opportunity_thresholds(y, s, groups=g, sensitivity=0.9)
    ctx = dict(y_true=y, y_score=s, groups=g, sensitivity=0.9)
    assert passed("12.3", right, **ctx)
    too_high = {**right, "a": right["a"] + 0.05}
    assert "lower it" in _verdict("12.3", too_high, **ctx)
    too_low = {**right, "b": right["b"] - 0.2}
    assert "take the highest" in _verdict("12.3", too_low, **ctx)


def test_12_4_sample_size():
    positives = n_to_detect(0.42, 0.47)
    ctx = dict(sensitivity=0.42, gap=0.05, prevalence=0.05)
    assert passed("12.4", positives / 0.05, **ctx)
    assert "divide by the prevalence" in _verdict("12.4", positives, **ctx)
