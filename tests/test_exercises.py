import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from radkit.checks import Hint, check, passed
from radkit.devtools import exercises

ROOT = Path(__file__).resolve().parents[1]


def _nb(*cells):
    ran = {"outputs": [1], "execution_count": 3}
    return {
        "cells": [{"cell_type": k, "metadata": {}, "source": s, **(ran if k == "code" else {})} for k, s in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_repository_exercises_are_up_to_date():
    result = subprocess.run(
        [sys.executable, "-m", "radkit.devtools.exercises", "check", "--root", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_strip_replaces_block_keeps_indent_and_names_exercise():
    src = (
        "# Exercise 04.2: one EM step\ndef f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n"
        "    ### END SOLUTION\ncheck('04.2', f)"
    )
    out, n = exercises.strip_solutions(src)
    assert n == 1
    assert "return x + 1" not in out
    assert '    raise NotImplementedError("Your turn: exercise 04.2.' in out
    assert out.endswith("check('04.2', f)")


@pytest.mark.parametrize(
    "src, msg",
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a matching"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_unbalanced_markers_are_errors(src, msg):
    with pytest.raises(exercises.MarkerError, match=msg):
        exercises.strip_solutions(src)


def test_stub_raises_your_turn_when_run():
    out, _ = exercises.strip_solutions("# Exercise 9.9\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION")
    with pytest.raises(NotImplementedError, match="Your turn: exercise 9.9"):
        exec(out, {})


def test_build_strips_outputs_and_check_detects_drift(tmp_path):
    (tmp_path / "solutions").mkdir()
    sol = _nb(("markdown", "# T"), ("code", "# Exercise 1.1\n### BEGIN SOLUTION\nx = 42\n### END SOLUTION\n"))
    (tmp_path / "solutions" / "01_t.ipynb").write_text(json.dumps(sol))
    assert exercises.check(tmp_path) == [f"{tmp_path / 'exercises' / '01_t.ipynb'}: missing"]
    written = exercises.build(tmp_path)
    assert written == [tmp_path / "exercises" / "01_t.ipynb"]
    ex = json.loads(written[0].read_text())
    code = [c for c in ex["cells"] if c["cell_type"] == "code"][0]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert "42" not in "".join(code["source"])
    assert exercises.check(tmp_path) == []
    assert exercises.build(tmp_path) == []  # idempotent: nothing rewritten
    sol["cells"][1]["source"] = "# Exercise 1.1\n### BEGIN SOLUTION\nx = 43\n### END SOLUTION\ncheck()\n"
    (tmp_path / "solutions" / "01_t.ipynb").write_text(json.dumps(sol))
    assert "out of date" in exercises.check(tmp_path)[0]
    assert exercises.main(["check", "--root", str(tmp_path)]) == 1


def test_solution_without_markers_is_reported(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "02_x.ipynb").write_text(json.dumps(_nb(("code", "x = 1"))))
    assert "no '### BEGIN SOLUTION'" in exercises.check(tmp_path)[0]
    with pytest.raises(exercises.MarkerError):
        exercises.build(tmp_path)


def test_orphan_exercise_is_reported(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    exercises.build(tmp_path)
    (tmp_path / "exercises" / "99_orphan.ipynb").write_text("{}")
    assert any("99_orphan" in p for p in exercises.check(tmp_path))


def test_check_prints_correct_or_hint_never_answer(capsys, monkeypatch):
    monkeypatch.delenv("RADKIT_CHECKS_STRICT", raising=False)
    y = [[1, 0], [0, 0], [1, 1], [1, 0]]
    assert check("00.1", [0.75, 0.25], y=y) is None  # no Out[n]: True echo in a notebook
    check("00.1", [0.25, 0.75], y=y)
    assert passed("00.1", [0.75, 0.25], y=y) and not passed("00.1", [0.25, 0.75], y=y)
    out = capsys.readouterr().out
    assert "correct: 00.1" in out and "negatives" in out
    assert "0.75" not in out.split("not yet")[1]
    assert not passed("00.1", "nonsense", y=y)  # malformed answers get a hint, not a traceback
    monkeypatch.setenv("RADKIT_CHECKS_STRICT", "1")
    with pytest.raises(Hint):
        check("00.1", [0.1, 0.1], y=y)
    with pytest.raises(KeyError, match="Known"):
        check("no-such", 1)


def test_makefile_bootstraps_venv_before_testing():
    dry = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "test", "VENV=/nonexistent/venv"], capture_output=True, text=True
    )
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout
    assert lines.index("-m venv /nonexistent/venv") < lines.index("pip install") < lines.index("pytest")
    lab = subprocess.run(["make", "-n", "-C", str(ROOT), "lab"], capture_output=True, text=True).stdout
    assert "--no-browser" in lab and "00_tour.ipynb" in lab


# ---------------------------------------------------------------- bad input (issue 10, item 3)


def _strip_markers_of_first_block(nb: dict) -> dict:
    """The careless edit of the issue: delete the BEGIN/END lines around one worked answer."""
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and exercises.BEGIN in src:
            lines = [ln for ln in src.splitlines(keepends=True) if ln.strip() not in (exercises.BEGIN, exercises.END)]
            cell["source"] = lines
            return nb
    raise AssertionError("no solution block found")


def test_exercise_cell_without_markers_cannot_ship_its_answer(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    path = tmp_path / "solutions" / "04_ambiguous_ground_truth.ipynb"
    path.write_text(json.dumps(_strip_markers_of_first_block(json.loads(path.read_text()))))
    with pytest.raises(exercises.MarkerError, match="exercise cell without.*worked answer would be shipped"):
        exercises.build(tmp_path)
    problems = exercises.check(tmp_path)
    assert any("04_ambiguous_ground_truth" in p and "without" in p for p in problems)
    assert exercises.main(["check", "--root", str(tmp_path)]) == 1


def test_check_fails_when_an_exercise_holds_answer_code(tmp_path):
    (tmp_path / "solutions").mkdir()
    sol = _nb(
        ("code", "import numpy as np\n"),
        (
            "code",
            "# Exercise 1.1: mean\n### BEGIN SOLUTION\nanswer = np.mean([1, 2, 3])\n### END SOLUTION\n"
            "check('1.1', answer)",
        ),
    )
    (tmp_path / "solutions" / "01_t.ipynb").write_text(json.dumps(sol))
    exercises.build(tmp_path)
    assert exercises.check(tmp_path) == []
    # someone pastes the worked answer into the student notebook (or an old build shipped it)
    ex_path = tmp_path / "exercises" / "01_t.ipynb"
    ex = json.loads(ex_path.read_text())
    ex["cells"].append(
        {
            "cell_type": "code",
            "id": "x",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": ["answer = np.mean([1, 2, 3])\n"],
        }
    )
    ex_path.write_text(json.dumps(ex))
    problems = exercises.check(tmp_path)
    assert any("worked answer" in p and "answer = np.mean" in p for p in problems), problems


def test_answer_repeated_in_a_markdown_cell_is_refused(tmp_path):
    (tmp_path / "solutions").mkdir()
    sol = _nb(
        ("code", "# Exercise 1.1\n### BEGIN SOLUTION\nkappa = (po - pe) / (1 - pe)\n### END SOLUTION\n"),
        ("markdown", "The answer:\n\n    kappa = (po - pe) / (1 - pe)\n"),
    )
    (tmp_path / "solutions" / "01_t.ipynb").write_text(json.dumps(sol))
    with pytest.raises(exercises.MarkerError, match="worked answer"):
        exercises.build(tmp_path)


def test_lines_shared_with_setup_are_not_answers():
    sol = _nb(
        ("code", "import numpy as np\nrates = np.linspace(0, 1, 11)\n"),
        (
            "code",
            "# Exercise 1.1\n### BEGIN SOLUTION\nrates = np.linspace(0, 1, 11)\n"
            "best = rates[np.argmax(rates * (1 - rates))]\n### END SOLUTION\n",
        ),
    )
    assert exercises.answer_lines(sol) == {"best = rates[np.argmax(rates * (1 - rates))]"}


# ------------------------------------------------------------ exercises that stand alone (issue 30, item 6)

from radkit.devtools import baseline, do_nothing  # noqa: E402

# A copy of exercise 09.3 as solutions/09_model_decay.ipynb had it when this check arrived: the cell after
# the exercise calls odds(), which only the worked answer defines, so a student who answers inline meets a
# NameError there.
EX_09_3 = [
    (
        "markdown",
        "## Exercise 09.3: correct a prior by hand, then without labels\n\nA model calibrated where "
        "15 % of films show the finding is deployed during an outbreak. (a) If the new prevalence were "
        "known to be 35 %, what would the model's probabilities `p` become? Correct them by Bayes' rule "
        "(keep the likelihood ratio, replace the prior odds) **without** calling `drift.adjust_probs`."
        "\n\nGive `answer`: the array of corrected probabilities.",
    ),
    ("code", "p = np.array([0.05, 0.3, 0.8])\ntrain_prior, new_prior = 0.15, 0.35"),
    (
        "code",
        "# Exercise 09.3: correct a prior by hand\n### BEGIN SOLUTION\ndef odds(v):\n    return v / (1 - v)"
        "\n\n\no = odds(p) * odds(new_prior) / odds(train_prior)\nanswer = o / (1 + o)\n### END SOLUTION\n"
        'check("09.3", answer, p=p, train_prior=train_prior, new_prior=new_prior)',
    ),
    ("markdown", "(b) Without labels: estimate the new prior by EM."),
    (
        "code",
        "def simulated_week(seed, n=400, prevalence=0.35, train_prior=0.15):\n    g = seeding.rng(seed)\n"
        "    y = (g.random(n) < prevalence).astype(int)\n    x = g.normal(np.where(y == 1, 1.0, -1.0))\n"
        "    return y, 1 / (1 + np.exp(-(2 * x + np.log(odds(train_prior)))))",
    ),
]


def test_solution_only_name_is_flagged_on_exercise_09_3():
    assert exercises.solution_only_names(_nb(*EX_09_3)) == [(4, "09.3", "odds")]


def test_names_defined_outside_or_named_in_the_prompt_pass():
    cells = [list(c) for c in EX_09_3]
    cells[4][1] = cells[4][1].replace("odds(train_prior)", "train_prior / (1 - train_prior)")
    assert exercises.solution_only_names(_nb(*map(tuple, cells))) == []
    # the prompt tells the student to write odds(v): then later cells may use it
    cells = [list(c) for c in EX_09_3]
    cells[0][1] += " Write `odds(v)` first: later cells use it."
    assert exercises.solution_only_names(_nb(*map(tuple, cells))) == []
    # a helper also defined outside the blocks is fine
    cells = [list(c) for c in EX_09_3] + [["code", "def odds(v):\n    return v / (1 - v)"]]
    cells.insert(1, cells.pop())
    assert exercises.solution_only_names(_nb(*map(tuple, cells))) == []


def test_answer_not_named_in_the_prompt_is_flagged():
    nb = _nb(
        ("markdown", "## Exercise 1.1\n\nCompute the mean."),
        ("code", "# Exercise 1.1\n### BEGIN SOLUTION\nm = x.mean()\n### END SOLUTION\ncheck('1.1', m)"),
    )
    assert exercises.solution_only_names(nb) == [(1, "1.1", "m")]


def test_do_nothing_candidates_and_verdicts(monkeypatch):
    import numpy as np

    import radkit.checks as checks

    p = np.array([0.1, 0.5, 0.8])
    labels = [label for label, _ in do_nothing.candidates(p * 0.5, {"p": p, "k": 3})]
    assert labels == ["input `p` unchanged", "zeros", "None"]
    assert [lb for lb, _ in do_nothing.candidates({"a": 1, "b": 2}, {})] == ["zeros", "None"]

    def lazy(answer, *, p):  # a checker that only looks at the shape: it passes doing nothing
        return None if np.shape(answer) == np.shape(p) else "give one value per film"

    monkeypatch.setitem(checks._REGISTRY, "zz.1", lazy)
    assert do_nothing.accepted("zz.1", p * 0.5, {"p": p}) == ["input `p` unchanged", "zeros"]
    assert do_nothing.accepted("09.3", p * 0.5, {"p": p, "train_prior": 0.15, "new_prior": 0.35}) == []


def test_checkers_reject_do_nothing_answers():
    """Every checker, on the right answers its tests give it, rejects the do-nothing answers (new ones fail)."""
    found = baseline.collect_do_nothing(ROOT)
    new = baseline.new_violations(found, baseline.load(), rules={"do-nothing"})
    assert new == [], "checkers that accept a do-nothing answer:\n  " + "\n  ".join(new)
