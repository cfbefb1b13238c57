"""Lesson data from downloaded real images: NIH, CheXpert, RSNA, VinDr-CXR, PadChest, SIIM-ACR.

:func:`real_lesson_data` is what :func:`radkit.data.lesson_data` calls when
``RADKIT_IMAGES`` names a real source. It reads the source's loader
(:mod:`radkit.data.loaders`, with ``missing="skip"`` so a partial download
works), maps the lesson's findings to the source's labels
(the one crosswalk, :mod:`radkit.findings`), keeps frontal views, and draws a train and a
test set:

* **one image per patient**, chosen at random: bootstrap intervals and
  statistical tests in the lessons assume independent cases, and follow-up
  films of one patient are not independent. It also makes the split
  patient-level by construction (no patient in both sets).
* **stratified** by the findings' label pattern, so both sets keep the
  source's prevalence and small folders still get positives on both sides.
* sized by ``n_train`` / ``n_test``; when the folder holds fewer usable
  images, all are used in the same train:test ratio and a note says so.
  Fewer than :data:`MIN_PER_CLASS` positives or negatives of a finding in
  either set is an error that says what to do.

Official train/test lists are not used (so numbers are not comparable to
published benchmarks); VinDr-CXR has no patient identifiers (each image is
treated as its own patient), and RSNA's images are NIH images whose patient
links were removed, so an NIH-vs-RSNA comparison may share patients.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from radkit.findings import map_findings, source_labels

__all__ = ["real_lesson_data", "available_sources", "MIN_PER_CLASS", "SITES", "CHEXPERT_UNCERTAIN"]

#: Fewest positives and negatives of each finding a split must have (an AUC needs both).
MIN_PER_CLASS = 2
#: What the ``site`` column says for each source (one hospital system each; PadChest keeps ``manufacturer``).
SITES = {
    "nih": "NIH Clinical Center",
    "chexpert": "Stanford Hospital",
    "rsna": "NIH Clinical Center (RSNA labels)",
    "vindr": "Hospital 108 / Hanoi Medical University Hospital",
    "padchest": "Hospital San Juan, Alicante",
    "siim": "NIH Clinical Center (SIIM-ACR masks)",
}
#: CheXpert uncertain-label policies for lessons ("drop" removes images uncertain for a requested finding).
CHEXPERT_UNCERTAIN = ("drop", "zeros", "ones")
_FRONTAL_PADCHEST = ("PA", "AP", "AP_horizontal")


def _films(ds, source: str, findings: list[str], columns: dict, *, labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per film of loader ``ds``: its file, ``columns``, and the lesson findings by the one crosswalk.

    ``attrs`` carries the loader's count of label-table entries absent from the folder (``not_found``)
    and of entries listed (``listed``), which :func:`real_lesson_data` reports.
    """
    table = pd.DataFrame({"file": ds.files, **columns}).join(
        map_findings(ds.labels if labels is None else labels, source, findings)
    )
    absent = len(getattr(ds, "not_found", ()))
    table.attrs.update(not_found=absent, listed=absent + len(ds))
    return table


def _nih(root: Path | None, findings: list[str], **_: object) -> pd.DataFrame:
    from radkit.data.loaders import NIHChestXray14

    ds = NIHChestXray14(root, missing="skip", size=None)
    m = ds.meta
    columns = {"patient_id": m["patient_id"].astype(str), "age": m["age"], "sex": m["sex"], "view": m["view"]}
    return _films(
        ds, "nih", findings, {**columns, "date": pd.NaT, "image_id": m["image_id"], "follow_up": m["follow_up"]}
    )


