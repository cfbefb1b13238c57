"""Lint for the kit's notebooks: what every lesson, solution and exercise must have.

Run by ``make test`` (``tests/test_notebook_lint.py``) over ``notebooks/``,
``solutions/`` and ``exercises/``; ``python -m radkit.devtools.nblint FILE ...``
prints the problems of any notebook. The rules are written out in the README's
contributing section.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

__all__ = ["lint", "lint_file", "MAX_LINE"]

MAX_LINE = 100
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# a literal number handed to anything seed-like: seed=3, random_state=0, default_rng(1), manual_seed(0)
_LITERAL_SEED = re.compile(
    r"\b(?:seed|random_state)\s*=\s*-?\d+\b(?!\s*[+*\-/])"
    r"|\b(?:default_rng|manual_seed|RandomState|SeedSequence)\(\s*-?\d+\s*\)"
    r"|\bnp\.random\.seed\(\s*-?\d+"
)
_FIGURE = re.compile(r"\bplt\.(?:subplots|figure)\(")
_SETUP = re.compile(r"\bradkit\.setup\(")


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _headings(text: str) -> list[tuple[int, str]]:
    out, fenced = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
        m = None if fenced else _HEADING.match(line)
        if m:
            out.append((len(m.group(1)), m.group(2)))
    return out


def _strip_strings_and_comments(line: str) -> str:
    line = re.sub(r"(\"[^\"]*\"|'[^']*')", "''", line)
    return line.split("#", 1)[0]


def lint(nb: dict, *, kind: str = "notebook", name: str = "notebook") -> list[str]:
    """Problems of one notebook (a parsed ``.ipynb``); empty when it is clean.

    ``kind`` is ``"notebook"`` (a lesson: title, setup, Claims, Summary in that
    order), ``"solution"`` or ``"exercise"`` (title and setup).

    Examples
    --------
    >>> nb = {"metadata": {}, "cells": [{"cell_type": "code", "source": "x = f(seed=3)",
    ...                                  "outputs": [], "execution_count": None, "metadata": {}}]}
    >>> for p in lint(nb, kind="solution"): print(p)
    notebook: no kernelspec in the metadata (open it in JupyterLab, pick Python 3, save)
    notebook cell 0: no cell id (nbformat >= 4.5 gives every cell an id)
    notebook: the first cell is not a markdown title ('# NN · Topic')
    notebook: no setup cell calling radkit.setup()
    notebook cell 0, line 1: literal seed 'seed=3'; take it from setup (prof.seed, prof.seed + k, radkit.seeding.spawn)
    """
    problems: list[str] = []
    cells = nb.get("cells", [])
    if not nb.get("metadata", {}).get("kernelspec"):
        problems.append(f"{name}: no kernelspec in the metadata (open it in JupyterLab, pick Python 3, save)")
    from radkit.devtools.real_notebooks import check_metadata

    problems.extend(f"{name}: {problem}" for problem in check_metadata(nb.get("metadata", {})))
    ids = [c.get("id") for c in cells]
    for i, cid in enumerate(ids):
        if not cid:
            problems.append(f"{name} cell {i}: no cell id (nbformat >= 4.5 gives every cell an id)")
    dup_ids = {cid for cid in ids if cid and ids.count(cid) > 1}
    if dup_ids:
        problems.append(f"{name}: cell ids used twice: {sorted(dup_ids)}")
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            problems.append(f"{name} cell {i}: has outputs; commit notebooks without them "
                            "(jupyter nbconvert --clear-output --inplace FILE)")
    # headings: none repeated
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        for _, text in _headings(_source(cell)):
            key = re.sub(r"\s+", " ", text.strip().lower())
            if key in seen:
                problems.append(f"{name} cell {i}: heading {text!r} repeats the one in cell {seen[key]}")
            else:
                seen[key] = i
    # required parts, in order
    first = next((c for c in cells if _source(c).strip()), None)
    banner = kind == "exercise" and first is not None and _source(first).lstrip().startswith(">")
    body = [c for c in cells if _source(c).strip()][1 if banner else 0:]
    if not body or body[0].get("cell_type") != "markdown" or not _source(body[0]).lstrip().startswith("# "):
        problems.append(f"{name}: the first cell is not a markdown title ('# NN · Topic')")
    setup_at = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code" and _SETUP.search(_source(c))),
                    None)
    if setup_at is None:
        problems.append(f"{name}: no setup cell calling radkit.setup()")
    if kind == "notebook":
        order = [("setup", setup_at)]
        for part in ("Claims", "Summary"):
            at = next((i for i, c in enumerate(cells) if c.get("cell_type") == "markdown"
                       and any(t.strip().lower().startswith(part.lower()) for _, t in _headings(_source(c)))), None)
            if at is None:
                problems.append(f"{name}: no '## {part}' section")
            order.append((part, at))
        placed = [(p, at) for p, at in order if at is not None]
        if [p for p, _ in sorted(placed, key=lambda x: x[1])] != [p for p, _ in placed]:
            problems.append(f"{name}: parts out of order; a lesson runs title, setup, ..., Claims, Summary")
    # code lines
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        text = _source(cell)
        for k, line in enumerate(text.splitlines(), 1):
            if len(line) > MAX_LINE:
                problems.append(f"{name} cell {i}, line {k}: {len(line)} characters (at most {MAX_LINE})")
            m = _LITERAL_SEED.search(_strip_strings_and_comments(line))
            if m:
                problems.append(f"{name} cell {i}, line {k}: literal seed '{m.group(0)}'; take it from setup "
                                "(prof.seed, prof.seed + k, radkit.seeding.spawn)")
        if _FIGURE.search(text) and not ("title" in text and "label" in text):
            problems.append(f"{name} cell {i}: draws a figure without a title or axis labels")
    return problems


def lint_file(path: str | Path) -> list[str]:
    """Problems of the notebook at ``path``; its kind comes from its folder."""
    path = Path(path)
    kind = {"solutions": "solution", "exercises": "exercise"}.get(path.parent.name, "notebook")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        return [f"{path}: not valid notebook JSON ({err})"]
    return lint(nb, kind=kind, name=str(path))


def main(argv: list[str] | None = None) -> int:
    paths = argv if argv is not None else sys.argv[1:]
    problems = [p for path in paths for p in lint_file(path)]
    print("\n".join(problems) if problems else f"{len(paths)} notebook(s) clean")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
