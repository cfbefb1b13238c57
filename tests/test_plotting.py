import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

from radkit.plotting import label_points

plt.switch_backend("Agg")


def _boxes(fig, notes):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    # the text alone: an Annotation's own extent also covers its leader line
    return np.array([Text.get_window_extent(t, r).extents for t in notes])


def _overlaps(b):
    return [
        (i, j)
        for i in range(len(b))
        for j in range(i + 1, len(b))
        if min(b[i, 2], b[j, 2]) > max(b[i, 0], b[j, 0]) and min(b[i, 3], b[j, 3]) > max(b[i, 1], b[j, 1])
    ]


def test_crowded_labels_end_apart_and_inside_the_axes():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set(xlim=(0, 1), ylim=(0, 1))
    x = [0.5] * 6 + [0.97, 0.5]  # six on one spot, one at the right edge, one at the top
    y = [0.5, 0.5, 0.51, 0.49, 0.5, 0.52, 0.3, 0.995]
    labels = [f"finding {i}" for i in range(8)]
    notes = label_points(ax, x, y, labels)
    b = _boxes(fig, notes)
    frame = ax.get_window_extent(fig.canvas.get_renderer()).extents
    assert _overlaps(b) == []
    assert (b[:, 0] >= frame[0]).all() and (b[:, 2] <= frame[2]).all()
    assert (b[:, 1] >= frame[1] - 0.5).all() and (b[:, 3] <= frame[3] + 0.5).all()
    assert [t.get_text() for t in notes] == labels
    assert notes[6].get_ha() == "right"  # flipped to the left of its point
    plt.close(fig)


def test_labels_that_do_not_collide_stay_next_to_their_point():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set(xlim=(0, 1), ylim=(0, 1))
    notes = label_points(ax, [0.1, 0.4], [0.2, 0.8], ["a", "b"], offset=(5, 0))
    assert [n.get_position() for n in notes] == [(5, 0), (5, 0)]
    assert all(n.arrow_patch is None for n in notes)
    plt.close(fig)


def test_bad_inputs_say_what_is_wrong():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="one entry per point"):
        label_points(ax, [0, 1], [0], ["a", "b"])
    with pytest.raises(ValueError, match="finite"):
        label_points(ax, [0, np.nan], [0, 1], ["a", "b"])
    assert label_points(ax, [], [], []) == []
    plt.close(fig)


def test_get_axes_and_the_legend_helpers_live_in_plotting_only():
    import pathlib
    import re

    import radkit
    import radkit.metrics.plots as mplots
    import radkit.plotting as rp

    ax = rp.get_axes(None, figsize=(3, 2))
    assert tuple(ax.figure.get_size_inches()) == (3.0, 2.0) and rp.get_axes(ax, figsize=(9, 9)) is ax
    plt.close(ax.figure)
    assert mplots.legend_below is rp.legend_below and mplots.plain_log_axis is rp.plain_log_axis
    root = pathlib.Path(radkit.__file__).parent
    pattern = re.compile(r"^def (_axes|_ax|legend_below|plain_log_axis|get_axes)\(", re.M)
    homes = sorted(str(f.relative_to(root)) for f in root.rglob("*.py") if pattern.search(f.read_text()))
    assert homes == ["plotting.py"], homes


def test_a_label_that_ends_nearer_another_point_gets_a_leader_to_its_own():
    # "far right" is flipped to the left of its point, where it would sit beside "near": the reader could
    # take it for near's label, so it gets a leader line; "near", beside its own point, does not
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set(xlim=(0, 1), ylim=(0, 1))
    notes = label_points(ax, [0.55, 0.97], [0.5, 0.5], ["near", "a long label far right"])
    assert notes[1].get_ha() == "right" and notes[1].arrow_patch is not None
    assert notes[0].arrow_patch is None
    plt.close(fig)