def _chexpert(root: Path | None, findings: list[str], *, uncertain: str = "drop", **_: object) -> pd.DataFrame:
    from radkit.data.loaders import CheXpert

    if uncertain not in CHEXPERT_UNCERTAIN:
        raise ValueError(
            f"uncertain={uncertain!r}: for lessons use 'drop' (leave out images whose label is "
            "uncertain for a requested finding; default), 'zeros' (U-Zeros) or 'ones' (U-Ones)."
        )
    # blank (unmentioned) = negative, as CheXpert's labeller intends; uncertain -> NaN, then dropped or mapped
    ds = CheXpert(
        root,
        uncertain="ignore" if uncertain == "drop" else uncertain,
        blank="zeros",
        frontal_only=True,
        missing="skip",
        size=None,
    )
    m = ds.meta
    sex = m["sex"].map({"Male": "M", "Female": "F"}).fillna("")
    view = m["ap_pa"].where(m["ap_pa"] != "", "frontal")
    columns = {"patient_id": m["patient_id"].astype(str), "age": m["age"], "sex": sex, "view": view}
    return _films(ds, "chexpert", findings, {**columns, "date": pd.NaT, "image_id": m["path"], "study": m["study"]})


def _rsna(root: Path | None, findings: list[str], **_: object) -> pd.DataFrame:
    from radkit.data.loaders import RSNAPneumonia

    ds = RSNAPneumonia(root, missing="skip", size=None)
    ids = ds.meta["patient_id"].astype(str)
    heads = pd.DataFrame({"patient_id": ids})
    try:  # age, sex and view from the DICOM header table shipped with torchxrayvision
        from radkit.public import rsna_entries

        known = rsna_entries()[["patient_id", "age", "sex", "view"]].astype({"sex": str, "view": str})
        heads = heads.merge(known, on="patient_id", how="left")
    except FileNotFoundError:
        heads = heads.assign(age=np.nan, sex="", view="")
    columns = {c: heads[c].to_numpy() for c in ("patient_id", "age", "sex", "view")}
    # RSNAPneumonia calls the file's Target column "Pneumonia"; the crosswalk names the file's column
    labels = ds.labels.rename(columns={"Pneumonia": "Target"})
    return _films(ds, "rsna", findings, {**columns, "date": pd.NaT, "image_id": ids + ".dcm"}, labels=labels)


def _vindr(root: Path | None, findings: list[str], *, label_policy: str = "majority", **_: object) -> pd.DataFrame:
    from radkit.data.loaders import VinDrCXR

    ds = VinDrCXR(root, label_policy=label_policy, split="train", missing="skip", size=None)
    ids = ds.meta["image_id"].astype(str)
    # VinDr-CXR publishes no patient identifiers and strips age/sex from its tables: one image = one patient
    columns = {"patient_id": ids, "age": np.nan, "sex": "", "view": "PA", "date": pd.NaT, "image_id": ids}
    return _films(ds, "vindr", findings, {**columns, "n_readers": ds.meta["n_readers"]})


def _padchest(root: Path | None, findings: list[str], **_: object) -> pd.DataFrame:
    from radkit.data.loaders import PadChest

    wanted = sorted({name for f in findings for name in source_labels("padchest", f)})
    ds = PadChest(root, pathologies=wanted, missing="skip", size=None)
    m = ds.meta
    date = pd.to_datetime(m["study_date"], format="%Y%m%d", errors="coerce")
    sex = m["sex"].where(m["sex"].isin(["M", "F"]), "")
    columns = {"patient_id": m["patient_id"].astype(str), "age": date.dt.year - m["birth_year"], "sex": sex}
    extra = {"view": m["projection"], "date": date, "image_id": m["image_id"], "manufacturer": m["manufacturer"]}
    table = _films(ds, "padchest", findings, {**columns, **extra})
    return table[table["view"].isin(_FRONTAL_PADCHEST)]


def _siim(root: Path | None, findings: list[str], **_: object) -> pd.DataFrame:
    from radkit.data.loaders import SIIMPneumothorax

    ds = SIIMPneumothorax(root, missing="skip", size=None)
    ids = ds.meta["image_id"].astype(str)
    # SIIM publishes no patient table and its tables no age, sex or view (frontal films; the headers
    # hold them): one image = one patient; image_id (the SOP Instance UID) finds each film's mask
    columns = {"patient_id": ids, "age": np.nan, "sex": "", "view": "frontal", "date": pd.NaT, "image_id": ids}
    return _films(ds, "siim", findings, {**columns, "n_components": ds.meta["n_components"]})


