"""The output check in the nbval run: off by default, and with RADKIT_OUTPUT_CHECK=1 it fails a notebook's last cell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

from radkit.devtools.nbval_outputs import executed_notebook

ROOT = Path(__file__).resolve().parents[1]


def _write(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _pytest(path: Path, check: str) -> subprocess.CompletedProcess:
    path_var = f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    env = dict(os.environ, RADKIT_OUTPUT_CHECK=check, PYTHONPATH=path_var)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "radkit.devtools.nbval_outputs",
            "--nbval-lax",
            "--nbval-current-env",
            str(path),
        ],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_output_check_fails_the_last_cell_only_when_turned_on(tmp_path):
    path = _write(tmp_path / "raw.ipynb", "import numpy as np\nprint(np.float64(1.0).__repr__())", "x = 1")
    on = _pytest(path, "1")
    assert on.returncode == 1, on.stdout
    assert "raw-repr" in on.stdout and "cell 1" in on.stdout and "np.float64(" in on.stdout
    assert "1 failed, 1 passed" in on.stdout  # the notebook's last cell carries the report
    off = _pytest(path, "0")
    assert off.returncode == 0, off.stdout


def test_clean_notebook_passes_with_the_check_on(tmp_path):
    path = _write(tmp_path / "clean.ipynb", "print(f'AUC {0.8123:.3f}')")
    run = _pytest(path, "1")
    assert run.returncode == 0, run.stdout


def test_executed_notebook_puts_outputs_on_code_cells_in_order():
    nb = {
        "cells": [{"cell_type": "code", "outputs": []}, {"cell_type": "markdown"}, {"cell_type": "code", "outputs": []}]
    }
    done = executed_notebook(nb, {1: ["b"]})
    assert done["cells"][0]["outputs"] == [] and done["cells"][2]["outputs"] == ["b"]
    assert nb["cells"][2]["outputs"] == []  # the collector's notebook is left alone
