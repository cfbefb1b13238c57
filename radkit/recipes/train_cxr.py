"""Train a chest X-ray classifier on one downloaded source: the kit's reference recipe.

::

    python -m radkit.recipes.train_cxr --source nih --root /data/nih --arch densenet121 --size 224 \\
        --epochs 20 --out runs/nih-densenet121
    python -m radkit.recipes.train_cxr ... --epochs 30 --resume    # go on from the last checkpoint in --out
    torchrun --nproc_per_node=4 -m radkit.recipes.train_cxr ...    # the same command on 4 GPUs
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 --rdzv-id=cxr \\
        -m radkit.recipes.train_cxr ...                             # two machines (run it on both)

Each step uses the kit's one home for it:

1. **Data** (:func:`radkit.data.real.real_lesson_data`): the source's frontal
   films, its labels mapped to the kit's findings by the one crosswalk
   (:mod:`radkit.findings`), one film per patient and a stratified
   patient-level train/test split; ``--val-fraction`` of the training
   patients is held out for validation. Films are decoded once, then streamed
   from the resize cache (``RADKIT_CACHE``).
2. **Model** (:func:`radkit.models.make_model`): DenseNet-121 or ResNet-50
   from torchvision with a one-channel stem, randomly initialised (nothing is
   downloaded). To start from ImageNet weights you downloaded yourself (e.g.
   torchvision's ``densenet121-a639ec97.pth`` or ``resnet50-0676ba61.pth``),
   pass ``--weights PATH``: see :func:`load_pretrained`.
3. **Training** (:func:`radkit.train.fit`, one call per epoch): AdamW with a
   cosine learning-rate decay, the kit's safe CXR augmentation
   (:data:`radkit.augmentation.SAFE_CXR`), bf16 autocast and channels-last on
   CUDA, DistributedDataParallel under ``torchrun`` (``--batch-size`` is the
   global batch). ``--sync-batchnorm`` takes BatchNorm statistics over the
   global batch (CUDA only; see ``fit``).
4. **Checkpoints** (:mod:`radkit.checkpoint`): ``OUT/epoch-NNN.pt`` after every
   epoch, with the history so far. No file is overwritten, and an ``--out``
   that holds checkpoints is an error unless ``--resume`` is given. ``fit``
   builds its optimizer afresh at each call, so the AdamW moments restart
   every epoch and a checkpoint holds no optimizer state: nothing is lost on
   resume, and a resumed run trains the very weights an uninterrupted run
   trains (the tests check it).
5. **Evaluation** (:func:`radkit.metrics.delong_auc`): the epoch with the
   lowest validation loss (the last epoch without validation), per-finding
   AUC with a DeLong 95% interval on the test split and, with
   ``--external-source``, on a second source's films (drawn the same way,
   every drawn film a test film; findings it lacks are left out).
6. **Report**: ``OUT/report.json`` with the settings, versions, device, the
   per-epoch losses, the chosen epoch, images and prevalence per split and the
   AUCs with their intervals.

Under ``torchrun`` every rank draws the same data (the draw is seeded), rank 0
alone reads and writes checkpoints (DDP copies rank 0's weights to the others)
and evaluates; the others wait for it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from radkit import distributed
from radkit.checkpoint import load_checkpoint, save_checkpoint
from radkit.config import REAL_SOURCES
from radkit.findings import FINDINGS, check_findings, source_findings

__all__ = ["main", "parse_args", "load_pretrained", "ARCHS", "SAME_ON_RESUME"]

#: Backbones: the two references, plus the small ones for a CPU try-out and the tests.
ARCHS = ("densenet121", "resnet50", "resnet18", "smallcnn")
#: Settings a ``--resume`` must repeat; the others (``--epochs``, ``--workers``, ``--sync-batchnorm``, the number
#: of GPUs) may change.
SAME_ON_RESUME = (
    "source",
    "findings",
    "arch",
    "size",
    "batch_size",
    "lr",
    "weight_decay",
    "seed",
    "n_train",
    "n_test",
    "val_fraction",
    "augment",
    "weights",
)
_CHECKPOINT = re.compile(r"^epoch-(\d+)\.pt$")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (``python -m radkit.recipes.train_cxr --help``)."""
    p = argparse.ArgumentParser(prog="python -m radkit.recipes.train_cxr", description=__doc__.splitlines()[0])
    p.add_argument("--source", required=True, choices=REAL_SOURCES, help="the source to train and test on")
    p.add_argument("--root", help="the source's folder (default $RADKIT_DATA/<source>)")
    p.add_argument(
        "--findings", default=",".join(FINDINGS), help="comma-separated kit findings (default: all five the source has)"
    )
    p.add_argument("--arch", default="densenet121", choices=ARCHS)
    p.add_argument("--size", type=int, default=224, help="image side in pixels (224 or more for real work)")
    p.add_argument("--epochs", type=int, default=20, help="total epochs (with --resume: counted from epoch 1)")
    p.add_argument("--batch-size", type=int, default=64, help="global batch, split over torchrun's ranks")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate of AdamW (cosine decay)")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--n-train", type=int, default=1_000_000, help="at most this many training patients")
    p.add_argument("--n-test", type=int, default=250_000, help="at most this many test patients")
    p.add_argument("--val-fraction", type=float, default=0.1, help="training patients held out for validation")
    p.add_argument("--no-augment", dest="augment", action="store_false", help="train without SAFE_CXR")
    p.add_argument("--sync-batchnorm", action="store_true", help="SyncBatchNorm under torchrun (CUDA only)")
    p.add_argument("--weights", help="ImageNet weights you downloaded (a torchvision .pth state_dict)")
    p.add_argument("--workers", type=int, default=4, help="DataLoader processes per rank")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--external-source", choices=REAL_SOURCES, help="a second source to test on (external validation)")
    p.add_argument("--external-root", help="its folder (default $RADKIT_DATA/<external source>)")
    p.add_argument("--out", required=True, help="folder for checkpoints and report.json")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    args = p.parse_args(argv)
    if args.size < 16 or args.epochs < 1 or not 0 <= args.val_fraction < 0.5:
        p.error("--size must be at least 16, --epochs at least 1 and --val-fraction in [0, 0.5).")
    wanted = check_findings([f.strip() for f in args.findings.split(",") if f.strip()])
    args.findings = [f for f in wanted if f in source_findings(args.source)]
    if not args.findings:
        p.error(f"{args.source} has none of the findings {', '.join(wanted)}.")
    if len(args.findings) < len(wanted):
        print(f"{args.source} lacks {', '.join(f for f in wanted if f not in args.findings)}: left out.")
    return args


