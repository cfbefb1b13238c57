"""Where radkit caches derived files: never inside the package or the repo."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

__all__ = ["cache_dir", "cache_key"]


def cache_dir(*parts: str) -> Path:
    """Return (and create) a cache folder under ``RADKIT_CACHE``.

    Defaults to ``$XDG_CACHE_HOME/radkit`` or ``~/.cache/radkit``.

    Examples
    --------
    >>> from radkit._cache import cache_dir
    >>> cache_dir("public").name
    'public'
    """
    root = os.environ.get("RADKIT_CACHE")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "radkit"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_key(**kwargs: object) -> str:
    """A short, stable hash of keyword arguments (JSON with sorted keys)."""
    blob = json.dumps(kwargs, sort_keys=True, default=repr).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
