"""Where radkit caches derived files: never inside the package or the repo.

Cached tables are stored as data, never as pickles (a pickle in a folder that
someone else can write to runs their code in every notebook): Parquet when
``pyarrow`` is installed, else CSV, each with a small JSON file of column
types so the table reads back exactly as it was written.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["cache_dir", "cache_key", "write_table", "read_table", "table_format"]


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
    if root is not None and root.strip():
        base, source = Path(root.strip()).expanduser(), f"RADKIT_CACHE={root!r}"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "radkit"
        source = f"the default cache folder {base}"
    path = base.joinpath(*parts)
    for folder in [base, *path.relative_to(base).parents[::-1][1:], path]:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(
                f"{source}: {folder} is a file, not a folder, so radkit cannot cache there. "
                "Point RADKIT_CACHE at a folder (it is created if missing), or unset it to use "
                "~/.cache/radkit."
            )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(
            f"{source}: cannot create the cache folder {path} ({exc.strerror or exc}). "
            "Point RADKIT_CACHE at a folder you can write to."
        ) from exc
    return path


def cache_key(**kwargs: object) -> str:
    """A short, stable hash of keyword arguments (JSON with sorted keys)."""
    blob = json.dumps(kwargs, sort_keys=True, default=repr).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


_NA = "\\N"  # how a CSV table marks a missing value (so that an empty string stays one)


def table_format() -> str:
    """``"parquet"`` when pyarrow is importable, else ``"csv"``."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return "csv"
    return "parquet"


def _is_list_column(col: pd.Series) -> bool:
    return col.dtype == object and any(isinstance(v, (list, tuple, np.ndarray)) for v in col)


def write_table(df: pd.DataFrame, stem: Path, *, fmt: str | None = None) -> bool:
    """Write ``df`` to ``stem.parquet`` (or ``stem.csv``) plus ``stem.json``; False if it cannot.

    CSV cannot hold list-valued columns: such a table is not written (the
    caller rebuilds it next time) and ``False`` is returned.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> stem = pathlib.Path(tempfile.mkdtemp()) / "t"
    >>> df = pd.DataFrame({"a": [1, 2], "s": pd.Categorical(["x", "y"]), "l": [[1], []]})
    >>> write_table(df, stem), read_table(stem).equals(df)
    (True, True)
    """
    fmt = fmt or table_format()
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        index = [n if n is not None else f"level_{i}" for i, n in enumerate(df.index.names)]
        df = df.reset_index(names=index)
    else:
        index = []
    lists = [c for c in df.columns if _is_list_column(df[c])]
    if fmt == "csv" and lists:
        return False
    schema: dict = {
        "format": fmt,
        "index": index,
        "lists": lists,
        "columns": list(map(str, df.columns)),
        "dtypes": {},
        "categories": {},
    }
    for c in df.columns:
        dtype = df[c].dtype
        schema["dtypes"][str(c)] = str(dtype)
        if isinstance(dtype, pd.CategoricalDtype):
            schema["categories"][str(c)] = {"values": dtype.categories.tolist(), "ordered": bool(dtype.ordered)}
    data_path = stem.with_suffix(f".{fmt}")
    tmp = stem.with_name(f".{stem.name}.{os.getpid()}.{fmt}")
    if fmt == "parquet":
        df.to_parquet(tmp, index=False)
    else:
        df.to_csv(tmp, index=False, na_rep=_NA)  # "" stays "", missing is _NA
    os.replace(tmp, data_path)
    stem.with_suffix(".json").write_text(json.dumps(schema))
    return True


def read_table(stem: Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (any defect raises; callers rebuild)."""
    schema = json.loads(stem.with_suffix(".json").read_text())
    fmt = schema["format"]
    path = stem.with_suffix(f".{fmt}")
    lists: dict[str, list] = {}
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        lists = {c: table.column(c).to_pylist() for c in schema["lists"]}  # fast, and lists stay lists
        df = table.drop_columns(list(lists)).to_pandas() if lists else table.to_pandas()
        for c, values in lists.items():
            df[c] = pd.Series(values, index=df.index, dtype=object)
        df = df[schema["columns"]]
    elif fmt == "csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[_NA])
    else:
        raise ValueError(f"{stem}.json: unknown table format {fmt!r}")
    if [str(c) for c in df.columns] != schema["columns"]:
        raise ValueError(f"{path}: columns {list(df.columns)} differ from {schema['columns']}")
    for c in df.columns:
        dtype = schema["dtypes"][str(c)]
        if c in lists:
            continue
        if c in schema["categories"]:
            spec = schema["categories"][str(c)]
            values = df[c]
            cats = pd.Index(spec["values"])
            if fmt == "csv" and pd.api.types.is_numeric_dtype(cats):
                values = pd.to_numeric(values)
            df[c] = pd.Categorical(values, categories=cats, ordered=spec["ordered"])
        elif dtype == "object":
            df[c] = df[c].astype(object).where(df[c].notna(), None)
        elif fmt == "csv":
            if dtype.startswith("datetime64"):
                df[c] = pd.to_datetime(df[c]).astype(dtype)
            elif dtype == "bool":
                df[c] = df[c].map({"True": True, "False": False}).astype(bool)
            elif dtype in ("str", "string"):
                pass
            else:
                df[c] = df[c].astype(dtype)
    if schema["index"]:
        df = df.set_index(schema["index"])
        df.index.names = [None if n.startswith("level_") else n for n in schema["index"]]
    return df
