"""Validation designs: apparent, hold-out, k-fold, bootstrap optimism, temporal, external.

Every design takes a *learner*, a function ``learner(X, y) -> predict`` that fits
a model on ``X, y`` and returns ``predict(X_new) -> probabilities``, and
reports the AUC of the model it validates as a :class:`radkit.stats.Estimate`
(DeLong interval unless said otherwise). A learner can wrap anything:
:func:`ridge_learner` is the cheap linear model the lesson refits hundreds of
times; a CNN trained with :func:`radkit.train.fit` works the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import rankdata

from radkit._validate import check_binary, check_count, check_fraction, check_xy
from radkit.metrics import delong_auc, fit_platt
from radkit.seeding import check_seed, rng
from radkit.stats import Estimate

__all__ = [
    "Learner",
    "pool_pixels",
    "ridge_learner",
    "auc_estimate",
    "apparent",
    "holdout",
    "cross_validated",
    "optimism_corrected",
    "Optimism",
    "temporal_split",
    "temporal",
    "site_split",
    "external",
    "Designs",
    "validation_designs",
    "DESIGNS",
]

Predict = Callable[[np.ndarray], np.ndarray]
Learner = Callable[[np.ndarray, np.ndarray], Predict]

#: Design names in the order the lesson (and the forest plot) shows them.
DESIGNS = ("apparent", "hold-out", "k-fold CV", "optimism-corrected", "temporal", "external")


def pool_pixels(images, *, factor: int) -> np.ndarray:
    """Average ``factor x factor`` pixel blocks of N x C x H x W images; one feature row per image.

    Examples
    --------
    >>> import numpy as np
    >>> pool_pixels(np.ones((2, 1, 8, 8)), factor=4).shape
    (2, 4)
    """
    arr = images.numpy() if hasattr(images, "numpy") else np.asarray(images)
    factor = check_count(factor, "factor")
    if arr.ndim != 4:
        raise ValueError(f"pool_pixels needs images N x C x H x W, got shape {arr.shape}.")
    n, c, h, w = arr.shape
    if h % factor or w % factor:
        raise ValueError(f"factor={factor} must divide the image side ({h} x {w}).")
    out = arr.reshape(n, c, h // factor, factor, w // factor, factor).mean(axis=(3, 5), dtype=np.float64)
    return out.reshape(n, -1)


def _features(X, pool: int) -> np.ndarray:
    if pool > 1:
        return pool_pixels(X, factor=pool)
    arr = X.numpy() if hasattr(X, "numpy") else np.asarray(X)
    return np.asarray(arr, dtype=np.float64).reshape(len(arr), -1)


def ridge_learner(*, alpha: float = 1.0, pool: int = 1) -> Learner:
    """A plain linear model: ridge regression on (pooled) pixels, Platt-scaled to probabilities.

    Ridge regression of the 0/1 label on the features (intercept not penalised)
    ranks cases; a Platt fit on the training cases turns its score into a
    probability. Closed form, deterministic, a few milliseconds per fit: cheap
    enough to refit for every bootstrap replicate of Harrell's optimism correction.

    Parameters
    ----------
    alpha : float
        Ridge penalty on the standardised features (small = flexible, overfits more).
    pool : int
        Average ``pool x pool`` pixel blocks of N x C x H x W images first (1: use as is).
        When the same images are refitted many times, pool them once with
        :func:`pool_pixels` and pass the features instead.

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(200, 5)); y = (X[:, 0] + gen.normal(size=200) > 0).astype(int)
    >>> predict = ridge_learner(alpha=1.0)(X, y)
    >>> p = predict(X)
    >>> bool(p.min() >= 0 and p.max() <= 1), bool(np.corrcoef(p, X[:, 0])[0, 1] > 0.8)
    (True, True)
    """
    if not isinstance(alpha, (int, float, np.floating)) or not alpha > 0:
        raise ValueError(f"alpha must be a positive number, e.g. 1.0; got {alpha!r}.")
    pool = check_count(pool, "pool")

    def learn(X, y) -> Predict:
        F = _features(X, pool)
        yy = check_binary(np.asarray(y).ravel(), names=(), purpose="fitting a model")[0].astype(np.float64)
        if len(F) != len(yy):
            raise ValueError(f"X has {len(F)} cases but y has {len(yy)}.")
        mu, sd = F.mean(0), F.std(0) + 1e-8
        Z = (F - mu) / sd
        coef = np.linalg.solve(Z.T @ Z + alpha * np.eye(Z.shape[1]), Z.T @ (yy - yy.mean()))
        a, b = fit_platt(Z @ coef, yy)

        def predict(X_new) -> np.ndarray:
            return expit(a * (((_features(X_new, pool) - mu) / sd) @ coef) + b)

        return predict

    return learn


def auc_estimate(y_true, y_score, *, level: float = 0.95, method: str = "DeLong") -> Estimate:
    """AUC with DeLong's interval as an :class:`~radkit.stats.Estimate`.

    Examples
    --------
    >>> print(auc_estimate([0, 0, 1, 1, 0, 1], [0.1, 0.3, 0.8, 0.7, 0.6, 0.2]))
    0.778 (95% CI 0.291 to 1.000, DeLong, n = 6)
    """
    r = delong_auc(y_true, y_score, level=level)
    return Estimate(r.auc, r.low, r.high, level=level, method=method, n=int(np.size(y_true)))


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    """Mann-Whitney AUC (ties count half) from ranks: the point estimate alone, for tight loops."""
    r = rankdata(s)
    n1 = int(y.sum())
    return float((r[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(y) - n1)))


def _fit_score(learner: Learner, X, y, train: np.ndarray, test: np.ndarray, what: str) -> np.ndarray:
    yy = np.asarray(y).ravel()
    for name, idx in (("training", train), ("test", test)):
        if len(np.unique(yy[idx])) < 2:
            raise ValueError(
                f"{what}: the {name} part has {len(idx)} cases but only one class "
                f"({int(yy[idx][0]) if len(idx) else 'none'}); move the split (cut-off date, site) "
                "or use more cases so both parts hold positives and negatives."
            )
    predict = learner(X[train], yy[train])
    return np.asarray(predict(X[test]), dtype=np.float64).ravel()


def apparent(learner: Learner, X, y, *, level: float = 0.95) -> Estimate:
    """Apparent performance: fit and test on the same cases (optimistic by construction).

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(100, 40)); y = gen.integers(0, 2, 100)
    >>> apparent(ridge_learner(alpha=0.1), X, y).estimate > 0.8  # noise, yet it looks good
    True
    """
    yy = check_xy(X, y, purpose="apparent validation")
    idx = np.arange(len(yy))
    return auc_estimate(
        yy, _fit_score(learner, X, yy, idx, idx, "apparent"), level=level, method="DeLong (on the training cases)"
    )


def _stratified_folds(y: np.ndarray, k: int, gen: np.random.Generator) -> np.ndarray:
    """Fold number (0..k-1) per case, dealing each class's shuffled cases round-robin."""
    folds = np.empty(len(y), dtype=np.int64)
    start = 0
    for cls in (0, 1):
        members = gen.permutation(np.flatnonzero(y == cls))
        folds[members] = (np.arange(len(members)) + start) % k
        start += len(members)  # the next class starts where this one stopped: fold sizes stay even
    return folds


