"""The claims runner: names the claim that failed, measures time and memory, applies budgets, summarises margins."""

import json
import math

import nbformat
import pytest

from radkit.devtools.claims import Run, main, margin_summary, over_budget, run_one


def _nb(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_failing_claim_is_the_one_quoted(tmp_path):
    path = _nb(tmp_path / "c.ipynb", "x = 2\nassert x > 1, 'first'\nassert x > 5, f'second: x = {x}'\nassert x > 0\n")
    run = run_one(path, seed=3)
    assert not run.passed
    assert run.message.startswith("assert x > 5"), run.message
    assert "second: x = 2" in run.message
    assert run.wall_s > 0 and run.cpu_s > 0  # the kernel was still asked what it used


def test_passing_notebook_and_seed_reach_the_kernel(tmp_path):
    path = _nb(tmp_path / "p.ipynb", "import os\nprint('ran')\nassert os.environ['RADKIT_SEED'] == '3'\n")
    before = path.read_bytes()
    run = run_one(path, seed=3)
    assert (run.passed, run.message) == (True, "pass")
    assert path.read_bytes() == before  # executed from a copy: the committed file is not written


def test_peak_memory_sees_a_500_mb_array_and_a_budget_below_it_is_over(tmp_path):
    empty = run_one(_nb(tmp_path / "empty.ipynb", "x = 1"), seed=0)
    big = run_one(_nb(tmp_path / "big.ipynb", "import numpy as np\na = np.ones(500 * 2**20 // 8)\ndel a"), seed=0)
    assert empty.passed and big.passed
    assert big.rss_mb - empty.rss_mb >= 400, (empty.rss_mb, big.rss_mb)
    assert empty.rss_mb < 300, empty.rss_mb  # the kernel's own peak, not the (larger) test process's
    limit = big.rss_mb - 1
    assert over_budget(big, {"rss_mb": limit}) == [f"peak memory {big.rss_mb:.0f} MB > {limit:.0f} MB"]
    assert over_budget(big, {"rss_mb": big.rss_mb + 1, "wall_s": 1e6, "cpu_s": 1e6}) == []
    assert over_budget(big, {"wall_s": big.wall_s / 2})[0].startswith("wall ")


def test_runner_reports_named_claims_budget_and_records(tmp_path, capsys):
    good = _nb(
        tmp_path / "good.ipynb",
        "from radkit.claims import claim\n"
        "claim('C1', 0.81 > 0.70, 'AUC clears the bar', value=0.81, bar=0.70)\n"
        "claim('C2', True, 'no numbers')",
    )
    bad = _nb(
        tmp_path / "bad.ipynb",
        "from radkit.claims import claim\n"
        "claim('C1', True, 'fine', value=1.0, bar=0.5)\n"
        "claim('C7', 0.62 > 0.70, 'the ensemble beats one model', value=0.62, bar=0.70)\n"
        "claim('C8', True, 'never reached')",
    )
    record = tmp_path / "measured.json"
    status = main([str(bad), str(good), "--seeds", "4", "--record", str(record), "--budget-wall", "0.001"])
    out = capsys.readouterr().out
    assert status == 1  # a failed claim wins over the budget
    assert f"{bad} seed 4: claim C7 failed: the ensemble beats one model (value 0.62, bar 0.70, margin -0.08)" in out
    assert "OVER BUDGET: wall" in out and "OVER:" in out
    rows = {ln.split("|")[2].strip(): ln for ln in out.splitlines() if ln.startswith(f"| {bad}")}
    assert set(rows) >= {"C1", "C7"} and "C8" not in rows and "0/1" in rows["C7"] and "+0.500" in rows["C1"]
    data = json.loads(record.read_text())
    key = f"{tmp_path.name}/good.ipynb"
    assert data[key]["quick"][0]["seed"] == 4 and data[key]["quick"][0]["rss_mb"] > 0

    assert main([str(good), "--seeds", "4", "--no-record", "--budget-wall", "0.001", "--budget-warn-only"]) == 0
    assert main([str(good), "--seeds", "4", "--no-record", "--budget-wall", "0.001"]) == 2
    assert main([str(good), "--seeds", "4", "--no-record", "--budget-wall", "none"]) == 0


def test_margin_summary_by_hand():
    recs = [{"notebook": "a", "id": "C1", "passed": True, "margin": m} for m in (0.10, 0.12, 0.08, 0.10)]
    recs += [{"notebook": "a", "id": "C2", "passed": p, "margin": m} for p, m in ((True, 0.3), (False, -0.1))]
    recs += [{"notebook": "b", "id": "C1", "passed": True, "margin": 0.5}]
    recs += [{"notebook": "b", "id": "C3", "passed": True, "margin": None}] * 2
    recs += [
        {"notebook": "b", "id": "C4", "passed": False, "margin": float("nan")},
        {"notebook": "b", "id": "C4", "passed": True, "margin": 0.2},
    ]
    got = {(s["notebook"], s["id"]): s for s in margin_summary(recs)}
    c1 = got[("a", "C1")]
    # margins 0.10, 0.12, 0.08, 0.10: mean 0.10, sample sd sqrt(0.0008 / 3) = 0.01633, 0.10 >= 3 * 0.0163
    assert (c1["runs"], c1["passed"], c1["smallest"]) == (4, 4, 0.08)
    assert c1["mean"] == pytest.approx(0.10) and c1["sd"] == pytest.approx(math.sqrt(0.0008 / 3))
    assert c1["three_sd"] is True
    c2 = got[("a", "C2")]  # mean 0.1, sd 0.283: passes at one seed, fails the rule
    assert c2["passed"] == 1 and c2["mean"] == pytest.approx(0.1) and c2["smallest"] == -0.1
    assert c2["sd"] == pytest.approx(math.sqrt(0.08)) and c2["three_sd"] is False
    assert got[("b", "C1")]["three_sd"] is None and math.isnan(got[("b", "C1")]["sd"])  # one seed: cannot judge
    assert got[("b", "C3")]["three_sd"] is None and math.isnan(got[("b", "C3")]["mean"])  # no value/bar
    assert got[("b", "C4")]["three_sd"] is False  # an undefined margin fails the rule


def test_over_budget_ignores_what_was_not_measured():
    run = Run("nb.ipynb", 0, "standard", False, "the kernel died", wall_s=5.0)
    assert over_budget(run, {"cpu_s": 1.0, "rss_mb": 1.0}) == []


def test_runner_reports_the_output_check_and_fails_on_it_when_strict(tmp_path, capsys):
    raw = _nb(tmp_path / "raw.ipynb", "import numpy as np\nprint(repr(np.float64(0.5)))")
    run = run_one(raw, seed=1)
    assert run.passed and any("raw-repr" in p and "np.float64(" in p for p in run.outputs), run.outputs
    assert main([str(raw), "--seeds", "1", "2", "--no-record", "--budget-wall", "none"]) == 0  # reported only
    out = capsys.readouterr().out
    assert "output check: 1 problem(s)" in out and "cell 0: raw-repr" in out
    assert "1 as in an earlier seed" in out  # the second seed does not repeat the list
    assert main([str(raw), "--seeds", "1", "--no-record", "--budget-wall", "none", "--strict-outputs"]) == 1
    clean = _nb(tmp_path / "clean.ipynb", "print(f'{0.5:.2f}')")
    assert run_one(clean, seed=1).outputs == []


def _lesson(path, claims_source):
    """A lesson-shaped notebook: setup code, a ## Claims section (heading + code), a ## Summary."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 99 · Test"),
        nbformat.v4.new_code_cell("import os\nx = 2\nprint('smoke', os.environ['RADKIT_SMOKE'])"),
        nbformat.v4.new_markdown_cell("## Claims"),
        nbformat.v4.new_code_cell(claims_source),
        nbformat.v4.new_markdown_cell("## Summary\n\n* x is two."),
        nbformat.v4.new_code_cell("from radkit.claims import claim\nclaim('C9', x > 5, 'x is large')"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_claims_cells_are_found_as_nblint_finds_the_section(tmp_path):
    from radkit.devtools.claims import claims_cells

    nb = nbformat.read(_lesson(tmp_path / "l.ipynb", "assert x > 5"), as_version=4)
    assert claims_cells(nb) == [3]
    nb.cells.insert(4, nbformat.v4.new_code_cell("assert x > 6"))  # a second code cell of the section
    nb.cells[2].source = "Some prose.\n\n## Claims of this lesson"
    assert claims_cells(nb) == [3, 4]
    nb.cells[2].source = "## Results"
    assert claims_cells(nb) == []


def test_smoke_skips_the_claims_cells_and_says_so(tmp_path, capsys):
    from radkit.devtools.claims import SMOKE_SKIPPED

    path = _lesson(tmp_path / "lesson.ipynb", "assert x > 5, 'plain assert that fails'")
    before = path.read_bytes()
    run = run_one(path, seed=1, smoke=True)
    assert run.passed and run.smoke and run.skipped == [3], run.message
    assert "smoke" in run.message and "not checked" in run.message
    assert [c["passed"] for c in run.claims] == [None]  # claim('C9', False ...) outside the section: not checked
    assert path.read_bytes() == before

    outside = run_one(path, seed=1)  # outside smoke nothing changes: the plain assert fails
    assert not outside.passed and "plain assert that fails" in outside.message

    record = tmp_path / "measured.json"
    assert main([str(path), "--smoke", "--record", str(record)]) == 0
    out = capsys.readouterr().out
    assert "SMOKE run" in out and "claims not checked" in out and "1 Claims cell(s) skipped" in out
    data = json.loads(record.read_text())
    assert list(data[f"{tmp_path.name}/lesson.ipynb"]) == ["quick+smoke"]  # never taken for quick's own time
    assert len(data[f"{tmp_path.name}/lesson.ipynb"]["quick+smoke"]) == 1  # one seed
    assert SMOKE_SKIPPED.startswith("Claims not checked (smoke)")


def test_smoke_switch_in_the_environment_turns_smoke_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RADKIT_SMOKE", "1")
    path = _lesson(tmp_path / "lesson.ipynb", "assert x > 5")
    assert main([str(path), "--no-record"]) == 0
    assert "SMOKE run" in capsys.readouterr().out
    assert main([str(path), "--no-record", "--no-smoke", "--seeds", "0"]) == 1


def test_the_kernel_knows_its_notebook_as_under_jupyterlab(tmp_path):
    """The runner sets JPY_SESSION_NAME as jupyter_server does; ipykernel exposes it as __session__ and
    radkit.setup() announces the notebook's measured time without any argument."""
    path = _nb(
        tmp_path / "s.ipynb",
        "import contextlib, io, radkit\n"
        "assert __session__.endswith('s.ipynb'), __session__\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    radkit.setup(profile_name='quick')\n"
        "assert 'expected: this notebook' in buf.getvalue(), buf.getvalue()\n",
    )
    run = run_one(path, seed=0)
    assert run.passed, run.message
