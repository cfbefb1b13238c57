"""Figures of notebook 05: prevalence sweep, method comparison, ranking, SMOTE in 2-D, real imbalance, widget."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments
from radkit.plotting import get_axes, legend_below, plain_log_axis

__all__ = [
    "plot_prevalence_effect",
    "plot_methods",
    "plot_ranking",
    "plot_smote_2d",
    "plot_real_imbalance",
    "plot_reliability_at_prevalence",
    "plot_ece_before_after",
    "plot_confusion_pr",
]


def plot_prevalence_effect(
    summary: pd.DataFrame, *, measures: Sequence[str] = ("accuracy@t", "sens@t", "ROC-AUC"), ax=None
):
    """Mean and 95% interval of each measure against the training (= test) prevalence, on a log axis.

    ``summary`` is :meth:`radkit.imbalance.Comparison.to_frame` for one method and head.
    """
    ax = get_axes(ax, figsize=(5.6, 4.2))
    names = {
        "accuracy@t": "accuracy at 0.5",
        "sens@t": "sensitivity at 0.5",
        "ROC-AUC": "ROC-AUC",
        "PR-AUC": "PR-AUC",
        "spec@t": "specificity at 0.5",
        "ECE": "ECE",
    }
    for k, measure in enumerate(measures):
        rows = summary[summary["measure"] == measure].sort_values("prevalence")
        ax.errorbar(
            rows["prevalence"],
            rows["mean"],
            yerr=[rows["mean"] - rows["low"], rows["high"] - rows["mean"]],
            marker="osD^v"[k % 5],
            capsize=3,
            label=names.get(measure, measure),
        )
    prevs = sorted(summary["prevalence"].unique())
    ax.set(
        xscale="log",
        xlabel="prevalence in training and test (log scale)",
        ylabel="value",
        ylim=(-0.02, 1.02),
        title="same model, rarer finding",
    )
    plain_log_axis(ax, "x", prevs)
    ax.invert_xaxis()  # read left to right: the finding becomes rarer
    legend_below(ax, ncols=len(measures))
    return ax


def plot_methods(
    summary: pd.DataFrame,
    *,
    measures: Sequence[str] = ("PR-AUC", "ROC-AUC", "sens@spec"),
    order: Sequence[str] | None = None,
    axes=None,
):
    """One panel per measure: each method's mean and 95% interval over replicates (a forest plot)."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(
            1,
            len(measures),
            figsize=(3.4 * len(measures), 0.32 * summary["method"].nunique() + 1.4),
            sharey=True,
            layout="constrained",
        )
    axes = np.atleast_1d(axes)
    methods = list(order) if order is not None else list(dict.fromkeys(summary["method"]))
    titles = {"sens@spec": "sensitivity at 90% specificity", "sens@t": "sensitivity at 0.5", "ECE": "ECE"}
    for ax, measure in zip(axes, measures):
        rows = summary[summary["measure"] == measure].set_index("method").reindex(methods)
        ypos = np.arange(len(methods))
        ok = rows["mean"].notna().to_numpy()
        # clipped at zero: replicates that all agree give an interval a rounding error inside the mean
        err = [np.clip((rows["mean"] - rows["low"])[ok], 0, None), np.clip((rows["high"] - rows["mean"])[ok], 0, None)]
        ax.errorbar(rows["mean"][ok], ypos[ok], xerr=err, fmt="o", capsize=3)
        if "plain" in rows.index and np.isfinite(rows.loc["plain", "mean"]):
            ax.axvline(rows.loc["plain", "mean"], color="grey", ls=":", lw=1)
        ax.set_yticks(ypos, methods)
        ax.set(title=titles.get(measure, measure), xlabel="mean and 95% interval over replicates")
        ax.invert_yaxis() if ax is axes[0] else None
    return axes


