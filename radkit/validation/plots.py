"""Figures of the clinical-validation lesson: forest plot, coverage, reader study, silent trial."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from radkit.plotting import get_axes, legend_below
from radkit.stats import Estimate

__all__ = ["plot_forest", "plot_coverage", "plot_reader_study", "plot_silent_trial"]


def plot_forest(
    estimates: Mapping[str, Estimate],
    *,
    truths: Mapping[str, float] | None = None,
    xlabel: str = "AUC",
    title: str = "one model, six validation designs",
    ax=None,
):
    """Forest plot: one row per estimate (top to bottom in the given order), truths as vertical lines.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from radkit.stats import Estimate
    >>> ax = plot_forest({"a": Estimate(0.8, 0.7, 0.9), "b": Estimate(0.7, 0.6, 0.8)}, truths={"true": 0.75})
    >>> len(ax.get_yticks())
    2
    """
    ax = get_axes(ax, figsize=(6.4, 0.45 * len(estimates) + 2.4))
    names = list(estimates)
    y = np.arange(len(names))[::-1]
    for yy, name in zip(y, names):
        e = estimates[name]
        ax.plot([e.low, e.high], [yy, yy], color="C0", lw=2)
        ax.plot(e.estimate, yy, "o", color="C0", ms=7)
        ax.annotate(
            f"{e.estimate:.3f} ({e.low:.3f}-{e.high:.3f})",
            (1.01, yy),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=8,
        )
    for k, (name, t) in enumerate((truths or {}).items()):
        ax.axvline(t, color=f"C{k + 1}", ls="--", lw=1.2, label=f"{name}: {t:.3f}")
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set(xlabel=f"{xlabel} (point estimate and 95% interval)", title=title)
    if truths:
        legend_below(ax, ncols=2)
    return ax


def plot_coverage(coverage, *, n_show: int = 40, study_size: int | None = None, ax=None):
    """The first ``n_show`` simulated studies' intervals, coloured by whether they hold the first truth.

    ``study_size`` (cases per simulated study) only labels the x axis.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np
    >>> from radkit.validation import interval_coverage
    >>> gen = np.random.default_rng(0); y = gen.integers(0, 2, 500); s = gen.normal(loc=y)
    >>> c = interval_coverage(y, s, truths={"a": 0.76, "b": 0.6}, n=100, n_studies=20, seed=0)
    >>> ax = plot_coverage(c)
    """
    ax = get_axes(ax, figsize=(6.4, 4.8))
    k = min(n_show, len(coverage.estimates))
    names = list(coverage.truths)
    first = coverage.truths[names[0]]
    for i in range(k):
        hit = coverage.low[i] <= first <= coverage.high[i]
        ax.plot([coverage.low[i], coverage.high[i]], [i, i], color="0.55" if hit else "C3", lw=1.5)
        ax.plot(coverage.estimates[i], i, "|", color="k", ms=5)
    for j, name in enumerate(names):
        rate = coverage.rates[name]
        ax.axvline(
            coverage.truths[name],
            color=f"C{j}",
            ls="--",
            lw=1.5,
            label=f"true {name} AUC {coverage.truths[name]:.3f}: covered by {rate.estimate:.0%} of {rate.n} studies",
        )
    if any(not (coverage.low[i] <= first <= coverage.high[i]) for i in range(k)):  # no legend entry for nothing
        ax.plot([], [], color="C3", lw=1.5, label=f"interval misses the {names[0]} truth")
    size = f" of {study_size} cases" if study_size else ""
    ax.set(
        xlabel=f"AUC and 95% DeLong interval of one simulated study{size}",
        ylabel="simulated study",
        title=f"{k} of {len(coverage.estimates)} simulated validation studies",
        ylim=(-1, k),
    )
    legend_below(ax)
    return ax


def plot_reader_study(per_reader: pd.DataFrame, *, model_point: tuple[float, float] | None = None, ax=None):
    """Each reader in ROC space, unaided (open circle) to aided (filled), with an arrow.

    ``model_point`` = ``(sensitivity, specificity)`` of the model alone at its threshold,
    drawn as a star, so that the reader can see where the arrows point.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> t = pd.DataFrame({"sensitivity unaided": [0.7], "sensitivity aided": [0.8],
    ...                   "specificity unaided": [0.9], "specificity aided": [0.88]}, index=["R1"])
    >>> ax = plot_reader_study(t, model_point=(0.85, 0.86))
    >>> [line.get_label() for line in ax.lines][-1]
    'the model alone'
    """
    ax = get_axes(ax, figsize=(5.0, 5.2))
    x0, x1 = 1 - per_reader["specificity unaided"], 1 - per_reader["specificity aided"]
    y0, y1 = per_reader["sensitivity unaided"], per_reader["sensitivity aided"]
    for a, b, c, d in zip(x0, y0, x1, y1):
        ax.annotate("", (c, d), (a, b), arrowprops=dict(arrowstyle="->", color="0.4", lw=1))
    ax.plot(x0, y0, "o", mfc="white", mec="C0", ms=8, label="reader without the model")
    ax.plot(x1, y1, "o", color="C1", ms=8, label="same reader with the model")
    xs, ys = [x0.min(), x1.min(), x0.max(), x1.max()], [y0.min(), y1.min(), y0.max(), y1.max()]
    if model_point is not None:
        m_sens, m_spec = (float(v) for v in model_point)
        ax.plot(1 - m_spec, m_sens, "*", color="k", ms=13, label="the model alone")
        xs.append(1 - m_spec)
        ys.append(m_sens)
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
    pad_x, pad_y = max(0.02, 0.2 * (hi_x - lo_x)), max(0.02, 0.2 * (hi_y - lo_y))
    ax.set(
        xlim=(max(0, lo_x - pad_x), min(1, hi_x + pad_x)),
        ylim=(max(0, lo_y - pad_y), min(1, hi_y + pad_y)),
        xlabel="1 - specificity (false-positive rate)",
        ylabel="sensitivity",
        title="reader study: each arrow is one reader",
    )
    legend_below(ax)
    return ax


def plot_silent_trial(
    table: pd.DataFrame,
    *,
    measures: tuple[str, ...] = ("sensitivity", "specificity"),
    event: str | None = None,
    axes=None,
):
    """Each of ``measures`` per period for the model and the reader, with Wilson intervals.

    ``table`` is :func:`~radkit.validation.silent_trial`'s output; ``event`` (a
    period label) draws a dotted line before that period. Each point sits in the
    middle of its period; each tick, labelled with a period's first day, at its start,
    so the line of an event on that day meets its tick.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd
    >>> from radkit.validation import silent_trial
    >>> d = pd.date_range("2024-01-01", periods=8, freq="MS")
    >>> t = silent_trial([1, 0] * 4, [.9, .2, .4, .1, .8, .7, .9, .3], [1, 0, 1, 0, 0, 0, 1, 1], d, threshold=0.5)
    >>> axes = plot_silent_trial(t)
    >>> len(axes)
    2
    """
    import matplotlib.pyplot as plt

    if axes is None:
        axes = plt.subplots(
            1, len(measures), figsize=(4.2 * len(measures), 4.0), layout="constrained", sharey=True, squeeze=False
        )[1][0]
    for ax, measure in zip(axes, measures):
        ticks: list = []
        for k, (who, offset) in enumerate((("model", -0.08), ("reader", 0.08))):
            sub = table.xs((who, measure), level=("who", "measure"))
            x = np.arange(len(sub)) + offset
            # clipped at 0: a Wilson interval of 1.0 can end at 0.9999999999999999
            yerr = np.clip([sub["estimate"] - sub["low"], sub["high"] - sub["estimate"]], 0, None)
            ax.errorbar(
                x, sub["estimate"], yerr=yerr, fmt="o-", color=f"C{k}", capsize=3, label=f"{who} (95% Wilson interval)"
            )
            ticks = list(sub.index)
        ax.set_xticks(np.arange(len(ticks)) - 0.5, [str(t)[:10] for t in ticks], rotation=30, ha="right")
        ax.set_xlim(-0.7, len(ticks) - 0.3)
        if event is not None and event in ticks:
            ax.axvline(ticks.index(event) - 0.5, color="0.3", ls=":", lw=1.2, label=f"change from {event}")
        ax.set(xlabel="period (tick: its first day)", ylabel=measure, title=f"silent trial: {measure}", ylim=(0, 1.02))
    axes[-1].legend(loc="lower left", fontsize=8, frameon=True)  # below the data: both measures sit high
    return axes
