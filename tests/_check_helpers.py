"""Shared by tests/test_checks_nb*.py: run a self-check as a student would and get its verdict."""

import pytest

from radkit.checks import check, passed


def _check(name, answer, **context):
    """check() prints its verdict and returns None (as in a notebook); passed() gives the bool."""
    check(name, answer, **context)
    return passed(name, answer, **context)


@pytest.fixture(autouse=True)
def _lenient(monkeypatch):
    """A wrong answer prints a hint instead of raising (make test sets RADKIT_CHECKS_STRICT=1)."""
    monkeypatch.delenv("RADKIT_CHECKS_STRICT", raising=False)