def plot_ranking(means: pd.DataFrame, *, head: str, measure: str = "PR-AUC", legend: bool = True, ax=None):
    """Rank of every method (1 = best mean ``measure``) at each prevalence, for one head.

    ``means`` is :meth:`radkit.imbalance.Comparison.table` (methods x prevalences).
    """
    ax = get_axes(ax, figsize=(5.6, 4.2))
    ranks = means.rank(ascending=False, axis=0)
    prevs = list(ranks.columns)
    for k, method in enumerate(ranks.index):
        ax.plot(range(len(prevs)), ranks.loc[method], marker="osD^v<>p"[k % 8], label=method)
    ax.set_xticks(range(len(prevs)), [f"{p:g}" for p in prevs])
    names = {"sens@spec": "sensitivity at 90% specificity"}
    ax.set(xlabel="prevalence", ylabel="rank (1 = best)", title=f"{names.get(measure, measure)}, {head} head")
    ax.set_yticks(range(1, len(ranks) + 1))
    ax.invert_yaxis()
    if legend:
        legend_below(ax, ncols=len(ranks.index))
    return ax


def plot_smote_2d(Z: np.ndarray, y: np.ndarray, Z_new: np.ndarray, *, pairs: np.ndarray | None = None, ax=None):
    """Majority, minority and SMOTE points in a 2-D projection; optional segments from each new point's parents."""
    ax = get_axes(ax, figsize=(5.6, 5.0))
    ax.scatter(*Z[y == 0].T, s=6, c="lightgrey", label=f"normal ({(y == 0).sum()})", rasterized=True)
    ax.scatter(*Z_new.T, s=14, marker="x", c="tab:orange", lw=1, label=f"SMOTE points ({len(Z_new)})")
    ax.scatter(*Z[y == 1].T, s=40, c="tab:red", edgecolors="k", label=f"abnormal ({(y == 1).sum()})")
    if pairs is not None:
        for a, b in pairs:
            ax.plot(*np.c_[Z[a], Z[b]], color="tab:red", lw=0.6, alpha=0.5)
    ax.set(
        xlabel="principal component 1",
        ylabel="principal component 2",
        title="SMOTE in the embedding space (2-D projection)",
    )
    legend_below(ax, ncols=3)
    return ax


def plot_real_imbalance(table: pd.DataFrame, *, ax=None):
    """Negatives per positive for each finding of each dataset, on a log axis.

    ``table`` has columns ``dataset``, ``finding``, ``prevalence``.
    """
    data = table.assign(ratio=(1 - table["prevalence"]) / table["prevalence"])
    findings = list(data.groupby("finding")["ratio"].median().sort_values().index)
    ax = get_axes(ax, figsize=(6.5, 0.22 * len(findings) + 1.6))
    ypos = {f: i for i, f in enumerate(findings)}
    for k, (name, rows) in enumerate(data.groupby("dataset", sort=False)):
        ax.scatter(
            rows["ratio"], [ypos[f] + (k - 1.5) * 0.12 for f in rows["finding"]], marker="osD^"[k % 4], s=22, label=name
        )
    ax.set_yticks(range(len(findings)), findings, fontsize=7)
    ax.set_xscale("log")
    ax.set(
        xlabel="images without the finding per image with it (log scale)",
        title="class imbalance in public chest X-ray label tables",
    )
    ax.grid(axis="x", which="major", lw=0.4)
    legend_below(ax, ncols=4)
    return ax


