"""Checkers of notebook 03's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import numpy as np
import pytest
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)

from radkit.annotation import RULES, AnnotationCost, entropy, labels_to_reach


@pytest.fixture
def weak():
    return RULES.with_(negation_pre=tuple(p for p in RULES.negation_pre if "without" not in p))


def test_03_1_right(weak, capsys):
    good = weak.with_(negation_pre=(*weak.negation_pre, r"without(?: evidence of)?"))
    assert _check("03.1", good)
    assert "correct: 03.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ("none", "no 'without' sentence is negated"),
        ("partial", "still not negated"),
        ("broad", "too broad"),
        ("type", "rules object"),
    ],
)
def test_03_1_hints(weak, capsys, change, hint):
    answer = {
        "none": weak,
        "partial": weak.with_(negation_pre=(*weak.negation_pre, r"clear without")),
        "broad": weak.with_(
            negation_pre=(*weak.negation_pre, r"without"), negation_post=(*weak.negation_post, r"without")
        ),
        "type": "without",
    }[change]
    assert not _check("03.1", answer)
    assert hint in capsys.readouterr().out


@pytest.fixture
def pool():
    g = np.random.default_rng(5)
    return g.random(200), [0, 1, 2, 3]


def test_03_2_right(pool):
    prob, labeled = pool
    h = entropy(prob)
    h[labeled] = -1
    assert _check("03.2", np.argsort(-h)[:10], prob=prob, labeled=labeled)


@pytest.mark.parametrize(
    ("kind", "hint"),
    [
        ("certain", "sure"),
        ("highest", "not uncertainty"),
        ("labelled", "already labelled"),
        ("short", "exactly 10"),
    ],
)
def test_03_2_hints(pool, capsys, kind, hint):
    prob, labeled = pool
    h = entropy(prob)
    h_unl = h.copy()
    h_unl[labeled] = np.inf
    answer = {
        "certain": np.argsort(h_unl)[:10],
        "highest": [i for i in np.argsort(-prob) if i not in labeled][:10],
        "labelled": [*labeled, *np.argsort(-h)[4:10]],
        "short": np.argsort(-h)[:5],
    }[kind]
    assert not _check("03.2", answer, prob=prob, labeled=labeled)
    assert hint in capsys.readouterr().out


@pytest.fixture
def curve():
    rates = AnnotationCost(
        minutes_per_image_label=2.0, minutes_per_region=5.0, minutes_per_report_read=1.0, hourly_cost=100.0
    )
    return dict(n_labels=[20, 40, 60, 80], auc=[0.6, 0.7, 0.8, 0.85], target=0.75, rates=rates)


def test_03_3_right(curve):
    n = labels_to_reach(curve["n_labels"], curve["auc"], 0.75)
    assert _check("03.3", n * 2.0 / 60, **curve)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (50.0, "number of labels"),
        (100.0, "minutes"),
        (60 * 2.0 / 60, "interpolate"),
        (50 * 2 / 60 * 100, "money"),
    ],
)
def test_03_3_hints(curve, capsys, answer, hint):
    assert not _check("03.3", answer, **curve)
    assert hint in capsys.readouterr().out
