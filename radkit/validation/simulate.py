"""Simulated validation studies: interval coverage, interval widths, reader studies, silent trials.

The synthetic generator knows the truth, so a validation can be repeated as
often as we like and its reported numbers checked against what they claim:
:func:`interval_coverage` (how often a 95% interval holds the true AUC),
:func:`sens_interval_width` (does Buderer's n deliver the promised width),
:func:`assist_readers` and :func:`reader_study` (readers with and without the
model's output, paired by case) and :func:`silent_trial` (the model runs in
the background on new cases; its calls are compared with the readers').
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments
from radkit._validate import check_binary, check_count, check_fraction, check_level
from radkit.metrics import delong_auc
from radkit.seeding import check_seed, rng
from radkit.stats import Estimate, percentile_interval, proportion

__all__ = [
    "proportion_estimate",
    "Coverage",
    "interval_coverage",
    "WidthSimulation",
    "sens_interval_width",
    "assist_readers",
    "ReaderStudy",
    "reader_study",
    "silent_trial",
]


#: ``k / n`` with its Wilson interval: the same function as :func:`radkit.stats.proportion`, its home.
proportion_estimate = proportion


@dataclass(frozen=True)
class Coverage:
    """How often simulated studies' intervals contained each truth.

    Attributes
    ----------
    rates : dict of str to Estimate
        Share of studies whose interval contained that truth (Wilson interval).
    truths : dict of str to float
    estimates, low, high : ndarray
        Each simulated study's AUC and interval.
    """

    rates: dict[str, Estimate]
    truths: dict[str, float]
    estimates: np.ndarray = field(repr=False)
    low: np.ndarray = field(repr=False)
    high: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per truth: its value and the coverage with its interval."""
        out = pd.concat([e.to_frame(k) for k, e in self.rates.items()])
        out.insert(0, "truth", [self.truths[k] for k in self.rates])
        return out


def interval_coverage(
    y_true, y_score, *, truths: dict[str, float], n: int, n_studies: int, seed: int, level: float = 0.95
) -> Coverage:
    """Coverage of DeLong intervals from studies of ``n`` cases drawn from a population.

    The population is the cases ``(y_true, y_score)`` (a large sample the model
    was scored on); each simulated study draws ``n`` of them with replacement,
    reports the AUC with its interval, and is checked against every value in
    ``truths`` (e.g. the population's own AUC, and the AUC at another site).

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(0)
    >>> y = gen.integers(0, 2, 5000); s = gen.normal(loc=y)
    >>> from sklearn.metrics import roc_auc_score
    >>> c = interval_coverage(y, s, truths={"population": roc_auc_score(y, s)}, n=200, n_studies=200, seed=0)
    >>> bool(0.88 < c.rates["population"].estimate < 1.0)
    True
    """
    y, s = check_binary(y_true, y_score, purpose="interval coverage")
    n = check_count(n, "n", minimum=4)
    n_studies = check_count(n_studies, "n_studies")
    if not truths:
        raise ValueError(
            "truths is empty: give at least one true value to check the intervals against, "
            "e.g. {'internal': auc_on_a_large_sample}."
        )
    level = check_level(level)
    gen = rng(check_seed(seed))
    est, lo, hi = np.empty(n_studies), np.empty(n_studies), np.empty(n_studies)
    for i in range(n_studies):
        idx = gen.integers(0, len(y), n)
        while y[idx].min() == y[idx].max():
            idx = gen.integers(0, len(y), n)
        r = delong_auc(y[idx], s[idx], level=level)
        est[i], lo[i], hi[i] = r.auc, r.low, r.high
    rates = {k: proportion(float(np.sum((lo <= t) & (t <= hi))), n_studies, level=level) for k, t in truths.items()}
    return Coverage(rates=rates, truths={k: float(t) for k, t in truths.items()}, estimates=est, low=lo, high=hi)


@dataclass(frozen=True)
class WidthSimulation:
    """Simulated studies of a sensitivity: mean half-width of the Wald interval and its coverage."""

    half_width: Estimate
    coverage: Estimate
    half_widths: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([self.half_width.to_frame("mean half-width"), self.coverage.to_frame("coverage")])


