"""Calibrate radkit.synth's default difficulty: train a CNN, print per-pathology test AUC.

CPU default (minutes on 2 cores):   python bench/synth_difficulty.py
GPU run of the brief:               python bench/synth_difficulty.py --n-train 20000 --n-test 5000 \
                                        --size 128 --model resnet18 --epochs 10

Uses radkit.train.fit / radkit.models.make_model when present, otherwise a
minimal AdamW loop. Prints device, sizes, timing and one AUC per pathology.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from radkit.synth import PATHOLOGIES, generate


def _fallback_fit(model, X, y, *, epochs, lr, batch_size, device, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    model.to(device).train()
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=g)
        for i in range(0, len(X), batch_size):
            b = perm[i : i + batch_size]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(X[b].to(device)), y[b].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()


def _fallback_predict(model, X, device, batch_size=256):
    model.eval()
    with torch.no_grad():
        return torch.cat(
            [torch.sigmoid(model(X[i : i + batch_size].to(device))).cpu() for i in range(0, len(X), batch_size)]
        ).numpy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-train", type=int, default=3000)
    ap.add_argument("--n-test", type=int, default=1500)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--model", default="smallcnn")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--difficulty", type=float, nargs="+", default=[1.0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    device = (
        torch.device(args.device)
        if args.device
        else (torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu"))
    )
    print(
        f"device={device} threads={torch.get_num_threads()} n_train={args.n_train} n_test={args.n_test} "
        f"size={args.size} model={args.model} epochs={args.epochs}"
    )
    try:
        from radkit.models import make_model
        from radkit.train import fit, predict
    except ImportError:
        make_model = fit = predict = None
    for diff in args.difficulty:
        t0 = time.time()
        train = generate(args.n_train, size=args.size, seed=args.seed, difficulty=diff, masks=False, device=device)
        test = generate(args.n_test, size=args.size, seed=args.seed + 1, difficulty=diff, masks=False, device=device)
        t_gen = time.time() - t0
        X, y = train.tensors()
        Xt, yt = test.tensors()
        t0 = time.time()
        if make_model is not None:
            model = make_model(args.model, num_classes=len(PATHOLOGIES), seed=args.seed)
            fit(
                model,
                (X, y),
                num_epochs=args.epochs,
                lr=args.lr,
                batch_size=args.batch_size,
                seed=args.seed,
                device=device,
                progress=False,
            )
            prob = predict(model, Xt, device=device)
        else:
            from torchvision.models import resnet18

            model = resnet18(num_classes=len(PATHOLOGIES))
            model.conv1 = torch.nn.Conv2d(1, 64, 7, 2, 3, bias=False)
            _fallback_fit(
                model, X, y, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, device=device, seed=args.seed
            )
            prob = _fallback_predict(model, Xt, device)
        t_fit = time.time() - t0
        aucs = {p: roc_auc_score(yt[:, j].numpy(), prob[:, j]) for j, p in enumerate(PATHOLOGIES)}
        print(
            f"difficulty={diff}: gen {t_gen:.1f}s, fit+predict {t_fit:.1f}s  "
            + "  ".join(f"{p}={a:.3f}" for p, a in aucs.items())
            + f"  mean={np.mean(list(aucs.values())):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
