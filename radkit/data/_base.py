"""The one Dataset contract shared by radkit's real and synthetic image data.

``dataset[i]`` returns ``(image, label, meta)``: image a float32 tensor
1xHxW in [0, 1], label a float32 tensor of length K (NaN = unknown), meta a
flat dict of str/int/float, so that ``torch.utils.data.DataLoader`` with the
default collate batches it. :class:`Split` and :class:`LessonData` are what
:func:`radkit.data.lesson_data` returns, from either kind of source.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

if TYPE_CHECKING:
    from radkit.synth import SynthCXR

__all__ = ["read_image", "ImageDataset", "Split", "LessonData"]

_DICOM_SUFFIXES = {".dcm", ".dicom"}
_8BIT_MODES = {"L", "P", "1", "RGB", "RGBA", "LA", "CMYK", "YCbCr"}
_16BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N"}


def _png_bit_depth(path: Path) -> int | None:
    """Bit depth from a PNG's IHDR chunk (byte 24), or None for other files."""
    with open(path, "rb") as fh:
        head = fh.read(25)
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) == 25:
        return head[24]
    return None


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read a PNG, JPEG or DICOM radiograph as float32 HxW in [0, 1].

    8-bit images are divided by 255 and 16-bit images by 65535 (never cut
    to 8 bits); colour images are converted to luminance; DICOMs go
    through :func:`radkit.dicom.read` (modality LUT, header window,
    MONOCHROME1 inversion).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> p = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> Image.fromarray(np.array([[0, 65535]], dtype=np.uint16)).save(p)
    >>> read_image(p).tolist()
    [[0.0, 1.0]]
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: image not found; check the dataset layout (see datasets/README.md).")
    if p.suffix.lower() in _DICOM_SUFFIXES:
        from radkit.dicom import read

        return read(p)[0]
    try:
        with Image.open(p) as img:
            img.load()
            mode = img.mode
            if mode in _16BIT_MODES:
                arr = np.asarray(img).astype(np.float32) / 65535.0
            elif mode == "I":  # Pillow's 32-bit container: trust the PNG header's bit depth
                depth = _png_bit_depth(p)
                if depth not in (8, 16):
                    raise ValueError(f"{p.name}: 32-bit integer image (bit depth {depth}); convert it to 8/16-bit PNG.")
                arr = np.asarray(img).astype(np.float32) / float(2**depth - 1)
            elif mode in _8BIT_MODES:
                arr = np.asarray(img.convert("L")).astype(np.float32) / 255.0
            else:
                raise ValueError(f"{p.name}: unsupported image mode {mode!r}; save it as 8- or 16-bit grayscale PNG.")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(
            f"{p.name}: cannot read the image ({exc}); the file may be truncated or not an image: download it again."
        ) from exc
    return np.clip(arr, 0.0, 1.0)


