"""Asymmetric misclassification costs (consideration 06).

Missing a pneumothorax and sending a normal radiograph for an extra review do
not cost the same. A cost matrix ``C[i, j]`` (the cost of calling a case of
true class ``i`` class ``j``) turns that into decisions:

- :mod:`~radkit.costs.matrix`: :class:`CostMatrix`, :func:`expected_cost`, the
  Bayes decision (:func:`bayes_decision`, ``argmin_j sum_i p_i C[i, j]``, a tie
  going to the positive call as in ``p >= p*``), the binary threshold
  ``p* = C_FP / (C_FP + C_FN)`` (:func:`bayes_threshold`) and its correction
  for another prevalence (:func:`shift_threshold`);
- :mod:`~radkit.costs.training`: cost-sensitive training for
  :func:`radkit.train.fit` (:func:`class_weights`, :func:`pos_weight`,
  :func:`expected_cost_loss`) and Elkan's resampling (:func:`resample_for_costs`);
- :mod:`~radkit.costs.operating`: an operating point for a target sensitivity
  with a bootstrap interval and a conservative threshold;
- :mod:`~radkit.costs.compare`: expected cost with intervals, paired comparisons;
- :mod:`~radkit.costs.triage`: a normal / routine / urgent triage task and its costs;
- :mod:`~radkit.costs.plots`: the lesson's figures.

Examples
--------
>>> from radkit.costs import CostMatrix, bayes_threshold
>>> bayes_threshold(CostMatrix.binary(cost_fp=1, cost_fn=9))
0.1
"""

from radkit.costs.compare import best_threshold, compare_costs, expected_cost_ci
from radkit.costs.matrix import (
    CostMatrix,
    bayes_decision,
    bayes_threshold,
    check_probabilities,
    confusion_matrix,
    cost_by_threshold,
    expected_cost,
    shift_probabilities,
    shift_threshold,
    threshold_regret,
)
from radkit.costs.operating import (
    OperatingPoint,
    Shortfall,
    guaranteed_threshold,
    operating_point,
    sensitivity_shortfall,
)
from radkit.costs.training import class_weights, expected_cost_loss, pos_weight, resample_for_costs
from radkit.costs.triage import TRIAGE_CLASSES, TRIAGE_COST, triage_labels

__all__ = [
    "CostMatrix",
    "OperatingPoint",
    "Shortfall",
    "TRIAGE_CLASSES",
    "TRIAGE_COST",
    "best_threshold",
    "bayes_decision",
    "bayes_threshold",
    "check_probabilities",
    "class_weights",
    "compare_costs",
    "confusion_matrix",
    "cost_by_threshold",
    "expected_cost",
    "expected_cost_ci",
    "expected_cost_loss",
    "guaranteed_threshold",
    "operating_point",
    "pos_weight",
    "resample_for_costs",
    "sensitivity_shortfall",
    "shift_probabilities",
    "shift_threshold",
    "threshold_regret",
    "triage_labels",
]
