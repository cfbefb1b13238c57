"""Score a report labeller against a reference: per-finding precision, recall and F1 with intervals.

Also the honest set-up for the Indiana University reports: a fixed split by
report id (rules are developed on one half and scored on the other), the
manual MeSH codes as the reference and the shipped automatic MeSH codes as a
baseline labeller someone else built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from radkit._validate import check_count
from radkit.findings import CROSSWALK
from radkit.stats import Estimate, percentile_interval

__all__ = [
    "MESH_HEADINGS",
    "LabelerScore",
    "score_labels",
    "compare_labelers",
    "positive",
    "disagreements",
    "indiana_split",
    "mesh_labels",
    "report_text",
]

#: Finding -> manual MeSH major headings (first part of the code, before "/") that mean "present": the Indiana
#: column of the one crosswalk, radkit.findings.CROSSWALK (the report labeller's "opacity" is its "lung opacity").
MESH_HEADINGS: dict[str, tuple[str, ...]] = {
    f: CROSSWALK["indiana"]["lung opacity" if f == "opacity" else f]
    for f in (
        "cardiomegaly",
        "effusion",
        "pneumothorax",
        "atelectasis",
        "consolidation",
        "opacity",
        "nodule",
        "granuloma",
        "scarring",
        "emphysema",
        "edema",
        "pneumonia",
        "hernia",
        "fracture",
    )
}


def positive(labels: pd.DataFrame | np.ndarray, *, uncertain: str = "negative") -> np.ndarray:
    """CheXpert-coded labels -> 0/1 "present" calls; ``uncertain`` maps -1 to ``"negative"`` or ``"positive"``.

    Examples
    --------
    >>> positive(np.array([1.0, 0.0, -1.0, np.nan])).tolist()
    [1, 0, 0, 0]
    >>> positive(np.array([1.0, 0.0, -1.0, np.nan]), uncertain="positive").tolist()
    [1, 0, 1, 0]
    """
    if uncertain not in ("negative", "positive"):
        raise ValueError(f"uncertain must be 'negative' (U-zeros) or 'positive' (U-ones), got {uncertain!r}.")
    v = np.asarray(labels, dtype=float)
    out = v == 1
    if uncertain == "positive":
        out |= v == -1
    return out.astype(int)


def report_text(df: pd.DataFrame, sections: Sequence[str] = ("findings", "impression")) -> pd.Series:
    """Join report sections into one text per row (missing sections skipped).

    Examples
    --------
    >>> df = pd.DataFrame({"findings": ["Clear lungs.", None], "impression": ["Normal.", "No effusion."]})
    >>> report_text(df).tolist()
    ['Clear lungs. Normal.', 'No effusion.']
    """
    missing = [s for s in sections if s not in df.columns]
    if missing:
        raise KeyError(f"No section column(s) {missing}; the table has {list(df.columns)}.")
    parts = df[list(sections)].astype(object).where(df[list(sections)].notna(), "")
    return parts.apply(lambda r: " ".join(t.strip() for t in r if t and t.strip()), axis=1)


def indiana_split(df: pd.DataFrame) -> pd.Series:
    """The fixed development / held-out split of the Indiana reports: odd report ids develop, even ones test.

    Returns a Series of ``"development"`` / ``"held-out"`` aligned with ``df``.

    Examples
    --------
    >>> indiana_split(pd.DataFrame({"report_id": [1, 2, 3]})).tolist()
    ['development', 'held-out', 'development']
    """
    if "report_id" not in df.columns:
        raise KeyError("indiana_split needs the 'report_id' column of radkit.public.indiana_reports().")
    return pd.Series(np.where(df["report_id"].to_numpy() % 2 == 1, "development", "held-out"), index=df.index)


def _code_list(value: object) -> list:
    """One report's MeSH codes as a list: a list as is; a string as written by a CSV round trip (a list's
    repr, or codes separated by ';'), never iterated character by character; missing as none."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import ast

            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                raise ValueError(f"cannot read the MeSH codes {value!r}; pass a list of code strings.") from None
            return [str(c) for c in parsed]
        return [c for c in text.split(";") if c.strip()]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if not hasattr(value, "__iter__"):
        raise TypeError(f"each entry of codes must be a list of MeSH code strings, got {value!r}.")
    return list(value)


