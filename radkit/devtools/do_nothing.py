"""Checkers must reject the "do nothing" answer (issue 30, item 6).

An exercise's self-check that passes the input handed back unchanged, an array of
zeros or ``None`` teaches nothing. A general rule derives these answers from one
right answer and its context: every context value of the answer's kind (same type
and shape) returned unchanged, zeros of the answer's shape, and ``None``.
:data:`EXTRA` adds, per exercise, the do-nothing answers the general rule cannot
see (the unrefined baseline of an exercise, say).

Right answers and contexts come from the checkers' own tests: run as a pytest
plugin (``pytest tests/test_checks_nb*.py -p radkit.devtools.do_nothing``), this
module records every ``(exercise, answer, context)`` that passes, then tries the
do-nothing answers against the same checker and writes the ones it accepted to
the JSON file named by ``RADKIT_DO_NOTHING_OUT`` (``{exercise: [label, ...]}``).
``tests/test_devtools_exercises.py`` runs it and fails on an accepted do-nothing
answer that ``radkit/devtools/baseline_violations.json`` does not list.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["candidates", "accepted", "EXTRA", "MAX_RECORDS"]

#: Per exercise, do-nothing attempts beyond the general rule, as a student would hand them in: the
#: answer and the context the check call would then receive, ``f(context) -> [(label, answer, context)]``.
EXTRA: dict[str, Callable[[Mapping[str, Any]], list[tuple[str, Any, dict[str, Any]]]]] = {
    # 08.3: "harmonization" that leaves the films as they were: the drop survives whole (ratio 1)
    "08.3": lambda ctx: [("harmonized = raw", 1.0, dict(ctx, harmonized=ctx["raw"]))] if "raw" in ctx else [],
}
#: Passing answers recorded per exercise (the first few are enough).
MAX_RECORDS = 3


def _shape(x: Any) -> tuple[str, tuple[int, ...]] | None:
    if isinstance(x, (bool, np.bool_, str)) or x is None:
        return None
    if isinstance(x, Mapping):
        return ("dict", (len(x),))
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return None
    return ("num", arr.shape)


def _same(a: Any, b: Any) -> bool:
    try:
        if isinstance(a, Mapping) or isinstance(b, Mapping):
            return (
                isinstance(a, Mapping)
                and isinstance(b, Mapping)
                and set(a) == set(b)
                and all(_same(a[k], b[k]) for k in a)
            )
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return x.shape == y.shape and bool(np.allclose(x, y, equal_nan=True))
    except (TypeError, ValueError):
        return False


def candidates(right: Any, context: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Do-nothing answers for an exercise whose right answer is ``right``: ``(label, answer)`` pairs.

    The attempts of :data:`EXTRA`, which change the context too, are tried by
    :func:`accepted`. Answers equal to ``right`` are left out.

    Examples
    --------
    >>> p = np.array([0.1, 0.5, 0.8])
    >>> [label for label, _ in candidates(p * 2 / 3, {"p": p, "prior": 0.15})]
    ['input `p` unchanged', 'zeros', 'None']
    """
    out: list[tuple[str, Any]] = []
    kind = _shape(right)
    for key, value in context.items():
        if kind is not None and _shape(value) == kind:
            out.append((f"input `{key}` unchanged", value))
    if kind is not None and kind[0] == "num":
        out.append(("zeros", np.zeros(kind[1]) if kind[1] else 0.0))
    elif kind is not None and kind[0] == "dict":
        out.append(("zeros", dict.fromkeys(right, 0)))
    out.append(("None", None))
    return [(label, ans) for label, ans in out if not _same(ans, right)]


def accepted(name: str, right: Any, context: Mapping[str, Any]) -> list[str]:
    """Labels of the do-nothing answers that exercise ``name``'s checker passes (should be empty).

    Examples
    --------
    >>> accepted("09.3", np.array([0.1, 0.5]), {"p": np.array([0.1, 0.5]), "train_prior": 0.2,
    ...                                         "new_prior": 0.2})
    []
    """
    from radkit.checks import _verdict

    out = []
    for label, answer in candidates(right, context):
        if _verdict(name, answer, **context) is None:
            out.append(label)
    extra = EXTRA.get(name)
    for label, answer, ctx in extra(context) if extra else []:
        if _verdict(name, answer, **ctx) is None:
            out.append(label)
    return out


# ------------------------------------------------------------------------------------- pytest plugin

_RECORDS: dict[str, list[tuple[Any, dict[str, Any]]]] = {}


def pytest_configure(config: Any) -> None:
    import radkit.checks as checks

    original = checks._verdict

    def recording(name: str, answer: object, **context: object) -> str | None:
        verdict = original(name, answer, **context)
        if verdict is None and len(_RECORDS.setdefault(name, [])) < MAX_RECORDS:
            _RECORDS[name].append((answer, dict(context)))
        return verdict

    checks._verdict = recording
    config._radkit_do_nothing_original = original


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    import radkit.checks as checks

    original = getattr(session.config, "_radkit_do_nothing_original", None)
    if original is not None:
        checks._verdict = original
    result: dict[str, list[str]] = {}
    for name, records in sorted(_RECORDS.items()):
        labels: set[str] = set()
        for right, context in records:
            labels.update(accepted(name, right, context))
        result[name] = sorted(labels)
    path = os.environ.get("RADKIT_DO_NOTHING_OUT")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1, sort_keys=True)
