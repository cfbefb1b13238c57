"""Figures for the asymmetric-costs lesson (notebook 06).

Each function draws one figure and returns its axes; matplotlib is imported
inside the functions.

- :func:`plot_cost_vs_threshold`: expected cost against the threshold for
  several probability sets, with ``p*`` marked;
- :func:`plot_confusion_costs`: a K x K confusion matrix whose cells show the
  count and the cost they add;
- :func:`plot_cost_at_ratio`: the widget's figure (cost curve + 2 x 2 table at one cost ratio);
- :func:`plot_shortfall`: population sensitivity of exact vs conservative thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit.costs.matrix import CostMatrix, bayes_threshold, confusion_matrix, cost_by_threshold
from radkit.plotting import get_axes

__all__ = ["plot_cost_vs_threshold", "plot_confusion_costs", "plot_cost_at_ratio", "plot_shortfall", "plot_replicates"]


@renamed_arguments(probs="y_score")
def plot_cost_vs_threshold(y_true: ArrayLike, y_score: Mapping[str, ArrayLike], cost: CostMatrix, *, ax=None):
    """Expected cost per case against the threshold, one line per probability set.

    ``y_score`` maps a name to predicted probabilities of the same cases as ``y_true``.

    Each line's minimum is marked; the vertical line is ``p*`` from the costs alone.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_cost_vs_threshold([0, 1, 0, 1], {"model": [0.1, 0.8, 0.3, 0.6]},
    ...                             CostMatrix.binary(cost_fp=1, cost_fn=9))
    >>> ax.get_xlabel()
    'threshold (call positive if probability >= threshold)'
    """
    ax = get_axes(ax, figsize=(5, 3.6))
    p_star = bayes_threshold(cost)
    grid = np.linspace(0.005, 0.995, 199)
    top = 0.0
    for k, (name, p) in enumerate(y_score.items()):
        # the even grid draws the curve; the scores themselves are where the cost changes, so adding them
        # puts the marked minimum where the table's cheapest threshold is, even for scores squeezed below 0.005
        scores = np.asarray(p, dtype=np.float64)
        t = cost_by_threshold(y_true, p, cost, thresholds=np.unique(np.r_[grid, scores[(scores >= 0) & (scores <= 1)]]))
        best = int(np.argmin(t["expected_cost"].to_numpy()))
        ax.plot(t["threshold"], t["expected_cost"], lw=2, color=f"C{k}", label=name)
        ax.plot(t["threshold"].iloc[best], t["expected_cost"].iloc[best], "o", color=f"C{k}", mec="k")
        top = max(top, float(t["expected_cost"].quantile(0.9)))
    ax.axvline(p_star, color="k", ls="--", lw=1, label=f"p* = {p_star:.2f}")
    ax.set(
        xlabel="threshold (call positive if probability >= threshold)",
        ylabel="expected cost per case",
        ylim=(0, top * 1.1),
        xlim=(0, 1),
        title=f"C_FN / C_FP = {cost.cost_fn / cost.cost_fp:g}: where is the cheapest threshold?",
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.12, 0.93))  # the empty middle band
    return ax


def plot_confusion_costs(y_true: ArrayLike, y_pred: ArrayLike, cost: CostMatrix, *, title: str = "", ax=None):
    """Confusion matrix (rows true, columns called); each cell shows its count and the cost it adds.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_confusion_costs([0, 1, 2], [0, 2, 2], CostMatrix.from_array(
    ...     [[0, 1, 1], [1, 0, 1], [5, 2, 0]], classes=["a", "b", "c"]))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b', 'c']
    """
    ax = get_axes(ax, figsize=(4, 3.6))
    m = confusion_matrix(y_true, y_pred, k=cost.k)
    added = m * cost.values
    n = m.sum()
    share = added / max(added.sum(), 1e-12)
    ax.imshow(share, cmap="Reds", vmin=0, vmax=1)
    for i in range(cost.k):
        for j in range(cost.k):
            colour = "white" if share[i, j] > 0.6 else "black"
            ax.text(j, i, f"{m[i, j]}\ncost {added[i, j]:g}", ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(cost.k), cost.classes)
    ax.set_yticks(range(cost.k), cost.classes)
    ax.set(xlabel="called", ylabel="true")
    ax.set_title(f"{title}\nexpected cost {added.sum() / n:.3f} per case".strip(), fontsize=10)
    return ax


@renamed_arguments(y_prob="y_score")
def plot_cost_at_ratio(y_true: ArrayLike, y_score: ArrayLike, *, ratio: float, axes: Sequence | None = None):
    """The widget's figure: at ``C_FN / C_FP = ratio``, the cost curve with p* and the 2 x 2 table there.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> axes = plot_cost_at_ratio([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6], ratio=4)
    >>> len(axes)
    2
    """
    import matplotlib.pyplot as plt

    if not ratio > 0:
        raise ValueError(f"ratio = C_FN / C_FP must be positive, got {ratio!r}.")
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained", gridspec_kw={"width_ratios": [1.6, 1]})[1]
    cost = CostMatrix.binary(cost_fp=1.0, cost_fn=float(ratio))
    y = np.asarray(y_true).astype(int)
    p = np.asarray(y_score, dtype=np.float64)
    p_star = bayes_threshold(cost)
    t = cost_by_threshold(y, p, cost, thresholds=np.linspace(0.005, 0.995, 199))
    ax = axes[0]
    ax.plot(t["threshold"], t["expected_cost"], lw=2, label="expected cost")
    at = cost_by_threshold(y, p, cost, thresholds=[p_star]).iloc[0]
    ax.plot(
        p_star, at["expected_cost"], "o", color="C3", mec="k", ms=8, label=f"p* = 1 / (1 + {ratio:g}) = {p_star:.3f}"
    )
    ax.set(
        xlabel="threshold",
        ylabel="expected cost per case (units of C_FP)",
        xlim=(0, 1),
        ylim=(0, float(t["expected_cost"].max()) * 1.05),
        title="cost against threshold",
    )
    ax.legend(fontsize=8, loc="upper left")
    called = (p >= p_star).astype(int)
    plot_confusion_costs(y, called, cost, ax=axes[1], title=f"at p* = {p_star:.3f}")
    axes[1].set_xticks([0, 1], ["called -", "called +"])
    axes[1].set_yticks([0, 1], ["truly -", "truly +"])
    return axes


def plot_shortfall(shortfall, *, ax=None):
    """Population sensitivity of the exact and conservative thresholds, one dot per validation set.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from radkit.costs import sensitivity_shortfall
    >>> s = sensitivity_shortfall(np.random.default_rng(0).normal(size=200), target=0.9, n_val=50,
    ...                           n_rep=20, n_boot=50, seed=0)
    >>> plot_shortfall(s).get_ylabel()
    'sensitivity in the population'
    """
    ax = get_axes(ax, figsize=(5, 3.6))
    sens = shortfall.sensitivity
    gen = np.random.default_rng(0)  # jitter only, for display
    for k, rule in enumerate(sens.columns):
        values = sens[rule].to_numpy()
        x = k + gen.uniform(-0.18, 0.18, values.size)
        rate = shortfall.rate(rule)
        ax.plot(x, values, ".", alpha=0.35, color=f"C{k}")
        ax.plot([k - 0.25, k + 0.25], [np.median(values)] * 2, color="k", lw=2)
        ax.annotate(
            f"{rate.estimate:.0%} below",
            (k, float(values.min())),
            ha="center",
            va="top",
            fontsize=9,
            xytext=(0, -4),
            textcoords="offset points",
        )
    ax.axhline(shortfall.target, color="C3", ls="--", lw=1, label=f"target {shortfall.target:g}")
    lo = float(sens.min().min())
    ax.set_ylim(lo - 0.3 * (1 - lo), 1.0)
    ax.set_xticks(range(len(sens.columns)), [c.replace(" ", "\n") for c in sens.columns])
    ax.set(
        ylabel="sensitivity in the population",
        xlabel="threshold chosen on validation data",
        title=f"{len(sens)} validation sets of {shortfall.n_val} positives each",
    )
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_replicates(
    frame, *, ylabel: str, title: str, reference: float | None = None, reference_label: str = "", ax=None
):
    """One column per method, one dot per replicate (split or seed), median bar.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> ax = plot_replicates(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 3.0]}), ylabel="cost", title="t")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    ax = get_axes(ax, figsize=(5, 3.6))
    gen = np.random.default_rng(0)  # horizontal jitter only, for display
    for k, name in enumerate(frame.columns):
        values = frame[name].to_numpy(dtype=np.float64)
        ax.plot(k + gen.uniform(-0.15, 0.15, values.size), values, ".", alpha=0.5, color=f"C{k}")
        ax.plot([k - 0.25, k + 0.25], [np.median(values)] * 2, color="k", lw=2)
    if reference is not None:
        ax.axhline(reference, color="grey", ls=":", lw=1, label=reference_label or None)
        if reference_label:
            ax.legend(fontsize=8, loc="best")
    ax.set_xticks(range(frame.shape[1]), list(frame.columns))
    ax.set(ylabel=ylabel, title=title)
    return ax
