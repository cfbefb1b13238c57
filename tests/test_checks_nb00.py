"""Checkers of the tour's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import numpy as np
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)

from radkit.seeding import spawn
from radkit.toy import blobs


def test_00_2_standard_error_against_the_closed_form(capsys):
    p, n = np.array([0.3, 0.05]), 400
    assert _check("00.2", np.sqrt(p * (1 - p) / n), prevalence=p, n=n)
    assert not _check("00.2", p * (1 - p) / n, prevalence=p, n=n)
    assert "square root" in capsys.readouterr().out
    assert not _check("00.2", np.sqrt(p * (1 - p)), prevalence=p, n=n)
    assert "number of images" in capsys.readouterr().out


def test_00_3_share_of_draws_is_recomputed_from_the_seeds(capsys):
    seeds, n, prev = spawn(5, 20), 200, 0.3
    se = np.sqrt(prev * (1 - prev) / n)
    obs = np.array([blobs(n, size=8, prevalence=prev, seed=s)[1].mean().item() for s in seeds])
    share = float(np.mean(np.abs(obs - prev) <= 2 * se))
    assert 0.7 <= share <= 1.0  # about 95% of draws, by the normal approximation
    assert _check("00.3", share, seeds=seeds, n=n, prevalence=prev)
    one_se = float(np.mean(np.abs(obs - prev) <= se))
    if one_se != share:
        assert not _check("00.3", one_se, seeds=seeds, n=n, prevalence=prev)
        assert "two standard errors" in capsys.readouterr().out
    assert not _check("00.3", 3.0, seeds=seeds, n=n, prevalence=prev)
