"""Where each real dataset comes from, what it costs to fetch, and how radkit expects it on disk.

Facts here are used in error messages and mirrored in ``datasets/README.md``.
Sizes are approximate; check the download page for the current release.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from radkit.findings import SOURCE_NAMES

__all__ = ["Source", "SOURCES", "data_root"]


@dataclass(frozen=True)
class Source:
    """One downloadable dataset: page, size, licence note and expected layout."""

    title: str
    folder: str  # sub-folder of $RADKIT_DATA
    url: str
    size: str
    licence: str
    layout: str


SOURCES: dict[str, Source] = {
    "nih": Source(
        SOURCE_NAMES["nih"],
        "nih",
        "https://nihcc.app.box.com/v/ChestXray-NIHCC",
        "about 45 GB (112,120 frontal PNGs, 1024x1024, 8-bit)",
        "NIH Clinical Center terms on the page: cite Wang et al. (CVPR 2017), link the NIH site "
        "and acknowledge the NIH Clinical Center",
        "nih/Data_Entry_2017_v2020.csv   (or Data_Entry_2017.csv; else the torchxrayvision copy is used)\n"
        "nih/images/00000001_000.png ... (images_001/images/... as unpacked also works)\n"
        "nih/train_val_list.txt, nih/test_list.txt   (only for split=)",
    ),
    "chexpert": Source(
        SOURCE_NAMES["chexpert"],
        "chexpert",
        "https://stanfordmlgroup.github.io/competitions/chexpert/",
        "about 11 GB for CheXpert-v1.0-small (224,316 JPEGs); about 440 GB full resolution",
        "Stanford CheXpert Dataset Research Use Agreement (non-commercial research) must be accepted",
        "chexpert/CheXpert-v1.0-small/train.csv, valid.csv\n"
        "chexpert/CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg ...\n"
        "(CheXpert-v1.0/ for the full-resolution release works the same way)",
    ),
    "rsna": Source(
        SOURCE_NAMES["rsna"],
        "rsna",
        "https://www.kaggle.com/competitions/rsna-pneumonia-detection-challenge/data",
        "about 4 GB (26,684 training DICOMs, 1024x1024)",
        "Kaggle competition rules must be accepted; the images are a subset of NIH ChestX-ray14",
        "rsna/stage_2_train_labels.csv   (else the torchxrayvision copy is used)\n"
        "rsna/stage_2_detailed_class_info.csv   (optional)\n"
        "rsna/stage_2_train_images/<patientId>.dcm",
    ),
    "vindr": Source(
        SOURCE_NAMES["vindr"],
        "vindr",
        "https://physionet.org/content/vindr-cxr/1.0.0/",
        "about 200 GB (18,000 DICOMs: 15,000 train, 3,000 test)",
        "PhysioNet access terms on the page (account and signed data use agreement); the Kaggle "
        "VinBigData competition copy (train only) is under Kaggle's rules",
        "vindr/annotations/image_labels_train.csv, image_labels_test.csv   (PhysioNet release)\n"
        "  or vindr/train.csv   (Kaggle VinBigData: image_id, class_name, rad_id, boxes)\n"
        "vindr/train/<image_id>.dicom, vindr/test/<image_id>.dicom",
    ),
    "padchest": Source(
        SOURCE_NAMES["padchest"],
        "padchest",
        "https://bimcv.cipf.es/bimcv-projects/padchest/",
        "about 1 TB (160,868 16-bit PNGs)",
        "BIMCV PadChest data use agreement (research use) must be accepted on the page",
        "padchest/PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv[.gz]   (else torchxrayvision's)\n"
        "padchest/images/<ImageID>.png   (or padchest/<ImageDir>/<ImageID>.png as unzipped)",
    ),
    "siim": Source(
        SOURCE_NAMES["siim"],
        "siim",
        "https://www.kaggle.com/competitions/siim-acr-pneumothorax-segmentation/data",
        "a few GB (about 12,000 training DICOMs, 1024x1024, 8-bit, the 12,047 images of train-rle.csv; "
        "the Kaggle page points to a Google Cloud Healthcare API copy; mirrors of the stage-1 archive exist)",
        "Kaggle competition rules (non-commercial research and education); the images are NIH ChestX-ray14 "
        "films re-annotated by SIIM and the Society of Thoracic Radiology: cite Filice et al. (J Digit "
        "Imaging 2020) and NIH",
        "siim/train-rle.csv   (ImageId, EncodedPixels; else radkit's shipped copy is used)\n"
        "siim/dicom-images-train/<study UID>/<series UID>/<SOPInstanceUID>.dcm   (stage 1, as unzipped;\n"
        "  any folder depth works: films are found by file name, <SOPInstanceUID>.dcm)",
    ),
    "medmnist": Source(
        "MedMNIST v2 (ChestMNIST, PneumoniaMNIST)",
        "medmnist",
        "https://zenodo.org/records/10519652",
        "tens of MB at 28x28, several GB at 224x224",
        "CC BY 4.0; cite Yang et al. (Sci Data 2023) and the source datasets",
        "medmnist/chestmnist.npz (28x28), medmnist/chestmnist_64.npz, _128.npz, _224.npz\n"
        "medmnist/pneumoniamnist.npz, pneumoniamnist_64.npz, ...",
    ),
}


def missing_message(key: str, where: Path | None, what: str = "") -> str:
    """The text of every 'dataset not found' error: page, size, licence, layout."""
    src = SOURCES[key]
    place = f"at {where}" if where is not None else "(no root= given and RADKIT_DATA is not set)"
    lines = [
        f"{src.title}: {what or 'data folder not found'} {place}.",
        f"Download it from {src.url} ({src.size}); licence: {src.licence}.",
        "Expected layout under $RADKIT_DATA:",
        *("    " + line for line in src.layout.splitlines()),
        f"Then pass root='/path/to/{src.folder}' or set RADKIT_DATA to the folder that holds '{src.folder}/'.",
    ]
    return "\n".join(lines)


def data_root(key: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of dataset ``key``: ``root`` if given, else ``$RADKIT_DATA/<folder>``.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp(); os.mkdir(os.path.join(d, "nih"))
    >>> data_root("nih", os.path.join(d, "nih")).name
    'nih'
    """
    if key not in SOURCES:
        raise KeyError(f"unknown dataset {key!r}; known: {', '.join(SOURCES)}.")
    if root is None:
        env = os.environ.get("RADKIT_DATA")
        if not env:
            raise FileNotFoundError(missing_message(key, None))
        root = Path(env).expanduser() / SOURCES[key].folder
    path = Path(root).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(missing_message(key, path))
    return path
