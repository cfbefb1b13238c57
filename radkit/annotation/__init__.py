"""Consideration 03, the high cost of annotations: what labels cost and how to buy fewer.

* :mod:`~radkit.annotation.report_labeler`: labels from radiology reports (rules with
  negation and uncertainty scopes, CheXpert coding), :func:`label_reports`.
* :mod:`~radkit.annotation.evaluate`: score a labeller per finding with intervals
  (:func:`score_labels`, :func:`compare_labelers`) and the Indiana set-up.
* :mod:`~radkit.annotation.semi_supervised`: :func:`pseudo_label`, :func:`temporal_ensembling`.
* :mod:`~radkit.annotation.active`: entropy / margin / k-center / random selection and
  :func:`active_learning`, a loop with a simulated expert and a label budget.
* :mod:`~radkit.annotation.cost`: :class:`AnnotationCost`, explicit rates -> hours and money.
* :mod:`~radkit.annotation.embeddings`: frozen features for cheap loops.
"""

from radkit.annotation.active import (
    STRATEGIES,
    ActiveResult,
    active_learning,
    curve_summary,
    entropy,
    k_center_greedy,
    logistic_learner,
    margin,
    select,
)
from radkit.annotation.cost import AnnotationCost, labels_to_reach
from radkit.annotation.embeddings import as_images, embed, linear_head
from radkit.annotation.evaluate import (
    MESH_HEADINGS,
    LabelerScore,
    compare_labelers,
    disagreements,
    indiana_split,
    mesh_labels,
    positive,
    report_text,
    score_labels,
)
from radkit.annotation.report_labeler import (
    FINDINGS,
    NEGATIVE,
    POSITIVE,
    RULES,
    UNCERTAIN,
    Rules,
    explain,
    label_report,
    label_reports,
)
from radkit.annotation.semi_supervised import (
    SemiResult,
    confident_pseudo_labels,
    gaussian_noise,
    pseudo_label,
    temporal_ensembling,
)

__all__ = [
    "STRATEGIES",
    "ActiveResult",
    "active_learning",
    "curve_summary",
    "entropy",
    "k_center_greedy",
    "logistic_learner",
    "margin",
    "select",
    "AnnotationCost",
    "labels_to_reach",
    "as_images",
    "embed",
    "linear_head",
    "MESH_HEADINGS",
    "LabelerScore",
    "compare_labelers",
    "disagreements",
    "indiana_split",
    "mesh_labels",
    "positive",
    "report_text",
    "score_labels",
    "FINDINGS",
    "NEGATIVE",
    "POSITIVE",
    "RULES",
    "UNCERTAIN",
    "Rules",
    "explain",
    "label_report",
    "label_reports",
    "SemiResult",
    "confident_pseudo_labels",
    "gaussian_noise",
    "pseudo_label",
    "temporal_ensembling",
]
