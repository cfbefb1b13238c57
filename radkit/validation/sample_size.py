"""How many cases a validation study needs: closed-form sample sizes.

* :func:`n_for_sens_spec`: Buderer (1996), cases for a target half-width of the
  sensitivity and specificity intervals at a prevalence.
* :func:`auc_se_hanley_mcneil` and :func:`n_for_auc`: Hanley & McNeil (1982),
  the standard error of an AUC and the cases for a target half-width.
* :func:`n_for_calibration_oe`: Riley et al. (2021), cases for a target width of
  the observed/expected (O/E) ratio, the calibration-in-the-large criterion.
* :func:`study_sizes`: all of them at one population's prevalence (an external
  site's, say), next to the films and positives a test set there holds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from radkit._compat import renamed_arguments
from radkit._validate import check_level, check_open_fraction, check_prevalence

# why a prevalence of 0 or 1 is refused here
_NO_CASES = "With no positives (or no negatives) sensitivity (or specificity) cannot be estimated at all."

__all__ = [
    "SampleSize",
    "n_for_sens_spec",
    "auc_se_hanley_mcneil",
    "n_for_auc",
    "n_for_calibration_oe",
    "study_sizes",
]


@dataclass(frozen=True)
class SampleSize:
    """Cases a study needs, and why.

    Attributes
    ----------
    n : int
        Total cases (the largest of the criteria).
    n_positive, n_negative : int
        Expected positives and negatives among ``n`` at the prevalence.
    criterion : str
        The criterion that set ``n``.
    detail : dict
        The raw (unrounded) numbers of every criterion.
    """

    n: int
    n_positive: int
    n_negative: int
    criterion: str
    detail: dict

    def to_frame(self) -> pd.DataFrame:
        """One-row table: ``n, n_positive, n_negative, criterion`` and the details."""
        row = {k: v for k, v in asdict(self).items() if k != "detail"} | dict(self.detail)
        return pd.DataFrame([row])


def _z(level: float) -> float:
    return float(norm.ppf(0.5 + check_level(level) / 2))


def _half_width(value: object, name: str) -> float:
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not np.isfinite(value)
        or not 0 < float(value) < 1
    ):
        raise ValueError(
            f"{name} must be a half-width in (0, 1), e.g. 0.05 for +/- 5 points; got {value!r}. "
            "A width <= 0 would need infinitely many cases."
        )
    return float(value)


@renamed_arguments(sens="sensitivity", spec="specificity", spec_half_width="specificity_half_width")
def n_for_sens_spec(
    *,
    sensitivity: float,
    specificity: float | None = None,
    prevalence: float,
    half_width: float,
    specificity_half_width: float | None = None,
    level: float = 0.95,
) -> SampleSize:
    r"""Buderer's sample size for sensitivity (and specificity) within ``+/- half_width``.

    A Wald interval of a proportion :math:`q` from :math:`m` cases has half-width
    :math:`z\sqrt{q(1-q)/m}`, so the positives needed for sensitivity are
    :math:`m_+ = z^2\,\mathrm{se}(1-\mathrm{se})/w^2` (se the sensitivity), and the study needs
    :math:`N = m_+/p` cases at prevalence :math:`p`; for specificity
    :math:`m_- = z^2\,\mathrm{sp}(1-\mathrm{sp})/w^2` (sp the specificity) and :math:`N = m_-/(1-p)`
    (Buderer 1996). The larger :math:`N` wins; counts are rounded up.

    Parameters
    ----------
    sensitivity : float
        Expected sensitivity.
    specificity : float, optional
        Expected specificity (left out: sensitivity alone sets ``n``).
    prevalence : float
        Share of positives in the population the cases come from, in (0, 1).
    half_width : float
        Target half-width of the sensitivity interval (0.05 for +/- 5 points).
    specificity_half_width : float, optional
        Target half-width for specificity (default ``half_width``).
    level : float
        Interval coverage.

    Returns
    -------
    SampleSize

    Examples
    --------
    >>> s = n_for_sens_spec(sensitivity=0.9, prevalence=0.1, half_width=0.05)
    >>> s.n, s.n_positive
    (1383, 139)
    """
    z = _z(level)
    plan = "a Wald interval at 0 or 1 has zero width, so n would be 0; plan with a conservative value, e.g. 0.95"
    se = check_open_fraction(sensitivity, "sensitivity", what="an expected sensitivity", hint=plan)
    p = check_prevalence(prevalence, hint=_NO_CASES)
    w = _half_width(half_width, "half_width")
    m_pos = z**2 * se * (1 - se) / w**2
    detail = {"positives for sensitivity": m_pos, "cases for sensitivity": m_pos / p}
    crit, n_raw = "sensitivity", m_pos / p
    if specificity is not None:
        sp = check_open_fraction(specificity, "specificity", what="an expected specificity", hint=plan)
        w_sp = _half_width(w if specificity_half_width is None else specificity_half_width, "specificity_half_width")
        m_neg = z**2 * sp * (1 - sp) / w_sp**2
        detail |= {"negatives for specificity": m_neg, "cases for specificity": m_neg / (1 - p)}
        if m_neg / (1 - p) > n_raw:
            crit, n_raw = "specificity", m_neg / (1 - p)
    n = math.ceil(n_raw - 1e-9)
    return SampleSize(
        n=n, n_positive=math.ceil(n * p - 1e-9), n_negative=n - math.ceil(n * p - 1e-9), criterion=crit, detail=detail
    )


def auc_se_hanley_mcneil(auc: float, n_positive: int, n_negative: int) -> float:
    r"""Standard error of an AUC from Hanley & McNeil (1982).

    .. math::
        SE^2 = \frac{A(1-A) + (n_+ - 1)(Q_1 - A^2) + (n_- - 1)(Q_2 - A^2)}{n_+ n_-},
        \quad Q_1 = \frac{A}{2-A},\; Q_2 = \frac{2A^2}{1+A}.

    Examples
    --------
    >>> round(auc_se_hanley_mcneil(0.8, 50, 50), 4)
    0.0445
    """
    a = float(auc)
    if not 0.5 <= a < 1:
        raise ValueError(f"auc must lie in [0.5, 1) (the expected AUC of the model), got {auc!r}.")
    for name, v in (("n_positive", n_positive), ("n_negative", n_negative)):
        if isinstance(v, (bool, np.bool_)) or not float(v) >= 1:
            raise ValueError(f"{name} must be >= 1 case, got {v!r}.")
    q1, q2 = a / (2 - a), 2 * a**2 / (1 + a)
    var = (a * (1 - a) + (n_positive - 1) * (q1 - a**2) + (n_negative - 1) * (q2 - a**2)) / (n_positive * n_negative)
    return float(np.sqrt(var))


def n_for_auc(*, auc: float, prevalence: float, half_width: float, level: float = 0.95) -> SampleSize:
    """Smallest number of cases whose Hanley-McNeil interval of the AUC is ``+/- half_width``.

    Positives are ``n * prevalence``; the SE of :func:`auc_se_hanley_mcneil` falls
    monotonically with ``n``, so the answer is found by doubling then bisection.

    Examples
    --------
    >>> s = n_for_auc(auc=0.8, prevalence=0.5, half_width=0.05)
    >>> s.n, s.n_positive
    (302, 151)
    """
    z = _z(level)
    p = check_prevalence(prevalence, hint=_NO_CASES)
    w = _half_width(half_width, "half_width")

    def ok(n: int) -> bool:
        pos = max(n * p, 1.0)
        return z * auc_se_hanley_mcneil(auc, pos, max(n - pos, 1.0)) <= w

    hi = 2
    while not ok(hi):
        hi *= 2
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    n_pos = math.ceil(hi * p - 1e-9)
    return SampleSize(
        n=hi,
        n_positive=n_pos,
        n_negative=hi - n_pos,
        criterion="AUC",
        detail={"se at n": auc_se_hanley_mcneil(auc, hi * p, hi * (1 - p))},
    )


def n_for_calibration_oe(*, prevalence: float, width: float = 0.2, level: float = 0.95) -> SampleSize:
    r"""Cases for the O/E ratio's interval to have total ``width`` (Riley et al. 2021, criterion 1).

    With :math:`O/E = 1`, :math:`SE(\ln O/E) \approx \sqrt{(1-p)/(np)}` and the
    interval :math:`[e^{-z\,SE}, e^{z\,SE}]` has width :math:`2\sinh(z\,SE)`, so
    :math:`n = (1-p) / (p\,SE^2)` with :math:`SE = \operatorname{asinh}(w/2)/z`.

    Examples
    --------
    >>> n_for_calibration_oe(prevalence=0.1, width=0.2).n
    3469
    """
    z = _z(level)
    p = check_prevalence(prevalence, hint=_NO_CASES)
    if not isinstance(width, (int, float, np.floating)) or not 0 < float(width) < 10:
        raise ValueError(
            f"width must be the total width of the O/E interval, > 0 (e.g. 0.2 for 0.9-1.1); got {width!r}."
        )
    se = math.asinh(float(width) / 2) / z
    n_raw = (1 - p) / (p * se**2)
    n = math.ceil(n_raw - 1e-9)
    n_pos = math.ceil(n * p - 1e-9)
    return SampleSize(
        n=n, n_positive=n_pos, n_negative=n - n_pos, criterion="O/E", detail={"se of ln(O/E)": se, "cases (raw)": n_raw}
    )


def study_sizes(
    *,
    prevalence: float,
    auc: float | None = None,
    sensitivity: float = 0.9,
    specificity: float = 0.9,
    half_width: float = 0.05,
    oe_width: float = 0.2,
    films: int | None = None,
    positives: int | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """The cases a validation study needs at one population's prevalence, by every criterion.

    Buderer for the sensitivity alone and with the specificity
    (:func:`n_for_sens_spec`), Hanley & McNeil for the AUC (:func:`n_for_auc`,
    when ``auc`` is given) and Riley for calibration-in-the-large
    (:func:`n_for_calibration_oe`), all at the same ``prevalence``: the
    prevalence of the site the study is for (an external source's, which can be
    far from the development data's). With ``films`` and ``positives`` (what a
    test set there holds) each row also says whether that test set is large
    enough.

    Parameters
    ----------
    prevalence : float, keyword-only
        Share of positives in the population studied, in (0, 1).
    auc : float, optional, keyword-only
        The AUC expected there; an AUC outside [0.5, 1) (a model at chance, or
        NaN) leaves the AUC row out of the calculation and says so in ``criterion``.
    sensitivity, specificity, half_width : float, keyword-only
        Buderer's targets (``+/- half_width``, also the AUC's half-width).
    oe_width : float, keyword-only
        Total width of the O/E interval (0.2: 0.9 to 1.1).
    films, positives : int, optional, keyword-only
        Size of the test set at hand; give both or neither.
    level : float, default 0.95, keyword-only

    Returns
    -------
    pandas.DataFrame
        One row per criterion: ``n``, ``n_positive``, ``n_negative`` (nullable
        integers), ``criterion``; with ``films``: ``films here``, ``positives here``
        and ``enough`` (both counts at least what the criterion needs).

    Examples
    --------
    >>> t = study_sizes(prevalence=0.10, auc=0.8, films=1500, positives=150)
    >>> t["n"].tolist(), t["n_positive"].tolist()
    ([1383, 1383, 1140, 3469], [139, 139, 114, 347])
    >>> t["enough"].tolist()  # enough for sensitivity and the AUC, not for calibration
    [True, True, True, False]
    """
    if (films is None) != (positives is None):
        raise ValueError("study_sizes: give films and positives together (the test set's size), or neither.")
    if films is not None and not (0 <= int(positives) <= int(films)):
        raise ValueError(f"study_sizes: positives={positives} must lie between 0 and films={films}.")
    sizes: dict[str, SampleSize | str] = {
        f"sensitivity {sensitivity:g} +/- {half_width:g}": n_for_sens_spec(
            sensitivity=sensitivity, prevalence=prevalence, half_width=half_width, level=level
        ),
        f"sensitivity {sensitivity:g} and specificity {specificity:g}, each +/- {half_width:g}": n_for_sens_spec(
            sensitivity=sensitivity, specificity=specificity, prevalence=prevalence, half_width=half_width, level=level
        ),
    }
    if auc is not None:
        a = float(auc)
        name = f"AUC {a:.2f} +/- {half_width:g}"
        sizes[name] = (
            n_for_auc(auc=a, prevalence=prevalence, half_width=half_width, level=level)
            if 0.5 <= a < 1
            else f"not computed: Hanley-McNeil needs an AUC in [0.5, 1), got {a:.3f}"
        )
    lo, hi = 1 - oe_width / 2, 1 + oe_width / 2
    riley = n_for_calibration_oe(prevalence=prevalence, width=oe_width, level=level)
    sizes[f"O/E within {lo:g}-{hi:g} (Riley)"] = riley
    rows = {}
    for name, size in sizes.items():
        if isinstance(size, str):
            rows[name] = {"n": None, "n_positive": None, "n_negative": None, "criterion": size}
        else:
            rows[name] = {"n": size.n, "n_positive": size.n_positive, "n_negative": size.n_negative}
            rows[name]["criterion"] = size.criterion
    table = pd.DataFrame.from_dict(rows, orient="index").astype(
        {"n": "Int64", "n_positive": "Int64", "n_negative": "Int64"}
    )
    if films is not None:
        table["films here"], table["positives here"] = int(films), int(positives)
        enough = (table["n"] <= int(films)) & (table["n_positive"] <= int(positives))
        table["enough"] = enough.fillna(False).astype(bool)
    return table.rename_axis("target")
