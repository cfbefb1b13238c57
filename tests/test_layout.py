"""The map from consideration to notebook and module is true of the tree."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import radkit

ROOT = Path(__file__).resolve().parents[1]


def _status(nn: str) -> str:
    c = radkit.CONSIDERATIONS[nn]
    have_nb = (ROOT / "notebooks" / f"{c.notebook}.ipynb").exists()
    have_mod = all(importlib.util.find_spec(f"radkit.{m}") is not None for m in c.modules)
    return "ready" if have_nb and have_mod else "planned"


def test_thirteen_considerations_numbered_in_order():
    assert list(radkit.CONSIDERATIONS) == [f"{k:02d}" for k in range(1, 14)]
    for nn, c in radkit.CONSIDERATIONS.items():
        assert c.notebook.startswith(nn + "_")


def test_every_lesson_notebook_is_in_the_map():
    known = {c.notebook for c in radkit.CONSIDERATIONS.values()} | {"00_tour"}
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        assert path.stem in known, f"{path.name} is not in radkit.CONSIDERATIONS; add it or rename it"
    for folder in ("solutions", "exercises"):
        for path in (ROOT / folder).glob("*.ipynb"):
            assert (ROOT / "notebooks" / path.name).exists(), f"{folder}/{path.name} has no notebook twin"


def test_readme_table_matches_the_tree():
    readme = (ROOT / "README.md").read_text()
    for nn, c in radkit.CONSIDERATIONS.items():
        row = next((ln for ln in readme.splitlines() if re.match(rf"\|\s*{nn}\s*\|", ln)), None)
        assert row is not None, f"README table has no row {nn}"
        status = _status(nn)
        assert row.rstrip(" |").endswith(status), f"README row {nn} should say {status}: {row}"
        for m in c.modules:
            assert f"radkit.{m}" in row, f"README row {nn} should name radkit.{m}"
        if status == "ready":
            assert f"notebooks/{c.notebook}.ipynb" in row
