"""A TRIPOD-style model validation report, in Markdown and self-contained HTML.

:func:`report` turns a validation run (labels, probabilities, case metadata,
and optionally the designs of :func:`~radkit.validation.validation_designs`)
into the sections a reader of a validation study needs (TRIPOD, Collins et
al. 2015; Park 2018's checklist): data sources and dates, participants,
outcome and reference standard, model, sample size, measures with intervals
(discrimination, calibration, clinical utility), subgroups, internal versus
external validation, and limitations left for the authors to write. Figures
are embedded as base64 PNG, so each file stands alone.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import logit

from radkit._compat import renamed_arguments
from radkit._validate import check_binary, check_threshold
from radkit.metrics import brier_score, decision_curve, expected_calibration_error, fit_platt
from radkit.stats import Estimate, by_group

__all__ = ["REPORT_SECTIONS", "ValidationReport", "report"]

#: Section headings every report has, in order.
REPORT_SECTIONS = (
    "Data sources and dates",
    "Participants",
    "Outcome and reference standard",
    "Model",
    "Sample size",
    "Performance",
    "Subgroups",
    "Internal versus external validation",
    "Limitations",
)

_TODO = "*To be completed by the authors.*"


@dataclass
class ValidationReport:
    """The report as Markdown and as self-contained HTML.

    Attributes
    ----------
    title : str
    sections : dict of str to list
        Each section's blocks: strings (Markdown paragraphs), DataFrames (tables)
        or ``("figure", caption, png_bytes)`` tuples.
    """

    title: str
    sections: dict[str, list] = field(default_factory=dict)

    @property
    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for name, blocks in self.sections.items():
            out += [f"## {name}", ""]
            for b in blocks:
                out += [_md_block(b), ""]
        return "\n".join(out)

    @property
    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for name, blocks in self.sections.items():
            body.append(f"<h2>{html.escape(name)}</h2>")
            body += [_html_block(b) for b in blocks]
        style = (
            "body{font-family:sans-serif;max-width:56em;margin:2em auto;line-height:1.4}"
            "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #bbb;padding:2px 6px}"
            "img{max-width:100%}figcaption{font-size:0.9em;color:#444}"
        )
        return (
            f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(self.title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
        )

    def save(
        self, directory: str | Path, *, stem: str = "validation_report", overwrite: bool = False
    ) -> dict[str, Path]:
        """Write ``<stem>.md`` and ``<stem>.html`` into ``directory``; refuses to overwrite unless asked."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {"markdown": d / f"{stem}.md", "html": d / f"{stem}.html"}
        existing = [str(p) for p in paths.values() if p.exists()]
        if existing and not overwrite:
            raise FileExistsError(f"{', '.join(existing)} already exist(s); pass overwrite=True or another stem.")
        paths["markdown"].write_text(self.markdown, encoding="utf-8")
        paths["html"].write_text(self.html, encoding="utf-8")
        return paths

    def _repr_html_(self) -> str:
        return self.html


def _md_table(df: pd.DataFrame) -> str:
    df = df.rename_axis(df.index.name or "").reset_index()
    cells = [[_fmt(v) for v in row] for row in df.itertuples(index=False)]
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    return "\n".join([head, rule] + ["| " + " | ".join(r) + " |" for r in cells])


def _fmt(v: object) -> str:
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else f"{v:.3f}"
    return str(v).replace("|", "/")


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _md_block(b: object) -> str:
    if isinstance(b, pd.DataFrame):
        return _md_table(b)
    if isinstance(b, tuple) and b and b[0] == "figure":
        return f"![{b[1]}]({_png_uri(b[2])})\n\n*{b[1]}*"
    return str(b)


def _html_block(b: object) -> str:
    if isinstance(b, pd.DataFrame):
        return b.to_html(float_format=lambda v: f"{v:.3f}", na_rep="", border=0)
    if isinstance(b, tuple) and b and b[0] == "figure":
        return (
            f"<figure><img alt='{html.escape(b[1])}' src='{_png_uri(b[2])}'>"
            f"<figcaption>{html.escape(b[1])}</figcaption></figure>"
        )
    text = html.escape(str(b))
    text = text.replace("**", "")
    if text.startswith("* ") or text.startswith("- "):
        items = [ln[2:] for ln in text.splitlines() if ln[:2] in ("* ", "- ")]
        return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    return f"<p>{text.replace('*', '')}</p>"