def holdout(learner: Learner, X, y, *, test_size: float = 0.3, seed: int, level: float = 0.95) -> Estimate:
    """Split-sample validation: fit on ``1 - test_size`` of the cases, test on the rest (stratified).

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(300, 3)); y = (X[:, 0] + gen.normal(size=300) > 0).astype(int)
    >>> e = holdout(ridge_learner(), X, y, seed=0)
    >>> e.n, bool(e.low < e.estimate < e.high)
    (90, True)
    """
    yy = check_xy(X, y, purpose="hold-out validation")
    frac = float(check_fraction(test_size, "test_size"))
    n_test = int(round(frac * len(yy)))
    if not 2 <= n_test <= len(yy) - 2:
        raise ValueError(f"test_size={test_size} leaves {n_test} test cases of {len(yy)}; use e.g. 0.3.")
    gen = rng(check_seed(seed))
    test = np.concatenate(
        [gen.permutation(np.flatnonzero(yy == c))[: int(round(frac * np.sum(yy == c)))] for c in (0, 1)]
    )
    train = np.setdiff1d(np.arange(len(yy)), test)
    return auc_estimate(
        yy[test], _fit_score(learner, X, yy, train, test, "hold-out"), level=level, method="DeLong (hold-out)"
    )


def cross_validated(learner: Learner, X, y, *, k: int = 5, seed: int, level: float = 0.95) -> Estimate:
    """Stratified k-fold cross-validation; AUC of the pooled out-of-fold predictions.

    The DeLong interval of pooled out-of-fold scores treats them as one model's,
    which they are not (k models): read it as approximate.

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(300, 3)); y = (X[:, 0] + gen.normal(size=300) > 0).astype(int)
    >>> cross_validated(ridge_learner(), X, y, k=5, seed=0).n
    300
    """
    yy = check_xy(X, y, purpose="cross-validation")
    k = check_count(k, "k", minimum=2, hint="k-fold needs at least 2 folds (5 or 10 is usual)")
    if min(yy.sum(), len(yy) - yy.sum()) < k:
        raise ValueError(
            f"k={k} folds need at least {k} cases of each class; this set has "
            f"{int(yy.sum())} positives and {int(len(yy) - yy.sum())} negatives. Use fewer folds."
        )
    folds = _stratified_folds(yy, k, rng(check_seed(seed)))
    oof = np.empty(len(yy))
    for f in range(k):
        test = np.flatnonzero(folds == f)
        oof[test] = _fit_score(learner, X, yy, np.flatnonzero(folds != f), test, f"fold {f + 1} of {k}")
    return auc_estimate(yy, oof, level=level, method=f"DeLong (pooled {k}-fold out-of-fold)")


