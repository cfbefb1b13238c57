"""Semi-supervised training on top of radkit.train, and the cost model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from radkit import train
from radkit.annotation import (
    AnnotationCost,
    as_images,
    confident_pseudo_labels,
    gaussian_noise,
    labels_to_reach,
    linear_head,
    pseudo_label,
    temporal_ensembling,
)


def _blobs(n=400, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = (torch.rand(n, generator=g) < 0.3).float()
    X = torch.randn(n, 4, generator=g) + 3.0 * y[:, None] * torch.tensor([1.0, 0, 0, 0])
    return as_images(X.numpy()), y[:, None]


def head(seed):
    return linear_head(4, seed=seed)


def test_confident_pseudo_labels_closed_form():
    p = np.array([0.99, 0.95, 0.94, 0.5, 0.06, 0.05, 0.0])
    assert np.array_equal(confident_pseudo_labels(p, 0.95), [1, 1, np.nan, np.nan, np.nan, 0, 0], equal_nan=True)
    with pytest.raises(ValueError, match=r"\(0.5, 1\]"):
        confident_pseudo_labels(p, 0.4)


def test_zero_rounds_is_plain_fit():
    X, y = _blobs()
    r = pseudo_label(head, X[:40], y[:40], X[40:], num_rounds=0, num_epochs=5, lr=0.05, seed=3)
    from radkit.seeding import spawn

    ref = head(spawn(3, 1)[0])
    train.fit(ref, (X[:40], y[:40]), num_epochs=5, lr=0.05, batch_size=64, seed=spawn(3, 1)[0], progress=False)
    assert np.allclose(train.predict(r.model, X), train.predict(ref, X))


def test_pseudo_labels_are_accurate_on_separable_data_and_ignored_when_unconfident():
    X, y = _blobs()
    r = pseudo_label(
        head,
        X[:60],
        y[:60],
        X[60:],
        threshold=0.9,
        num_rounds=2,
        num_epochs=40,
        lr=0.05,
        seed=0,
        y_unlabeled_true=y[60:],
    )
    last = r.rounds.iloc[-1]
    assert last["n_pseudo"] > 100 and last["pseudo_accuracy"] > 0.95
    none = pseudo_label(
        head,
        X[:60],
        y[:60],
        X[60:],
        threshold=1.0,
        num_rounds=1,
        num_epochs=2,
        lr=0.05,
        seed=0,
        y_unlabeled_true=y[60:],
    )
    assert none.rounds["n_pseudo"].iloc[-1] <= 5  # only calls with probability exactly 0 or 1


def test_temporal_ensembling_trains_and_learns():
    from sklearn.metrics import roc_auc_score

    X, y = _blobs()
    r = temporal_ensembling(
        head, X[:60], y[:60], X[60:300], augment=gaussian_noise(0.3), num_rounds=3, warmup_epochs=30, lr=0.05, seed=1
    )
    assert roc_auc_score(y[300:, 0], train.predict(r.model, X[300:])[:, 0]) > 0.9
    assert r.rounds["round"].tolist() == [0, 1, 2, 3]


def test_semi_supervised_bad_inputs():
    X, y = _blobs()
    with pytest.raises(TypeError, match="N x C x H x W"):
        pseudo_label(head, X[:10, :, 0, 0], y[:10], X[10:], num_epochs=1, lr=0.1, seed=0)
    with pytest.raises(ValueError, match="labels"):
        pseudo_label(head, X[:10], y[:5], X[10:], num_epochs=1, lr=0.1, seed=0)
    with pytest.raises(ValueError, match="0 unlabelled items: semi-supervised learning needs both"):
        pseudo_label(head, X, y, X[:0], num_epochs=1, lr=0.1, seed=0)  # every item labelled (a small smoke pool)
    with pytest.raises(ValueError, match="alpha"):
        temporal_ensembling(
            head, X[:10], y[:10], X[10:], augment=gaussian_noise(), alpha=1.0, warmup_epochs=1, lr=0.1, seed=0
        )


def test_embed_returns_the_head_input():
    import radkit.models

    m = radkit.models.make_model("smallcnn", num_classes=2, seed=0)
    x = torch.rand(5, 1, 32, 32)
    e = train.embed(m, x, batch_size=2)
    with torch.no_grad():
        assert np.allclose(m.head(torch.as_tensor(e)).numpy(), m.eval()(x).numpy(), atol=1e-5)


def test_cost_model_arithmetic_and_validation():
    c = AnnotationCost(
        minutes_per_image_label=0.5,
        minutes_per_region=4.0,
        minutes_per_report_read=1.5,
        hourly_cost=90.0,
        currency="EUR",
    )
    t = c.table(600, regions_per_image=2, n_reports_checked=100)
    assert t["expert hours"].tolist() == [5.0, 80.0, 2.5]
    assert t["cost (EUR)"].tolist() == [450.0, 7200.0, 225.0]
    assert c.to_frame().loc["hourly_cost", "value"] == 90.0
    with pytest.raises(ValueError, match="minutes_per_region"):
        AnnotationCost(minutes_per_image_label=1, minutes_per_region=-1, minutes_per_report_read=1, hourly_cost=1)
    with pytest.raises(TypeError):
        AnnotationCost(minutes_per_image_label=1)  # every rate must be given: no invented defaults
    with pytest.raises(ValueError, match="kind"):
        c.hours(10, kind="pixel")


def test_labels_to_reach():
    assert labels_to_reach([20, 40, 60], [0.7, 0.8, 0.9], 0.85) == pytest.approx(50.0)
    assert labels_to_reach([20, 40], [0.9, 0.95], 0.8) == 20.0
    assert np.isnan(labels_to_reach([20, 40], [0.6, 0.7], 0.8))
    with pytest.raises(ValueError, match="increasing"):
        labels_to_reach([40, 20], [0.6, 0.7], 0.65)
    assert isinstance(pd.Series([1.0]), pd.Series)
