"""Training throughput: a plain fp32 eager PyTorch loop vs radkit.train.fit.

Both loops train the same architecture on the same 1-channel synthetic
tensors, on the same device, in one run; the script prints images/s and the
ratio. On CUDA the defaults are the issue's targets (ResNet-18 at 224² with
batch 256, DenseNet-121 at 224² with batch 128). On a CPU it runs small sizes
so anyone can try it.

    python bench/train_throughput.py                 # sizes picked for the device
    python bench/train_throughput.py --compile       # radkit.fit with torch.compile (CUDA)
    python bench/train_throughput.py --size 64 --steps 5 --models smallcnn
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

import radkit
from radkit.models import make_model
from radkit.train import fit


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def plain_loop(name: str, x: torch.Tensor, y: torch.Tensor, *, batch: int, steps: int, dev: torch.device) -> float:
    """Baseline: fp32, eager, NCHW, data copied from host memory every step."""
    model = make_model(name, num_classes=y.shape[1], seed=0).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n = len(x)

    def step(i: int) -> None:
        idx = torch.arange(i * batch, (i + 1) * batch) % n
        xb, yb = x[idx].to(dev), y[idx].to(dev)
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()

    for i in range(2):  # warm-up
        step(i)
    _sync(dev)
    t = time.perf_counter()
    for i in range(steps):
        step(i)
    _sync(dev)
    return steps * batch / (time.perf_counter() - t)


def radkit_fit(
    name: str, x: torch.Tensor, y: torch.Tensor, *, batch: int, steps: int, dev: torch.device, compile: bool
) -> float:
    """radkit.train.fit over ``steps`` batches, after a warm-up epoch (compile, cudnn autotune)."""
    model = make_model(name, num_classes=y.shape[1], seed=0)
    n = steps * batch
    xs, ys = x[:n], y[:n]
    warm = (x[: 2 * batch], y[: 2 * batch])
    fit(model, warm, num_epochs=1, lr=1e-3, batch_size=batch, device=dev, compile=compile, progress=False, seed=0)
    _sync(dev)
    t = time.perf_counter()
    fit(model, (xs, ys), num_epochs=1, lr=1e-3, batch_size=batch, device=dev, compile=compile, progress=False, seed=0)
    _sync(dev)
    return n / (time.perf_counter() - t)


def main() -> None:
    dev = radkit.device()
    cuda = dev.type == "cuda"
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=["resnet18", "densenet121"] if cuda else ["smallcnn", "resnet18"])
    ap.add_argument("--size", type=int, default=224 if cuda else 64)
    ap.add_argument(
        "--batch", type=int, nargs="+", default=None, help="one per model (default 256/128 on CUDA, 64 on CPU)"
    )
    ap.add_argument("--steps", type=int, default=30 if cuda else 4)
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    default_batch = {"resnet18": 256, "densenet121": 128} if cuda else {}
    batches = args.batch or [default_batch.get(m, 64) for m in args.models]
    torch.backends.cudnn.benchmark = cuda

    cpu = f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    name = torch.cuda.get_device_name(dev) if cuda else cpu
    print(
        f"device: {name} | torch {torch.__version__} | size {args.size}² | steps {args.steps} | compile {args.compile}"
    )
    print(f"{'model':<12} {'batch':>5} {'plain img/s':>12} {'radkit img/s':>13} {'ratio':>6}")
    for model_name, batch in zip(args.models, batches):
        n = (args.steps + 2) * batch
        g = torch.Generator().manual_seed(0)
        x = torch.rand(n, 1, args.size, args.size, generator=g)
        y = (torch.rand(n, 4, generator=g) < 0.3).float()
        base = plain_loop(model_name, x, y, batch=batch, steps=args.steps, dev=dev)
        fast = radkit_fit(model_name, x, y, batch=batch, steps=args.steps, dev=dev, compile=args.compile)
        print(f"{model_name:<12} {batch:>5} {base:>12.1f} {fast:>13.1f} {fast / base:>6.2f}")


if __name__ == "__main__":
    main()
