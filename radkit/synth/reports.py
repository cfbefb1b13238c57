"""Templated radiology reports with the labels each sentence was meant to carry.

For scoring report labellers (rule-based or learned) against a known answer:
every finding of every report is affirmed (1), negated (0), hedged (-1,
uncertain) or not mentioned (NaN), CheXpert-style. Templates include the
classic traps: negation ("no pneumothorax"), hedging ("cannot exclude"),
and affirmations that contain negation-like words ("unchanged", "not
resolved").
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from radkit._validate import check_fraction

__all__ = ["Reports", "TERMS", "make_reports"]

#: Words a report uses for each finding (the first is the canonical one).
TERMS: dict[str, tuple[str, ...]] = {
    "nodule": ("nodule", "pulmonary nodule", "nodular opacity", "mass"),
    "consolidation": ("consolidation", "airspace opacity", "airspace consolidation"),
    "effusion": ("pleural effusion", "effusion"),
    "cardiomegaly": ("cardiomegaly", "enlarged cardiac silhouette"),
    "pneumothorax": ("pneumothorax",),
}
_LATERAL = {"nodule", "consolidation", "effusion", "pneumothorax"}

_POSITIVE = (
    "There is {a} {t}{loc}.",
    "{T}{loc} is present.",
    "Findings are consistent with {t}{loc}.",
    "{T}{loc}, unchanged from the prior study.",
    "{T}{loc} has not resolved.",
    "Interval development of {t}{loc}.",
)
_NEGATIVE = (
    "No {t}.",
    "There is no {t}.",
    "No evidence of {t}.",
    "{T} is not seen.",
    "Negative for {t}.",
    "Without {t}.",
)
_UNCERTAIN = (
    "Cannot exclude {t}{loc}.",
    "Possible {t}{loc}.",
    "{T}{loc} is not excluded.",
    "Findings may represent {t}{loc}.",
    "Questionable {t}{loc}.",
)
_NORMAL_HEART = ("Heart size is normal.", "The cardiac silhouette is within normal limits.")
_SPECIAL_POS = {"cardiomegaly": ("The heart is enlarged.",), "effusion": ("Blunting of the {side}costophrenic angle.",)}


class Reports(NamedTuple):
    """What :func:`make_reports` returns (unpacks as ``reports, intended``).

    reports : DataFrame with columns ``findings``, ``impression`` and ``text``
        (``"FINDINGS: ... IMPRESSION: ..."``), one row per input row.
    intended : DataFrame, one float column per finding: 1 affirmed, 0 negated,
        -1 uncertain, NaN not mentioned.
    """

    reports: pd.DataFrame
    intended: pd.DataFrame


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def make_reports(
    labels: pd.DataFrame,
    *,
    seed: int,
    meta: pd.DataFrame | None = None,
    uncertain_rate: float = 0.1,
    mention_negative: float = 0.6,
    hedge_negative: float = 0.03,
) -> Reports:
    """Write a templated report for every row of ``labels``.

    Parameters
    ----------
    labels : DataFrame of 0/1 columns
        True findings, one column per finding (any names; known ones such as
        ``radkit.synth.PATHOLOGIES`` get specific vocabulary).
    seed : int
        Seed of the local random generator.
    meta : DataFrame, optional
        If it has ``side_<finding>`` columns (as :func:`radkit.synth.generate`'s
        ``meta``), positives mention the side.
    uncertain_rate : float
        Share of positive findings reported with a hedge (intended label -1).
    mention_negative : float
        Share of negative findings explicitly negated (intended 0); the rest are
        not mentioned (NaN) ...
    hedge_negative : float
        ... except this share, hedged although absent (intended -1).

    Returns
    -------
    Reports

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.synth import make_reports
    >>> rep, intended = make_reports(pd.DataFrame({"effusion": [1, 0], "pneumothorax": [0, 0]}), seed=0)
    >>> bool(rep.text.str.startswith("FINDINGS:").all())
    True
    """
    if not isinstance(labels, pd.DataFrame):
        raise TypeError(
            "labels must be a DataFrame with one 0/1 column per finding, e.g. radkit.synth.generate(...).labels."
        )
    y = labels.to_numpy()
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must contain only 0 and 1. Binarise them first.")
    for nm, v in (
        ("uncertain_rate", uncertain_rate),
        ("mention_negative", mention_negative),
        ("hedge_negative", hedge_negative),
    ):
        check_fraction(v, nm)
    if mention_negative + hedge_negative > 1.0:
        raise ValueError("mention_negative + hedge_negative must be <= 1.")
    n, f = y.shape
    names = [str(c) for c in labels.columns]
    g = torch.Generator().manual_seed(int(seed))
    u = torch.rand(n, f, 3, generator=g, dtype=torch.float64).numpy()
    order = torch.rand(n, f, generator=g).argsort(1).numpy()

    intended = np.full((n, f), np.nan)
    findings_txt, impressions = [], []
    for i in range(n):
        sents, imp = [], []
        for j in order[i]:
            name = names[j]
            terms = TERMS.get(name, (name.replace("_", " "),))
            t = terms[int(u[i, j, 2] * len(terms))]
            side = ""
            if meta is not None and f"side_{name}" in meta.columns and name in _LATERAL:
                side = str(meta[f"side_{name}"].iloc[i])
            loc = f" on the {side}" if side in ("right", "left") else (" bilaterally" if side == "bilateral" else "")
            k = u[i, j, 1]
            if y[i, j] == 1:
                if u[i, j, 0] < uncertain_rate:
                    tpl = _UNCERTAIN[int(k * len(_UNCERTAIN))]
                    intended[i, j] = -1
                    imp.append(f"possible {t}")
                else:
                    pool = _POSITIVE + _SPECIAL_POS.get(name, ())
                    tpl = pool[int(k * len(pool))]
                    intended[i, j] = 1
                    imp.append(t)
            else:
                if u[i, j, 0] < mention_negative:
                    pool = _NEGATIVE + (_NORMAL_HEART if name == "cardiomegaly" else ())
                    tpl = pool[int(k * len(pool))]
                    intended[i, j] = 0
                elif u[i, j, 0] < mention_negative + hedge_negative:
                    tpl = _UNCERTAIN[int(k * len(_UNCERTAIN))]
                    intended[i, j] = -1
                    loc = ""
                    imp.append(f"possible {t}")
                else:
                    continue
            sides = f"{side} " if side in ("right", "left") else ""
            sents.append(tpl.format(t=t, T=_cap(t), a="an" if t[0] in "aeiou" else "a", loc=loc, side=sides))
        findings_txt.append(" ".join(sents) if sents else "The lungs are clear.")
        impressions.append(_cap("; ".join(imp)) + "." if imp else "No acute cardiopulmonary abnormality.")
    reports = pd.DataFrame({"findings": findings_txt, "impression": impressions}, index=labels.index)
    reports["text"] = "FINDINGS: " + reports["findings"] + " IMPRESSION: " + reports["impression"]
    return Reports(reports, pd.DataFrame(intended, columns=labels.columns, index=labels.index))
