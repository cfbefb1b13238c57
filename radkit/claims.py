"""Named claims: one line per finding a notebook asserts, with its value, bar and margin.

A lesson's Claims cell states what its own run found. :func:`claim` checks one
such statement, prints it as one line, and records it, so that ``make claims``
(:mod:`radkit.devtools.claims`) can report every claim by its id over many seeds
and tell a claim that holds with room to spare from one that passes by luck::

    claim("C3", auc_gain.low > 0.0, f"the ensemble beats one model (gain {auc_gain.mid:+.3f})",
          value=auc_gain.low, bar=0.0)

prints ``C3 pass: the ensemble beats one model (gain +0.041) (value 0.012, bar 0.00, margin +0.012)``
and raises :class:`AssertionError` naming ``C3`` when the condition is false.

The **margin** is the distance between ``value`` and ``bar``, positive when the
claim holds and negative when it fails, whichever side of the bar the claim
needs (``error < bar`` and ``gain > bar`` alike). For a compound condition, pass
the value and bar of the part closest to failing. ``make claims`` summarises
each claim's margins over seeds (mean, smallest, and whether the mean lies at
least three standard deviations above zero: issue 30's rule for a claim that
could fail but does not).

Under the smoke switch (``RADKIT_SMOKE=1``, ``make smoke``), the notebook ran on
capped data to prove its code path, so its numbers prove nothing: :func:`claim`
still checks its arguments, then prints ``C3 not checked (smoke): ...`` and
records the claim with ``passed`` None and ``smoke`` True instead of raising.

This module imports nothing from radkit except :mod:`radkit._validate`, so a
notebook can use it before anything else is set up.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

import numpy as np

__all__ = ["claim", "RECORDS", "reset"]

#: Every claim checked in this interpreter, in order: dicts with ``id``, ``passed``,
#: ``value``, ``bar``, ``margin`` (None without a value and bar) and ``found``; under the
#: smoke switch ``passed`` and ``margin`` are None and ``smoke`` is True.
#: The claims runner reads it back from the kernel after the notebook has run.
RECORDS: list[dict[str, Any]] = []

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def _smoke() -> bool:
    """The smoke switch, read where the claim is made (:func:`radkit.config.smoke` validates its value at setup;
    this module stands below radkit.config and cannot import it)."""
    return os.environ.get("RADKIT_SMOKE", "").strip().lower() in ("1", "true", "yes", "on")


def _number(x: object, name: str) -> float | None:
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "iuf":
            return float(x.reshape(()))
        raise TypeError(f"{name} must be a number (the observed value or its bar), got {type(x).__name__} {x!r}.")
    return float(x)


def _fmt(x: float, *, sign: bool = False) -> str:
    if not math.isfinite(x):
        return str(x)
    if x == 0 or 0.095 <= abs(x) < 1000:
        text = f"{x:.2f}"
    else:  # small margins keep two significant digits (0.012, not 0.01); large values three
        text = f"{x:.2g}" if abs(x) < 0.095 else f"{x:.3g}"
    return ("+" if sign and x >= 0 else "") + text


def claim(
    cid: str,
    condition: bool,
    found: str,
    *,
    value: float | None = None,
    bar: float | None = None,
    skip: str | None = None,
) -> None:
    """Check one named claim, print it as one line, record it, and raise if it fails.

    Parameters
    ----------
    cid : str
        The claim's id, e.g. ``"C3"``, which the notebook's Summary cites as ``[C3]``.
    condition : bool
        What the experiment must show (a Python or NumPy bool).
    found : str
        What was found, with its numbers, in words a reader can check.
    value, bar : float, optional, keyword-only
        The observed number the condition tests and the bar it is held to; give
        both or neither. The margin printed and recorded is their distance,
        positive when the claim holds (see the module docstring).
    skip : str, optional, keyword-only
        Why this run cannot test the claim (e.g. ``"real images: the gap rests on the
        generator's known ages"``). The claim is then printed and recorded as "not
        checked (<reason>)" instead of asserted, as under the smoke switch: for claims
        that rest on synthetic truth when a lesson runs on real films.

    Raises
    ------
    AssertionError
        When ``condition`` is false; the message starts with ``claim <cid> failed``.
        Never under ``RADKIT_SMOKE=1``: the claim is then printed and recorded as
        "not checked (smoke)", whatever ``condition`` says.

    Examples
    --------
    >>> claim("C1", 0.81 > 0.70, "the model's AUC clears the bar", value=0.81, bar=0.70)
    C1 pass: the model's AUC clears the bar (value 0.81, bar 0.70, margin +0.11)
    >>> RECORDS[-1]["id"], RECORDS[-1]["passed"], round(RECORDS[-1]["margin"], 2)
    ('C1', True, 0.11)
    >>> claim("C3", False, "the gap follows the generator's ages", skip="real images: no known ages")
    C3 not checked (real images: no known ages): the gap follows the generator's ages
    >>> claim("C2", 0.62 > 0.70, "the model's AUC clears the bar", value=0.62, bar=0.70)
    Traceback (most recent call last):
    ...
    AssertionError: claim C2 failed: the model's AUC clears the bar (value 0.62, bar 0.70, margin -0.08)
    """
    if not isinstance(cid, str) or not _ID.match(cid):
        raise ValueError(
            f"cid must be a short id such as 'C3' (a letter, then letters, digits, '.', '_' or '-'), got {cid!r}."
        )
    if isinstance(condition, np.ndarray) and condition.size == 1:
        condition = condition.reshape(())[()]
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(
            f"claim {cid}: condition must be a single bool (e.g. gain > 0.1), got "
            f"{type(condition).__name__}; for an array, state which reduction you claim "
            "(np.all(...), a rate over replicates, ...)."
        )
    if not isinstance(found, str) or not found.strip():
        raise ValueError(f"claim {cid}: found must say, in words and numbers, what was found; got {found!r}.")
    v, b = _number(value, "value"), _number(bar, "bar")
    if (v is None) != (b is None):
        raise ValueError(
            f"claim {cid}: give both value= and bar= (the observed number and the bar it must clear), or neither."
        )
    passed = bool(condition)
    margin = None
    detail = ""
    if v is not None and b is not None:
        distance = abs(v - b)
        margin = distance if passed else -distance
        if not math.isfinite(v) or not math.isfinite(b):
            margin = float("nan")
        detail = f" (value {_fmt(v)}, bar {_fmt(b)}, margin {_fmt(margin, sign=True)})"
    if skip is not None and (not isinstance(skip, str) or not skip.strip()):
        raise ValueError(f"claim {cid}: skip must say why the claim is not checked in this run, got {skip!r}.")
    if _smoke() or skip:
        why = "smoke" if _smoke() else skip.strip()
        RECORDS.append(
            {"id": cid, "passed": None, "value": v, "bar": b, "margin": None, "found": found, "smoke": _smoke()}
            | ({} if _smoke() else {"skipped": why})
        )
        print(f"{cid} not checked ({why}): {found}{detail}")
        return
    RECORDS.append({"id": cid, "passed": passed, "value": v, "bar": b, "margin": margin, "found": found})
    if not passed:
        raise AssertionError(f"claim {cid} failed: {found}{detail}")
    print(f"{cid} pass: {found}{detail}")


def reset() -> None:
    """Forget the recorded claims (a notebook re-run in the same kernel starts afresh).

    Examples
    --------
    >>> reset(); RECORDS
    []
    """
    RECORDS.clear()
