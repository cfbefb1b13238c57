"""Model decay: detect covariate, prior and concept drift, monitor, alarm and retrain (consideration 09).

A deployed model decays because the data change: a new scanner (covariate
shift), a season or an epidemic (prior probability shift), a new diagnostic
criterion (concept drift). This package holds the pieces the lesson
``notebooks/09_model_decay.ipynb`` assembles:

- :mod:`~radkit.drift.detectors`: two-sample tests on inputs (per-feature KS
  with a multiple-testing correction, MMD with a permutation test, a
  classifier two-sample test) and on outputs (scores);
- :mod:`~radkit.drift.label_shift`: the new prevalence without labels (BBSE,
  Saerens' EM) and the corrected probabilities;
- :mod:`~radkit.drift.monitor`: a labelled subsample per week, the weekly
  metric with its interval, and alarm rules (threshold, CUSUM, Page-Hinkley);
- :mod:`~radkit.drift.timeline`: a deployment timeline of weeks drawn from
  :mod:`radkit.synth` pools with a drift schedule;
- :mod:`~radkit.drift.policies`: never / periodic / on-alarm retraining;
- :mod:`~radkit.drift.real`: drift in PadChest's metadata (scanners, views, labelling);
- :mod:`~radkit.drift.periods`: drift over calendar time on real films (pooled years, tests and
  AUC per period).

Examples
--------
>>> import numpy as np
>>> from radkit.drift import mmd_test
>>> g = np.random.default_rng(0)
>>> r = mmd_test(g.normal(size=(60, 3)), g.normal(1.0, size=(60, 3)), n_perm=200, seed=0)
>>> r.p_value < 0.01
True
"""

from radkit.drift.detectors import (
    DriftTest,
    classifier_test,
    ks_test,
    median_bandwidth,
    mmd2_unbiased,
    mmd_test,
    score_test,
)
from radkit.drift.label_shift import adjust_probs, bbse_prior, em_prior, estimate_prior, weekly_prior
from radkit.drift.monitor import (
    Alarm,
    cusum,
    detection_delay,
    labels_needed,
    page_hinkley,
    threshold_alarm,
    weekly_metric,
)
from radkit.drift.periods import auc_by_period, drift_by_period, pooled_years
from radkit.drift.policies import PolicyResult, simulate_policy
from radkit.drift.real import direct_standardize, padchest_by_year, raw_label_rates
from radkit.drift.timeline import Timeline, concept_labels, make_timeline, prevalence_schedule

__all__ = [
    "Alarm",
    "DriftTest",
    "PolicyResult",
    "Timeline",
    "adjust_probs",
    "auc_by_period",
    "bbse_prior",
    "classifier_test",
    "concept_labels",
    "cusum",
    "detection_delay",
    "drift_by_period",
    "em_prior",
    "estimate_prior",
    "ks_test",
    "labels_needed",
    "make_timeline",
    "median_bandwidth",
    "mmd2_unbiased",
    "mmd_test",
    "page_hinkley",
    "pooled_years",
    "score_test",
    "simulate_policy",
    "threshold_alarm",
    "weekly_metric",
    "prevalence_schedule",
    "direct_standardize",
    "padchest_by_year",
    "raw_label_rates",
    "weekly_prior",
]
