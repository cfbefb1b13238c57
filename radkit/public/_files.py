"""Locate the label files shipped by torchxrayvision and cache parsed tables.

The files live in ``torchxrayvision/data/``; only their location is taken from
torchxrayvision (its dataset classes are never imported). Large tables are
also cached on disk under ``radkit._cache.cache_dir("public")`` as pickles:
pickle keeps categoricals, datetimes and list-valued columns exactly as built
and needs no extra dependency (parquet would need pyarrow and turns lists into
arrays). A cache entry is keyed by the source file's size and mtime, the pandas
version and :data:`SCHEMA`, so an upgrade or a changed file rebuilds it.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
from importlib import metadata
from pathlib import Path
from typing import Callable

import pandas as pd

from radkit._cache import cache_dir, cache_key

__all__ = ["data_dir", "data_file", "disk_cached", "SCHEMA"]

#: Bump when a loader's output changes, so stale disk caches are rebuilt.
SCHEMA = 1


def data_dir() -> Path:
    """Folder holding torchxrayvision's shipped label and metadata files.

    Examples
    --------
    >>> from radkit.public import data_dir
    >>> data_dir().name
    'data'
    """
    spec = importlib.util.find_spec("torchxrayvision")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "torchxrayvision is not installed, so its label files cannot be found; "
            "run: pip install 'torchxrayvision>=1.2'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _txv_version() -> str:
    try:
        return metadata.version("torchxrayvision")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "not installed"


def data_file(name: str) -> Path:
    """Path of one shipped file; a clear ``FileNotFoundError`` when absent."""
    folder = data_dir()
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{name!r} not found in {folder} (torchxrayvision {_txv_version()}). "
            "The file ships with torchxrayvision; reinstall or upgrade it: "
            "pip install --force-reinstall 'torchxrayvision>=1.2'"
        )
    return path


def disk_cached(name: str, build: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """Return ``build(data_file(name))``, cached on disk by file size and mtime."""
    path = data_file(name)
    stat = path.stat()
    key = cache_key(
        name=name, size=stat.st_size, mtime=stat.st_mtime_ns,
        pandas=pd.__version__, schema=SCHEMA,
    )
    cached = cache_dir("public") / f"{Path(name).name.split('.')[0]}-{key}.pkl"
    if cached.is_file():
        try:
            with cached.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # corrupt or incompatible cache: rebuild below
            pass
    df = build(path)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump(df, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cached)  # atomic: parallel notebooks never read half a file
    return df
