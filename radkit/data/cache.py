"""Stream real radiographs with a resize cache on disk, so decoding is paid once.

A 1024x1024 PNG or DICOM takes milliseconds to decode and resize, which is
longer than a small network needs to train on the result. :class:`CachedImages`
decodes each file once (first epoch), stores the resized image as a 16-bit
``.npy`` under ``radkit._cache.cache_dir("images", ...)``, and reads that
afterwards. An entry is keyed by the file's path, its modification time and
size, the output size and the intensity mode: a changed source file (new
mtime or size) is decoded again and its old entry removed.

Images are stored as ``uint16`` (``round(x * 65535)``) and every read, first
or later, goes through that quantisation, so epoch 1 and epoch 2 see
bit-identical tensors (the error against float32 is at most 7.6e-6). One
image costs ``2 * size**2`` bytes: 8 KB at 64 px, 100 KB at 224 px (NIH's
112,120 images: about 11 GB at 224 px).

Worker processes: :meth:`CachedImages.stack` and
``radkit.train.fit(..., num_workers=k)`` decode in ``k`` processes through a
``torch.utils.data.DataLoader``; each worker writes its own entries
(atomically, so two processes writing the same entry is harmless).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from radkit.data._base import ImageDataset, read_image

__all__ = ["CachedImages", "cache_folder", "decode_resize"]

_SCALE = 65535.0
_FORMAT = "v1"  # bump when decoding or resizing changes, so old entries are not reused


def cache_folder(size: tuple[int, int], intensity: str) -> Path:
    """The cache folder for one output size and intensity mode (under ``RADKIT_CACHE``).

    Examples
    --------
    >>> cache_folder((64, 64), "bitdepth").name
    '64x64-bitdepth'
    """
    from radkit._cache import cache_dir

    return cache_dir("images", _FORMAT, f"{size[0]}x{size[1]}-{intensity}")


def decode_resize(path: str | os.PathLike, size: tuple[int, int], intensity: str = "bitdepth") -> np.ndarray:
    """Decode one image file and resize it: ``uint16`` HxW, ``round(x * 65535)`` of the [0, 1] image.

    The same steps as :class:`radkit.data.ImageDataset` (bit-depth or min-max
    scaling, antialiased bilinear resize, aspect ratio not kept).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> p = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> Image.fromarray(np.full((40, 30), 255, dtype=np.uint8)).save(p)
    >>> out = decode_resize(p, (8, 8)); out.shape, out.dtype, int(out.max())
    ((8, 8), dtype('uint16'), 65535)
    """
    image = torch.from_numpy(np.ascontiguousarray(read_image(path), dtype=np.float32))[None]
    if intensity == "minmax":
        lo, hi = image.min(), image.max()
        image = (image - lo) / (hi - lo) if hi > lo else torch.zeros_like(image)
    if tuple(image.shape[1:]) != tuple(size):
        image = F.interpolate(image[None], size=tuple(size), mode="bilinear", align_corners=False, antialias=True)[0]
    return np.round(image[0].clamp_(0.0, 1.0).numpy() * _SCALE).astype(np.uint16)


def _stamp(path: Path) -> str:
    st = os.stat(path)
    return f"{st.st_mtime_ns:x}-{st.st_size:x}"


class CachedImages(ImageDataset):
    """A Dataset of image files, decoded once and then read from a resize cache.

    Items are ``(image, label, meta)`` like every radkit image dataset
    (:class:`radkit.data.ImageDataset`), so ``radkit.train.fit`` and
    ``predict`` take it directly.

    Parameters
    ----------
    labels : pandas.DataFrame
        One row per image, one float column per finding.
    meta : pandas.DataFrame
        One row per image (made collate-safe).
    files : sequence of paths
        The image files (PNG, JPEG or DICOM).
    size : int or (int, int), keyword-only
        Output size; required (the cache stores resized images).
    transform : callable, optional, keyword-only
        Applied after the cache (augmentations stay random per epoch).
    intensity : {"bitdepth", "minmax"}, keyword-only
    cache : bool, keyword-only
        False decodes every time (same pixels, no disk writes).

    Attributes
    ----------
    cache_dir : pathlib.Path or None

    Examples
    --------
    >>> import numpy as np, pandas as pd, tempfile, os
    >>> from PIL import Image
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "a.png")
    >>> Image.fromarray(np.full((40, 30), 128, dtype=np.uint8)).save(p)
    >>> ds = CachedImages(pd.DataFrame({"effusion": [1.0]}), pd.DataFrame({"age": [61]}), [p], size=16)
    >>> image, label, meta = ds[0]
    >>> tuple(image.shape), label.tolist(), meta, ds.is_cached(0)
    ((1, 16, 16), [1.0], {'age': 61}, True)
    """

    def __init__(
        self,
        labels: pd.DataFrame,
        meta: pd.DataFrame,
        files: Sequence[str | os.PathLike],
        *,
        size: int | tuple[int, int],
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        intensity: str = "bitdepth",
        cache: bool = True,
    ) -> None:
        if size is None:
            raise ValueError(
                "CachedImages needs a fixed size= (it caches resized images); for native sizes use "
                "radkit.data.ImageDataset without a cache."
            )
        super().__init__(labels, meta, list(files), size=size, transform=transform, intensity=intensity)
        self.files = [Path(f).resolve() for f in self.files]
        self.cache_dir = cache_folder(self.size, intensity) if cache else None

    @classmethod
    def from_dataset(
        cls, dataset: ImageDataset, *, size: int | tuple[int, int] | None = None, cache: bool = True
    ) -> CachedImages:
        """Wrap any radkit loader (``NIHChestXray14(...)``, ``CheXpert(...)``...) with the cache.

        Examples
        --------
        >>> ds = CachedImages.from_dataset(radkit.data.NIHChestXray14("/data/nih"))  # doctest: +SKIP
        """
        if dataset.files is None:
            raise ValueError(f"{type(dataset).__name__} has no image files to cache (it loads from memory).")
        return cls(
            dataset.labels,
            dataset.meta,
            dataset.files,
            size=size or dataset.size,
            transform=dataset.transform,
            intensity=dataset.intensity,
            cache=cache,
        )

    def _entry(self, i: int) -> Path:
        path = self.files[i]
        key = hashlib.sha256(str(path).encode()).hexdigest()[:24]
        return self.cache_dir / key[:2] / f"{key}-{_stamp(path)}.npy"

    def is_cached(self, i: int) -> bool:
        """Whether image ``i`` has an up-to-date cache entry (a ``stat`` of the source, no read)."""
        return self.cache_dir is not None and self._entry(i).is_file()

    def pixels(self, i: int) -> np.ndarray:
        """Image ``i`` as ``uint16`` HxW (x 65535): from the cache, or decoded and then cached."""
        if self.cache_dir is None:
            return self._decode(i)
        if not self.files[i].is_file():
            raise FileNotFoundError(
                f"{self.files[i]}: image not found (moved or deleted since the label table "
                "was read); rebuild the dataset."
            )
        entry = self._entry(i)
        try:
            return np.load(entry)
        except (FileNotFoundError, ValueError, EOFError, OSError):
            pass  # no entry, or a truncated one: decode again
        pixels = self._decode(i)
        entry.parent.mkdir(parents=True, exist_ok=True)
        for stale in entry.parent.glob(entry.name.split("-")[0] + "-*.npy"):
            stale.unlink(missing_ok=True)  # entries of an older version of this file
        fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, pixels)
        os.replace(tmp, entry)
        return pixels

    def _decode(self, i: int) -> np.ndarray:
        try:
            return decode_resize(self.files[i], self.size, self.intensity)
        except (OSError, ValueError, SyntaxError, EOFError) as err:  # PIL and pydicom's ways of saying "corrupt"
            raise ValueError(
                f"{self.files[i]} cannot be decoded ({type(err).__name__}: {err}); it is probably a truncated "
                "or corrupt download. Download it again, or delete it (lessons use only the films present); "
                "`python -m radkit.data check <source>` lists every unreadable film."
            ) from err

    def load(self, i: int) -> np.ndarray:
        return self.pixels(i).astype(np.float32) / _SCALE

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} items.")
        i = i % len(self)
        image = torch.from_numpy(self.load(i))[None]
        if self.transform is not None:
            image = self.transform(image)
        label = torch.from_numpy(self.labels.iloc[i].to_numpy(dtype=np.float32, copy=True))
        return image, label, dict(self._records[i])

    def stack(self, *, num_workers: int | None = None, progress: bool = True) -> torch.Tensor:
        """All images as one float32 tensor N x 1 x H x W, decoding uncached ones in worker processes.

        Parameters
        ----------
        num_workers : int, optional
            Decoding processes. Default: none when fewer than 64 images need
            decoding, else ``min(8, os.cpu_count())``.
        progress : bool
            Show a tqdm bar while images are decoded.
        """
        from tqdm.auto import tqdm

        todo = sum(not self.is_cached(i) for i in range(len(self)))
        if num_workers is None:
            num_workers = 0 if todo < 64 else min(8, os.cpu_count() or 1)
        out = np.empty((len(self), 1, *self.size), dtype=np.float32)
        with tqdm(
            total=len(self), desc=f"images ({todo} to decode)", unit="img", disable=not progress or todo == 0
        ) as bar:
            if num_workers == 0:
                for i in range(len(self)):
                    out[i, 0] = self.load(i)
                    bar.update()
            else:
                loader = torch.utils.data.DataLoader(_Pixels(self), batch_size=64, num_workers=num_workers)
                start = 0
                for batch in loader:
                    out[start : start + len(batch), 0] = batch.numpy().astype(np.float32) / _SCALE
                    start += len(batch)
                    bar.update(len(batch))
        return torch.from_numpy(out)


class _Pixels(torch.utils.data.Dataset):
    """Just the cached pixels (int32 tensors: collate cannot batch uint16)."""

    def __init__(self, images: CachedImages) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return torch.from_numpy(self.images.pixels(i).astype(np.int32))
