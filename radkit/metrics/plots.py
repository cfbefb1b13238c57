"""Figures for the performance-measures lesson (notebook 07).

Each function draws one figure that answers one question and returns the
matplotlib axes, so a notebook cell stays one line long. matplotlib is
imported inside the functions: ``radkit.metrics`` itself does not need it.

- :func:`plot_prevalence_sweep`: accuracy, PPV and NPV of a fixed test as the
  finding gets rarer;
- :func:`plot_confusion_at_prevalence`: the expected confusion table of 1,000
  patients (the widget's figure);
- :func:`plot_roc_pr_cost`: ROC, precision-recall and cost curves side by side,
  with chosen operating points marked on all three;
- :func:`plot_reliability`: reliability diagram of several probability sets;
- :func:`plot_decision_curve`: net benefit against the threshold probability;
- :func:`plot_ci_width`: confidence-interval width against test-set size;
- :func:`plot_threshold_spread`: where each criterion puts the threshold, over resamples.

Legends sit below the axes (never over the data) and log axes are labelled
with plain decimals (0.01, 0.1), not powers of ten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit._validate import check_count, check_fraction
from radkit.metrics.calibration import expected_calibration_error, reliability_curve
from radkit.metrics.confusion import confusion, npv_at_prevalence, ppv_at_prevalence
from radkit.metrics.curves import cost_curve, decision_curve, pr_curve, roc
from radkit.plotting import get_axes, legend_below, plain_log_axis  # legend_below, plain_log_axis: re-exported

__all__ = [
    "legend_below",
    "plain_log_axis",
    "expected_counts",
    "plot_prevalence_sweep",
    "plot_confusion_at_prevalence",
    "plot_measures_by_group",
    "plot_roc_pr_cost",
    "plot_reliability",
    "plot_decision_curve",
    "plot_ci_width",
    "plot_threshold_spread",
]

_MARKERS = ("o", "s", "D", "^", "v", "P", "X")


@renamed_arguments(sens="sensitivity", spec="specificity")
def expected_counts(sensitivity: float, specificity: float, prevalence: float, *, n: int = 1000) -> dict[str, float]:
    """Expected confusion-table cells of ``n`` patients for a test at a prevalence.

    Examples
    --------
    >>> expected_counts(0.9, 0.8, 0.1, n=1000)
    {'tp': 90.0, 'fn': 10.0, 'fp': 180.0, 'tn': 720.0}
    """
    for name, v in (("sensitivity", sensitivity), ("specificity", specificity), ("prevalence", prevalence)):
        check_fraction(v, name)
    n = check_count(n, "n", hint="the number of patients, e.g. n=1000")
    pos, neg = n * prevalence, n * (1 - prevalence)
    return {
        "tp": round(sensitivity * pos, 6),
        "fn": round((1 - sensitivity) * pos, 6),
        "fp": round((1 - specificity) * neg, 6),
        "tn": round(specificity * neg, 6),
    }


@renamed_arguments(sens="sensitivity", spec="specificity")
def plot_prevalence_sweep(
    sensitivity: float, specificity: float, *, prevalences: ArrayLike | None = None, mark: float | None = None, ax=None
):
    """Accuracy, PPV and NPV of a test with fixed sensitivity and specificity, by prevalence.

    Accuracy is ``sensitivity * p + specificity * (1 - p)``: as ``p`` falls it tends to the
    specificity, so a test that misses half the cases can look excellent.

    Parameters
    ----------
    sensitivity, specificity : float
        The test's sensitivity and specificity (they do not depend on prevalence).
    prevalences : array-like, optional
        x-axis values; default 0.1% to 50% on a log scale.
    mark : float, optional
        A prevalence to mark with a vertical line (e.g. the study's).
    """
    ax = get_axes(ax, figsize=(4.8, 4.4))
    p = np.geomspace(0.001, 0.5, 200) if prevalences is None else np.asarray(prevalences, float)
    ax.plot(p, sensitivity * p + specificity * (1 - p), label="accuracy", lw=2)
    ax.plot(p, ppv_at_prevalence(sensitivity, specificity, p), label="PPV (precision)", lw=2)
    ax.plot(p, npv_at_prevalence(sensitivity, specificity, p), label="NPV", lw=2, ls="--")
    ax.axhline(sensitivity, color="grey", lw=1, ls=":", label=f"sensitivity {sensitivity:.2f}")
    if mark is not None:
        ax.axvline(mark, color="k", lw=0.8, ls="--")
        # above the sensitivity line, where only the accuracy/NPV curves (near 1) could be
        ax.annotate(
            f"prevalence {mark:.0%}", (mark, sensitivity + 0.02), rotation=90, ha="right", va="bottom", fontsize=7
        )
    ax.set(
        xscale="log",
        xlabel="prevalence of the finding",
        ylabel="value",
        ylim=(0, 1.02),
        title=f"same test (sens {sensitivity:.2f}, spec {specificity:.2f}), other populations",
    )
    plain_log_axis(ax, "x", [t for t in (0.001, 0.01, 0.1, 0.5) if p.min() <= t <= p.max()])
    legend_below(ax, ncols=2)
    return ax


@renamed_arguments(sens="sensitivity", spec="specificity")
def plot_confusion_at_prevalence(sensitivity: float, specificity: float, prevalence: float, *, n: int = 1000, ax=None):
    """Expected confusion table of ``n`` patients, with PPV and NPV in the title."""
    ax = get_axes(ax, figsize=(3.8, 3.4))
    c = expected_counts(sensitivity, specificity, prevalence, n=n)
    cells = np.array([[c["tp"], c["fn"]], [c["fp"], c["tn"]]])
    colours = np.array([[0.2, 0.8], [0.8, 0.2]])  # correct cells light, errors dark
    ax.imshow(colours, cmap="RdYlGn_r", vmin=0, vmax=1, alpha=0.35)
    names = [["true positive", "false negative"], ["false positive", "true negative"]]
    for i in range(2):
        for j in range(2):
            ax.text(j, i, f"{cells[i, j]:.0f}\n{names[i][j]}", ha="center", va="center", fontsize=10)
    ax.set_xticks([0, 1], ["test +", "test -"])
    ax.set_yticks([0, 1], ["disease +", "disease -"])
    ppv = ppv_at_prevalence(sensitivity, specificity, prevalence)
    npv = npv_at_prevalence(sensitivity, specificity, prevalence)
    acc = sensitivity * prevalence + specificity * (1 - prevalence)
    ax.set_title(
        f"{n:,} patients, prevalence {prevalence:.1%}\nPPV {ppv:.2f} · NPV {npv:.3f} · accuracy {acc:.2f}", fontsize=10
    )
    return ax


def plot_roc_pr_cost(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    points: Mapping[str, float] | None = None,
    pc: float | None = None,
    axes: Sequence | None = None,
):
    """ROC, precision-recall and cost curves of one score, side by side.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Binary labels and scores.
    points : mapping of str to float, optional
        Named thresholds (rule ``y_score >= t``) to mark on all three panels.
    pc : float, optional
        A probability-cost value to mark on the cost curve (the clinic's).

    Returns
    -------
    array of three axes
    """
    import matplotlib.pyplot as plt

    if axes is None:
        axes = plt.subplots(1, 3, figsize=(13, 5.2), layout="constrained")[1]
    y = np.asarray(y_true).astype(int)
    s = np.asarray(y_score, dtype=float)
    r, pr, cc = roc(y, s), pr_curve(y, s), cost_curve(y, s, n_points=201)
    ax_roc, ax_pr, ax_cost = axes
    ax_roc.plot(r.fpr, r.tpr, lw=2, label=f"model (AUC {r.auc:.3f})")
    ax_roc.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
    ax_roc.set(xlabel="1 - specificity (FPR)", ylabel="sensitivity (TPR)", title="ROC: how well are cases ranked?")
    ax_pr.plot(pr.recall, pr.precision, lw=2, label=f"model (AP {pr.average_precision:.3f})")
    ax_pr.axhline(pr.prevalence, color="k", ls=":", lw=1, label=f"chance = prevalence {pr.prevalence:.2f}")
    ax_pr.set(
        xlabel="recall (sensitivity)", ylabel="precision (PPV)", ylim=(0, 1.02), title="PR: how many alarms are real?"
    )
    ax_cost.plot(cc.pc, cc.envelope, lw=2, label=f"model, best threshold (area {cc.area:.3f})")
    ax_cost.plot([0, 1], [0, 1], "k:", lw=1)
    ax_cost.plot([0, 1], [1, 0], "k:", lw=1, label="call all negative / all positive")
    ax_cost.set(
        xlabel="probability-cost pc(+)",
        ylabel="normalized expected cost",
        ylim=(0, 0.55),
        title="cost: what does it cost at my costs?",
    )
    if pc is not None:
        ax_cost.axvline(pc, color="grey", lw=1, ls="--")
        right = pc > 0.6  # keep the label inside the axes
        ax_cost.annotate(
            f"clinic pc = {pc:.2f}",
            (pc, 0.01),
            xytext=(-3 if right else 3, 0),
            textcoords="offset points",
            ha="right" if right else "left",
            va="bottom",
            fontsize=8,
        )
    for k, (name, t) in enumerate((points or {}).items()):
        m = confusion(y, (s >= t).astype(int)).measures()
        style = dict(marker=_MARKERS[k % len(_MARKERS)], ms=8, ls="none", mec="k", color=f"C{k + 1}")
        ax_roc.plot(1 - m.specificity, m.sensitivity, label=name, **style)
        ax_pr.plot(m.sensitivity, m.ppv, label=name, **style)
        line = (1 - m.sensitivity) * cc.pc + (1 - m.specificity) * (1 - cc.pc)
        ax_cost.plot(cc.pc, line, lw=1, color=f"C{k + 1}", alpha=0.8)
        if pc is not None:
            ax_cost.plot(pc, (1 - m.sensitivity) * pc + (1 - m.specificity) * (1 - pc), label=name, **style)
    for ax in axes:
        legend_below(ax)
    return axes


_THIN_BIN = 20  # bins with fewer cases are labelled with their count in reliability diagrams


@renamed_arguments(probs="y_score")
def plot_reliability(y_true: ArrayLike, y_score: Mapping[str, ArrayLike], *, n_bins: int = 10, ax=None):
    """Reliability diagram: observed frequency against predicted probability.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels of the evaluation cases.
    y_score : mapping of str to array-like
        Named probability sets for the same cases (e.g. before / after calibration);
        the legend shows each one's ECE.
    """
    ax = get_axes(ax, figsize=(4.8, 5.6))
    ax.plot([0, 1], [0, 1], "k:", lw=1, label="perfectly calibrated")
    for k, (name, p) in enumerate(y_score.items()):
        rc = reliability_curve(y_true, p, n_bins=n_bins)
        full = rc.counts > 0
        ece = expected_calibration_error(y_true, p, n_bins=n_bins)
        pred, obs, cases = rc.mean_predicted[full], rc.observed[full], np.asarray(rc.counts)[full]
        (line,) = ax.plot(pred, obs, lw=1.2, label=f"{name} (ECE {ece:.3f})")
        # marker area grows with the bin's cases; thin bins (their share jumps around) also carry their count
        ax.scatter(
            pred,
            obs,
            s=4 + 200 * np.sqrt(cases / cases.max()),
            marker=_MARKERS[k % len(_MARKERS)],
            color=line.get_color(),
            alpha=0.6,
            zorder=3,
        )
        for x, yv, n in zip(pred, obs, cases):
            if n < _THIN_BIN:
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
        ylabel="observed fraction positive",
        xlim=(0, 1),
        ylim=(0, 1),
        aspect="equal",
        title=f"reliability diagram\n(marker area: cases in the bin; n shown below {_THIN_BIN})",
    )
    legend_below(ax)
    return ax


@renamed_arguments(probs="y_score")
def plot_decision_curve(
    y_true: ArrayLike,
    y_score: Mapping[str, ArrayLike],
    *,
    thresholds: ArrayLike | None = None,
    spread: Mapping[str, ArrayLike] | None = None,
    ax=None,
):
    """Net benefit of named probability sets, with treat-all and treat-none references.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels of the evaluation cases.
    y_score : mapping of str to array-like
        Named probability sets for the same cases.
    thresholds : array-like, optional
        Threshold probabilities; default 0.01 to 0.59.
    spread : mapping of str to array-like of shape (n_rep, len(thresholds)), optional
        Net-benefit curves of replicates (e.g. calibration splits), drawn as a
        shaded 5-95% band in the colour of the same-named line.
    """
    ax = get_axes(ax, figsize=(5.2, 4.6))
    pts = np.arange(1, 60) / 100 if thresholds is None else np.asarray(thresholds, float)
    dc = None
    for k, (name, p) in enumerate(y_score.items()):
        dc = decision_curve(y_true, p, thresholds=pts)
        ax.plot(dc.thresholds, dc.model, lw=2, color=f"C{k}", label=name)
        if spread is not None and name in spread:
            reps = np.asarray(spread[name], float)
            lo, hi = np.nanpercentile(reps, [5, 95], axis=0)
            ax.fill_between(
                pts, lo, hi, color=f"C{k}", alpha=0.2, lw=0, label=f"{name}: 5-95% over {reps.shape[0]} splits"
            )
    if dc is not None:
        ax.plot(dc.thresholds, dc.treat_all, "k--", lw=1, label="treat all")
        ax.plot(dc.thresholds, dc.treat_none, "k:", lw=1, label="treat none")
        prev = float(np.mean(np.asarray(y_true)))
        ax.set_ylim(-0.02, prev * 1.15)
    ax.set(xlabel="threshold probability (harm : benefit = pt : 1 - pt)", ylabel="net benefit", title="decision curve")
    legend_below(ax, ncols=2)
    return ax


def plot_ci_width(ns: ArrayLike, widths: Mapping[str, ArrayLike], *, ax=None):
    """CI width against test-set size on log-log axes, with a 1/sqrt(n) guide."""
    ax = get_axes(ax, figsize=(4.8, 4.4))
    ns = np.asarray(ns, float)
    first = None
    values = []
    for k, (name, w) in enumerate(widths.items()):
        w = np.asarray(w, float)
        values.append(w)
        first = w if first is None else first
        ax.plot(ns, w, marker=_MARKERS[k % len(_MARKERS)], lw=1.5, label=name)
    if first is not None:
        ax.plot(ns, first[0] * np.sqrt(ns[0] / ns), "k:", lw=1, label=r"$\propto 1/\sqrt{n}$")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="test cases n",
        ylabel="95% CI width of the AUC",
        title="uncertainty shrinks slowly",
    )
    plain_log_axis(ax, "x", ns)
    if values:
        lo, hi = float(np.min(values)), float(np.max(values))
        grid = np.array([0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5])
        plain_log_axis(ax, "y", grid[(grid >= lo / 1.5) & (grid <= hi * 1.5)])
    legend_below(ax)
    return ax


def plot_threshold_spread(replicates: Mapping[str, ArrayLike], *, chosen: Mapping[str, float] | None = None, ax=None):
    """Where each criterion puts the threshold, across resamples of the test set.

    Parameters
    ----------
    replicates : mapping of str to array-like
        Per criterion, the threshold it chose in each resample.
    chosen : mapping of str to float, optional
        The threshold each criterion chose on the full test set (a black tick).
    """
    ax = get_axes(ax, figsize=(6.4, 3.2))
    names = list(replicates)
    for k, name in enumerate(names):
        t = np.asarray(replicates[name], float)
        jitter = (np.arange(t.size) % 7 - 3) * 0.04
        ax.plot(
            t, k + jitter, ls="none", marker=_MARKERS[k % len(_MARKERS)], ms=5, alpha=0.6, color=f"C{k + 1}", mec="none"
        )
        if chosen is not None and name in chosen:
            ax.plot([chosen[name]] * 2, [k - 0.3, k + 0.3], color="k", lw=2)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set(xlabel="threshold on the model's score", title="chosen threshold over resamples")
    return ax


def plot_measures_by_group(
    table,
    *,
    measures: Sequence[str] = ("sensitivity", "specificity", "ppv", "npv"),
    title: str = "measures by group",
    ax=None,
):
    """Forest plot of :func:`radkit.metrics.measures_by_group`: one row per group, intervals as bars.

    Parameters
    ----------
    table : DataFrame
        Columns ``<measure>``, ``<measure> low``, ``<measure> high``; the index names the groups
        (an ``"overall"`` row is left out).
    measures : sequence of str
        Which measures to draw, each in its own colour and marker.
    title : str
        Axes title.
    """
    rows = table.drop(index="overall", errors="ignore")
    ax = get_axes(ax, figsize=(7, 1.2 + 0.75 * len(rows)))
    offsets = (np.arange(len(measures)) - (len(measures) - 1) / 2) * 0.18
    for k, name in enumerate(measures):
        est = rows[name].to_numpy(float)
        err = np.vstack([est - rows[f"{name} low"].to_numpy(float), rows[f"{name} high"].to_numpy(float) - est])
        ax.errorbar(
            est, np.arange(len(rows)) + offsets[k], xerr=err, fmt=_MARKERS[k % len(_MARKERS)], capsize=3, label=name
        )
    ax.set_yticks(np.arange(len(rows)), [str(i).replace("_", " ") for i in rows.index])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set(xlim=(0, 1), xlabel="value (95% bootstrap CI)", title=title)
    legend_below(ax, ncols=len(measures))
    return ax
