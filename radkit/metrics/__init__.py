"""Performance measures for binary findings (consideration: relevant performance measures).

Accuracy alone misleads when a finding is rare: the paper's Table 1 example
(TN 80, FP 10, FN 5, TP 5) has accuracy 0.85 but sensitivity 0.50. This package
gathers the measures a reader of a radiology ML paper needs:

- :mod:`~radkit.metrics.confusion`: confusion-table measures, :func:`report`,
  PPV/NPV at another prevalence;
- :mod:`~radkit.metrics.curves`: ROC, precision-recall, cost and decision curves;
- :mod:`~radkit.metrics.uncertainty`: bootstrap intervals, DeLong's AUC variance and test;
- :mod:`~radkit.metrics.calibration`: reliability curves, ECE, Brier score, recalibration
  (temperature, Platt, isotonic);
- :mod:`~radkit.metrics.groups`: confusion measures per group (finding, site, sex) with intervals,
  vectorised for every 2x2 measure at once (:func:`by_group_confusion`).

Every public function validates its input through one private helper
(:mod:`radkit._validate`), so errors read the same everywhere.

Examples
--------
>>> from radkit.metrics import from_confusion
>>> m = from_confusion(tn=80, fp=10, fn=5, tp=5)
>>> round(m.accuracy, 2), m.sensitivity
(0.85, 0.5)
"""

from radkit.metrics.calibration import (
    IsotonicCalibrator,
    PlattScaler,
    ReliabilityCurve,
    TemperatureScaler,
    brier_score,
    expected_calibration_error,
    fit_platt,
    fit_temperature,
    prior_correct,
    reliability_curve,
)
from radkit.metrics.confusion import (
    Confusion,
    Measures,
    confusion,
    from_confusion,
    npv_at_prevalence,
    ppv_at_prevalence,
    report,
)
from radkit.metrics.curves import (
    CostCurve,
    DecisionCurve,
    PrCurve,
    RocCurve,
    cost_curve,
    decision_curve,
    net_benefit,
    operating_points,
    pr_curve,
    roc,
    threshold_for_sensitivity,
)
from radkit.metrics.groups import (
    CONFUSION_MEASURES,
    bootstrap_tables,
    by_group_confusion,
    confusion_counts,
    measures_by_group,
)
from radkit.metrics.uncertainty import (
    BootstrapResult,
    DelongResult,
    DelongTest,
    bootstrap_ci,
    delong_auc,
    delong_test,
)

__all__ = [
    "CONFUSION_MEASURES",
    "bootstrap_tables",
    "by_group_confusion",
    "confusion_counts",
    "BootstrapResult",
    "Confusion",
    "CostCurve",
    "DecisionCurve",
    "DelongResult",
    "DelongTest",
    "IsotonicCalibrator",
    "Measures",
    "PlattScaler",
    "PrCurve",
    "ReliabilityCurve",
    "RocCurve",
    "TemperatureScaler",
    "bootstrap_ci",
    "brier_score",
    "confusion",
    "cost_curve",
    "decision_curve",
    "delong_auc",
    "delong_test",
    "expected_calibration_error",
    "fit_platt",
    "fit_temperature",
    "from_confusion",
    "measures_by_group",
    "net_benefit",
    "npv_at_prevalence",
    "operating_points",
    "ppv_at_prevalence",
    "pr_curve",
    "prior_correct",
    "report",
    "reliability_curve",
    "roc",
    "threshold_for_sensitivity",
]
