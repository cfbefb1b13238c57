"""What the claims runner measured: wall time, kernel CPU time and peak memory per notebook and profile.

``make claims`` (:mod:`radkit.devtools.claims`) appends one entry per notebook,
profile and seed to ``radkit/_measured.json`` (never to the notebook), keeping
the latest :data:`KEEP` runs of each notebook and profile. A notebook's set-up
cell can then tell the reader what to expect::

    from radkit._measured import describe
    print(describe("07_performance_measures", "standard"))

The file maps ``"<folder>/<notebook>.ipynb"`` to ``{profile: [run, ...]}``, each run
a dict with ``seed``, ``passed``, ``wall_s``, ``cpu_s`` (kernel and its
children), ``rss_mb`` (peak resident memory of the kernel process),
``rss_children_mb`` (largest peak of its finished child processes), ``threads``
(``OMP_NUM_THREADS``), ``cpus`` and ``date``. A smoke run (``make smoke``) is
recorded under ``"<profile>+smoke"``, never under the profile's own name.

``python -m radkit._measured`` prints the recorded wall-time range of every
notebook per profile (what README's profile table summarises).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["DATA", "KEEP", "load", "record", "measured_time", "describe", "ranges"]

#: The data file, inside the package so that an installed radkit carries it.
DATA = Path(__file__).with_name("_measured.json")
#: Runs kept per notebook and profile (the latest).
KEEP = 20


def _key(notebook: str | os.PathLike) -> str:
    """``notebooks/07_x.ipynb`` from any path or bare name of a notebook."""
    p = Path(notebook)
    name = p.name if p.suffix == ".ipynb" else f"{p.name}.ipynb"
    return f"{p.parent.name}/{name}" if p.parent.name else name


def load(path: str | os.PathLike | None = None) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The measurements as a dict (empty when the file does not exist yet or cannot be read).

    Examples
    --------
    >>> isinstance(load(), dict)
    True
    """
    path = Path(path) if path is not None else DATA
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(
    notebook: str | os.PathLike,
    profile: str,
    run: dict[str, Any],
    *,
    path: str | os.PathLike | None = None,
    keep: int = KEEP,
) -> None:
    """Append one run of ``notebook`` in ``profile`` and keep the latest ``keep`` (written atomically).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> record("notebooks/07_x.ipynb", "quick", {"seed": 1, "wall_s": 12.0}, path=f)
    >>> load(f)["notebooks/07_x.ipynb"]["quick"][0]["wall_s"]
    12.0
    """
    path = Path(path) if path is not None else DATA
    data = load(path)
    runs = data.setdefault(_key(notebook), {}).setdefault(str(profile), [])
    runs.append(dict(run))
    del runs[: max(0, len(runs) - keep)]
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except PermissionError as exc:
        raise PermissionError(
            f"cannot record the measurements: the folder {path.parent} is not writable (an installed package?); "
            "nothing was written. Pass --record <a file you can write>, or --no-record."
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _runs(notebook: str | os.PathLike, profile: str, data: dict) -> list[dict[str, Any]]:
    key = _key(notebook)
    if key in data:
        return data[key].get(profile, [])
    # a bare name ("07_x") matches the notebook of that name in any folder; lessons first
    name = key.split("/")[-1]
    hits = sorted((k for k in data if k.split("/")[-1] == name), key=lambda k: not k.startswith("notebooks/"))
    return data[hits[0]].get(profile, []) if hits else []


def measured_time(
    notebook: str | os.PathLike, profile: str, *, path: str | os.PathLike | None = None
) -> tuple[float, float] | None:
    """Shortest and longest recorded wall time (s) of ``notebook`` in ``profile``, or None if never measured.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> for s, t in [(1, 30.0), (2, 41.5)]:
    ...     record("notebooks/07_x.ipynb", "quick", {"seed": s, "wall_s": t}, path=f)
    >>> measured_time("07_x", "quick", path=f)
    (30.0, 41.5)
    >>> measured_time("07_x", "standard", path=f) is None
    True
    """
    walls = [float(r["wall_s"]) for r in _runs(notebook, profile, load(path)) if r.get("wall_s") is not None]
    return (min(walls), max(walls)) if walls else None


def describe(notebook: str | os.PathLike, profile: str, *, path: str | os.PathLike | None = None) -> str:
    """One sentence for a set-up cell: how long this notebook took here in ``profile``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> describe("07_x", "quick", path=f)
    'this notebook has not been timed in profile quick yet (make claims records it).'
    >>> record("notebooks/07_x.ipynb", "quick", {"seed": 1, "wall_s": 30.2, "rss_mb": 900.0}, path=f)
    >>> describe("07_x", "quick", path=f)
    'this notebook took 30 s here in profile quick (1 run; peak memory 0.9 GB).'
    >>> g = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> record("notebooks/07_x.ipynb", "quick", {"seed": 1, "wall_s": 95.0, "cpu_s": 41.0, "threads": "1",
    ...                                          "cpus": 2}, path=g)
    >>> print(describe("07_x", "quick", path=g))  # doctest: +NORMALIZE_WHITESPACE
    this notebook takes about 41 s on an idle 2-core CPU in profile quick (its measured CPU time, 1 run;
    95 s wall on the shared build machine).
    """
    runs = [r for r in _runs(notebook, profile, load(path)) if r.get("wall_s") is not None]
    if not runs:
        return f"this notebook has not been timed in profile {profile} yet (make claims records it)."

    def span(values: list[float]) -> str:
        lo, hi = min(values), max(values)
        return f"{lo:.0f} s" if round(lo) == round(hi) else f"{lo:.0f}–{hi:.0f} s"

    walls = [float(r["wall_s"]) for r in runs]
    rss = [float(r["rss_mb"]) for r in runs if r.get("rss_mb") is not None]
    memory = f"; peak memory {max(rss) / 1024:.1f} GB" if rss else ""
    count = f"{len(runs)} run{'s' * (len(runs) > 1)}"
    single = [r for r in runs if str(r.get("threads")) == "1" and r.get("cpu_s") is not None]
    if len(single) == len(runs):
        # one thread: the kernel's CPU time is what an idle machine takes; wall time grew with the other jobs
        cpus = f"{runs[0]['cpus']}-core " if runs[0].get("cpus") else ""
        return (
            f"this notebook takes about {span([float(r['cpu_s']) for r in runs])} on an idle {cpus}CPU "
            f"in profile {profile} (its measured CPU time, {count}; {span(walls)} wall on the shared "
            f"build machine{memory})."
        )
    return f"this notebook took {span(walls)} here in profile {profile} ({count}{memory})."


def ranges(profile: str, *, path: str | os.PathLike | None = None) -> dict[str, tuple[float, float]]:
    """Every notebook recorded in ``profile``: its shortest and longest wall time (s).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> record("notebooks/07_x.ipynb", "quick", {"seed": 1, "wall_s": 30.0}, path=f)
    >>> record("notebooks/07_x.ipynb", "quick+smoke", {"seed": 1, "wall_s": 3.0}, path=f)
    >>> ranges("quick", path=f)
    {'notebooks/07_x.ipynb': (30.0, 30.0)}
    """
    out = {}
    for key in sorted(load(path)):
        span = measured_time(key, profile, path=path)
        if span is not None:
            out[key] = span
    return out


def main() -> None:
    """Print, per profile, the range of wall times recorded for each notebook."""
    data = load()
    profiles = sorted({p for runs in data.values() for p in runs})
    if not profiles:
        print(f"nothing recorded yet in {DATA} (make claims records it)")
    for prof in profiles:
        spans = ranges(prof)
        lows, highs = [lo for lo, _ in spans.values()], [hi for _, hi in spans.values()]
        print(f"{prof}: {len(spans)} notebook(s), {min(lows):.0f}–{max(highs):.0f} s wall each")
        for key, (lo, hi) in spans.items():
            print(f"  {key}: {lo:.0f}–{hi:.0f} s")


if __name__ == "__main__":
    main()