def mesh_labels(codes: pd.Series, findings: Sequence[str] | None = None) -> pd.DataFrame:
    """0/1 per finding from lists of manual MeSH codes (``indiana_reports()["mesh_major"]``).

    Examples
    --------
    >>> mesh_labels(pd.Series([["Cardiomegaly/borderline"], ["normal"]]), ["cardiomegaly", "effusion"])
       cardiomegaly  effusion
    0             1         0
    1             0         0
    """
    names = list(MESH_HEADINGS) if findings is None else list(findings)
    unknown = [f for f in names if f not in MESH_HEADINGS]
    if unknown:
        raise ValueError(f"No MeSH mapping for {unknown}; known: {', '.join(MESH_HEADINGS)}.")
    if not isinstance(codes, pd.Series):
        raise TypeError(f"codes must be a pandas Series of lists of MeSH codes, got {type(codes).__name__}.")
    heads = codes.map(lambda items: {str(c).split("/")[0].strip() for c in _code_list(items)})
    return pd.DataFrame(
        {f: heads.map(lambda h, f=f: bool(h & set(MESH_HEADINGS[f]))).astype(int) for f in names}, index=codes.index
    )


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1 = 2 * tp / (2 * tp + fp + fn)
    return precision, recall, f1


def _counts(t: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """tp, fp, fn per column, each case weighted by w (bootstrap multiplicities)."""
    w = np.ones(len(t)) if w is None else w
    tp = w @ (t & p)
    fp = w @ (~t & p)
    fn = w @ (t & ~p)
    return tp, fp, fn


@dataclass(frozen=True)
class LabelerScore:
    """Precision, recall and F1 per finding and micro-averaged, each an :class:`~radkit.stats.Estimate`."""

    per_finding: dict[str, dict[str, Estimate]]
    micro: dict[str, Estimate]

    def to_frame(self) -> pd.DataFrame:
        """One row per finding then ``micro``; columns: positives, and estimate/low/high per measure."""
        rows = {}
        for name, measures in [*self.per_finding.items(), ("micro", self.micro)]:
            row = {"positives": measures["recall"].n}
            for m, e in measures.items():
                row |= {m: e.estimate, f"{m} low": e.low, f"{m} high": e.high}
            rows[name] = row
        return pd.DataFrame(rows).T.astype({"positives": int})

    @property
    def micro_f1(self) -> Estimate:
        return self.micro["f1"]


def _as_binary(y, name: str) -> pd.DataFrame:
    if not isinstance(y, pd.DataFrame):
        raise TypeError(
            f"{name} must be a DataFrame with one 0/1 column per finding; "
            "turn CheXpert codes into calls with radkit.annotation.positive()."
        )
    values = y.to_numpy(dtype=float)
    if np.isnan(values).any() or not np.isin(values, (0, 1)).all():
        raise ValueError(
            f"{name} must hold only 0 and 1 (no NaN, no -1); "
            "map CheXpert codes with radkit.annotation.positive(labels, uncertain=...)."
        )
    return y


def _aligned(reference: pd.DataFrame, other: pd.DataFrame, name: str) -> pd.DataFrame:
    """``other`` with ``reference``'s rows and columns, matched by label, never by position."""
    if set(other.columns) != set(reference.columns):
        raise ValueError(
            f"{name} has columns {list(other.columns)} but y_true has {list(reference.columns)}; "
            "give both the same findings."
        )
    if not other.index.equals(reference.index):
        if other.index.has_duplicates or reference.index.has_duplicates or set(other.index) != set(reference.index):
            raise ValueError(
                f"{name} and y_true do not hold the same reports (their indexes differ); align them by report id "
                f"first, e.g. {name}.loc[y_true.index], or reset both indexes if they are in the same order."
            )
        other = other.loc[reference.index]
    return other[list(reference.columns)]


def _bootstrap_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    from radkit.seeding import rng

    gen = rng(seed)
    return np.stack([np.bincount(gen.integers(0, n, n), minlength=n) for _ in range(n_boot)]).astype(float)


def score_labels(
    y_true: pd.DataFrame, y_pred: pd.DataFrame, *, n_boot: int = 1000, level: float = 0.95, seed: int
) -> LabelerScore:
    """Per-finding and micro-averaged precision, recall and F1 with bootstrap intervals (reports resampled).

    Parameters
    ----------
    y_true, y_pred : DataFrame of 0/1
        Reference and labeller calls, same index and columns.
    n_boot : int
        Bootstrap replicates (0: no interval).
    seed : int
        Seeds the resampling.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 0, 0]})
    >>> p = pd.DataFrame({"a": [1, 0, 0, 1], "b": [1, 0, 0, 0]})
    >>> s = score_labels(t, p, n_boot=0, seed=0)
    >>> round(s.micro_f1.estimate, 3), s.per_finding["a"]["precision"].estimate
    (0.667, 0.5)
    """
    _as_binary(y_true, "y_true"), _as_binary(y_pred, "y_pred")
    y_pred = _aligned(y_true, y_pred, "y_pred")
    n_boot = check_count(n_boot, "n_boot", minimum=0, hint="bootstrap replicates, 0 for no interval")
    t, p = y_true.to_numpy().astype(bool), y_pred.to_numpy().astype(bool)
    tp, fp, fn = _counts(t, p)
    est = _prf(tp, fp, fn)
    micro_est = _prf(tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True))
    reps = micro_reps = None
    if n_boot:
        w = _bootstrap_weights(len(t), n_boot, seed)
        btp, bfp, bfn = w @ (t & p), w @ (~t & p), w @ (t & ~p)
        reps = _prf(btp, bfp, bfn)
        micro_reps = _prf(btp.sum(1), bfp.sum(1), bfn.sum(1))
    method = "bootstrap percentile" if n_boot else ""
    names = ("precision", "recall", "f1")
    per = {}
    for j, col in enumerate(y_true.columns):
        per[col] = {}
        for k, m in enumerate(names):
            lo, hi = percentile_interval(reps[k][:, j], level=level) if n_boot else (np.nan, np.nan)
            per[col][m] = Estimate(float(est[k][j]), lo, hi, level, method, int(tp[j] + fn[j]))
    micro = {}
    for k, m in enumerate(names):
        lo, hi = percentile_interval(micro_reps[k], level=level) if n_boot else (np.nan, np.nan)
        micro[m] = Estimate(float(micro_est[k][0]), lo, hi, level, method, int(tp.sum() + fn.sum()))
    return LabelerScore(per, micro)


