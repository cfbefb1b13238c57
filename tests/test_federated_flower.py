"""The Flower apps (real ClientApp / ServerApp / FedAvg strategy, in-process Grid) equal radkit's FedAvg."""

from __future__ import annotations

import os

import pytest
import torch

import radkit.models
from radkit import federated as fl

os.environ.setdefault("FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION", "1")
pytest.importorskip("flwr")
from radkit.federated import flower


def _clients():
    g = torch.Generator().manual_seed(0)
    return [
        fl.Client(
            n,
            torch.rand(k, 1, 16, 16, generator=g),
            torch.tensor([[0.0], [1.0]] * (k // 2)),
            torch.rand(8, 1, 16, 16, generator=g),
            torch.tensor([[0.0], [1.0]] * 4),
        )
        for n, k in (("A", 24), ("B", 40))
    ]


# Flower averages in float32 (NumPy), radkit in float64: the rounding (~1e-7) is all that differs.
# Plain SGD carries it through the next round unchanged; AdamW divides by sqrt(v) and magnifies it
# where gradients are tiny, hence the wider tolerance for AdamW.
@pytest.mark.parametrize("optimizer,lr,tol", [("sgd", 0.05, 1e-6), ("adamw", 3e-3, 1e-4)])
def test_flower_two_rounds_equal_radkit_fedavg(optimizer, lr, tol):
    cs, init = _clients(), radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    capp = flower.client_app(cs, init, local_epochs=1, batch_size=8, lr=lr, seed=3, optimizer=optimizer)
    sapp, res = flower.server_app(init, rounds=2, num_clients=2, evaluate=True)
    flower.run_in_process(sapp, capp, num_nodes=2, result=res)
    run = fl.fedavg(
        cs, init, rounds=2, local_epochs=1, batch_size=8, lr=lr, seed=3, optimizer=optimizer, keep_states=True
    )
    run_states = run.round_states
    ref = run.model.state_dict()
    got = res.model(init).state_dict()
    diff = max(float((got[k] - ref[k]).abs().max()) for k in ref if torch.is_floating_point(ref[k]))
    assert diff <= tol
    first = max(
        float((res.round_states[0][k] - run_states[0][k]).abs().max()) for k in ref if torch.is_floating_point(ref[k])
    )
    assert first <= 1e-6  # round 1: float32 vs float64 averaging only
    assert len(res.round_states) == 2
    moved = max(float((ref[k] - init.state_dict()[k]).abs().max()) for k in ref if torch.is_floating_point(ref[k]))
    assert moved > 1e-3  # the comparison is not between two untrained models
    assert set(res.evaluate_metrics) == {1, 2} and 0 <= res.evaluate_metrics[2]["auc"] <= 1
    assert res.bytes_sent > 4 * fl.state_bytes(init)  # 2 rounds x 2 clients x (down + up), at least


def test_flower_bad_input():
    init = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    with pytest.raises(ValueError, match="rounds"):
        flower.server_app(init, rounds=0, num_clients=2)
    with pytest.raises(ValueError, match="num_nodes"):
        flower.run_in_process(None, None, num_nodes=0)
