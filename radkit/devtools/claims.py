"""``make claims``: run every lesson and worked solution under fresh seeds, with its time and memory.

A claim that holds for one seed is an anecdote, and a claim checked only on the
seeds it was written against may be fitted to them. This runs each notebook once
per seed (``RADKIT_SEED``), in a fresh kernel and from an in-memory copy (the
committed notebook is never written), then asks the kernel what it used
(``resource.getrusage``: CPU time of the kernel and its children; the kernel's
peak resident memory, from ``/proc/self/status`` on Linux) and which named
claims (:func:`radkit.claims.claim`) it checked. It prints:

* one line per run: pass, or the claim that failed; wall time, CPU time, peak memory;
* a table notebook x seed -> pass / FAIL;
* a table of time and memory per notebook against the profile's budget
  (quick: 60 s wall; standard: 600 CPU-s and 3 GB peak memory; CONVENTIONS.md);
* per claim id, its margins over seeds: mean, smallest, standard deviation, and
  whether the mean lies at least three standard deviations above zero;
* what the output check (:mod:`radkit.devtools.outputs`) finds in each executed
  notebook: a warning by default, a failure with ``--strict-outputs``.

Seeds: without ``--seeds``, fresh ones are drawn on every run (ten in quick, two
in the other profiles) and printed, so that a failure can be repeated with
``--seeds`` (``SEEDS="..." make claims``). Measurements are appended to
``radkit/_measured.json`` (:mod:`radkit._measured`; ``--no-record`` to skip).

Smoke (``--smoke``, or ``RADKIT_SMOKE=1`` in the environment; ``make smoke``): every notebook
runs once, in the given profile's image size, architecture and code path but on capped data
(:meth:`radkit.config.Profile.smoke_caps`), with no budget; the code cells of its ``## Claims``
section are not executed (each is replaced by a line saying so) and :func:`radkit.claims.claim`
records its claims as "not checked (smoke)". Such runs are recorded under ``<profile>+smoke``,
so they never pass for the profile's own time. A smoke run proves the code path, not the claims.

Exit status: 1 if a claim failed (or, with ``--strict-outputs``, the output check found a
problem); otherwise 2 if a notebook went over its budget
(0 with ``--budget-warn-only``); otherwise 0. ``OMP_NUM_THREADS=1 make claims``
repeats it on one thread, which changes trained weights the way another CPU would.

    python -m radkit.devtools.claims notebooks/*.ipynb solutions/*.ipynb
    python -m radkit.devtools.claims notebooks/07_performance_measures.ipynb --profile standard --seeds 0 1
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Run",
    "run_one",
    "over_budget",
    "margin_summary",
    "fresh_seeds",
    "claims_cells",
    "BUDGETS",
    "SMOKE_SKIPPED",
    "main",
]

#: Per-profile budgets (CONVENTIONS.md): ``wall_s`` and ``cpu_s`` in seconds, ``rss_mb`` in MiB.
BUDGETS: dict[str, dict[str, float]] = {
    "quick": {"wall_s": 60.0},
    "standard": {"cpu_s": 600.0, "rss_mb": 3072.0},
    "full": {},
}
_UNITS = {"wall_s": ("wall", "s"), "cpu_s": ("CPU", "s"), "rss_mb": ("peak memory", "MB")}

#: What a skipped Claims cell prints in a smoke run (its source is replaced by a print of this line).
SMOKE_SKIPPED = "Claims not checked (smoke): RADKIT_SMOKE=1 skipped this cell; a smoke run proves the code path only."
_FROM_PROFILE = object()  # a budget option not given: the profile's default
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MARK = "__radkit_probe__"
# Run in the kernel after the notebook: what the kernel used, and the claims it checked.
_PROBE = f"""\
def __radkit_probe():
    import json, resource, sys
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    per_mb = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    peak = me.ru_maxrss / per_mb
    try:  # Linux: ru_maxrss keeps the launching process's peak across exec; VmHWM is this process's own
        with open("/proc/self/status") as fh:
            peak = next(int(ln.split()[1]) / 1024 for ln in fh if ln.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        pass
    claims = sys.modules.get("radkit.claims")
    print({_MARK!r} + json.dumps({{
        "cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
        "rss_mb": peak, "rss_children_mb": kids.ru_maxrss / per_mb,
        "claims": list(getattr(claims, "RECORDS", [])) if claims else []}}, default=str))
__radkit_probe()
del __radkit_probe
"""


@dataclass
class Run:
    """One notebook run: outcome, resources and the named claims it checked.

    ``rss_mb`` is the peak resident memory of the kernel process (Linux: ``VmHWM``,
    the process's own high-water mark; elsewhere ``ru_maxrss``, which on Linux would
    also count the launching process's peak, carried across ``exec``). The budget
    applies to it. ``rss_children_mb`` is the largest ``ru_maxrss`` of the kernel's
    finished children (data-loader workers, for instance), for information: a forked
    child counts the pages it shares with the kernel. ``cpu_s`` adds the kernel's
    and its children's user and system time. They are None when the kernel could
    not be asked (it died, for instance).
    """

    notebook: str
    seed: int
    profile: str
    passed: bool
    message: str
    wall_s: float
    cpu_s: float | None = None
    rss_mb: float | None = None
    rss_children_mb: float | None = None
    claims: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # the output check's problems, one line each
    smoke: bool = False  # a smoke run (capped data, Claims cells skipped)
    skipped: list[int] = field(default_factory=list)  # indices of the Claims cells a smoke run did not execute

    def as_record(self) -> dict[str, Any]:
        """The dict stored in ``radkit/_measured.json``."""
        return {
            "seed": self.seed,
            "passed": self.passed,
            "wall_s": round(self.wall_s, 1),
            "cpu_s": None if self.cpu_s is None else round(self.cpu_s, 1),
            "rss_mb": None if self.rss_mb is None else round(self.rss_mb, 1),
            "rss_children_mb": None if self.rss_children_mb is None else round(self.rss_children_mb, 1),
            "threads": os.environ.get("OMP_NUM_THREADS", "default"),
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d %H:%M"),
        }


def _failure(err: Exception) -> str:
    """One line that names the failing claim: the source line IPython's traceback points at, and the error."""
    text = _ANSI.sub("", str(err))
    ename = getattr(err, "ename", type(err).__name__)
    evalue = _ANSI.sub("", getattr(err, "evalue", "") or "")
    lines = text.splitlines()
    # the first frame is the notebook cell ("Cell In[n], line k"); IPython marks its failing line "---> k"
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("Cell In[")), 0)
    where = next((ln.strip() for ln in lines[start:] if re.match(r"\s*-+>\s*\d+", ln)), "")
    where = re.sub(r"^-+>\s*\d+\s*", "", where)
    if ename == "AssertionError" and evalue.startswith("claim "):  # radkit.claims.claim: its message says it all
        return evalue if len(evalue) <= 600 else evalue[:597] + "..."
    msg = f"{ename}: {evalue}".strip().rstrip(":")
    out = f"{where}  ->  {msg}" if where else msg
    return out if len(out) <= 600 else out[:597] + "..."


