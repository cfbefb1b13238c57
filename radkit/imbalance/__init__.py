"""Class imbalance (consideration 05): fixes at the data level and at the algorithm level, compared honestly.

Normal radiographs outnumber abnormal ones many times over, and a model that
minimises the sum of its losses over all cases learns mostly about normals.
Kulkarni, Gawali & Kharat list two families of fixes; this package has both,
and the machinery to compare them under replication:

- images (:mod:`~radkit.imbalance.sampling`, :mod:`~radkit.imbalance.losses`):
  :class:`BalancedBatchSampler` / :func:`balanced_loader`, random under- and
  over-sampling (:func:`resample_indices`), :func:`pos_weight_for` and the
  :class:`FocalLoss` (Lin 2017), all for :func:`radkit.train.fit`;
- embeddings (:func:`radkit.train.embed`, :mod:`~radkit.imbalance.resample`):
  a CNN's penultimate features (``embeddings`` is its deprecated name here), then imbalanced-learn's
  SMOTE, BorderlineSMOTE, ADASYN, SMOTETomek, SMOTEENN and random samplers
  (:func:`resample`, :func:`make_pipeline`); the library does the work;
- methods on embeddings (:mod:`~radkit.imbalance.methods`): class weights,
  a balanced bagging ensemble, a one-class IsolationForest on normals (:func:`fit_method`);
- prior correction (:func:`prior_correct`, Saerens 2002 / Elkan 2001): probabilities
  from a model trained at a balanced prevalence, moved back to the real one;
- :func:`smote_parents`, :func:`normal_neighbour_share`: where SMOTE's points land;
- :func:`real_prevalence`: how imbalanced the public label tables are;
- evaluation at a chosen prevalence (:func:`score_measures`) and the replicated
  comparison (:func:`compare_methods` -> :class:`Comparison`).

Examples
--------
>>> from radkit.imbalance import pos_weight_for, prior_correct
>>> float(pos_weight_for(0.2)[0])
4.0
>>> prior_correct([0.5], train_prevalence=0.5, true_prevalence=0.2).round(2).tolist()
[0.2]
"""

from radkit.imbalance.compare import Comparison, case_control_sizes, compare_methods, draw_training_set
from radkit.imbalance.embed import embeddings
from radkit.imbalance.evaluate import prevalence_weights, score_measures, weighted_ece
from radkit.imbalance.losses import FocalLoss, pos_weight_for
from radkit.imbalance.methods import HEADS, METHODS, FittedMethod, fit_method
from radkit.imbalance.prior import effective_prevalence, prior_correct
from radkit.imbalance.real import REAL_DATASETS, real_prevalence
from radkit.imbalance.resample import SAMPLERS, make_pipeline, make_sampler, resample
from radkit.imbalance.sampling import BalancedBatchSampler, balanced_loader, resample_indices
from radkit.imbalance.smote_view import nearest_distance, normal_neighbour_share, smote_parents

__all__ = [
    "BalancedBatchSampler",
    "Comparison",
    "FittedMethod",
    "FocalLoss",
    "HEADS",
    "METHODS",
    "REAL_DATASETS",
    "SAMPLERS",
    "nearest_distance",
    "normal_neighbour_share",
    "real_prevalence",
    "smote_parents",
    "balanced_loader",
    "compare_methods",
    "draw_training_set",
    "case_control_sizes",
    "effective_prevalence",
    "embeddings",
    "fit_method",
    "make_pipeline",
    "make_sampler",
    "pos_weight_for",
    "prevalence_weights",
    "prior_correct",
    "resample",
    "resample_indices",
    "score_measures",
    "weighted_ece",
]
