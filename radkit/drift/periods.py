"""Drift over calendar time on real films: pool sparse years, test each period against a reference.

A real archive gives a timeline by study date (PadChest: 2007-2017, with most
films from 2009 on). A random sample of a few thousand films holds a few hundred
films a year, and almost none in the first years, so the periods are pooled
first (:func:`pooled_years`) until each holds enough films for a two-sample
test. :func:`drift_by_period` then runs the kit's input tests (KS, MMD,
classifier) on the model's embeddings of each period against those of the
reference period, and :func:`auc_by_period` gives the model's AUC per period
where the period's labels allow one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._validate import check_count, check_two_samples
from radkit.drift.detectors import classifier_test, ks_test, median_bandwidth, mmd_test

__all__ = ["TESTS", "auc_by_period", "drift_by_period", "pooled_years"]

#: The input tests :func:`drift_by_period` knows, by name.
TESTS = ("KS", "MMD", "classifier")


def pooled_years(years: ArrayLike, *, min_films: int) -> pd.Series:
    """A period per year, neighbouring years pooled until each period holds ``min_films`` films.

    Years are walked from the earliest: a period is closed as soon as it holds at
    least ``min_films`` films; a last period left with fewer is pooled into the one
    before it. Periods are named ``"2009"`` or ``"2007-2009"``.

    Parameters
    ----------
    years : array-like of int
        The study year of each film (missing years are not allowed: drop them first).
    min_films : int, keyword-only
        Fewest films a period may hold.

    Returns
    -------
    pandas.Series
        Indexed by year (sorted), the name of the period each year belongs to.
        Map the films with ``pooled.reindex(years).to_numpy()``.

    Examples
    --------
    >>> years = [2007] + [2008] * 2 + [2009] * 5 + [2010] * 6 + [2011] * 2
    >>> pooled_years(years, min_films=5).to_dict()
    {2007: '2007-2009', 2008: '2007-2009', 2009: '2007-2009', 2010: '2010-2011', 2011: '2010-2011'}
    """
    y = pd.Series(np.asarray(years)).astype(float)
    if y.isna().any() or not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
        raise ValueError("years must be whole study years with none missing; drop the films without a date first.")
    min_films = check_count(min_films, "min_films", hint="the fewest films a period may hold, e.g. 100")
    counts = y.astype(int).value_counts().sort_index()
    if int(counts.sum()) < min_films:
        raise ValueError(
            f"all years together hold {int(counts.sum())} films, fewer than min_films={min_films}: "
            "no period can be formed. Use more films or a smaller min_films."
        )
    groups: list[list[int]] = []
    current: list[int] = []
    held = 0
    for year, n in counts.items():
        current.append(int(year))
        held += int(n)
        if held >= min_films:
            groups.append(current)
            current, held = [], 0
    if current:  # a short tail joins the period before it
        groups[-1].extend(current)
    names = {yr: (str(g[0]) if len(g) == 1 else f"{g[0]}-{g[-1]}") for g in groups for yr in g}
    return pd.Series(names, name="period").rename_axis("year")


def _periods(period: ArrayLike, n: int) -> tuple[np.ndarray, list]:
    p = np.asarray(period, dtype=object)
    if p.shape != (n,):
        raise ValueError(f"period must name one period per film of new ({n}), got shape {p.shape}.")
    if pd.isna(pd.Series(p)).any():
        raise ValueError("period has missing values; drop the films without a period first.")
    return p, list(dict.fromkeys(sorted(p.tolist())))


def drift_by_period(
    ref: ArrayLike,
    new: ArrayLike,
    period: ArrayLike,
    *,
    tests: Sequence[str] = TESTS,
    n_perm: int = 500,
    alpha: float = 0.05,
    min_films: int = 20,
    seed: int,
) -> pd.DataFrame:
    """Run two-sample drift tests of each period's embeddings against one reference sample.

    The same reference sample, and for MMD the same kernel width (the median
    heuristic on the reference), serve every period, so the periods' statistics
    are comparable. Each period's tests are independent draws: they are not
    corrected for the number of periods (read a run of flagged periods, not one).

    Parameters
    ----------
    ref : array-like, n_ref x d
        Embeddings of the reference films (e.g. held-out films of the earliest years).
    new : array-like, n x d
        Embeddings of the films to test.
    period : array-like, length n
        Which period each film of ``new`` belongs to (e.g. from :func:`pooled_years`);
        periods are reported in sorted order.
    tests : sequence of {"KS", "MMD", "classifier"}, keyword-only
        :func:`~radkit.drift.ks_test` (Holm over features, asymptotic p-values),
        :func:`~radkit.drift.mmd_test`, :func:`~radkit.drift.classifier_test`.
    n_perm : int, keyword-only
        Permutations of the MMD test.
    alpha : float, keyword-only
        Level of each test's decision.
    min_films : int, keyword-only
        A period with fewer films is reported with missing statistics (not estimable).
    seed : int, keyword-only
        Seeds the permutations and the classifier's split (one child seed per period).

    Returns
    -------
    pandas.DataFrame
        One row per (period, test): ``period``, ``test``, ``n_ref``, ``n_new``,
        ``statistic``, ``p_value``, ``drift`` (missing when not estimable).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> ref = g.normal(size=(150, 3))
    >>> new = np.vstack([g.normal(size=(100, 3)), g.normal(0.8, size=(100, 3))])
    >>> period = ["2010"] * 100 + ["2011"] * 100
    >>> t = drift_by_period(ref, new, period, tests=["KS", "MMD"], n_perm=200, seed=0)
    >>> t.pivot(index="period", columns="test", values="drift").astype(bool).to_dict("index")
    {'2010': {'KS': False, 'MMD': False}, '2011': {'KS': True, 'MMD': True}}
    """
    from radkit.seeding import check_seed, spawn

    a, b = check_two_samples(ref, new)
    p, names = _periods(period, len(b))
    unknown = [t for t in tests if t not in TESTS]
    if unknown or not len(tests):
        raise ValueError(f"tests={list(tests)!r}: choose among {', '.join(TESTS)}.")
    min_films = check_count(min_films, "min_films", hint="the fewest films a period needs, e.g. 20")
    bandwidth = median_bandwidth(a) if "MMD" in tests else None
    rows = []
    for name, sd in zip(names, spawn(check_seed(seed), len(names))):
        x = b[p == name]
        for test in tests:
            row = {"period": name, "test": test, "n_ref": len(a), "n_new": len(x)}
            if len(x) < min_films:
                rows.append({**row, "statistic": np.nan, "p_value": np.nan, "drift": pd.NA})
                continue
            if test == "KS":
                r = ks_test(a, x, method="asymp", alpha=alpha)
            elif test == "MMD":
                r = mmd_test(a, x, n_perm=n_perm, bandwidth=bandwidth, alpha=alpha, seed=sd)
            else:
                r = classifier_test(a, x, alpha=alpha, seed=sd)
            rows.append({**row, "statistic": r.statistic, "p_value": r.p_value, "drift": r.drift})
    out = pd.DataFrame(rows)
    out["drift"] = out["drift"].astype("boolean")
    return out


def auc_by_period(
    y_true: ArrayLike, y_score: ArrayLike, period: ArrayLike, *, min_positives: int = 5, min_negatives: int = 5
) -> pd.DataFrame:
    """The model's AUC (DeLong 95% interval) in each period that holds enough positives and negatives.

    A period with fewer than ``min_positives`` positive or ``min_negatives`` negative
    films is kept in the table, with a missing AUC and the reason, so a sparse year is
    reported rather than dropped. DeLong's interval needs at least two of each, so
    neither minimum may be below 2.

    Returns
    -------
    pandas.DataFrame
        Indexed by period (sorted): ``films``, ``positives``, ``auc``, ``low``, ``high``, ``note``.

    Examples
    --------
    >>> y = [0, 1, 0, 1, 0, 1, 0, 1, 0, 0]
    >>> s = [0.1, 0.9, 0.2, 0.8, 0.3, 0.4, 0.5, 0.6, 0.7, 0.2]
    >>> t = auc_by_period(y, s, ["a"] * 4 + ["b"] * 6, min_positives=2, min_negatives=2)
    >>> t["auc"].round(2).tolist(), t["positives"].tolist()
    ([1.0, 0.62], [2, 2])
    >>> auc_by_period(y, s, ["a"] * 4 + ["b"] * 6, min_positives=3)["note"].iloc[0]
    'not estimable: 2 positive and 2 negative films'
    """
    from radkit._validate import check_labels, check_scores
    from radkit.metrics import delong_auc

    y = check_labels(y_true, "y_true")
    s = check_scores(y_score, "y_score")
    if y.shape != s.shape:
        raise ValueError(f"y_true ({y.size}) and y_score ({s.size}) must have one value per film.")
    min_positives = check_count(min_positives, "min_positives", minimum=2, hint="DeLong needs 2 or more")
    min_negatives = check_count(min_negatives, "min_negatives", minimum=2, hint="DeLong needs 2 or more")
    p, names = _periods(period, len(y))
    rows = {}
    for name in names:
        yy, ss = y[p == name], s[p == name]
        pos, neg = int(yy.sum()), int(len(yy) - yy.sum())
        row = {"films": len(yy), "positives": pos, "auc": np.nan, "low": np.nan, "high": np.nan, "note": ""}
        if pos < min_positives or neg < min_negatives:
            row["note"] = f"not estimable: {pos} positive and {neg} negative films"
        else:
            r = delong_auc(yy, ss)
            row.update(auc=r.auc, low=r.low, high=r.high)
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("period")
