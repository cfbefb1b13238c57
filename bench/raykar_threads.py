"""Raykar's EM with BLAS limited to one thread (what radkit does) vs the BLAS default.

``radkit.adjudication.raykar`` fits a ~10-feature logistic regression with
L-BFGS-B in every EM iteration. On these tiny problems a multithreaded BLAS
only adds thread hand-offs; on a busy 2-core machine it made each fit about
20x slower. radkit therefore wraps the EM loop in
``threadpoolctl.threadpool_limits(1, user_api="blas")``. This script times the
same fits, in one process, with the default thread pool (the limit lifted to
the machine's core count around the inner loop) and with radkit's single
thread, on a panel like notebook 04's (5 readers, 10 image features).

Run: ``python bench/raykar_threads.py [--n 750] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits

from radkit import adjudication
from radkit.synth import simulate_readers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=750, help="items (images)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    gen = np.random.default_rng(0)
    y = (gen.random(args.n) < 0.15).astype(int)
    X = pd.DataFrame(gen.normal(size=(args.n, 10)) + y[:, None] * 0.5)
    reads = simulate_readers(
        y, sensitivity=[0.95, 0.80, 0.65, 0.60, 0.55], specificity=[0.97, 0.90, 0.80, 0.70, 0.65], seed=1
    ).labels
    cores = os.cpu_count() or 1

    def timed(threads: int) -> tuple[float, adjudication.RaykarResult]:
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            # radkit's own limit (1 thread) sits inside raykar; for the default case we patch it out
            if threads == 1:
                res = adjudication.raykar(reads, X)
            else:
                original = adjudication.threadpool_limits
                adjudication.threadpool_limits = lambda *a, **k: threadpool_limits(threads, user_api="blas")
                try:
                    res = adjudication.raykar(reads, X)
                finally:
                    adjudication.threadpool_limits = original
            times.append(time.perf_counter() - t)
        return float(np.median(times)), res

    default_s, res_default = timed(cores)
    single_s, res_single = timed(1)
    same = np.allclose(res_default.posteriors.to_numpy(), res_single.posteriors.to_numpy(), atol=1e-6)
    blas = ", ".join(sorted({f"{d['internal_api']} {d['version']}" for d in threadpool_info()}))
    print(
        f"{platform.processor() or platform.machine()}, {cores} cores, load average "
        f"{os.getloadavg()[0]:.1f}; BLAS: {blas}"
    )
    print(f"raykar, {args.n} items x 5 readers, 10 features, median of {args.repeats}:")
    print(f"  BLAS with {cores} threads: {default_s:.3f} s ({res_default.n_iter} EM iterations)")
    print(
        f"  BLAS with 1 thread (radkit): {single_s:.3f} s; ratio {default_s / single_s:.1f}x; same posteriors: {same}"
    )


if __name__ == "__main__":
    main()
