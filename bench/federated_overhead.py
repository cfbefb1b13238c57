"""Orchestration overhead of a federated round: radkit fedavg (and Flower in-process) vs bare local training.

One FedAvg round on the notebook's four hospitals (quick sizes: 1,000 training images at 32 px, SmallCNN,
1 local epoch) against the same four local trainings called directly (``local_update`` on each client,
no copying, no averaging); the difference is what the federation adds (model copies, state dicts, the
weighted average). The Flower row runs the same round through Flower's ``ClientApp`` / ``ServerApp`` /
``FedAvg`` with every message serialised (``radkit.federated.flower.run_in_process``). Timings
alternate between the variants and the median of ``--repeat`` is printed.

    OMP_NUM_THREADS=1 python bench/federated_overhead.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import time

import torch

os.environ.setdefault("FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION", "1")


def main() -> None:
    import radkit
    from radkit import federated as fl
    from radkit.models import make_model

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    prof = radkit.setup(profile_name="quick", seed=0, verbose=False)
    clients = fl.make_clients(prof, n_train=1000, n_test=200, size=32)
    init = make_model("smallcnn", num_classes=1, seed=0)

    def bare():
        for i, c in enumerate(clients):
            fl.local_update(copy.deepcopy(init), c, local_epochs=1, lr=3e-3, batch_size=64, seed=fl.round_seed(0, 1, i))

    def fedavg():
        fl.fedavg(clients, init, rounds=1, seed=0)

    variants = {"local training only": bare, "radkit fedavg round": fedavg}
    try:
        from radkit.federated import flower

        def flower_round():
            capp = flower.client_app(clients, init, seed=0)
            sapp, res = flower.server_app(init, rounds=1, num_clients=len(clients))
            flower.run_in_process(sapp, capp, num_nodes=len(clients), result=res)

        variants["Flower round (in-process)"] = flower_round
    except ImportError:
        pass
    for fn in variants.values():  # warm-up
        fn()
    times = {k: [] for k in variants}
    for _ in range(args.repeat):
        for k, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    base = med["local training only"]
    print(
        f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, load {os.getloadavg()[0]:.1f}"
    )
    for k, v in med.items():
        print(f"{k:28s} median {v:.3f} s  ratio {v / base:.3f}  overhead {(v - base) / v:+.1%} of the round")


if __name__ == "__main__":
    main()
