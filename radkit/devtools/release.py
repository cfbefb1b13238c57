"""nbgrader assignments from ``solutions/``: what ``make release`` writes.

Each solution notebook becomes one nbgrader assignment. In every exercise cell
(``# Exercise NN.k`` ... ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` ...
``check("NN.k", ...)``), the part up to the end marker becomes an nbgrader
*solution* cell (nbgrader blanks it in the student version) and the rest
becomes an *autograded test* cell worth ``points``, where ``check`` is replaced
by :func:`radkit.checks.grade`: it raises the kit's hint when the answer is
wrong, so nbgrader gives the cell no points and shows the hint as feedback.
Where the exercise's checker can draw fresh inputs, the test cell also holds
nbgrader hidden tests: the same check on inputs the student never saw.
Every other cell is copied unchanged, outputs cleared.

The course folder follows nbgrader's layout::

    <out>/nbgrader_config.py
    <out>/source/<NN_topic>/<NN_topic>.ipynb    # written here
    <out>/release/<NN_topic>/<NN_topic>.ipynb   # by `nbgrader generate_assignment`

Then ``nbgrader collect`` / ``nbgrader autograde <NN_topic>`` grade what
students hand in (``docs/instructors.md`` walks through it). nbgrader is in
the optional ``course`` extra (``pip install -e ".[course]"``).

Run ``python -m radkit.devtools.release --out build/course`` (``make release``).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from radkit.devtools.exercises import _NAME, BEGIN, END, MarkerError

__all__ = ["assignment_notebook", "release", "main"]

_CHECK_CALL = re.compile(r"(?<![\w.])check\(")
_CODE_STUB = (
    "# your answer here (then run the next cell: it checks it)\n"
    "raise NotImplementedError('your turn: replace this line with your answer')"
)
_CONFIG = '''\
"""nbgrader configuration of the radkit course, written by `make release` (radkit.devtools.release)."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = {course_id!r}
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
# Lessons train small models: give each cell time on a CPU (nbgrader's default is 30 s).
c.Execute.timeout = {timeout}
'''


def _grade_id(kind: str, exercise: str) -> str:
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', exercise)}"


def _meta(*, grade_id: str, solution: bool, points: int | None = None) -> dict:
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": not solution, "schema_version": 3}
    meta.update({"solution": solution, "task": False})
    if points is not None:
        meta["points"] = points
    return meta


def _hidden_tests(rest: str, exercise: str, n: int = 2) -> str:
    """nbgrader hidden tests: the exercise's check again on ``n`` sets of inputs the student never saw,
    when its checker can draw them (:func:`radkit.checks.has_variants`); empty otherwise."""
    from radkit.checks import has_variants

    if not has_variants(exercise):
        return ""
    calls = [
        node
        for node in ast.walk(ast.parse(rest))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "check"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == exercise
    ]
    if len(calls) != 1:
        return ""
    lines = []
    for k in range(1, n + 1):
        call = copy.deepcopy(calls[0])
        call.func = ast.Name("grade")
        call.keywords.append(ast.keyword("hidden_variant", ast.Constant(k)))
        lines.append(ast.unparse(call))
    return "\n### BEGIN HIDDEN TESTS\n" + "\n".join(lines) + "\n### END HIDDEN TESTS"


def assignment_notebook(solution: dict, *, name: str, points: int = 1) -> tuple[dict, list[str]]:
    """The nbgrader source version of one solution notebook, and the ids of its exercises.

    Parameters
    ----------
    solution : dict
        A notebook of ``solutions/`` (nbformat 4 JSON, as loaded by ``json.load``).
    name : str
        Its name, for error messages.
    points : int, default 1
        Points of each exercise's autograded check.

    Returns
    -------
    notebook : dict
        The notebook with each exercise split into a solution cell and a test cell.
    exercises : list of str
        The exercise ids, in order (``["04.1", "04.2", "04.3"]``).

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "metadata": {}, "source":
    ...     "# Exercise 0.1: add\\n### BEGIN SOLUTION\\nx = 1 + 1\\n### END SOLUTION\\ncheck('0.1', x)"}],
    ...     "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> out, ids = assignment_notebook(nb, name="demo")
    >>> ids, [c["metadata"]["nbgrader"]["grade_id"] for c in out["cells"]]
    (['0.1'], ['answer-0_1', 'check-0_1'])
    >>> "".join(out["cells"][1]["source"])
    "from radkit.checks import grade\\n\\ngrade('0.1', x)"
    """
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        raise ValueError(f"points must be a positive whole number of points per exercise, got {points!r}.")
    nb = copy.deepcopy(solution)
    cells: list[dict] = []
    exercises: list[str] = []
    for i, cell in enumerate(nb.get("cells", [])):
        src = "".join(cell.get("source", []))
        cell.pop("attachments", None)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if cell.get("cell_type") != "code" or BEGIN not in src:
            cells.append(cell)
            continue
        found = _NAME.search(src)
        if found is None:
            raise MarkerError(f"{name} cell {i}: a solution block without a '# Exercise NN.k' line naming it.")
        exercise = found.group(1).rstrip(".:")
        if exercise in exercises:
            raise MarkerError(f"{name} cell {i}: exercise {exercise} appears twice; give each exercise one cell.")
        cut = src.rfind(END)
        if cut < 0:
            raise MarkerError(f"{name} cell {i}: '{BEGIN}' is never closed; add '{END}' after the answer.")
        cut += len(END)
        answer, rest = src[:cut], src[cut:].strip("\n")
        if not _CHECK_CALL.search(rest):
            raise MarkerError(
                f"{name} cell {i}: exercise {exercise} has no check(...) call after '{END}', so nothing could grade it."
            )
        test = "from radkit.checks import grade\n\n" + _CHECK_CALL.sub("grade(", rest) + _hidden_tests(rest, exercise)
        exercises.append(exercise)
        base = {k: v for k, v in cell.get("metadata", {}).items() if k != "nbgrader"}
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "id": _grade_id("answer", exercise),
                "metadata": {**base, "nbgrader": _meta(grade_id=_grade_id("answer", exercise), solution=True)},
                "outputs": [],
                "source": answer,
            }
        )
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "id": _grade_id("check", exercise),
                "metadata": {"nbgrader": _meta(grade_id=_grade_id("check", exercise), solution=False, points=points)},
                "outputs": [],
                "source": test,
            }
        )
    if not exercises:
        raise MarkerError(f"{name}: no exercise cell ('# Exercise NN.k' with '{BEGIN}' / '{END}'); nothing to grade.")
    for cell in cells:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    nb["cells"] = cells
    nb["nbformat"], nb["nbformat_minor"] = 4, max(int(nb.get("nbformat_minor", 5)), 5)
    return nb, exercises


def release(
    root: str | Path = ".",
    out: str | Path = "build/course",
    *,
    notebooks: list[str] | None = None,
    course_id: str = "radkit",
    generate: bool = True,
    timeout: int = 900,
    force: bool = False,
) -> dict[str, list[str]]:
    """Write the nbgrader course folder: its config, one source assignment per solution notebook, and releases.

    Parameters
    ----------
    root : path
        The kit's folder (holding ``solutions/``).
    out : path
        The course folder to write. Only ``nbgrader_config.py``, ``source/`` and
        ``release/`` are written; the gradebook and students' work are never
        touched. A source notebook that differs from what this function would
        write (an instructor edited it) is refused unless ``force``.
    notebooks : list of str, optional
        Stems of the solution notebooks to release (``["04_ambiguous_ground_truth"]``);
        all by default.
    generate : bool, default True
        Run ``nbgrader generate_assignment`` for each, writing ``release/``.

    Returns
    -------
    dict
        Assignment name -> its exercise ids.
    """
    root, out = Path(root), Path(out)
    sources = sorted((root / "solutions").glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no solution notebooks in {root / 'solutions'}; run this from the kit's folder.")
    if notebooks is not None:
        known = {p.stem: p for p in sources}
        unknown = sorted(set(notebooks) - set(known))
        if unknown:
            raise ValueError(f"no solution notebook named {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
        sources = [known[n] for n in notebooks]
    planned = {}
    for path in sources:
        nb, ids = assignment_notebook(json.loads(path.read_text(encoding="utf-8")), name=str(path))
        planned[path] = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n", ids)
    edited = [
        str(target)
        for path, (text, _) in planned.items()
        if (target := out / "source" / path.stem / path.name).exists() and target.read_text(encoding="utf-8") != text
    ]
    if edited and not force:
        raise FileExistsError(
            "these source notebooks differ from solutions/ (edited by hand?): " + ", ".join(edited) + "; "
            "copy your edits into solutions/, or pass --force to overwrite them."
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(_CONFIG.format(course_id=course_id, stub=_CODE_STUB, timeout=int(timeout)))
    written: dict[str, list[str]] = {}
    for path, (text, ids) in planned.items():
        folder = out / "source" / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_text(text, encoding="utf-8")
        written[path.stem] = ids
        if generate:
            _nbgrader(out, "generate_assignment", path.stem, "--force")
    return written


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder; raise with its output when it fails."""
    exe = shutil.which("nbgrader", path=str(Path(sys.executable).parent)) or shutil.which("nbgrader")
    if exe is None:
        raise ModuleNotFoundError(
            "nbgrader is not installed; install the course extra: pip install -e '.[course]' (from the kit's folder)."
        )
    env = dict(os.environ)  # nbgrader runs `alembic` from the PATH: put the environment's scripts first
    env["PATH"] = os.pathsep.join([str(Path(exe).parent), env.get("PATH", "")])
    done = subprocess.run([exe, *args], cwd=course, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course}:\n{done.stdout}\n{done.stderr}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.release", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="solution notebook stems (default: all)")
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--out", type=Path, default=Path("build/course"))
    parser.add_argument("--no-generate", action="store_true", help="write source/ only")
    parser.add_argument("--force", action="store_true", help="overwrite source notebooks edited by hand")
    args = parser.parse_args(argv)
    written = release(
        args.root, args.out, notebooks=args.notebooks or None, generate=not args.no_generate, force=args.force
    )
    for name, ids in written.items():
        print(f"{name}: {len(ids)} exercises ({', '.join(ids)})")
    print(f"course folder: {args.out} (nbgrader_config.py, source/{'' if args.no_generate else ', release/'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
