"""Tiny fake NIH and CheXpert folders, to run the real-image path without a download.

The files carry real image names and real labels (NIH: names from the label
table shipped with torchxrayvision, which the loader reads with
``missing="skip"``; CheXpert: rows of the shipped table written to a small
``train.csv``), and their pixels are synthetic radiographs whose findings
match those labels, so a model trained on them learns something. Used by the
tests and by anyone who wants to try ``RADKIT_IMAGES`` first::

    python -m radkit.devtools.fake_cxr /tmp/fake-cxr
    RADKIT_IMAGES=nih RADKIT_DATA=/tmp/fake-cxr jupyter lab

Nothing here is real patient data: the pixels come from :mod:`radkit.synth`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

__all__ = [
    "write_fake_nih",
    "write_fake_nih_sample",
    "write_fake_sample",
    "SAMPLE_SOURCES",
    "write_fake_chexpert",
    "write_fake_sources",
    "FAKE_PER_FINDING",
    "FAKE_NORMAL",
]

#: Images per lesson finding (only that finding positive) and with none of them: 2,500 per source,
#: the quick profile's 1,500 + 1,000, so a lesson's small CNN learns the (synthetic) findings as well
#: as it does in synthetic mode and real-image claims such as "the AUC interval is above 0.5" can hold.
FAKE_PER_FINDING = 300
FAKE_NORMAL = 1000
_SIZE = 128  # larger than the quick profile's 64, so resizing is exercised


def _pick(table: pd.DataFrame, patterns: pd.DataFrame, *, per_finding: int, normal: int, seed: int) -> pd.DataFrame:
    """Rows (one per patient) whose five-finding pattern is 'none' or exactly one finding."""
    from radkit.data.lesson import LESSON_FINDINGS
    from radkit.seeding import rng

    gen = rng(seed)
    total = patterns[list(LESSON_FINDINGS)].sum(axis=1)
    chosen, patients = [], set()
    wants = [(None, normal)] + [(f, per_finding) for f in LESSON_FINDINGS]
    for finding, k in wants:
        ok = (total == 0) if finding is None else ((total == 1) & (patterns[finding] == 1))
        idx = np.flatnonzero(ok.to_numpy())
        taken = 0
        for i in gen.permutation(idx):
            pid = table["patient_id"].iat[i]
            if pid in patients:
                continue
            patients.add(pid)
            chosen.append(i)
            taken += 1
            if taken == k:
                break
    return table.iloc[chosen].assign(
        pattern=patterns.iloc[chosen][list(LESSON_FINDINGS)]
        .idxmax(axis=1)
        .where(patterns.iloc[chosen][list(LESSON_FINDINGS)].sum(axis=1) > 0, "none")
        .to_numpy()
    )


def _synthetic_pixels(findings: list[str], *, seed: int) -> list[np.ndarray]:
    """One 8-bit synthetic radiograph per entry ('none' or a lesson finding), with that finding only."""
    from radkit import synth
    from radkit.data.lesson import LESSON_FINDINGS

    images: dict[str, list[np.ndarray]] = {}
    for k, pattern in enumerate(["none", *LESSON_FINDINGS]):
        n = findings.count(pattern)
        if n:
            prevalence = {f: float(f == pattern) for f in LESSON_FINDINGS}
            drawn = synth.generate(n, size=_SIZE, seed=seed + k, prevalence=prevalence, masks=False).images
            images[pattern] = list(np.round(drawn[:, 0].numpy() * 255).astype(np.uint8))
    return [images[f].pop() for f in findings]


def write_fake_nih(
    root: str | os.PathLike, *, per_finding: int = FAKE_PER_FINDING, normal: int = FAKE_NORMAL, seed: int
) -> Path:
    """Write ``root/nih/images/<real NIH name>.png``; no CSV (the loader uses the shipped table).

    Returns the ``nih`` folder.

    Examples
    --------
    >>> import tempfile
    >>> folder = write_fake_nih(tempfile.mkdtemp(), per_finding=2, normal=2)  # doctest: +SKIP
    """
    from radkit.findings import FINDINGS
    from radkit.public import finding_labels, nih_entries

    table = nih_entries()
    patterns = finding_labels("nih", FINDINGS).reset_index(drop=True).astype(int)  # same row order as the table
    rows = _pick(table, patterns, per_finding=per_finding, normal=normal, seed=seed)
    folder = Path(root) / "nih" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    for name, pixels in zip(rows["image_id"], _synthetic_pixels(list(rows["pattern"]), seed=seed + 10)):
        Image.fromarray(pixels).save(folder / name)
    return folder.parent


def write_fake_nih_sample(root: str | os.PathLike, n: int, *, seed: int) -> Path:
    """Write ``n`` NIH films drawn at random from the label table; :func:`write_fake_sample` for NIH."""
    return write_fake_sample(root, "nih", n, seed=seed)


#: Sources :func:`write_fake_sample` writes (those the lessons' findings exist in).
SAMPLE_SOURCES = ("nih", "chexpert", "padchest", "vindr", "siim")


def _eligible(source: str) -> pd.DataFrame:
    """The shipped label table of ``source``, frontal films only, one row per film: lesson findings (NaN = unknown)."""
    from radkit.data.loaders import _txv_file
    from radkit.findings import FINDINGS
    from radkit.public import finding_labels, padchest_entries

    if source == "siim":  # one label, from the masks table; every SIIM film is frontal
        from radkit.public.siim import _table

        table = _table()
        labels = pd.DataFrame(np.nan, index=pd.Index(table["image_id"].astype(str)), columns=list(FINDINGS))
        labels["pneumothorax"] = table["has_pneumothorax"].astype(float).to_numpy()
        return labels
    labels = finding_labels(source, FINDINGS)
    if source == "chexpert":
        shipped = pd.read_csv(_txv_file("chexpert_train.csv.gz"))
        labels = labels[labels.index.isin(shipped.loc[shipped["Frontal/Lateral"] == "Frontal", "Path"])]
    elif source == "padchest":
        frontal = padchest_entries().query("projection in ['PA', 'AP', 'AP_horizontal']")["image_id"]
        labels = labels[labels.index.isin(set(frontal.astype(str)))]
    return labels[~labels.index.duplicated()]


def _new(path: Path) -> Path:
    """``path``, its folder created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _save(base: Path, source: str, name: str, pixels: np.ndarray) -> None:
    """One film as the source publishes it: 8-bit PNG (NIH), JPEG (CheXpert), 16-bit PNG (PadChest), DICOM (VinDr,
    SIIM); the 16-bit formats use 12 of their bits, as many PadChest and VinDr films do."""
    wide = pixels.astype(np.uint16) * 16
    if source == "siim":  # stage 1: dicom-images-train/<study UID>/<series UID>/<SOPInstanceUID>.dcm, 8-bit
        from pydicom.uid import generate_uid

        study, series = (generate_uid(entropy_srcs=[name, part]) for part in ("study", "series"))
        _write_dicom(_new(base / "dicom-images-train" / study / series / f"{name}.dcm"), pixels, bits=8, uid=name)
    elif source == "vindr":
        _write_dicom(_new(base / "train" / f"{name}.dicom"), wide)
    elif source == "chexpert":
        Image.fromarray(pixels).save(_new(base / name), quality=95)
    else:  # NIH, PadChest
        Image.fromarray(wide if source == "padchest" else pixels).save(_new(base / "images" / name))


