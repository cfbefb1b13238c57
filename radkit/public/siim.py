"""SIIM-ACR Pneumothorax Segmentation (2019) training masks as run-lengths."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from radkit.public._files import data_file

__all__ = ["siim_pneumothorax", "rle_decode", "read_siim_table", "siim_masks"]

_FILE = "siim-pneumothorax-train-rle.csv.gz"


def read_siim_table(path) -> pd.DataFrame:
    """Read a SIIM ``train-rle.csv`` (the shipped copy or a downloaded one), one row per image.

    Columns as :func:`siim_pneumothorax` (``rle`` holds tuples here). The file has one row
    per mask region (``ImageId``, `` EncodedPixels``; ``-1`` for an image without pneumothorax).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "train-rle.csv")
    >>> _ = open(p, "w").write("ImageId, EncodedPixels\\na, -1\\nb, 1 2\\nb, 4 1\\n")
    >>> read_siim_table(p)[["image_id", "has_pneumothorax", "n_components"]].values.tolist()
    [['a', False, 0], ['b', True, 2]]
    """
    raw = pd.read_csv(path)
    raw.columns = [c.strip() for c in raw.columns]
    if not {"ImageId", "EncodedPixels"} <= set(raw.columns):
        raise ValueError(
            f"{path}: a SIIM run-length table needs the columns ImageId and EncodedPixels, "
            f"found {list(raw.columns)[:6]}; is this SIIM-ACR's train-rle.csv?"
        )
    rle = raw["EncodedPixels"].astype(str).str.strip()
    raw = pd.DataFrame({"image_id": raw["ImageId"].astype(str).str.strip(), "rle": rle, "positive": rle != "-1"})
    mixed = raw.groupby("image_id")["positive"].nunique() > 1
    if mixed.any():
        raise ValueError(f"{path}: {int(mixed.sum())} images have both -1 and a mask.")
    grouped = raw.groupby("image_id", sort=False)
    out = pd.DataFrame(
        {
            "has_pneumothorax": grouped["positive"].first(),
            "rle": grouped["rle"].agg(lambda s: tuple(r for r in s if r != "-1")),
        }
    ).reset_index()
    out["n_components"] = out["rle"].map(len).astype("int64")
    return out[["image_id", "has_pneumothorax", "n_components", "rle"]]


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    return read_siim_table(data_file(_FILE))


def siim_pneumothorax() -> pd.DataFrame:
    """SIIM-ACR pneumothorax training labels, one row per image.

    12,047 frontal radiographs (1024 x 1024 DICOM) with pneumothorax masks
    drawn by radiologists; one file row per separate region, ``-1`` for
    images without pneumothorax.

    Returns
    -------
    pandas.DataFrame
        - ``image_id`` (str): DICOM SOP Instance UID.
        - ``has_pneumothorax`` (bool).
        - ``n_components`` (int): number of mask rows (regions) in the file.
        - ``rle`` (list of str): the run-length strings, ``[]`` if negative;
          decode with :func:`rle_decode`.

    Examples
    --------
    >>> from radkit.public import siim_pneumothorax, rle_decode
    >>> df = siim_pneumothorax()
    >>> row = df[df["has_pneumothorax"]].iloc[0]
    >>> rle_decode(row["rle"], shape=(1024, 1024)).any()
    np.True_
    """
    out = _table().copy()
    out["rle"] = [list(r) for r in out["rle"]]
    return out


def rle_decode(rle: str | Iterable[str], shape: tuple[int, int] = (1024, 1024)) -> np.ndarray:
    """Decode SIIM's *relative* run-length encoding to a boolean mask.

    The string holds pairs ``gap length``: the first gap counts pixels from
    the start of the image, each later gap from the end of the previous run.
    Pixels are numbered down the columns (column-major, Fortran order). A
    list of strings (several regions) is decoded to their union; ``"-1"``
    and ``""`` decode to an empty mask.

    Parameters
    ----------
    rle : str or iterable of str
        Run-length string(s) as in the SIIM ``EncodedPixels`` column.
    shape : (int, int), default (1024, 1024)
        ``(height, width)`` of the image.

    Returns
    -------
    numpy.ndarray of bool, shape ``shape``

    Examples
    --------
    >>> from radkit.public import rle_decode
    >>> rle_decode("1 2 1 1", shape=(3, 2)).astype(int)
    array([[0, 0],
           [1, 1],
           [1, 0]])
    """
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in shape)
        or min(shape) <= 0
    ):
        raise ValueError(f"shape must be (height, width) with positive int sizes, got {shape!r}.")
    height, width = (int(s) for s in shape)
    flat = np.zeros(height * width, dtype=bool)
    if isinstance(rle, str):
        strings = [rle]
    elif isinstance(rle, Iterable) and not isinstance(rle, (bytes, dict)):
        strings = list(rle)
    else:
        raise TypeError(
            f"rle must be a run-length string or a list of them (a row's 'rle' column), got {type(rle).__name__}."
        )
    for i, text in enumerate(strings):
        if not isinstance(text, str):
            raise TypeError(
                f"rle item {i} is a {type(text).__name__} ({text!r}), not a string; "
                "missing masks are '-1' or '' in SIIM's EncodedPixels column."
            )
        text = text.strip()
        if text in ("", "-1"):
            continue
        try:
            values = np.asarray([int(v) for v in text.split()], dtype=np.int64)
        except ValueError:
            bad = next(v for v in text.split() if not v.lstrip("-").isdigit())
            raise ValueError(
                f"rle must hold whole numbers ('gap length' pairs), but found {bad!r} in "
                f"{text[:40]!r}; is this a mask in another encoding?"
            ) from None
        if values.size % 2 or (values < 0).any():
            raise ValueError(
                f"rle must hold non-negative 'gap length' pairs, got {values.size} numbers starting {text[:40]!r}."
            )
        gaps, lengths = values[0::2], values[1::2]
        starts = np.cumsum(gaps) + np.concatenate(([0], np.cumsum(lengths)[:-1]))
        if starts.size and starts[-1] + lengths[-1] > flat.size:
            raise ValueError(
                f"rle runs past the end of a {height} x {width} image; check shape (SIIM images are 1024 x 1024)."
            )
        for start, length in zip(starts, lengths):
            flat[start : start + length] = True
    return flat.reshape((height, width), order="F")


def siim_masks(
    rles: Iterable[str | Iterable[str]], *, size: int, shape: tuple[int, int] = (1024, 1024), cover: float = 0.5
) -> np.ndarray:
    """SIIM masks at a lesson's film size: decode each at ``shape``, keep the cells mostly inside.

    A film of ``shape`` pixels resized to ``size`` x ``size`` maps each output pixel to a block
    of the original; a pixel is in the mask when at least ``cover`` of its block is (area
    resampling, so a mask stays where it is on the film). Thin regions narrower than a block
    can vanish at small sizes: count the empty masks before scoring.

    Parameters
    ----------
    rles : iterable
        One entry per film: a run-length string or a list of them (a row's ``rle``).
    size : int, keyword-only
        Side of the square lesson films, at most the films' side (any size: 224 from 1024 too).
    shape : (int, int), keyword-only
        The films' size on disk (SIIM's are 1024 x 1024).
    cover : float, keyword-only
        Share of a block that must be inside the mask, in (0, 1].

    Returns
    -------
    numpy.ndarray of bool, shape ``(n, size, size)``

    Examples
    --------
    >>> siim_masks(["0 2 2 2"], size=2, shape=(4, 4)).astype(int)[0]  # top-left 2 x 2 block
    array([[1, 0],
           [0, 0]])
    """
    height, width = (int(v) for v in shape)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= min(height, width):
        raise ValueError(
            f"size={size!r}: use the side of the lesson's films in pixels, a positive int up to the films' {shape}."
        )
    if not 0 < cover <= 1:
        raise ValueError(f"cover={cover!r}: use a share in (0, 1], e.g. 0.5 (most of the block).")
    # output pixel i covers original rows floor(i H / size) up to the next one's start: exact blocks when
    # size divides the shape, blocks differing by one row or column otherwise (224 px from 1024)
    rows, cols = (np.arange(size) * n // size for n in (height, width))
    area = np.outer(np.diff(np.r_[rows, height]), np.diff(np.r_[cols, width]))

    def shrink(mask: np.ndarray) -> np.ndarray:
        summed = np.add.reduceat(np.add.reduceat(mask.astype(np.int32), rows, axis=0), cols, axis=1)
        return summed / area >= cover

    out = [shrink(rle_decode(r, shape=(height, width))) for r in rles]
    return np.stack(out) if out else np.zeros((0, size, size), dtype=bool)
