"""One vocabulary (README, "Glossary"): a public parameter has one spelling across radkit.

An old spelling may still be accepted through radkit._compat.renamed_arguments, which keeps it
out of the signature and warns; this test reads signatures, so such aliases pass.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import radkit

ROOT = Path(radkit.__file__).parent

#: forbidden parameter name -> the one spelling (README glossary)
FORBIDDEN = {
    "sens": "sensitivity",
    "spec": "specificity",
    "probs": "y_score",
    "prob": "y_score",
    "y_prob": "y_score",
    "y_probs": "y_score",
    "p_new": "y_score",
    "model_prob": "y_score",
    "auroc": "auc",
    "c_fp": "cost_fp",
    "c_fn": "cost_fn",
    "by": "groups",
    "sensitive_features": "groups",
    "subgroups": "groups",
    "make_model": "model_factory",
}
PRIOR = re.compile(r".+_prior$")  # train_prior, new_prior -> train_prevalence, new_prevalence
CONSTANT = re.compile(r"^[A-Z0-9_]*PATHOLOGIES$")  # one list of finding names: radkit.findings


def _public_functions():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {"checks", "devtools"} or rel.name == "_compat.py":
            continue  # exercise checkers mirror the exercise's own names; tooling is not the API
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name.startswith("_") and node.name != "__init__":
                    continue
                a = node.args
                for arg in a.posonlyargs + a.args + a.kwonlyargs:
                    yield rel, node.name, arg.arg
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for t in targets:
                if isinstance(t, ast.Name) and CONSTANT.match(t.id) and rel.as_posix() != "synth/spec.py":
                    yield rel, "<module>", t.id


def test_public_parameters_use_the_glossary_names():
    bad = []
    for rel, func, name in _public_functions():
        if name in FORBIDDEN:
            bad.append(f"{rel}:{func}({name}=...): call it {FORBIDDEN[name]}")
        elif PRIOR.match(name):
            bad.append(f"{rel}:{func}({name}=...): call it {name[:-6]}_prevalence")
        elif CONSTANT.match(name):
            bad.append(f"{rel}: {name}: finding names live in radkit.findings")
    assert not bad, "names outside the glossary (README, 'Glossary'):\n" + "\n".join(bad)


def test_the_scan_sees_parameters():
    names = {name for _, _, name in _public_functions()}
    assert {"y_true", "y_score", "seed", "prevalence"} <= names
