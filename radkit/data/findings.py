"""Moved: the crosswalk of findings lives in :mod:`radkit.findings` (one for the whole kit).

``FINDING_LABELS`` is now :data:`radkit.findings.CROSSWALK`; ``source_labels``,
``finding_table`` and ``map_findings`` are re-exported from there unchanged.
This module stays for one release.
"""

from __future__ import annotations

import warnings

from radkit.findings import finding_table, map_findings, source_labels

__all__ = ["source_labels", "finding_table", "map_findings"]


def __getattr__(name: str):
    if name == "FINDING_LABELS":
        from radkit.findings import CROSSWALK

        warnings.warn(
            "radkit.data.findings.FINDING_LABELS moved: use radkit.findings.CROSSWALK.", FutureWarning, stacklevel=2
        )
        return CROSSWALK
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
