"""One call that gives a lesson its images: synthetic by default, real when you have them.

``RADKIT_IMAGES`` (read once, by :func:`radkit.config.images_source`, and printed by
``radkit.setup()``) chooses the source: ``synthetic`` (default) or one of the
real datasets in :data:`radkit.config.REAL_SOURCES`, found under ``RADKIT_DATA``. Whatever
the source, :func:`lesson_data` returns the same shape: a train and a test
:class:`~radkit.data._base.Split`, each with images, labels for the lesson's findings and the
metadata lessons need (age, sex, view, site, date), sized by the profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

# images_source and the source names live in radkit.config, LessonData and Split in radkit.data._base;
# they are re-exported here, where lessons have always imported them from.
from radkit.config import IMAGES_ENV, REAL_SOURCES, SOURCES_OF_IMAGES, images_source
from radkit.data._base import LessonData, Split
from radkit.findings import FINDINGS, check_findings

if TYPE_CHECKING:
    from radkit.config import Profile

__all__ = [
    "IMAGES_ENV",
    "SOURCES_OF_IMAGES",
    "REAL_SOURCES",
    "LESSON_FINDINGS",
    "images_source",
    "LessonData",
    "Split",
    "lesson_data",
    "external_sets",
    "compare_sources",
    "require_positives",
]

#: The findings lessons ask for: :data:`radkit.findings.FINDINGS`, re-exported.
LESSON_FINDINGS = FINDINGS
META_COLUMNS = ("age", "sex", "view", "site", "date")
#: Keyword options of :func:`lesson_data` meant for real sources.
REAL_OPTIONS = ("root", "uncertain", "label_policy", "cache")


_check_findings = check_findings  # one check, in radkit.findings


def _synthetic(
    findings: list[str], *, n_train: int, n_test: int, size: int, seed: int, **synth_kwargs: Any
) -> LessonData:
    from radkit import synth

    # train and test are drawn as two independent sets (different seeds), as a lesson would sample them
    sets = {
        "train": synth.generate(n_train, size=size, seed=seed, **synth_kwargs),
        "test": synth.generate(n_test, size=size, seed=seed + 1, **synth_kwargs),
    }
    splits = {k: Split(labels=s.labels[findings].astype(np.float32), meta=s.meta, synth=s) for k, s in sets.items()}
    return LessonData("synthetic", findings, splits["train"], splits["test"])


def lesson_data(
    prof: Profile,
    *,
    findings: str | Sequence[str] = ("cardiomegaly",),
    n_train: int | None = None,
    n_test: int | None = None,
    size: int | None = None,
    seed: int | None = None,
    source: str | None = None,
    **synth_kwargs: Any,
) -> LessonData:
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
        raise TypeError(
            f"lesson_data: prof must be the Profile that radkit.setup() returns "
            f"(prof = radkit.setup()), got {type(prof).__name__}."
        )
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
        print(
            f"note ({chosen}): synthetic-only options {', '.join(sorted(synth_kwargs))} do not apply to real "
            "images and are ignored."
        )
    return real_lesson_data(chosen, names, n_train=n_train, n_test=n_test, size=size, seed=seed, **real_options)


def external_sets(
    prof: Profile,
    *,
    findings: str | Sequence[str] = ("cardiomegaly",),
    n_test: int | None = None,
    size: int | None = None,
    seed: int | None = None,
    sources: Sequence[str] | None = None,
    **real_options: Any,
) -> dict[str, Split]:
    """A test set from each external source (``RADKIT_EXTERNAL``, ``prof.external``): other hospitals.

    Each is drawn as :func:`radkit.data.real.real_lesson_data` draws a test set (one
    film per patient, stratified by the findings' pattern, frontal views), with the
    findings mapped by the one crosswalk (:mod:`radkit.findings`), so a model trained
    on ``prof.images`` is scored on the same findings elsewhere. Show
    :func:`compare_sources` next to the result: prevalence, views and ages differ
    between sources, and an AUC moves with them.

    Parameters
    ----------
    prof : Profile
        From ``radkit.setup()``.
    findings : str or sequence of str, keyword-only
        Lesson findings; each source must have them (:func:`radkit.findings.finding_table`).
    n_test, size, seed : int, optional, keyword-only
        Default: the profile's ``n_test``, ``image_size`` and ``seed``.
    sources : sequence of str, optional, keyword-only
        Default ``prof.external``; an empty result when there is none.
    **real_options
        ``root``, ``uncertain``, ``label_policy``, ``cache`` (:data:`REAL_OPTIONS`).

    Returns
    -------
    dict of str to Split
        One test :class:`~radkit.data._base.Split` per source, in the order named.

    Examples
    --------
    >>> import radkit
    >>> prof = radkit.setup(profile_name="quick", verbose=False)
    >>> external_sets(prof, findings="effusion")  # nothing named in RADKIT_EXTERNAL
    {}
    """
    from radkit.config import external_sources
    from radkit.data.real import real_lesson_data
    from radkit.seeding import check_seed

    names = _check_findings(findings)
    unknown = set(real_options) - set(REAL_OPTIONS)
    if unknown:
        raise TypeError(f"external_sets: unknown option(s) {sorted(unknown)}; use {', '.join(REAL_OPTIONS)}.")
    chosen = prof.external if sources is None else external_sources(",".join(sources), images=prof.images)
    seed = check_seed(prof.seed if seed is None else seed)
    n_test = prof.n_test if n_test is None else n_test
    size = prof.image_size if size is None else size
    return {
        src: real_lesson_data(src, names, n_train=0, n_test=n_test, size=size, seed=seed, **real_options).test
        for src in chosen
    }


def compare_sources(sets: Mapping[str, Split], findings: str | Sequence[str]) -> pd.DataFrame:
    """What differs between sources besides the hospital: films, prevalence, views, age and sex.

    One row per source (a :class:`~radkit.data._base.Split` each, e.g. the training
    source's test split and :func:`external_sets`): the number of films, each finding's
    prevalence, the share of AP films (the portable, sicker patients' view), the median
    age and the share of women. Age and sex are missing where a source does not publish
    them (VinDr-CXR).

    Examples
    --------
    >>> import radkit
    >>> prof = radkit.setup(profile_name="quick", verbose=False)
    >>> d = lesson_data(prof, findings="effusion", n_train=8, n_test=40, size=16, masks=False, source="synthetic")
    >>> t = compare_sources({"synthetic": d.test}, "effusion")
    >>> list(t.columns)[:3], int(t.loc["synthetic", "films"])
    (['films', 'effusion prevalence', 'AP share'], 40)
    """
    names = _check_findings(findings)
    rows = {}
    for source, split in sets.items():
        meta = split.meta
        view = meta["view"].astype(str).str.upper() if "view" in meta else pd.Series(dtype=str)
        sex = meta["sex"].astype(str) if "sex" in meta else pd.Series(dtype=str)
        known_sex = sex.isin(["M", "F"])
        age = pd.to_numeric(meta["age"], errors="coerce") if "age" in meta else pd.Series(dtype=float)
        rows[source] = {
            "films": len(split.labels),
            **{f"{f} prevalence": float(np.nanmean(split.labels[f])) for f in names},
            "AP share": float(view.str.startswith("AP").mean()) if len(view) else np.nan,
            "median age": float(age.median()) if age.notna().any() else np.nan,
            "women share": float((sex[known_sex] == "F").mean()) if known_sex.any() else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("source")


def require_positives(split: Split, finding: str, *, at_least: int, purpose: str, source: str = "") -> int:
    """Stop with what to do when ``split`` has fewer than ``at_least`` films positive for ``finding``.

    Real sources carry their own prevalence: pneumothorax is about 1 film in 250 in
    PadChest and VinDr-CXR, so a few thousand films hold a handful of positives, too few
    for a threshold, a calibration or a sensitivity guarantee. A lesson calls this where
    it needs positives and says why (``purpose``); the message names the count, the
    finding's share in the split and the ways out.

    Returns
    -------
    int
        The number of positive films (at least ``at_least``).

    Examples
    --------
    >>> import radkit
    >>> prof = radkit.setup(profile_name="quick", verbose=False)
    >>> d = lesson_data(prof, findings="effusion", n_train=8, n_test=200, size=16, masks=False, source="synthetic")
    >>> require_positives(d.test, "effusion", at_least=5, purpose="a threshold") >= 5
    True
    """
    if finding not in split.labels:
        raise KeyError(f"require_positives: {finding!r} is not among the split's findings {list(split.labels)}.")
    positives = int(np.nansum(split.labels[finding].to_numpy() == 1))
    if positives < at_least:
        share = positives / max(len(split.labels), 1)
        where = f" of {source}" if source else ""
        raise ValueError(
            f"The test films{where} hold {positives} {finding} positives ({share:.2%} of {len(split.labels):,}); "
            f"{purpose} needs at least {at_least}. Use more films (RADKIT_PROFILE=standard, a fuller download), "
            f"or a source where {finding} is commoner (NIH, CheXpert: see datasets/README.md)."
        )
    return positives
