"""Single-source exercises: ``solutions/`` is written once, ``exercises/`` is built.

A solution notebook marks each worked answer with nbgrader-style lines::

    # Exercise 04.1: Cohen's kappa by hand
    ### BEGIN SOLUTION
    kappa = ...
    ### END SOLUTION
    check("04.1", kappa)

``python -m radkit.devtools.exercises build`` writes ``exercises/NN_topic.ipynb`` with
each marked block replaced by a stub that raises a "your turn" error naming
the exercise; outputs are stripped. Every exercise cell (a code cell whose
first line is ``# Exercise NN.k...``) must hold a marked block: a cell whose
markers were deleted would ship its worked answer, so it is an error.
``python -m radkit.devtools.exercises check`` exits non-zero, listing the files, when
``exercises/`` differs from what ``build`` would write, when a solution has
no (or unbalanced) markers, or when an exercise notebook contains a line of
code that appears only inside a solution block. Edit ``solutions/``, never
``exercises/``.

``python -m radkit.devtools.exercises names`` lists the names that code outside
the solution blocks takes from inside them (:func:`solution_only_names`);
``tests/test_notebook_lint.py`` holds them against the baseline of
:mod:`radkit.devtools.baseline`.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

__all__ = [
    "strip_solutions",
    "build_notebook",
    "answer_lines",
    "leaked_answers",
    "build",
    "check",
    "main",
    "solution_only_names",
]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_NAME = re.compile(r"#\s*Exercise\s+([\w.\-]+)", re.IGNORECASE)
_HEADER = re.compile(r"\s*#\s*Exercise\s+[\w.\-]+", re.IGNORECASE)
_MIN_ANSWER_CHARS = 6  # shorter lines (")", "pass", "x = 1") are too common to call a leak
_BANNER = (
    "> **Exercise notebook.** Generated from `solutions/{name}` by `make exercises`; "
    "cells marked *your turn* are yours to fill in. Run the `check(...)` line after each answer."
)


class MarkerError(ValueError):
    """A solution cell has unbalanced or nested solution markers."""


def strip_solutions(source: str, *, where: str = "cell") -> tuple[str, int]:
    """Replace each marked solution block in ``source`` with a stub.

    Returns the new source and the number of blocks replaced.

    Examples
    --------
    >>> src = "# Exercise 0.1: add\\n### BEGIN SOLUTION\\nx = 1 + 1\\n### END SOLUTION\\ncheck('0.1', x)"
    >>> print(strip_solutions(src)[0])
    # Exercise 0.1: add
    # YOUR CODE HERE
    raise NotImplementedError("Your turn: exercise 0.1. Write it here, then run the check.")
    check('0.1', x)
    """
    out: list[str] = []
    inside, count = False, 0
    m = _NAME.search(source)
    name = m.group(1).rstrip(".:") if m else None
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise MarkerError(f"{where}: '{BEGIN}' inside another solution block; close it with '{END}' first.")
            inside, count = True, count + 1
            indent = line[: len(line) - len(line.lstrip())]
            label = f"exercise {name}" if name else "this exercise"
            out.append(f"{indent}# YOUR CODE HERE")
            stub = f'raise NotImplementedError("Your turn: {label}. Write it here, then run the check.")'
            out.append(indent + stub)
        elif stripped == END:
            if not inside:
                raise MarkerError(f"{where}: '{END}' without a matching '{BEGIN}'.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{where}: '{BEGIN}' is never closed; add '{END}' after the answer.")
    return "\n".join(out), count


def build_notebook(solution: dict, *, name: str) -> tuple[dict, int]:
    """Return the exercise version of a solution notebook and its block count."""
    nb = copy.deepcopy(solution)
    total = 0
    for i, cell in enumerate(nb.get("cells", [])):
        src = "".join(cell.get("source", []))
        if cell.get("cell_type") == "code":
            first = src.lstrip("\n").split("\n", 1)[0]
            src, n = strip_solutions(src, where=f"{name} cell {i}")
            if n == 0 and _HEADER.match(first):
                raise MarkerError(
                    f"{name} cell {i} ({first.strip()!r}) is an exercise cell without a "
                    f"'{BEGIN}' / '{END}' block, so its worked answer would be shipped to "
                    "students; put the markers back around the answer."
                )
            total += n
            cell["outputs"], cell["execution_count"] = [], None
        elif BEGIN in src:
            raise MarkerError(f"{name} cell {i}: solution markers belong in code cells only.")
        cell["source"] = src.splitlines(keepends=True)
        cell.get("metadata", {}).pop("execution", None)
    nb["cells"].insert(
        0, {"cell_type": "markdown", "id": "exercise-banner", "metadata": {}, "source": [_BANNER.format(name=name)]}
    )
    nb["nbformat"], nb["nbformat_minor"] = 4, max(int(nb.get("nbformat_minor", 5)), 5)
    return nb, total


def _code_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines()]


def answer_lines(solution: dict) -> set[str]:
    """Lines of code found only inside solution blocks of a solution notebook.

    Lines that also appear in code outside every block (imports, set-up
    shared with the rest of the notebook), comments and short lines are left
    out, so what remains is the worked answer itself.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "import numpy as np\\n"},
    ...       {"cell_type": "code", "source": "# Exercise 1.1\\n### BEGIN SOLUTION\\n"
    ...        "import numpy as np\\nkappa = np.mean(a == b)\\n### END SOLUTION"}]}
    >>> sorted(answer_lines(nb))
    ['kappa = np.mean(a == b)']
    """
    inside: set[str] = set()
    outside: set[str] = set()
    for cell in solution.get("cells", []):
        src = "".join(cell.get("source", []))
        in_block = False
        for line in _code_lines(src):
            if line == BEGIN:
                in_block = True
            elif line == END:
                in_block = False
            elif in_block:
                inside.add(line)
            elif cell.get("cell_type") == "code":  # markdown is shipped too: it never excuses a line
                outside.add(line)
    return {line for line in inside - outside if len(line) >= _MIN_ANSWER_CHARS and not line.startswith("#")}


def leaked_answers(exercise: dict, answers: set[str]) -> list[tuple[int, str]]:
    """``(cell index, line)`` for every line of ``exercise`` that is a worked answer line.

    Examples
    --------
    >>> ex = {"cells": [{"cell_type": "code", "source": ["kappa = np.mean(a == b)\\n"]}]}
    >>> leaked_answers(ex, {"kappa = np.mean(a == b)"})
    [(0, 'kappa = np.mean(a == b)')]
    """
    hits = []
    for i, cell in enumerate(exercise.get("cells", [])):
        for line in _code_lines("".join(cell.get("source", []))):
            if line in answers:
                hits.append((i, line))
    return hits


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _plan(root: Path) -> tuple[dict[Path, str], list[str]]:
    """Expected exercise files (path → text) and the problems found."""
    problems: list[str] = []
    expected: dict[Path, str] = {}
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    if not solutions:
        problems.append(f"no solution notebooks in {root / 'solutions'}")
    for path in solutions:
        try:
            solution = json.loads(path.read_text())
            nb, n = build_notebook(solution, name=path.name)
        except (MarkerError, json.JSONDecodeError) as err:
            problems.append(f"{path}: {err}")
            continue
        if n == 0:
            problems.append(f"{path}: no '{BEGIN}' / '{END}' markers; mark each worked answer")
            continue
        leaks = leaked_answers(nb, answer_lines(solution))
        if leaks:  # e.g. the answer also written out in a markdown cell
            problems.append(_leak_message(path.name, leaks, built=True))
            continue
        expected[root / "exercises" / path.name] = _dump(nb)
    return expected, problems


def _leak_message(name: str, leaks: list[tuple[int, str]], *, built: bool) -> str:
    cell, line = leaks[0]
    where = f"the exercise built from solutions/{name}" if built else f"exercises/{name}"
    return (
        f"{where} contains {len(leaks)} line(s) of a worked answer, e.g. cell {cell}: {line[:60]!r}; "
        f"keep answers only between '{BEGIN}' / '{END}' in solutions/{name}"
    )


def build(root: str | Path = ".") -> list[Path]:
    """Write ``exercises/`` from ``solutions/``; return the files written."""
    root = Path(root)
    expected, problems = _plan(root)
    if problems:
        raise MarkerError("cannot build exercises:\n  " + "\n  ".join(problems))
    (root / "exercises").mkdir(exist_ok=True)
    written = []
    for path, text in expected.items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


def check(root: str | Path = ".") -> list[str]:
    """Problems that make ``exercises/`` differ from what ``build`` would write."""
    root = Path(root)
    expected, problems = _plan(root)
    for path, text in expected.items():
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_text() != text:
            problems.append(f"{path}: out of date with solutions/{path.name}")
    for path in sorted((root / "exercises").glob("*.ipynb")):
        source = root / "solutions" / path.name
        if not source.exists():
            continue
        try:
            leaks = leaked_answers(json.loads(path.read_text()), answer_lines(json.loads(source.read_text())))
        except json.JSONDecodeError as err:
            problems.append(f"{path}: not a readable notebook ({err}); run `make exercises`")
            continue
        if leaks:
            problems.append(f"{path}: " + _leak_message(path.name, leaks, built=False))
    for path in sorted((root / "exercises").glob("*.ipynb")):
        if path not in expected and not (root / "solutions" / path.name).exists():
            problems.append(f"{path}: has no solutions/{path.name} to be built from")
    return problems


# ------------------------------------------------------------------ exercises that stand alone (issue 30, item 6)


def _defined_and_used(source: str) -> tuple[set[str], list[tuple[str, int]]]:
    """Names a cell binds (assignments, defs, imports, parameters) and names it reads, with their lines."""
    import ast

    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set(), []
    bound: set[str] = set()
    used: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound.add(node.id) if isinstance(node.ctx, (ast.Store, ast.Del)) else used.append((node.id, node.lineno)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
    return bound, used


def _prompt(cells: list[dict], index: int) -> str:
    """An exercise's prompt: the markdown before its code cell (back to the heading that opens it, over set-up
    code cells, never past another exercise's block) and the cell's own comment lines."""
    parts = []
    for k in range(index - 1, -1, -1):
        src = "".join(cells[k].get("source", []))
        if cells[k].get("cell_type") == "code":
            if BEGIN in src:
                break
            continue
        parts.append(src)
        if re.search(r"(?m)^#{1,6}\s", src):
            break
    src = "".join(cells[index].get("source", []))
    parts.extend(ln for ln in src.splitlines() if ln.lstrip().startswith("#"))
    return "\n".join(parts)


def _in_code_span(name: str, text: str) -> bool:
    return any(re.match(rf"\s*{re.escape(name)}\b", span) for span in re.findall(r"`([^`\n]+)`", text))


def solution_only_names(solution: dict) -> list[tuple[int, str, str]]:
    """Names that code outside the solution blocks uses but only a solution block defines.

    A student who writes the answer their own way (inline, with other helper names)
    then meets a ``NameError`` in a later cell. A name is fine when code outside every
    block defines it too, or when the prompt of the exercise whose block defines it
    names it in backticks (``Give `answer` ...``, ``write `odds(v)` ...``): then the
    student was told to define it. The prompt is the markdown just before the
    exercise cell and the cell's comment lines.

    Returns ``(cell index, exercise, name)`` for the first outside use of each such name.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "source": "## Exercise 9.3\\nGive `answer`."},
    ...     {"cell_type": "code", "source": "# Exercise 9.3\\n### BEGIN SOLUTION\\ndef odds(v):\\n"
    ...      "    return v / (1 - v)\\nanswer = odds(p)\\n### END SOLUTION\\ncheck('9.3', answer)"},
    ...     {"cell_type": "code", "source": "print(odds(0.2))"}]}
    >>> solution_only_names(nb)
    [(2, '9.3', 'odds')]
    """
    cells = solution.get("cells", [])
    outside: set[str] = set()
    inside: dict[str, tuple[int, str]] = {}  # name -> (cell of the block, exercise)
    uses: list[tuple[int, str]] = []
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        src = "".join(cell.get("source", []))
        try:
            stripped, n = strip_solutions(src)
        except MarkerError:
            continue
        bound_out, used_out = _defined_and_used(stripped)
        outside |= bound_out
        uses.extend((i, name) for name, _ in used_out)
        if n:
            bound_all, _ = _defined_and_used(src.replace(BEGIN, "").replace(END, ""))
            m = _NAME.search(src)
            ex = m.group(1).rstrip(".:") if m else f"cell {i}"
            for name in bound_all - bound_out:
                inside.setdefault(name, (i, ex))
    out: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for i, name in uses:
        if name in seen or name in outside or name not in inside:
            continue
        block_cell, ex = inside[name]
        if _in_code_span(name, _prompt(cells, block_cell)):
            continue
        seen.add(name)
        out.append((i, ex, name))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.exercises", description=__doc__.split("\n")[0])
    parser.add_argument(
        "command",
        choices=["build", "check", "names"],
        help="build exercises/, check that it is up to date, or list the names that code outside "
        "the solution blocks takes from inside them (issue 30; reported, not yet a gate)",
    )
    parser.add_argument("--root", default=".", help="kit folder holding solutions/ and exercises/")
    args = parser.parse_args(argv)
    if args.command == "names":
        found = [
            (path, hit)
            for path in sorted(Path(args.root, "solutions").glob("*.ipynb"))
            for hit in solution_only_names(json.loads(path.read_text()))
        ]
        for path, (cell, ex, name) in found:
            print(
                f"{path} cell {cell}: `{name}` is defined only inside the solution of exercise {ex}; define it "
                "outside the block, or name it in backticks in the exercise's prompt"
            )
        print(f"{len(found)} name(s) used outside the solution blocks that only a solution defines")
        return 1 if found else 0
    if args.command == "build":
        try:
            written = build(args.root)
        except MarkerError as err:
            print(err, file=sys.stderr)
            return 1
        print(f"wrote {len(written)} exercise notebook(s)" + "".join(f"\n  {p}" for p in written))
        return 0
    problems = check(args.root)
    if problems:
        print("exercises/ is out of date; run `make exercises`:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("exercises/ is up to date with solutions/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
