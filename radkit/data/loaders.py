"""Loaders for real chest radiograph datasets a user has downloaded.

Each class finds its folder (``root=`` or ``$RADKIT_DATA/<name>``), reads
the label table (the user's CSV when present, else the copy shipped in the
torchxrayvision wheel), and serves ``(image, label, meta)`` through
:class:`radkit.data.ImageDataset`. Layouts: ``datasets/README.md``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from radkit.data._base import ImageDataset
from radkit.data._sources import data_root, missing_message

__all__ = ["NIHChestXray14", "CheXpert", "RSNAPneumonia", "VinDrCXR", "PadChest", "SIIMPneumothorax"]


def _nih_labels() -> list[str]:
    """NIH's 14 findings as spelled in ``Finding Labels`` (radkit.public's list, without "No Finding")."""
    from radkit.public.nih import NIH_FINDINGS

    return [f for f in NIH_FINDINGS if f != "No Finding"]


def _chexpert_labels() -> list[str]:
    """CheXpert's 14 observations as spelled in its CSV headers (radkit.public's list)."""
    from radkit.public.chexpert import CHEXPERT_COLUMNS

    return list(CHEXPERT_COLUMNS)


#: Old names of radkit.public's label lists, kept for one release with a FutureWarning.
_MOVED = {
    "NIH_PATHOLOGIES": (_nih_labels, "radkit.public.NIH_FINDINGS (without 'No Finding')"),
    "CHEXPERT_PATHOLOGIES": (_chexpert_labels, "radkit.public.chexpert.CHEXPERT_COLUMNS"),
}


def __getattr__(name: str):
    if name in _MOVED:
        make, new = _MOVED[name]
        warnings.warn(
            f"radkit.data.{name} is a second spelling of {new}; use that. It goes in the next release.",
            FutureWarning,
            stacklevel=2,
        )
        return make()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Transform = Callable[[torch.Tensor], torch.Tensor] | None


def _txv_file(name: str) -> Path | None:
    """A label table shipped in the torchxrayvision wheel, located by radkit.public."""
    from radkit.public import data_dir

    path = data_dir() / name
    return path if path.is_file() else None


def _table_path(key: str, root: Path, candidates: Sequence[str], fallback: str | None) -> Path:
    """First label table found in ``root``, then torchxrayvision's copy."""
    for name in candidates:
        if (root / name).is_file():
            return root / name
    shipped = _txv_file(fallback) if fallback else None
    if shipped is not None:
        return shipped
    raise FileNotFoundError(missing_message(key, root, f"label table ({' or '.join(candidates)}) not found"))


#: File endings of films (lower case): what a folder check counts as an image.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm", ".dicom")


def _present_files(root: Path) -> set[str]:
    """Every file under ``root``, as a path relative to it with '/' separators (one directory walk)."""
    out: set[str] = set()
    prefix = len(str(root)) + 1
    for folder, _, files in os.walk(root, followlinks=True):
        rel = folder[prefix:].replace(os.sep, "/")
        out.update(f"{rel}/{f}" if rel else f for f in files)
    return out