def compare_labelers(
    y_true: pd.DataFrame, y_a: pd.DataFrame, y_b: pd.DataFrame, *, n_boot: int = 1000, level: float = 0.95, seed: int
) -> Estimate:
    """Micro-F1 of labeller ``a`` minus that of ``b`` with a paired bootstrap interval (same resampled reports).

    Examples
    --------
    >>> t = pd.DataFrame({"a": [1, 1, 0, 0] * 5})
    >>> d = compare_labelers(t, t, 1 - t, n_boot=200, seed=0)
    >>> d.estimate, d.low > 0.9
    (1.0, True)
    """
    for y, nm in ((y_true, "y_true"), (y_a, "y_a"), (y_b, "y_b")):
        _as_binary(y, nm)
    y_a, y_b = _aligned(y_true, y_a, "y_a"), _aligned(y_true, y_b, "y_b")
    n_boot = check_count(n_boot, "n_boot", minimum=0, hint="bootstrap replicates, 0 for no interval")
    t = y_true.to_numpy().astype(bool)
    a, b = y_a.to_numpy().astype(bool), y_b.to_numpy().astype(bool)

    def micro_f1(p, w=None):
        tp, fp, fn = _counts(t, p, w)
        return 2 * tp.sum(-1) / (2 * tp.sum(-1) + fp.sum(-1) + fn.sum(-1))

    diff = float(micro_f1(a) - micro_f1(b))
    if not n_boot:
        return Estimate(diff, level=level, method="", n=len(t))
    w = _bootstrap_weights(len(t), n_boot, seed)
    reps = micro_f1(a, w) - micro_f1(b, w)
    lo, hi = percentile_interval(reps, level=level)
    return Estimate(diff, lo, hi, level, "paired bootstrap percentile", len(t))


def disagreements(
    texts: pd.Series,
    y_true: pd.DataFrame,
    y_pred: pd.DataFrame,
    *,
    findings: Sequence[str],
    rules=None,
    per_finding: int = 3,
) -> pd.DataFrame:
    """The labeller's errors, with the sentence and cue that caused each, for error analysis.

    Returns one row per (report, finding) disagreement (up to ``per_finding`` of each
    kind per finding): ``kind`` ("missed": reference positive, labeller not; "extra":
    the reverse), the sentence(s) mentioning the finding, the labeller's code and cue.

    Examples
    --------
    >>> t = pd.DataFrame({"effusion": [1]}); p = pd.DataFrame({"effusion": [0]})
    >>> disagreements(pd.Series(["Effusion is not excluded."]), t, p, findings=["effusion"])["cue"].tolist()
    ['is not excluded']
    """
    from radkit.annotation.report_labeler import RULES, explain

    rules = RULES if rules is None else rules
    rows = []
    for f in findings:
        t, p = y_true[f].to_numpy().astype(bool), y_pred[f].to_numpy().astype(bool)
        for kind, mask in (("missed", t & ~p), ("extra", ~t & p)):
            for i in np.flatnonzero(mask)[:per_finding]:
                ex = explain(texts.iloc[i], findings=[f], rules=rules)
                rows.append(
                    {
                        "report": texts.index[i],
                        "finding": f,
                        "kind": kind,
                        "sentence": " | ".join(ex["sentence"]) if len(ex) else "(finding not mentioned)",
                        "code": ", ".join(f"{v:g}" for v in ex["label"]) if len(ex) else "blank",
                        "cue": ", ".join(c for c in ex["cue"] if c),
                    }
                )
    return pd.DataFrame(rows, columns=["report", "finding", "kind", "sentence", "code", "cue"])
