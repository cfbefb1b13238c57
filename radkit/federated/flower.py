"""The same client code as a Flower app: one ``ClientApp`` per hospital, a ``ServerApp`` running FedAvg.

Needs ``pip install "radkit[federated]"`` (Flower, ``flwr``). Each hospital's
``ClientApp`` trains with :func:`radkit.federated.local_update` (so with
:func:`radkit.train.fit`) on its own images and replies with its weights and its
number of images; the ``ServerApp`` runs Flower's own ``FedAvg`` strategy.

:func:`run_in_process` delivers the apps' messages inside one Python process
(every message is serialised to Flower's wire format and back), so the lesson
and the tests run the real Flower apps without a SuperLink; a consortium runs
the same two apps with ``flower-superlink`` / ``flower-supernode``, as ``make flower-check``
(:mod:`radkit.federated.deploy`) does on localhost and checks against this module.
Flower's ``run_simulation`` would need Ray, which radkit does not require.
"""

from __future__ import annotations

import copy
import itertools
import numbers
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn

from radkit.federated.averaging import round_seed
from radkit.federated.clients import Client, check_clients
from radkit.federated.strategies import local_update

__all__ = ["require_flower", "client_app", "server_app", "run_in_process", "FlowerResult"]

os.environ.setdefault("FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION", "1")  # never let flwr reinstall torch


def require_flower():
    """Import ``flwr`` or say how to install it."""
    try:
        import flwr
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError('Flower is not installed: pip install "radkit[federated]" (or pip install flwr).') from None
    return flwr


def client_app(
    clients: list[Client],
    model: nn.Module,
    *,
    local_epochs: int = 1,
    lr: float = 3e-3,
    batch_size: int = 64,
    seed: int,
    optimizer: str = "adamw",
):
    """A Flower ``ClientApp``; node ``partition-id`` = i trains on ``clients[i]``.

    In a real consortium each hospital runs its own SuperNode with
    ``--node-config "partition-id=i"`` and loads only its own images; here the
    list stands for the hospitals' disks.
    """
    require_flower()
    from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
    from flwr.clientapp import ClientApp

    clients = check_clients(clients)
    template = copy.deepcopy(model).cpu()
    app = ClientApp()

    def _local(msg: Message, context: Context) -> tuple[nn.Module, Client, int]:
        i = int(context.node_config["partition-id"])
        local = copy.deepcopy(template)
        local.load_state_dict(msg.content["arrays"].to_torch_state_dict())
        return local, clients[i], i

    @app.train()
    def train(msg: Message, context: Context) -> Message:
        local, c, i = _local(msg, context)
        server_round = int(msg.content["config"]["server-round"])
        local_update(
            local,
            c,
            local_epochs=local_epochs,
            lr=lr,
            batch_size=batch_size,
            seed=round_seed(seed, server_round, i),
            optimizer=optimizer,
        )
        reply = RecordDict({"arrays": ArrayRecord(local.state_dict()), "metrics": MetricRecord({"num-examples": c.n})})
        return Message(content=reply, reply_to=msg)

    @app.evaluate()
    def evaluate(msg: Message, context: Context) -> Message:
        from radkit.federated.strategies import evaluate as _evaluate

        local, c, _ = _local(msg, context)
        auc = float(_evaluate(local, [c]).loc[c.name, "estimate"])
        return Message(
            content=RecordDict({"metrics": MetricRecord({"auc": auc, "num-examples": len(c.X_test)})}), reply_to=msg
        )

    return app


