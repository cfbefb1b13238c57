"""Draw one chunk of cases: who the patient is, how the film was taken, what is wrong.

Everything here is small per-case data (a few numbers per image), drawn on the
CPU from a local ``torch.Generator`` in a fixed order, so that the same seed
gives the same cases on every device and whatever the ``difficulty``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from radkit.synth.spec import PATHOLOGIES, Drift, Site

__all__ = ["AGE_EFFECT", "draw_cases"]

#: Log-odds change of each pathology per 20 years of age (older patients have
#: more nodules, effusions and big hearts; spontaneous pneumothorax is a disease
#: of the young).
AGE_EFFECT: dict[str, float] = {
    "nodule": 0.4,
    "consolidation": 0.2,
    "effusion": 0.5,
    "cardiomegaly": 0.6,
    "pneumothorax": -0.4,
}
_AGE_SD = 17.0
_THORAX_MM = 300.0  # internal thoracic width the normalised lung extent stands for


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def calibrate_intercepts(prev: np.ndarray, sites: tuple[Site, ...], beta: float) -> np.ndarray:
    """Baseline log-odds ``b`` so that the population-average risk equals ``prev``.

    The population mixes sites (by weight) and ages (64 quantiles of each
    site's age distribution); risk is ``expit(b + site.risk + beta * (age-55)/20)``.
    """
    from scipy.special import ndtri

    q = ndtri((np.arange(64) + 0.5) / 64)
    shifts, w = [], []
    tot = sum(s.weight for s in sites)
    for s in sites:
        ages = np.clip(s.age_mean + _AGE_SD * q, 18, 95)
        shifts.append(s.risk + beta * (ages - 55.0) / 20.0)
        w.append(np.full(64, s.weight / tot / 64))
    shifts, w = np.concatenate(shifts), np.concatenate(w)
    prev = np.asarray(prev, dtype=np.float64)
    uniq, inv = np.unique(np.clip(prev, 1e-9, 1 - 1e-9), return_inverse=True)
    lo, hi = np.full(uniq.shape, -30.0), np.full(uniq.shape, 30.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        mean = (_expit(mid[:, None] + shifts[None, :]) * w).sum(1)
        lo, hi = np.where(mean < uniq, mid, lo), np.where(mean < uniq, hi, mid)
    b = (lo + hi) / 2
    b = np.where(uniq <= 1e-9, -np.inf, np.where(uniq >= 1 - 1e-9, np.inf, b))
    return b[inv]


def draw_cases(
    n: int,
    g: torch.Generator,
    *,
    sites: tuple[Site, ...],
    prevalence: dict[str, float],
    drift: Drift | None,
    dates: tuple[pd.Timestamp, pd.Timestamp],
    difficulty: float,
    marker_corr: float,
    marker_pathology: str | None,
) -> dict[str, np.ndarray]:
    """Draw ``n`` cases (all arrays of length ``n`` or ``n x P``)."""
    P = len(PATHOLOGIES)
    U = lambda *shape: torch.rand(*shape, generator=g, dtype=torch.float64).numpy()
    Z = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64).numpy()

    # -- the fixed draw order: never make a draw conditional on an option --
    u_site, u_date, z_age, u_sex, u_view = U(n), U(n), Z(n), U(n), U(n)
    u_present, u_sub, u_neg = U(n, P), U(n, P), U(n, P)
    u_side, u_pos = U(n, P), U(n, P, 2)
    z_anat = Z(n, 12)
    u_marker, u_corr = U(n), U(n)

    c: dict[str, np.ndarray] = {}
    w = np.array([s.weight for s in sites], dtype=np.float64)
    site = np.searchsorted(np.cumsum(w / w.sum()), u_site, side="right").clip(0, len(sites) - 1)
    c["site"] = site
    start, end = dates
    span = max((end - start).days, 0)
    day = np.floor(u_date * (span + 1)).astype(np.int64).clip(0, span)
    c["day"] = day
    tfrac = day / span if span > 0 else np.zeros(n)
    c["age"] = np.clip(np.array([s.age_mean for s in sites])[site] + _AGE_SD * z_age, 18, 95).round()
    c["male"] = (u_sex < 0.5).astype(np.int64)
    c["ap"] = (u_view < np.array([s.ap_fraction for s in sites])[site]).astype(np.int64)

    # -- presence: calibrated logistic risk; prior drift moves the target in time --
    if drift is None or drift.prevalence is None:
        end_prev = prevalence
    elif isinstance(drift.prevalence, dict):
        end_prev = {**prevalence, **{k: float(v) for k, v in drift.prevalence.items()}}
    else:
        end_prev = {p: float(drift.prevalence) for p in PATHOLOGIES}
    risk = np.array([s.risk for s in sites])[site]
    present = np.zeros((n, P), dtype=bool)
    for j, p in enumerate(PATHOLOGIES):
        target = prevalence[p] + (end_prev[p] - prevalence[p]) * tfrac
        b = calibrate_intercepts(target, sites, AGE_EFFECT[p])
        with np.errstate(over="ignore", invalid="ignore"):
            pr = _expit(b + risk + AGE_EFFECT[p] * (c["age"] - 55.0) / 20.0)
        present[:, j] = u_present[:, j] < np.nan_to_num(pr, nan=0.0)
    c["present"] = present

    # -- conspicuity: 1 = obvious; difficulty>1 pushes cases towards invisible --
    strength = (0.15 + 0.85 * (1.0 - u_sub)) ** max(difficulty, 0.0)
    c["strength"] = strength

    # -- anatomy (normalised coordinates, x and y in [-1, 1]) --
    male, ap = c["male"], c["ap"]
    c["cx"] = 0.025 * z_anat[:, 0]
    c["cy"] = 0.02 * z_anat[:, 1] + 0.03 * ap
    half = (0.64 + 0.05 * male) * (1 + 0.035 * z_anat[:, 2])  # lateral lung extent (thorax half-width)
    c["L"] = np.stack([half * (1 + 0.01 * z_anat[:, 3]), half * (1 - 0.01 * z_anat[:, 3])], 1)
    y_top = -0.70 + 0.03 * z_anat[:, 4] + 0.04 * ap
    c["y_top"] = np.stack([y_top, y_top + 0.01], 1) + c["cy"][:, None]
    base = 0.50 + 0.04 * z_anat[:, 5] - 0.06 * ap  # AP/supine: poorer inspiration
    c["y_base"] = np.stack([base - 0.04, base + 0.01], 1) + c["cy"][:, None]  # right dome higher
    c["d_med"] = 0.12 + 0.008 * z_anat[:, 6]
    c["fat"] = np.clip(0.10 + 0.05 * z_anat[:, 7] + 0.02 * male, 0.02, 0.3)
    c["rib_phase"] = 0.15 * z_anat[:, 8]
    c["rib_curv"] = 0.55 + 0.06 * z_anat[:, 9]
    c["bone"] = np.clip(1.15 - 0.006 * (c["age"] - 18) + 0.08 * z_anat[:, 10], 0.5, 1.3)
    c["knob"] = np.clip(0.05 + 0.0008 * (c["age"] - 18) + 0.008 * z_anat[:, 11], 0.03, 0.14)

    # -- cardiomegaly is its CTR: positives above 0.5, negatives below --
    j = PATHOLOGIES.index("cardiomegaly")
    ctr_pos = 0.501 + 0.075 * strength[:, j] ** 1.5  # many borderline hearts, as in practice
    ctr_neg = 0.499 - 0.09 * u_neg[:, j] ** 1.25
    c["ctr"] = np.where(present[:, j], ctr_pos, ctr_neg)
    c["heart_mag"] = np.where(ap == 1, 1.15, 1.0)

    # -- lesion side (0 = patient right = image left) and position in the lung --
    c["side"] = (u_side >= 0.55).astype(np.int64)  # slight right-sided predominance
    eff = PATHOLOGIES.index("effusion")
    c["bilateral"] = present[:, eff] & (u_neg[:, eff] < 0.3)
    c["pos"] = u_pos

    # -- severity in clinical units and labels (concept drift changes the rule) --
    sev = np.zeros((n, P))
    s = strength
    sev[:, 0] = 6.0 + 30.0 * s[:, 0]  # nodule diameter, mm
    sev[:, 1] = 8.0 + 40.0 * s[:, 1]  # consolidation area, % of lung
    sev[:, 2] = 4.0 + 30.0 * s[:, 2]  # effusion height, % of hemithorax
    sev[:, 3] = c["ctr"]  # cardiothoracic ratio
    sev[:, 4] = 3.0 + 30.0 * s[:, 4]  # pneumothorax rim, mm
    c["severity"] = sev
    labels = present.copy()
    if drift is not None:
        for p, (when, thr) in drift.concept.items():
            k = PATHOLOGIES.index(p)
            after = day >= (pd.Timestamp(when) - start).days
            labels[:, k] = np.where(after, present[:, k] & (sev[:, k] >= thr), present[:, k])
    c["labels"] = labels.astype(np.int64)

    # -- burned-in marker: base rate per site, optionally tied to the label --
    rate = np.array([s.marker_rate if s.marker else 0.0 for s in sites])[site]
    marker = u_marker < rate
    has_token = np.array([bool(s.marker) for s in sites])[site]
    if marker_corr > 0:
        if marker_pathology is None:
            target = labels.any(1)
        else:
            target = labels[:, PATHOLOGIES.index(marker_pathology)].astype(bool)
        tie = (u_corr < marker_corr) & has_token
        marker = np.where(tie, target, marker)
    c["marker"] = marker.astype(np.int64)
    c["mm_per_unit"] = _THORAX_MM / (2 * c["L"].mean(1))
    return c
