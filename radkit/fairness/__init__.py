"""Fairness and bias (consideration 12): group metrics with intervals, mitigation and its cost.

- :mod:`~radkit.fairness.groups`: :func:`group_metrics` (sensitivity, false-positive
  rate, PPV, NPV, selection rate, AUC, ECE per group, with intervals) and the gaps
  (demographic parity, equal opportunity, equalized odds, predictive parity,
  calibration within groups), intersectional groups included;
- :mod:`~radkit.fairness.mitigation`: group thresholds for equal opportunity
  (Hardt et al. 2016), reweighing (Kamiran & Calders 2012) and training sets
  with a chosen share of one group (Larrazabal et al. 2020);
- :mod:`radkit.metrics.probe` (re-exported here): does the image encode the attribute you dropped?
- :mod:`~radkit.fairness.tradeoffs`: calibrated scores with unequal base rates,
  Kleinberg's balance measures, Chouldechova's identity, underdiagnosis.

Examples
--------
>>> from radkit.fairness import equal_opportunity_difference
>>> float(equal_opportunity_difference([1, 1, 1, 1], [1, 1, 1, 0], groups=["F", "F", "M", "M"]))
0.5
"""

from radkit.fairness.groups import (
    GAPS,
    GroupMetrics,
    demographic_parity_difference,
    equal_opportunity_difference,
    equalized_odds_difference,
    group_metrics,
    predictive_parity_difference,
    sensitive_frame,
)

__all__ = [
    "GAPS",
    "GroupMetrics",
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "group_metrics",
    "predictive_parity_difference",
    "sensitive_frame",
]

from radkit.fairness.appearance import breast_shadow
from radkit.fairness.mitigation import (
    apply_thresholds,
    equal_opportunity_thresholds,
    reweighing_weights,
    share_experiment,
    share_split,
    summarize_shares,
    weighted_resample,
)
from radkit.fairness.tradeoffs import (
    age_band,
    balance_table,
    calibrated_scores,
    chouldechova_fpr,
    n_to_detect,
    parity_frontier,
    pooled_age_edges,
    rate_by_group,
    underdiagnosis,
)
from radkit.metrics.probe import ProbeResult, attribute_probe, linear_model, pooled_pixels

__all__ += [
    "ProbeResult",
    "age_band",
    "pooled_age_edges",
    "apply_thresholds",
    "attribute_probe",
    "balance_table",
    "breast_shadow",
    "calibrated_scores",
    "chouldechova_fpr",
    "equal_opportunity_thresholds",
    "linear_model",
    "n_to_detect",
    "parity_frontier",
    "pooled_pixels",
    "rate_by_group",
    "reweighing_weights",
    "share_experiment",
    "share_split",
    "summarize_shares",
    "underdiagnosis",
    "weighted_resample",
]
