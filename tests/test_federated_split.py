"""Split learning: the two-party protocol computes the unsplit model's gradients; bytes on the wire."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import radkit.models
import radkit.train
from radkit import federated as fl


def _data(n=12, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, size, size, generator=g), torch.tensor([[0.0], [1.0]] * (n // 2))


@pytest.mark.parametrize("cut", [1, 3, 7])
def test_split_gradients_equal_the_full_model(cut):
    X, y = _data()
    full = radkit.models.make_model("smallcnn", num_classes=1, seed=0).train()
    split = fl.split_model(full, cut=cut).train()
    grads = fl.split_gradients(split, X, y)
    loss = nn.functional.binary_cross_entropy_with_logits(full(X), y)
    ref = torch.autograd.grad(loss, list(full.parameters()))
    assert len(grads) == len(ref)
    for g, r in zip(grads.values(), ref):  # same parameter order: client layers, then server layers
        torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-6)


def test_split_model_trains_like_the_full_model_and_counts_the_wire():
    X, y = _data(n=16)
    full = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    split = fl.split_model(full, cut=3)
    radkit.train.fit(full, (X, y), num_epochs=2, lr=1e-2, batch_size=8, seed=1, progress=False, device="cpu")
    radkit.train.fit(split, (X, y), num_epochs=2, lr=1e-2, batch_size=8, seed=1, progress=False, device="cpu")
    torch.testing.assert_close(split.eval()(X), full.eval()(X), rtol=1e-5, atol=1e-5)
    per_epoch = fl.split_bytes_per_epoch(split, n_images=16, image_shape=(1, 32, 32))
    labels = 16 * 4
    assert split.wire["up"] + split.wire["down"] == 2 * (per_epoch - labels)
    assert split.wire["up"] == split.wire["down"]


def test_bytes_scale_split_with_data_fedavg_with_model():
    model = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    split = fl.split_model(model, cut=3)
    a = fl.split_bytes_per_epoch(split, n_images=100, image_shape=(1, 32, 32))
    assert fl.split_bytes_per_epoch(split, n_images=200, image_shape=(1, 32, 32)) == 2 * a
    f = fl.fedavg_bytes_per_round(model, n_clients=1)
    assert f == 2 * fl.state_bytes(model)
    assert fl.fedavg_bytes_per_round(model, n_clients=4) == 4 * f


def test_split_bad_input():
    model = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    with pytest.raises(ValueError, match="cut must be"):
        fl.split_model(model, cut=0)
    with pytest.raises(TypeError, match="SmallCNN"):
        fl.split_model(nn.Linear(2, 1), cut=1)
    with pytest.raises(ValueError, match="n_clients"):
        fl.fedavg_bytes_per_round(model, n_clients=0)