def claims_cells(nb: Any) -> list[int]:
    """Indices of the code cells of the ``## Claims`` section: after its heading, up to the next heading.

    The section is found as :mod:`radkit.devtools.nblint` finds it: a markdown cell
    with a heading that starts with "Claims"; it ends at the next markdown cell with
    a heading. A notebook without a Claims section has none.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "x = 1"},
    ...                 {"cell_type": "markdown", "source": "## Claims"},
    ...                 {"cell_type": "code", "source": "assert x == 1"},
    ...                 {"cell_type": "markdown", "source": "## Summary"},
    ...                 {"cell_type": "code", "source": "print(x)"}]}
    >>> claims_cells(nb)
    [2]
    """
    from radkit.devtools.nblint import _headings, _source

    out: list[int] = []
    inside = False
    for i, cell in enumerate(nb.get("cells", []) if isinstance(nb, dict) else nb.cells):
        if cell.get("cell_type") == "markdown":
            heads = _headings(_source(cell))
            if heads:  # a heading starts or ends the section
                inside = any(t.strip().lower().startswith("claims") for _, t in heads)
        elif inside and cell.get("cell_type") == "code":
            out.append(i)
    return out


def _probe(client: Any) -> dict[str, Any] | None:
    """Execute the probe cell in the notebook's kernel; its JSON, or None if the kernel cannot answer."""
    import nbformat

    cell = nbformat.v4.new_code_cell(_PROBE)
    client.nb.cells.append(cell)
    timeout, client.timeout = client.timeout, 60
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1)
    except Exception:  # a dead or hung kernel: no measurement rather than no report
        return None
    finally:
        client.timeout = timeout
    for out in cell.get("outputs", []):
        text = out.get("text", "") if out.get("output_type") == "stream" else ""
        if _MARK in text:
            return json.loads(text.split(_MARK, 1)[1].splitlines()[0])
    return None


