"""Smoke tests of radkit.metrics.plots: each figure draws, is titled and labelled, and keeps
its legend off the data (below the axes) and its log axes in plain decimals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from radkit import metrics
from radkit.metrics import plots


@pytest.fixture
def scores():
    rng = np.random.default_rng(61)
    y = (rng.random(400) < 0.2).astype(int)
    return y, expit(rng.normal(1.5 * y - 1, 1.0))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend_below(ax):
    fig = ax.figure
    fig.canvas.draw()
    leg = ax.get_legend()
    assert leg is not None
    lb, ab = leg.get_window_extent(), ax.get_window_extent()
    assert lb.y1 <= ab.y0 + 1, "legend overlaps the axes"


def _labelled(ax):
    assert ax.get_title() and ax.get_xlabel()


def test_prevalence_sweep_plain_log_ticks_and_legend_below():
    ax = plots.plot_prevalence_sweep(0.5, 0.889, mark=0.1)
    _labelled(ax)
    _legend_below(ax)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "0.01" in labels and not any("10^" in t or "times" in t or "$" in t for t in labels), labels


def test_roc_pr_cost_and_threshold_spread(scores):
    y, s = scores
    pts = metrics.operating_points(y, s, cost_ratio=20)
    axes = plots.plot_roc_pr_cost(y, s, points=pts, pc=0.8)
    for ax in axes:
        _labelled(ax)
        _legend_below(ax)
    ax = plots.plot_threshold_spread({k: np.full(5, t) for k, t in pts.items()}, chosen=pts)
    _labelled(ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(pts)


def test_reliability_decision_curve_ci_width(scores):
    y, s = scores
    ax = plots.plot_reliability(y, {"raw": s})
    _labelled(ax)
    _legend_below(ax)
    pts = np.arange(1, 60) / 100
    spread = np.array([metrics.net_benefit(y, np.clip(s + d, 0, 1), pts) for d in (-0.02, 0, 0.02)])
    ax = plots.plot_decision_curve(y, {"raw": s}, thresholds=pts, spread={"raw": spread})
    _labelled(ax)
    _legend_below(ax)
    assert any("5-95%" in t.get_text() for t in ax.get_legend().get_texts())
    ax = plots.plot_ci_width([100, 1000, 10000], {"width": [0.13, 0.04, 0.013]})
    _labelled(ax)
    _legend_below(ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["100", "1,000", "10,000"]
    assert all("$" not in t.get_text() for t in ax.get_yticklabels())


def test_measures_by_group_forest_plot():
    df = pd.DataFrame({"g": ["a_b"] * 50 + ["c"] * 50, "y_true": [0, 1] * 50, "y_pred": [0, 1, 1, 1, 0] * 20})
    table = metrics.measures_by_group(df, groups="g", n_boot=50, seed=0)
    ax = plots.plot_measures_by_group(table, title="t")
    _labelled(ax)
    _legend_below(ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a b", "c"]  # "overall" left out
