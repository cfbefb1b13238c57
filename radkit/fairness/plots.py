"""Figures for the fairness lesson: intervals per group, the share experiment, group thresholds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments

__all__ = ["plot_intervals", "plot_group_metrics", "plot_share_experiment", "plot_group_rates"]


def _label(key: object) -> str:
    return " · ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def plot_intervals(
    table: pd.DataFrame,
    *,
    ax=None,
    title: str = "",
    xlabel: str = "",
    reference: float | None = None,
    color: str = "C0",
):
    """A forest plot: one row per index entry of ``table`` (columns ``estimate, low, high``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"estimate": [0.5, 0.6], "low": [0.4, 0.5], "high": [0.6, 0.7]}, index=["F", "M"])
    >>> ax = plot_intervals(t, title="sensitivity", xlabel="sensitivity")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['F', 'M']
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 0.4 * len(table) + 1.2))
    pos = np.arange(len(table))[::-1]
    est, lo, hi = (table[c].to_numpy(dtype=float) for c in ("estimate", "low", "high"))
    err = np.vstack([np.where(np.isfinite(lo), est - lo, 0), np.where(np.isfinite(hi), hi - est, 0)])
    ax.errorbar(est, pos, xerr=err, fmt="o", color=color, capsize=3)
    if reference is not None:
        ax.axvline(reference, color="0.5", lw=1, ls="--")
    ax.set_yticks(pos, [_label(k) for k in table.index])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_group_metrics(
    gm, *, measures: Sequence[str] = ("sensitivity", "false_positive_rate", "ppv", "auc"), title: str = ""
):
    """One forest panel per measure of a :class:`~radkit.fairness.GroupMetrics`, overall as a dashed line.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from radkit.fairness import group_metrics
    >>> gm = group_metrics([1, 0, 1, 0, 1, 0], [0.9, 0.2, 0.4, 0.6, 0.8, 0.1], groups=list("FFFMMM"),
    ...                    threshold=0.5, n_boot=20, seed=0, auc=False, calibration=False)
    >>> fig = plot_group_metrics(gm, measures=("sensitivity", "ppv"))
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    groups = gm.groups
    fig, axes = plt.subplots(
        1, len(measures), figsize=(3.2 * len(measures), 0.45 * len(groups) + 1.6), sharey=True, squeeze=False
    )
    for ax, m in zip(axes[0], measures, strict=True):
        rows = pd.DataFrame([gm.estimate(g, m).as_dict() for g in groups], index=groups)
        plot_intervals(
            rows,
            ax=ax,
            title=m.replace("_", " "),
            xlabel=m.replace("_", " "),
            reference=gm.estimate("overall", m).estimate,
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_share_experiment(results: pd.DataFrame, *, ax=None, title: str = "", xlabel: str = "", ylabel: str = "AUC"):
    """Per-group metric (with intervals) against the training share of one group.

    ``results`` has columns ``share, group, estimate, low, high``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> r = pd.DataFrame({"share": [0, 1, 0, 1], "group": ["F", "F", "M", "M"], "estimate": [.8, .9, .9, .8],
    ...                   "low": [.75, .85, .85, .75], "high": [.85, .95, .95, .85]})
    >>> ax = plot_share_experiment(r, xlabel="share of women")
    >>> len(ax.get_legend().get_texts())
    2
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    groups = list(dict.fromkeys(results["group"]))
    offsets = np.linspace(-0.012, 0.012, len(groups))
    for k, (g, off) in enumerate(zip(groups, offsets, strict=True)):
        r = results[results["group"] == g].sort_values("share")
        x = r["share"].to_numpy(dtype=float) + off
        e = r["estimate"].to_numpy(dtype=float)
        ax.errorbar(
            x,
            e,
            yerr=[e - r["low"].to_numpy(dtype=float), r["high"].to_numpy(dtype=float) - e],
            fmt="-o",
            capsize=3,
            color=f"C{k}",
            label=f"tested on {g}",
        )
    ax.set_xticks(sorted(results["share"].unique()), [f"{s:.0%}" for s in sorted(results["share"].unique())])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", frameon=False)
    ax.grid(alpha=0.3)
    return ax


@renamed_arguments(sensitive_features="groups")
def plot_group_rates(
    y_true: ArrayLike, y_score: ArrayLike, *, groups: ArrayLike, thresholds: Mapping, ax=None, title: str = ""
):
    """Bars of sensitivity, false-positive rate and PPV per group at the given group thresholds.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_group_rates([1, 0, 1, 0], [0.9, 0.3, 0.6, 0.4], groups=list("AABB"),
    ...                       thresholds={"A": 0.5, "B": 0.5})
    >>> bool(ax.get_ylim()[1] >= 1)
    True
    """
    import matplotlib.pyplot as plt

    from radkit.fairness.groups import group_metrics

    gm = group_metrics(
        y_true, y_score, groups=groups, threshold=thresholds, n_boot=0, seed=0, auc=False, calibration=False
    )
    f = gm.to_frame().loc[gm.groups, ["sensitivity", "false_positive_rate", "ppv"]]
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.5))
    width = 0.8 / len(f)
    x = np.arange(3)
    for k, (g, row) in enumerate(f.iterrows()):
        bars = ax.bar(
            x + (k - (len(f) - 1) / 2) * width,
            row.to_numpy(dtype=float),
            width,
            label=f"{_label(g)} (t = {thresholds[g]:.2f})",
            color=f"C{k}",
        )
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=1)
    ax.set_xticks(x, ["sensitivity", "false-positive rate", "PPV"])
    ax.set_ylim(0, 1.18)
    ax.set_ylabel("rate")
    ax.set_title(title)
    ax.legend(loc="upper center", ncols=len(f), frameon=False, fontsize=8)
    return ax
