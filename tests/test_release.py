"""make release: nbgrader assignments from solutions/, graded by the kit's own checks (issue 35, item 3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from radkit.checks import Hint, grade
from radkit.devtools.exercises import MarkerError
from radkit.devtools.release import assignment_notebook, release

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "04_ambiguous_ground_truth"  # reads shipped VinDr labels and simulates readers: seconds on a CPU


def _nb(*sources: str) -> dict:
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": 1} for s in sources]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_exercise_cell_becomes_solution_and_test_cells():
    exercise = "# Exercise 9.1: sum\nimport math\n### BEGIN SOLUTION\ns = 2\n### END SOLUTION\ncheck('9.1', s, n=2)"
    nb = _nb("x = 1", exercise)
    out, ids = assignment_notebook(nb, name="t", points=2)
    assert ids == ["9.1"]
    assert len(out["cells"]) == 3
    answer, test = out["cells"][1], out["cells"][2]
    assert answer["metadata"]["nbgrader"]["solution"] and not answer["metadata"]["nbgrader"]["grade"]
    assert "### END SOLUTION" in answer["source"] and "check(" not in answer["source"]
    meta = test["metadata"]["nbgrader"]
    assert meta["grade"] and meta["locked"] and meta["points"] == 2 and not meta["solution"]
    assert "grade('9.1', s, n=2)" in test["source"] and "check(" not in test["source"]
    assert out["cells"][0]["outputs"] == [] and out["cells"][0]["execution_count"] is None
    assert len({c["metadata"]["nbgrader"]["grade_id"] for c in out["cells"][1:]}) == 2


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\ncheck('1.1', x)", "naming it"),
        ("# Exercise 1.1\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nprint(x)", "no check"),
        ("# Exercise 1.1\n### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ],
)
def test_malformed_exercise_cells_are_refused(source, message):
    with pytest.raises(MarkerError, match=message):
        assignment_notebook(_nb(source), name="t")


def test_a_notebook_without_exercises_and_bad_points_are_refused():
    with pytest.raises(MarkerError, match="nothing to grade"):
        assignment_notebook(_nb("x = 1"), name="t")
    with pytest.raises(ValueError, match="points"):
        assignment_notebook(_nb("x = 1"), name="t", points=0)


def test_every_solution_notebook_converts():
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        _, ids = assignment_notebook(json.loads(path.read_text()), name=path.name)
        assert len(ids) >= 3, (path.name, ids)
        assert all(i.startswith(path.stem[:2] + ".") for i in ids), (path.name, ids)


def test_grade_raises_the_hint():
    grade("00.1", [0.5], y=[[1], [0]])
    with pytest.raises(Hint, match="00.1"):
        grade("00.1", [0.9], y=[[1], [0]])


def test_an_edited_source_notebook_is_not_overwritten(tmp_path):
    release(ROOT, tmp_path, notebooks=[ASSIGNMENT], generate=False)
    target = tmp_path / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    target.write_text(target.read_text().replace("Cohen", "Cohen (edited)"))
    with pytest.raises(FileExistsError, match="edited by hand"):
        release(ROOT, tmp_path, notebooks=[ASSIGNMENT], generate=False)
    assert "Cohen (edited)" in target.read_text()
    with pytest.raises(ValueError, match="no solution notebook named"):
        release(ROOT, tmp_path, notebooks=["99_nothing"], generate=False)


def test_nbgrader_autogrades_three_submissions(tmp_path):
    """The solution earns full marks, the untouched release none, one wrong answer loses its points with the hint."""
    pytest.importorskip("nbgrader", reason="the course extra: pip install -e '.[course]'")
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    ids = release(ROOT, course, notebooks=[ASSIGNMENT])[ASSIGNMENT]
    name = f"{ASSIGNMENT}.ipynb"
    released = course / "release" / ASSIGNMENT / name
    assert "BEGIN SOLUTION" not in released.read_text() and "NotImplementedError" in released.read_text()
    assert "hidden_variant" not in released.read_text()  # nbgrader keeps hidden tests out of the student version
    source = (course / "source" / ASSIGNMENT / name).read_text()
    wrong = source.replace("kappa = (p_o - p_e) / (1 - p_e)", "kappa = p_o")
    assert wrong != source, "the planted wrong answer no longer matches solutions/04; update this test"
    for student, text in (("full", source), ("blank", released.read_text()), ("wrong", wrong)):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / name).write_text(text)
    exe = Path(sys.executable).parent / "nbgrader"
    env = {**os.environ, "RADKIT_PROFILE": "quick", "MPLBACKEND": "Agg", "RADKIT_CHECKS_STRICT": "0"}
    env["PATH"] = os.pathsep.join([str(exe.parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [str(exe) if exe.exists() else shutil.which("nbgrader"), "autograde", ASSIGNMENT, "--create"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(ASSIGNMENT, s).score for s in ("full", "blank", "wrong")}
        top = gb.find_submission(ASSIGNMENT, "full").max_score
    assert top == len(ids)
    assert scores == {"full": top, "blank": 0.0, "wrong": top - 1}, scores
    graded = json.loads((course / "autograded" / "wrong" / ASSIGNMENT / name).read_text())
    feedback = [
        o.get("evalue", "")
        for c in graded["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "check-04_1"
        for o in c["outputs"]
    ]
    assert any("chance" in text for text in feedback), feedback


def test_hidden_tests_catch_an_answer_fitted_to_the_visible_inputs():
    from radkit.checks import has_variants
    from radkit.checks.nb04_adjudication import _m_step_case, _reference_m_step

    assert has_variants("04.2") and not has_variants("04.1")
    table, posterior = _m_step_case(seed=4)
    memorised = _reference_m_step(table, posterior)

    def m_step(t, p):  # right on the inputs the student's own check uses, and nowhere else
        return memorised

    grade("04.2", m_step)
    with pytest.raises(Hint, match="hidden test 1"):
        grade("04.2", m_step, hidden_variant=1)
    grade("04.2", _reference_m_step, hidden_variant=2)
    with pytest.raises(ValueError, match="no input variants"):
        grade("04.1", 0.5, hidden_variant=1, a=[1, 0], b=[1, 0])
    out, _ = assignment_notebook(json.loads((ROOT / "solutions" / f"{ASSIGNMENT}.ipynb").read_text()), name="04")
    tests = {c["id"]: c["source"] for c in out["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
    assert "### BEGIN HIDDEN TESTS" in tests["check-04_2"] and "hidden_variant=2" in tests["check-04_2"]
    assert "HIDDEN" not in tests["check-04_1"]
