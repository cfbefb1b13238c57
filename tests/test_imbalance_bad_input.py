"""radkit.imbalance refuses bad input up front, saying what is wrong and what to do."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from radkit import imbalance as imb
from radkit import train


def _xy(n_neg=30, n_pos=4):
    g = np.random.default_rng(0)
    return g.normal(size=(n_neg + n_pos, 3)), np.r_[np.zeros(n_neg, int), np.ones(n_pos, int)]


def test_minority_smaller_than_k_neighbors():
    X, y = _xy(n_pos=4)
    with pytest.raises(ValueError, match=r"k_neighbors=5.*has 4.*Lower k_neighbors"):
        imb.resample(X, y, method="SMOTE", seed=0)
    X_res, y_res = imb.resample(X, y, method="SMOTE", k_neighbors=3, seed=0)  # the advice works
    assert np.bincount(y_res).tolist() == [30, 30]


def test_single_class():
    X, y = _xy()
    with pytest.raises(ValueError, match="single class"):
        imb.resample(X, np.zeros(len(X), int), method="random under", seed=0)
    with pytest.raises(ValueError, match="both classes"):
        imb.BalancedBatchSampler(np.zeros(10), batch_size=4, seed=0)
    with pytest.raises(ValueError, match="only class 0"):
        imb.score_measures(np.zeros(4, int), [0.1, 0.2, 0.3, 0.4])


def test_nan_embeddings_and_scores():
    X, y = _xy(n_pos=8)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or inf in 1 row"):
        imb.resample(X, y, method="SMOTE", seed=0)
    with pytest.raises(ValueError, match="NaN or inf in 1 row"):
        imb.fit_method("plain", X, y, seed=0)
    with pytest.raises(ValueError, match="y_score has 1 NaN"):
        imb.score_measures([0, 1], [0.2, np.nan])


def test_wrong_shapes_and_names():
    X, y = _xy(n_pos=8)
    with pytest.raises(ValueError, match="2-D array of embeddings"):
        imb.resample(X[:, 0], y, method="SMOTE", seed=0)
    with pytest.raises(ValueError, match="one label per row"):
        imb.resample(X, y[:-1], method="SMOTE", seed=0)
    with pytest.raises(ValueError, match="Valid:"):
        imb.resample(X, y, method="smote", seed=0)
    with pytest.raises(ValueError, match="Valid:"):
        imb.fit_method("focal", X, y, seed=0)
    with pytest.raises(ValueError, match="one binary column"):
        imb.resample_indices(np.zeros((4, 2)), method="under", seed=0)


def test_bad_numbers():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        imb.pos_weight_for(0.0)
    with pytest.raises(ValueError, match="gamma"):
        imb.FocalLoss(gamma=-1)
    with pytest.raises(ValueError, match="alpha"):
        imb.FocalLoss(alpha=2.0)
    with pytest.raises(ValueError, match="probabilities in"):
        imb.prior_correct([1.5], train_prevalence=0.5, true_prevalence=0.1)
    with pytest.raises(ValueError, match="train_prevalence"):
        imb.prior_correct([0.5], train_prevalence=1.0, true_prevalence=0.1)
    with pytest.raises(ValueError, match="positive_fraction"):
        imb.BalancedBatchSampler([0, 1], batch_size=2, positive_fraction=1.0, seed=0)
    with pytest.raises(ValueError, match="NaN"):
        imb.resample_indices([0, 1, np.nan], method="over", seed=0)
    with pytest.raises(ValueError, match="enlarge the pool"):
        imb.draw_training_set(np.r_[np.zeros(10), np.ones(2)], prevalence=0.5, n=10, seed=0)


def test_embeddings_needs_a_linear_layer():
    with pytest.raises(ValueError, match="no nn.Linear"):
        train.embed(torch.nn.Conv2d(1, 1, 3), torch.rand(2, 1, 8, 8))
