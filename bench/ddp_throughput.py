"""Training under torchrun: the same `radkit.train.fit` call on 1 process and on N.

    python bench/ddp_throughput.py                               # reference: one process
    torchrun --nproc_per_node=2 bench/ddp_throughput.py          # 2 processes (Gloo on CPU, NCCL on GPUs)
    RADKIT_BENCH_MODEL=resnet18 RADKIT_BENCH_SIZE=224 torchrun --nproc_per_node=2 bench/ddp_throughput.py

Prints images/s of the whole job (rank 0). Run both lines in the same session and
divide: that ratio, with the device, goes in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import time

import torch

from radkit import distributed, models, synth, train


def main() -> None:
    ctx = distributed.context()
    size = int(os.environ.get("RADKIT_BENCH_SIZE", "64"))
    arch = os.environ.get("RADKIT_BENCH_MODEL", "smallcnn")
    n = int(os.environ.get("RADKIT_BENCH_N", "2048"))
    data = synth.generate(n, size=size, seed=0, masks=False, device="cpu")
    X, y = data.tensors()
    model = models.make_model(arch, num_classes=y.shape[1], seed=0)
    if ctx.backend == "nccl":
        device = torch.device("cuda", ctx.local_rank)
    else:
        device = torch.device("cpu")
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // ctx.world_size))
    train.fit(model, (X, y), num_epochs=1, lr=1e-3, batch_size=64, seed=0, device=device, progress=False)  # warm-up
    start = time.perf_counter()
    epochs = 2
    train.fit(model, (X, y), num_epochs=epochs, lr=1e-3, batch_size=64, seed=0, device=device, progress=False)
    secs = time.perf_counter() - start
    if ctx.main:
        print(
            f"{arch} {size}px, {ctx.world_size} process(es) [{ctx.backend or 'none'}], "
            f"{device.type}: {epochs * n / secs:.1f} images/s"
        )


if __name__ == "__main__":
    main()
