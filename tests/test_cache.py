"""radkit._cache: where caches live, and tables stored as data (never pickles)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from radkit import _cache


def test_radkit_cache_pointing_at_a_file_names_the_variable(tmp_path, monkeypatch):
    afile = tmp_path / "cache.txt"
    afile.write_text("not a folder")
    monkeypatch.setenv("RADKIT_CACHE", str(afile))
    with pytest.raises(NotADirectoryError, match="RADKIT_CACHE=.*is a file, not a folder"):
        _cache.cache_dir("synth")
    assert afile.read_text() == "not a folder"


def test_a_file_where_a_subfolder_should_be(tmp_path, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path))
    (tmp_path / "public").write_text("x")
    with pytest.raises(NotADirectoryError, match="public is a file"):
        _cache.cache_dir("public")


def test_blank_radkit_cache_uses_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", "  ")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _cache.cache_dir("x") == tmp_path / "radkit" / "x"


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "i": np.array([1, 2, 3], dtype=np.int64),
            "f": [0.5, np.nan, 2.0],
            "s": ["a", "", "c"],
            "o": pd.Series(["x", None, "z"], dtype=object),
            "d": pd.to_datetime(["2020-01-01", "2021-06-30", "2022-12-31"]),
            "c": pd.Categorical(["F", None, "M"], categories=["F", "M"]),
            "b": [True, False, True],
        }
    )


PARQUET = pytest.param(
    "parquet", marks=pytest.mark.skipif(_cache.table_format() != "parquet", reason="pyarrow is not installed")
)


@pytest.mark.parametrize("fmt", [PARQUET, "csv"])
def test_tables_round_trip_exactly(tmp_path, fmt):
    df = _table()
    assert _cache.write_table(df, tmp_path / "t", fmt=fmt)
    assert (tmp_path / f"t.{fmt}").is_file() and not list(tmp_path.glob("*.pkl"))
    pd.testing.assert_frame_equal(_cache.read_table(tmp_path / "t"), df)
    indexed = df.set_index("s")
    _cache.write_table(indexed, tmp_path / "u", fmt=fmt)
    pd.testing.assert_frame_equal(_cache.read_table(tmp_path / "u"), indexed)


def test_csv_refuses_list_columns_and_parquet_keeps_them(tmp_path):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"labels": [["a", "b"], [], ["c"]], "n": [1, 2, 3]})
    assert _cache.write_table(df, tmp_path / "t", fmt="csv") is False
    assert not list(tmp_path.iterdir())
    assert _cache.write_table(df, tmp_path / "t", fmt="parquet")
    back = _cache.read_table(tmp_path / "t")
    pd.testing.assert_frame_equal(back, df)
    assert isinstance(back["labels"].iloc[0], list)


@pytest.mark.parametrize("fmt", [PARQUET, "csv"])
def test_damaged_table_raises(tmp_path, fmt):
    _cache.write_table(_table(), tmp_path / "t", fmt=fmt)
    (tmp_path / f"t.{fmt}").write_bytes(b"garbage")
    with pytest.raises(Exception):  # noqa: B017 (pyarrow and pandas raise their own types; any error will do)
        _cache.read_table(tmp_path / "t")