def _figure(draw) -> bytes:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(5.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    draw(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def _reliability_with_counts(y: np.ndarray, p: np.ndarray, *, ax, n_bins: int = 10):
    """The reliability diagram with each bin's number of cases written next to its point.

    A bin of three cases can sit anywhere between 0 and 1; the counts say which points to read.
    """
    from radkit.metrics import plots as mplots
    from radkit.metrics import reliability_curve

    mplots.plot_reliability(y, {"model": p}, n_bins=n_bins, ax=ax)
    rc = reliability_curve(y, p, n_bins=n_bins)
    for x_, o_, n_ in zip(rc.mean_predicted, rc.observed, rc.counts):
        if n_ > 0:
            ax.annotate(f"n={int(n_)}", (x_, o_), xytext=(4, -10), textcoords="offset points", fontsize=7)
    ax.set_title("reliability diagram (n: cases per bin)")
    return ax


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from radkit.metrics import delong_auc

    return delong_auc(y, p).auc


def _participants(meta: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    df = meta.assign(_y=y)
    rows = {}
    for site, g in df.groupby("site", sort=True):
        row = {"cases": len(g), "positives": int(g["_y"].sum()), "prevalence": g["_y"].mean()}
        if "age" in g:
            q = g["age"].quantile([0.25, 0.5, 0.75])
            row["age median (IQR)"] = f"{q[0.5]:.0f} ({q[0.25]:.0f}-{q[0.75]:.0f})"
        if "sex" in g:
            row["female"] = f"{(g['sex'] == 'F').mean():.0%}"
        if "view" in g:
            row["AP views"] = f"{(g['view'] == 'AP').mean():.0%}"
        rows[site] = row
    return pd.DataFrame(rows).T.rename_axis("site")


@renamed_arguments(y_prob="y_score", subgroups="groups")
def report(
    *,
    title: str,
    y_true,
    y_score,
    meta: pd.DataFrame,
    model: str,
    outcome: str,
    reference_standard: str,
    threshold: float,
    designs=None,
    groups: tuple[str, ...] = ("site", "sex"),
    limitations: list[str] | None = None,
    n_boot: int = 200,
    seed: int,
    level: float = 0.95,
) -> ValidationReport:
    """Write a TRIPOD-style validation report of one model on one evaluation set.

    Parameters
    ----------
    title : str
    y_true, y_score : array-like of shape (n,)
        Reference-standard labels and the model's probabilities on the evaluation cases.
    meta : DataFrame
        One row per case with at least ``site`` and ``date`` (``age``, ``sex``, ``view`` used when present).
    model, outcome, reference_standard : str
        What the model is and how it was developed; the outcome's definition;
        how the labels were established (readers, adjudication, follow-up).
    threshold : float
        Operating threshold for sensitivity and specificity.
    designs : Designs, optional
        From :func:`~radkit.validation.validation_designs`: the internal-versus-external table and forest plot.
    groups : tuple of str
        ``meta`` columns to report the AUC by, one subgroup table each (bootstrap intervals).
    limitations : list of str, optional
        Known limitations; a placeholder for the authors is always added.
    n_boot, seed, level
        Bootstrap replicates and seed for subgroup intervals; interval coverage.

    Returns
    -------
    ValidationReport
        ``.markdown``, ``.html`` (self-contained), ``.save(directory)``; shows itself in a notebook.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd
    >>> gen = np.random.default_rng(0)
    >>> y = gen.integers(0, 2, 300); p = 1 / (1 + np.exp(-(2 * y - 1 + gen.normal(size=300))))
    >>> meta = pd.DataFrame({"site": gen.choice(["A", "B"], 300), "sex": gen.choice(["F", "M"], 300),
    ...                      "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(gen.integers(0, 300, 300), "D")})
    >>> r = report(title="demo", y_true=y, y_score=p, meta=meta, model="m", outcome="o",
    ...            reference_standard="r", threshold=0.5, n_boot=20, seed=0)
    >>> list(r.sections) == list(REPORT_SECTIONS), "<img" in r.html
    (True, True)
    """
    y, p = check_binary(
        np.asarray(y_true).ravel(), y_score, names=("y_score",), kind="prob", purpose="a validation report"
    )
    thr = check_threshold(threshold)
    if not isinstance(meta, pd.DataFrame) or len(meta) != len(y):
        raise ValueError(
            f"meta must be a DataFrame with one row per case ({len(y)}), got "
            f"{type(meta).__name__} of length {len(meta) if hasattr(meta, '__len__') else '?'}."
        )
    missing = [c for c in ("site", "date", *groups) if c not in meta.columns]
    if missing:
        raise ValueError(f"meta lacks column(s) {missing}; the report needs site, date and the subgroup columns.")
    from radkit.metrics import plots as mplots
    from radkit.stats import proportion
    from radkit.validation.designs import auc_estimate
    from radkit.validation.plots import plot_forest

    meta = meta.reset_index(drop=True)
    dates = pd.to_datetime(meta["date"])
    sec: dict[str, list] = {k: [] for k in REPORT_SECTIONS}

    span = meta.assign(date=dates).groupby("site")["date"].agg(["min", "max", "size"])
    span = span.rename(columns={"min": "first case", "max": "last case", "size": "cases"})
    span[["first case", "last case"]] = span[["first case", "last case"]].apply(lambda c: c.dt.date.astype(str))
    sec["Data sources and dates"] += [
        f"{len(y)} cases from {meta['site'].nunique()} site(s), acquired {dates.min().date()} to "
        f"{dates.max().date()}. Retrospective evaluation; a prospective (silent) evaluation: {_TODO}",
        span,
    ]
    sec["Participants"] += ["Cases per site, with the outcome's prevalence and the case mix.", _participants(meta, y)]
    sec["Outcome and reference standard"] += [
        f"**Outcome.** {outcome}",
        f"**Reference standard.** {reference_standard}",
    ]
    sec["Model"] += [model, f"Operating threshold: probability >= {thr:.3f}."]

    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    half = 1.96 * np.sqrt(0.9 * 0.1 / max(n_pos, 1))
    sec["Sample size"] += [
        f"{n_pos} positive and {n_neg} negative cases. At this many positives a sensitivity "
        f"near 0.90 is known to within about +/- {half:.3f} (95% Wald half-width)."
    ]

    auc = auc_estimate(y, p, level=level)
    call = p >= thr
    sens = proportion(float((call & (y == 1)).sum()), float(n_pos), level=level)
    spec = proportion(float((~call & (y == 0)).sum()), float(n_neg), level=level)
    oe = _oe(y, p, level)
    slope, intercept = fit_platt(logit(np.clip(p, 1e-6, 1 - 1e-6)), y)
    perf = pd.concat(
        [
            auc.to_frame("AUC"),
            sens.to_frame(f"sensitivity at {thr:.2f}"),
            spec.to_frame(f"specificity at {thr:.2f}"),
            oe.to_frame("observed / expected (O/E)"),
        ]
    )
    extra = pd.DataFrame(
        {"estimate": [slope, intercept, brier_score(y, p), expected_calibration_error(y, p)]},
        index=["calibration slope", "calibration intercept", "Brier score", "ECE (10 bins)"],
    )
    pts = np.arange(1, 50) / 100
    dc = decision_curve(y, p, thresholds=pts)
    useful = pts[dc.model > np.maximum(dc.treat_all, 0) + 1e-12]
    sec["Performance"] += [
        "Discrimination, classification at the threshold and calibration-in-the-large, with 95% intervals:",
        perf[["estimate", "low", "high", "method", "n"]],
        "Calibration (slope 1 and intercept 0 are ideal; from logistic recalibration on the logit) and overall "
        "accuracy of the probabilities:",
        extra,
        (
            "figure",
            "Reliability diagram on the evaluation cases",
            _figure(lambda ax: _reliability_with_counts(y, p, ax=ax)),
        ),
        (
            "figure",
            "Decision curve: net benefit of acting on the model against treating all or none",
            _figure(lambda ax: mplots.plot_decision_curve(y, {"model": p}, thresholds=pts, ax=ax)),
        ),
        (
            f"The model's net benefit exceeds both treat-all and treat-none for threshold probabilities "
            f"{useful.min():.2f} to {useful.max():.2f} (not necessarily every value between)."
            if useful.size
            else (
                "The model's net benefit does not exceed treat-all or treat-none "
                "at any threshold probability 0.01-0.49."
            )
        ),
    ]

    data = pd.DataFrame({"y_true": y, "y_score": p}).join(meta[list(groups)])
    for col in groups:
        t = by_group(data, _auc, groups=col, n_boot=n_boot, seed=seed, level=level, min_size=10)
        sec["Subgroups"] += [f"AUC by {col} (bootstrap {level:.0%} intervals):", t]

    if designs is not None:
        sec["Internal versus external validation"] += [
            "The same model's AUC under each validation design (apparent and internal estimates use only the "
            "development sites):",
            designs.to_frame()[["estimate", "low", "high", "method", "n"]],
            (
                "figure",
                "Forest plot of the validation designs",
                _figure(lambda ax: plot_forest(designs.estimates, ax=ax)),
            ),
        ]
    else:
        sec["Internal versus external validation"] += [f"No internal-validation estimates were given. {_TODO}"]
    sec["Limitations"] += [
        "\n".join(f"* {x}" for x in (limitations or [])) or _TODO,
        f"Further limitations, intended use and clinical context: {_TODO}",
    ]
    return ValidationReport(title=title, sections=sec)


def _oe(y: np.ndarray, p: np.ndarray, level: float) -> Estimate:
    """Observed / expected events with the log-normal interval of Riley et al. (2021)."""
    from scipy.stats import norm

    o, e = float(y.sum()), float(p.sum())
    se = np.sqrt((1 - o / len(y)) / o) if o > 0 else np.nan
    z = norm.ppf(0.5 + level / 2)
    ratio = o / e
    return Estimate(ratio, ratio * np.exp(-z * se), ratio * np.exp(z * se), level=level, method="log-normal", n=len(y))
