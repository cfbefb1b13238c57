"""Split learning (Vepakomma 2018): the hospital holds the first layers, the server the rest.

Activations of the cut layer go up, their gradients come down; raw images and
the client's weights never leave the hospital. :class:`SplitModel` trains with
:func:`radkit.train.fit` like any model and counts what crosses the wire;
:func:`split_gradients` runs the two-party protocol explicitly (the server only
ever sees a detached tensor) so that a test can compare it with the unsplit model.
"""

from __future__ import annotations

import copy
import numbers

import torch
from torch import nn

__all__ = ["SplitModel", "split_model", "split_gradients", "split_bytes_per_epoch", "fedavg_bytes_per_round"]


class _Wire(torch.autograd.Function):
    """Identity that counts the bytes of activations (forward) and gradients (backward)."""

    @staticmethod
    def forward(ctx, x, counter):
        ctx.counter = counter
        counter["up"] += x.numel() * x.element_size()
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        ctx.counter["down"] += grad.numel() * grad.element_size()
        return grad, None


class SplitModel(nn.Module):
    """``server(wire(client(x)))``: a model cut in two, with a byte counter on the cut.

    Attributes
    ----------
    client, server : nn.Module
    wire : dict
        Bytes sent ``"up"`` (activations, client to server) and ``"down"`` (gradients)
        since the last :meth:`reset_wire`.
    """

    def __init__(self, client: nn.Module, server: nn.Module) -> None:
        super().__init__()
        self.client, self.server = client, server
        self.wire = {"up": 0, "down": 0}

    def reset_wire(self) -> None:
        self.wire = {"up": 0, "down": 0}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.client(x)
        if self.training and torch.is_grad_enabled():
            a = _Wire.apply(a, self.wire)
        return self.server(a)


def split_model(model: nn.Module, *, cut: int) -> SplitModel:
    """Cut a :class:`radkit.models.SmallCNN` (a copy) after ``cut`` modules of ``model.features``.

    Examples
    --------
    >>> import radkit.models
    >>> full = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> sm = split_model(full, cut=3)
    >>> x = torch.rand(2, 1, 32, 32)
    >>> bool(torch.allclose(sm.eval()(x), full.eval()(x)))
    True
    """
    feats = getattr(model, "features", None)
    if not isinstance(feats, nn.Sequential) or not hasattr(model, "head"):
        raise TypeError(
            "split_model cuts a radkit SmallCNN (features, pool, head); for another model build "
            "SplitModel(client_part, server_part) yourself."
        )
    if isinstance(cut, bool) or not isinstance(cut, numbers.Integral) or not 1 <= cut < len(feats):
        raise ValueError(
            f"cut must be a whole number from 1 to {len(feats) - 1} (modules of model.features "
            f"kept at the hospital), got {cut!r}."
        )
    m = copy.deepcopy(model)
    client = nn.Sequential(*list(m.features)[:cut])
    server = nn.Sequential(*list(m.features)[cut:], m.pool, nn.Flatten(1), m.head)
    out = SplitModel(client, server)
    out.radkit_in_channels = getattr(model, "radkit_in_channels", None)
    return out


def split_gradients(split: SplitModel, X: torch.Tensor, y: torch.Tensor, *, loss_fn=None) -> dict[str, torch.Tensor]:
    """One step of the two-party protocol; the parameter gradients both sides end up with.

    1. client: ``a = client(X)``, sends ``a`` (a copy, no graph);
    2. server: ``loss = loss_fn(server(a), y)``, backward, sends ``dL/da`` back;
    3. client: backward of ``a`` with the received gradient.

    Returns ``{name: grad}`` with the names of ``split.state_dict()`` (``client.*``, ``server.*``).
    """
    loss_fn = loss_fn or (lambda z, t: nn.functional.binary_cross_entropy_with_logits(z, t.reshape(z.shape)))
    split.zero_grad(set_to_none=True)
    a = split.client(X)  # at the hospital
    sent = a.detach().clone().requires_grad_(True)  # what crosses the wire
    loss = loss_fn(split.server(sent), y)  # at the server
    loss.backward()
    a.backward(sent.grad.detach().clone())  # the gradient comes back down
    return {n: p.grad.detach().clone() for n, p in split.named_parameters()}


def split_bytes_per_epoch(
    split: SplitModel, *, n_images: int, image_shape: tuple[int, ...], bytes_per_value: int = 4
) -> int:
    """Bytes one epoch of split learning sends for ``n_images``: activations up, gradients down, labels up.

    Examples
    --------
    >>> import radkit.models
    >>> sm = split_model(radkit.models.make_model("smallcnn", num_classes=1, seed=0), cut=3)
    >>> split_bytes_per_epoch(sm, n_images=10, image_shape=(1, 32, 32))  # 10 x (16x16x16 x 2 x 4 B + 4 B)
    327720
    """
    if isinstance(n_images, bool) or not isinstance(n_images, numbers.Integral) or n_images < 0:
        raise ValueError(f"n_images must be a whole number >= 0, got {n_images!r}.")
    with torch.no_grad():
        act = split.client.eval()(torch.zeros(1, *image_shape))
    per_image = act[0].numel() * bytes_per_value
    return n_images * (2 * per_image + bytes_per_value)


def fedavg_bytes_per_round(model: nn.Module, *, n_clients: int) -> int:
    """Bytes one FedAvg round sends: the model down to and back up from every client.

    Examples
    --------
    >>> fedavg_bytes_per_round(nn.Linear(10, 1), n_clients=3)  # 44 B x 2 x 3
    264
    """
    from radkit.federated.averaging import state_bytes

    if isinstance(n_clients, bool) or not isinstance(n_clients, numbers.Integral) or n_clients < 1:
        raise ValueError(f"n_clients must be a whole number >= 1, got {n_clients!r}.")
    return 2 * n_clients * state_bytes(model)