@renamed_arguments(sens="sensitivity")
def sens_interval_width(
    *, sensitivity: float, prevalence: float, n: int, n_studies: int, seed: int, level: float = 0.95
) -> WidthSimulation:
    """Simulate ``n_studies`` studies of ``n`` cases and measure the Wald interval of the sensitivity.

    Positives among the ``n`` cases are binomial at ``prevalence``, true
    positives binomial at ``sensitivity``; the mean half-width is reported with a normal
    interval over studies, the coverage of the true ``sensitivity`` with a Wilson one.

    Examples
    --------
    >>> w = sens_interval_width(sensitivity=0.9, prevalence=0.1, n=1383, n_studies=2000, seed=0)
    >>> round(w.half_width.estimate, 2)
    0.05
    """
    from scipy.stats import norm

    se = float(check_fraction(sensitivity, "sensitivity"))
    p = float(check_fraction(prevalence, "prevalence"))
    n = check_count(n, "n")
    n_studies = check_count(n_studies, "n_studies", minimum=2)
    z = float(norm.ppf(0.5 + level / 2))
    gen = rng(check_seed(seed))
    pos = gen.binomial(n, p, n_studies)
    pos = np.maximum(pos, 1)
    tp = gen.binomial(pos, se)
    q = tp / pos
    half = z * np.sqrt(q * (1 - q) / pos)
    covered = np.abs(q - se) <= half
    m, sd = float(half.mean()), float(half.std(ddof=1))
    hw = Estimate(
        m,
        m - z * sd / np.sqrt(n_studies),
        m + z * sd / np.sqrt(n_studies),
        level=level,
        method="normal, over simulated studies",
        n=n_studies,
    )
    return WidthSimulation(
        half_width=hw, coverage=proportion(float(covered.sum()), n_studies, level=level), half_widths=half
    )


