"""MedMNIST v2 chest subsets (ChestMNIST, PneumoniaMNIST) from their ``.npz`` files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from radkit._cache import cache_dir
from radkit.data import fetch
from radkit.data._base import ImageDataset
from radkit.data._sources import SOURCES, missing_message

__all__ = ["MEDMNIST_LABELS", "medmnist_url", "MedMNIST"]

#: Label names in MedMNIST's column order (ChestMNIST follows NIH ChestX-ray14).
MEDMNIST_LABELS = {
    "chestmnist": [
        "atelectasis",
        "cardiomegaly",
        "effusion",
        "infiltration",
        "mass",
        "nodule",
        "pneumonia",
        "pneumothorax",
        "consolidation",
        "edema",
        "emphysema",
        "fibrosis",
        "pleural",
        "hernia",
    ],
    "pneumoniamnist": ["pneumonia"],
}
_SIZES = (28, 64, 128, 224)
_SPLITS = ("train", "val", "test")


def _file_name(name: str, size: int) -> str:
    return f"{name}.npz" if size == 28 else f"{name}_{size}.npz"


def medmnist_url(name: str, size: int = 28) -> str:
    """Zenodo download URL of one MedMNIST file.

    Examples
    --------
    >>> medmnist_url("pneumoniamnist", 64)
    'https://zenodo.org/records/10519652/files/pneumoniamnist_64.npz?download=1'
    """
    return f"{SOURCES['medmnist'].url}/files/{_file_name(name, size)}?download=1"


def _pixel_scale(images: np.ndarray, name: str) -> float:
    """255 for uint8 files (as MedMNIST ships them), 1 for floats already in [0, 1]; else an error."""
    if images.dtype == np.uint8:
        return 255.0
    if images.dtype.kind == "f" and images.size:
        if not np.isfinite(images).all():
            raise ValueError(f"{name}: images hold NaN or infinite values; download the file again.")
        lo, hi = float(images.min()), float(images.max())
        if lo >= 0.0 and hi <= 1.0:
            return 1.0
        raise ValueError(
            f"{name}: float images range from {lo:g} to {hi:g}; radkit expects uint8 (0-255, "
            "as MedMNIST ships them) or floats in [0, 1]. Rescale them, e.g. images / 255."
        )
    raise ValueError(
        f"{name}: images have dtype {images.dtype}; radkit expects uint8 (0-255, as MedMNIST "
        "ships them) or floats in [0, 1]. Convert them before saving the .npz."
    )


class MedMNIST(ImageDataset):
    """ChestMNIST (14 NIH labels) or PneumoniaMNIST (pneumonia vs normal), small and fast.

    Images are served at the file's resolution (``size``); pick a larger file
    rather than upsampling. The whole split is loaded into memory (the
    224x224 ChestMNIST train split is about 4 GB).

    Parameters
    ----------
    name : {"chestmnist", "pneumoniamnist"}
    split : {"train", "val", "test"}, keyword-only
    size : {28, 64, 128, 224}, keyword-only
    root : path, optional, keyword-only
        Folder with the ``.npz`` files; default ``$RADKIT_DATA/medmnist``,
        or radkit's cache folder when downloading without either.
    download : bool, keyword-only
        Fetch the file from Zenodo when absent; needs ``md5=``.
    md5 : str, optional, keyword-only
        The file's MD5 as listed on the Zenodo record page
        (https://zenodo.org/records/10519652); radkit ships no checksums.
    transform : callable, optional, keyword-only

    Examples
    --------
    >>> ds = MedMNIST("pneumoniamnist", split="test", root="/data/medmnist")  # doctest: +SKIP
    """

    def __init__(
        self,
        name: str = "chestmnist",
        *,
        split: str = "train",
        size: int = 28,
        root: str | os.PathLike | None = None,
        download: bool = False,
        md5: str | None = None,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        if name not in MEDMNIST_LABELS:
            raise ValueError(f"name={name!r}: use one of {sorted(MEDMNIST_LABELS)}.")
        if split not in _SPLITS:
            raise ValueError(f"split={split!r}: use one of {_SPLITS}.")
        if size not in _SIZES:
            raise ValueError(f"size={size!r}: MedMNIST files exist at {_SIZES}.")
        if root is not None:
            folder = Path(root).expanduser()
        elif os.environ.get("RADKIT_DATA"):
            folder = Path(os.environ["RADKIT_DATA"]).expanduser() / "medmnist"
        elif download:
            folder = cache_dir("medmnist")
        else:
            raise FileNotFoundError(
                missing_message("medmnist", None)
                + f"\nOr pass download=True, md5=... to fetch {medmnist_url(name, size)}."
            )
        path = folder / _file_name(name, size)
        if not path.is_file():
            if not download:
                raise FileNotFoundError(
                    missing_message("medmnist", path, "file not found")
                    + f"\nOr pass download=True, md5=... to fetch {medmnist_url(name, size)}."
                )
            if md5 is None:
                raise ValueError(
                    f"download=True needs md5=: copy the MD5 of {path.name} from "
                    f"{SOURCES['medmnist'].url} (radkit ships no checksums it cannot vouch for)."
                )
            fetch.download(medmnist_url(name, size), path, md5=md5)
        try:
            with np.load(path) as npz:
                images, labels = npz[f"{split}_images"], npz[f"{split}_labels"]
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(
                f"{path.name}: not a readable MedMNIST file ({exc}); delete it and download again."
            ) from exc
        if images.ndim == 4:  # colour datasets: not expected for the chest subsets
            images = images.mean(axis=-1).astype(images.dtype)
        self._scale = _pixel_scale(images, path.name)
        names = MEDMNIST_LABELS[name]
        if labels.ndim == 1:
            labels = labels[:, None]
        if labels.shape[1] != len(names):
            raise ValueError(f"{path.name}: labels have {labels.shape[1]} columns, expected {len(names)}.")
        self._images = images
        self.root, self.name, self.split = folder, name, split
        meta = pd.DataFrame({"index": np.arange(len(images)), "split": split})
        super().__init__(
            pd.DataFrame(labels.astype("float32"), columns=names), meta, None, size=None, transform=transform
        )

    def load(self, i: int) -> np.ndarray:
        """The i-th image in [0, 1]: uint8 divided by 255, float images (already in [0, 1]) as they are."""
        return self._images[i].astype(np.float32) / self._scale
