"""Checkers of notebook 13's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import math

import pytest
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)
from scipy.stats import norm

from radkit.checks import passed
from radkit.validation import proportion_estimate

Z = norm.ppf(0.975)


def _buderer(sens, prev, w):
    return math.ceil(Z**2 * sens * (1 - sens) / w**2 / prev - 1e-9)


def test_13_1_right(capsys):
    assert _check("13.1", _buderer)
    assert "correct: 13.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda s, p, w: math.ceil(Z**2 * s * (1 - s) / w**2), "divide by the prevalence"),
        (lambda s, p, w: math.ceil(Z**2 * s * (1 - s) / (2 * w) ** 2 / p), "half-width"),
        (lambda s, p, w: math.ceil(4 * s * (1 - s) / w**2 / p), "not 2"),
        (lambda s, p, w: Z**2 * s * (1 - s) / w**2 / p, "round up"),
        (lambda s, p, w: round(Z**2 * s * (1 - s) / w**2 / p - 0.5), "round up"),
        (lambda s, p, w: s * p / w, "positives needed"),
        (lambda s, p, w: "many", "one number"),
    ],
)
def test_13_1_hints(capsys, wrong, hint):
    assert not _check("13.1", wrong)
    out = capsys.readouterr().out
    assert "not yet: 13.1" in out and hint in out
    assert "1383" not in out  # hints never reveal the answer


def test_13_1_not_a_function(capsys):
    assert not _check("13.1", 1383)
    assert "the function itself" in capsys.readouterr().out


EST = {
    "apparent": 0.99,
    "hold-out": 0.91,
    "k-fold CV": 0.93,
    "optimism-corrected": 0.96,
    "temporal": 0.9,
    "external": 0.71,
}


def test_13_2(capsys):
    ctx = dict(estimates=EST, new_site_truth=0.72)
    assert _check("13.2", {"most_optimistic": "apparent", "closest_to_new_site": "external"}, **ctx)
    assert not _check("13.2", {"most_optimistic": "hold-out", "closest_to_new_site": "external"}, **ctx)
    assert "fitted to" in capsys.readouterr().out
    assert not _check("13.2", {"most_optimistic": "apparent", "closest_to_new_site": "hold-out"}, **ctx)
    assert "development population" in capsys.readouterr().out
    assert not _check("13.2", {"most_optimistic": "apparent", "closest_to_new_site": "Apparent"}, **ctx)
    assert "exactly as in the table" in capsys.readouterr().out
    assert not passed("13.2", ["apparent"], **ctx)
    # the check follows the numbers: if temporal were closest, it would be the answer
    assert passed(
        "13.2", {"most_optimistic": "apparent", "closest_to_new_site": "temporal"}, estimates=EST, new_site_truth=0.89
    )


COUNTS = dict(tp=41, fn=19, tn=301, fp=39)


def _row(k, n):
    e = proportion_estimate(k, n)
    return (e.estimate, e.low, e.high)


def test_13_3(capsys):
    right = {"sensitivity": _row(41, 60), "specificity": _row(301, 340)}
    assert _check("13.3", right, **COUNTS)
    p = 41 / 60
    half = Z * math.sqrt(p * (1 - p) / 60)
    assert not _check("13.3", right | {"sensitivity": (p, p - half, p + half)}, **COUNTS)
    assert "Wald" in capsys.readouterr().out
    assert not _check("13.3", {"sensitivity": _row(301, 340), "specificity": _row(41, 60)}, **COUNTS)
    assert "swapped" in capsys.readouterr().out
    assert not _check("13.3", right | {"specificity": (41 / 80, 0.4, 0.6)}, **COUNTS)
    assert "share of correct calls" in capsys.readouterr().out
    assert not _check("13.3", {"sensitivity": 0.68}, **COUNTS)
    assert "keys" in capsys.readouterr().out
    assert not _check("13.3", right | {"sensitivity": 0.68}, **COUNTS)
    assert "three numbers" in capsys.readouterr().out
