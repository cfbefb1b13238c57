"""Figures of notebook 01: learning curves, augmentation grids, image rows, gains with intervals."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import torch

from radkit.augmentation.curves import LearningCurve
from radkit.augmentation.transforms import Policy, augment_batch
from radkit.plotting import get_axes

__all__ = ["plot_augmentations", "plot_gains", "plot_image_rows", "plot_learning_curves", "plot_long_tail"]


def plot_learning_curves(
    curves: Mapping[str, LearningCurve],
    *,
    x: str = "n",
    ax=None,
    level: float = 0.95,
    min_points_for_band: int = 3,
):
    """Mean test AUC with its interval over replicates, against training-set size (or positives), log axis.

    A curve measured at ``min_points_for_band`` sizes or more is drawn as a line with a
    shaded interval; one measured at fewer sizes as points with error bars, since a
    band between two or three points suggests a shape nobody measured.

    Examples
    --------
    >>> import pandas as pd
    >>> lc = LearningCurve(pd.DataFrame({"n": [10, 10, 100, 100], "replicate": [0, 1, 0, 1],
    ...                                  "positives": [2, 2, 20, 20], "auc": [0.6, 0.7, 0.8, 0.85]}))
    >>> ax = plot_learning_curves({"demo": lc})
    >>> ax.get_xscale()
    'log'
    """
    from matplotlib.ticker import FuncFormatter

    ax = get_axes(ax, figsize=(5.5, 3.6))
    for name, lc in curves.items():
        s = lc.summary(level=level)
        xs = s.index.to_numpy(float) if x == "n" else s["positives"].to_numpy(float)
        if len(xs) >= min_points_for_band:
            (line,) = ax.plot(xs, s["auc"], marker="o", label=name)
            ax.fill_between(xs, s["low"], s["high"], color=line.get_color(), alpha=0.2, lw=0)
        else:  # a few sizes are points with their intervals, not a curve with a band
            yerr = [s["auc"] - s["low"], s["high"] - s["auc"]]
            ax.errorbar(xs, s["auc"], yerr=yerr, fmt="o", capsize=3, label=name)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set(
        xlabel="training images" if x == "n" else "positive training images",
        ylabel="test AUC",
        title=f"Learning curve (mean, {level:.0%} interval over replicates)",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return ax


def plot_augmentations(image: torch.Tensor, policies: Mapping[str, Policy], *, seed: int, ncols: int = 6):
    """One radiograph under each policy (first panel: the original).

    Examples
    --------
    >>> import torch
    >>> fig = plot_augmentations(torch.rand(1, 32, 32), {"rotate": Policy(rotate=10)}, seed=0)
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    panels = {"original": image.unsqueeze(0)}
    for name, pol in policies.items():
        panels[name] = augment_batch(image.unsqueeze(0), policy=pol, seed=seed)
    n = len(panels)
    cols = min(ncols, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 2.1 * rows), layout="constrained", squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (name, img) in zip(axes.flat, panels.items()):
        ax.imshow(img[0, 0].cpu().numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(name, fontsize=9)
    return fig


def plot_image_rows(rows: Mapping[str, torch.Tensor], *, n: int = 8, title: str | None = None):
    """A grid with one row of ``n`` images per entry of ``rows`` (row names on the left).

    Examples
    --------
    >>> import torch
    >>> fig = plot_image_rows({"a": torch.rand(3, 1, 8, 8), "b": torch.rand(3, 1, 8, 8)}, n=3)
    >>> len(fig.axes)
    6
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(rows), n, figsize=(1.3 * n + 0.8, 1.45 * len(rows)), layout="constrained", squeeze=False
    )
    for r, (name, imgs) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(imgs):
                ax.imshow(imgs[c, 0].cpu().numpy(), cmap="gray", vmin=0, vmax=1)
            for side in ax.spines.values():
                side.set_visible(False)
        axes[r, 0].set_ylabel(name, fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def plot_gains(table: pd.DataFrame, *, ax=None, xlabel: str = "test AUC gain over no augmentation"):
    """Forest plot of ``estimate`` with ``low``/``high`` per row (e.g. paired gains), zero line marked.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"estimate": [0.02, -0.01], "low": [0.0, -0.03], "high": [0.04, 0.01]}, index=["a", "b"])
    >>> plot_gains(t).get_xlabel()
    'test AUC gain over no augmentation'
    """
    ax = get_axes(ax, figsize=(5.5, 0.5 + 0.45 * len(table)))
    ys = np.arange(len(table))[::-1]
    ax.errorbar(
        table["estimate"],
        ys,
        xerr=[table["estimate"] - table["low"], table["high"] - table["estimate"]],
        fmt="o",
        capsize=4,
    )
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(ys, table.index)
    ax.set(xlabel=xlabel, title="Mean gain with its 95% interval over replicates")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_long_tail(counts: Mapping[str, pd.Series], *, ax=None):
    """Positive images per finding, sorted, one line per dataset (log y): the long tail.

    Examples
    --------
    >>> import pandas as pd
    >>> ax = plot_long_tail({"demo": pd.Series([1000, 100, 10], index=list("abc"))})
    >>> ax.get_yscale()
    'log'
    """
    from matplotlib.ticker import FuncFormatter

    ax = get_axes(ax, figsize=(6, 3.6))
    for name, c in counts.items():
        c = c.sort_values(ascending=False)
        ax.plot(np.arange(1, len(c) + 1) / len(c), c.to_numpy(), marker=".", label=f"{name} ({len(c)} findings)")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set(
        xlabel="findings, most to least common (fraction of the dataset's findings)",
        ylabel="images with the finding",
        title="The long tail of real chest X-ray labels",
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower left")  # the curves start top left and end bottom right
    return ax
