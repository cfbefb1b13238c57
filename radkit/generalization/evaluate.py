"""Internal versus external performance, and how much a counterfactual moves predictions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm

from radkit._compat import renamed_arguments
from radkit._validate import check_level
from radkit.metrics import delong_auc
from radkit.seeding import check_seed, rng
from radkit.stats import Estimate, percentile_interval, t_interval

__all__ = [
    "AucGap",
    "SeedComparison",
    "auc_gap",
    "compare_over_seeds",
    "per_source_auc",
    "prediction_shift",
    "resplit_gaps",
]


@dataclass(frozen=True)
class AucGap:
    """AUC on the internal hold-out and on the external site, and the drop between them.

    Attributes
    ----------
    internal, external : Estimate
        DeLong intervals.
    drop : Estimate
        ``internal - external``; the two test sets are independent, so its
        standard error is the root of the summed DeLong variances.
    """

    internal: Estimate
    external: Estimate
    drop: Estimate

    def to_frame(self) -> pd.DataFrame:
        """Three rows: internal AUC, external AUC, drop."""
        return pd.concat(
            [
                self.internal.to_frame("internal AUC"),
                self.external.to_frame("external AUC"),
                self.drop.to_frame("drop (internal - external)"),
            ]
        )


def auc_gap(
    y_internal: ArrayLike, s_internal: ArrayLike, y_external: ArrayLike, s_external: ArrayLike, *, level: float = 0.95
) -> AucGap:
    """Internal AUC, external AUC and their difference, each with a DeLong interval.

    Examples
    --------
    >>> g = auc_gap([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], [0.1, 0.7, 0.6, 0.9])
    >>> round(g.internal.estimate, 2), round(g.external.estimate, 2), round(g.drop.estimate, 2)
    (1.0, 0.75, 0.25)
    """
    alpha = 1 - level
    y_internal, s_internal = np.asarray(y_internal, dtype=float).ravel(), np.asarray(s_internal, dtype=float).ravel()
    y_external, s_external = np.asarray(y_external, dtype=float).ravel(), np.asarray(s_external, dtype=float).ravel()
    a, b = delong_auc(y_internal, s_internal, level=level), delong_auc(y_external, s_external, level=level)
    z = norm.ppf(1 - alpha / 2)
    est = lambda r, name: Estimate(r.auc, r.low, r.high, level=level, method="DeLong", n=int(name.size))
    d = a.auc - b.auc
    se = float(np.hypot(a.se, b.se))
    drop = Estimate(
        d,
        d - z * se,
        d + z * se,
        level=level,
        method="DeLong, independent sets",
        n=int(y_internal.size + y_external.size),
    )
    return AucGap(est(a, y_internal), est(b, y_external), drop)


def per_source_auc(
    scores: Mapping[str, tuple[ArrayLike, ArrayLike]],
    *,
    reference: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """One model scored on several test sets (its own test split, other sources): AUC, interval, prevalence.

    The table to show when a model trained at one hospital (or on one public
    source) is tested on its own hold-out and on other sources: for each test set
    the number of films, positives and prevalence next to the AUC with DeLong's
    interval, and the **drop** from the reference set (``reference AUC - this
    AUC``) with an interval whose variance is the sum of the two DeLong variances
    (the sets hold different patients, as in :func:`auc_gap`). A prevalence that
    differs between sources is one reason an AUC moves; show
    :func:`radkit.data.compare_sources` (views, age, sex) next to it.

    A set with fewer than two positive or two negative films (a rare finding at a
    source with a low prevalence) gets NaN for its AUC and a ``note`` that says
    so, instead of an error, so a lesson goes on and the reader sees why.

    Parameters
    ----------
    scores : mapping of name -> (y_true, y_score)
        One entry per test set, in the order to show: 0/1 labels (NaN labels, a
        finding a source left unknown, are left out and counted in ``note``) and
        the model's scores for the same films.
    reference : str, optional, keyword-only
        The set the others are compared with, usually the internal test; default
        the first entry of ``scores``.
    level : float, default 0.95, keyword-only
        Coverage of every interval.

    Returns
    -------
    pandas.DataFrame
        Indexed by set name: ``films``, ``positives``, ``prevalence``, ``AUC``,
        ``AUC low``, ``AUC high``, ``drop``, ``drop low``, ``drop high`` (NaN on the
        reference row) and ``note``. ``attrs["reference"]`` names the reference.

    Examples
    --------
    >>> t = per_source_auc({"internal": ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]),
    ...                     "other source": ([0, 0, 1, 1], [0.1, 0.7, 0.6, 0.9])})
    >>> t["AUC"].round(2).tolist(), round(float(t.loc["other source", "drop"]), 2), t.attrs["reference"]
    ([1.0, 0.75], 0.25, 'internal')
    >>> per_source_auc({"internal": ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]),
    ...                 "rare finding": ([0, 0, 0, 1], [0.1, 0.2, 0.3, 0.9])}).loc["rare finding", "note"]
    'AUC not estimable: 1 positive, 3 negative films'
    """
    if not scores:
        raise ValueError("per_source_auc: scores is empty; pass {'internal': (y_true, y_score), 'other': ...}.")
    reference = next(iter(scores)) if reference is None else reference
    if reference not in scores:
        raise ValueError(f"per_source_auc: reference={reference!r} is not one of the sets {list(scores)}.")
    level = check_level(level)
    z = norm.ppf(1 - (1 - level) / 2)
    rows, fits = {}, {}
    for name, pair in scores.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"per_source_auc: scores[{name!r}] must be a pair (y_true, y_score).")
        y = np.asarray(pair[0], dtype=float).ravel()
        s = np.asarray(pair[1], dtype=float).ravel()
        if y.shape != s.shape:
            raise ValueError(f"per_source_auc: set {name!r} has {y.size} labels but {s.size} scores.")
        known = np.isfinite(y)
        notes = [f"{int((~known).sum())} unknown labels left out"] if not known.all() else []
        y, s = y[known], s[known]
        if y.size == 0:
            raise ValueError(f"per_source_auc: set {name!r} has no film with a known label.")
        r = delong_auc(y, s, level=level, too_few="nan")
        if not np.isfinite(r.auc):
            notes.append(f"AUC not estimable: {int(y.sum())} positive, {int(y.size - y.sum())} negative films")
        fits[name] = r
        rows[name] = {
            "films": int(y.size),
            "positives": int(y.sum()),
            "prevalence": float(y.mean()),
            "AUC": r.auc,
            "AUC low": r.low,
            "AUC high": r.high,
            "note": "; ".join(notes),
        }
    ref = fits[reference]
    for name, r in fits.items():
        d = np.nan if name == reference else ref.auc - r.auc
        half = z * float(np.hypot(ref.se, r.se))
        rows[name].update({"drop": d, "drop low": d - half, "drop high": d + half})
    columns = ["films", "positives", "prevalence", "AUC", "AUC low", "AUC high", "drop", "drop low", "drop high"]
    table = pd.DataFrame.from_dict(rows, orient="index")[[*columns, "note"]].rename_axis("set")
    table.attrs["reference"] = reference
    return table


def prediction_shift(
    before: ArrayLike, after: ArrayLike, *, seed: int, n_boot: int = 1000, level: float = 0.95
) -> Estimate:
    """Mean absolute change of the predicted probability per case, with a bootstrap interval.

    ``before`` and ``after`` are the same cases scored twice (original and
    counterfactual, or original and a noisy copy).

    Examples
    --------
    >>> e = prediction_shift([0.1, 0.2, 0.3], [0.4, 0.5, 0.6], seed=0, n_boot=100)
    >>> round(e.estimate, 3), round(e.low, 3), round(e.high, 3)
    (0.3, 0.3, 0.3)
    """
    x, y = np.asarray(before, dtype=float).ravel(), np.asarray(after, dtype=float).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"before ({x.size}) and after ({y.size}) must score the same, non-empty set of cases.")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("before/after contain NaN or infinite scores; check the model's output.")
    d = np.abs(y - x)
    g = rng(check_seed(seed))
    reps = d[g.integers(0, d.size, size=(n_boot, d.size))].mean(1)
    low, high = percentile_interval(reps, level=level)
    return Estimate(float(d.mean()), low, high, level=level, method="bootstrap percentile", n=int(d.size))


@renamed_arguments(make_model="model_factory")
def resplit_gaps(
    features: ArrayLike,
    y_true: ArrayLike,
    site: ArrayLike,
    *,
    external: str | Sequence[str],
    seeds: Sequence[int],
    model_factory: Callable[[], object] | None = None,
    test_fraction: float = 0.3,
) -> pd.DataFrame:
    """Refit a cheap model on ``len(seeds)`` site-aware splits; internal and external AUC of each.

    The internal hold-out is re-drawn for every seed (see :func:`~radkit.generalization.site_split`);
    the external site is always the same. ``model_factory()`` returns a scikit-learn
    classifier with ``predict_proba`` (default :func:`radkit.fairness.linear_model`).

    Returns
    -------
    pandas.DataFrame
        One row per seed: ``internal``, ``external``, ``gap`` (internal - external).

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> site = np.array(["A", "B", "C"] * 100); y = gen.integers(0, 2, 300)
    >>> X = gen.normal(size=(300, 3)) + y[:, None] * np.where(site == "C", 0.2, 2.0)[:, None]
    >>> df = resplit_gaps(X, y, site, external="C", seeds=[0, 1])
    >>> bool((df["gap"] > 0.2).all())
    True
    """
    from sklearn.metrics import roc_auc_score

    from radkit.generalization.splits import site_split
    from radkit.metrics.probe import linear_model

    x = np.asarray(features, dtype=np.float32)
    x = x.reshape(len(x), -1)
    y = np.asarray(y_true, dtype=float).ravel()
    if len(x) != len(y):
        raise ValueError(f"features have {len(x)} rows but y_true has {len(y)}.")
    model_factory = model_factory or linear_model
    rows = []
    for sd in seeds:
        sp = site_split(site, external=external, test_fraction=test_fraction, seed=sd, y_true=y)
        m = model_factory().fit(x[sp.train], y[sp.train])
        a = roc_auc_score(y[sp.internal], m.predict_proba(x[sp.internal])[:, 1])
        b = roc_auc_score(y[sp.external], m.predict_proba(x[sp.external])[:, 1])
        rows.append({"seed": sd, "internal": a, "external": b, "gap": a - b})
    return pd.DataFrame(rows).set_index("seed")


@dataclass(frozen=True)
class SeedComparison:
    """Several training methods, each trained once per seed, scored on the same test sets.

    Attributes
    ----------
    per_seed : pandas.DataFrame
        One row per (seed, method): ``external`` AUC and, when an internal
        test was given, ``internal`` AUC.
    reference : str
        The method the others are compared with (e.g. ``"plain"``).
    external : dict[str, Estimate]
        Mean external AUC over seeds, t-interval over seeds.
    paired : dict[str, Estimate]
        For every other method: mean of the per-seed differences
        ``method - reference`` in external AUC, t-interval over seeds (a paired
        comparison: same seed, same split).
    drop : dict[str, Estimate]
        Mean ``internal - external`` AUC over seeds (empty without an internal test).
    """

    per_seed: pd.DataFrame
    reference: str
    external: dict[str, Estimate]
    paired: dict[str, Estimate]
    drop: dict[str, Estimate] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per method and quantity: external AUC, difference to the reference, drop."""
        parts = [e.to_frame(f"{m}: external AUC") for m, e in self.external.items()]
        parts += [e.to_frame(f"{m} - {self.reference}: external AUC") for m, e in self.paired.items()]
        parts += [e.to_frame(f"{m}: internal - external") for m, e in self.drop.items()]
        return pd.concat(parts)