def load_pretrained(model: torch.nn.Module, path: str | os.PathLike) -> int:
    """Load ImageNet weights (a torchvision ``state_dict`` file) into a one-channel kit model.

    The stem's three colour filters are summed into one grey filter (a grey
    image fed as R = G = B gives the same response); the classifier, whose
    shape differs, keeps its random weights; DenseNet's old key names
    (``norm.1``) are renamed as torchvision does. Returns the number of
    tensors loaded. Images stay in [0, 1] as the kit's loaders give them (no
    ImageNet mean and standard deviation); fine-tuning adapts the first
    BatchNorm layer to that.

    Examples
    --------
    >>> import tempfile, torch, radkit.models as M
    >>> path = tempfile.mkdtemp() + "/imagenet.pth"
    >>> rgb = M.make_model("resnet18", num_classes=1000, in_channels=3, seed=0)
    >>> torch.save(rgb.state_dict(), path)
    >>> grey = M.make_model("resnet18", num_classes=5, seed=1)
    >>> load_pretrained(grey, path) == len(grey.state_dict()) - 2  # all but the classifier's weight and bias
    True
    >>> torch.allclose(grey.conv1.weight, rgb.conv1.weight.sum(1, keepdim=True))
    True
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state)
    legacy = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.([12]\.\w+)$")  # norm.1.weight -> norm1.weight
    state = {legacy.sub(r"\1\2", k): v for k, v in state.items()}
    own = model.state_dict()
    usable = {}
    for key, value in state.items():
        if key not in own:
            continue
        if value.ndim == 4 and own[key].ndim == 4 and value.shape[1] == 3 and own[key].shape[1] == 1:
            value = value.sum(1, keepdim=True)  # colour stem -> grey stem
        if value.shape == own[key].shape:
            usable[key] = value
    if len(usable) < len(own) // 2:
        raise ValueError(
            f"{path}: only {len(usable)} of the model's {len(own)} tensors match; is it the "
            f"ImageNet state_dict of the same architecture?"
        )
    model.load_state_dict(usable, strict=False)
    return len(usable)


def _lr(args: argparse.Namespace, epoch: int) -> float:
    """Cosine decay from ``--lr`` over ``--epochs`` (epoch 1 trains at the full rate)."""
    return args.lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / args.epochs))


def _data(args: argparse.Namespace, ctx) -> dict:
    """Train / validation / test datasets and label tables (and the external source's on rank 0)."""
    from torch.utils.data import ConcatDataset, Subset

    from radkit.data.real import real_lesson_data
    from radkit.seeding import rng

    d = real_lesson_data(
        args.source,
        args.findings,
        n_train=args.n_train,
        n_test=args.n_test,
        size=args.size,
        seed=args.seed,
        root=args.root,
        verbose=False,
    )
    order = rng(args.seed).permutation(len(d.train))  # one film per patient: a patient-level hold-out
    n_val = round(args.val_fraction * len(d.train))
    parts = {"train": order[n_val:], "val": order[:n_val]}
    out = {
        name: (Subset(d.train.dataset(), idx.tolist()), d.train.labels.iloc[idx])
        for name, idx in parts.items()
        if len(idx)
    }
    out["test"] = (d.test.dataset(), d.test.labels)
    out["notes"] = list(d.notes)
    if args.external_source and ctx.main:
        found = [f for f in args.findings if f in source_findings(args.external_source)]
        e = real_lesson_data(
            args.external_source,
            found,
            n_train=args.n_train,
            n_test=args.n_test,
            size=args.size,
            seed=args.seed,
            root=args.external_root,
            verbose=False,
        )
        out[f"external:{args.external_source}"] = (
            ConcatDataset([e.train.dataset(), e.test.dataset()]),
            pd.concat([e.train.labels, e.test.labels]),
        )
        out["notes"] += [f"{args.external_source}: {note}" for note in e.notes]
    return out


def _aucs(model, dataset, labels: pd.DataFrame, findings: list[str], batch_size: int) -> dict:
    """Per-finding AUC with a DeLong 95% interval (NaN with a reason when a class has < 2 films).

    ``findings`` are the model's outputs in order; ``labels`` may hold fewer (an external source).
    """
    from radkit.metrics import delong_auc
    from radkit.train import predict

    scores = predict(model, dataset, batch_size=batch_size)
    out = {}
    for finding in labels.columns:
        y = labels[finding].to_numpy()
        r = delong_auc(y, scores[:, findings.index(finding)], too_few="nan")
        out[finding] = {
            "auc": r.auc,
            "low": r.low,
            "high": r.high,
            "level": r.level,
            "n": int(len(y)),
            "positives": int(np.nansum(y)),
            "method": r.method,
        }
    return out


def _describe(labels: pd.DataFrame) -> dict:
    return {"n": int(len(labels)), "prevalence": {f: float(labels[f].mean()) for f in labels.columns}}


def _last_checkpoint(out: Path) -> Path | None:
    found = sorted((int(m.group(1)), p) for p in out.glob("epoch-*.pt") if (m := _CHECKPOINT.match(p.name)))
    return found[-1][1] if found else None


def _resume(args: argparse.Namespace, model: torch.nn.Module, out: Path, config: dict) -> tuple[int, list]:
    """Rank 0: load the last checkpoint; returns (epochs done, history)."""
    last = _last_checkpoint(out)
    if not args.resume:
        if last is not None or (out / "report.json").exists():
            raise SystemExit(
                f"{out} already holds a run ({last.name if last else 'report.json'}). "
                "Pass --resume to continue it, or choose another --out: nothing is overwritten."
            )
        return 0, []
    if last is None:
        raise SystemExit(f"--resume: no epoch-NNN.pt checkpoint in {out}; start without --resume.")
    meta = load_checkpoint(model, last)
    saved = json.loads(meta["config"])
    changed = [k for k in SAME_ON_RESUME if saved.get(k) != config.get(k)]
    if changed:
        diff = ", ".join(f"{k}={config[k]!r} (checkpoint: {saved.get(k)!r})" for k in changed)
        raise SystemExit(
            f"--resume: settings differ from the run in {out}: {diff}. Repeat its settings, "
            "or start a new run in another --out."
        )
    print(f"resuming from {last} (epoch {meta['epoch']})")
    return int(meta["epoch"]), json.loads(meta["history"])


def _versions() -> dict:
    import torchvision

    import radkit

    return {
        "radkit": radkit.__version__,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _plain_json(value):
    """NaN (an AUC that cannot be estimated) as null, so that any JSON reader takes the report."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> dict | None:
    """Run the recipe; returns the report on rank 0 (None on the other ranks)."""
    from radkit.augmentation import SAFE_CXR, Augment
    from radkit.models import make_model
    from radkit.train import fit

    args = parse_args(argv)
    ctx = distributed.context()  # under torchrun: joins the process group (NCCL on GPUs, Gloo on the CPU)
    say = print if ctx.main else (lambda *a, **k: None)
    out = Path(args.out)
    config = {k: (",".join(v) if isinstance(v, list) else v) for k, v in vars(args).items()}
    model = make_model(args.arch, num_classes=len(args.findings), seed=args.seed)
    done, history = _resume(args, model, out, config) if ctx.main else (0, [])
    done, history = distributed.broadcast((done, history))  # DDP gives every rank rank 0's weights
    if args.weights and not done:
        say(f"loaded {load_pretrained(model, args.weights)} ImageNet tensors from {args.weights}")
    data = _data(args, ctx)
    (train_ds, train_y), test_y = data["train"], data["test"][1]
    val = data.get("val")
    say(
        f"{args.source}: {len(train_y)} train, {len(val[1]) if val else 0} validation, {len(test_y)} test films; "
        f"findings: {', '.join(args.findings)}"
    )
    for epoch in range(done + 1, args.epochs + 1):
        start = time.perf_counter()
        augment = Augment(SAFE_CXR, seed=distributed.rank_seed(args.seed + 1000 * epoch)) if args.augment else None
        h = fit(
            model,
            train_ds,
            val_data=val[0] if val else None,
            num_epochs=1,
            lr=_lr(args, epoch),
            batch_size=args.batch_size,
            weight_decay=args.weight_decay,
            augment=augment,
            seed=args.seed + epoch,
            num_workers=args.workers,
            sync_batchnorm=args.sync_batchnorm,
            progress=False,
        )
        seconds = time.perf_counter() - start  # training and validation
        history.append(
            {
                **h.rows[0],
                "epoch": epoch,
                "lr": _lr(args, epoch),
                "seconds": seconds,
                "images_per_second": len(train_y) / seconds,
            }
        )
        save_checkpoint(
            model,
            out / f"epoch-{epoch:03d}.pt",
            epoch=epoch,
            arch=args.arch,
            findings=list(args.findings),
            config=json.dumps(config),
            history=json.dumps(history),
        )
        say(" ".join(f"{k}={v:.4g}" for k, v in history[-1].items()), flush=True)
    if not ctx.main:
        return None
    if val:
        chosen, how = min(history, key=lambda r: r["val_loss"])["epoch"], "lowest validation loss"
    else:
        chosen, how = history[-1]["epoch"], "last epoch (no validation split)"
    load_checkpoint(model, out / f"epoch-{chosen:03d}.pt")
    dev = next(model.parameters()).device
    splits = {name: part[1] for name, part in data.items() if name != "notes"}
    report = _plain_json(
        {
            "recipe": "radkit.recipes.train_cxr",
            "config": config,
            "versions": _versions(),
            "device": {
                "type": dev.type,
                "world_size": ctx.world_size,
                "backend": ctx.backend,
                "name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.machine(),
            },
            "epochs": history,
            "chosen_epoch": chosen,
            "chosen_by": how,
            "splits": {name: _describe(labels) for name, labels in splits.items()},
            "auc": {
                name: _aucs(model, data[name][0], labels, args.findings, args.batch_size)
                for name, labels in splits.items()
                if name == "test" or name.startswith("external:")
            },
            "notes": data["notes"],
        }
    )
    path = out / "report.json"
    if path.exists():
        print(f"replacing {path} (--resume)")
    path.write_text(json.dumps(report, indent=1))
    for name, aucs in report["auc"].items():
        print(
            f"{name} (epoch {chosen}): "
            + ", ".join(
                f"{f} {a['auc']:.3f} [{a['low']:.3f}, {a['high']:.3f}]" if a["auc"] is not None else f"{f} n/a"
                for f, a in aucs.items()
            )
        )
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    main()
