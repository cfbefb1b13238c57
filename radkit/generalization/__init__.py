"""Generalization to unseen data sets (consideration 08): external sites, shortcuts, harmonization, adaptation.

- :mod:`~radkit.generalization.splits`: internal hold-out versus whole sites held out
  (:func:`site_split`, :func:`leave_one_site_out`);
- :mod:`~radkit.generalization.shortcut`: Zech's marker shortcut with known truth
  (:func:`shortcut_data`, reused by notebook 11), counterfactual films of the same
  patients (:func:`counterfactual`), marker masking;
- :mod:`~radkit.generalization.harmonize`: per-image standardisation, histogram
  matching, and Glocker's site probe (:func:`site_probe`);
- :mod:`~radkit.generalization.adapt`: DANN with a gradient-reversal layer, and
  scanner-style randomisation (domain generalization), both through :func:`radkit.train.fit`;
- :mod:`~radkit.generalization.evaluate`: internal versus external AUC with intervals,
  prediction shifts under counterfactuals, replicated re-splits, methods compared over
  training seeds (:func:`compare_over_seeds`), one model across test sets or sources
  (:func:`per_source_auc`).

Examples
--------
>>> from radkit.generalization import site_split
>>> s = site_split(["A", "A", "B", "B", "C", "C"], external="C", test_fraction=0.5, seed=0)
>>> s.external.tolist()
[4, 5]
"""

from radkit.generalization.adapt import DANN, GradientReversal, StyleRandomization, dann_data, grad_reverse
from radkit.generalization.evaluate import (
    AucGap,
    SeedComparison,
    auc_gap,
    compare_over_seeds,
    per_source_auc,
    prediction_shift,
    resplit_gaps,
)
from radkit.generalization.harmonize import match_histograms, site_probe, standardize, texture_features
from radkit.generalization.shortcut import (
    SCANNER_FIELDS,
    SHORTCUT_SITES,
    ZECH_PREVALENCE,
    ShortcutData,
    concat,
    correlated_flags,
    counterfactual,
    mask_corners,
    noisy_copy,
    shortcut_data,
    stamp_markers,
    swap_markers,
)
from radkit.generalization.splits import SiteSplit, leave_one_site_out, site_split

__all__ = [
    "AucGap",
    "DANN",
    "GradientReversal",
    "SCANNER_FIELDS",
    "SHORTCUT_SITES",
    "SeedComparison",
    "ShortcutData",
    "SiteSplit",
    "StyleRandomization",
    "ZECH_PREVALENCE",
    "auc_gap",
    "compare_over_seeds",
    "concat",
    "correlated_flags",
    "counterfactual",
    "dann_data",
    "grad_reverse",
    "leave_one_site_out",
    "mask_corners",
    "match_histograms",
    "noisy_copy",
    "per_source_auc",
    "prediction_shift",
    "resplit_gaps",
    "shortcut_data",
    "site_probe",
    "site_split",
    "standardize",
    "stamp_markers",
    "swap_markers",
    "texture_features",
]