def plot_confusion_pr(
    y_true: np.ndarray,
    y_score: np.ndarray,
    *,
    prevalence: float,
    title: str = "",
    threshold: float = 0.5,
    n: int = 1000,
    axes=None,
):
    """Expected confusion table per ``n`` patients at ``prevalence`` (threshold ``threshold``) and the PR curve."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    from radkit.imbalance.evaluate import prevalence_weights

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    y, s = np.asarray(y_true), np.asarray(y_score, dtype=float)
    sens, spec = np.mean(s[y == 1] >= threshold), np.mean(s[y == 0] < threshold)
    cells = np.array([[sens, 1 - sens], [1 - spec, spec]]) * np.array([[prevalence], [1 - prevalence]]) * n
    axes[0].imshow([[0.2, 0.8], [0.8, 0.2]], cmap="RdYlGn_r", vmin=0, vmax=1, alpha=0.35)
    names = [["true positive", "false negative"], ["false positive", "true negative"]]
    for i in range(2):
        for j in range(2):
            axes[0].text(j, i, f"{cells[i, j]:.1f}\n{names[i][j]}", ha="center", va="center", fontsize=10)
    axes[0].set_xticks([0, 1], ["called abnormal", "called normal"])
    axes[0].set_yticks([0, 1], ["abnormal", "normal"])
    axes[0].set_title(
        f"{title}: expected cases per {n:,}\nprevalence {prevalence:.1%}, threshold {threshold:g}", fontsize=10
    )
    precision, recall, _ = precision_recall_curve(y, s, sample_weight=prevalence_weights(y, prevalence=prevalence))
    axes[1].plot(recall, precision, lw=1.5)
    axes[1].axhline(prevalence, color="grey", ls=":", lw=1, label=f"no skill (= prevalence {prevalence:.1%})")
    axes[1].plot(
        [sens],
        [cells[0, 0] / max(cells[0, 0] + cells[1, 0], 1e-12)],
        "o",
        color="tab:red",
        label=f"threshold {threshold:g}",
    )
    axes[1].set(
        xlabel="sensitivity (recall)",
        ylabel="PPV (precision)",
        xlim=(0, 1),
        ylim=(0, 1.02),
        title="precision-recall curve at this prevalence",
    )
    legend_below(axes[1], ncols=2)
    return axes


@renamed_arguments(probs="y_score")
def plot_reliability_at_prevalence(
    y_true: np.ndarray, y_score: dict[str, np.ndarray], *, prevalence: float, n_bins: int = 10, ax=None
):
    """Reliability diagram with the test cases re-weighted to ``prevalence`` (ECE in the legend).

    Each bin's marker area grows with the number of test cases in it, so the
    thin bins, whose observed share jumps around, look thin. ``y_score`` maps a label
    (the legend's) to that model's probabilities on the test cases.
    """
    from radkit.imbalance.evaluate import prevalence_weights, weighted_ece

    ax = get_axes(ax, figsize=(5.2, 5.4))
    y = np.asarray(y_true)
    w = prevalence_weights(y, prevalence=prevalence)
    edges = np.linspace(0, 1, n_bins + 1)
    ax.plot([0, 1], [0, 1], "k:", lw=1, label="perfectly calibrated")
    for k, (name, p) in enumerate(y_score.items()):
        p = np.asarray(p, dtype=float)
        ids = np.searchsorted(edges[1:-1], p, side="left")
        W = np.bincount(ids, weights=w, minlength=n_bins)
        ok = W > 0
        obs = np.bincount(ids, weights=w * y, minlength=n_bins)[ok] / W[ok]
        pred = np.bincount(ids, weights=w * p, minlength=n_bins)[ok] / W[ok]
        cases = np.bincount(ids, minlength=n_bins)[ok]
        (line,) = ax.plot(pred, obs, lw=1.2, label=f"{name} (ECE {weighted_ece(y, p, weights=w):.3f})")
        ax.scatter(
            pred,
            obs,
            s=4 + 300 * np.sqrt(cases / cases.max()),
            marker="os^D"[k % 4],
            color=line.get_color(),
            alpha=0.6,
            zorder=3,
        )
        for x, yv, n in zip(pred, obs, cases):  # thin bins carry their count: their share jumps around
            if n < 20:
                ax.annotate(
                    f"n={int(n)}",
                    (x, yv),
                    xytext=(4, -4 - 8 * k),
                    textcoords="offset points",
                    fontsize=7,
                    color=line.get_color(),
                )
    ax.set(
        xlabel="predicted probability",
        ylabel=f"observed share positive (at {prevalence:.0%})",
        xlim=(0, 1),
        ylim=(0, 1),
        aspect="equal",
        title=f"reliability at {prevalence:.0%} prevalence\n(marker area: test cases in the bin; n shown below 20)",
    )
    legend_below(ax)
    return ax


def plot_ece_before_after(table: pd.DataFrame, *, ax=None):
    """Bars of ECE as trained and after prior correction, per method (``table`` has both columns)."""
    ax = get_axes(ax, figsize=(7, 3.6))
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["ECE"], 0.4, label="as trained")
    ax.bar(pos + 0.2, table["ECE corrected"], 0.4, label="after prior correction")
    ax.set_xticks(pos, table.index, rotation=20, ha="right")
    ax.set(
        ylabel="ECE (mean over training draws)", title="resampling breaks calibration; the prior correction repairs it"
    )
    ax.legend(fontsize=8, loc="upper left")
    return ax
