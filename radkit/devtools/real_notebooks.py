"""Which notebooks run on real images: the ``real_images`` notebook metadata.

A notebook that works with ``RADKIT_IMAGES=<real source>`` (its model-training
sections call :func:`radkit.data.lesson_data`, its Claims cell checks only what
still holds on real films) says so in its notebook metadata::

    "metadata": {"radkit": {"real_images": true}, "kernelspec": {...}}

``true`` means every real source that has the notebook's findings; a list
(``["nih", "chexpert", "padchest"]``) names the sources it supports, for
example the ones with dates or sites it needs. ``tests/test_real_image_notebooks.py``
executes the marked notebooks on fake NIH and CheXpert folders, and the lint
checks the value. Mark a notebook with::

    python -m radkit.devtools.real_notebooks mark notebooks/07_performance_measures.ipynb
    python -m radkit.devtools.real_notebooks list

``make run`` asks ``select`` which notebooks to run on the chosen source; the
others run on synthetic images (their lessons need known truth)::

    python -m radkit.devtools.real_notebooks select nih notebooks/*.ipynb          # marked for nih
    python -m radkit.devtools.real_notebooks select --others nih notebooks/*.ipynb # the rest
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["real_image_sources", "check_metadata", "marked_notebooks", "select"]

KEY = "real_images"


def check_metadata(metadata: dict) -> list[str]:
    """Problems with a notebook's ``radkit.real_images`` metadata (empty when absent or valid).

    Examples
    --------
    >>> check_metadata({"radkit": {"real_images": ["nih", "mimic"]}})  # doctest: +ELLIPSIS
    ["metadata radkit.real_images: unknown source(s) ['mimic']; use true or a list of nih, ..., siim"]
    """
    from radkit.data.lesson import REAL_SOURCES

    value = (metadata.get("radkit") or {}).get(KEY)
    hint = f"use true or a list of {', '.join(REAL_SOURCES)}"
    if value is None or isinstance(value, bool):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"metadata radkit.{KEY}: {value!r} is neither true/false nor a list of sources; {hint}"]
    unknown = [v for v in value if v not in REAL_SOURCES]
    return [f"metadata radkit.{KEY}: unknown source(s) {unknown}; {hint}"] if unknown else []


def real_image_sources(metadata: dict) -> tuple[str, ...]:
    """The real sources a notebook declares it supports (empty: synthetic only).

    Examples
    --------
    >>> real_image_sources({"radkit": {"real_images": True}})
    ('nih', 'chexpert', 'rsna', 'vindr', 'padchest', 'siim')
    >>> real_image_sources({})
    ()
    """
    from radkit.data.lesson import REAL_SOURCES

    problems = check_metadata(metadata)
    if problems:
        raise ValueError(problems[0])
    value = (metadata.get("radkit") or {}).get(KEY)
    if value is True:
        return REAL_SOURCES
    return tuple(value) if isinstance(value, list) else ()


def marked_notebooks(folder: str | Path) -> dict[Path, tuple[str, ...]]:
    """Notebooks in ``folder`` that declare real-image support, with their sources (sorted by name)."""
    out = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        sources = real_image_sources(json.loads(path.read_text(encoding="utf-8")).get("metadata", {}))
        if sources:
            out[path] = sources
    return out


def select(source: str, paths: list[str | Path], *, others: bool = False) -> list[Path]:
    """The notebooks among ``paths`` that support ``source`` (or, ``others=True``, those that do not).

    ``source="synthetic"`` selects none (and, with ``others``, all).
    """
    out = []
    for path in map(Path, paths):
        sources = real_image_sources(json.loads(path.read_text(encoding="utf-8")).get("metadata", {}))
        if (source in sources) != others:
            out.append(path)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="List or mark notebooks that run on real images.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="marked notebooks in notebooks/ and solutions/")
    sel = sub.add_parser("select", help="print the notebooks that support SOURCE (--others: the rest)")
    sel.add_argument("source")
    sel.add_argument("notebooks", nargs="*")
    sel.add_argument("--others", action="store_true")
    mark = sub.add_parser("mark", help="declare real-image support in a notebook's metadata")
    mark.add_argument("notebook")
    mark.add_argument("sources", nargs="*", help="sources it supports (default: all)")
    args = parser.parse_args(argv)
    if args.command == "select":
        from radkit.data.lesson import images_source

        try:
            source = images_source(args.source)
        except ValueError as err:
            raise SystemExit(str(err)) from None
        print(" ".join(str(p) for p in select(source, args.notebooks, others=args.others)))
        return
    if args.command == "list":
        for folder in ("notebooks", "solutions"):
            for path, sources in marked_notebooks(folder).items():
                print(f"{path}: {', '.join(sources)}")
        return
    path = Path(args.notebook)
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {}).setdefault("radkit", {})[KEY] = list(args.sources) or True
    problems = check_metadata(nb["metadata"])
    if problems:
        raise SystemExit(problems[0])
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{path}: real_images = {nb['metadata']['radkit'][KEY]}")


if __name__ == "__main__":
    main()
