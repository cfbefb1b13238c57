"""Many simulated reader panels: evidence about label models that carries its own spread.

One simulated panel of readers is one draw: on another draw majority vote and
Dawid-Skene may swap places. The claims of notebook 04 are therefore made over
many panels (``prof.n_rep`` of them, seeds from :func:`radkit.seeding.spawn`):

* :func:`compare_over_panels` -- for each panel design and each seed, simulate
  the reads (:func:`radkit.synth.simulate_readers`) and score the label models
  against the truth (:func:`radkit.adjudication.label_process.compare_label_models`);
* :func:`compare_protocols` -- one simulated labelling protocol comparison:
  one reader, majority of three, three plus adjudication, an expert reading all;
* :func:`paired_differences` -- per design, the mean of a paired difference
  (model A minus model B on the same panel) with a t interval over panels and
  the share of panels where A beats B;
* :func:`plot_panel_differences` -- the per-panel differences as a strip plot
  with their means and intervals.

Examples
--------
>>> import numpy as np
>>> from radkit.adjudication.reader_panels import compare_over_panels, paired_differences
>>> y = (np.random.default_rng(0).random(400) < 0.2).astype(int)
>>> designs = {"unequal": dict(sensitivity=[0.95, 0.6, 0.6], specificity=[0.97, 0.7, 0.7])}
>>> scores = compare_over_panels(y, designs, seeds=[1, 2, 3, 4, 5], progress=False)
>>> d = paired_differences(scores, "Dawid-Skene", "majority vote")
>>> list(d.columns), int(d.loc["unequal", "n"])
(['estimate', 'low', 'high', 'level', 'method', 'n', 'win_rate', 'sd'], 5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments
from radkit._validate import check_labels, check_level
from radkit.adjudication.label_process import adjudicate, compare_label_models
from radkit.seeding import check_seed, rng
from radkit.stats import t_interval
from radkit.synth import simulate_readers

__all__ = ["compare_over_panels", "compare_protocols", "paired_differences", "plot_panel_differences"]

_READER_KEYS = {
    "sensitivity",
    "specificity",
    "n_readers",
    "correlation",
    "subtlety",
    "difficulty_dependence",
    "sens",
    "spec",
}  # sens, spec: simulate_readers' old names (they warn there), for one release


def _seeds(seeds: Sequence[int]) -> list[int]:
    out = [check_seed(s, name="each seed") for s in seeds]
    if not out:
        raise ValueError("seeds is empty: give one seed per panel, e.g. radkit.seeding.spawn(prof.seed, prof.n_rep).")
    return out


def compare_over_panels(
    truth: Any,
    designs: Mapping[str, Mapping[str, Any]],
    *,
    seeds: Sequence[int],
    X: Any = None,
    finding: str = "finding",
    progress: bool = True,
) -> pd.DataFrame:
    """Simulate every panel design once per seed and score the label models against the truth.

    Parameters
    ----------
    truth : array-like of 0/1
        The hidden truth, one label per item (items are positions 0..n-1).
    designs : mapping name -> reader settings
        Keyword arguments of :func:`radkit.synth.simulate_readers` (``sensitivity``,
        ``specificity``, ``correlation``...), one panel design per entry.
    seeds : sequence of int
        One seed per replicate panel; the same seed is used for every design,
        so designs are compared on common random numbers.
    X : DataFrame indexed by item, optional
        Image features; adds Raykar's model (:func:`radkit.adjudication.raykar`).
    finding : str
        Name of the finding in the simulated tables.
    progress : bool
        Show a tqdm bar over the panels.

    Returns
    -------
    DataFrame
        One row per (design, panel, label model): columns ``design, panel, label model,
        accuracy, sensitivity, specificity``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1, 0, 0, 1, 0, 0, 0, 1] * 20)
    >>> out = compare_over_panels(y, {"three": dict(sensitivity=0.8, specificity=0.9)}, seeds=[3, 4],
    ...                           progress=False)
    >>> sorted(out["label model"].unique()), len(out)
    (['Dawid-Skene', 'majority vote'], 4)
    """
    y = check_labels(truth, "truth").astype(np.int64)
    seeds = _seeds(seeds)
    if not designs:
        raise ValueError(
            "designs is empty: give at least one panel design, "
            "e.g. {'5 readers': dict(sensitivity=..., specificity=...)}."
        )
    for name, kw in designs.items():
        unknown = set(kw) - _READER_KEYS
        if unknown:
            raise ValueError(
                f"design {name!r} has unknown reader setting(s) {sorted(unknown)}; "
                f"use {sorted(_READER_KEYS - {'sens', 'spec'})} (see radkit.synth.simulate_readers)."
            )
    rows = []
    panels = enumerate(seeds)
    if progress:
        from tqdm.auto import tqdm

        panels = tqdm(list(panels), desc="reader panels")
    for k, seed in panels:
        for name, kw in designs.items():
            reads = simulate_readers(y, finding=finding, seed=seed, **kw).labels
            scores = compare_label_models(reads, y, X=X, seed=seed)
            for model, row in scores.iterrows():
                rows.append({"design": name, "panel": k, "label model": model, **row.to_dict()})
    return pd.DataFrame(rows)


@renamed_arguments(
    sens="sensitivity", spec="specificity", expert_sens="expert_sensitivity", expert_spec="expert_specificity"
)
def compare_protocols(
    truth: Any,
    *,
    sensitivity: Sequence[float],
    specificity: Sequence[float],
    expert_sensitivity: float,
    expert_specificity: float,
    seed: int,
    single: int = 0,
) -> pd.DataFrame:
    """One simulated comparison of labelling protocols against the truth.

    The readers (``sensitivity``, ``specificity``; usually three) read every item; the
    protocols are: one of them alone (reader ``single``), their majority vote
    (ties positive), their reads plus an expert who reads only the items they
    disagree on (:func:`radkit.adjudication.label_process.adjudicate`), and the expert reading
    everything.

    Parameters
    ----------
    truth : array-like of 0/1
    sensitivity, specificity : sequence of float
        The readers' sensitivities and specificities.
    expert_sensitivity, expert_specificity : float
        The expert's.
    seed : int
        Seeds the readers (``seed``) and the expert (``seed + 1``).
    single : int
        Position of the reader used alone.

    Returns
    -------
    DataFrame
        Rows ``one reader, majority of readers, readers + adjudication, expert reads all``;
        columns ``reader reads per image, expert reads per image, accuracy``.

    Examples
    --------
    >>> import numpy as np
    >>> y = (np.random.default_rng(0).random(2000) < 0.2).astype(int)
    >>> p = compare_protocols(y, sensitivity=[0.8, 0.7, 0.6], specificity=[0.9, 0.8, 0.7],
    ...                       expert_sensitivity=0.95, expert_specificity=0.98, seed=1)
    >>> bool(p.loc["readers + adjudication", "accuracy"] > p.loc["majority of readers", "accuracy"])
    True
    """
    y = check_labels(truth, "truth").astype(np.int64)
    seed = check_seed(seed)
    se, sp = np.atleast_1d(np.asarray(sensitivity, float)), np.atleast_1d(np.asarray(specificity, float))
    if se.shape != sp.shape or se.ndim != 1 or se.size < 2:
        raise ValueError(
            f"sensitivity and specificity must list the same number (>= 2) of readers; got {se.size} and {sp.size}."
        )
    if not 0 <= single < se.size:
        raise ValueError(f"single={single} must be the position of one of the {se.size} readers (0..{se.size - 1}).")
    reads = simulate_readers(y, sensitivity=se, specificity=sp, seed=seed).labels
    adj = adjudicate(
        reads, y, expert_sensitivity=expert_sensitivity, expert_specificity=expert_specificity, seed=seed + 1
    )
    expert = simulate_readers(
        y, sensitivity=expert_sensitivity, specificity=expert_specificity, n_readers=1, seed=seed + 1
    ).labels
    alone = reads[reads.reader == f"R{single + 1}"]["label"].to_numpy()
    n_readers, n = se.size, len(y)
    return pd.DataFrame(
        {
            "reader reads per image": [1.0, n_readers, n_readers, 0.0],
            "expert reads per image": [0.0, 0.0, adj.n_expert_reads / n, 1.0],
            "accuracy": [
                np.mean(alone == y),
                np.mean(adj.first_read.to_numpy() == y),
                np.mean(adj.labels.to_numpy() == y),
                np.mean(expert["label"].to_numpy() == y),
            ],
        },
        index=pd.Index(
            ["one reader", "majority of readers", "readers + adjudication", "expert reads all"], name="protocol"
        ),
    )


@renamed_arguments(by="groups")
def paired_differences(
    scores: pd.DataFrame,
    better: str,
    worse: str,
    *,
    groups: str = "design",
    within: str = "panel",
    column: str = "label model",
    metric: str = "accuracy",
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean paired difference ``better - worse`` per group, with a t interval over replicates.

    Parameters
    ----------
    scores : DataFrame
        Long table with columns ``groups``, ``within`` (the replicate), ``column`` and ``metric``,
        such as :func:`compare_over_panels` returns.
    better, worse : str
        The two values of ``column`` to compare (``"Dawid-Skene"``, ``"majority vote"``...).
    groups, within, column, metric : str
        Column names: the grouping column (one result row per value), the replicate, the
        column holding ``better`` and ``worse``, the measure (defaults fit :func:`compare_over_panels`).
    level : float
        Coverage of the interval.

    Returns
    -------
    DataFrame
        Indexed by group: ``estimate`` (mean difference), ``low, high, level, method, n``
        (as :class:`radkit.stats.Estimate`), ``win_rate`` (share of replicates with a
        positive difference) and ``sd`` (spread of the per-replicate differences).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"design": ["a"] * 6, "panel": [0, 0, 1, 1, 2, 2],
    ...                   "label model": ["X", "Y"] * 3, "accuracy": [0.9, 0.8, 0.85, 0.8, 0.8, 0.82]})
    >>> d = paired_differences(s, "X", "Y")
    >>> round(float(d.loc["a", "estimate"]), 3), round(float(d.loc["a", "win_rate"]), 3)
    (0.043, 0.667)
    """

    missing = [c for c in (groups, within, column, metric) if c not in scores.columns]
    if missing:
        raise KeyError(f"paired_differences: no column(s) {missing}; the table has {list(scores.columns)}.")
    have = set(scores[column].unique())
    for name in (better, worse):
        if name not in have:
            raise ValueError(f"paired_differences: {name!r} is not a value of {column!r}; it has {sorted(have)}.")
    level = check_level(level)
    wide = scores.pivot_table(index=[groups, within], columns=column, values=metric, observed=True)
    diff = (wide[better] - wide[worse]).dropna()
    rows = {}
    for group, d in diff.groupby(level=0, sort=False):
        v = d.to_numpy()
        est = t_interval(v, level=level, method="t over replicates" if len(v) > 1 else "one replicate, no interval")
        rows[group] = {
            **est.as_dict(),
            "win_rate": float(np.mean(v > 0)),
            "sd": float(v.std(ddof=1)) if est.n > 1 else np.nan,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = groups
    return out


def plot_panel_differences(
    per_panel: Mapping[str, pd.Series],
    *,
    ax: Any = None,
    title: str | None = None,
    ylabel: str = "difference in accuracy",
    seed: int = 0,
    legend: bool = True,
) -> Any:
    """Strip plot of per-panel differences, one column per comparison, with mean and 95% interval.

    Parameters
    ----------
    per_panel : mapping label -> Series (or array) of per-replicate differences
        E.g. ``{"5 readers\\nDS - MV": ..., ...}``; labels become the x tick labels.
    ax : matplotlib Axes, optional
    title, ylabel : str
    seed : int
        Seeds the horizontal jitter of the dots (drawing only).
    legend : bool
        Draw the legend below the axes (outside the data); pass False on all but one
        panel of a multi-panel figure.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_panel_differences({"a": [0.01, 0.02, 0.03], "b": [-0.01, 0.0, 0.02]})
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    import matplotlib.pyplot as plt

    if not per_panel:
        raise ValueError("per_panel is empty: give at least one series of differences.")
    ax = ax if ax is not None else plt.subplots(figsize=(1.6 + 1.3 * len(per_panel), 3.4))[1]
    jitter = rng(seed)
    for i, values in enumerate(per_panel.values()):
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        ax.scatter(
            i + jitter.uniform(-0.18, 0.18, v.size),
            v,
            s=12,
            alpha=0.55,
            color="tab:blue",
            label="one simulated panel" if i == 0 else None,
        )
        if v.size > 1:
            e = t_interval(v)
            ax.errorbar(
                i + 0.32,
                e.estimate,
                yerr=e.high - e.estimate,
                fmt="D",
                color="k",
                capsize=4,
                ms=5,
                label="mean, 95% CI" if i == 0 else None,
            )
    ax.axhline(0, color="grey", lw=1, ls=":")
    ax.set_xticks(range(len(per_panel)), list(per_panel))
    ax.set_xlim(-0.6, len(per_panel) - 0.4)
    ax.set(ylabel=ylabel, title=title or "Differences over simulated reader panels")
    if legend:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    return ax
