"""Ensemble confidence: the sentence, the levels, selective prediction, cross-checked by hand and sklearn."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from radkit import explain


@pytest.mark.parametrize(
    ("prob", "level", "text"),
    [
        (0.75, "low", "Probability of effusion: 75%, confidence in this prediction: low"),
        (0.034, "high", "Probability of effusion: 3%, confidence in this prediction: high"),
        (1.0, "medium", "Probability of effusion: 100%, confidence in this prediction: medium"),
    ],
)
def test_sentence_wording(prob, level, text):
    assert explain.confidence_sentence(prob, level, finding="effusion") == text


def test_sentence_bad_input():
    with pytest.raises(ValueError, match="'high', 'medium' or 'low'"):
        explain.confidence_sentence(0.5, "very low", finding="effusion")
    with pytest.raises(ValueError, match="probability"):
        explain.confidence_sentence(75, "low", finding="effusion")


def test_predictive_uncertainty_closed_form():
    u = explain.predictive_uncertainty([[0.5, 0.5], [0.0, 1.0], [1.0, 1.0]])
    assert u["entropy"].round(6).tolist() == [1.0, 1.0, 0.0]
    assert u["mutual_info"].round(6).tolist() == [0.0, 1.0, 0.0]  # disagreement only in the second
    with pytest.raises(ValueError, match="cases x members"):
        explain.predictive_uncertainty(np.zeros((3, 2, 2)))


def test_levels_reach_their_accuracy_on_the_fitting_data():
    gen = np.random.default_rng(0)
    u = gen.random(2000)
    correct = gen.random(2000) > u * 0.6  # errors grow with uncertainty
    lv = explain.confidence_levels(u, correct, high=0.95, medium=0.85)
    words = lv.level(u)
    assert correct[words == "high"].mean() >= 0.95
    assert correct[np.isin(words, ["high", "medium"])].mean() >= 0.85
    assert lv.high_below <= lv.medium_below
    assert list(lv.to_frame().index) == ["high", "medium", "low"]
    with pytest.raises(ValueError, match="medium <= high"):
        explain.confidence_levels(u, correct, high=0.8, medium=0.9)


def test_coverage_gain_and_error_auc():
    correct = np.array([1, 1, 1, 1, 0, 1, 0, 0])
    u = np.arange(8.0)
    cov = explain.coverage_accuracy(correct, u, coverages=[0.5, 1.0])
    assert cov["accuracy"].tolist() == [1.0, 5 / 8]
    gain = explain.selective_gain(correct, u, abstain=0.25, n_boot=200, seed=0)
    assert gain.estimate == pytest.approx(5 / 6 - 5 / 8)
    auc = explain.error_detection_auc(correct, u)
    assert auc.estimate == pytest.approx(roc_auc_score(1 - correct, u))
    with pytest.raises(ValueError, match="0/1"):
        explain.coverage_accuracy([2, 1], [0.1, 0.2])


def test_ensemble_members_differ_and_train_through_fit():
    ens = explain.DeepEnsemble(3, num_classes=2, width=4, seed=0)
    w = [m.head.weight.detach().clone() for m in ens.members]
    assert not torch.equal(w[0], w[1])
    X = torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    y = torch.stack([(X.mean((1, 2, 3)) > 0.5).float(), torch.zeros(64)], 1)
    h = explain.fit_ensemble(ens, (X, y), num_epochs=2, lr=1e-2, progress=False, seed=0)
    assert len(h.rows) == 2
    p = explain.ensemble_probs(ens, X)
    assert p.shape == (64, 3, 2) and ((p >= 0) & (p <= 1)).all()
    with pytest.raises(ValueError, match="n_members"):
        explain.DeepEnsemble(1, num_classes=2, seed=0)
    with pytest.raises(ValueError, match="column"):
        explain.fit_ensemble(ens, (X, y[:, :1]), num_epochs=1, lr=1e-2, progress=False, seed=0)