def _calls(values, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or (n is not None and arr.shape[0] != n):
        raise ValueError(
            f"{name} must be cases x readers (one 0/1 column per reader) with {n} rows; got shape {arr.shape}."
        )
    if arr.dtype.kind not in "biuf" or not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must hold 0/1 calls only (no NaN, no probabilities); threshold scores first.")
    return arr.astype(np.int64)


def assist_readers(unaided, model_call, *, trust: float, seed: int) -> np.ndarray:
    """Readers' calls after seeing the model's: where they disagree, a reader switches with probability ``trust``.

    A deliberately simple model of assistance (and of automation bias: a wrong
    model call is followed as readily as a right one).

    Parameters
    ----------
    unaided : array of shape (n_cases, n_readers)
        0/1 calls without the model.
    model_call : array of shape (n_cases,)
        The model's 0/1 call per case.
    trust : float in [0, 1]
        Chance that a reader adopts the model's call when it differs from their own.
    seed : int

    Examples
    --------
    >>> import numpy as np
    >>> assist_readers(np.array([[0, 1], [1, 1]]), np.array([1, 1]), trust=1.0, seed=0).tolist()
    [[1, 1], [1, 1]]
    """
    u = _calls(unaided, "unaided")
    m = _calls(model_call, "model_call", len(u))[:, 0]
    t = float(check_fraction(trust, "trust"))
    switch = (u != m[:, None]) & (rng(check_seed(seed)).random(u.shape) < t)
    return np.where(switch, m[:, None], u)


@dataclass(frozen=True)
class ReaderStudy:
    """Sensitivity and specificity of readers without and with the model, paired by case.

    Attributes
    ----------
    table : DataFrame
        Index ``measure`` x ``condition`` (``unaided``, ``aided``, ``difference``):
        reader-averaged values with case-bootstrap intervals.
    per_reader : DataFrame
        Each reader's sensitivity and specificity in both conditions.
    """

    table: pd.DataFrame
    per_reader: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def difference(self, measure: str) -> Estimate:
        """The aided minus unaided reader-averaged ``measure`` as an Estimate."""
        measures = list(dict.fromkeys(self.table.index.get_level_values(0)))
        if measure not in measures:
            import difflib

            close = difflib.get_close_matches(str(measure), measures, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"measure={measure!r} is not in this reader study; it has {measures}.{hint}")
        r = self.table.loc[(measure, "difference")]
        return Estimate(
            float(r["estimate"]),
            float(r["low"]),
            float(r["high"]),
            level=float(r["level"]),
            method=str(r["method"]),
            n=int(r["n"]),
        )


def reader_study(y_true, unaided, aided, *, n_boot: int = 1000, seed: int, level: float = 0.95) -> ReaderStudy:
    """Reader-averaged sensitivity and specificity, unaided vs aided, with paired case-bootstrap intervals.

    The same resampled cases serve both conditions (multi-reader, multi-case,
    fully crossed design), so the interval of the difference uses the pairing.
    Readers are treated as fixed (the result speaks for these readers).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    >>> u = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [0, 0], [0, 1], [0, 0], [0, 0]])
    >>> a = np.array([[1, 1], [1, 1], [1, 1], [0, 1], [0, 0], [0, 1], [0, 0], [0, 0]])
    >>> r = reader_study(y, u, a, n_boot=200, seed=0)
    >>> float(r.difference("sensitivity").estimate)
    0.375
    """
    y = check_binary(np.asarray(y_true).ravel(), names=(), purpose="a reader study")[0].astype(np.float64)
    u = _calls(unaided, "unaided", len(y)).astype(np.float64)
    a = _calls(aided, "aided", len(y)).astype(np.float64)
    if u.shape != a.shape:
        raise ValueError(f"unaided {u.shape} and aided {a.shape} must have the same readers (columns).")
    n_boot = check_count(n_boot, "n_boot", minimum=2)
    gen = rng(check_seed(seed))
    w = np.vstack([np.ones(len(y)), gen.multinomial(len(y), np.full(len(y), 1 / len(y)), size=n_boot)])
    pos, neg = w @ y, w @ (1 - y)  # (B+1,)
    keep = (pos > 0) & (neg > 0)  # a resample without positives (or negatives) measures nothing
    w, pos, neg = w[keep], pos[keep], neg[keep]
    rows, per = [], {}
    for measure, target, denom in (("sensitivity", y, pos), ("specificity", 1 - y, neg)):
        vals = {}
        for cond, calls in (("unaided", u), ("aided", a)):
            hit = calls if measure == "sensitivity" else 1 - calls
            per_reader = (w @ (target[:, None] * hit)) / denom[:, None]  # (B+1, R)
            per[(measure, cond)] = per_reader[0]
            vals[cond] = per_reader.mean(axis=1)
        vals["difference"] = vals["aided"] - vals["unaided"]
        for cond, v in vals.items():
            lo, hi = percentile_interval(v[1:], level=level)
            rows.append(
                {
                    "measure": measure,
                    "condition": cond,
                    "estimate": float(v[0]),
                    "low": lo,
                    "high": hi,
                    "level": level,
                    "method": "case bootstrap (paired), reader-averaged",
                    "n": int(denom[0]),
                }
            )
    table = pd.DataFrame(rows).set_index(["measure", "condition"])
    readers = [f"R{r + 1}" for r in range(u.shape[1])]
    per_reader = pd.DataFrame({f"{m} {c}": v for (m, c), v in per.items()}, index=pd.Index(readers, name="reader"))
    return ReaderStudy(table=table, per_reader=per_reader)


@renamed_arguments(model_prob="y_score")
def silent_trial(
    y_true, y_score, reader_call, dates, *, threshold: float, freq: str = "Q", level: float = 0.95
) -> pd.DataFrame:
    """A silent (shadow-mode) trial: the model's calls vs the readers' decisions, period by period.

    Per period of ``freq`` (a pandas period alias: ``"Q"`` quarters, ``"M"``
    months, ``"Y"`` years): sensitivity and specificity of the model (at ``threshold``)
    and of the reader against the reference standard, and the share of cases
    where model and reader agree, each with a Wilson interval.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Reference-standard labels.
    y_score : array-like of shape (n,)
        The model's probabilities; its call is ``y_score >= threshold``.
    reader_call : array-like of shape (n,)
        The readers' 0/1 decisions on the same cases.
    dates : array-like of shape (n,)
        When each case was read.

    Returns
    -------
    DataFrame
        Index ``(period, who, measure)`` with ``who`` in ``model, reader, both``;
        columns ``estimate, low, high, level, method, n``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    >>> p = np.array([.9, .2, .4, .1, .8, .7, .9, .3])
    >>> r = np.array([1, 0, 1, 0, 0, 0, 1, 1])
    >>> d = pd.date_range("2024-01-01", periods=8, freq="MS")
    >>> t = silent_trial(y, p, r, d, threshold=0.5)
    >>> float(t.loc[("2024-01-01", "model", "sensitivity"), "estimate"])
    0.5
    """
    from radkit._validate import check_threshold

    y, prob = check_binary(
        np.asarray(y_true).ravel(),
        y_score,
        names=("y_score",),
        kind="prob",
        both_classes=False,
        purpose="a silent trial",
    )
    r = _calls(reader_call, "reader_call", len(y))[:, 0]
    thr = check_threshold(threshold)
    d = pd.to_datetime(pd.Series(np.asarray(dates)), errors="coerce")
    if len(d) != len(y) or d.isna().any():
        raise ValueError(
            f"dates must give one readable date per case ({len(y)}); got {len(d)} with {int(d.isna().sum())} missing."
        )
    m = (prob >= thr).astype(np.int64)
    try:
        period = d.dt.to_period(freq)
    except (ValueError, TypeError):
        raise ValueError(f"freq={freq!r} is not a pandas period alias; use 'Q' (quarters), 'M' or 'Y'.") from None
    rows = []
    for per, idx in pd.Series(np.arange(len(y))).groupby(period.to_numpy()):
        i = idx.to_numpy()
        yy, mm, rr = y[i], m[i], r[i]
        name = str(per.start_time.date())
        for who, calls in (("model", mm), ("reader", rr)):
            rows.append(
                (name, who, "sensitivity", proportion(float(calls[yy == 1].sum()), float((yy == 1).sum()), level=level))
            )
            rows.append(
                (
                    name,
                    who,
                    "specificity",
                    proportion(float((1 - calls[yy == 0]).sum()), float((yy == 0).sum()), level=level),
                )
            )
        rows.append((name, "both", "agreement", proportion(float((mm == rr).sum()), float(len(i)), level=level)))
    out = pd.DataFrame([{"period": p, "who": w, "measure": ms, **e.as_dict()} for p, w, ms, e in rows])
    return out.set_index(["period", "who", "measure"])
