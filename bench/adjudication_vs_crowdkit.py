"""Dawid-Skene speed and agreement: radkit.adjudication vs crowd-kit, on VinDr-CXR.

For every VinDr-CXR finding (15,000 images x 3 of 17 radiologists = 45,000
annotations each) this times ``radkit.adjudication.dawid_skene`` against
``crowdkit.aggregation.DawidSkene`` (median of several repeats), in two modes:

* ``same settings``: max_iter=100, tol=1e-6 for both, each with its own
  stopping rule (the number of iterations each ran is printed);
* ``fixed iterations`` (``--fixed-iter``, default 200): both forced to run
  exactly that many EM iterations (radkit ``tol=0``, crowd-kit ``tol=-inf``),
  which compares per-iteration cost and, since both start from the soft
  majority vote and reach the same optimum, the posteriors themselves.
  crowd-kit runs this once per finding (it takes minutes in all); radkit
  takes the median of the repeats.

It then prints Fleiss' kappa per finding with a bootstrap 95% interval.
crowd-kit is a test/bench-only peer; radkit never imports it.

Run: ``python bench/adjudication_vs_crowdkit.py [--repeats 5] [--n-boot 2000]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd
from _timing import timed  # bench/_timing.py (scripts run from bench/)

from radkit.adjudication import dawid_skene, fleiss_kappa


def load_vindr() -> pd.DataFrame:
    """Long table item, reader, finding, label of the real VinDr-CXR reads."""
    from radkit.public import vindr_reader_labels

    return vindr_reader_labels()


def cpu_info() -> str:
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{name}, {cores} usable cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--fixed-iter", type=int, default=200)
    args = parser.parse_args()
    fixed = args.fixed_iter

    import crowdkit
    import scipy
    from crowdkit.aggregation import DawidSkene

    print(
        f"CPU: {cpu_info()} | python {platform.python_version()} | numpy {np.__version__} | "
        f"scipy {scipy.__version__} | pandas {pd.__version__} | crowd-kit {crowdkit.__version__}"
    )
    t0 = time.perf_counter()
    data = load_vindr()
    print(
        f"VinDr-CXR long table: {len(data):,} rows, {data['item'].nunique():,} images, "
        f"{data['reader'].nunique()} readers ({time.perf_counter() - t0:.1f} s to load)\n"
    )

    rows = []
    for finding, sub in data.groupby("finding", observed=True, sort=True):
        table = sub[["item", "reader", "label"]].reset_index(drop=True)
        ck_table = table.rename(columns={"item": "task", "reader": "worker"}).astype({"worker": str, "label": int})
        t_rk, rk = timed(lambda: dawid_skene(table, max_iter=100, tol=1e-6), args.repeats)
        t_ck, ck = timed(lambda: DawidSkene(n_iter=100, tol=1e-6).fit(ck_table), args.repeats)
        f_rk, rk_f = timed(lambda: dawid_skene(table, max_iter=fixed, tol=0.0), args.repeats)
        f_ck, ck_f = timed(lambda: DawidSkene(n_iter=fixed, tol=-np.inf).fit(ck_table), 1)
        p_rk = rk_f.posteriors[1]
        p_ck = ck_f.probas_.reindex(p_rk.index)[1]
        p_ck_default = ck.probas_.reindex(rk.posteriors.index)[1]
        rows.append(
            {
                "finding": finding,
                "annotations": len(table),
                "positives": int(table["label"].sum()),
                "radkit_s": t_rk,
                "radkit_iter": rk.n_iter,
                "crowdkit_s": t_ck,
                "crowdkit_iter": len(ck.loss_history_),
                "ratio": t_ck / t_rk,
                f"radkit_{fixed}it_s": f_rk,
                f"crowdkit_{fixed}it_s": f_ck,
                f"ratio_{fixed}it": f_ck / f_rk,
                f"argmax_agree_{fixed}it": float(((p_rk > 0.5) == (p_ck > 0.5)).mean()),
                f"max_abs_diff_{fixed}it": float(np.abs(p_rk - p_ck).max()),
                "argmax_agree_own_stop": float(((rk.posteriors[1] > 0.5) == (p_ck_default > 0.5)).mean()),
                "ds_prevalence": float(rk.priors[1]),
            }
        )
    res = pd.DataFrame(rows).set_index("finding")
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.float_format", "{:.4g}".format):
        print(f"Dawid-Skene, median of {args.repeats} runs (seconds):")
        print(res)
    tot = res[["radkit_s", "crowdkit_s", f"radkit_{fixed}it_s", f"crowdkit_{fixed}it_s"]].sum()
    print(
        f"\nAll {len(res)} findings, same settings (max_iter=100, tol=1e-6): radkit "
        f"{tot['radkit_s']:.3f} s ({res['radkit_iter'].sum()} iterations) vs crowd-kit "
        f"{tot['crowdkit_s']:.3f} s ({res['crowdkit_iter'].sum()} iterations): "
        f"crowd-kit/radkit = {tot['crowdkit_s'] / tot['radkit_s']:.1f}x"
    )
    print(
        f"All findings, exactly {fixed} iterations each: radkit "
        f"{tot[f'radkit_{fixed}it_s']:.3f} s vs crowd-kit "
        f"{tot[f'crowdkit_{fixed}it_s']:.3f} s: crowd-kit/radkit = "
        f"{tot[f'crowdkit_{fixed}it_s'] / tot[f'radkit_{fixed}it_s']:.1f}x; "
        f"argmax agreement min {res[f'argmax_agree_{fixed}it'].min():.4%}, "
        f"max |posterior difference| {res[f'max_abs_diff_{fixed}it'].max():.2e}"
    )
    if (res["crowdkit_iter"] < res["radkit_iter"]).any():
        print(
            "Note: crowd-kit stops when its ELBO estimate fails to rise by tol; on this data it "
            "stops early on some findings, so the fixed-iteration comparison is the like-for-like one."
        )

    print(f"\nFleiss' kappa per finding (3 readers per image), bootstrap over images, n_boot={args.n_boot}, seed=0:")
    kap = []
    for finding, sub in data.groupby("finding", observed=True, sort=True):
        est = fleiss_kappa(sub[["item", "reader", "label"]], n_boot=args.n_boot, seed=0)
        kap.append(
            {
                "finding": finding,
                **est.as_dict(),
                "prevalence_any_reader": float(sub.groupby("item", observed=True)["label"].max().mean()),
            }
        )
    kap = pd.DataFrame(kap).set_index("finding").sort_values("estimate")
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(kap)


if __name__ == "__main__":
    main()
