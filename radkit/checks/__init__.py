"""Self-checks that exercise cells call after the student's answer.

``check("04.1", answer, **context)`` prints ``correct`` or the most relevant
hint, never the answer, and returns nothing (so a notebook shows only the
message); :func:`passed` gives the verdict as a bool, for tests. Each exercise's rules and
hints live in ``radkit/checks/nbNN_*.py`` next to the other exercises of that
notebook, registered with :func:`exercise`, so the notebook shows only the call.

With ``RADKIT_CHECKS_STRICT=1`` (set by ``make test``) a failed check raises,
so a wrong worked solution in ``solutions/`` fails CI. :func:`grade` always
raises: it is the call in the autograded test cells that ``make release``
writes for nbgrader, whose feedback then shows the hint.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable

import numpy as np

__all__ = ["check", "grade", "passed", "exercise", "variant", "has_variants", "Hint", "close"]

Checker = Callable[..., "str | None"]
_REGISTRY: dict[str, Checker] = {}
_VARIANTS: set[str] = set()
_ACTIVE = [0]  # the input variant a checker draws (0: the one the exercise's own check uses)


def variant() -> int:
    """The input variant the running check draws: 0 for the student's own check, 1, 2, ... for hidden tests.

    A checker registered with ``exercise(name, variants=True)`` that tests a function on inputs it
    makes itself seeds those inputs with this number, so an autograder can test the function on
    inputs the student never saw (:func:`grade` with ``hidden_variant=k``).
    """
    return _ACTIVE[-1]


def has_variants(name: str) -> bool:
    """True when exercise ``name``'s checker can draw fresh inputs (see :func:`variant`)."""
    if name not in _REGISTRY:
        _load_all()
    return name in _VARIANTS


def close(a: object, b: object, *, tol: float) -> bool:
    """True when ``a`` is a finite number within ``tol`` of ``b`` (the checkers' comparison).

    Each checker states its own tolerance: exact arithmetic (``1e-6``) or a
    quantity a student may round or estimate (``1e-3``, ``2e-3``).

    Examples
    --------
    >>> close(0.3334, 1 / 3, tol=1e-3), close(float("nan"), 0.0, tol=1.0)
    (True, False)
    """
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(a) and abs(a - b) <= tol)


class Hint(AssertionError):
    """Raised by a checker (or by ``check`` in strict mode) with a hint."""


def exercise(name: str, *, variants: bool = False) -> Callable[[Checker], Checker]:
    """Register ``func(answer, **context) -> None | hint`` for exercise ``name``.

    ``variants=True`` declares that the checker draws its test inputs from :func:`variant`.
    """

    def register(func: Checker) -> Checker:
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        _REGISTRY[name] = func
        if variants:
            _VARIANTS.add(name)
        return func

    return register


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("nb"):
            importlib.import_module(f"{__name__}.{info.name}")


def _verdict(name: str, answer: object, **context: object) -> str | None:
    """The hint for ``answer`` (None when it is right)."""
    if name not in _REGISTRY:  # a checks module imported on its own must not hide the others
        _load_all()
    if name not in _REGISTRY:
        raise KeyError(f"No exercise {name!r}. Known: {', '.join(sorted(_REGISTRY))}.")
    try:
        return _REGISTRY[name](answer, **context)
    except Hint as err:
        return str(err)
    except Exception as err:  # a malformed answer deserves a hint, not a traceback
        return f"the check could not use your answer ({type(err).__name__}: {err}); look at what the exercise asks for."


def passed(name: str, answer: object, **context: object) -> bool:
    """True when ``answer`` passes exercise ``name``'s check; prints nothing.

    Examples
    --------
    >>> from radkit.checks import passed
    >>> passed("00.1", [0.5], y=[[1], [0]])
    True
    """
    return _verdict(name, answer, **context) is None


def check(name: str, answer: object, **context: object) -> None:
    """Check an exercise answer; print "correct" or a hint.

    Parameters
    ----------
    name : str
        Exercise id as in the notebook heading, e.g. ``"00.1"``.
    answer : object
        The student's answer.
    **context
        Data the exercise worked on, when the check needs it.

    Examples
    --------
    >>> from radkit.checks import check
    >>> check("00.1", [0.5], y=[[1], [0]])
    correct: 00.1
    """
    hint = _verdict(name, answer, **context)
    if hint is None:
        print(f"correct: {name}")
        return
    if os.environ.get("RADKIT_CHECKS_STRICT") == "1":
        raise Hint(f"{name}: {hint}")
    print(f"not yet: {name}: {hint}")


def grade(name: str, answer: object, *, hidden_variant: int = 0, **context: object) -> None:
    """Check an answer for an autograder: print "correct", or raise :class:`Hint` with the hint.

    The test cells of the nbgrader assignments that ``make release`` writes
    (:mod:`radkit.devtools.release`) call this instead of :func:`check`: nbgrader
    gives a test cell its points when it runs without an error, and shows the
    error's message, here the exercise's hint, as feedback. ``hidden_variant=k``
    (k >= 1) checks the answer on the checker's k-th set of fresh inputs, for the
    hidden tests of an exercise whose checker has them (:func:`has_variants`).

    Examples
    --------
    >>> from radkit.checks import grade
    >>> grade("00.1", [0.5], y=[[1], [0]])
    correct: 00.1
    >>> grade("00.1", [0.9], y=[[1], [0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    radkit.checks.Hint: 00.1: ...
    """
    if hidden_variant and not has_variants(name):
        raise ValueError(f"exercise {name}'s checker has no input variants; grade it with hidden_variant=0.")
    _ACTIVE.append(int(hidden_variant))
    try:
        hint = _verdict(name, answer, **context)
    finally:
        _ACTIVE.pop()
    if hint is not None:
        raise Hint(f"{name}{f' (hidden test {hidden_variant})' if hidden_variant else ''}: {hint}")
    print(f"correct: {name}")
