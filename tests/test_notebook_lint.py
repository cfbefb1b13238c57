"""Every committed notebook passes the lint; the lint catches what it promises to catch."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from radkit.devtools.nblint import lint, lint_file

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for d in ("notebooks", "solutions", "exercises") for p in (ROOT / d).glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_notebook_is_clean(path):
    assert lint_file(path) == []


def _cell(kind, source, cid):
    cell = {"cell_type": kind, "id": cid, "metadata": {}, "source": source}
    if kind == "code":
        cell |= {"outputs": [], "execution_count": None}
    return cell


def _good():
    return {
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
        "cells": [
            _cell("markdown", "# 99 · Topic\n\nWhy.", "a"),
            _cell("code", "import radkit\nprof = radkit.setup()", "b"),
            _cell("markdown", "## 1 · Lesson", "c"),
            _cell("code", "x = f(seed=prof.seed + 1)", "d"),
            _cell("markdown", "## Claims", "e"),
            _cell("code", "assert x", "f"),
            _cell("markdown", "## Summary", "g"),
        ],
    }


def test_clean_lesson_passes():
    assert lint(_good()) == []


def test_repeated_heading_fails():
    nb = _good()
    nb["cells"].insert(3, _cell("markdown", "## 1 · lesson\n\nsaid twice", "z"))
    assert any("repeats" in p for p in lint(nb))


@pytest.mark.parametrize(
    "code",
    [
        "m = make(seed=0)",
        "g = np.random.default_rng(7)",
        "torch.manual_seed(3)",
        "KMeans(random_state=42)",
        "np.random.seed(1)",
    ],
)
def test_literal_seed_fails(code):
    nb = _good()
    nb["cells"][3]["source"] = code
    assert any("literal seed" in p for p in lint(nb))


@pytest.mark.parametrize(
    "code",
    [
        "f(seed=prof.seed)",
        "f(seed=prof.seed + 2)",
        "rng(s)  # seed=3 in a comment",
        "print('seed=3')",
        "spawn(prof.seed, 30)",
    ],
)
def test_seed_from_setup_passes(code):
    nb = _good()
    nb["cells"][3]["source"] = code
    assert lint(nb) == []


def test_other_rules():
    nb = _good()
    nb["cells"][3]["source"] = "y = " + "1 + " * 40 + "1"
    nb["cells"][3]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    del nb["cells"][5]["id"]
    nb["cells"].insert(4, _cell("code", "fig, ax = plt.subplots()\nax.plot(x)", "p"))
    nb["metadata"] = {}
    problems = "\n".join(lint(nb))
    for expected in ("characters", "has outputs", "no cell id", "without a title", "kernelspec"):
        assert expected in problems


def test_missing_and_misordered_parts():
    nb = _good()
    summary = nb["cells"].pop()
    assert any("Summary" in p for p in lint(nb))
    nb["cells"].insert(2, summary)
    assert any("out of order" in p for p in lint(nb))
    nb = _good()
    nb["cells"][1]["source"] = "import radkit"
    assert any("radkit.setup" in p for p in lint(nb))


def test_lint_file_reads_kind_from_folder(tmp_path):
    (tmp_path / "solutions").mkdir()
    nb = copy.deepcopy(_good())
    nb["cells"] = nb["cells"][:4]  # a solution needs no Claims or Summary
    path = tmp_path / "solutions" / "99_t.ipynb"
    path.write_text(json.dumps(nb))
    assert lint_file(path) == []
    (tmp_path / "notebooks").mkdir()
    path2 = tmp_path / "notebooks" / "99_t.ipynb"
    path2.write_text(json.dumps(nb))
    assert any("Claims" in p for p in lint_file(path2))


# ------------------------------------------------------------ report rules (issues 30 and 32), gated by a baseline

from radkit.devtools import baseline  # noqa: E402
from radkit.devtools.nblint import claim_links, report, typed_numbers, widget_duplicates  # noqa: E402


def test_report_rules_find_nothing_new_in_the_committed_notebooks():
    """REPORT mode: the notebooks may hold the violations listed in the baseline, never more."""
    found = baseline.collect(ROOT)
    known = baseline.load()
    new = baseline.new_violations(
        found,
        known,
        rules={
            "widget-duplicate",
            "claim-missing-id",
            "claim-unknown-id",
            "claim-unused",
            "typed-number",
            "solution-only-name",
        },
    )
    print("report totals:", baseline.totals(found), "baseline:", baseline.totals(known))
    assert new == [], "new violations (fix them; the baseline only shrinks):\n  " + "\n  ".join(new)


def _widget_nb(*sources):
    return {"metadata": {}, "cells": [_cell("code", s, f"w{k}") for k, s in enumerate(sources)]}


SHOW = "def show(x=1):\n    fig, ax = plt.subplots()\n    ax.plot([x])\n    plt.show()\n"


def test_widget_after_static_call_of_the_same_function_is_flagged():
    nb = _widget_nb(SHOW + "\n\nshow()\ninteract(show, x=FloatSlider(value=1));")
    (v,) = widget_duplicates(nb)
    assert v.rule == "widget-duplicate" and v.cell == 0 and v.key == "show" and "figure" in v.message
    # the static call in an earlier cell (notebook 04's pattern) counts too
    (v,) = widget_duplicates(_widget_nb(SHOW, "show()", "interact(show, x=(0, 3));"))
    assert v.cell == 2 and "cell 1" in v.message
    # a top-level plt.show() before the widget in its cell
    nb = _widget_nb(SHOW, "plt.plot([1]); plt.title('t'); plt.xlabel('x')\nplt.show()\ninteract(show, x=(0, 3))")
    assert widget_duplicates(nb)


@pytest.mark.parametrize(
    "sources",
    [
        (SHOW + "\ninteract(show, x=(0, 3));",),  # the widget draws the first figure
        (
            SHOW,
            "show(2)  # another setting, no widget",
        ),  # a static call, no widget
        (SHOW, "interact_manual(show, x=(0, 3));", "other()"),
    ],
)
def test_widget_without_a_static_copy_passes(sources):
    assert widget_duplicates(_widget_nb(*sources)) == []


def test_widget_of_a_printing_function_is_flagged_as_output():
    nb = _widget_nb("def show(k=1):\n    print(k)\n\nshow()\ninteract(show, k=(1, 5));")
    (v,) = widget_duplicates(nb)
    assert "output" in v.message


def _claims_nb(claims_code, summary):
    nb = _good()
    nb["cells"][5]["source"] = claims_code
    nb["cells"][6]["source"] = "## Summary\n\n" + summary + "\n\n## Further reading\n\n* Guo C, et al. 2017.\n"
    return nb


def test_claim_links_clean():
    nb = _claims_nb(
        'claim("C1", a > b, "a beats b", value=a, bar=b)\nclaim("C2", ok, "x")',
        "* A beats b [C1].\n* Both hold [C1, C2].\n* Temperature scaling keeps the ranking "
        "(Guo et al. 2017).\n* <!-- not a finding --> Report sensitivity with its prevalence.\n"
        "* Read [3] for the proof.",
    )
    assert claim_links(nb) == []


def test_claim_links_offending():
    nb = _claims_nb(
        'claim("C1", a > b, "a beats b")\nclaim("C2", ok, "x")',
        "* A beats b [C1].\n* The ensemble is better calibrated,\n  by a wide margin.\n* It holds [C7].",
    )
    rules = sorted((v.rule, v.key) for v in claim_links(nb))
    assert rules == [("claim-missing-id", "bullet"), ("claim-unknown-id", "C7"), ("claim-unused", "C2")]
    missing = next(v for v in claim_links(nb) if v.rule == "claim-missing-id")
    assert "by a wide margin" in missing.message  # a bullet's continuation line belongs to it
    assert "Further reading" not in " ".join(v.message for v in claim_links(nb))


def test_typed_numbers():
    nb = _good()
    nb["cells"].insert(0, _cell("markdown", "Before setup: 0.83 is fine here.", "pre"))
    nb["cells"][3]["source"] = (
        "## 1 · Lesson\n\nThe AUC was 0.83 and 12 % of films were missed. Set `threshold = 0.5` and move it. "
        "Buderer 1996 asked for 0.9. The paper's κ of 0.42 is quoted [4]. A 95% CI covers it. "
        "Exercise 09.3 asks more. As Riley et al. (2021) put it, 1.1 is fine. A prevalence of 34.2 % here.\n\n"
        "```python\nx = 0.77\n```\n\n## Further reading\n\n* Someone. 0.66.\n"
    )
    found = typed_numbers(nb)
    assert [v.key for v in found] == ["0.83", "12 %", "34.2 %"]
    assert all(v.cell == 3 for v in found) and "0.83" in str(found[0])


def test_report_applies_rules_by_kind():
    nb = _claims_nb("assert x", "* An unbacked finding.")
    assert any(v.rule == "claim-missing-id" for v in report(nb, kind="notebook"))
    assert not any(v.rule == "claim-missing-id" for v in report(nb, kind="solution"))


def test_baseline_counts_only_growth():
    from collections import Counter

    base = Counter({("typed-number", "notebooks/x.ipynb", "0.5"): 2})
    assert baseline.new_violations(Counter({("typed-number", "notebooks/x.ipynb", "0.5"): 1}), base) == []
    new = baseline.new_violations(Counter({("typed-number", "notebooks/x.ipynb", "0.7"): 1}), base)
    assert new and "0.7" in new[0]


def test_baseline_file_round_trips(tmp_path):
    known = baseline.load()
    assert baseline.load(baseline.write(known, tmp_path / "b.json")) == known