def _locate(
    key: str, root: Path, options: list[list[str]], missing: str, names: Sequence[str], search: bool = False
) -> tuple[list[Path], np.ndarray]:
    """Pick the first existing candidate per item; optionally find the rest by file name anywhere under ``root``.

    ``options`` are paths relative to ``root`` ('/'-separated). The folder is walked once
    and candidates are looked up in that listing, which is much faster than one ``stat``
    per candidate for 100,000+ images (and the same when few are present).
    """
    if missing not in ("error", "skip"):
        raise ValueError(f"missing={missing!r}: use 'error' (default) or 'skip' (use only the images present).")
    present = _present_files(root)
    found: list[str | None] = [next((c for c in cands if c in present), None) for cands in options]
    if search and any(f is None for f in found):
        index = {rel.rsplit("/", 1)[-1]: rel for rel in sorted(present, reverse=True)}
        found = [
            f if f is not None else index.get(str(n).replace(os.sep, "/").rsplit("/", 1)[-1])
            for f, n in zip(found, names)
        ]
    keep = np.array([f is not None for f in found], dtype=bool)
    if not keep.any():
        images = sorted(f for f in present if f.lower().endswith(IMAGE_SUFFIXES))
        what = f"none of the {len(found)} images in the label table found"
        if images:
            what += (
                f": the folder holds {len(images):,} image files (e.g. {images[0]}) but none has a name the "
                "label table lists. Are they another source's films, or renamed? Check RADKIT_IMAGES and the folder"
            )
        raise FileNotFoundError(missing_message(key, root, what))
    if missing == "error" and not keep.all():
        first = names[int(np.argmin(keep))]
        raise FileNotFoundError(
            f"{(~keep).sum()} of {len(keep)} images listed in the label table are missing under {root} "
            f"(first: {first}). Finish the download, or pass missing='skip' to use the {keep.sum()} present."
        )
    return [root / f for f in found if f is not None], keep


def _not_found(names: Sequence[str], keep: np.ndarray) -> list[str]:
    """The label table's entries whose image is not in the folder (kept by each loader as ``not_found``)."""
    return [str(n) for n, k in zip(names, keep) if not k]


