"""Is a downloaded folder complete and readable? ``python -m radkit.data check nih``.

:func:`folder_report` compares the films in a source's folder with its label table,
decodes them (all, or a random sample) to find unreadable files, and ends with what
the lessons will use: frontal films, one per patient, and the positives of each
lesson finding the source labels. Lessons read the same loaders, so a folder that
passes here is one they can use; :func:`radkit.data.real.real_lesson_data` prints
the count of absent films from the same listing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["FolderReport", "folder_report", "SHOWN"]

#: How many missing or unreadable files a report names before it gives only a count.
SHOWN = 5


@dataclass
class FolderReport:
    """What :func:`folder_report` found.

    Attributes
    ----------
    source, root : str, Path
        The source key and its folder.
    listed, found : int
        Images in the label table, and those present in the folder.
    missing : list of str
        Label-table entries whose file is absent.
    decoded : int
        Files decoded (all found, or the sample asked for).
    unreadable : list of (str, str)
        Files that did not decode, with the reason.
    films, patients : int
        What the lessons draw from: frontal films with known labels, and their patients.
    positives : dict of str to int
        Per lesson finding the source labels, positive films among ``films``.
    unlisted : list of str
        Image files in the folder that the label table does not name (another source's
        films, renamed files): lessons never read them.
    """

    source: str
    root: Path
    listed: int
    found: int
    missing: list[str]
    decoded: int
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    films: int = 0
    patients: int = 0
    positives: dict[str, int] = field(default_factory=dict)
    unlisted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every listed film is present and every decoded one was readable."""
        return not self.missing and not self.unreadable

    def __str__(self) -> str:
        def listing(items: list[str]) -> list[str]:
            more = len(items) - SHOWN
            return [f"    {x}" for x in items[:SHOWN]] + ([f"    ... and {more:,} more"] if more > 0 else [])

        lines = [f"{self.source} at {self.root}: {self.found:,} of {self.listed:,} films in the label table found."]
        if self.missing:
            lines += [f"  {len(self.missing):,} missing (a partial download?):", *listing(self.missing)]
        if self.unlisted:
            lines += [
                f"  {len(self.unlisted):,} image files in the folder are not in the label table (another source's "
                "films, or renamed?); lessons do not read them:",
                *listing(self.unlisted),
            ]
        part = "all found" if self.decoded == self.found else f"a random {self.decoded:,} of {self.found:,}"
        lines.append(f"  decoded {part}: {len(self.unreadable):,} unreadable.")
        if self.unreadable:
            lines += listing([f"{p}: {why}" for p, why in self.unreadable])
            lines.append("  Download those files again (or delete them: lessons skip films that are absent).")
        pos = ", ".join(f"{k} {v:,}" for k, v in self.positives.items()) or "none of the lesson findings"
        lines.append(
            f"The lessons will use {self.films:,} frontal films of {self.patients:,} patients "
            f"(one film per patient is drawn); positives: {pos}."
        )
        return "\n".join(lines)


def _loader(source: str, root: Path | None):
    from radkit.data import loaders

    make = {
        "nih": lambda: loaders.NIHChestXray14(root, missing="skip", size=None),
        "chexpert": lambda: loaders.CheXpert(root, uncertain="ignore", blank="zeros", missing="skip", size=None),
        "rsna": lambda: loaders.RSNAPneumonia(root, missing="skip", size=None),
        "vindr": lambda: loaders.VinDrCXR(root, split="train", missing="skip", size=None),
        "padchest": lambda: loaders.PadChest(root, missing="skip", size=None),
        "siim": lambda: loaders.SIIMPneumothorax(root, missing="skip", size=None),
    }
    return make[source]()


def folder_report(
    source: str,
    root: str | os.PathLike | None = None,
    *,
    sample: int | None = None,
    seed: int | None = None,
    progress: bool = True,
) -> FolderReport:
    """Count, decode and summarise a real source's folder.

    Parameters
    ----------
    source : {"nih", "chexpert", "rsna", "vindr", "padchest", "siim"}
    root : path, optional
        The source's folder; default ``$RADKIT_DATA/<source>``.
    sample : int, optional, keyword-only
        Decode only this many films, drawn at random (all when None; 112,120 NIH
        films take tens of minutes).
    seed : int, optional, keyword-only
        Which films the sample holds; needed with ``sample``.
    progress : bool, keyword-only
        Show a progress bar while decoding.

    Returns
    -------
    FolderReport
        Print it for the text ``python -m radkit.data check`` shows.

    Raises
    ------
    FileNotFoundError
        The folder is absent, or holds none of the label table's films (another source's
        films, or a download still in its archives); the message gives the expected layout.

    Examples
    --------
    >>> r = folder_report("nih", "/data/nih", sample=1000)   # doctest: +SKIP
    >>> print(r)                                            # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    from radkit.data._base import read_image
    from radkit.data.lesson import LESSON_FINDINGS
    from radkit.data.real import _TABLES
    from radkit.findings import source_labels

    if sample is not None and seed is None:
        raise ValueError("sample= draws films at random: give seed= too (any int), so the draw can be repeated.")
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 1):
        raise ValueError(f"sample={sample!r}: give a positive number of films to decode, or None for all.")
    from radkit.data._sources import data_root

    if source not in _TABLES:
        raise ValueError(f"unknown source {source!r}: use one of {', '.join(_TABLES)}.")
    folder = data_root(source, root)  # a clear error, with the expected layout, when the folder is absent
    ds = _loader(source, folder)
    files = list(ds.files)
    order = np.arange(len(files))
    if sample is not None and sample < len(files):
        order = np.sort(np.random.default_rng(seed).choice(len(files), size=int(sample), replace=False))
    unreadable: list[tuple[str, str]] = []
    for i in tqdm(order, desc=f"decoding {source} films", unit="film", disable=not progress):
        try:
            image = read_image(files[i])
            if image.ndim != 2 or min(image.shape) < 8:
                raise ValueError(f"not a radiograph (decoded shape {image.shape})")
        except Exception as err:  # every failure is reported per file, none stops the check
            unreadable.append((str(files[i]), f"{type(err).__name__}: {err}".splitlines()[0][:160]))
    findings = []
    for f in LESSON_FINDINGS:
        try:
            source_labels(source, f)
            findings.append(f)
        except (KeyError, ValueError):
            continue
    table = _TABLES[source](folder, findings)
    bad = {p for p, _ in unreadable}
    table = table[~table["file"].astype(str).isin(bad)]
    from radkit.data.loaders import IMAGE_SUFFIXES, _present_files

    read = {Path(f).resolve() for f in files}
    unlisted = sorted(
        rel
        for rel in _present_files(folder)
        if rel.lower().endswith(IMAGE_SUFFIXES) and (folder / rel).resolve() not in read
    )
    known = table[findings].notna().all(axis=1) if findings else np.ones(len(table), bool)
    usable = table[known]
    return FolderReport(
        source=source,
        root=folder,
        listed=len(files) + len(ds.not_found),
        found=len(files),
        missing=list(ds.not_found),
        decoded=len(order),
        unreadable=unreadable,
        films=len(usable),
        patients=int(usable["patient_id"].nunique()),
        positives={f: int((usable[f] == 1).sum()) for f in findings},
        unlisted=unlisted,
    )
