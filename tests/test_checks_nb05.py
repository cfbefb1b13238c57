"""Checkers of notebook 05's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)

from radkit.imbalance import Comparison

CTX1 = dict(n_images=1850, n_positive=37, chosen_weight=10.0)
CTX2 = dict(probs=np.array([0.01, 0.2, 0.5, 0.8, 0.99]), train_prevalence=0.5, true_prevalence=0.02)


def _right_05_1():
    return {"pos_weight": 1813 / 37, "effective_prevalence": 10 * 37 / (10 * 37 + 1813)}  # counts, by hand


def test_05_1_right(capsys):
    assert _check("05.1", _right_05_1(), **CTX1)
    assert "correct: 05.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"pos_weight": 37 / 1813}, "multiplies the *positives*"),
        ({"pos_weight": 1850 / 37}, "n_negative / n_positive"),
        ({"pos_weight": 3.0}, "equals the number of negatives"),
        ({"effective_prevalence": 10 * 37 / 1850}, "weighted total"),
        ({"effective_prevalence": 0.5}, "balancing weight"),
        ({"effective_prevalence": 0.3}, "w·π / (w·π + 1 − π)"),
    ],
)
def test_05_1_hints(capsys, change, hint):
    assert not _check("05.1", _right_05_1() | change, **CTX1)
    out = capsys.readouterr().out
    assert "not yet: 05.1" in out and hint in out
    assert "49" not in out and "0.169" not in out  # hints never reveal the answer


def _bayes(p, pi_s, pi):
    post = p * pi / pi_s
    return post / (post + (1 - p) * (1 - pi) / (1 - pi_s))  # Bayes' rule on the two likelihood terms


def test_05_2_right(capsys):
    assert _check("05.2", _bayes, **CTX2)
    assert "correct: 05.2" in capsys.readouterr().out


def _odds(p):
    return p / (1 - p)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda p, s, t: _bayes(p, t, s), "wrong way"),
        (lambda p, s, t: _odds(p) * _odds(t) / _odds(s), "back into probabilities"),
        (lambda p, s, t: np.clip(p * t / s, 0, 1), "scale the *odds*"),
        (lambda p, s, t: p, "multiply the odds"),
        (lambda p, s, t: p[:2], "one probability per input"),
    ],
)
def test_05_2_hints(capsys, wrong, hint):
    assert not _check("05.2", wrong, **CTX2)
    out = capsys.readouterr().out
    assert "not yet: 05.2" in out and hint in out


def test_05_2_output_instead_of_function(capsys):
    assert not _check("05.2", np.array([0.1]), **CTX2)
    assert "the function itself" in capsys.readouterr().out


def _comparison():
    g = np.random.default_rng(0)
    rows = []
    centre = {"plain": 0.80, "SMOTE": 0.795, "class weights": 0.76, "random under": 0.60, "one-class": 0.30}
    for method, c in centre.items():
        for r in range(20):
            rows.append(
                {
                    "head": "large",
                    "prevalence": 0.01,
                    "method": method,
                    "replicate": r,
                    "sens@spec": c + 0.02 * g.standard_normal(),
                }
            )
    return Comparison(pd.DataFrame(rows))


def test_05_3_right_and_tied_choices(capsys):
    comp = _comparison()
    means = comp.rows.groupby("method")["sens@spec"].mean()
    assert _check(
        "05.3", {"method": "plain", "value": means["plain"], "prior_correct": False}, comparison=comp, prevalence=0.01
    )
    assert _check(
        "05.3", {"method": "SMOTE", "value": means["SMOTE"], "prior_correct": True}, comparison=comp, prevalence=0.01
    )


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ({"method": "random under", "prior_correct": True}, "clearly better"),
        # within the best method's replicate spread (the old, too loose rule) but worse on the paired replicates
        ({"method": "class weights", "prior_correct": True}, "clearly better"),
        ({"method": "SMOTE", "prior_correct": False}, "must be prior-corrected"),
        ({"method": "plain", "prior_correct": True}, "nothing to correct"),
        ({"method": "focal", "prior_correct": True}, "choose one of the methods"),
    ],
)
def test_05_3_hints(capsys, answer, hint):
    comp = _comparison()
    means = comp.rows.groupby("method")["sens@spec"].mean()
    value = means.get(answer["method"], 0.5)
    assert not _check("05.3", answer | {"value": value}, comparison=comp, prevalence=0.01)
    assert hint in capsys.readouterr().out


def test_05_3_value_must_come_from_the_table(capsys):
    comp = _comparison()
    assert not _check(
        "05.3", {"method": "plain", "value": 0.9, "prior_correct": False}, comparison=comp, prevalence=0.01
    )
    assert "comparison table" in capsys.readouterr().out
    assert not _check("05.3", "plain", comparison=comp, prevalence=0.01)
