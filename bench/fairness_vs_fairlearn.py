"""Group metrics on 1,000,000 rows with two sensitive features: radkit.fairness vs fairlearn.

Both compute, per group of sex x age band (8 groups), selection rate, sensitivity
(TPR), false-positive rate, PPV and NPV, plus the demographic-parity and
equalized-odds differences, on the same inputs in the same process; the script
checks the numbers agree, then prints the median of ``--repeat`` timings and the
ratio fairlearn / radkit. It also times radkit with 1,000 bootstrap replicates
(every measure and gap with an interval), which fairlearn's MetricFrame would
do by resampling all 1,000,000 rows 1,000 times.

    python bench/fairness_vs_fairlearn.py [--n 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import platform
import warnings

import numpy as np
import pandas as pd
from _timing import timed  # bench/_timing.py (scripts run from bench/)


def data(n: int, seed: int = 0):
    gen = np.random.default_rng(seed)
    sex = gen.choice(np.array(["F", "M"]), n)
    band = gen.choice(np.array(["18-39", "40-59", "60-79", "80+"]), n)
    base = 0.1 + 0.05 * (band == "60-79") + 0.1 * (band == "80+")
    y = (gen.random(n) < base).astype(np.int64)
    y_pred = (gen.random(n) < 0.2 + 0.5 * y).astype(np.int64)
    return y, y_pred, pd.DataFrame({"sex": sex, "age_band": band})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import fairlearn
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        equalized_odds_difference,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import precision_score

    from radkit.fairness import group_metrics

    y, p, sf = data(args.n)
    npv = lambda t, q: precision_score(1 - t, 1 - q, zero_division=np.nan)
    metrics = {
        "selection_rate": selection_rate,
        "sensitivity": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "ppv": functools.partial(precision_score, zero_division=np.nan),
        "npv": npv,
    }

    def theirs():
        mf = MetricFrame(metrics=metrics, y_true=y, y_pred=p, sensitive_features=sf)
        return (
            mf.by_group,
            demographic_parity_difference(y, p, sensitive_features=sf),
            equalized_odds_difference(y, p, sensitive_features=sf),
        )

    def ours(n_boot=0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return group_metrics(y, y_pred=p, groups=sf, n_boot=n_boot, seed=0, auc=False, calibration=False)

    def plain():  # a few lines of NumPy: the floor
        codes = pd.MultiIndex.from_frame(sf).codes
        g = codes[0] * 4 + codes[1]
        c = np.bincount(g * 4 + 2 * y + p, minlength=32).reshape(8, 4)
        return c[:, 3] / (c[:, 2] + c[:, 3]), c[:, 1] / (c[:, 0] + c[:, 1])

    ours()  # warm imports
    t_ours, gm = timed(ours, args.repeat)
    t_theirs, (by, dpd, eod) = timed(theirs, max(1, args.repeat // 2))
    t_plain, _ = timed(plain, args.repeat)
    t_boot, gmb = timed(lambda: ours(1000), max(1, args.repeat // 2))
    f = gm.to_frame()
    worst = max(float(np.max(np.abs(f[m].loc[by.index].to_numpy() - by[m].to_numpy()))) for m in metrics)
    worst = max(
        worst,
        abs(gm.gaps.loc["demographic_parity_difference", "estimate"] - dpd),
        abs(gm.gaps.loc["equalized_odds_difference", "estimate"] - eod),
    )
    print(
        f"rows {args.n:,}, groups {len(by)}, fairlearn {fairlearn.__version__}, "
        f"{platform.processor() or platform.machine()}"
    )
    print(f"largest difference radkit vs fairlearn: {worst:.2e}")
    print(f"plain NumPy bincount (2 measures):        {t_plain:8.3f} s")
    print(f"radkit group_metrics (9 measures + gaps): {t_ours:8.3f} s")
    print(f"fairlearn MetricFrame + 2 gap functions:  {t_theirs:8.3f} s")
    print(f"ratio fairlearn / radkit:                 {t_theirs / t_ours:8.1f}x")
    print(f"radkit with 1,000 bootstrap replicates:   {t_boot:8.3f} s (EOD {gmb.gap('equalized_odds_difference')})")


if __name__ == "__main__":
    main()