class NIHChestXray14(ImageDataset):
    """NIH ChestX-ray14: 112,120 frontal PNGs, 14 text-mined labels (Wang et al. 2017).

    Labels come from ``Finding Labels`` (``|``-separated; "No Finding" means
    all 14 are 0). They were mined from reports by NLP, so they are noisy.

    Parameters
    ----------
    root : path, optional
        Folder holding the CSV and ``images/``; default ``$RADKIT_DATA/nih``.
    split : {None, "train_val", "test"}, keyword-only
        Use the official patient-wise lists ``train_val_list.txt`` / ``test_list.txt``.
    missing : {"error", "skip"}, keyword-only
        What to do when listed images are absent (a partial download).
    size, transform, intensity : see :class:`ImageDataset`.

    Examples
    --------
    >>> ds = NIHChestXray14("/data/nih", missing="skip")      # doctest: +SKIP
    >>> image, label, meta = ds[0]                            # doctest: +SKIP
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        *,
        split: str | None = None,
        missing: str = "error",
        size: int | tuple[int, int] | None = 224,
        transform: Transform = None,
        intensity: str = "bitdepth",
    ) -> None:
        base = data_root("nih", root)
        from radkit.public import nih_entries, read_nih_table

        path = _table_path(
            "nih", base, ["Data_Entry_2017_v2020.csv", "Data_Entry_2017.csv"], "Data_Entry_2017_v2020.csv.gz"
        )
        table = nih_entries() if path == _txv_file("Data_Entry_2017_v2020.csv.gz") else read_nih_table(path)
        if split is not None:
            lists = {"train_val": "train_val_list.txt", "test": "test_list.txt"}
            if split not in lists:
                raise ValueError(f"split={split!r}: use None, 'train_val' or 'test'.")
            listing = base / lists[split]
            if not listing.is_file():
                raise FileNotFoundError(missing_message("nih", base, f"{lists[split]} (needed for split=) not found"))
            wanted = set(listing.read_text().split())
            table = table[table["image_id"].isin(wanted)]
        names = table["image_id"].astype(str).tolist()
        options = [[f"images/{n}", n] for n in names]
        files, keep = _locate("nih", base, options, missing, names, search=True)
        self.not_found = _not_found(names, keep)
        table = table[keep].reset_index(drop=True)
        # public.nih parses the table once; here its snake_case columns get NIH's spelling back
        labels = pd.DataFrame({p: table[p.lower()].astype(float) for p in _nih_labels()})
        meta = pd.DataFrame(
            {
                "image_id": table["image_id"].astype(str),
                "patient_id": table["patient_id"],
                "follow_up": table.get("follow_up", 0),
                "age": pd.to_numeric(table["age"], errors="coerce").astype(float),
                "sex": table["sex"].astype(object),
                "view": table["view"].astype(object),
            }
        )
        self.root = base
        super().__init__(labels, meta, files, size=size, transform=transform, intensity=intensity)


class CheXpert(ImageDataset):
    """CheXpert (Irvin et al. 2019): 14 observations labelled 1, 0, -1 (uncertain) or blank.

    Parameters
    ----------
    root : path, optional
        Folder holding ``CheXpert-v1.0-small/`` (or ``CheXpert-v1.0/``);
        default ``$RADKIT_DATA/chexpert``.
    uncertain : {"zeros", "ones", "ignore", "keep"}, keyword-only, required
        Policy for -1 labels, spelled as in :func:`radkit.public.chexpert_labels`:
        U-Zeros, U-Ones, U-Ignore (NaN, masked in the loss) or keep -1. There
        is no default because the choice changes what the model learns. The
        old spelling ``"nan"`` still works, with a ``FutureWarning``.
    blank : {"nan", "zeros"}, keyword-only
        Unmentioned observations: unknown (NaN, default) or negative.
    split : {"train", "valid"}, keyword-only
    frontal_only : bool, keyword-only
        Keep only frontal views.
    missing, size, transform, intensity : see :class:`NIHChestXray14`.

    Examples
    --------
    >>> ds = CheXpert("/data/chexpert", uncertain="ones")    # doctest: +SKIP
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        *,
        uncertain: str | None = None,
        blank: str = "nan",
        split: str = "train",
        frontal_only: bool = False,
        missing: str = "error",
        size: int | tuple[int, int] | None = 224,
        transform: Transform = None,
        intensity: str = "bitdepth",
    ) -> None:
        from radkit.public.chexpert import UNCERTAIN_POLICIES, uncertain_policy

        uncertain = uncertain_policy(uncertain, where="CheXpert()")
        if not isinstance(blank, str) or blank not in ("nan", "zeros"):
            raise ValueError(f"blank={blank!r}: use 'nan' (unmentioned = unknown) or 'zeros' (= negative).")
        if split not in ("train", "valid"):
            raise ValueError(f"split={split!r}: use 'train' or 'valid'.")
        base = data_root("chexpert", root)
        from radkit.public.chexpert import CHEXPERT_FINDINGS, read_chexpert_table

        path = _table_path(
            "chexpert",
            base,
            [f"CheXpert-v1.0-small/{split}.csv", f"CheXpert-v1.0/{split}.csv", f"{split}.csv"],
            "chexpert_train.csv.gz" if split == "train" else None,
        )
        table = read_chexpert_table(path)
        if frontal_only:
            table = table[table["frontal_lateral"] == "Frontal"]
        rel = table["path"].tolist()
        # CSV paths start with the release folder; accept images placed without it too
        options = [[r, r.split("/", 1)[-1]] for r in rel]
        files, keep = _locate("chexpert", base, options, missing, rel)
        self.not_found = _not_found(rel, keep)
        table = table[keep].reset_index(drop=True)
        raw = table[list(CHEXPERT_FINDINGS)].set_axis(_chexpert_labels(), axis=1)
        labels = raw.replace(-1.0, UNCERTAIN_POLICIES[uncertain])
        if blank == "zeros":  # only cells blank in the CSV; U-Ignore NaNs stay NaN
            labels = labels.where(raw.notna(), 0.0)
        meta = pd.DataFrame(
            {
                "path": table["path"],
                "patient_id": table["patient_id"],
                "study": table["study"],
                "sex": table["sex"].astype(object),
                "age": table["age"].astype(float),
                "view": table["frontal_lateral"].astype(object),
                "ap_pa": table["ap_pa"].astype(object),
            }
        )
        self.root, self.uncertain, self.blank = base, uncertain, blank
        super().__init__(labels, meta, files, size=size, transform=transform, intensity=intensity)


