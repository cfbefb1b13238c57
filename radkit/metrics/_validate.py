"""Moved to :mod:`radkit._validate` (kept so that older imports keep working)."""

from radkit._validate import (  # noqa: F401
    _positions,
    check_binary,
    check_count,
    check_fraction,
    check_images,
    check_labels,
    check_scores,
    check_threshold,
    warn_threshold,
)
