"""One call that gives a lesson its images: synthetic by default, real when you have them.

``RADKIT_IMAGES`` (read once, by :func:`images_source`, and printed by
``radkit.setup()``) chooses the source: ``synthetic`` (default) or one of the
real datasets in :data:`REAL_SOURCES`, found under ``RADKIT_DATA``. Whatever
the source, :func:`lesson_data` returns the same shape: a train and a test
:class:`Split`, each with images, labels for the lesson's findings and the
metadata lessons need (age, sex, view, site, date), sized by the profile.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from radkit.findings import FINDINGS, check_findings

if TYPE_CHECKING:
    from radkit.config import Profile
    from radkit.synth import SynthCXR

__all__ = ["IMAGES_ENV", "SOURCES_OF_IMAGES", "REAL_SOURCES", "LESSON_FINDINGS", "images_source",
           "LessonData", "Split", "lesson_data"]

IMAGES_ENV = "RADKIT_IMAGES"
REAL_SOURCES = ("nih", "chexpert", "rsna", "vindr", "padchest")
SOURCES_OF_IMAGES = ("synthetic", *REAL_SOURCES)
#: The findings lessons ask for: :data:`radkit.findings.FINDINGS`, re-exported.
LESSON_FINDINGS = FINDINGS
META_COLUMNS = ("age", "sex", "view", "site", "date")
#: Keyword options of :func:`lesson_data` meant for real sources.
REAL_OPTIONS = ("root", "uncertain", "label_policy", "cache")


def images_source(name: str | None = None) -> str:
    """The image source in use: ``name`` if given, else ``RADKIT_IMAGES`` (default ``synthetic``).

    Examples
    --------
    >>> images_source("NIH ")
    'nih'
    """
    from_env = name is None
    chosen = (os.environ.get(IMAGES_ENV, "") if from_env else name).strip().lower() or "synthetic"
    if chosen not in SOURCES_OF_IMAGES:
        where = f"environment variable {IMAGES_ENV}" if from_env else "argument"
        raise ValueError(f"Unknown image source {chosen!r} (from the {where}). Valid: "
                         f"{', '.join(SOURCES_OF_IMAGES)}. Example: {IMAGES_ENV}=nih RADKIT_DATA=/data/cxr make run")
    return chosen


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
    """What :func:`lesson_data` returns: ``train`` and ``test`` splits and where they came from.

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
        rows = {name: {"images": len(s), **{f"{f} positives": int(np.nansum(s.labels[f])) for f in self.findings}}
                for name, s in (("train", self.train), ("test", self.test))}
        return pd.DataFrame(rows).T


_check_findings = check_findings  # one check, in radkit.findings


def _synthetic(findings: list[str], *, n_train: int, n_test: int, size: int, seed: int,
               **synth_kwargs: Any) -> LessonData:
    from radkit import synth

    # train and test are drawn as two independent sets (different seeds), as a lesson would sample them
    sets = {"train": synth.generate(n_train, size=size, seed=seed, **synth_kwargs),
            "test": synth.generate(n_test, size=size, seed=seed + 1, **synth_kwargs)}
    splits = {k: Split(labels=s.labels[findings].astype(np.float32), meta=s.meta, synth=s) for k, s in sets.items()}
    return LessonData("synthetic", findings, splits["train"], splits["test"])


def lesson_data(prof: Profile, *, findings: str | Sequence[str] = ("cardiomegaly",), n_train: int | None = None,
                n_test: int | None = None, size: int | None = None, seed: int | None = None,
                source: str | None = None, **synth_kwargs: Any) -> LessonData:
    """Train and test images for a lesson, from the source ``RADKIT_IMAGES`` names.

    Parameters
    ----------
    prof : Profile
        From ``radkit.setup()``: gives the default sizes and the seed.
    findings : str or sequence of str
        Lesson findings (:data:`LESSON_FINDINGS`); real sources map them to their own label names.
    n_train, n_test, size : int, optional
        Override the profile's ``n_train``, ``n_test``, ``image_size``.
    seed : int, optional
        Default ``prof.seed``. The test set uses ``seed + 1``.
    source : str, optional
        Override the source that ``radkit.setup()`` read from ``RADKIT_IMAGES`` (``prof.images``).
    **synth_kwargs
        Passed to :func:`radkit.synth.generate` for the synthetic source (``sites``,
        ``prevalence``, ``drift``, ``marker_corr``, ``masks``...); ignored, with a
        note, for real images. The options of real sources (:data:`REAL_OPTIONS`:
        ``root``, ``uncertain``, ``label_policy``, ``cache``) go to
        :func:`radkit.data.real.real_lesson_data` and are ignored for synthetic data.

    Examples
    --------
    >>> import radkit
    >>> from radkit.data import lesson_data
    >>> prof = radkit.setup(profile_name="quick", verbose=False)
    >>> d = lesson_data(prof, findings="effusion", n_train=8, n_test=4, size=32, masks=False, source="synthetic")
    >>> X, y = d.train.tensors()
    >>> tuple(X.shape), tuple(y.shape), d.source
    ((8, 1, 32, 32), (8, 1), 'synthetic')
    """
    from radkit.config import Profile as _Profile
    from radkit.seeding import check_seed

    if not isinstance(prof, _Profile):
        raise TypeError(f"lesson_data: prof must be the Profile that radkit.setup() returns "
                        f"(prof = radkit.setup()), got {type(prof).__name__}.")
    names = _check_findings(findings)
    seed = check_seed(prof.seed if seed is None else seed)
    n_train = prof.n_train if n_train is None else n_train
    n_test = prof.n_test if n_test is None else n_test
    size = prof.image_size if size is None else size
    chosen = images_source(source if source is not None else getattr(prof, "images", None))
    real_options = {k: synth_kwargs.pop(k) for k in list(synth_kwargs) if k in REAL_OPTIONS}
    if chosen == "synthetic":
        return _synthetic(names, n_train=n_train, n_test=n_test, size=size, seed=seed, **synth_kwargs)
    from radkit.data.real import real_lesson_data

    if synth_kwargs:
        print(f"note ({chosen}): synthetic-only options {', '.join(sorted(synth_kwargs))} do not apply to real "
              "images and are ignored.")
    return real_lesson_data(chosen, names, n_train=n_train, n_test=n_test, size=size, seed=seed, **real_options)
