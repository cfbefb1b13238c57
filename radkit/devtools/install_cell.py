"""The install cell: the first code cell of every notebook, which makes sure ``radkit`` can be imported.

In the kit's own environment (``make lab``) the cell does nothing. On a hosted notebook service or
in a Python without the kit, it installs the kit from ``RADKIT_INSTALL_FROM`` (a wheel built with
``pip wheel --no-deps .``, a radkit folder, or a ``git+https://`` address of the kit's repository)
and otherwise stops with the one command that installs it. It never runs a bare
``pip install radkit``: that name on the package index belongs to an unrelated project.

``python -m radkit.devtools.install_cell notebooks/*.ipynb solutions/*.ipynb`` puts the cell (or its
current text) before the set-up cell; ``tests/test_wheel.py`` checks that every notebook has it and
that it installs the kit from a wheel into a Python that lacks it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["SOURCE", "CELL_ID", "has_cell", "add_cell", "main"]

CELL_ID = "install-radkit"
SOURCE = """\
# Install radkit when this Python lacks it (a hosted notebook, a new environment); else nothing.
import importlib.util, os, subprocess, sys  # noqa: E401
if importlib.util.find_spec("radkit") is None:
    source = os.environ.get("RADKIT_INSTALL_FROM")  # a radkit wheel or folder, or git+https://...
    if not source:
        raise ModuleNotFoundError(
            "radkit is not installed in this Python. In the kit's folder run `make lab`; "
            "elsewhere `pip install <path to the radkit folder or wheel>`, or set "
            "RADKIT_INSTALL_FROM to it and run this cell again (not `pip install radkit`: "
            "that name on PyPI is another project).")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source], check=True)
"""


def has_cell(nb: dict) -> bool:
    """True when the notebook's first code cell is the current install cell."""
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return bool(code) and "".join(code[0].get("source", [])).rstrip() == SOURCE.rstrip()


def add_cell(nb: dict) -> bool:
    """Put the install cell first among the code cells (or refresh its text); return True when changed."""
    if has_cell(nb):
        return False
    cells = nb.setdefault("cells", [])
    for i, cell in enumerate(cells):
        if cell.get("id") == CELL_ID:
            del cells[i]
            break
    first = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), len(cells))
    lines = SOURCE.rstrip().splitlines(keepends=True)
    new = {"cell_type": "code", "execution_count": None, "id": CELL_ID, "metadata": {}, "outputs": []}
    new["source"] = lines
    cells.insert(first, new)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.install_cell", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if add_cell(nb):
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
            print(f"{path}: install cell written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