def _check_size(size: int | tuple[int, int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size > 0:
        return int(size), int(size)
    if isinstance(size, tuple) and len(size) == 2 and all(isinstance(s, int) and s > 0 for s in size):
        return size
    raise ValueError(f"size={size!r}: use a positive int (square), a (height, width) tuple, or None for native size.")


def _tidy_meta(meta: pd.DataFrame) -> pd.DataFrame:
    """Make every column collate-safe: numbers as int/float (NaN for missing), the rest str ("" for missing)."""
    out = pd.DataFrame(index=range(len(meta)))
    for col in meta.columns:
        values = meta[col].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(values):
            out[col] = values.astype(int)
        elif pd.api.types.is_integer_dtype(values) and not values.isna().any():
            out[col] = values.astype("int64")
        elif pd.api.types.is_numeric_dtype(values):
            out[col] = values.astype("float64")
        else:
            out[col] = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return out


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class ImageDataset(torch.utils.data.Dataset):
    """Base of radkit's image datasets: an index table, label table and loader.

    Subclasses build ``files`` (one path per item), ``labels`` (one column
    per pathology, 1/0/NaN) and ``meta`` (one row per item), or override
    :meth:`load` for in-memory images.

    Parameters
    ----------
    labels : pandas.DataFrame
        One row per item, one float column per pathology.
    meta : pandas.DataFrame
        One row per item; made collate-safe (str/int/float, no None).
    files : sequence of paths, optional
        Image files, read with :func:`read_image`.
    size : int, (int, int) or None, keyword-only
        Output size (bilinear, antialiased; aspect ratio not kept); None
        keeps the native size (then batches need equal-sized images).
    transform : callable, optional, keyword-only
        Applied to the 1xHxW tensor after resizing.
    intensity : {"bitdepth", "minmax"}, keyword-only
        "bitdepth" keeps the scaling by the file's bit depth (or DICOM VOI);
        "minmax" stretches each image to [0, 1].

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> class Tiny(ImageDataset):
    ...     def load(self, i):
    ...         return np.full((4, 4), 0.5, dtype=np.float32)
    >>> ds = Tiny(pd.DataFrame({"Effusion": [1.0]}), pd.DataFrame({"id": ["a"]}), size=8)
    >>> image, label, meta = ds[0]
    >>> tuple(image.shape), label.tolist(), meta
    ((1, 8, 8), [1.0], {'id': 'a'})
    """

    def __init__(
        self,
        labels: pd.DataFrame,
        meta: pd.DataFrame,
        files: Sequence[str | os.PathLike] | None = None,
        *,
        size: int | tuple[int, int] | None = 224,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        intensity: str = "bitdepth",
    ) -> None:
        if len(labels) != len(meta) or (files is not None and len(files) != len(labels)):
            raise ValueError(
                f"labels ({len(labels)}), meta ({len(meta)}) and files "
                f"({'-' if files is None else len(files)}) must have one row per item."
            )
        if intensity not in ("bitdepth", "minmax"):
            raise ValueError(f"intensity={intensity!r}: use 'bitdepth' or 'minmax'.")
        if transform is not None and not callable(transform):
            raise TypeError("transform must be callable (tensor -> tensor) or None.")
        self.size = _check_size(size)
        self.transform = transform
        self.intensity = intensity
        self.files = None if files is None else [Path(f) for f in files]
        self.labels = labels.reset_index(drop=True).astype("float32")
        self.pathologies: list[str] = [str(c) for c in self.labels.columns]
        self.meta = _tidy_meta(meta)
        self._records = [{k: _python(v) for k, v in r.items()} for r in self.meta.to_dict("records")]

    def __len__(self) -> int:
        return len(self.labels)

    def load(self, i: int) -> np.ndarray:
        """The i-th image as float32 HxW in [0, 1], before resizing."""
        if self.files is None:
            raise NotImplementedError("a dataset without files must override load().")
        return read_image(self.files[i])

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} items.")
        i = i % len(self)
        image = torch.from_numpy(np.ascontiguousarray(self.load(i), dtype=np.float32))[None]
        if self.intensity == "minmax":
            lo, hi = image.min(), image.max()
            image = (image - lo) / (hi - lo) if hi > lo else torch.zeros_like(image)
        if self.size is not None and tuple(image.shape[1:]) != self.size:
            image = F.interpolate(image[None], size=self.size, mode="bilinear", align_corners=False, antialias=True)[0]
            image = image.clamp_(0.0, 1.0)
        if self.transform is not None:
            image = self.transform(image)
        label = torch.from_numpy(self.labels.iloc[i].to_numpy(dtype=np.float32, copy=True))
        return image, label, dict(self._records[i])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={len(self)}, pathologies={len(self.pathologies)}, size={self.size})"


@dataclass
class Split:
    """One split of a lesson's data.

    Attributes
    ----------
    labels : pandas.DataFrame
        One float column per finding: 1 positive, 0 negative, NaN unknown.
    meta : pandas.DataFrame
        At least ``age, sex, view, site, date`` (NaN / empty where a source lacks one).
    synth : SynthCXR or None
        The synthetic set behind the split (masks, known truth); None for real images.
    """

    labels: pd.DataFrame
    meta: pd.DataFrame
    synth: SynthCXR | None = None
    _dataset: Any = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def findings(self) -> list[str]:
        return list(self.labels.columns)

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(X, y)``: float32 images N x 1 x H x W in [0, 1] and float32 labels N x K."""
        y = torch.tensor(self.labels.to_numpy(dtype=np.float32))
        if self.synth is not None:
            return self.synth.images, y
        ds = self.dataset()
        stack = getattr(ds, "stack", None)  # real images: decoded in worker processes, then cached
        return (stack() if callable(stack) else torch.stack([ds[i][0] for i in range(len(ds))])), y

    def dataset(self):
        """A torch Dataset for ``radkit.train.fit`` / ``predict``.

        Synthetic: ``(image, label)`` pairs in memory. Real: a
        :class:`radkit.data.cache.CachedImages` of ``(image, label, meta)`` that
        decodes each file once and then streams from the resize cache.
        """
        if self._dataset is None:
            X, y = self.tensors()
            self._dataset = torch.utils.data.TensorDataset(X, y)
        return self._dataset


@dataclass
class LessonData:
    """What :func:`radkit.data.lesson_data` returns: ``train`` and ``test`` splits and where they came from.

    ``notes`` lists what a real source could not give as asked (fewer images,
    images left out); empty for synthetic data.
    """

    source: str
    findings: list[str]
    train: Split
    test: Split
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        return self.source == "synthetic"

    def describe(self) -> pd.DataFrame:
        """Images and positives per finding in each split."""
        rows = {
            name: {"images": len(s), **{f"{f} positives": int(np.nansum(s.labels[f])) for f in self.findings}}
            for name, s in (("train", self.train), ("test", self.test))
        }
        return pd.DataFrame(rows).T
