"""How fast is the report labeller? All 3,955 Indiana University reports on one CPU core.

    OMP_NUM_THREADS=1 python bench/report_labeler_speed.py [--repeat 5]

Target (issue 14): well under one second for the whole corpus on one core. Reports CPU time
(``time.process_time``, immune to other processes on a shared machine) and wall time, the best
of ``--repeat`` runs, and for reference the same corpus through a plain loop that applies the
keyword regex of each finding (no negation, no uncertainty) sentence by sentence, measured in
the same run, so the ratio says what the scopes cost.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _keyword_reference(texts, vocabulary):
    """The simplest labeller: per sentence, per finding, one regex search; any hit is a positive."""
    pats = {f: re.compile(r"\b(?:" + "|".join(v) + r")\b", re.I) for f, v in vocabulary.items()}
    out = []
    for text in texts:
        row = {}
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            for f, p in pats.items():
                if p.search(sentence):
                    row[f] = 1.0
        out.append(row)
    return out


def _best(fn, repeat):
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from radkit.annotation import label_reports, report_text
    from radkit.annotation.report_labeler import VOCABULARY
    from radkit.public import indiana_reports

    texts = report_text(indiana_reports()).tolist()
    label_reports(texts[:5])  # compile the rules once (cached), as any real use would
    cpu, wall = _best(lambda: label_reports(texts), args.repeat)
    ref_cpu, ref_wall = _best(lambda: _keyword_reference(texts, VOCABULARY), args.repeat)
    print(f"CPU: {platform.processor() or platform.machine()}, load average {os.getloadavg()[0]:.1f}")
    print(f"{len(texts)} reports, {sum(map(len, texts)) / 1e6:.2f} M characters")
    print(
        f"radkit label_reports (negation + uncertainty): {cpu:.3f} s CPU, {wall:.3f} s wall "
        f"({len(texts) / cpu:,.0f} reports/s)"
    )
    print(f"plain keyword loop (reference):                {ref_cpu:.3f} s CPU, {ref_wall:.3f} s wall")
    print(f"ratio radkit / keyword reference (CPU): {cpu / ref_cpu:.2f}")
    print("target < 1 s on one core:", "met" if cpu < 1.0 else "NOT met")


if __name__ == "__main__":
    main()
