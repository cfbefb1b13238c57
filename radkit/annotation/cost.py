"""What labels cost: an explicit annotation cost model, and expert hours to reach a target.

Nothing here is a fact about any hospital: every rate is a parameter the
notebook (or you) sets and shows. The model only does the arithmetic that
turns rates and counts into hours and money, so that label strategies can be
compared per expert hour.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["AnnotationCost", "labels_to_reach"]

_KINDS = ("image", "region", "report")


def _positive(name: str, value: float, *, allow_zero: bool = True) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number >= 0 (minutes or money per unit), got {value!r}.")
    return float(value)


@dataclass(frozen=True)
class AnnotationCost:
    """Rates of an annotation project; all required, because they differ by site, finding and reader.

    Parameters
    ----------
    minutes_per_image_label : float
        Expert minutes to give one image an image-level label (present / absent per finding).
    minutes_per_region : float
        Expert minutes to outline or box one region (segmentation / detection labels).
    minutes_per_report_read : float
        Minutes for a reader to check one report-mined label against its report (validating a labeller).
    hourly_cost : float
        Cost of one expert hour, in ``currency``.
    currency : str
        Label of the money unit in tables (no conversion is done).

    Examples
    --------
    >>> c = AnnotationCost(minutes_per_image_label=0.5, minutes_per_region=3.0,
    ...                    minutes_per_report_read=1.0, hourly_cost=100.0, currency="EUR")
    >>> c.hours(120, kind="image"), c.cost(120, kind="image")
    (1.0, 100.0)
    >>> c.hours(10, kind="region", regions_per_image=2)
    1.0
    """

    minutes_per_image_label: float
    minutes_per_region: float
    minutes_per_report_read: float
    hourly_cost: float
    currency: str = "money units"

    def __post_init__(self) -> None:
        for name in ("minutes_per_image_label", "minutes_per_region", "minutes_per_report_read", "hourly_cost"):
            _positive(name, getattr(self, name))

    def minutes(self, kind: str) -> float:
        """Minutes per unit of ``kind`` (``"image"``, ``"region"`` or ``"report"``)."""
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}.")
        return {
            "image": self.minutes_per_image_label,
            "region": self.minutes_per_region,
            "report": self.minutes_per_report_read,
        }[kind]

    def hours(self, n_images: float, *, kind: str = "image", regions_per_image: float = 1.0) -> float:
        """Expert hours to label ``n_images`` images (or check ``n_images`` reports) of ``kind``."""
        n = _positive("n_images", n_images)
        per = self.minutes(kind) * (_positive("regions_per_image", regions_per_image) if kind == "region" else 1.0)
        return round(n * per / 60.0, 12)

    def cost(self, n_images: float, *, kind: str = "image", regions_per_image: float = 1.0) -> float:
        """Money for :meth:`hours`."""
        return round(self.hours(n_images, kind=kind, regions_per_image=regions_per_image) * self.hourly_cost, 9)

    def table(self, n_images: int, *, regions_per_image: float = 1.0, n_reports_checked: int = 0) -> pd.DataFrame:
        """Hours and cost of labelling ``n_images`` three ways: image-level, region-level, report-mined.

        Report-mined labels cost no expert time per image; the expert time is the
        validation sample of ``n_reports_checked`` reports someone reads to measure the labeller.
        """
        rows = {
            "expert, image-level": self.hours(n_images, kind="image"),
            "expert, region-level": self.hours(n_images, kind="region", regions_per_image=regions_per_image),
            "report-mined (validation reads only)": self.hours(n_reports_checked, kind="report"),
        }
        out = pd.DataFrame({"images labelled": n_images, "expert hours": pd.Series(rows)})
        out[f"cost ({self.currency})"] = out["expert hours"] * self.hourly_cost
        return out

    def to_frame(self) -> pd.DataFrame:
        """The parameters as a one-column table (show it next to any cost you report)."""
        return pd.DataFrame({"value": pd.Series(asdict(self))})


def labels_to_reach(n_labels, score, target: float) -> float:
    """Smallest number of labels at which a learning curve reaches ``target`` (linear interpolation).

    Parameters
    ----------
    n_labels : array-like, increasing
        Label counts of the curve.
    score : array-like
        Metric at each count (e.g. mean test AUC over seeds).
    target : float

    Returns
    -------
    float
        NaN when the curve never reaches the target; the first count when it starts above it.

    Examples
    --------
    >>> labels_to_reach([10, 20, 30], [0.6, 0.7, 0.8], 0.75)
    25.0
    >>> labels_to_reach([10, 20], [0.6, 0.7], 0.9)
    nan
    """
    n = np.asarray(n_labels, dtype=float)
    s = np.asarray(score, dtype=float)
    if n.ndim != 1 or n.shape != s.shape or n.size == 0:
        raise ValueError(f"n_labels and score must be 1-D and of equal length, got {n.shape} and {s.shape}.")
    if np.any(np.diff(n) <= 0):
        raise ValueError("n_labels must be strictly increasing (one point per label count).")
    above = np.flatnonzero(s >= target)
    if above.size == 0:
        return float("nan")
    k = int(above[0])
    if k == 0:
        return float(n[0])
    frac = (target - s[k - 1]) / (s[k] - s[k - 1])
    return float(n[k - 1] + frac * (n[k] - n[k - 1]))
