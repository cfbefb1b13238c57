"""Checkers of notebook 09's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import numpy as np
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)
from scipy.stats import norm

from radkit.checks.nb09_drift import SCENARIO_KINDS

SCEN = {k: "..." for k in SCENARIO_KINDS}
CTX2 = dict(prevalence=0.15, drop=0.05, alpha=0.05, power=0.8)
CTX3 = dict(p=np.array([0.05, 0.3, 0.8]), train_prior=0.15, new_prior=0.35)


Z_A, Z_B, SD = norm.ppf(0.95), norm.ppf(0.8), np.sqrt(0.15 * 0.85)


def _k(z_a=Z_A, z_b=Z_B, sd=SD):
    return (z_a + z_b) * sd / 0.05


def test_09_1(capsys):
    right = {
        "new_detector": "covariate",
        "flu_season": "prior",
        "new_guideline": "concept",
        "older_referrals": "covariate",
        "reader_change": "concept",
    }
    assert _check("09.1", right, scenarios=SCEN)
    wrong = dict(right, new_guideline="covariate")
    assert not _check("09.1", wrong, scenarios=SCEN)
    assert "p(y | x)" in capsys.readouterr().out
    assert not _check("09.1", dict(right, flu_season="concept"), scenarios=SCEN)
    assert "prior shift" in capsys.readouterr().out
    assert not _check("09.1", dict(right, flu_season="label"), scenarios=SCEN)
    assert not _check("09.1", {"x": 1}, scenarios=SCEN)


def test_09_2(capsys):
    k = int(np.ceil(_k() ** 2))  # worked by hand: (1.645 + 0.842)^2 * 0.1275 / 0.0025 = 315.3
    assert k == 316
    assert _check("09.2", k, **CTX2)
    assert not _check("09.2", k - 1, **CTX2)
    assert "round up" in capsys.readouterr().out
    assert not _check("09.2", int(np.ceil(_k(z_a=norm.ppf(0.975)) ** 2)), **CTX2)
    assert "one-sided" in capsys.readouterr().out
    assert not _check("09.2", int(np.ceil(_k(z_b=0) ** 2)), **CTX2)
    assert "half of the time" in capsys.readouterr().out
    assert not _check("09.2", int(np.ceil(_k())), **CTX2)
    assert "square" in capsys.readouterr().out
    assert not _check("09.2", "many", **CTX2)


def test_09_3(capsys):
    p, pi, q = CTX3["p"], CTX3["train_prior"], CTX3["new_prior"]
    odds = p / (1 - p) * (q / (1 - q)) / (pi / (1 - pi))
    assert _check("09.3", odds / (1 + odds), **CTX3)
    back = p / (1 - p) * (pi / (1 - pi)) / (q / (1 - q))
    assert not _check("09.3", back / (1 + back), **CTX3)
    assert "swapped" in capsys.readouterr().out
    assert not _check("09.3", p * q / pi, **CTX3)
    assert "negative class" in capsys.readouterr().out
    assert not _check("09.3", p[:2], **CTX3)