class RSNAPneumonia(ImageDataset):
    """RSNA Pneumonia Detection Challenge: DICOMs with a per-image pneumonia target.

    ``label = [Pneumonia]`` is 1 when any bounding-box row has ``Target=1``.
    Images are read with :func:`radkit.dicom.read` (window from the header).

    Examples
    --------
    >>> ds = RSNAPneumonia("/data/rsna")                     # doctest: +SKIP
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        *,
        missing: str = "error",
        size: int | tuple[int, int] | None = 224,
        transform: Transform = None,
        intensity: str = "bitdepth",
    ) -> None:
        from radkit.public import read_rsna_table

        base = data_root("rsna", root)
        boxes = read_rsna_table(
            _table_path("rsna", base, ["stage_2_train_labels.csv"], "kaggle_stage_2_train_labels.csv.zip")
        )
        table = boxes.groupby("patient_id", sort=False).agg(Target=("target", "max"), n_boxes=("target", "sum"))
        table = table.reset_index()
        classes = base / "stage_2_detailed_class_info.csv"
        if classes.is_file():
            info = (
                pd.read_csv(classes)
                .drop_duplicates("patientId")
                .rename(columns={"class": "class_name", "patientId": "patient_id"})
            )
            table = table.merge(info, on="patient_id", how="left")
        ids = table["patient_id"].astype(str).tolist()
        options = [[f"stage_2_train_images/{i}.dcm", f"{i}.dcm"] for i in ids]
        wanted = [f"{i}.dcm" for i in ids]
        files, keep = _locate("rsna", base, options, missing, wanted)
        self.not_found = _not_found(wanted, keep)
        table = table[keep].reset_index(drop=True)
        labels = pd.DataFrame({"Pneumonia": table["Target"].astype(float)})
        meta = pd.DataFrame({"patient_id": table["patient_id"].astype(str), "n_boxes": table["n_boxes"].astype(int)})
        if "class_name" in table:
            meta["class_name"] = table["class_name"]
        self.root = base
        super().__init__(labels, meta, files, size=size, transform=transform, intensity=intensity)


def _vindr_reader_table(base: Path, split: str) -> pd.DataFrame:
    """One row per (image_id, rad_id) with a 0/1 column per finding."""
    physionet = base / "annotations" / f"image_labels_{split}.csv"
    if physionet.is_file():
        return pd.read_csv(physionet)
    if split == "train":  # Kaggle VinBigData: one row per box/finding, parsed by radkit.public
        from radkit.public import read_vindr_table

        boxes = read_vindr_table(_table_path("vindr", base, ["train.csv"], "vinbigdata-train.csv.gz"))
        boxes = boxes.astype({"item": str, "reader": str, "finding": str})
        wide = pd.crosstab([boxes["item"], boxes["reader"]], boxes["finding"]).clip(upper=1)
        wide = wide.rename_axis(index=["image_id", "rad_id"])
        return wide.reset_index().rename_axis(columns=None)
    raise FileNotFoundError(missing_message("vindr", base, f"annotations/image_labels_{split}.csv not found"))


class VinDrCXR(ImageDataset):
    """VinDr-CXR: DICOMs, each training image labelled by 3 of 17 radiologists.

    Parameters
    ----------
    root : path, optional
        Default ``$RADKIT_DATA/vindr``.
    label_policy : {"any", "majority"}, keyword-only, required
        Combine readers: positive if any reader marked it, or if more than
        half did. No default: the choice moves prevalence a lot.
    split : {"train", "test"}, keyword-only
        The test split has one consensus label per image.
    missing, size, transform, intensity : see :class:`NIHChestXray14`.

    Examples
    --------
    >>> ds = VinDrCXR("/data/vindr", label_policy="majority")  # doctest: +SKIP
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        *,
        label_policy: str | None = None,
        split: str = "train",
        missing: str = "error",
        size: int | tuple[int, int] | None = 224,
        transform: Transform = None,
        intensity: str = "bitdepth",
    ) -> None:
        if label_policy not in ("any", "majority"):
            raise ValueError(
                f"label_policy={label_policy!r}: choose 'any' (any reader positive) or 'majority' "
                "(more than half of the readers) explicitly."
            )
        if split not in ("train", "test"):
            raise ValueError(f"split={split!r}: use 'train' or 'test'.")
        base = data_root("vindr", root)
        readers = _vindr_reader_table(base, split)
        if "rad_id" not in readers:
            readers = readers.assign(rad_id="consensus")
        findings = [c for c in readers.columns if c not in ("image_id", "rad_id")]
        grouped = readers.groupby("image_id", sort=False)
        votes, n = grouped[findings].sum(), grouped.size()
        positive = votes.gt(0) if label_policy == "any" else votes.gt(n.to_numpy()[:, None] / 2)
        ids = votes.index.astype(str).tolist()
        options = [[f"{split}/{i}.dicom", f"{split}/{i}.dcm"] for i in ids]
        wanted = [f"{split}/{i}.dicom" for i in ids]
        files, keep = _locate("vindr", base, options, missing, wanted)
        self.not_found = _not_found(wanted, keep)
        labels = positive.astype(float)[keep].reset_index(drop=True)
        meta = pd.DataFrame(
            {
                "image_id": ids,
                "n_readers": n.to_numpy(),
                "readers": grouped["rad_id"].agg(lambda r: ",".join(map(str, r))).to_numpy(),
            }
        )[keep].reset_index(drop=True)
        self.root, self.label_policy = base, label_policy
        super().__init__(labels, meta, files, size=size, transform=transform, intensity=intensity)


