"""Clinical validation (notebook 13): what each validation design costs, and two reference comparisons.

1. Harrell's optimism correction with 200 refits on 600 cases x 256 pooled pixels: radkit's closed-form
   ridge learner (``validation.ridge_learner``) against scikit-learn's ``LogisticRegression`` wrapped as a
   learner (the plain model most papers would refit), same bootstrap samples; prints both AUCs too.
2. The paired reader-study bootstrap (``validation.reader_study``: one multinomial weight matrix for
   all replicates) against a loop that resamples case indices and recomputes every reader's
   sensitivity and specificity, 1,000 replicates, 400 cases x 5 readers; the intervals must agree.

    OMP_NUM_THREADS=1 python bench/validation_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
from _timing import timed  # bench/_timing.py (scripts run from bench/)


def logistic_learner(X, y):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=0.01, max_iter=2000).fit(scaler.transform(X), y)
    return lambda Xn: model.predict_proba(scaler.transform(Xn))[:, 1]


def loop_reader_study(y, unaided, aided, n_boot, seed):
    gen = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        idx = gen.integers(0, len(y), len(y))
        yy, u, a = y[idx], unaided[idx], aided[idx]
        if yy.min() == yy.max():
            continue
        sens = lambda c: (c[yy == 1] == 1).mean(axis=0).mean()
        diffs.append(sens(a) - sens(u))
    return np.percentile(diffs, [2.5, 97.5])


def main() -> None:
    from radkit import synth
    from radkit import validation as val

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load {os.getloadavg()[0]:.1f}"
    )

    data = synth.generate(600, size=32, seed=0, masks=False, device="cpu")
    X, y = val.pool_pixels(data.images, factor=2), data.labels["effusion"].to_numpy()
    t_r, r = timed(
        lambda: val.optimism_corrected(val.ridge_learner(alpha=100.0), X, y, n_boot=200, seed=0), args.repeat
    )
    t_l, lr = timed(lambda: val.optimism_corrected(logistic_learner, X, y, n_boot=200, seed=0), args.repeat)
    print(
        f"Harrell, 200 refits: ridge {t_r:.2f} s (corrected AUC {r.estimate.estimate:.3f}, apparent "
        f"{r.apparent:.3f}); sklearn logistic {t_l:.2f} s (corrected {lr.estimate.estimate:.3f}, apparent "
        f"{lr.apparent:.3f}); ratio logistic / ridge {t_l / t_r:.1f}"
    )

    gen = np.random.default_rng(1)
    yy = (gen.random(400) < 0.2).astype(int)
    unaided = np.where(yy[:, None] == 1, gen.random((400, 5)) < 0.7, gen.random((400, 5)) < 0.1).astype(int)
    aided = np.where(gen.random((400, 5)) < 0.3, yy[:, None], unaided)
    t_v, rs = timed(lambda: val.reader_study(yy, unaided, aided, n_boot=1000, seed=0), args.repeat)
    t_o, ci = timed(lambda: loop_reader_study(yy, unaided, aided, 1000, 0), args.repeat)
    d = rs.difference("sensitivity")
    print(
        f"reader study, 1,000 replicates: radkit {t_v * 1e3:.0f} ms (sensitivity difference interval "
        f"{d.low:.3f} to {d.high:.3f}, and specificity too); loop {t_o * 1e3:.0f} ms (sensitivity only, "
        f"{ci[0]:.3f} to {ci[1]:.3f}); ratio loop / radkit {t_o / t_v:.1f}"
    )


if __name__ == "__main__":
    main()
