"""A rule-based report labeller: free-text chest radiograph reports -> CheXpert-coded labels.

The rules follow the design of NegEx (Chapman et al. 2001) and the CheXpert
labeller (Irvin et al. 2019): find the **mentions** of each finding (a
vocabulary of synonyms), then decide for each mention whether a **negation**
("no", "without", "free of", "negative for", "has resolved") or an
**uncertainty** cue ("possible", "may represent", "cannot exclude", "likely")
governs it. Cues before a mention reach forward until a scope terminator
("but", "however", "other than", ";", the end of the sentence); cues after a
mention ("... is not seen", "... cannot be excluded") reach back a few words.
A few findings also have **anatomy** phrases that carry a label only with a
normal or abnormal statement ("heart size is normal" -> cardiomegaly 0,
"blunting of the costophrenic angle" -> effusion 1).

Per report and finding the mentions are combined as CheXpert does: any
positive mention -> 1, else any uncertain -> -1, else any negated -> 0, else
blank (NaN, not mentioned).

Every pattern is compiled once into two regular expressions (mentions and
cues) per set of rules, so the 3,955 Indiana University reports take well
under a second on one CPU core (``bench/report_labeler_speed.py``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = [
    "Rules",
    "RULES",
    "FINDINGS",
    "POSITIVE",
    "NEGATIVE",
    "UNCERTAIN",
    "label_reports",
    "label_report",
    "explain",
]

POSITIVE, NEGATIVE, UNCERTAIN = 1.0, 0.0, -1.0

#: Synonyms of each finding (regular expressions, matched case-insensitively on word boundaries).
VOCABULARY: dict[str, tuple[str, ...]] = {
    "cardiomegaly": (
        r"cardiomegaly",
        r"cardiac enlargement",
        r"(?:mildly |moderately |markedly )?enlarged (?:heart|cardiac (?:silhouette|shadow))",
    ),
    "effusion": (r"pleural effusions?", r"effusions?", r"pleural fluid"),
    "pneumothorax": (r"pneumothora(?:x|xes|ces)",),
    "atelectasis": (r"atelecta(?:sis|ses|tic)",),
    "consolidation": (r"consolidat(?:ion|ions|ive)", r"air ?space (?:disease|opacit(?:y|ies)|consolidation)"),
    "opacity": (r"opacit(?:y|ies)", r"opacification", r"opacified"),
    "nodule": (r"nodul(?:e|es|ar opacit(?:y|ies))", r"pulmonary nodules?", r"mass(?:es)?"),
    "granuloma": (r"granulom(?:a|as|ata)", r"granulomatous (?:disease|changes?)"),
    "scarring": (r"scar(?:s|ring)?",),
    "emphysema": (r"emphysema(?:tous)?",),
    "edema": (r"(?:pulmonary |interstitial |alveolar )?edema",),
    "pneumonia": (r"pneumonias?",),
    "hernia": (r"hiatal hernias?", r"hiatus hernias?", r"hernias?"),
    "fracture": (r"fractures?", r"fractured"),
}

#: Anatomy phrases that carry a label only together with a normal/abnormal statement.
ANATOMY: dict[str, tuple[str, ...]] = {
    "cardiomegaly": (
        r"heart(?: size)?",
        r"cardiac (?:silhouette|size|contours?|shadow)",
        r"cardiomediastinal (?:silhouette|contours?|size)",
    ),
    "effusion": (r"costophrenic (?:angles?|sulc(?:us|i)|recess(?:es)?)",),
}

#: Cue phrases. Order inside a tuple matters only where one cue contains another (longest first).
NEGATION_PRE = (
    r"no (?:radiographic |definite |convincing )?(?:evidence|signs?|findings?) (?:of|to suggest|for|suggest\w*)",
    r"negative for",
    r"free of",
    r"clear of",
    r"without(?: (?:evidence|signs?) of)?",
    r"absence of",
    r"resolution of",
    r"resolved",
    r"no longer",
    r"ruled out",
    r"rules out",
    r"rather than",
    r"no",
    r"nor",
    r"neither",
    r"none",
)
NEGATION_POST = (
    r"(?:is|are|was|were|has been|have been)? ?(?:not|no longer) (?:seen|identified|present|visualized|"
    r"demonstrated|appreciated|evident|noted|detected|visible)",
    r"(?:has|have) (?:since |now )?resolved",
    r"resolved",
    r"(?:is|are) absent",
)
UNCERTAINTY_PRE = (
    r"(?:cannot|can not|could not|can't) (?:be )?(?:exclude|excluded|rule out|ruled out|entirely exclude)",
    r"differential (?:diagnosis )?(?:includes?|considerations include)",
    r"may (?:represent|reflect|be|indicate)",
    r"(?:could|might) (?:represent|reflect|be|indicate)",
    r"concern(?:ing)? for",
    r"suspicious for",
    r"worrisome for",
    r"question of",
    r"suggest(?:s|ive of|ing)?",
    r"possib(?:le|ly)",
    r"probabl[ey]",
    r"likely",
    r"questionable",
    r"suspect(?:ed)?",
    r"equivocal",
    r"versus",
    r"vs\.?",
    r"may",
    r"could",
    r"might",
    r"presumabl[ey]",
    r"perhaps",
)
UNCERTAINTY_POST = (
    r"(?:is|are|was|were)? ?(?:not|cannot be|can not be|could not be) (?:entirely )?(?:excluded|ruled out)",
    r"(?:is|are) (?:possible|suspected|likely|questioned|not excluded)",
)
#: Look like negation but are not ("no change in the cardiomegaly" affirms it).
PSEUDO = (
    r"no (?:significant |interval |further |new )?(?:change|increase|decrease|worsening|improvement)",
    r"without (?:significant |interval )?(?:change|increase)",
    r"not only",
    r"not resolved",
    r"has not resolved",
    r"no longer than",
)
#: End the scope of a cue.
TERMINATORS = (
    r"but",
    r"however",
    r"although",
    r"though",
    r"except",
    r"other than",
    r"aside from",
    r"apart from",
    r"there (?:is|are|has been|have been)",
    r"which",
)
#: Statements that make an anatomy phrase a negative (normal) or positive (abnormal) mention.
NORMAL = (
    r"within normal limits",
    r"not (?:significantly |appreciably )?enlarged",
    r"normal(?: in size)?",
    r"unremarkable",
    r"clear",
    r"sharp",
)
ABNORMAL = (r"(?:mildly |moderately |markedly |severely |slightly )?(?:enlarged|enlargement)", r"blunt(?:ing|ed)")


def _t(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


@dataclass(frozen=True)
class Rules:
    """All patterns of the labeller; immutable and hashable, so compiled once per instance.

    Change a rule with :meth:`with_` (``RULES.with_(negation_pre=(*RULES.negation_pre, "denies"))``)
    and pass the result as ``rules=`` to :func:`label_reports`.

    Attributes
    ----------
    vocabulary, anatomy : tuple of (finding, tuple of regex)
        Mention patterns per finding (see :data:`VOCABULARY`, :data:`ANATOMY`).
    negation_pre, negation_post, uncertainty_pre, uncertainty_post, pseudo, terminators, normal, abnormal
        Cue patterns (regular expressions, case-insensitive, matched on word boundaries).
    post_window : int
        How many words a cue after a mention reaches back.
    """

    vocabulary: tuple[tuple[str, tuple[str, ...]], ...] = _t((k, v) for k, v in VOCABULARY.items())
    anatomy: tuple[tuple[str, tuple[str, ...]], ...] = _t((k, v) for k, v in ANATOMY.items())
    negation_pre: tuple[str, ...] = NEGATION_PRE
    negation_post: tuple[str, ...] = NEGATION_POST
    uncertainty_pre: tuple[str, ...] = UNCERTAINTY_PRE
    uncertainty_post: tuple[str, ...] = UNCERTAINTY_POST
    pseudo: tuple[str, ...] = PSEUDO
    terminators: tuple[str, ...] = TERMINATORS
    normal: tuple[str, ...] = NORMAL
    abnormal: tuple[str, ...] = ABNORMAL
    post_window: int = 6
    _note: str = field(default="", compare=False, repr=False)

    @property
    def findings(self) -> list[str]:
        """Finding names the rules know, in vocabulary order."""
        return [name for name, _ in self.vocabulary]

    def with_(self, **changes) -> Rules:
        """A copy with some fields replaced (tuples of patterns; dicts are accepted for vocabularies).

        Examples
        --------
        >>> r = RULES.with_(negation_pre=("denies",))
        >>> r.negation_pre, RULES.negation_pre == r.negation_pre
        (('denies',), False)
        """
        for key in ("vocabulary", "anatomy"):
            if isinstance(changes.get(key), dict):
                changes[key] = _t((k, tuple(v)) for k, v in changes[key].items())
        unknown = set(changes) - {f for f in self.__dataclass_fields__ if not f.startswith("_")}
        if unknown:
            raise TypeError(
                f"Rules has no field(s) {sorted(unknown)}; fields: "
                f"{[f for f in self.__dataclass_fields__ if not f.startswith('_')]}."
            )
        for key, value in changes.items():
            if key == "post_window":
                continue
            if isinstance(value, str):
                raise TypeError(
                    f"{key} must be a tuple of patterns, got the string {value!r}; write ({value!r},) for one pattern."
                )
            changes[key] = tuple(value)
        return replace(self, **changes)


#: The default rules.
RULES = Rules()
#: Findings the default rules label.
FINDINGS: tuple[str, ...] = tuple(VOCABULARY)

#: Clauses end at . ! ? followed by white space or the end, at ; and :, at a line break, and at "word.Word"
#: (whatever the rules say: punctuation always ends a cue's scope).
_STOP = r"(?P<stop>[.!?](?:\s+|$)|[;:]|\n|(?<=[a-z])\.(?=[A-Z]))"
_WORD = re.compile(r"\S+")


def _alt(patterns: Sequence[str]) -> str:
    return "|".join(sorted(patterns, key=len, reverse=True))


@dataclass(frozen=True)
class _Compiled:
    mention: re.Pattern
    cue: re.Pattern
    names: tuple[str, ...]  # group name -> finding
    kinds: tuple[str, ...]  # "term" or "anatomy" per mention group


@lru_cache(maxsize=32)
def _compile(rules: Rules, findings: tuple[str, ...]) -> _Compiled:
    vocab, anat = dict(rules.vocabulary), dict(rules.anatomy)
    entries = []  # (pattern, finding, kind)
    for name in findings:
        entries += [(p, name, "term") for p in vocab.get(name, ())]
        entries += [(p, name, "anatomy") for p in anat.get(name, ())]
    entries.sort(key=lambda e: len(e[0]), reverse=True)  # longest (most specific) first
    if entries:
        alts = "|".join(rf"(?P<m{i}>{p})" for i, (p, _, _) in enumerate(entries))
        mention = re.compile(rf"\b(?:{alts})\b", re.I)  # one boundary test per position, not per pattern
    else:
        mention = re.compile(r"(?!x)x")
    groups = [
        ("pseudo", rules.pseudo),
        ("unc_post", rules.uncertainty_post),
        ("unc_pre", rules.uncertainty_pre),
        ("neg_post", rules.negation_post),
        ("neg_pre", rules.negation_pre),
        ("normal", rules.normal),
        ("abnormal", rules.abnormal),
        ("term", rules.terminators),
    ]
    # at one position the first alternative wins: multi-word cues before the words they contain
    words = "|".join(rf"(?P<{k}>{_alt(v)})" for k, v in groups if v)
    cue = re.compile(rf"(?<!\w)(?:{words})(?!\w)|{_STOP}", re.I)
    return _Compiled(mention, cue, tuple(e[1] for e in entries), tuple(e[2] for e in entries))


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _status(
    text: str,
    start: int,
    end: int,
    kind: str,
    cues: list[tuple[int, int, str]],
    starts: list[int],
    window: int,
    negation: bool,
    uncertainty: bool,
) -> tuple[float, str]:
    """Label of one mention and the cue that decided it."""
    pre = post = None
    i = bisect_right(starts, start) - 1  # nearest cue before the mention, inside its clause
    while i >= 0 and cues[i][1] > start:
        i -= 1
    if i >= 0 and cues[i][2] not in ("term", "stop"):
        pre = (cues[i][2], text[cues[i][0] : cues[i][1]])
    j = bisect_left(starts, end)  # nearest cue after the mention, within the window
    if j < len(cues):
        c_start, c_end, c_kind = cues[j]
        if c_kind in ("neg_post", "unc_post", "normal", "abnormal", "pseudo") and _words(text[end:c_start]) <= window:
            post = (c_kind, text[c_start:c_end])
    found = [c for c in (pre, post) if c is not None]
    kinds = {c[0] for c in found}
    if kind == "anatomy":  # only a normal/abnormal statement makes it a mention
        if "abnormal" in kinds:
            return POSITIVE, next(t for k, t in found if k == "abnormal")
        if "normal" in kinds:
            return (NEGATIVE, next(t for k, t in found if k == "normal")) if negation else (np.nan, "")
        return np.nan, ""
    if uncertainty and kinds & {"unc_pre", "unc_post"}:
        return UNCERTAIN, next(t for k, t in found if k in ("unc_pre", "unc_post"))
    if negation and kinds & {"neg_pre", "neg_post"} and "pseudo" not in kinds:
        return NEGATIVE, next(t for k, t in found if k in ("neg_pre", "neg_post"))
    return POSITIVE, ""


def _combine(old: float, new: float) -> float:
    """CheXpert precedence: positive > uncertain > negative > blank."""
    rank = {POSITIVE: 3, UNCERTAIN: 2, NEGATIVE: 1}
    if np.isnan(new):
        return old
    if np.isnan(old) or rank[new] > rank[old]:
        return new
    return old


def _mentions(text: str, comp: _Compiled, window: int, negation: bool, uncertainty: bool, sentences: bool = False):
    """(sentence, finding, mention, label, cue) per mention; one pass of each regex over the report."""
    hits = list(comp.mention.finditer(text))
    if not hits:
        return
    cues = [(m.start(), m.end(), m.lastgroup) for m in comp.cue.finditer(text)]
    starts = [c[0] for c in cues]
    stops = [c[1] for c in cues if c[2] == "stop"]
    for hit in hits:
        g = int(hit.lastgroup[1:])
        value, cue = _status(text, hit.start(), hit.end(), comp.kinds[g], cues, starts, window, negation, uncertainty)
        sentence = ""
        if sentences:
            k = bisect_right(stops, hit.start())
            sentence = text[stops[k - 1] if k else 0 : stops[k] if k < len(stops) else len(text)].strip()
        yield sentence, comp.names[g], hit.group(), value, cue


def _check_findings(findings, rules: Rules) -> tuple[str, ...]:
    known = rules.findings
    if findings is None:
        return tuple(known)
    names = (findings,) if isinstance(findings, str) else tuple(findings)
    if not names:
        raise ValueError(f"Ask for at least one finding, from: {', '.join(known)}.")
    unknown = [f for f in names if f not in known]
    if unknown:
        raise ValueError(
            f"Unknown finding(s) {unknown}. The rules know: {', '.join(known)}; "
            "add a vocabulary entry with rules.with_(vocabulary={...}) for a new one."
        )
    return names


def _as_texts(reports) -> tuple[list[str], pd.Index]:
    if isinstance(reports, str):
        reports = [reports]
    if isinstance(reports, pd.DataFrame):
        raise TypeError(
            "reports must be one column of text (a Series), not a DataFrame; "
            "pass df['findings'] or join the sections first."
        )
    series = reports if isinstance(reports, pd.Series) else pd.Series(list(reports))
    texts = []
    for idx, value in series.items():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            texts.append("")  # a missing report: every finding blank
        elif isinstance(value, str):
            texts.append(value)
        else:
            raise TypeError(
                f"Report {idx!r} is a {type(value).__name__} ({value!r}), not text. "
                "Pass strings (None or NaN for a missing report)."
            )
    return texts, series.index


def label_reports(
    reports: str | Iterable[str] | pd.Series,
    *,
    findings: str | Sequence[str] | None = None,
    rules: Rules = RULES,
    negation: bool = True,
    uncertainty: bool = True,
) -> pd.DataFrame:
    """Label each report with CheXpert coding: 1 positive, 0 negative, -1 uncertain, NaN not mentioned.

    Parameters
    ----------
    reports : str, sequence of str or pandas.Series
        Report texts. ``None`` / NaN entries (missing reports) and empty strings give a row
        of NaN (nothing mentioned); any other non-string raises ``TypeError``.
    findings : str or sequence of str, optional
        Which findings to label (default: all in ``rules``, :data:`FINDINGS`).
    rules : Rules
        The patterns (:data:`RULES` by default).
    negation, uncertainty : bool, default True
        Turn the negation or uncertainty cues off (ablations); with both off the labeller is
        plain keyword matching: every mention counts as positive.

    Returns
    -------
    pandas.DataFrame
        One float column per finding, indexed like ``reports``.

    Examples
    --------
    >>> label_reports(["No pneumothorax. Heart size is normal.",
    ...                "Right lower lobe opacity, likely atelectasis."],
    ...               findings=["pneumothorax", "cardiomegaly", "opacity", "atelectasis"])
       pneumothorax  cardiomegaly  opacity  atelectasis
    0           0.0           0.0      NaN          NaN
    1           NaN           NaN      1.0         -1.0
    """
    if not isinstance(rules, Rules):
        raise TypeError(f"rules must be a radkit.annotation.Rules, got {type(rules).__name__}.")
    names = _check_findings(findings, rules)
    texts, index = _as_texts(reports)
    comp = _compile(rules, names)
    col = {name: j for j, name in enumerate(names)}
    out = np.full((len(texts), len(names)), np.nan)
    for i, text in enumerate(texts):
        if not text:
            continue
        row = out[i]
        for _, name, _, value, _ in _mentions(text, comp, rules.post_window, negation, uncertainty):
            row[col[name]] = _combine(row[col[name]], value)
    return pd.DataFrame(out, index=index, columns=list(names))


def label_report(text: str, **kwargs) -> dict[str, float]:
    """Labels of one report as a dict (only the findings it mentions).

    Examples
    --------
    >>> label_report("Pneumothorax has resolved. Stable cardiomegaly.")
    {'cardiomegaly': 1.0, 'pneumothorax': 0.0}
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}; use label_reports for many reports.")
    row = label_reports([text], **kwargs).iloc[0]
    return {k: float(v) for k, v in row.items() if not np.isnan(v)}


def explain(
    text: str,
    *,
    findings: str | Sequence[str] | None = None,
    rules: Rules = RULES,
    negation: bool = True,
    uncertainty: bool = True,
) -> pd.DataFrame:
    """Every mention in ``text`` with its sentence, label and the cue that decided it (for error analysis).

    Examples
    --------
    >>> explain("Cannot exclude a small effusion.")[["finding", "mention", "label", "cue"]]
        finding   mention  label             cue
    0  effusion  effusion   -1.0  Cannot exclude
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}.")
    comp = _compile(rules, _check_findings(findings, rules))
    rows = [
        {"sentence": s, "finding": f, "mention": m, "label": v, "cue": c}
        for s, f, m, v, c in _mentions(text, comp, rules.post_window, negation, uncertainty, sentences=True)
    ]
    return pd.DataFrame(rows, columns=["sentence", "finding", "mention", "label", "cue"])
