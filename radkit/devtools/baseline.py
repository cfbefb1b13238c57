"""The baseline of known violations: the report rules fail only on what is new.

The report rules (:func:`radkit.devtools.nblint.report`: widget duplicates, claim
links, typed numbers; :func:`radkit.devtools.exercises.solution_only_names`; the
do-nothing answers of :mod:`radkit.devtools.do_nothing`) found many violations in
the notebooks as they were when the rules arrived. Those are listed in
``radkit/devtools/baseline_violations.json`` as counts per rule, notebook and key
(the number typed, the claim id, the function behind a widget, ``exercise name``).
The tests fail when the notebooks hold a violation beyond those counts, so a
notebook pass can only shrink the file; once a rule's section is empty, its test
becomes a plain gate. After fixing notebooks, shrink it with
``python -m radkit.devtools.baseline --update`` (it refuses to grow unless ``--allow-growth``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

__all__ = ["BASELINE", "collect", "collect_do_nothing", "load", "write", "new_violations", "totals", "main"]

ROOT = Path(__file__).resolve().parents[2]
#: The committed baseline file.
BASELINE = Path(__file__).with_name("baseline_violations.json")
Key = tuple[str, str, str]  # (rule, notebook path relative to the kit, key)


def collect(root: str | Path = ROOT) -> Counter[Key]:
    """Violations of the report rules in ``notebooks/`` and ``solutions/`` and of the exercise check.

    Examples
    --------
    >>> found = collect()
    >>> all(rule and path for rule, path, _ in found)
    True
    """
    from radkit.devtools import exercises, nblint

    root = Path(root)
    found: Counter[Key] = Counter()
    for folder in ("notebooks", "solutions"):
        for path in sorted((root / folder).glob("*.ipynb")):
            for v in nblint.report_file(path, root=root):
                found[(v.rule, v.path, v.key)] += 1
    for path in sorted((root / "solutions").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for _, ex, name in exercises.solution_only_names(nb):
            found[("solution-only-name", str(path.relative_to(root)), f"{ex} {name}")] += 1
    return found


def collect_do_nothing(root: str | Path = ROOT) -> Counter[Key]:
    """Do-nothing answers the checkers accept, from running their tests under the recording plugin (~40 s)."""
    root = Path(root)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "do_nothing.json"
        env = dict(
            os.environ,
            RADKIT_DO_NOTHING_OUT=str(out),
            PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        )
        env.pop("RADKIT_CHECKS_STRICT", None)
        tests = sorted(str(p) for p in (root / "tests").glob("test_checks_nb*.py"))
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "radkit.devtools.do_nothing",
                *tests,
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        if not out.exists():
            raise RuntimeError(f"the checkers' tests did not finish (exit {proc.returncode}):\n{proc.stdout[-2000:]}")
        result = json.loads(out.read_text())
    return Counter(
        {("do-nothing", "radkit/checks", f"{ex}: {label}"): 1 for ex, labels in result.items() for label in labels}
    )


def load(path: str | Path = BASELINE) -> Counter[Key]:
    """The baseline as a counter of ``(rule, path, key)``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Counter(
        {
            (rule, nb, key): n
            for rule, per_nb in data["rules"].items()
            for nb, keys in per_nb.items()
            for key, n in keys.items()
        }
    )


def write(found: Counter[Key], path: str | Path = BASELINE) -> Path:
    """Write ``found`` as the baseline file (sorted, one rule per section)."""
    rules: dict[str, dict[str, dict[str, int]]] = {}
    for (rule, nb, key), n in sorted(found.items()):
        if n > 0:
            rules.setdefault(rule, {}).setdefault(nb, {})[key] = n
    data = {
        "about": "Known violations of the report rules; tests fail only on new ones. "
        "Shrink with `python -m radkit.devtools.baseline --update` (radkit/devtools/baseline.py).",
        "totals": {rule: sum(n for (r, _, _), n in found.items() if r == rule) for rule in sorted(rules)},
        "rules": rules,
    }
    path = Path(path)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def new_violations(found: Counter[Key], baseline: Counter[Key], *, rules: set[str] | None = None) -> list[str]:
    """Lines describing what ``found`` holds beyond ``baseline`` (restricted to ``rules`` if given).

    Examples
    --------
    >>> base = Counter({("typed-number", "notebooks/07.ipynb", "0.090"): 1})
    >>> now = Counter({("typed-number", "notebooks/07.ipynb", "0.090"): 2})
    >>> new_violations(now, base)
    ["typed-number in notebooks/07.ipynb: '0.090' 2 time(s), the baseline allows 1"]
    """
    out = []
    for (rule, nb, key), n in sorted(found.items()):
        if rules is not None and rule not in rules:
            continue
        allowed = baseline.get((rule, nb, key), 0)
        if n > allowed:
            out.append(f"{rule} in {nb}: {key!r} {n} time(s), the baseline allows {allowed}")
    return out


def totals(found: Counter[Key]) -> dict[str, int]:
    """Violations per rule."""
    out: Counter[str] = Counter()
    for (rule, _, _), n in found.items():
        out[rule] += n
    return dict(sorted(out.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.baseline", description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the baseline from the committed notebooks")
    parser.add_argument("--allow-growth", action="store_true", help="let --update add violations")
    parser.add_argument("--no-do-nothing", action="store_true", help="skip the checkers' do-nothing run")
    args = parser.parse_args(argv)
    found = collect()
    base = load() if BASELINE.exists() else Counter()
    if args.no_do_nothing:
        found.update({k: n for k, n in base.items() if k[0] == "do-nothing"})
    else:
        found.update(collect_do_nothing())
    new = new_violations(found, base)
    for k, n in totals(found).items():
        print(f"{k}: {n} (baseline {totals(base).get(k, 0)})")
    if new:
        print("new since the baseline:\n  " + "\n  ".join(new))
    if args.update:
        if new and BASELINE.exists() and not args.allow_growth:
            print("not updated: the baseline only shrinks (fix the new ones, or --allow-growth)")
            return 1
        print(f"wrote {write(found)}")
        return 0
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
