"""PGD speed: radkit.adversarial.pgd vs the peers' PGD on the same model, batch and settings.

The reference is ART (adversarial-robustness-toolbox, ``ProjectedGradientDescent`` with
``clip_values=(0, 1)``, no random start so that both produce the same images; the
script checks they agree) and, when it is installed, torchattacks' ``PGD`` (with the
same random start it also agrees; it is not installed by default because it pins
``requests ~= 2.25``). Timings alternate between the implementations; the median of
``--repeat`` runs and the ratio peer / radkit are printed (> 1: radkit is faster).

    python bench/adversarial_pgd.py [--n 256] [--size 64] [--steps 10] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
from torch import nn

from radkit import adversarial as adv
from radkit.models import make_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = make_model("smallcnn", num_classes=2, seed=0).to(dev).eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(args.n, 1, args.size, args.size, generator=gen).to(dev)
    y = (torch.arange(args.n) % 2).to(dev)
    eps, step = 4 / 255, 1 / 255

    def ours():
        return adv.pgd(
            model, x, y, eps=eps, steps=args.steps, step_size=step, random_start=False, batch_size=args.n, seed=0
        )

    runs = {"radkit": ours}
    from art.attacks.evasion import ProjectedGradientDescent
    from art.estimators.classification import PyTorchClassifier

    clf = PyTorchClassifier(
        model=model,
        loss=nn.CrossEntropyLoss(),
        input_shape=tuple(x.shape[1:]),
        nb_classes=2,
        clip_values=(0.0, 1.0),
        device_type=dev.type,
    )
    art_pgd = ProjectedGradientDescent(
        clf, eps=eps, eps_step=step, max_iter=args.steps, num_random_init=0, batch_size=args.n, verbose=False
    )
    x_np, y_np = x.cpu().numpy(), y.cpu().numpy()
    runs["ART"] = lambda: art_pgd.generate(x=x_np, y=y_np)
    try:
        import torchattacks

        ta = torchattacks.PGD(model, eps=eps, alpha=step, steps=args.steps, random_start=False)
        runs["torchattacks"] = lambda: ta(x, y)
    except ImportError:
        print("torchattacks not installed: its row is left out")

    ref = ours().cpu().numpy()

    def as_array(out) -> np.ndarray:
        return out.detach().cpu().numpy() if torch.is_tensor(out) else np.asarray(out)

    agree = {name: float(np.abs(as_array(f()) - ref).max()) for name, f in runs.items() if name != "radkit"}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat):
        for name, f in runs.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    med = {name: float(np.median(v)) for name, v in times.items()}
    print(
        f"device {dev.type} ({platform.processor() or platform.machine()}), torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}; batch {args.n}×1×{args.size}², {args.steps} steps"
    )
    for name, t in med.items():
        ratio = "" if name == "radkit" else f"  peer / radkit = {t / med['radkit']:.2f}  (max |Δ| {agree[name]:.1e})"
        print(f"{name:>12}: {t * 1000:8.1f} ms{ratio}")


if __name__ == "__main__":
    main()
