"""Pooled, local-only, FedAvg / FedProx / FedBN and fine-tuning, all through :func:`radkit.train.fit`."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from radkit._validate import check_count
from radkit.federated.averaging import is_bn_key, round_seed, state_bytes, weighted_average
from radkit.federated.clients import Client, check_clients, pooled

__all__ = [
    "FedRun",
    "local_update",
    "proximal_loss",
    "fedavg",
    "train_local",
    "train_pooled",
    "finetune",
    "evaluate",
    "bytes_to_target",
]


def proximal_loss(model: nn.Module, anchor: dict[str, torch.Tensor], mu: float):
    """BCE-with-logits plus FedProx's ``mu / 2 * ||w - w_global||^2`` over the trainable parameters.

    Examples
    --------
    >>> m = nn.Linear(2, 1)
    >>> _ = torch.nn.init.zeros_(m.bias)
    >>> anchor = {k: v.detach().clone() + 1 for k, v in m.named_parameters()}
    >>> loss = proximal_loss(m, anchor, mu=2.0)
    >>> x, y = torch.zeros(4, 2), torch.zeros(4, 1)
    >>> round(loss(m(x), y).item(), 4)  # log(2) + 2/2 * 3 parameters * 1^2
    3.6931
    """
    if not (isinstance(mu, (int, float)) and mu >= 0 and math.isfinite(mu)):
        raise ValueError(f"mu must be a finite number >= 0 (0 gives FedAvg), got {mu!r}.")
    params = [(p, anchor[k]) for k, p in model.named_parameters() if p.requires_grad]

    def loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target.reshape(logits.shape).to(logits.dtype)
        base = nn.functional.binary_cross_entropy_with_logits(logits, target)
        prox = sum(((p - a.to(p.device)) ** 2).sum() for p, a in params)
        return base + 0.5 * mu * prox

    return loss


def local_update(
    model: nn.Module,
    client: Client,
    *,
    local_epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    mu: float = 0.0,
    optimizer: str = "adamw",
    weight_decay: float = 0.0,
) -> nn.Module:
    """Train ``model`` in place on one client's data (FedProx term ``mu`` toward its starting weights).

    Examples
    --------
    >>> import radkit.models
    >>> c = Client("A", torch.rand(8, 1, 16, 16), torch.tensor([[0.], [1.]] * 4), torch.rand(2, 1, 16, 16),
    ...            torch.tensor([[0.], [1.]]))
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> _ = local_update(m, c, local_epochs=1, lr=0.01, batch_size=8, seed=0)
    """
    from radkit.train import fit

    loss = None  # FedAvg: fit's own loss; FedProx adds the proximal term to it
    if mu != 0:
        anchor = {k: p.detach().clone() for k, p in model.named_parameters()}
        loss = proximal_loss(model, anchor, mu)
    fit(
        model,
        (client.X, client.y),
        num_epochs=local_epochs,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        loss=loss,
        task="multilabel",
        optimizer=optimizer,
        weight_decay=weight_decay,
        device="cpu",
        progress=False,
    )
    return model


@dataclass
class FedRun:
    """What :func:`fedavg` returns.

    Attributes
    ----------
    model : nn.Module
        The global model after the last round.
    client_models : dict
        FedBN only: each client's model (global weights, its own BatchNorm layers).
    rows : list of dict
        One per round: ``round, clients, bytes_up, bytes_down, bytes_total`` (cumulative)
        and, with ``eval_every``, ``auc`` on all clients' test images.
    round_states : list of state dict
        With ``keep_states=True``: the global weights after each round.
    """

    model: nn.Module
    client_models: dict[str, nn.Module] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    round_states: list[dict[str, torch.Tensor]] = field(default_factory=list)

    def model_for(self, name: str) -> nn.Module:
        """The model client ``name`` uses: its FedBN model if there is one, else the global model."""
        return self.client_models.get(name, self.model)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows).set_index("round")


def fedavg(
    clients: list[Client],
    model: nn.Module,
    *,
    rounds: int,
    local_epochs: int = 1,
    fraction: float = 1.0,
    lr: float = 3e-3,
    batch_size: int = 64,
    mu: float = 0.0,
    local_bn: bool = False,
    optimizer: str = "adamw",
    seed: int,
    eval_every: bool = False,
    keep_states: bool = False,
    progress: bool = False,
) -> FedRun:
    """Federated averaging (McMahan 2017), with FedProx (``mu > 0``) and FedBN (``local_bn=True``).

    Each round the server samples ``max(1, round(C * K))`` of the ``K`` clients, sends them
    the global weights, each trains ``local_epochs`` epochs on its own images with
    :func:`radkit.train.fit`, and the server averages the returned weights, each client
    weighted by its number of images. ``model`` is the initial global model (copied, not changed).

    Parameters
    ----------
    clients : list of Client
    model : nn.Module
        Initial global model.
    rounds, local_epochs : int
        Communication rounds and local epochs E per round.
    fraction : float in (0, 1]
        C, the share of clients sampled per round.
    lr, batch_size, optimizer
        Local training (``radkit.train.fit``).
    mu : float
        FedProx proximal weight; 0 is FedAvg.
    local_bn : bool
        FedBN: BatchNorm weights and statistics never leave the client (not sent, not averaged).
    seed : int
        Client sampling and every local training (see :func:`round_seed`).
    eval_every : bool
        Record the AUC on all clients' test images after every round.
    keep_states : bool
        Keep a copy of the global weights after every round (``FedRun.round_states``).

    Examples
    --------
    >>> import radkit.models
    >>> c = [Client(n, torch.rand(8, 1, 16, 16), torch.tensor([[0.], [1.]] * 4), torch.rand(4, 1, 16, 16),
    ...             torch.tensor([[0.], [1.]] * 2)) for n in "AB"]
    >>> run = fedavg(c, radkit.models.make_model("smallcnn", num_classes=1, seed=0), rounds=2, seed=0)
    >>> run.to_frame()["clients"].tolist()
    [2, 2]
    """
    from tqdm.auto import tqdm

    from radkit.seeding import check_seed, rng

    clients = check_clients(clients)
    rounds, local_epochs, batch_size = (
        check_count(v, name)
        for name, v in (("rounds", rounds), ("local_epochs", local_epochs), ("batch_size", batch_size))
    )
    if not (isinstance(fraction, (int, float)) and 0 < fraction <= 1):
        raise ValueError(f"fraction C of clients per round must be in (0, 1] (1 = every client), got {fraction!r}.")
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}.")
    seed = check_seed(seed)
    global_model = copy.deepcopy(model).cpu()
    shared = [k for k in global_model.state_dict() if not (local_bn and is_bn_key(global_model, k))]
    local_states: dict[str, dict[str, torch.Tensor]] = {}
    gen = rng(seed)
    k = max(1, int(round(fraction * len(clients))))
    bytes_total, rows, kept = 0, [], []
    msg_bytes = state_bytes(global_model, keys=shared)
    for r in tqdm(range(1, rounds + 1), desc="rounds", disable=not progress):
        chosen = (
            sorted(gen.choice(len(clients), size=k, replace=False).tolist())
            if k < len(clients)
            else list(range(len(clients)))
        )
        states, weights = [], []
        for i in chosen:
            c = clients[i]
            local = copy.deepcopy(global_model)
            if c.name in local_states:
                local.load_state_dict(local_states[c.name], strict=False)
            local_update(
                local,
                c,
                local_epochs=local_epochs,
                lr=lr,
                batch_size=batch_size,
                seed=round_seed(seed, r, i),
                mu=mu,
                optimizer=optimizer,
            )
            state = local.state_dict()
            if local_bn:
                local_states[c.name] = {key: v.clone() for key, v in state.items() if key not in shared}
            states.append({key: state[key] for key in shared})
            weights.append(c.n)
        global_model.load_state_dict(weighted_average(states, weights), strict=False)
        bytes_total += 2 * msg_bytes * len(chosen)
        row = {
            "round": r,
            "clients": len(chosen),
            "bytes_up": msg_bytes * len(chosen),
            "bytes_down": msg_bytes * len(chosen),
            "bytes_total": bytes_total,
        }
        if eval_every:
            row["auc"] = _overall_auc(FedRun(global_model, _client_models(global_model, local_states)), clients)
        rows.append(row)
        if keep_states:
            kept.append(copy.deepcopy(global_model.state_dict()))
    return FedRun(global_model, _client_models(global_model, local_states), rows, kept)


def _client_models(global_model: nn.Module, local_states: dict) -> dict[str, nn.Module]:
    out = {}
    for name, st in local_states.items():
        m = copy.deepcopy(global_model)
        m.load_state_dict(st, strict=False)
        out[name] = m
    return out


def _scores(model: nn.Module, X: torch.Tensor) -> np.ndarray:
    from radkit.train import predict

    return predict(model, X, task="multilabel", device="cpu")[:, 0]


def _overall_auc(run: FedRun, clients: list[Client]) -> float:
    from sklearn.metrics import roc_auc_score

    y = np.concatenate([c.y_test[:, 0].numpy() for c in clients])
    p = np.concatenate([_scores(run.model_for(c.name), c.X_test) for c in clients])
    return float(roc_auc_score(y, p))


def train_local(
    clients: list[Client], model: nn.Module, *, num_epochs: int, lr: float = 3e-3, batch_size: int = 64, seed: int
) -> dict[str, nn.Module]:
    """Local-only: each hospital trains its own copy of ``model`` on its own images.

    The same number of epochs as the federation's rounds x local epochs is a fair comparison.
    """
    clients = check_clients(clients)
    out = {}
    for i, c in enumerate(clients):
        out[c.name] = local_update(
            copy.deepcopy(model).cpu(),
            c,
            local_epochs=num_epochs,
            lr=lr,
            batch_size=batch_size,
            seed=round_seed(seed, 0, i),
        )
    return out


def train_pooled(
    clients: list[Client], model: nn.Module, *, num_epochs: int, lr: float = 3e-3, batch_size: int = 64, seed: int
) -> nn.Module:
    """The ceiling the law forbids: one model trained on every hospital's images in one place."""
    return local_update(
        copy.deepcopy(model).cpu(),
        pooled(clients),
        local_epochs=num_epochs,
        lr=lr,
        batch_size=batch_size,
        seed=round_seed(seed, 0, 10_000),
    )