def _write_dicom(path: Path, pixels: np.ndarray, *, bits: int = 12, uid: str | None = None) -> None:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, uid or generate_uid()
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    if bits == 8:
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        ds.PixelData = pixels.astype(np.uint8).tobytes()
    else:
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = pixels.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def _siim_paint(pixels: np.ndarray, rle: tuple[str, ...]) -> np.ndarray:
    """A pneumothorax drawn where SIIM's radiologists outlined one: dark air inside the mask, a bright pleural line.

    The mask (1024 x 1024 run-lengths) is area-resampled to the fake film's size, so a lesson that resizes
    the film and the mask alike finds the lesion inside it (a thin mask is kept by any coverage).
    """
    from scipy.ndimage import binary_dilation

    from radkit.public.siim import siim_masks

    side = pixels.shape[0]
    mask = siim_masks([rle], size=side, cover=0.25)[0]
    if not mask.any():
        mask = siim_masks([rle], size=side, cover=1e-9)[0]
    out = pixels.astype(np.float32)
    out[mask] = 0.35 * out[mask]  # air: darker, and without the lung's markings
    line = binary_dilation(mask) & ~mask
    out[line] = np.maximum(out[line], 230.0)
    return np.round(np.clip(out, 0, 255)).astype(np.uint8)


def write_fake_sample(root: str | os.PathLike, source: str, n: int, *, seed: int) -> Path:
    """Write ``n`` films of ``source`` drawn at random from its label table: real prevalence, as a partial download.

    Unlike :func:`write_fake_nih` (enriched: each lesson finding alone on hundreds of films),
    the films are a uniform random sample of the source's frontal films with every label they
    have, so rare findings and rare groups (children, pneumothorax in PadChest) are as rare as
    in the source; each film's pixels carry its own lesson findings (several at once where the
    table says so; an unknown label is drawn absent). Files have the source's real names and
    formats (:func:`_save`); CheXpert also gets a ``train.csv`` of the films written, SIIM a
    ``train-rle.csv`` (its masks), and SIIM's pneumothorax is drawn inside each film's real mask
    (:func:`_siim_paint`), not where the generator would put it, so maps can be scored against the
    masks. No label table is written for the others: their loaders read the copy shipped with
    torchxrayvision. Returns the source's folder.

    Examples
    --------
    >>> import tempfile
    >>> folder = write_fake_sample(tempfile.mkdtemp(), "padchest", 20, seed=0)  # doctest: +SKIP
    """
    from radkit import synth
    from radkit.data.lesson import LESSON_FINDINGS
    from radkit.seeding import rng

    if source not in SAMPLE_SOURCES:
        raise ValueError(f"write_fake_sample: source={source!r}; use one of {', '.join(SAMPLE_SOURCES)}.")
    labels = _eligible(source)
    if not 0 < int(n) <= len(labels):
        raise ValueError(f"write_fake_sample: n={n!r}; {source} has {len(labels):,} frontal films, use 1 to that.")
    rows = np.sort(rng(seed).choice(len(labels), size=int(n), replace=False))
    picked = labels.iloc[rows].fillna(0).astype(int)[list(LESSON_FINDINGS)]
    base = Path(root) / source
    if source == "siim":
        from radkit.public.siim import _table

        siim = _table().set_index("image_id").loc[list(picked.index)]
    for k, (pattern, names) in enumerate(picked.groupby(list(LESSON_FINDINGS)).groups.items()):
        prevalence = {f: float(v) for f, v in zip(LESSON_FINDINGS, pattern)}
        if source == "siim":  # the pneumothorax is painted into the real mask's region instead
            prevalence = {f: 0.0 for f in LESSON_FINDINGS}
        drawn = synth.generate(len(names), size=_SIZE, seed=seed + 100 + k, prevalence=prevalence, masks=False).images
        for name, pixels in zip(names, np.round(drawn[:, 0].numpy() * 255).astype(np.uint8)):
            if source == "siim" and siim.at[name, "has_pneumothorax"]:
                pixels = _siim_paint(pixels, siim.at[name, "rle"])
            _save(base, source, str(name), pixels)
    if source == "siim":  # the Kaggle file: one row per mask region, -1 for a film without one
        rows = [(i, r) for i, rles in zip(siim.index, siim["rle"]) for r in (rles or ("-1",))]
        pd.DataFrame(rows, columns=["ImageId", " EncodedPixels"]).to_csv(base / "train-rle.csv", index=False)
    if source == "chexpert":
        from radkit.data.loaders import _txv_file

        shipped = pd.read_csv(_txv_file("chexpert_train.csv.gz"))
        listed = shipped[shipped["Path"].isin(set(picked.index))]
        (base / "CheXpert-v1.0-small").mkdir(parents=True, exist_ok=True)
        listed.to_csv(base / "CheXpert-v1.0-small" / "train.csv", index=False)
    return base


