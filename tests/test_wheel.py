"""The kit as a package: its wheel runs the tour and a lesson from a folder outside the repository (issue 35, item 4).

The wheel is built with ``pip wheel --no-deps .`` and installed with ``--no-deps`` into a
folder put first on the kernel's path: the test environment already holds the dependencies,
so torch is not downloaded twice. A lesson may read only what ships inside the wheel or what
``radkit.public`` fetches; a file read from the repository would fail here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ["00_tour", "12_fairness"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *isolation, "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (found,) = out.glob("radkit-*.whl")
    return found


def test_the_wheel_holds_the_package_and_no_repository_files(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "radkit/__init__.py" in names and "radkit/_measured.json" in names
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "solutions/", "bench/", "datasets/"))]
    assert all(zipfile.ZipFile(wheel).getinfo(n).file_size < 1_000_000 for n in names)


def test_lessons_run_from_the_installed_wheel_outside_the_repository(wheel, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    work = tmp_path / "course"  # a student's folder: the notebooks only
    work.mkdir()
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", work)
    env = {"PYTHONPATH": str(site), "RADKIT_PROFILE": "quick", "MPLBACKEND": "Agg"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for name in LESSONS:
            nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
            probe = nbformat.v4.new_code_cell("import json, radkit; print(json.dumps(radkit.__file__))")
            nb.cells.insert(0, probe)
            client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(work)}})
            client.execute()
            where = Path(json.loads(nb.cells[0].outputs[0]["text"]))
            assert site in where.parents, f"the kernel imported radkit from {where}, not from the installed wheel"
            errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
            assert errors == [], (name, errors[:1])
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_every_notebook_starts_with_the_install_cell():
    from radkit.devtools.install_cell import has_cell

    folders = ("notebooks", "solutions", "exercises")
    missing = [
        p.name for f in folders for p in sorted((ROOT / f).glob("*.ipynb")) if not has_cell(json.loads(p.read_text()))
    ]
    assert missing == [], f"run: python -m radkit.devtools.install_cell notebooks/*.ipynb solutions/*.ipynb ({missing})"


def test_the_install_cell_installs_the_wheel_into_a_python_without_radkit(wheel, tmp_path):
    from radkit.devtools.install_cell import SOURCE

    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "v")], check=True)
    py = tmp_path / "v" / "bin" / "python"
    find = "import importlib.util as u; s = u.find_spec('radkit'); print(s.origin if s else None)"
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RADKIT_INSTALL_FROM", "VIRTUAL_ENV")}
    told = subprocess.run([str(py), "-c", SOURCE], env=base, capture_output=True, text=True, cwd=tmp_path)
    assert told.returncode != 0 and "RADKIT_INSTALL_FROM" in told.stderr and "make lab" in told.stderr
    env = {**base, "RADKIT_INSTALL_FROM": str(wheel), "PIP_NO_DEPS": "1"}  # the dependencies are not the point here
    done = subprocess.run([str(py), "-c", SOURCE], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    where = subprocess.run([str(py), "-c", find], env=base, capture_output=True, text=True, cwd=tmp_path).stdout
    assert str(tmp_path / "v") in where, where
    again = subprocess.run([str(py), "-c", SOURCE], env=base, capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == "", again.stderr  # installed: the cell does nothing
