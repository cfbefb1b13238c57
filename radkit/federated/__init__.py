"""Consideration 02, decentralized data sets: federated learning, personalization and split learning.

Hospitals cannot pool their images (GDPR, HIPAA); they can train together by
sending model weights (:func:`fedavg`, McMahan 2017; FedProx with ``mu``; FedBN
with ``local_bn``) or cut-layer activations (:mod:`radkit.federated.split`,
Vepakomma 2018). Every strategy trains through :func:`radkit.train.fit`.
:mod:`radkit.federated.flower` runs the same client code as a Flower app
(``pip install radkit[federated]``); radkit imports without Flower.

Examples
--------
>>> import radkit
>>> from radkit import federated as fl
>>> prof = radkit.setup(profile_name="quick", verbose=False)
>>> clients = fl.make_clients(prof, n_train=200, n_test=100, size=16)
>>> [c.name for c in clients]
['A', 'B', 'C', 'D']
"""

from radkit.federated.averaging import is_bn_key, round_seed, state_bytes, weighted_average
from radkit.federated.clients import (
    FEDERATED_SITES,
    Client,
    check_clients,
    describe,
    federated_sites,
    make_clients,
    pooled,
    source_clients,
)
from radkit.federated.split import (
    SplitModel,
    fedavg_bytes_per_round,
    split_bytes_per_epoch,
    split_gradients,
    split_model,
)
from radkit.federated.strategies import (
    FedRun,
    bytes_to_target,
    evaluate,
    fedavg,
    finetune,
    local_update,
    proximal_loss,
    train_local,
    train_pooled,
)

__all__ = [
    "FEDERATED_SITES",
    "Client",
    "FedRun",
    "SplitModel",
    "bytes_to_target",
    "check_clients",
    "describe",
    "evaluate",
    "fedavg",
    "fedavg_bytes_per_round",
    "federated_sites",
    "finetune",
    "is_bn_key",
    "local_update",
    "make_clients",
    "pooled",
    "proximal_loss",
    "round_seed",
    "source_clients",
    "split_bytes_per_epoch",
    "split_gradients",
    "split_model",
    "state_bytes",
    "train_local",
    "train_pooled",
    "weighted_average",
]