@dataclass
class FlowerResult:
    """What the ``ServerApp`` of :func:`server_app` leaves behind.

    ``state_dict`` holds the final global weights, ``round_states`` the global weights after each
    round (recorded by the strategy's server-side evaluation hook), ``evaluate_metrics`` the clients'
    evaluation per round and ``bytes_sent`` the serialised size of every message.
    """

    state_dict: dict[str, torch.Tensor] | None = None
    evaluate_metrics: dict[int, dict[str, float]] = field(default_factory=dict)
    bytes_sent: int = 0
    round_states: list[dict[str, torch.Tensor]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The clients' evaluation per round: one row per round, one column per metric."""
        return pd.DataFrame.from_dict(self.evaluate_metrics, orient="index").rename_axis("round").sort_index()

    def model(self, template: nn.Module) -> nn.Module:
        """A copy of ``template`` holding the final global weights."""
        if self.state_dict is None:
            raise RuntimeError("the ServerApp has not run yet; call run_in_process(...) (or deploy it) first.")
        m = copy.deepcopy(template)
        m.load_state_dict(self.state_dict)
        return m


def server_app(model: nn.Module, *, rounds: int, num_clients: int, evaluate: bool = False):
    """A Flower ``ServerApp`` running Flower's ``FedAvg`` (every client, weighted by ``num-examples``).

    Returns ``(app, result)``; ``result`` (a :class:`FlowerResult`) is filled when the app has run.
    """
    require_flower()
    from flwr.app import ArrayRecord, ConfigRecord, Context
    from flwr.serverapp import Grid, ServerApp
    from flwr.serverapp.strategy import FedAvg

    if isinstance(rounds, bool) or not isinstance(rounds, numbers.Integral) or rounds < 1:
        raise ValueError(f"rounds must be a whole number >= 1, got {rounds!r}.")
    if isinstance(num_clients, bool) or not isinstance(num_clients, numbers.Integral) or num_clients < 1:
        raise ValueError(f"num_clients must be a whole number >= 1, got {num_clients!r}.")
    initial = ArrayRecord(copy.deepcopy(model).cpu().state_dict())
    result = FlowerResult()
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        strategy = FedAvg(
            fraction_train=1.0,
            fraction_evaluate=1.0 if evaluate else 0.0,
            min_train_nodes=num_clients,
            min_evaluate_nodes=num_clients if evaluate else 0,
            min_available_nodes=num_clients,
        )

        def record(server_round: int, arrays: ArrayRecord) -> None:
            if server_round > 0:
                result.round_states.append(arrays.to_torch_state_dict())

        out = strategy.start(
            grid=grid, initial_arrays=initial, train_config=ConfigRecord(), num_rounds=rounds, evaluate_fn=record
        )
        result.state_dict = out.arrays.to_torch_state_dict()
        result.evaluate_metrics = {r: dict(m) for r, m in out.evaluate_metrics_clientapp.items()}

    return app, result


_SERVER_NODE, _FIRST_CLIENT_NODE = 1, 101


def _grid_class():
    from flwr.app import Message, RecordDict
    from flwr.common.serde import message_from_proto, message_to_proto
    from flwr.serverapp import Grid
    from flwr.supercore.run import Run

    class LocalGrid(Grid):
        """A Grid that hands each message to the destination's ClientApp in this process."""

        def __init__(self, clientapp, num_nodes: int) -> None:
            from flwr.app import Context

            self._app = clientapp
            self._run = Run.create_empty(run_id=1)
            cfg = lambda i: {"partition-id": i, "num-partitions": num_nodes}
            self._contexts = {
                _FIRST_CLIENT_NODE + i: Context(
                    run_id=1, node_id=_FIRST_CLIENT_NODE + i, state=RecordDict(), run_config={}, node_config=cfg(i)
                )
                for i in range(num_nodes)
            }
            self._ids = itertools.count(1)
            self._replies: dict[str, Message] = {}
            self.bytes_sent = 0

        def set_run(self, run) -> None:
            self._run = run

        @property
        def run(self):
            return self._run

        def create_message(self, content, message_type, dst_node_id, group_id, ttl=None):
            return Message(content, dst_node_id, message_type, ttl=ttl, group_id=group_id)

        def get_node_ids(self) -> Iterable[int]:
            return list(self._contexts)

        def _wire(self, msg: Message) -> Message:
            proto = message_to_proto(msg)
            self.bytes_sent += proto.ByteSize()
            return message_from_proto(proto)

        def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
            ids = []
            for msg in messages:
                mid = f"m{next(self._ids)}"
                msg.metadata.__dict__["_message_id"] = mid
                received = self._wire(msg)
                received.metadata.__dict__["_message_id"] = mid
                reply = self._app(received, self._contexts[msg.metadata.dst_node_id])
                self._replies[mid] = self._wire(reply)
                ids.append(mid)
            return ids

        def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
            return [self._replies.pop(m) for m in message_ids if m in self._replies]

        def send_and_receive(self, messages: Iterable[Message], *, timeout: float | None = None):
            return self.pull_messages(self.push_messages(messages))

    return LocalGrid


def run_in_process(server, client, *, num_nodes: int, result: FlowerResult | None = None) -> FlowerResult | None:
    """Run a Flower ``ServerApp`` with ``num_nodes`` ``ClientApp`` nodes in this process (no SuperLink, no Ray).

    Every message goes through Flower's protobuf serialisation both ways; the bytes
    are added to ``result.bytes_sent`` when ``result`` is given.
    """
    require_flower()
    import logging

    from flwr.app import Context, RecordDict

    if isinstance(num_nodes, bool) or not isinstance(num_nodes, numbers.Integral) or num_nodes < 1:
        raise ValueError(f"num_nodes must be a whole number >= 1, got {num_nodes!r}.")
    from flwr.supercore.task_identity import TaskIdentity

    grid = _grid_class()(client, num_nodes)
    flwr_logger = logging.getLogger("flwr")
    level = flwr_logger.level
    flwr_logger.setLevel(logging.ERROR)  # Flower logs every round at INFO (and warns that evaluation is off)
    saved = (TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id)
    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 1, _SERVER_NODE, 1  # as a SuperLink would
    try:
        server(grid, Context(run_id=1, node_id=_SERVER_NODE, node_config={}, state=RecordDict(), run_config={}))
    finally:
        flwr_logger.setLevel(level)
        TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id = saved
    if result is not None:
        result.bytes_sent = grid.bytes_sent
    return result
