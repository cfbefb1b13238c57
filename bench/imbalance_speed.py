"""Embedding extraction and SMOTE on the sizes of issue 15, each against a reference timed in the same run.

1. ``radkit.train.embed`` for N images at 64² (SmallCNN, batched, on the
   default device) against ``radkit.train.predict`` on the same images: the extra
   cost of reading the penultimate layer instead of the logits.
2. ``radkit.imbalance.resample(method="SMOTE")`` on N x 256 embeddings at 2%
   prevalence against imbalanced-learn's ``SMOTE().fit_resample`` called directly:
   the cost of radkit's input checks (the outputs must be identical).

    python bench/imbalance_speed.py [--n 20000] [--repeat 3]

Image content does not change the speed, so the images are uniform noise.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import torch
from _timing import timed  # bench/_timing.py (scripts run from bench/)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from imblearn.over_sampling import SMOTE

    import radkit
    from radkit import imbalance as imb
    from radkit.models import make_model
    from radkit.train import embed, predict

    dev = radkit.device()
    print(
        f"python {platform.python_version()} | torch {torch.__version__} | device {dev} | "
        f"threads {torch.get_num_threads()} | n = {args.n}"
    )
    x = torch.rand(args.n, 1, 64, 64, generator=torch.Generator().manual_seed(0))
    model = make_model("smallcnn", num_classes=1, seed=0).to(dev)
    t_emb, emb = timed(lambda: embed(model, x, batch_size=512), args.repeat)
    t_pred, _ = timed(lambda: predict(model, x, batch_size=512), args.repeat)
    print(
        f"embeddings {emb.shape}: {t_emb:.2f} s ({args.n / t_emb:,.0f} images/s); predict: {t_pred:.2f} s; "
        f"ratio {t_emb / t_pred:.2f}"
    )

    g = np.random.default_rng(0)
    y = (g.random(args.n) < 0.02).astype(int)
    X = g.normal(size=(args.n, 256)) + 0.5 * y[:, None]
    t_rk, (X_rk, y_rk) = timed(lambda: imb.resample(X, y, method="SMOTE", seed=0), args.repeat)
    t_ref, (X_ref, y_ref) = timed(lambda: SMOTE(random_state=0).fit_resample(X, y), args.repeat)
    same = np.array_equal(X_rk, X_ref) and np.array_equal(y_rk, y_ref)
    print(
        f"SMOTE {X.shape} -> {X_rk.shape}: radkit {t_rk:.2f} s, imbalanced-learn {t_ref:.2f} s, "
        f"ratio {t_rk / t_ref:.2f}, identical output: {same}"
    )


if __name__ == "__main__":
    main()
