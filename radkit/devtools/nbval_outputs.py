"""The output check in ``make test``'s nbval run, without executing any notebook twice.

nbval runs each notebook cell by cell as pytest items and keeps what each cell
printed and displayed (``IPyNbCell.test_outputs``). This plugin gathers those
outputs per notebook and, when the notebook's last code cell has run, applies
:func:`radkit.devtools.outputs.check` to the executed notebook; if it finds
problems, the last cell's report is turned into a failure that lists them
(cell indices are those of the notebook, markdown included).

On when ``RADKIT_OUTPUT_CHECK=1``, which ``make test`` sets (``tests/conftest.py``
registers the plugin then); ``pytest -p radkit.devtools.nbval_outputs notebooks/07_*.ipynb
--nbval-lax`` with the variable set loads it for a direct run. nbval does not keep widget state (comm
messages), so the tqdm-widget part of the progress rule applies in the claims
runner (:mod:`radkit.devtools.claims`), not here.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest

__all__ = ["enabled", "executed_notebook"]

#: Per notebook file (the nbval collector's node id): code-cell number -> outputs nbval saw.
_SEEN: dict[str, dict[int, list[Any]]] = {}


def enabled() -> bool:
    """True when ``RADKIT_OUTPUT_CHECK=1``."""
    return os.environ.get("RADKIT_OUTPUT_CHECK", "") == "1"


def executed_notebook(nb: Any, outputs_by_code_cell: dict[int, list[Any]]) -> Any:
    """A copy of ``nb`` whose ``k``-th code cell holds ``outputs_by_code_cell[k]`` (others keep none).

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "# T"},
    ...                 {"cell_type": "code", "source": "print(1)", "outputs": []}]}
    >>> out = executed_notebook(nb, {0: [{"output_type": "stream", "name": "stdout", "text": "1\\n"}]})
    >>> out["cells"][1]["outputs"][0]["text"]
    '1\\n'
    """
    done = copy.deepcopy(nb)
    k = 0
    for cell in done["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = list(outputs_by_code_cell.get(k, []))
            k += 1
    return done


def _code_cells(nb: Any) -> int:
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    outcome = yield
    if not enabled() or call.when != "call" or not hasattr(item, "test_outputs") or not hasattr(item, "cell_num"):
        return
    parent = item.parent
    nb = getattr(parent, "nb", None)
    if nb is None:
        return
    seen = _SEEN.setdefault(parent.nodeid, {})
    seen[item.cell_num] = list(item.test_outputs or [])
    if item.cell_num != _code_cells(nb) - 1:
        return
    from radkit.devtools.outputs import check

    problems = check(executed_notebook(nb, _SEEN.pop(parent.nodeid)))
    if not problems:
        return
    report = outcome.get_result()
    text = (
        f"output check (RADKIT_OUTPUT_CHECK=1): {len(problems)} problem(s) in what "
        f"{parent.nodeid} showed:\n  " + "\n  ".join(str(p) for p in problems)
    )
    if report.failed:  # the cell failed on its own: keep its error and add the list
        report.longrepr = f"{report.longrepr}\n\n{text}"
    else:
        report.outcome, report.longrepr = "failed", text
