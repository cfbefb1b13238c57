"""Is augmentation ever the bottleneck? Cost of augmenting a batch vs one smallcnn training step.

    python bench/augment_cost.py [--size 64] [--batch 64] [--repeats 30] [--device cpu]

Both are timed in the same process, interleaved (augment, step, augment, step...),
so machine load hits both alike; the figure of merit is the ratio of the medians.
Target (issue 12): augmenting with the default policy costs < 25% of a training step
at 64² on the CPU. Record the printed line in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from radkit import models
from radkit.augmentation.transforms import SAFE_CXR, augment_batch, make_policy


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(args.batch, 1, args.size, args.size, generator=g).to(dev)
    y = (torch.rand(args.batch, 1, generator=g) < 0.2).float().to(dev)
    model = models.make_model("smallcnn", num_classes=1, seed=0).to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    policies = {"SAFE_CXR": SAFE_CXR, "SAFE_CXR + elastic": make_policy(SAFE_CXR, elastic=0.02)}

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(3):  # warm-up
        step()
        for pol in policies.values():
            augment_batch(x, policy=pol, seed=0)
    # on a shared CPU, process time (CPU seconds this process used) is steadier than wall time
    clock = time.process_time if (dev.type == "cpu" and args.threads == 1) else time.perf_counter
    times: dict[str, list[float]] = {"train step": [], **{k: [] for k in policies}}
    for r in range(args.repeats):
        for name in times:
            _sync(dev)
            t0 = clock()
            if name == "train step":
                step()
            else:
                augment_batch(x, policy=policies[name], seed=r)
            _sync(dev)
            times[name].append(clock() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"device {dev} ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads), "
        f"torch {torch.__version__}, batch {args.batch} x 1 x {args.size}², median of {args.repeats}, "
        f"{'process' if clock is time.process_time else 'wall'} time"
    )
    print(f"smallcnn training step: {med['train step'] * 1e3:.2f} ms")
    for name in policies:
        ratio = med[name] / med["train step"]
        verdict = "met" if ratio < 0.25 else "NOT met"
        print(f"augment_batch({name}): {med[name] * 1e3:.2f} ms = {ratio:.1%} of a step (target < 25%: {verdict})")


if __name__ == "__main__":
    main()
