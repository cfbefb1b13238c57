"""Real chest radiograph datasets, once a user has downloaded them.

Every dataset returns ``(image, label, meta)`` per item (see
:class:`ImageDataset`); folders follow ``$RADKIT_DATA/<name>`` as in
``datasets/README.md``.
"""

from radkit.data._base import ImageDataset, read_image
from radkit.data._sources import SOURCES, Source, data_root
from radkit.data.fetch import ChecksumError, download, verify
from radkit.data.lesson import (
    LESSON_FINDINGS,
    LessonData,
    Split,
    compare_sources,
    external_sets,
    images_source,
    lesson_data,
    require_positives,
)
from radkit.data.loaders import (
    CheXpert,
    NIHChestXray14,
    PadChest,
    RSNAPneumonia,
    SIIMPneumothorax,
    VinDrCXR,
)
from radkit.data.medmnist import MEDMNIST_LABELS, MedMNIST, medmnist_url
from radkit.data.real import available_sources

__all__ = [
    "ImageDataset",
    "read_image",
    "SOURCES",
    "Source",
    "data_root",
    "ChecksumError",
    "download",
    "verify",
    "NIHChestXray14",
    "CheXpert",
    "RSNAPneumonia",
    "VinDrCXR",
    "PadChest",
    "SIIMPneumothorax",
    "MEDMNIST_LABELS",
    "MedMNIST",
    "medmnist_url",
    "LESSON_FINDINGS",
    "LessonData",
    "Split",
    "images_source",
    "external_sets",
    "compare_sources",
    "require_positives",
    "lesson_data",
    "available_sources",
]


def __getattr__(name: str):  # NIH_PATHOLOGIES, CHEXPERT_PATHOLOGIES: FutureWarning aliases of radkit.public's lists
    from radkit.data import loaders

    return loaders.__getattr__(name)
