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
    return {"metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5,
            "cells": [_cell("markdown", "# 99 · Topic\n\nWhy.", "a"),
                      _cell("code", "import radkit\nprof = radkit.setup()", "b"),
                      _cell("markdown", "## 1 · Lesson", "c"),
                      _cell("code", "x = f(seed=prof.seed + 1)", "d"),
                      _cell("markdown", "## Claims", "e"),
                      _cell("code", "assert x", "f"),
                      _cell("markdown", "## Summary", "g")]}


def test_clean_lesson_passes():
    assert lint(_good()) == []


def test_repeated_heading_fails():
    nb = _good()
    nb["cells"].insert(3, _cell("markdown", "## 1 · lesson\n\nsaid twice", "z"))
    assert any("repeats" in p for p in lint(nb))


@pytest.mark.parametrize("code", ["m = make(seed=0)", "g = np.random.default_rng(7)", "torch.manual_seed(3)",
                                  "KMeans(random_state=42)", "np.random.seed(1)"])
def test_literal_seed_fails(code):
    nb = _good()
    nb["cells"][3]["source"] = code
    assert any("literal seed" in p for p in lint(nb))


@pytest.mark.parametrize("code", ["f(seed=prof.seed)", "f(seed=prof.seed + 2)", "rng(s)  # seed=3 in a comment",
                                  "print('seed=3')", "spawn(prof.seed, 30)"])
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