_TABLES: dict[str, Callable[..., pd.DataFrame]] = {
    "nih": _nih,
    "chexpert": _chexpert,
    "rsna": _rsna,
    "vindr": _vindr,
    "padchest": _padchest,
    "siim": _siim,
}


def available_sources(data: str | os.PathLike | None = None) -> list[str]:
    """Real sources whose folder exists under ``data`` (default ``$RADKIT_DATA``); contents are not checked.

    Lessons use it to offer external validation (train on one source, test on
    another) only when two sources are on disk.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); os.mkdir(os.path.join(d, "nih")); os.mkdir(os.path.join(d, "padchest"))
    >>> available_sources(d)
    ['nih', 'padchest']
    """
    from radkit.data._sources import SOURCES

    folder = data if data is not None else os.environ.get("RADKIT_DATA")
    if not folder:
        return []
    return [key for key in _TABLES if (Path(folder).expanduser() / SOURCES[key].folder).is_dir()]


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum to ``total`` (Hamilton's method)."""
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _draw(
    table: pd.DataFrame, findings: list[str], *, n_train: int, n_test: int, seed: int, notes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from radkit.seeding import rng

    gen = rng(seed)
    shuffled = table.iloc[gen.permutation(len(table))]
    one = shuffled.drop_duplicates("patient_id")  # a random image per patient
    if len(one) < len(table):
        notes.append(f"one image per patient: {len(one)} of {len(table)} images kept")
    wanted = n_train + n_test
    total = min(wanted, len(one))
    test_total = round(total * n_test / wanted)
    if total < wanted:
        notes.append(
            f"asked for {n_train} train + {n_test} test images, the folder has {len(one)} usable: "
            f"using {total - test_total} + {test_total}"
        )
    strata = one[findings].astype(int).astype(str).agg("".join, axis=1)
    groups = {key: idx for key, idx in one.groupby(strata, sort=True).indices.items()}
    sizes = np.array([len(idx) for idx in groups.values()], dtype=float)
    take = _largest_remainder(sizes, total)
    to_test = _largest_remainder(take.astype(float), test_total) if total else take * 0
    train_rows, test_rows = [], []
    for idx, k, t in zip(groups.values(), take, np.minimum(to_test, take)):
        test_rows.extend(idx[:t])
        train_rows.extend(idx[t:k])
    # keep the random order inside each set (not grouped by stratum)
    train = one.iloc[np.sort(np.asarray(train_rows, dtype=int))]
    test = one.iloc[np.sort(np.asarray(test_rows, dtype=int))]
    return train, test


def _check_usable(source: str, split: str, labels: pd.DataFrame) -> None:
    for finding in labels.columns:
        pos = int((labels[finding] == 1).sum())
        neg = int((labels[finding] == 0).sum())
        if min(pos, neg) < MIN_PER_CLASS:
            raise ValueError(
                f"RADKIT_IMAGES={source}: the {split} set has {pos} positive and {neg} negative images for "
                f"{finding}; a lesson needs at least {MIN_PER_CLASS} of each. Download more of the dataset "
                f"(see datasets/README.md), raise n_train/n_test, or choose a more common finding."
            )


def real_lesson_data(
    source: str,
    findings: Sequence[str],
    *,
    n_train: int,
    n_test: int,
    size: int,
    seed: int,
    root: str | os.PathLike | None = None,
    uncertain: str = "drop",
    label_policy: str = "majority",
    cache: bool = True,
    verbose: bool = True,
):
    """Train and test sets of a lesson from a downloaded real dataset.

    Parameters
    ----------
    source : {"nih", "chexpert", "rsna", "vindr", "padchest", "siim"}
    findings : sequence of str
        Lesson findings; each must exist in the source (see
        :func:`radkit.findings.finding_table`).
    n_train, n_test : int
        Wanted sizes (fewer when the folder holds fewer usable images). ``n_train=0``
        draws a test set only, as an external source needs.
    size : int
        Side of the square images, in pixels.
    seed : int
        Decides which patients are drawn and which set they go to.
    root : path, optional, keyword-only
        The dataset's own folder; default ``$RADKIT_DATA/<source>``.
    uncertain : {"drop", "zeros", "ones"}, keyword-only
        CheXpert's uncertain labels.
    label_policy : {"majority", "any"}, keyword-only
        VinDr-CXR's three readers per image.
    cache : bool, keyword-only
        Use the resize cache (:class:`radkit.data.cache.CachedImages`).
    verbose : bool, keyword-only
        Print the notes (fewer images than asked, images dropped).

    Returns
    -------
    radkit.data.LessonData
        ``train.synth`` / ``test.synth`` are None; ``dataset()`` streams
        from the cache, ``tensors()`` stacks it.

    Examples
    --------
    >>> d = real_lesson_data("nih", ["effusion"], n_train=1500, n_test=1000, size=64, seed=0)  # doctest: +SKIP
    >>> X, y = d.train.tensors()                                                               # doctest: +SKIP
    """
    from radkit.data._base import LessonData, Split
    from radkit.data.cache import CachedImages
    from radkit.findings import check_findings as _check_findings

    if source not in _TABLES:
        raise ValueError(f"Unknown real source {source!r}; use one of {', '.join(_TABLES)}.")
    names = _check_findings(findings)
    for finding in names:  # a finding the source lacks fails before any file is touched
        source_labels(source, finding)
    for name, value in (("n_train", n_train), ("n_test", n_test), ("size", size)):
        smallest = 0 if name == "n_train" else 1  # n_train=0: a test set only (an external source)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < smallest:
            raise ValueError(f"{name}={value!r}: use a {'whole number >= 0' if smallest == 0 else 'positive integer'}.")
    table = _TABLES[source](None if root is None else Path(root), names, uncertain=uncertain, label_policy=label_policy)
    notes: list[str] = []
    absent, listed = table.attrs.get("not_found", 0), table.attrs.get("listed", 0)
    if absent:
        notes.append(
            f"{absent:,} of the {listed:,} images in the label table are not in the folder (a partial download?): "
            f"the lesson draws from the {listed - absent:,} present; `python -m radkit.data check {source}` lists them"
        )
    known = table[names].notna().all(axis=1)
    if not known.all():
        notes.append(f"{int((~known).sum())} images with unknown or uncertain labels for {', '.join(names)} left out")
        table = table[known]
    train, test = _draw(
        table.reset_index(drop=True), names, n_train=int(n_train), n_test=int(n_test), seed=seed, notes=notes
    )
    assert not set(train["patient_id"]) & set(test["patient_id"]), "a patient is in both sets"
    splits = {}
    for split, rows in (("train", train), ("test", test)):
        labels = rows[names].astype(np.float32).reset_index(drop=True)
        if split == "test" or n_train:
            _check_usable(source, split, labels)
        extra = [c for c in rows.columns if c not in (*names, "file", "age", "sex", "view", "date", "patient_id")]
        meta = pd.DataFrame(
            {
                "age": pd.to_numeric(rows["age"], errors="coerce").astype(float).to_numpy(),
                "sex": rows["sex"].astype(str).to_numpy(),
                "view": rows["view"].astype(str).to_numpy(),
                "site": SITES[source],
                "date": pd.to_datetime(rows["date"]).to_numpy(),
                "source": source,
                "patient_id": rows["patient_id"].to_numpy(),
                **{c: rows[c].to_numpy() for c in extra},
            }
        )
        items = meta.assign(date=meta["date"].dt.strftime("%Y-%m-%d").fillna(""))  # "" not "NaT" in batches
        dataset = CachedImages(labels, items, list(rows["file"]), size=int(size), intensity="minmax", cache=cache)
        splits[split] = Split(labels=labels, meta=meta, synth=None, _dataset=dataset)
    if verbose:
        for note in notes:
            print(f"note ({source}): {note}")
    return LessonData(source, names, splits["train"], splits["test"], notes=notes)
