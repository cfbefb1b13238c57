"""Locate the label files shipped by torchxrayvision and cache parsed tables.

The files live in ``torchxrayvision/data/``; only their location is taken from
torchxrayvision (its dataset classes are never imported). Large tables are
also cached on disk under ``radkit._cache.cache_dir("public")`` as data, never
as pickles (a pickle in a shared cache folder would run whoever wrote it):
Parquet when pyarrow is installed, else CSV with its column types beside it
(:func:`radkit._cache.write_table`; tables with list-valued columns are then
rebuilt each session). A cache entry is keyed by the source file's size and
mtime, the pandas version and :data:`SCHEMA`, so an upgrade or a changed file
rebuilds it; an unreadable entry is named in a warning and rebuilt.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pandas as pd

from radkit._cache import cache_dir, cache_key, read_table, write_table

__all__ = ["data_dir", "data_file", "disk_cached", "SCHEMA"]

#: Bump when a loader's output changes, so stale disk caches are rebuilt.
SCHEMA = 3  # 2: Parquet/CSV tables instead of pickles; 3: the image identifier column is image_id


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
        name=name,
        size=stat.st_size,
        mtime=stat.st_mtime_ns,
        pandas=pd.__version__,
        schema=SCHEMA,
    )
    stem = cache_dir("public") / f"{Path(name).name.split('.')[0]}-{key}"
    if stem.with_suffix(".json").is_file():
        try:
            return read_table(stem)
        except Exception as exc:  # corrupt, truncated or tampered: rebuild below
            warnings.warn(
                f"cached table {stem}.* is unreadable ({type(exc).__name__}: {str(exc)[:120]}); "
                "rebuilding it from the shipped file.",
                UserWarning,
                stacklevel=2,
            )
    df = build(path)
    write_table(df, stem)
    return df
