"""Images/s of the reference recipe against the kit's plain ``fit`` on the same films, in one run.

    python bench/recipe_throughput.py                     # smallcnn at 32 px (the tests' size), CPU
    python bench/recipe_throughput.py --arch densenet121 --size 224 --films 2000   # on a GPU machine

Writes a fake NIH folder (real file names, synthetic pixels; radkit.devtools.fake_cxr) in a
temporary folder, then, alternating, three times each:

* the recipe (``radkit.recipes.train_cxr``): films streamed from the resize cache, SAFE_CXR
  augmentation, one ``fit`` call per epoch, a validation pass and a checkpoint per epoch;
* the recipe with ``--no-augment``;
* plain ``fit`` on the same training and validation films stacked into tensors in memory (no
  augmentation, no checkpoint).

Each figure is training films per CPU-second of one ``fit`` call (one epoch: training and
validation; the recipe's checkpoint and report are not counted), on one thread, epochs 2 and 3
(epoch 1 pays the decoding into the cache and first-call costs and is left out). CPU time, not
wall time, because the machine these figures come from is shared: wall times of one epoch varied
tenfold with the other jobs' load, CPU time much less. The recipe's own report gives wall-clock
images/s per epoch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="smallcnn")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--films", type=int, default=600, help="about this many films in the fake folder")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--repeats", type=int, default=3)
    opts = p.parse_args()

    from radkit import distributed, models, train
    from radkit.devtools.fake_cxr import write_fake_nih
    from radkit.recipes import train_cxr

    torch.set_num_threads(1)
    timed: list[float] = []
    plain_fit = train.fit

    def fit_timed(model, train_data, **kw):  # films per CPU-second of one fit call
        start = time.process_time()
        history = plain_fit(model, train_data, **kw)
        timed.append(
            len(train_data if not isinstance(train_data, tuple) else train_data[0]) / (time.process_time() - start)
        )
        return history

    train.fit = fit_timed  # the recipe imports radkit.train.fit when it runs

    tmp = Path(tempfile.mkdtemp())
    try:
        os.environ["RADKIT_CACHE"] = str(tmp / "cache")
        per = opts.films // 10
        write_fake_nih(tmp, per_finding=per, normal=opts.films - 5 * per, seed=0)
        common = [
            "--source",
            "nih",
            "--root",
            str(tmp / "nih"),
            "--arch",
            opts.arch,
            "--size",
            str(opts.size),
            "--batch-size",
            str(opts.batch_size),
            "--workers",
            "0",
            "--epochs",
            "3",
        ]
        args = train_cxr.parse_args([*common, "--out", str(tmp / "x")])
        data = train_cxr._data(args, distributed.context())

        def stacked(name):
            ds, labels = data[name]
            return torch.stack([ds[i][0] for i in range(len(ds))]), torch.tensor(labels.to_numpy(), dtype=torch.float32)

        (X, y), val = stacked("train"), stacked("val")
        rates: dict[str, list[float]] = {"recipe": [], "recipe --no-augment": [], "plain fit, tensors": []}
        for r in range(opts.repeats):
            for extra, key in (([], "recipe"), (["--no-augment"], "recipe --no-augment")):
                timed.clear()
                train_cxr.main([*common, *extra, "--out", str(tmp / f"run{r}{len(extra)}")])
                rates[key] += timed[1:]
            model = models.make_model(opts.arch, num_classes=y.shape[1], seed=0)
            timed.clear()
            for epoch in (1, 2, 3):
                fit_timed(
                    model,
                    (X, y),
                    val_data=val,
                    num_epochs=1,
                    lr=1e-3,
                    batch_size=opts.batch_size,
                    seed=epoch,
                    progress=False,
                )
            rates["plain fit, tensors"] += timed[1:]
    finally:
        shutil.rmtree(tmp)  # the fake folder, its cache and the checkpoints
    base = statistics.median(rates["plain fit, tensors"])
    print(
        f"{opts.arch} {opts.size}px, {len(X)} training films, batch {opts.batch_size}, "
        f"device {train.default_device()}, torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}"
    )
    for key, values in rates.items():
        med = statistics.median(values)
        print(
            f"{key:>20}: median {med:7.1f} images per CPU-second (range {min(values):.1f}-{max(values):.1f}, "
            f"{len(values)} epochs), ratio to plain fit {med / base:.2f}"
        )


if __name__ == "__main__":
    main()
