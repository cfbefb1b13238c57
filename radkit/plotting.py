"""Small plotting helpers every figure module shares: axes, legends, log ticks, point labels.

:func:`get_axes` returns the axes to draw on (the caller's, or a new
constrained-layout figure's, at the size the figure needs);
:func:`legend_below` puts a legend under the axes, never over the data;
:func:`plain_log_axis` labels a log axis 0.01, 0.1 rather than powers of ten.
matplotlib is imported inside the functions.

:func:`label_points` writes one text label next to each point, then moves the
labels apart vertically (and to the left of their point where the right edge
is too close) until no two overlap and every one lies inside the axes, drawing
a thin leader line to the point when a label had to move. It is deterministic
(no random jitter) and needs nothing beyond matplotlib, for the handful of
labels a teaching figure carries; for dense scatter plots label fewer points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["get_axes", "legend_below", "plain_log_axis", "label_points"]


def get_axes(ax: Any, *, figsize: tuple[float, float]) -> Any:
    """``ax`` if given, else the axes of a new constrained-layout figure of size ``figsize`` (inches).

    Every plotting function of the kit takes ``ax=None`` and calls this, so a
    figure can be drawn alone or into a panel of a larger one.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = get_axes(None, figsize=(4, 3))
    >>> ax.figure.get_size_inches().tolist(), get_axes(ax, figsize=(9, 9)) is ax
    ([4.0, 3.0], True)
    """
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax
    return plt.subplots(figsize=figsize, layout="constrained")[1]


def legend_below(ax: Any, *, ncols: int = 1, fontsize: float = 8, **kwargs: Any) -> Any:
    """Put ``ax``'s legend under the axes, outside the data (constrained layout makes room)."""
    return ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=ncols, fontsize=fontsize, frameon=False, **kwargs
    )


def plain_log_axis(ax: Any, axis: str = "x", ticks: ArrayLike | None = None) -> None:
    """Label a log axis with plain decimals (0.001, 0.02, 0.5) instead of 10^-3 or 2x10^-2."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    if ticks is not None:
        target.set_major_locator(FixedLocator(np.asarray(ticks, float)))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.10g}"))
    target.set_minor_formatter(NullFormatter())


def _boxes(texts: list, renderer: Any) -> np.ndarray:
    """(n, 4) display-space boxes x0, y0, x1, y1 of the texts."""
    return np.array([t.get_window_extent(renderer).extents for t in texts])


def _nearest_point(boxes: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each label box, the index of the point nearest to it (distance from the box's edge, display pixels)."""
    x0, y0, x1, y1 = (boxes[:, None, c] for c in range(4))
    px, py = points[None, :, 0], points[None, :, 1]
    gap_x = np.maximum(np.maximum(x0 - px, px - x1), 0.0)
    gap_y = np.maximum(np.maximum(y0 - py, py - y1), 0.0)
    dist = np.hypot(gap_x, gap_y)
    own = dist[np.arange(len(boxes)), np.arange(len(boxes))]
    # ties (and near-ties within a pixel) go to the label's own point
    return np.where(dist.min(axis=1) < own - 1.0, dist.argmin(axis=1), np.arange(len(boxes)))


def label_points(
    ax: Any,
    x: Sequence[float],
    y: Sequence[float],
    labels: Sequence[str],
    *,
    fontsize: float = 9,
    offset: tuple[float, float] = (5, 0),
    pad: float = 2.0,
    max_iter: int = 300,
) -> list:
    """Label each point ``(x[i], y[i])`` with ``labels[i]``, without overlaps, inside the axes.

    Parameters
    ----------
    ax : matplotlib Axes
        Set its limits and scales first: placement happens in display space.
    x, y : sequence of float
        Data coordinates of the points.
    labels : sequence of str
    fontsize : float
    offset : (float, float)
        Starting offset of each label from its point, in points (right of the point).
    pad : float
        Minimum gap between two labels, in pixels.
    max_iter : int
        Passes of the pairwise push; placement stops earlier once nothing overlaps.

    Returns
    -------
    list of matplotlib Annotation
        One per label, in input order.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax.set(xlim=(0, 1), ylim=(0, 1))
    [(0.0, 1.0), (0.0, 1.0)]
    >>> notes = label_points(ax, [0.5, 0.5, 0.5], [0.5, 0.5, 0.51], ["one", "two", "three"])
    >>> len(notes)
    3
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not (len(xs) == len(ys) == len(labels)):
        raise ValueError(f"x, y and labels must have one entry per point; got {len(xs)}, {len(ys)} and {len(labels)}.")
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ValueError("x and y must be finite; drop the points without a value before labelling them.")
    if len(xs) == 0:
        return []
    fig = ax.figure
    texts = [
        ax.annotate(
            str(lab), (xi, yi), xytext=offset, textcoords="offset points", fontsize=fontsize, va="center", ha="left"
        )
        for xi, yi, lab in zip(xs, ys, labels)
    ]
    renderer = fig.canvas.get_renderer()
    to_pixels = fig.dpi / 72.0  # offset points -> display pixels
    frame = ax.get_window_extent(renderer).extents
    # labels whose text would pass the right edge go to the left of their point
    for t, box in zip(texts, _boxes(texts, renderer)):
        if box[2] > frame[2]:
            t.set_ha("right")
            t.set_position((-offset[0], offset[1]))
    dy = np.array([t.get_position()[1] for t in texts], dtype=float) * to_pixels
    for _ in range(max_iter):
        for t, d in zip(texts, dy):
            t.set_position((t.get_position()[0], d / to_pixels))
        box = _boxes(texts, renderer)
        moved = False
        # keep inside the axes vertically
        over_top, under_bottom = box[:, 3] - frame[3], frame[1] - box[:, 1]
        dy -= np.clip(over_top, 0, None)
        dy += np.clip(under_bottom, 0, None)
        moved |= bool((over_top > 0).any() or (under_bottom > 0).any())
        order = np.argsort((box[:, 1] + box[:, 3]) / 2 + 1e-9 * np.arange(len(box)), kind="stable")
        for a_pos, i in enumerate(order):
            for j in order[a_pos + 1 :]:
                overlap_x = min(box[i, 2], box[j, 2]) - max(box[i, 0], box[j, 0])
                overlap_y = box[i, 3] + pad - box[j, 1]  # j sits above i
                if overlap_x > 0 and overlap_y > 0:
                    dy[i] -= overlap_y / 2
                    dy[j] += overlap_y / 2
                    moved = True
        if not moved:
            break
    for t, d in zip(texts, dy):
        t.set_position((t.get_position()[0], d / to_pixels))
    nearest = _nearest_point(_boxes(texts, renderer), ax.transData.transform(np.column_stack([xs, ys])))
    placed = []
    for k, (t, d, xi, yi) in enumerate(zip(texts, dy, xs, ys)):
        dx = t.get_position()[0]
        # a label that stayed by its point, and is nearer to it than to any other point, needs no leader
        if abs(d - offset[1] * to_pixels) <= 6 * to_pixels and nearest[k] == k:
            placed.append(t)
            continue
        # moved far from its point, or nearer to another point: redraw it with a thin leader line to its own
        ha = t.get_ha()
        t.remove()
        placed.append(
            ax.annotate(
                t.get_text(),
                (xi, yi),
                xytext=(dx, d / to_pixels),
                textcoords="offset points",
                fontsize=fontsize,
                va="center",
                ha=ha,
                arrowprops=dict(arrowstyle="-", lw=0.5, color="grey", shrinkA=1, shrinkB=3),
            )
        )
    return placed
