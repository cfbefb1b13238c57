"""Figures for the annotation-cost lesson (notebook 03); each returns its matplotlib axes.

- :func:`plot_labeler_scores`: per-finding F1 of several report labellers with intervals;
- :func:`plot_curves`: learning curves (mean over seeds with an interval band) per method,
  against labels bought, optionally with a second x axis in expert hours.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from radkit.plotting import get_axes

__all__ = ["plot_labeler_scores", "plot_curves"]

_MARKERS = ("o", "s", "D", "^", "v", "P")


def plot_labeler_scores(
    scores: Mapping[str, pd.DataFrame],
    *,
    measure: str = "f1",
    ax=None,
    title: str = "Report labellers against the manual codes",
):
    """Dot-and-whisker plot: one row per finding, one marker per labeller (``LabelerScore.to_frame()`` tables).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"positives": [5], "f1": [0.8], "f1 low": [0.7], "f1 high": [0.9]}, index=["a"])
    >>> ax = plot_labeler_scores({"rules": t})
    >>> ax.get_xlabel()
    'f1 (95% bootstrap CI)'
    """
    if not scores:
        raise ValueError("Pass at least one labeller: {'name': LabelerScore.to_frame()}.")
    findings = list(next(iter(scores.values())).index)
    ax = get_axes(ax, figsize=(8, 0.32 * len(findings) + 1.4))
    k = len(scores)
    for i, (name, table) in enumerate(scores.items()):
        t = table.reindex(findings)
        ypos = np.arange(len(findings)) + (i - (k - 1) / 2) * 0.8 / max(k, 1)
        err = np.vstack([t[measure] - t[f"{measure} low"], t[f"{measure} high"] - t[measure]]).clip(0)
        ax.errorbar(t[measure], ypos, xerr=err, fmt=_MARKERS[i % len(_MARKERS)], ms=4, capsize=2, label=name)
    ax.set_yticks(np.arange(len(findings)), findings)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.02), xlabel=f"{measure} (95% bootstrap CI)", title=title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def plot_curves(
    summary: pd.DataFrame,
    *,
    ax=None,
    title: str,
    ylabel: str = "test AUC",
    minutes_per_label: float | None = None,
    target: float | None = None,
    target_label: str = "target",
):
    """Mean curve with its interval band per method.

    Each method has its own marker and line style, so a curve under another stays
    visible; a method measured at fewer than three budgets is drawn as points with
    error bars (side by side), not as a line with a band.

    Parameters
    ----------
    summary : DataFrame
        Indexed by (method, n_labels) with ``estimate, low, high`` (as :func:`~radkit.annotation.curve_summary`).
    minutes_per_label : float, optional
        Adds a top axis in expert hours.
    target : float, optional
        Draws a horizontal line at a target value, labelled ``target_label``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> idx = pd.MultiIndex.from_product([["random"], [10, 20]], names=["strategy", "n_labels"])
    >>> s = pd.DataFrame({"estimate": [0.6, 0.7], "low": [0.5, 0.6], "high": [0.7, 0.8]}, index=idx)
    >>> plot_curves(s, title="t").get_xlabel()
    'expert labels bought'
    """
    if summary.index.nlevels != 2:
        raise ValueError("summary must be indexed by (method, n_labels), as curve_summary returns.")
    ax = get_axes(ax, figsize=(6, 3.6))
    styles = ("-", "--", "-.", ":")
    groups = list(summary.groupby(level=0, sort=False))
    for i, (name, g) in enumerate(groups):
        x = g.index.get_level_values(1).to_numpy(dtype=float)
        if len(x) < 3:  # a few budgets are points with their intervals, not a curve with a band
            offset = (i - (len(groups) - 1) / 2) * 0.015 * (x.max() if len(x) else 1.0)
            yerr = [g["estimate"] - g["low"], g["high"] - g["estimate"]]
            ax.errorbar(
                x + offset, g["estimate"], yerr=yerr, fmt=_MARKERS[i % len(_MARKERS)], capsize=3, label=str(name)
            )
            continue
        (line,) = ax.plot(
            x, g["estimate"], marker=_MARKERS[i % len(_MARKERS)], ms=4, ls=styles[i % len(styles)], label=str(name)
        )
        ax.fill_between(x, g["low"], g["high"], color=line.get_color(), alpha=0.12, lw=0)
    if target is not None:
        ax.axhline(target, color="grey", ls=":", lw=1, label=f"{target_label} {target:.3f}")
    ax.set(xlabel="expert labels bought", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    if minutes_per_label:
        top = ax.secondary_xaxis(
            "top", functions=(lambda n: n * minutes_per_label / 60, lambda h: h * 60 / minutes_per_label)
        )
        top.set_xlabel("expert hours")
    return ax