class PadChest(ImageDataset):
    """PadChest (Bustos et al. 2020): 16-bit PNGs with report-derived labels.

    Images are divided by 65535 (their 16-bit container), never cut to 8
    bits. Many use fewer than 16 bits, so they look dark; pass
    ``intensity="minmax"`` to stretch each image.

    Parameters
    ----------
    root : path, optional
        Default ``$RADKIT_DATA/padchest``.
    pathologies : list of str, optional, keyword-only
        PadChest label strings (lower case, e.g. "pleural effusion");
        default: every label present in the table, sorted.
    missing, size, transform, intensity : see :class:`NIHChestXray14`.

    Examples
    --------
    >>> ds = PadChest("/data/padchest", pathologies=["cardiomegaly"])  # doctest: +SKIP
    """

    CSV = "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv"

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        *,
        pathologies: Sequence[str] | None = None,
        missing: str = "error",
        size: int | tuple[int, int] | None = 224,
        transform: Transform = None,
        intensity: str = "bitdepth",
    ) -> None:
        from radkit.public import padchest_entries, read_padchest_table

        base = data_root("padchest", root)
        path = _table_path("padchest", base, [self.CSV, self.CSV + ".gz"], self.CSV + ".gz")
        table = padchest_entries() if path == _txv_file(self.CSV + ".gz") else read_padchest_table(path)
        names = table["image_id"].astype(str).tolist()
        dirs = table["image_dir"].tolist()
        options = [[f"images/{n}", f"{d}/{n}", n] for n, d in zip(names, dirs)]
        files, keep = _locate("padchest", base, options, missing, names, search=True)
        self.not_found = _not_found(names, keep)
        table = table[keep].reset_index(drop=True)
        # a report with no label at all (blank or [''] in the file) is unknown, not negative
        parsed = table["labels"].map(lambda ls: [x.lower() for x in ls] or None)
        if pathologies is None:
            pathologies = sorted({label for labels in parsed.dropna() for label in labels})
        wanted = [str(p).strip().lower() for p in pathologies]
        labels = pd.DataFrame({p: parsed.map(lambda f, p=p: np.nan if f is None else float(p in f)) for p in wanted})
        meta = pd.DataFrame(
            {
                "image_id": table["image_id"].astype(str),
                "patient_id": table["patient_id"],
                "study_id": table["study_id"],
                "sex": table["sex"].astype(object),
                "birth_year": table["birth_year"].astype(float),
                "projection": table["projection"].astype(object),
                "study_date": table["study_date"].dt.strftime("%Y%m%d"),
                "manufacturer": table["manufacturer"].astype(object),
            }
        )
        self.root = base
        super().__init__(labels, meta, files, size=size, transform=transform, intensity=intensity)