def _output_problems(nb: Any) -> list[str]:
    """The output check's problems in the executed notebook (one line each); a crash of the check is one line."""
    try:
        from radkit.devtools.outputs import check

        return [str(p) for p in check(nb)]
    except Exception as err:  # the check must never cost the run its report
        return [f"the output check could not run: {type(err).__name__}: {err}"]


def run_one(path: str | Path, *, seed: int, profile: str = "quick", timeout: int = 1800, smoke: bool = False) -> Run:
    """Execute one notebook with ``RADKIT_SEED=seed`` in ``profile``; return its :class:`Run`.

    The message is ``"pass"`` or one line naming what failed: the source line of the
    failing statement and the error (for :func:`radkit.claims.claim`, ``claim C3 failed: ...``).
    With ``smoke=True`` the kernel runs under ``RADKIT_SMOKE=1`` and the code cells of the
    Claims section (:func:`claims_cells`) print :data:`SMOKE_SKIPPED` instead of running.
    The kernel is told the notebook's path (``JPY_SESSION_NAME``, as JupyterLab does), so
    that :func:`radkit.setup` can announce its measured time.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    skipped = claims_cells(nb) if smoke else []
    for i in skipped:  # the in-memory copy only; the committed notebook is never written
        nb.cells[i].source = f"print({SMOKE_SKIPPED!r})"
    env_before = {
        k: os.environ.get(k)
        for k in ("RADKIT_SEED", "RADKIT_PROFILE", "MPLBACKEND", "RADKIT_SMOKE", "JPY_SESSION_NAME")
    }
    os.environ.update(
        RADKIT_SEED=str(seed),
        RADKIT_PROFILE=profile,
        MPLBACKEND="Agg",
        RADKIT_SMOKE="1" if smoke else "0",
        JPY_SESSION_NAME=str(path.resolve()),
    )
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    passed, message, probe, dead = True, "pass", None, False
    start = time.perf_counter()
    try:
        with client.setup_kernel():
            try:
                for index, cell in enumerate(nb.cells):
                    began = time.perf_counter()
                    client.execute_cell(cell, index)
                    took = time.perf_counter() - began
                    if smoke and took >= 10:  # where a smoke run spends its time (or hangs): cell by cell
                        print(f"    {path.name} cell {index}: {took:.0f} s", file=sys.stderr, flush=True)
            except (CellExecutionError, CellTimeoutError) as err:
                passed, message = False, _failure(err)
            except DeadKernelError as err:
                passed, message, dead = False, f"the kernel died ({err}); out of memory?", True
            wall = time.perf_counter() - start
            found_outputs = _output_problems(nb)
            if not dead:
                probe = _probe(client)
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if passed and smoke:
        message = f"pass (smoke: {len(skipped)} Claims cell(s) skipped, claims not checked)"
    run = Run(str(path), int(seed), profile, passed, message, wall, outputs=found_outputs, smoke=smoke, skipped=skipped)
    if probe is not None:
        run.cpu_s = float(probe["cpu_s"])
        run.rss_mb = float(probe["rss_mb"])
        run.rss_children_mb = float(probe["rss_children_mb"])
        run.claims = list(probe.get("claims", []))
    return run


def over_budget(run: Run, budget: dict[str, float]) -> list[str]:
    """What ``run`` exceeded in ``budget`` (keys ``wall_s``, ``cpu_s``, ``rss_mb``), e.g. ``['wall 75 s > 60 s']``.

    Examples
    --------
    >>> r = Run("nb.ipynb", 0, "quick", True, "pass", wall_s=75.0, cpu_s=90.0, rss_mb=800.0)
    >>> over_budget(r, {"wall_s": 60.0, "rss_mb": 3072.0})
    ['wall 75 s > 60 s']
    """
    out = []
    for key, limit in budget.items():
        value = getattr(run, key)
        if limit is not None and value is not None and value > limit:
            what, unit = _UNITS[key]
            out.append(f"{what} {value:.0f} {unit} > {limit:.0f} {unit}")
    return out


def margin_summary(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per claim (notebook, id): its margins over seeds summarised, with issue 30's three-sigma rule.

    ``records`` holds one dict per claim and run with ``notebook``, ``id``, ``passed`` and
    ``margin`` (None for a claim without value and bar). Returned per claim: ``runs``,
    ``passed`` (count), ``mean`` and ``smallest`` margin, ``sd`` (sample standard deviation,
    NaN with fewer than two margins), and ``three_sd``: True when the mean margin is at
    least three standard deviations above zero, False when not, None when it cannot be
    judged (fewer than two margins).

    Examples
    --------
    >>> recs = [{"notebook": "a", "id": "C1", "passed": True, "margin": m} for m in (0.10, 0.12, 0.08)]
    >>> s = margin_summary(recs)[0]
    >>> s["id"], s["runs"], round(s["mean"], 3), s["smallest"], round(s["sd"], 3), s["three_sd"]
    ('C1', 3, 0.1, 0.08, 0.02, True)
    """
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in records:
        groups.setdefault((str(rec["notebook"]), str(rec["id"])), []).append(rec)
    out = []
    for (notebook, cid), recs in groups.items():
        margins = [float(r["margin"]) for r in recs if r.get("margin") is not None]
        finite = [m for m in margins if math.isfinite(m)]
        mean = statistics.fmean(finite) if finite else float("nan")
        sd = statistics.stdev(finite) if len(finite) >= 2 else float("nan")
        if len(margins) != len(finite):  # a NaN margin (value undefined) fails the rule outright
            three_sd: bool | None = False
        elif len(finite) < 2:
            three_sd = None
        else:
            three_sd = bool(mean > 0 and mean >= 3 * sd)
        out.append(
            {
                "notebook": notebook,
                "id": cid,
                "runs": len(recs),
                "passed": sum(bool(r.get("passed")) for r in recs),
                "mean": mean,
                "smallest": min(margins) if margins else float("nan"),
                "sd": sd,
                "three_sd": three_sd,
            }
        )
    return out


