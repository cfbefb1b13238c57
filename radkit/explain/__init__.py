"""Explainability (consideration 11): maps that pass sanity checks, scored against known lesions.

Kulkarni, Gawali & Kharat: in a litigious field *where* a model decides
matters; without region-level annotations, saliency maps show the region that
drove a decision; a prediction should carry its confidence; rule-based systems
are transparent but can be gamed. This package gives:

- :mod:`~radkit.explain.attribution`: saliency, SmoothGrad, Integrated Gradients,
  Grad-CAM, occlusion and an edge-detector control, for any ``nn.Module``;
- :mod:`~radkit.explain.sanity`: Adebayo's cascading weight randomisation;
- :mod:`~radkit.explain.localization`: pointing game, energy in mask, top-k IoU;
- :mod:`~radkit.explain.localizer`: a small model trained with the masks;
- :mod:`~radkit.explain.shortcut`: where the site marker sits (the Zech shortcut);
- :mod:`~radkit.explain.confidence`: deep ensemble, uncertainty, confidence words,
  selective prediction;
- :mod:`~radkit.explain.rules`: a transparent rule (cardiothoracic ratio > 0.5 measured
  from the film) and the smallest edit that flips it.

Examples
--------
>>> import torch, radkit.models
>>> from radkit import explain
>>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
>>> explain.attribute(m, torch.rand(2, 1, 32, 32), method="grad_cam", target=0).shape
torch.Size([2, 1, 32, 32])
"""

from radkit.explain.attribution import (
    METHODS,
    attribute,
    conv_layers,
    edge_map,
    grad_cam,
    integrated_gradients,
    occlusion,
    saliency,
    smoothgrad,
    target_logit,
)
from radkit.explain.confidence import (
    ConfidenceLevels,
    DeepEnsemble,
    confidence_levels,
    confidence_sentence,
    coverage_accuracy,
    ensemble_probs,
    error_detection_auc,
    fit_ensemble,
    predictive_uncertainty,
    selective_gain,
)
from radkit.explain.localization import (
    LocalizationScores,
    chance_pointing,
    dilate,
    energy_in_mask,
    localization_scores,
    pointing_game,
    topk_iou,
)
from radkit.explain.localizer import LocalizationNet, fit_localizer, mask_targets
from radkit.explain.rules import CTRMeasurement, RuleFlip, ctr_rule, measure_ctr, minimal_flip, otsu_threshold
from radkit.explain.sanity import (
    SanityResult,
    cascading_randomization,
    randomizable_layers,
    randomize_layers,
    rank_correlation,
    ssim,
)
from radkit.explain.shortcut import marker_box, marker_region

__all__ = [
    "METHODS",
    "CTRMeasurement",
    "ConfidenceLevels",
    "DeepEnsemble",
    "LocalizationNet",
    "LocalizationScores",
    "RuleFlip",
    "SanityResult",
    "attribute",
    "cascading_randomization",
    "chance_pointing",
    "confidence_levels",
    "confidence_sentence",
    "conv_layers",
    "coverage_accuracy",
    "ctr_rule",
    "dilate",
    "edge_map",
    "energy_in_mask",
    "ensemble_probs",
    "error_detection_auc",
    "fit_ensemble",
    "fit_localizer",
    "grad_cam",
    "integrated_gradients",
    "localization_scores",
    "marker_box",
    "marker_region",
    "mask_targets",
    "measure_ctr",
    "minimal_flip",
    "occlusion",
    "otsu_threshold",
    "pointing_game",
    "predictive_uncertainty",
    "randomizable_layers",
    "randomize_layers",
    "rank_correlation",
    "saliency",
    "selective_gain",
    "smoothgrad",
    "ssim",
    "target_logit",
    "topk_iou",
]