@dataclass(frozen=True)
class Optimism:
    """Harrell's bootstrap optimism correction.

    Attributes
    ----------
    estimate : Estimate
        Corrected AUC; its interval is the apparent DeLong interval shifted by the optimism.
    apparent : float
        AUC of the model on its own training cases.
    optimism : float
        Mean over replicates of (AUC on the bootstrap sample - AUC on the original cases).
    replicates : ndarray
        The optimism of each replicate.
    """

    estimate: Estimate
    apparent: float
    optimism: float
    replicates: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row: the corrected estimate with its interval, the apparent AUC and the optimism."""
        out = self.estimate.to_frame("optimism-corrected")
        out["apparent"], out["optimism"], out["replicates"] = self.apparent, self.optimism, len(self.replicates)
        return out


def optimism_corrected(learner: Learner, X, y, *, n_boot: int = 200, seed: int, level: float = 0.95) -> Optimism:
    r"""Harrell's bootstrap optimism-corrected AUC (Harrell, Lee & Mark 1996).

    For each bootstrap sample :math:`b` of the cases, refit the model on it and
    record :math:`O_b = \mathrm{AUC}_b(b) - \mathrm{AUC}_b(\text{original})`, how
    much better the model looks on the cases it was fitted to. The corrected AUC
    is the apparent AUC minus the mean :math:`O_b`. Every replicate refits the
    model: use a learner that fits in milliseconds.

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(120, 40)); y = gen.integers(0, 2, 120)  # no signal at all
    >>> r = optimism_corrected(ridge_learner(alpha=0.1), X, y, n_boot=30, seed=0)
    >>> bool(r.apparent > 0.8), bool(abs(r.estimate.estimate - 0.5) < 0.1)
    (True, True)
    """
    yy = check_xy(X, y, purpose="optimism correction")
    n_boot = check_count(n_boot, "n_boot", minimum=2, hint="Harrell used 200 replicates")
    app = apparent(learner, X, yy, level=level)
    gen = rng(check_seed(seed))
    everyone = np.arange(len(yy))
    reps = np.empty(n_boot)
    for b in range(n_boot):
        idx = gen.integers(0, len(yy), len(yy))
        while yy[idx].min() == yy[idx].max():  # a sample with one class cannot be fitted
            idx = gen.integers(0, len(yy), len(yy))
        predict = learner(X[idx], yy[idx])
        on_sample = _auc(yy[idx], np.asarray(predict(X[idx])).ravel())
        reps[b] = on_sample - _auc(yy, np.asarray(predict(X[everyone])).ravel())
    opt = float(reps.mean())
    est = Estimate(
        app.estimate - opt,
        max(app.low - opt, 0.0),
        min(app.high - opt, 1.0),
        level=level,
        method=f"apparent DeLong shifted by bootstrap optimism ({n_boot} refits)",
        n=len(yy),
    )
    return Optimism(estimate=est, apparent=app.estimate, optimism=opt, replicates=reps)


def temporal_split(dates, *, cutoff) -> tuple[np.ndarray, np.ndarray]:
    """Indices of cases acquired before ``cutoff`` (development) and on or after it (test).

    Examples
    --------
    >>> before, after = temporal_split(["2020-05-01", "2023-01-02", "2021-12-31"], cutoff="2022-01-01")
    >>> before.tolist(), after.tolist()
    ([0, 2], [1])
    """
    raw = pd.Series(np.asarray(dates))
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        ambiguous = raw.astype(str).str.fullmatch(r"\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*")
        if ambiguous.any():
            first = raw[ambiguous].iloc[0]
            raise ValueError(
                f"date {first!r} could be day-first or month-first; write dates as YYYY-MM-DD, or parse them "
                "yourself and pass the result: pd.to_datetime(dates, dayfirst=True) (or format='%m/%d/%Y')."
            )
    d = pd.to_datetime(raw, errors="coerce")
    if d.isna().any():
        raise ValueError(
            f"{int(d.isna().sum())} date(s) are missing or unreadable (first at position "
            f"{int(np.flatnonzero(d.isna())[0])}); a temporal split needs every case's date."
        )
    cut = pd.Timestamp(cutoff)
    before, after = np.flatnonzero(d < cut), np.flatnonzero(d >= cut)
    if len(before) == 0 or len(after) == 0:
        raise ValueError(
            f"cutoff {cut.date()} leaves {len(before)} case(s) before and {len(after)} after; "
            f"the dates run from {d.min().date()} to {d.max().date()}. Pick a date inside that range."
        )
    return before, after


def temporal(learner: Learner, X, y, dates, *, cutoff, level: float = 0.95) -> Estimate:
    """Temporal validation: fit on cases before ``cutoff``, test on cases from it on.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(200, 3)); y = (X[:, 0] + gen.normal(size=200) > 0).astype(int)
    >>> dates = pd.date_range("2020-01-01", periods=200, freq="D")
    >>> temporal(ridge_learner(), X, y, dates, cutoff="2020-06-01").n
    48
    """
    yy = check_xy(X, y, purpose="temporal validation")
    if len(dates) != len(yy):
        raise ValueError(f"dates has {len(dates)} entries for {len(yy)} cases.")
    before, after = temporal_split(dates, cutoff=cutoff)
    return auc_estimate(
        yy[after],
        _fit_score(learner, X, yy, before, after, "temporal"),
        level=level,
        method=f"DeLong (from {pd.Timestamp(cutoff).date()})",
    )


def site_split(sites, *, site: str | list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the development sites and of the held-out ``site`` (one name or several).

    Examples
    --------
    >>> dev, ext = site_split(["A", "B", "C", "A"], site="C")
    >>> dev.tolist(), ext.tolist()
    ([0, 1, 3], [2])
    """
    raw = pd.Series(np.asarray(sites, dtype=object))
    if raw.isna().any():  # astype(str) would make them a site called 'None' or 'nan'
        raise ValueError(
            f"{int(raw.isna().sum())} case(s) have no site (first at position {int(np.flatnonzero(raw.isna())[0])}); "
            "drop them or give them a site name before a site split."
        )
    s = raw.astype(str).to_numpy()
    held = [site] if isinstance(site, str) else list(site)
    unknown = sorted(set(held) - set(s))
    if unknown:
        raise ValueError(f"site(s) {unknown} do not occur; the sites are {sorted(set(s))}.")
    mask = np.isin(s, held)
    if mask.all():
        raise ValueError("every case comes from the held-out site(s): nothing is left to develop the model on.")
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def external(learner: Learner, X, y, sites, *, site: str | list[str], level: float = 0.95) -> Estimate:
    """External validation: fit on every other site, test on ``site`` (leave-site-out).

    Raises a clear error when the external site has no positive (or no negative) case.

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(300, 3)); y = (X[:, 0] + gen.normal(size=300) > 0).astype(int)
    >>> external(ridge_learner(), X, y, np.repeat(["A", "B", "C"], 100), site="C").n
    100
    """
    yy = check_xy(X, y, purpose="external validation")
    if len(sites) != len(yy):
        raise ValueError(f"sites has {len(sites)} entries for {len(yy)} cases.")
    dev, ext = site_split(sites, site=site)
    return auc_estimate(
        yy[ext],
        _fit_score(learner, X, yy, dev, ext, f"external site {site}"),
        level=level,
        method=f"DeLong (site {site})",
    )


