"""``make claims``: run every lesson and worked solution under several seeds.

A claim that holds for one seed is an anecdote. This runs each notebook in the
quick profile once per seed (``RADKIT_SEED``), in a fresh kernel and from a
temporary copy (the committed notebook is never written), and prints a table
notebook x seed -> ``pass`` or the claim that failed. Exit status 1 if any
failed. ``OMP_NUM_THREADS=1 make claims`` repeats it on one thread, which changes
trained weights the way another CPU would.

    python -m radkit.devtools.claims notebooks/*.ipynb solutions/*.ipynb --seeds 1 2 3 4
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

__all__ = ["run_one", "main"]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


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
    msg = f"{ename}: {evalue}".strip().rstrip(":")
    out = f"{where}  ->  {msg}" if where else msg
    return out if len(out) <= 600 else out[:597] + "..."


def run_one(path: str | Path, *, seed: int, profile: str = "quick", timeout: int = 1800) -> tuple[bool, str, float]:
    """Execute one notebook with ``RADKIT_SEED=seed``; return (passed, message, seconds)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    env_before = {k: os.environ.get(k) for k in ("RADKIT_SEED", "RADKIT_PROFILE", "MPLBACKEND")}
    os.environ.update(RADKIT_SEED=str(seed), RADKIT_PROFILE=profile, MPLBACKEND="Agg")
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return True, "pass", time.perf_counter() - start
    except (CellExecutionError, CellTimeoutError) as err:
        return False, _failure(err), time.perf_counter() - start
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.claims", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4])
    parser.add_argument("--profile", default="quick")
    args = parser.parse_args(argv)
    results: dict[tuple[str, int], str] = {}
    failed = 0
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(f"claims: profile {args.profile}, seeds {args.seeds}, OMP_NUM_THREADS={threads}", flush=True)
    for path in args.notebooks:
        for seed in args.seeds:
            ok, msg, secs = run_one(path, seed=seed, profile=args.profile)
            failed += not ok
            results[(str(path), seed)] = "pass" if ok else "FAIL"
            print(f"  {path} seed {seed}: {msg} ({secs:.0f} s)", flush=True)
    width = max(len(str(p)) for p in args.notebooks)
    print("\n| notebook".ljust(width + 3) + "| " + " | ".join(f"seed {s}" for s in args.seeds) + " |")
    print("|" + "-" * (width + 2) + "|" + "|".join("-" * 8 for _ in args.seeds) + "|")
    for path in args.notebooks:
        cells = " | ".join(results[(str(path), s)].ljust(6) for s in args.seeds)
        print(f"| {str(path).ljust(width)} | {cells} |")
    print(f"\n{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
