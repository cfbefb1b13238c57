"""Checkers of notebook 02's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import pandas as pd
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)

CTX2 = dict(n_values=1000, bytes_per_value=4, n_clients=20, fraction=0.25, rounds=10)
TABLE = pd.DataFrame(
    {
        "global_auc": [0.90, 0.85, 0.80, 0.80],
        "local_auc": [0.88, 0.90, 0.86, 0.85],
        "local_low": [0.85, 0.87, 0.70, 0.78],
    },
    index=list("ABCD"),
)


def _average(states, weights):  # worked by hand, independent of radkit.federated
    total = sum(weights)
    return {k: sum(w * s[k] for w, s in zip(weights, states)) / total for k in states[0]}


def test_02_1_right(capsys):
    assert _check("02.1", _average)
    assert "correct: 02.1" in capsys.readouterr().out


def test_02_1_hints(capsys):
    plain = lambda states, weights: {k: sum(s[k] for s in states) / len(states) for k in states[0]}
    assert not _check("02.1", plain)
    assert "plain mean" in capsys.readouterr().out
    unnorm = lambda states, weights: {k: sum(w * s[k] for w, s in zip(weights, states)) for k in states[0]}
    assert not _check("02.1", unnorm)
    assert "sum of the weights" in capsys.readouterr().out
    assert not _check("02.1", 3.0)
    assert "function" in capsys.readouterr().out


def test_02_2_right_and_hints(capsys):
    per_round = 2 * 1000 * 4 * 5
    assert _check("02.2", {"per_round": per_round, "total": per_round * 10}, **CTX2)
    capsys.readouterr()
    assert not _check("02.2", {"per_round": per_round // 2, "total": per_round * 5}, **CTX2)
    assert "both directions" in capsys.readouterr().out
    assert not _check("02.2", {"per_round": 2 * 1000 * 4 * 20, "total": 0}, **CTX2)
    assert "fraction C" in capsys.readouterr().out
    assert not _check("02.2", {"per_round": per_round, "total": per_round}, **CTX2)
    assert "times the number of rounds" in capsys.readouterr().out


def test_02_3_right_and_hints(capsys):
    assert _check("02.3", ["B"], table=TABLE)  # C's and D's intervals reach below the global AUC
    capsys.readouterr()
    assert not _check("02.3", ["B", "C", "D"], table=TABLE)
    assert "not enough" in capsys.readouterr().out
    assert not _check("02.3", ["A", "B"], table=TABLE)
    assert "already as good" in capsys.readouterr().out
