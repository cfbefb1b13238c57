"""Each computation lives in one place (issue "One home per concept"): other names for it only call it.

A function elsewhere whose name says it computes a Wilson interval, a prior-shift correction, an ECE or
an embedding must call the one implementation; it may not carry its own formula.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import radkit

ROOT = Path(radkit.__file__).parent

#: concept -> (pattern for function names, the home module, the names any other definition must call)
HOMES = {
    "Wilson interval": (r"wilson", "stats.py", {"wilson_ci", "proportion"}),
    "prior-shift correction": (r"prior_correct|adjust_probs", "metrics/calibration.py", {"prior_correct"}),
    "expected calibration error": (
        r"(^|_)ece$|calibration_error",
        "metrics/calibration.py",
        {"expected_calibration_error"},
    ),
    "penultimate embedding": (r"^(embed|embeddings|penultimate_features)$", "train.py", {"embed", "_embed"}),
}

#: Definitions that share a name but not the computation, each with the reason.
NOT_THE_SAME = {
    ("generalization/adapt.py", "embed"),  # DANN's differentiable feature tensor inside training, not a NumPy read-out
}


def _calls(node: ast.AST) -> set[str]:
    return {
        c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
        for c in ast.walk(node)
        if isinstance(c, ast.Call)
    }


def _definitions(pattern: str):
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("checks/", "devtools/")):
            continue  # exercise checkers recompute answers on purpose, to check a student's own
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # a call through a helper of the same module counts as a call of what the helper calls
        local = {n.name: _calls(n) for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and re.search(pattern, node.name):
                calls = _calls(node)
                for name in list(calls):
                    calls |= local.get(name, set())
                yield rel, node, calls


@pytest.mark.parametrize("concept", sorted(HOMES))
def test_one_implementation(concept):
    pattern, home, home_names = HOMES[concept]
    found_home, bad = False, []
    for rel, node, calls in _definitions(pattern):
        if rel == home and node.name in home_names:
            found_home = True
        elif (rel, node.name) in NOT_THE_SAME:
            continue
        elif not (calls & home_names):
            bad.append(f"{rel}:{node.lineno} {node.name}()")
    assert found_home, f"the {concept} is no longer in radkit/{home}"
    assert not bad, (
        f"{concept}: these definitions do not call the one in radkit/{home} ({', '.join(sorted(home_names))}): {bad}"
    )
