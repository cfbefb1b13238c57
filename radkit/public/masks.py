"""Lung segmentation masks from V7 Labs, shipped as a zip of images."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

import numpy as np

from radkit.public._files import data_file

__all__ = ["lung_masks", "lung_mask_names"]

_FILE = "semantic_masks_v7labs_lungs.zip"
_SUFFIXES = {".png", ".jpg", ".jpeg"}


def lung_mask_names() -> list[str]:
    """Names (file stems with suffix, no folder) of the masks in the zip, sorted.

    Examples
    --------
    >>> from radkit.public import lung_mask_names
    >>> len(lung_mask_names()) > 500
    True
    """
    with zipfile.ZipFile(data_file(_FILE)) as archive:
        names = [PurePosixPath(n).name for n in archive.namelist() if PurePosixPath(n).suffix.lower() in _SUFFIXES]
    return sorted(names)


def lung_masks(
    *, names: list[str] | None = None, limit: int | None = None, skip_empty: bool = True
) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(name, mask)`` for the V7 Labs lung masks (COVID-19 dataset).

    Semantic lung masks (both lungs as foreground) drawn by V7 Labs
    annotators on public chest radiographs of mixed origin and size. About
    half are stored as JPEG, so edges carry compression noise; masks are
    binarised at grey level 128. Decoding all of them takes several seconds,
    hence a generator.

    Parameters
    ----------
    names : list of str, optional
        Only these masks (see :func:`lung_mask_names`); default all, sorted.
    limit : int, optional
        Stop after this many masks.
    skip_empty : bool, default True
        Skip masks with no foreground pixel (the zip holds some).

    Yields
    ------
    name : str
        File name inside the zip, without folder.
    mask : numpy.ndarray of bool, shape (height, width)

    Examples
    --------
    >>> from radkit.public import lung_masks
    >>> name, mask = next(lung_masks(limit=1))
    >>> mask.dtype, mask.ndim
    (dtype('bool'), 2)
    """
    from PIL import Image

    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0):
        raise ValueError(f"limit must be a non-negative int or None, got {limit!r}.")
    if isinstance(names, (str, bytes)):
        raise TypeError(
            f"names must be a list of mask names, got the string {names!r}; pass names=[{names!r}] for one mask."
        )
    if names is not None and not all(isinstance(n, str) for n in names):
        raise TypeError("names must be a list of strings (see lung_mask_names()).")
    with zipfile.ZipFile(data_file(_FILE)) as archive:
        members = {PurePosixPath(n).name: n for n in archive.namelist() if PurePosixPath(n).suffix.lower() in _SUFFIXES}
        wanted = sorted(members) if names is None else list(names)
        unknown = [n for n in wanted if n not in members]
        if unknown:
            raise KeyError(f"not in {_FILE}: {unknown[:5]}; see lung_mask_names().")
        count = 0
        for name in wanted:
            if limit is not None and count >= limit:
                return
            with Image.open(io.BytesIO(archive.read(members[name]))) as image:
                mask = np.asarray(image.convert("L")) >= 128
            if skip_empty and not mask.any():
                continue
            count += 1
            yield name, mask