def finetune(
    model: nn.Module, clients: list[Client], *, num_epochs: int = 1, lr: float = 1e-3, batch_size: int = 64, seed: int
) -> dict[str, nn.Module]:
    """Personalization: each hospital fine-tunes its own copy of the global ``model`` on its own images."""
    clients = check_clients(clients)
    return {
        c.name: local_update(
            copy.deepcopy(model).cpu(),
            c,
            local_epochs=num_epochs,
            lr=lr,
            batch_size=batch_size,
            seed=round_seed(seed, 0, 20_000 + i),
        )
        for i, c in enumerate(clients)
    }


def evaluate(
    models: nn.Module | dict[str, nn.Module] | FedRun, clients: list[Client], *, name: str = "model"
) -> pd.DataFrame:
    """Test AUC of each client's model on that client's own test images, with a DeLong interval.

    ``models`` is one model for every client, a dict ``{client name: model}`` or a
    :class:`FedRun` (FedBN clients use their own BatchNorm). Rows: one per client and
    ``"all"`` (every client's test images, each scored by its model); columns those of
    :class:`radkit.stats.Estimate` plus ``strategy``.

    Examples
    --------
    >>> import radkit.models
    >>> c = [Client(n, torch.rand(8, 1, 16, 16), torch.tensor([[0.], [1.]] * 4), torch.rand(6, 1, 16, 16),
    ...             torch.tensor([[0.], [1.]] * 3)) for n in "AB"]
    >>> evaluate(radkit.models.make_model("smallcnn", num_classes=1, seed=0), c).index.tolist()
    ['A', 'B', 'all']
    """
    from radkit.metrics import delong_auc
    from radkit.stats import Estimate

    clients = check_clients(clients)
    pick = (
        models.model_for
        if isinstance(models, FedRun)
        else (lambda n: models[n])
        if isinstance(models, dict)
        else (lambda n: models)
    )
    rows, ys, ps = {}, [], []
    for c in clients:
        y, p = c.y_test[:, 0].numpy(), _scores(pick(c.name), c.X_test)
        ys.append(y)
        ps.append(p)
        rows[c.name] = _auc_estimate(y, p, delong_auc, Estimate)
    rows["all"] = _auc_estimate(np.concatenate(ys), np.concatenate(ps), delong_auc, Estimate)
    out = pd.DataFrame({k: v.as_dict() for k, v in rows.items()}).T
    out["strategy"] = name
    return out.astype({"estimate": float, "low": float, "high": float, "n": int})


def _auc_estimate(y, p, delong_auc, Estimate):
    d = delong_auc(y, p, too_few="nan")  # fewer than 2 of a class: NaN, and the method says why
    return Estimate(d.auc, d.low, d.high, level=0.95, method=d.method, n=len(y))


def bytes_to_target(run: FedRun, target: float) -> float:
    """Cumulative bytes sent when the recorded AUC first reaches ``target`` (inf if never).

    Needs a run made with ``eval_every=True``.
    """
    df = run.to_frame()
    if "auc" not in df:
        raise ValueError("this run has no per-round AUC; run fedavg(..., eval_every=True).")
    hit = df[df["auc"] >= target]
    return float(hit["bytes_total"].iloc[0]) if len(hit) else math.inf
