"""How far two CPU ranks without SyncBatchNorm drift from one process: smallcnn, the same fit call.

    python bench/recipe_syncbn_cpu.py            # runs the one-process fits, then torchrun with 2 Gloo ranks

Under torchrun, ``fit`` gives each rank its slice of every global batch in the
single-process order, so a model *without* BatchNorm trains the same weights
on two ranks as in one process (up to the order of floating-point sums). The
kit's models use BatchNorm: each rank normalises its own half of the batch, and
the weights part. PyTorch's SyncBatchNorm, which would remove the difference,
runs only on CUDA (``fit(sync_batchnorm=True)``), so on the CPU this script
measures the difference itself, with a BatchNorm-free copy of smallcnn
(``nn.Identity`` for each BatchNorm) as the control. Prints, per model, the
largest absolute weight difference, the L2 distance ``||w2 - w1||`` over all
learned weights and the relative distance ``||w2 - w1|| / ||w1||``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from torch import nn

from radkit import distributed, models, synth, train

N, SIZE, EPOCHS, BATCH, LR = 512, 64, 3, 32, 1e-3


def _model(kind: str) -> nn.Module:
    m = models.make_model("smallcnn", num_classes=5, seed=0)
    if kind == "no-batchnorm":
        for i, layer in enumerate(m.features):
            if isinstance(layer, nn.BatchNorm2d):
                m.features[i] = nn.Identity()
    return m


def _train(kind: str) -> nn.Module:
    X, y = synth.generate(N, size=SIZE, seed=0, masks=False, device="cpu").tensors()
    m = _model(kind)
    train.fit(m, (X, y), num_epochs=EPOCHS, lr=LR, batch_size=BATCH, seed=0, device="cpu", progress=False)
    return m


def _distance(a: dict, b: dict) -> tuple[float, float, float]:
    keys = [k for k, v in a.items() if v.is_floating_point() and "running" not in k]  # learned weights only
    diff = torch.cat([(a[k] - b[k]).flatten() for k in keys])
    ref = torch.cat([a[k].flatten() for k in keys])
    return float(diff.abs().max()), float(diff.norm()), float(diff.norm() / ref.norm())


def main() -> None:
    if len(sys.argv) > 1:  # a torchrun rank: train both kinds and let rank 0 save them
        out = Path(sys.argv[1])
        torch.set_num_threads(1)
        for kind in ("batchnorm", "no-batchnorm"):
            m = _train(kind)
            if distributed.is_main():
                torch.save(m.state_dict(), out / f"{kind}.pt")
        return
    torch.set_num_threads(1)
    one = {kind: _train(kind).state_dict() for kind in ("batchnorm", "no-batchnorm")}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", __file__, tmp],
            check=True,
            env=env,
        )
        two = {kind: torch.load(Path(tmp) / f"{kind}.pt", weights_only=True) for kind in one}
    print(
        f"smallcnn, {N} synthetic films at {SIZE}², {EPOCHS} epochs, global batch {BATCH}, AdamW lr {LR:g}, "
        f"torch {torch.__version__}"
    )
    for kind in one:
        largest, norm, relative = _distance(one[kind], two[kind])
        print(
            f"{kind:>13}: 1 process vs 2 Gloo ranks: largest |dw| = {largest:.3g}, ||dw|| = {norm:.3g}, "
            f"||dw|| / ||w|| = {relative:.3g}"
        )


if __name__ == "__main__":
    main()
