"""Specifications for the synthetic generator: pathologies, sites and drift.

A :class:`Site` is a hospital with its own population (share of portable AP
films, how sick its patients are, their age) and its own scanner style
(contrast curve, noise, blur, an optional burned-in text marker). A
:class:`Drift` says how things change over acquisition dates: a site's scanner
is replaced (covariate drift), prevalence moves (prior drift), or the rule that
turns a finding into a positive label changes (concept drift).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from radkit.findings import FINDINGS

__all__ = [
    "PATHOLOGIES",
    "SEVERITY_UNITS",
    "DEFAULT_PREVALENCE",
    "Site",
    "Drift",
    "DEFAULT_SITES",
    "resolve_prevalence",
    "resolve_sites",
]

#: Pathologies drawn by :func:`radkit.synth.generate`, in label-column order: :data:`radkit.findings.FINDINGS`.
PATHOLOGIES: tuple[str, ...] = FINDINGS

#: What the ``severity_<pathology>`` column of ``meta`` measures.
SEVERITY_UNITS: dict[str, str] = {
    "nodule": "diameter in mm",
    "consolidation": "area in % of the lung field it sits in",
    "effusion": "fluid height in % of the hemithorax height",
    "cardiomegaly": "cardiothoracic ratio (true, PA-equivalent)",
    "pneumothorax": "rim width at the apex in mm",
}

DEFAULT_PREVALENCE: dict[str, float] = {
    "nodule": 0.15,
    "consolidation": 0.15,
    "effusion": 0.15,
    "cardiomegaly": 0.15,
    "pneumothorax": 0.10,
}


def _number(site: object, name: str, *, low: float, high: float = np.inf, low_open: bool = False, fix: str) -> None:
    """Check that ``site.<name>`` is a finite real number in range (NaN/inf would poison every image)."""
    value = getattr(site, name)
    label = f"Site {getattr(site, 'name', '?')!r}" if isinstance(site, Site) else "Drift"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{label}: {name}={value!r} must be a number. {fix}")
    v = float(value)
    below = v <= low if low_open else v < low
    if not np.isfinite(v) or below or v > high:
        span = (
            f"{'(' if low_open else '['}{low:g}, {high:g}]"
            if np.isfinite(high)
            else f"{'>' if low_open else '>='} {low:g}"
        )
        raise ValueError(
            f"{label}: {name}={value!r} must be a finite number {'in ' if np.isfinite(high) else ''}{span}. {fix}"
        )


@dataclass(frozen=True)
class Site:
    """One hospital: its patients and its scanner.

    Parameters
    ----------
    name : str
        Site label written to ``meta["site"]``.
    weight : float
        Relative share of cases coming from this site.
    ap_fraction : float
        Share of portable AP films (AP magnifies the heart by about 15%).
    risk : float
        Log-odds shift of every pathology for this site's population
        (an inpatient site is sicker). Overall prevalence is still honoured:
        the generator calibrates the baseline over all sites.
    age_mean : float
        Mean patient age (years); ages are normal with sd 17, clipped to 18-95.
    gamma : float
        Exponent of the scanner's contrast curve (>1 darkens mid-tones).
    window : tuple of float
        Attenuation values mapped to 0 and 1 before the gamma curve.
    noise : float
        Standard deviation of additive quantum-like noise (image units).
    blur : float
        Gaussian blur sigma in pixels at 128 px (scaled with image size).
    marker : str
        Burned-in text token (letters from ``A B C D E L P R S T X`` and digits),
        or ``""`` for none.
    marker_rate : float
        Probability that the token is burned into an image from this site
        (before any ``marker_corr`` tie to the labels).
    marker_corner : str
        ``"tl"``, ``"tr"``, ``"bl"`` or ``"br"``.

    Examples
    --------
    >>> from radkit.synth import Site
    >>> Site("Z", noise=0.05, marker="P", marker_rate=0.5).marker
    'P'
    """

    name: str
    weight: float = 1.0
    ap_fraction: float = 0.2
    risk: float = 0.0
    age_mean: float = 55.0
    gamma: float = 1.0
    window: tuple[float, float] = (0.02, 0.95)
    noise: float = 0.02
    blur: float = 0.0
    marker: str = ""
    marker_rate: float = 0.0
    marker_corner: str = "tr"

    def __post_init__(self) -> None:
        def bad(what: str, fix: str) -> None:
            raise ValueError(f"Site {self.name!r}: {what}. {fix}")

        if not isinstance(self.name, str) or not self.name:
            bad("name must be a non-empty string", "Give each site a short name such as 'A'.")
        if not isinstance(self.marker, str):
            bad(f"marker={self.marker!r} must be a string", "Use '' for no marker or a short token such as 'P'.")
        _number(self, "weight", low=0.0, low_open=True, fix="Use relative shares such as 1.0 and 2.0.")
        for nm in ("ap_fraction", "marker_rate"):
            _number(self, nm, low=0.0, high=1.0, fix=f"Pass {nm} as a probability between 0 and 1.")
        _number(
            self, "risk", low=-10.0, high=10.0, fix="It is a log-odds shift: -1 (healthier) to 1 (sicker) is typical."
        )
        _number(self, "age_mean", low=18.0, high=95.0, fix="Ages are drawn around it and clipped to 18-95.")
        _number(self, "gamma", low=0.0, low_open=True, high=10.0, fix="Typical scanner curves use 0.7-1.5.")
        try:
            lo, hi = (float(v) for v in self.window)
        except (TypeError, ValueError):
            bad(f"window={self.window!r} must be a pair of numbers (low, high)", "The default is (0.02, 0.95).")
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            bad(f"window={self.window} must be finite (low, high) with high > low", "The default is (0.02, 0.95).")
        for nm in ("noise", "blur"):
            _number(
                self,
                nm,
                low=0.0,
                high=1.0 if nm == "noise" else 20.0,
                fix="Use 0 to switch it off; typical noise is 0.01-0.05, blur 0-2 pixels.",
            )
        if self.marker_corner not in ("tl", "tr", "bl", "br"):
            bad(f"marker_corner={self.marker_corner!r} is unknown", "Use 'tl', 'tr', 'bl' or 'br'.")
        from radkit.synth.acquisition import GLYPHS  # local: avoid an import cycle

        missing = sorted({c for c in self.marker.upper() if c not in GLYPHS})
        if missing:
            bad(
                f"marker {self.marker!r} uses characters without a glyph: {missing}",
                f"Use characters from {''.join(sorted(GLYPHS))}.",
            )


#: Three default sites: an outpatient clinic, a sicker inpatient hospital with
#: mostly portable AP films and a burned-in "P" marker, and a third site with a
#: softer, noisier scanner.
DEFAULT_SITES: tuple[Site, ...] = (
    Site(
        "A",
        weight=0.45,
        ap_fraction=0.10,
        risk=-0.3,
        age_mean=52,
        gamma=1.0,
        noise=0.015,
        blur=0.3,
        marker="L",
        marker_rate=0.3,
        marker_corner="tl",
    ),
    Site(
        "B",
        weight=0.35,
        ap_fraction=0.70,
        risk=0.5,
        age_mean=66,
        gamma=1.25,
        window=(0.0, 1.0),
        noise=0.025,
        blur=0.6,
        marker="P",
        marker_rate=0.4,
        marker_corner="tr",
    ),
    Site(
        "C",
        weight=0.20,
        ap_fraction=0.25,
        risk=0.0,
        age_mean=58,
        gamma=0.8,
        window=(0.05, 0.9),
        noise=0.025,
        blur=0.9,
        marker="",
        marker_rate=0.0,
    ),
)


@dataclass(frozen=True)
class Drift:
    """How acquisition changes over the date range.

    Parameters
    ----------
    scanner : dict
        Covariate drift: ``{site_name: (date, {field: value})}``. From ``date``
        on, that site's images are rendered with these :class:`Site` fields
        replaced (e.g. ``{"gamma": 1.5, "noise": 0.04}``).
    prevalence : float or dict, optional
        Prior drift: prevalence reached at the *end* of the date range; it moves
        linearly in time from the ``prevalence`` given to ``generate``.
    concept : dict
        Concept drift: ``{pathology: (date, min_severity)}``. From ``date`` on,
        a drawn finding counts as positive only if its severity (see
        ``SEVERITY_UNITS``) is at least ``min_severity``; before, every drawn
        finding counts (cardiomegaly uses CTR > 0.5 before).

    Examples
    --------
    >>> from radkit.synth import Drift
    >>> d = Drift(scanner={"A": ("2021-01-01", {"gamma": 1.6})},
    ...           concept={"nodule": ("2022-01-01", 8.0)})
    >>> d.concept["nodule"][1]
    8.0
    """

    scanner: dict[str, tuple[str, dict[str, float]]] = field(default_factory=dict)
    prevalence: float | dict[str, float] | None = None
    concept: dict[str, tuple[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        site_fields = {f.name for f in fields(Site)} - {"name", "weight", "ap_fraction", "risk", "age_mean"}
        for site, spec in self.scanner.items():
            if not (isinstance(spec, tuple | list) and len(spec) == 2 and isinstance(spec[1], dict)):
                raise ValueError(
                    f"Drift.scanner[{site!r}] must be (date, {{field: value}}), got {spec!r}. "
                    "Example: {'A': ('2021-01-01', {'gamma': 1.5})}."
                )
            _to_date(spec[0], f"Drift.scanner[{site!r}] date")
            unknown = set(spec[1]) - site_fields
            if unknown:
                raise ValueError(
                    f"Drift.scanner[{site!r}] changes unknown scanner fields {sorted(unknown)}. "
                    f"Scanner fields are {sorted(site_fields)}."
                )
            try:  # the new values must make a valid scanner
                Site(str(site), **spec[1])
            except (ValueError, TypeError) as err:
                raise ValueError(f"Drift.scanner[{site!r}]: {err}") from None
        for p, spec in self.concept.items():
            if p not in PATHOLOGIES:
                raise ValueError(f"Drift.concept names unknown pathology {p!r}. Use one of {PATHOLOGIES}.")
            if not (isinstance(spec, tuple | list) and len(spec) == 2):
                raise ValueError(f"Drift.concept[{p!r}] must be (date, min_severity), got {spec!r}.")
            _to_date(spec[0], f"Drift.concept[{p!r}] date")
            threshold = spec[1]
            if (
                isinstance(threshold, bool)
                or not isinstance(threshold, (int, float, np.integer, np.floating))
                or not np.isfinite(float(threshold))
                or float(threshold) < 0
            ):
                raise ValueError(
                    f"Drift.concept[{p!r}]: min_severity={threshold!r} must be a finite number >= 0 "
                    f"in {SEVERITY_UNITS[p]}."
                )
        if self.prevalence is not None:
            resolve_prevalence(self.prevalence)


def _to_date(value: object, what: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what}: cannot read {value!r} as a date. Use 'YYYY-MM-DD'.") from err


def resolve_prevalence(prevalence: float | dict[str, float] | None) -> dict[str, float]:
    """Turn a scalar, a partial dict or ``None`` into ``{pathology: prevalence}``.

    Missing pathologies keep :data:`DEFAULT_PREVALENCE`; a scalar applies to all.

    Examples
    --------
    >>> from radkit.synth.spec import resolve_prevalence
    >>> resolve_prevalence(0.3)["effusion"]
    0.3
    """
    if prevalence is None:
        out = dict(DEFAULT_PREVALENCE)
    elif isinstance(prevalence, int | float | np.floating):
        out = {p: float(prevalence) for p in PATHOLOGIES}
    elif isinstance(prevalence, dict):
        unknown = set(prevalence) - set(PATHOLOGIES)
        if unknown:
            raise ValueError(
                f"prevalence names unknown pathologies {sorted(unknown)}. Known pathologies: {PATHOLOGIES}."
            )
        out = dict(DEFAULT_PREVALENCE)
        out.update({k: float(v) for k, v in prevalence.items()})
    else:
        raise TypeError(
            f"prevalence must be a float, a dict or None, not {type(prevalence).__name__}. "
            "Example: prevalence={'nodule': 0.2}."
        )
    for k, v in out.items():
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"prevalence[{k!r}]={v} is not a probability. Use a value in [0, 1].")
    return out


def resolve_sites(sites: int | Site | list[Site] | tuple[Site, ...] | None) -> tuple[Site, ...]:
    """``None`` gives :data:`DEFAULT_SITES`; an int the first n of them.

    Examples
    --------
    >>> from radkit.synth.spec import resolve_sites
    >>> [s.name for s in resolve_sites(2)]
    ['A', 'B']
    """
    if sites is None:
        return DEFAULT_SITES
    if isinstance(sites, Site):
        return (sites,)
    if isinstance(sites, int) and not isinstance(sites, bool):
        if not 1 <= sites <= len(DEFAULT_SITES):
            raise ValueError(
                f"sites={sites}: there are {len(DEFAULT_SITES)} default sites. "
                "Pass 1-3, or a list of radkit.synth.Site."
            )
        return DEFAULT_SITES[:sites]
    sites = tuple(sites)
    if not sites or not all(isinstance(s, Site) for s in sites):
        raise TypeError("sites must be None, an int, a Site or a non-empty list of radkit.synth.Site.")
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise ValueError(f"Site names must be unique, got {names}. Rename the duplicates.")
    return sites


def spec_dict(obj: object) -> object:
    """A JSON-friendly view of sites/drift for cache keys."""
    if isinstance(obj, Site | Drift):
        return asdict(obj)
    if isinstance(obj, tuple | list):
        return [spec_dict(o) for o in obj]
    return obj