def _whole(values: np.ndarray) -> bool:
    """True for floats that are all finite whole numbers (row positions written as 3.0)."""
    return values.dtype.kind == "f" and bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def compare_over_seeds(
    score_fns: Mapping[str, Callable[[int], ArrayLike]],
    y_true: ArrayLike,
    *,
    seeds: Sequence[int],
    external: ArrayLike,
    internal: ArrayLike | None = None,
    reference: str | None = None,
    level: float = 0.95,
    progress: bool = False,
) -> SeedComparison:
    """Train every method once per seed and compare external AUCs, paired by seed.

    A single training run of a small network is one draw from a noisy
    process: a different seed (weights, batch order, augmentation) can reverse
    the sign of a method's gain. This repeats each method over the same
    ``seeds`` and reports the mean external AUC over seeds and, for every
    method, the mean per-seed difference to ``reference`` (the same seed and
    split for both, so seed-to-seed noise shared by the methods cancels), each
    with a Student-t interval over seeds.

    Parameters
    ----------
    score_fns : mapping of name -> callable
        ``fn(seed)`` trains one model (with :func:`radkit.train.fit`) and
        returns its scores for every case of ``y_true``.
    y_true : array-like of 0/1
        Labels of all scored cases.
    seeds : sequence of int
        At least two distinct training seeds, e.g. ``radkit.seeding.spawn(prof.seed, 5)``.
    external, internal : array-like of int
        Row positions (into ``y_true``) of the external test and, optionally,
        of the internal hold-out; each needs both classes.
    reference : str, optional
        Method to compare against; default the first of ``score_fns``.
    level : float, default 0.95
    progress : bool, default False
        Show a tqdm bar over the ``len(seeds) * len(score_fns)`` fits.

    Returns
    -------
    SeedComparison

    Examples
    --------
    >>> y = np.array([0, 1] * 50)
    >>> def scores(shift):
    ...     return lambda seed: y * shift + np.random.default_rng(seed).normal(size=y.size)
    >>> c = compare_over_seeds({"plain": scores(0.5), "better": scores(2.0)}, y,
    ...                        seeds=[0, 1, 2], external=np.arange(100))
    >>> bool(c.paired["better"].estimate > 0.2), c.paired["better"].n
    (True, 3)
    """
    from sklearn.metrics import roc_auc_score

    if not score_fns:
        raise ValueError("score_fns is empty: pass {'plain': fn, 'other method': fn, ...}.")
    names = list(score_fns)
    reference = names[0] if reference is None else reference
    if reference not in score_fns:
        raise ValueError(f"reference={reference!r} is not one of the methods {names}.")
    seeds = [check_seed(s) for s in seeds]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(
            f"seeds={seeds} must hold at least two distinct seeds: an interval over seeds "
            "needs replicates (e.g. radkit.seeding.spawn(prof.seed, 5))."
        )
    level = check_level(level)
    y = np.asarray(y_true, dtype=float).ravel()
    tests = {"external": external} if internal is None else {"internal": internal, "external": external}
    for part, rows in list(tests.items()):
        given = np.asarray(rows).ravel()
        if given.dtype == bool:  # a mask read as row numbers would test rows 0 and 1 only
            if given.size != y.size:
                raise ValueError(f"{part} is a boolean mask of {given.size} values for {y.size} cases.")
            given = np.flatnonzero(given)
        elif given.size and given.dtype.kind not in "iu" and not _whole(given):
            raise ValueError(f"{part} must be row positions (integers) or a boolean mask, got {given[:5]}.")
        rows = given.astype(int)
        if rows.size == 0 or rows.min() < 0 or rows.max() >= y.size:
            raise ValueError(f"{part} must be non-empty row positions in 0..{y.size - 1}.")
        if np.unique(y[rows]).size != 2:
            raise ValueError(
                f"the {part} test has only one class ({np.unique(y[rows]).tolist()}): "
                "an AUC needs positives and negatives; choose a larger or another test set."
            )
        tests[part] = rows
    fits = [(s, n) for s in seeds for n in names]
    if progress:
        from tqdm.auto import tqdm

        fits = tqdm(fits, desc="fits (seed x method)")
    rows_out = []
    for s, name in fits:
        score = np.asarray(score_fns[name](s), dtype=float).ravel()
        if score.shape != y.shape:
            raise ValueError(
                f"method {name!r} returned {score.size} scores for {y.size} cases; "
                "score every case of y_true, in the same order."
            )
        if not np.isfinite(score).all():
            raise ValueError(
                f"method {name!r} (seed {s}) returned NaN or infinite scores; check that its training converged."
            )
        rows_out.append({"seed": s, "method": name, **{p: roc_auc_score(y[r], score[r]) for p, r in tests.items()}})
    per_seed = pd.DataFrame(rows_out)
    wide = per_seed.pivot(index="seed", columns="method", values="external").loc[seeds, names]
    ext = {n: t_interval(wide[n].to_numpy(), level=level, method="t over seeds") for n in names}
    paired = {
        n: t_interval((wide[n] - wide[reference]).to_numpy(), level=level, method="paired t over seeds")
        for n in names
        if n != reference
    }
    drop = {}
    if internal is not None:
        gap = per_seed.assign(gap=per_seed["internal"] - per_seed["external"])
        drop = {
            n: t_interval(gap.loc[gap["method"] == n, "gap"].to_numpy(), level=level, method="t over seeds")
            for n in names
        }
    return SeedComparison(per_seed, reference, ext, paired, drop)
