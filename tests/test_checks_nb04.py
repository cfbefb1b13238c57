"""Each checker of notebook 04 accepts a right answer and gives a hint for a wrong one."""

from __future__ import annotations

import numpy as np
import pytest
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)
from sklearn.metrics import cohen_kappa_score

from radkit.checks import _load_all, check

# check() loads every checks module only while its registry is empty; importing one module
# directly would register it alone and hide the others from tests that run after this file.
_load_all()
from radkit.checks.nb04_adjudication import _m_step_case, _reference_m_step  # noqa: E402


def test_04_1_cohen_kappa(capsys):
    rng = np.random.default_rng(0)
    a = (rng.random(400) < 0.1).astype(int)
    b = np.where(rng.random(400) < 0.9, a, 1 - a)
    assert _check("04.1", cohen_kappa_score(a, b), a=a, b=b)
    assert not _check("04.1", np.mean(a == b), a=a, b=b)
    assert "chance" in capsys.readouterr().out


def _m_step(table, posterior):
    return _reference_m_step(table, posterior)


def test_04_2_m_step(capsys):
    assert _check("04.2", _m_step)

    def hard(table, posterior):
        return _reference_m_step(table, (posterior >= 0.5).astype(float))

    def swapped(table, posterior):
        return _reference_m_step(table, posterior).rename(
            columns={"sensitivity": "specificity", "specificity": "sensitivity"}
        )

    assert not _check("04.2", hard)
    assert "thresholded" in capsys.readouterr().out
    assert not _check("04.2", swapped)
    assert "swapped" in capsys.readouterr().out
    assert not _check("04.2", _m_step(*_m_step_case(seed=4)))  # the result, not the function
    assert "function" in capsys.readouterr().out


def test_04_3_label_budget(capsys):
    se, sp, p = 0.8, 0.9, 0.2
    maj = lambda q: q**3 + 3 * q**2 * (1 - q)
    right = {"one reader": p * se + (1 - p) * sp, "three readers": p * maj(se) + (1 - p) * maj(sp)}
    assert _check("04.3", right, sens=se, spec=sp, prevalence=p)
    all_three = dict(right, **{"three readers": p * se**3 + (1 - p) * sp**3})
    assert not _check("04.3", all_three, sens=se, spec=sp, prevalence=p)
    assert "at least two" in capsys.readouterr().out
    assert not _check("04.3", [0.88, 0.95], sens=se, spec=sp, prevalence=p)


def test_strict_mode_raises(monkeypatch):
    from radkit.checks import Hint

    monkeypatch.setenv("RADKIT_CHECKS_STRICT", "1")
    with pytest.raises(Hint):
        check("04.1", 2.0, a=[0, 1, 1], b=[0, 1, 0])