def fresh_seeds(n: int) -> list[int]:
    """``n`` distinct seeds below 100000, drawn from the operating system's randomness and the clock.

    Examples
    --------
    >>> s = fresh_seeds(10)
    >>> len(set(s)) == 10 and all(0 <= x < 100_000 for x in s)
    True
    """
    rng = random.Random(int.from_bytes(os.urandom(8), "big") ^ time.time_ns())
    return sorted(rng.sample(range(100_000), n))


def _budget_value(text: str) -> float | None:
    """A budget from the command line: a number, ``none``, or memory with a unit (``3GB``, ``500MB``)."""
    t = text.strip().lower()
    if t in ("none", "off", ""):
        return None
    scale = 1.0
    for suffix, factor in (("gb", 1024.0), ("g", 1024.0), ("mb", 1.0), ("m", 1.0), ("s", 1.0)):
        if t.endswith(suffix):
            t, scale = t[: -len(suffix)], factor
            break
    try:
        value = float(t) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a number (seconds, or MB for memory; '3GB' works), or 'none' for no budget."
        ) from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a budget must be > 0 (or 'none').")
    return value


def _num(x: float | None, fmt: str = ".0f") -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _span(values: list[float | None], fmt: str = ".0f") -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "—"
    lo, hi = min(vals), max(vals)
    return _num(lo, fmt) if format(lo, fmt) == format(hi, fmt) else f"{_num(lo, fmt)}–{_num(hi, fmt)}"


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.claims", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=None,
        help="seeds to run (default: fresh ones, ten in quick, two otherwise)",
    )
    parser.add_argument("--n-seeds", type=int, default=None, help="how many fresh seeds to draw")
    parser.add_argument("--profile", default="quick", choices=sorted(BUDGETS))
    parser.add_argument("--budget-wall", type=_budget_value, default=_FROM_PROFILE, metavar="SECONDS")
    parser.add_argument("--budget-cpu", type=_budget_value, default=_FROM_PROFILE, metavar="SECONDS")
    parser.add_argument(
        "--budget-rss",
        type=_budget_value,
        default=_FROM_PROFILE,
        metavar="MB",
        help="peak memory in MB, or with a unit: 3GB",
    )
    parser.add_argument(
        "--budget-warn-only", action="store_true", help="report notebooks over budget but do not fail the run for it"
    )
    parser.add_argument("--record", type=Path, default=None, help="measurements file (default radkit/_measured.json)")
    parser.add_argument("--no-record", action="store_true", help="do not write the measurements")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument(
        "--smoke",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="smoke run: capped data, one seed, no budget, Claims cells skipped (default: on when RADKIT_SMOKE=1)",
    )
    parser.add_argument(
        "--strict-outputs",
        action="store_true",
        help="fail the run when the output check finds a problem (default: report it only)",
    )
    args = parser.parse_args(argv)
    if args.smoke is None:
        from radkit.config import smoke as smoke_switch

        args.smoke = smoke_switch()

    budget = {} if args.smoke else dict(BUDGETS[args.profile])  # a smoke run times the code path, not the lesson
    for key, given in (("wall_s", args.budget_wall), ("cpu_s", args.budget_cpu), ("rss_mb", args.budget_rss)):
        if given is not _FROM_PROFILE:
            budget[key] = given
    budget = {k: v for k, v in budget.items() if v is not None}
    if args.seeds is None:
        n = args.n_seeds if args.n_seeds is not None else (1 if args.smoke else 10 if args.profile == "quick" else 2)
        if n < 1:
            parser.error(f"--n-seeds must be >= 1, got {n}.")
        seeds = fresh_seeds(n)
        again = f'SEEDS="{" ".join(map(str, seeds))}"' + (
            f" RADKIT_PROFILE={args.profile}" if args.profile != "quick" else ""
        )
        target = "smoke" if args.smoke else "claims"
        print(f"claims: fresh seeds {' '.join(map(str, seeds))}; repeat a failure with `make {target} {again}`")
    else:
        seeds = list(args.seeds)
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    shown = ", ".join(f"{_UNITS[k][0]} {v:.0f} {_UNITS[k][1]}" for k, v in budget.items()) or "none"
    print(f"claims: profile {args.profile}, seeds {seeds}, OMP_NUM_THREADS={threads}, budget {shown}", flush=True)
    if args.smoke:
        print(
            "claims: SMOKE run (RADKIT_SMOKE=1): capped data, Claims cells skipped, claims not checked "
            f"(recorded as profile {args.profile}+smoke)",
            flush=True,
        )
    if not args.no_record:
        from radkit import _measured

    runs: list[Run] = []
    shown_outputs: dict[str, set[str]] = {}
    for path in args.notebooks:
        for seed in seeds:
            run = run_one(path, seed=seed, profile=args.profile, timeout=args.timeout, smoke=args.smoke)
            runs.append(run)
            over = over_budget(run, budget)
            used = f"wall {run.wall_s:.0f} s, CPU {_num(run.cpu_s)} s, peak {_num(run.rss_mb)} MB"
            flag = f"  OVER BUDGET: {'; '.join(over)}" if over else ""
            print(f"  {path} seed {seed}: {run.message} ({used}){flag}", flush=True)
            if run.outputs:
                shown_before = shown_outputs.setdefault(str(path), set())
                fresh = [p for p in run.outputs if p not in shown_before]
                shown_before.update(fresh)
                again = len(run.outputs) - len(fresh)
                more = f"; {again} as in an earlier seed" if again else ""
                print(f"    output check: {len(run.outputs)} problem(s){more}", flush=True)
                for p in fresh:
                    print(f"      {p}", flush=True)
            if not args.no_record:
                _measured.record(
                    path, f"{args.profile}+smoke" if args.smoke else args.profile, run.as_record(), path=args.record
                )

    names = [str(p) for p in args.notebooks]
    by = {(r.notebook, r.seed): r for r in runs}
    print()
    _print_table(
        ["notebook", *(f"seed {s}" for s in seeds)],
        [[n, *("pass" if by[(n, s)].passed else "FAIL" for s in seeds)] for n in names],
    )

    print()
    res_rows, n_over = [], 0
    for n in names:
        mine = [by[(n, s)] for s in seeds]
        over = [f"{'; '.join(o)} (seed {r.seed})" for r in mine if (o := over_budget(r, budget))]
        n_over += bool(over)
        peak = [r.rss_mb for r in mine if r.rss_mb is not None]
        res_rows.append(
            [
                n,
                _span([r.wall_s for r in mine]),
                _span([r.cpu_s for r in mine]),
                _num(max(peak) / 1024, ".2f") if peak else "—",
                "OVER: " + ", ".join(over) if over else "ok",
            ]
        )
    _print_table(["notebook", "wall s", "CPU s", "peak GB", f"budget ({shown})"], res_rows)

    records = [{"notebook": r.notebook, "seed": r.seed, **c} for r in runs for c in r.claims]
    if args.smoke:
        n_skipped = sum(len(r.skipped) for r in runs)
        print(
            f"\nsmoke: claims not checked ({n_skipped} Claims cell(s) skipped, {len(records)} claim() call(s) "
            "recorded as not checked); a smoke run proves the code path at this image size, not the claims"
        )
    elif records:
        print()
        rows = []
        for s in margin_summary(records):
            rule = {True: "yes", False: "NO", None: "n/a"}[s["three_sd"]]
            rows.append(
                [
                    s["notebook"],
                    s["id"],
                    f"{s['passed']}/{s['runs']}",
                    _num(s["mean"], "+.3f"),
                    _num(s["smallest"], "+.3f"),
                    _num(s["sd"], ".3f"),
                    rule,
                ]
            )
        _print_table(["notebook", "claim", "passed", "mean margin", "smallest", "sd", "mean >= 3 sd"], rows)

    failed = sum(not r.passed for r in runs)
    with_outputs = sum(bool(r.outputs) for r in runs)
    print(
        f"\n{len(runs) - failed} passed, {failed} failed; {n_over} notebook(s) over budget; "
        f"{with_outputs} run(s) with output problems"
        + (" (--strict-outputs: failures)" if args.strict_outputs else " (reported only; --strict-outputs to fail)")
    )
    if failed or (args.strict_outputs and with_outputs):
        return 1
    if n_over and not args.budget_warn_only:
        print("over budget: redesign the notebook (CONVENTIONS.md), or pass --budget-warn-only to report only.")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