def write_fake_chexpert(
    root: str | os.PathLike, *, per_finding: int = FAKE_PER_FINDING, normal: int = FAKE_NORMAL, seed: int
) -> Path:
    """Write ``root/chexpert/CheXpert-v1.0-small/train.csv`` and its frontal JPEGs.

    The CSV also lists a few images that are not written (a partial download).
    Returns the ``chexpert`` folder.
    """
    from radkit.data.loaders import _txv_file
    from radkit.findings import CROSSWALK, FINDINGS

    shipped = _txv_file("chexpert_train.csv.gz")
    if shipped is None:
        raise FileNotFoundError("torchxrayvision's chexpert_train.csv.gz is needed: pip install torchxrayvision")
    table = pd.read_csv(shipped)
    table = table[table["Frontal/Lateral"] == "Frontal"].reset_index(drop=True)
    cols = {f: CROSSWALK["chexpert"][f][0] for f in FINDINGS}
    raw = table[list(cols.values())]
    certain = ~(raw == -1).any(axis=1)
    patterns = pd.DataFrame({f: (table[c] == 1).astype(int) for f, c in cols.items()}).where(certain, 9)
    table = table.assign(patient_id=table["Path"].str.extract(r"(patient\d+)")[0])
    rows = _pick(table, patterns, per_finding=per_finding, normal=normal, seed=seed)
    base = Path(root) / "chexpert"
    for path, pixels in zip(rows["Path"], _synthetic_pixels(list(rows["pattern"]), seed=seed + 20)):
        out = base / path
        out.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(out, quality=95)
    unwritten = table[~table["patient_id"].isin(set(rows["patient_id"]))].head(3)
    listed = pd.concat([rows, unwritten]).drop(columns=["patient_id", "pattern"])
    listed.to_csv(base / "CheXpert-v1.0-small" / "train.csv", index=False)
    return base


def write_fake_sources(
    root: str | os.PathLike, *, per_finding: int = FAKE_PER_FINDING, normal: int = FAKE_NORMAL, seed: int
) -> Path:
    """Fake ``nih/`` and ``chexpert/`` under ``root`` (a ``RADKIT_DATA`` folder); returns ``root``."""
    root = Path(root)
    write_fake_nih(root, per_finding=per_finding, normal=normal, seed=seed)
    write_fake_chexpert(root, per_finding=per_finding, normal=normal, seed=seed)
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="the RADKIT_DATA folder to write nih/ and chexpert/ into")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fake films (default 0)")
    args = parser.parse_args(argv)
    root = write_fake_sources(args.folder, seed=args.seed)
    print(f"wrote {root}/nih and {root}/chexpert; try: RADKIT_IMAGES=nih RADKIT_DATA={root} ...")


if __name__ == "__main__":
    main()