@dataclass(frozen=True)
class Designs:
    """Every design's estimate of the same model's AUC (:func:`validation_designs`)."""

    estimates: dict[str, Estimate]
    optimism: Optimism

    def __getitem__(self, name: str) -> Estimate:
        return self.estimates[name]

    def to_frame(self) -> pd.DataFrame:
        """One row per design: ``estimate, low, high, level, method, n``."""
        return pd.concat([e.to_frame(k) for k, e in self.estimates.items()])


def validation_designs(
    learner: Learner,
    X,
    y,
    *,
    sites,
    dates,
    external_site: str,
    cutoff,
    test_size: float = 0.3,
    k: int = 5,
    n_boot: int = 200,
    seed: int,
    level: float = 0.95,
) -> Designs:
    """All six designs on one data set: the development sites, and ``external_site`` kept out.

    Apparent, hold-out, k-fold and optimism-corrected estimates use only the
    development sites; temporal splits them at ``cutoff``; external fits on all of
    them and tests on ``external_site``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> gen = np.random.default_rng(0)
    >>> X = gen.normal(size=(400, 3)); y = (X[:, 0] + gen.normal(size=400) > 0).astype(int)
    >>> sites = np.repeat(["A", "B"], [300, 100]); dates = pd.date_range("2020-01-01", periods=400)
    >>> d = validation_designs(ridge_learner(), X, y, sites=sites, dates=dates, external_site="B",
    ...                        cutoff="2020-08-01", n_boot=5, seed=0)
    >>> list(d.to_frame().index) == list(DESIGNS)
    True
    """
    yy = check_xy(X, y, purpose="validation designs")
    dev, _ = site_split(sites, site=external_site)
    Xd, yd = X[dev], yy[dev]
    opt = optimism_corrected(learner, Xd, yd, n_boot=n_boot, seed=seed, level=level)
    est = {
        "apparent": apparent(learner, Xd, yd, level=level),
        "hold-out": holdout(learner, Xd, yd, test_size=test_size, seed=seed, level=level),
        "k-fold CV": cross_validated(learner, Xd, yd, k=k, seed=seed, level=level),
        "optimism-corrected": opt.estimate,
        "temporal": temporal(learner, Xd, yd, np.asarray(dates)[dev], cutoff=cutoff, level=level),
        "external": external(learner, X, yy, sites, site=external_site, level=level),
    }
    return Designs(estimates=est, optimism=opt)
