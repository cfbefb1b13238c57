"""Weighted averaging of client models and what it costs to send them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

__all__ = ["weighted_average", "state_bytes", "is_bn_key", "round_seed"]

State = Mapping[str, torch.Tensor]


def weighted_average(states: Sequence[State], weights: Sequence[float]) -> dict[str, torch.Tensor]:
    """Average client state dicts, each weighted by its share (FedAvg's server step).

    Floating-point entries are averaged as ``sum_k w_k * s_k / sum_k w_k``; integer
    buffers (BatchNorm's ``num_batches_tracked``) are taken from the heaviest client.

    Parameters
    ----------
    states : sequence of state dicts
        One per client, same keys and shapes.
    weights : sequence of float
        Non-negative, not all zero (usually the clients' numbers of images).

    Examples
    --------
    >>> a, b = {"w": torch.tensor([0.0, 2.0])}, {"w": torch.tensor([3.0, 5.0])}
    >>> weighted_average([a, b], [1, 2])["w"].tolist()
    [2.0, 4.0]
    """
    if not states:
        raise ValueError("weighted_average needs at least one client state dict.")
    if len(weights) != len(states):
        raise ValueError(f"{len(states)} state dicts but {len(weights)} weights; give one weight per client.")
    w = torch.as_tensor([float(v) for v in weights], dtype=torch.float64)
    if not torch.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be finite, >= 0 and not all 0 (client sizes), got {list(weights)}.")
    w = w / w.sum()
    for k, s in enumerate(states):  # one diverged client would turn the global model into NaN
        bad = [n for n, v in s.items() if torch.is_tensor(v) and v.is_floating_point() and not torch.isfinite(v).all()]
        if bad:
            raise ValueError(
                f"client {k}'s state holds NaN or infinite values in {bad[:3]}; its training diverged. "
                "Leave it out of this round (and lower its learning rate) rather than averaging it in."
            )
    keys = list(states[0])
    for k, s in enumerate(states[1:], start=1):
        if list(s) != keys:
            raise ValueError(
                f"client {k} has different parameter names from client 0 "
                f"({sorted(set(s) ^ set(keys))[:3]}...); all clients must train the same model."
            )
        for key in keys:
            if s[key].shape != states[0][key].shape:
                raise ValueError(
                    f"parameter {key!r}: client {k} has shape {tuple(s[key].shape)}, client 0 "
                    f"{tuple(states[0][key].shape)}; all clients must train the same architecture."
                )
    heaviest = int(torch.argmax(w))
    out: dict[str, torch.Tensor] = {}
    for key in keys:
        first = states[0][key]
        if torch.is_floating_point(first):
            acc = torch.zeros_like(first, dtype=torch.float64)
            for wk, s in zip(w, states):
                acc += wk * s[key].detach().to(torch.float64)
            out[key] = acc.to(first.dtype)
        else:
            out[key] = states[heaviest][key].detach().clone()
    return out


def state_bytes(model: nn.Module | State, *, keys: Sequence[str] | None = None) -> int:
    """Bytes of a model's state dict (parameters and buffers) as sent over the wire.

    Examples
    --------
    >>> state_bytes(nn.Linear(10, 1))  # 11 float32 numbers
    44
    """
    state = model.state_dict() if isinstance(model, nn.Module) else model
    chosen = state if keys is None else {k: state[k] for k in keys}
    return int(sum(t.numel() * t.element_size() for t in chosen.values()))


def is_bn_key(model: nn.Module, key: str) -> bool:
    """True when ``key`` of ``model.state_dict()`` belongs to a BatchNorm layer (FedBN keeps these local).

    Examples
    --------
    >>> m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    >>> [k for k in m.state_dict() if is_bn_key(m, k)][:2]
    ['1.weight', '1.bias']
    """
    owner = key.rsplit(".", 1)[0]
    module = dict(model.named_modules()).get(owner)
    return isinstance(module, nn.modules.batchnorm._BatchNorm)


def round_seed(seed: int, server_round: int, client: int) -> int:
    """The seed of one client's local training in one round (same in radkit and in Flower).

    Examples
    --------
    >>> round_seed(0, 1, 2) == round_seed(0, 1, 2) != round_seed(0, 2, 1)
    True
    """
    import numpy as np

    from radkit.seeding import check_seed

    ss = np.random.SeedSequence([check_seed(seed), int(server_round), int(client)])
    return int(ss.generate_state(1, dtype=np.uint32)[0] >> 1)