class SIIMPneumothorax(ImageDataset):
    """SIIM-ACR Pneumothorax (2019): NIH films as DICOMs, with radiologists' pneumothorax masks.

    ``label = [Pneumothorax]`` is 1 when the image has a mask row in ``train-rle.csv`` (not
    ``-1``). The masks travel with the loader: :meth:`mask` decodes one at the film's size
    on disk or a lesson's size. SIIM publishes no patient table: each image is its own patient.

    Parameters
    ----------
    root : path, optional
        Folder holding ``train-rle.csv`` and the DICOMs (stage 1: ``dicom-images-train/
        <study>/<series>/<SOPInstanceUID>.dcm``, found by file name at any depth); default
        ``$RADKIT_DATA/siim``. Without ``train-rle.csv`` radkit's shipped copy is used.
    missing, size, transform, intensity : see :class:`NIHChestXray14`.

    Attributes
    ----------
    rle : list of tuple of str
        Each film's run-length strings (empty when negative), in the loader's order.
    not_found : list of str
        ``<SOPInstanceUID>.dcm`` of the table's images absent from the folder.

    Examples
    --------
    >>> ds = SIIMPneumothorax("/data/siim", missing="skip")  # doctest: +SKIP
    >>> ds.mask(0, size=64).shape                             # doctest: +SKIP
    (64, 64)
    """

    #: The films' size on disk, which the masks' run-lengths index.
    SHAPE = (1024, 1024)

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        *,
        missing: str = "error",
        size: int | tuple[int, int] | None = 224,
        transform: Transform = None,
        intensity: str = "bitdepth",
    ) -> None:
        from radkit.public.siim import _table, read_siim_table

        base = data_root("siim", root)
        own = base / "train-rle.csv"
        table = read_siim_table(own) if own.is_file() else _table()
        ids = table["image_id"].astype(str).tolist()
        wanted = [f"{i}.dcm" for i in ids]
        options = [[f"dicom-images-train/{w}", w] for w in wanted]
        files, keep = _locate("siim", base, options, missing, wanted, search=True)
        self.not_found = _not_found(wanted, keep)
        table = table[keep].reset_index(drop=True)
        labels = pd.DataFrame({"Pneumothorax": table["has_pneumothorax"].astype(float)})
        meta = pd.DataFrame(
            {
                "image_id": table["image_id"].astype(str),
                "patient_id": table["image_id"].astype(str),
                "n_components": table["n_components"].astype(int),
            }
        )
        self.rle = [tuple(r) for r in table["rle"]]
        self.root = base
        super().__init__(labels, meta, files, size=size, transform=transform, intensity=intensity)

    def mask(self, i: int, *, size: int | None = None) -> np.ndarray:
        """Film ``i``'s pneumothorax mask (bool): at 1024 x 1024, or ``size`` x ``size`` by area (see
        :func:`radkit.public.siim_masks`)."""
        from radkit.public.siim import rle_decode, siim_masks

        if size is None:
            return rle_decode(self.rle[i], shape=self.SHAPE)
        return siim_masks([self.rle[i]], size=size, shape=self.SHAPE)[0]
