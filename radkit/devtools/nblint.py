"""Lint for the kit's notebooks: what every lesson, solution and exercise must have.

Run by ``make test`` (``tests/test_notebook_lint.py``) over ``notebooks/``,
``solutions/`` and ``exercises/``; ``python -m radkit.devtools.nblint FILE ...``
prints the problems of any notebook. The rules are written out in the README's
contributing section.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "lint",
    "lint_file",
    "MAX_LINE",
    "Violation",
    "report",
    "report_file",
    "widget_duplicates",
    "claim_links",
    "typed_numbers",
    "REPORT_RULES",
    "NOT_A_FINDING",
]

MAX_LINE = 100
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# a literal number handed to anything seed-like: seed=3, random_state=0, default_rng(1), manual_seed(0)
_LITERAL_SEED = re.compile(
    r"\b(?:seed|random_state)\s*=\s*-?\d+\b(?!\s*[+*\-/])"
    r"|\b(?:default_rng|manual_seed|RandomState|SeedSequence)\(\s*-?\d+\s*\)"
    r"|\bnp\.random\.seed\(\s*-?\d+"
)
_FIGURE = re.compile(r"\bplt\.(?:subplots|figure)\(")
_SETUP = re.compile(r"\bradkit\.setup\(")


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _headings(text: str) -> list[tuple[int, str]]:
    out, fenced = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
        m = None if fenced else _HEADING.match(line)
        if m:
            out.append((len(m.group(1)), m.group(2)))
    return out


def _strip_strings_and_comments(line: str) -> str:
    line = re.sub(r"(\"[^\"]*\"|'[^']*')", "''", line)
    return line.split("#", 1)[0]


def lint(nb: dict, *, kind: str = "notebook", name: str = "notebook") -> list[str]:
    """Problems of one notebook (a parsed ``.ipynb``); empty when it is clean.

    ``kind`` is ``"notebook"`` (a lesson: title, setup, Claims, Summary in that
    order), ``"solution"`` or ``"exercise"`` (title and setup).

    Examples
    --------
    >>> nb = {"metadata": {}, "cells": [{"cell_type": "code", "source": "x = f(seed=3)",
    ...                                  "outputs": [], "execution_count": None, "metadata": {}}]}
    >>> for p in lint(nb, kind="solution"): print(p)
    notebook: no kernelspec in the metadata (open it in JupyterLab, pick Python 3, save)
    notebook cell 0: no cell id (nbformat >= 4.5 gives every cell an id)
    notebook: the first cell is not a markdown title ('# NN · Topic')
    notebook: no setup cell calling radkit.setup()
    notebook cell 0, line 1: literal seed 'seed=3'; take it from setup (prof.seed, prof.seed + k, radkit.seeding.spawn)
    """
    problems: list[str] = []
    cells = nb.get("cells", [])
    if not nb.get("metadata", {}).get("kernelspec"):
        problems.append(f"{name}: no kernelspec in the metadata (open it in JupyterLab, pick Python 3, save)")
    from radkit.devtools.real_notebooks import check_metadata

    problems.extend(f"{name}: {problem}" for problem in check_metadata(nb.get("metadata", {})))
    ids = [c.get("id") for c in cells]
    for i, cid in enumerate(ids):
        if not cid:
            problems.append(f"{name} cell {i}: no cell id (nbformat >= 4.5 gives every cell an id)")
    dup_ids = {cid for cid in ids if cid and ids.count(cid) > 1}
    if dup_ids:
        problems.append(f"{name}: cell ids used twice: {sorted(dup_ids)}")
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            problems.append(
                f"{name} cell {i}: has outputs; commit notebooks without them "
                "(jupyter nbconvert --clear-output --inplace FILE)"
            )
    # headings: none repeated
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        for _, text in _headings(_source(cell)):
            key = re.sub(r"\s+", " ", text.strip().lower())
            if key in seen:
                problems.append(f"{name} cell {i}: heading {text!r} repeats the one in cell {seen[key]}")
            else:
                seen[key] = i
    # required parts, in order
    first = next((c for c in cells if _source(c).strip()), None)
    banner = kind == "exercise" and first is not None and _source(first).lstrip().startswith(">")
    body = [c for c in cells if _source(c).strip()][1 if banner else 0 :]
    if not body or body[0].get("cell_type") != "markdown" or not _source(body[0]).lstrip().startswith("# "):
        problems.append(f"{name}: the first cell is not a markdown title ('# NN · Topic')")
    setup_at = next(
        (i for i, c in enumerate(cells) if c.get("cell_type") == "code" and _SETUP.search(_source(c))), None
    )
    if setup_at is None:
        problems.append(f"{name}: no setup cell calling radkit.setup()")
    if kind == "notebook":
        order = [("setup", setup_at)]
        for part in ("Claims", "Summary"):
            at = next(
                (
                    i
                    for i, c in enumerate(cells)
                    if c.get("cell_type") == "markdown"
                    and any(t.strip().lower().startswith(part.lower()) for _, t in _headings(_source(c)))
                ),
                None,
            )
            if at is None:
                problems.append(f"{name}: no '## {part}' section")
            order.append((part, at))
        placed = [(p, at) for p, at in order if at is not None]
        if [p for p, _ in sorted(placed, key=lambda x: x[1])] != [p for p, _ in placed]:
            problems.append(f"{name}: parts out of order; a lesson runs title, setup, ..., Claims, Summary")
    # code lines
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        text = _source(cell)
        for k, line in enumerate(text.splitlines(), 1):
            if len(line) > MAX_LINE:
                problems.append(f"{name} cell {i}, line {k}: {len(line)} characters (at most {MAX_LINE})")
            m = _LITERAL_SEED.search(_strip_strings_and_comments(line))
            if m:
                problems.append(
                    f"{name} cell {i}, line {k}: literal seed '{m.group(0)}'; take it from setup "
                    "(prof.seed, prof.seed + k, radkit.seeding.spawn)"
                )
        if _FIGURE.search(text) and not ("title" in text and "label" in text):
            problems.append(f"{name} cell {i}: draws a figure without a title or axis labels")
    return problems


def lint_file(path: str | Path) -> list[str]:
    """Problems of the notebook at ``path``; its kind comes from its folder."""
    path = Path(path)
    kind = {"solutions": "solution", "exercises": "exercise"}.get(path.parent.name, "notebook")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        return [f"{path}: not valid notebook JSON ({err})"]
    return lint(nb, kind=kind, name=str(path))


# --------------------------------------------------------------------------- report rules (issues 30 and 32)
# These rules run over the committed notebooks in REPORT mode: tests/test_notebook_lint.py compares what they
# find with radkit/devtools/baseline_violations.json and fails only on a violation the baseline does not hold,
# so the notebook pass can only shrink the baseline (radkit/devtools/baseline.py; `--update` after a fix).


@dataclass(frozen=True)
class Violation:
    """One finding of a report rule: rule, notebook, cell, the key the baseline counts, and the message."""

    rule: str
    path: str
    cell: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.path if self.cell is None else f"{self.path} cell {self.cell}"
        return f"{where}: {self.rule}: {self.message}"


_INTERACT = {"interact", "interact_manual", "interactive", "interactive_output"}
_DRAWS = re.compile(r"\bplt\.\w+\(|\bplots\.\w+\(|\bdisplay\(|\.imshow\(|\.plot\b|\bplot_\w+\(|\.bar\(|\bfig\b")
_STATIC_SHOW = re.compile(r"^(?:plt\.show\(|display\(\s*fig)")


def _parse(source: str) -> ast.Module | None:
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _callee(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name):
            return f.id
        if isinstance(f, ast.Attribute):
            return f.attr
    return None


def widget_duplicates(nb: dict, *, name: str = "notebook") -> list[Violation]:
    """A widget whose plotting function was also called for a static figure before it (issue 32, item 2).

    In JupyterLab ``interact(f, ...)`` draws ``f``'s figure as soon as the cell runs, so
    a top-level call ``f(...)`` earlier in the same cell or in an earlier cell shows the
    same figure twice; so does a top-level ``plt.show()`` in the widget's cell. Flagged:
    ``interact``, ``interact_manual``, ``interactive`` or ``interactive_output`` on a
    function ``f`` that was called at top level (``f()`` as a statement) earlier in the
    same cell or in an earlier cell. A function that only prints shows its printout twice
    the same way and is flagged too (the message says "output" rather than "figure").
    What a static copy (an HTML book) shows is the widget's business, not a second call.

    Examples
    --------
    >>> code = "def show(x=1):\\n    plt.plot([x])\\n    plt.show()\\n\\nshow()\\ninteract(show, x=(0, 9))"
    >>> nb = {"cells": [{"cell_type": "code", "source": code}]}
    >>> print(widget_duplicates(nb)[0])
    notebook cell 0: widget-duplicate: interact(show) redraws the figure of the static call show() in cell 0; \
let the widget draw the first figure (no static copy before it)
    """
    out: list[Violation] = []
    draws: dict[str, bool] = {}
    static: dict[str, int] = {}
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        tree = _parse(src)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                draws[node.name] = bool(_DRAWS.search(ast.get_source_segment(src, node) or ""))
        shows = [n for n in tree.body if isinstance(n, ast.Expr) and _STATIC_SHOW.match(ast.unparse(n.value))]
        for stmt in tree.body:
            value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
            if value is None:
                continue
            fname = _callee(value)
            if fname in _INTERACT and isinstance(value, ast.Call) and value.args:
                target = value.args[0]
                f = target.id if isinstance(target, ast.Name) else ast.unparse(target)
                what = "figure" if draws.get(f, True) else "output"
                if f in static:
                    out.append(
                        Violation(
                            "widget-duplicate",
                            name,
                            i,
                            f,
                            f"{fname}({f}) redraws the {what} of the static call {f}() in cell "
                            f"{static[f]}; let the widget draw the first {what} (no static copy "
                            "before it)",
                        )
                    )
                elif shows and shows[0].lineno < stmt.lineno:
                    out.append(
                        Violation(
                            "widget-duplicate",
                            name,
                            i,
                            f,
                            f"a static {ast.unparse(shows[0].value)} before {fname}({f}) in the same "
                            "cell; let the widget draw the first figure",
                        )
                    )
            elif (
                fname
                and isinstance(stmt, ast.Expr)
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
            ):
                static.setdefault(fname, i)
    return out


_CLAIM_CALL = re.compile(r"\bclaim\(\s*(?:cid\s*=\s*)?[rbu]?[\"']([^\"']+)[\"']")
_CLAIM_REF = re.compile(r"\[(C\d+[a-z]?(?:\s*,\s*C\d+[a-z]?)*)\]")
_BULLET = re.compile(r"^\s{0,3}(?:[*+-]|\d+[.)])\s+")
#: A Summary bullet that starts with this (invisible) marker states no finding of the run: a definition,
#: a piece of advice, a method. A literature fact carries its citation instead.
NOT_A_FINDING = "<!-- not a finding -->"
_CITATION = re.compile(
    r"\bet al\b"  # Guo et al. 2017; Larrazabal et al., PNAS
    r"|\b[A-Z][\w'’\-]+,?\s*\(?\s*(?:19|20)\d{2}[a-z]?\b"  # Buderer 1996, Vickers (2006)
    r"|\b[A-Z][\w'’\-]+\s*(?:&|and)\s*[A-Z][\w'’\-]+[^.;]{0,60}?(?:19|20)\d{2}\b"  # Saito & Rehmsmeier ... 2015
    r"|\b(?:19|20)\d{2};\s*\d+"  # Radiology 2020;294:421
    r"|\[\d+(?:\s*[,–-]\s*\d+)*\]"  # a reference number [3], [2, 5]
    r"|doi\.org/|\bdoi:|\barxiv(?:\.org/|:)|\bpubmed\b|ncbi\.nlm|\bArXiv\b"
)


def _has_citation(text: str) -> bool:
    return bool(_CITATION.search(text) or re.search(r"\barxiv[.:]|\bdoi[.:]", text, re.I))


def _section_lines(nb: dict, title: str) -> list[tuple[int, str]]:
    """``(cell, line)`` of the markdown under a heading starting with ``title``, up to the next heading."""
    out: list[tuple[int, str]] = []
    inside, level = False, 0
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        for line in _source(cell).splitlines():
            m = _HEADING.match(line)
            if m:
                if inside and len(m.group(1)) <= level:
                    inside = False
                if m.group(2).strip().lower().startswith(title.lower()):
                    inside, level = True, len(m.group(1))
                continue
            if inside:
                out.append((i, line))
    return out


def _bullets(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Bullets of a markdown section, each with its continuation lines joined."""
    out: list[tuple[int, str]] = []
    for i, line in lines:
        if _BULLET.match(line):
            out.append((i, _BULLET.sub("", line, count=1)))
        elif out and line.strip() and line[:1] in (" ", "\t") and out[-1][0] == i:
            out[-1] = (i, out[-1][1] + " " + line.strip())
    return out


def claim_links(nb: dict, *, name: str = "notebook") -> list[Violation]:
    """Summary bullets and named claims that do not point at each other (issue 30, item 1).

    Three rules, over the bullets under ``## Summary`` and the ``claim("C<n>", ...)``
    calls in the code under ``## Claims``:

    * ``claim-missing-id``: a bullet that states a finding names no claim ``[C<n>]``. A
      bullet states a finding unless it cites a source (author and year, ``et al.``, a
      reference number such as ``[3]``, a DOI or arXiv id) or starts with the marker
      ``<!-- not a finding -->`` (a definition, a method, a piece of advice);
    * ``claim-unknown-id``: a bullet names ``[C<n>]`` and no ``claim("C<n>", ...)`` exists;
    * ``claim-unused``: a ``claim("C<n>", ...)`` that no Summary bullet names.

    Examples
    --------
    >>> md = "## Summary\\n\\n* Platt beats raw [C1].\\n* Ensembles help.\\n* AUC ranks (Hanley 1982)."
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "## Claims"},
    ...                 {"cell_type": "code", "source": "claim('C1', ok, 'x')\\nclaim('C2', ok, 'y')"},
    ...                 {"cell_type": "markdown", "source": md}]}
    >>> for v in claim_links(nb): print(v)
    notebook cell 2: claim-missing-id: a Summary finding names no claim: 'Ensembles help.'; add [C<n>] \
for the claim that backs it, cite its source, or start it with <!-- not a finding -->
    notebook cell 1: claim-unused: claim C2 is checked but no Summary bullet names [C2]
    """
    out: list[Violation] = []
    claims: dict[str, int] = {}
    cells = nb.get("cells", [])
    start = next(
        (
            i
            for i, c in enumerate(cells)
            if c.get("cell_type") == "markdown"
            and any(t.strip().lower().startswith("claims") for _, t in _headings(_source(c)))
        ),
        None,
    )
    stop = next(
        (
            i
            for i, c in enumerate(cells)
            if start is not None
            and i > start
            and c.get("cell_type") == "markdown"
            and any(t.strip().lower().startswith("summary") for _, t in _headings(_source(c)))
        ),
        len(cells),
    )
    if start is not None:
        for i in range(start, stop):
            if cells[i].get("cell_type") == "code":
                for m in _CLAIM_CALL.finditer(_source(cells[i])):
                    claims.setdefault(m.group(1), i)
    named: set[str] = set()
    for i, bullet in _bullets(_section_lines(nb, "Summary")):
        ids = [x.strip() for m in _CLAIM_REF.finditer(bullet) for x in m.group(1).split(",")]
        named.update(ids)
        for cid in ids:
            if cid not in claims:
                out.append(
                    Violation(
                        "claim-unknown-id", name, i, cid, f'[{cid}] has no claim("{cid}", ...) in the Claims cell'
                    )
                )
        if not ids and not bullet.lstrip().startswith(NOT_A_FINDING) and not _has_citation(bullet):
            short = bullet if len(bullet) <= 60 else bullet[:57] + "..."
            out.append(
                Violation(
                    "claim-missing-id",
                    name,
                    i,
                    "bullet",
                    f"a Summary finding names no claim: {short!r}; add [C<n>] for the claim that "
                    f"backs it, cite its source, or start it with {NOT_A_FINDING}",
                )
            )
    for cid, i in claims.items():
        if cid not in named:
            out.append(
                Violation("claim-unused", name, i, cid, f"claim {cid} is checked but no Summary bullet names [{cid}]")
            )
    return out


_DECIMAL = re.compile(r"(?<![\w.])[-−+]?\d*\.\d+(?![\w]|\.\d|\s?%)")  # "34.2 %" counts once, as a percentage
_PERCENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?%(?!\s*(?:CI\b|confidence|credible|prediction|interval))")
# a label, not a quantity: "Exercise 09.3", "section 2.1", "Table 1.2"
_NUMBERED = re.compile(
    r"\b(?:[Ee]xercises?|[Ss]ections?|§|[Tt]ables?|[Ff]igs?\.?|[Ff]igures?|[Ee]q\.?|[Vv]ersion|v)"
    r"\s*$"
)
_LITERATURE_HEADINGS = ("further reading", "references", "reading", "sources", "literature")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*_(\[\\])")
_ABBREVIATION = re.compile(r"(?:\bet al|\be\.g|\bi\.e|\bcf|\bvs|\bFig|\bEq|\bapprox|\bno)\.$", re.IGNORECASE)


def _sentences(block: str) -> list[str]:
    """``block`` split into sentences, not after ``et al.``, ``e.g.``, ``vs.`` and the like."""
    out: list[str] = []
    for piece in _SENTENCE_END.split(block):
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def _prose(text: str) -> str:
    """Markdown with what is not prose removed: fenced code, inline code (parameter markers), comments, URLs."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "`…`", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"https?://\S+", " ", text)


def typed_numbers(nb: dict, *, name: str = "notebook") -> list[Violation]:
    """Numbers with a decimal point and percentages typed into prose after the setup cell (issue 30, item 2).

    A number in prose is a parameter the reader sets, a literature value with its
    citation, or printed by code. So a decimal (``0.83``) or a percentage (``12 %``) in a
    markdown cell after the setup cell is flagged unless

    * it is inside backticks (`` `0.05` ``): the marker of a parameter the reader sets;
    * its sentence cites a source (author and year, ``et al.``, ``[3]``, a DOI or arXiv id);
    * it is a confidence level (``95% CI``, ``90% interval``) or a label (``Exercise 09.3``,
      ``section 2.1``, ``Table 1.2``);
    * it stands under a Further reading / References heading.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "prof = radkit.setup()"},
    ...       {"cell_type": "markdown", "source": "The AUC was 0.83. Set `alpha = 0.05`. Buderer 1996 "
    ...        "found 0.9. A 95% CI. Half (50 %) of the films."}]}
    >>> [v.key for v in typed_numbers(nb)]
    ['0.83', '50 %']
    """
    out: list[Violation] = []
    cells = nb.get("cells", [])
    setup = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code" and _SETUP.search(_source(c))), -1)
    skip_level = 0
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        blocks: list[str] = []
        current: list[str] = []
        for line in _prose(_source(cell)).splitlines():
            m = _HEADING.match(line)
            if m:
                level = len(m.group(1))
                if skip_level and level <= skip_level:
                    skip_level = 0
                if m.group(2).strip().lower().startswith(_LITERATURE_HEADINGS):
                    skip_level = level
            if skip_level:
                continue
            if not line.strip() or m or _BULLET.match(line) or line.lstrip().startswith("|"):
                blocks.append(" ".join(current))
                current = []
            current.append(line.strip())
        blocks.append(" ".join(current))
        if i <= setup:
            continue
        for block in blocks:
            for sentence in _sentences(block):
                if block.lstrip("*_ ").lower().startswith(("further reading", "references")):
                    continue
                hits = [m.group(0) for m in _DECIMAL.finditer(sentence) if not _NUMBERED.search(sentence[: m.start()])]
                hits += [m.group(0) for m in _PERCENT.finditer(sentence)]
                if not hits or _has_citation(sentence):
                    continue
                short = sentence.strip() if len(sentence.strip()) <= 70 else sentence.strip()[:67] + "..."
                for hit in hits:
                    out.append(
                        Violation(
                            "typed-number",
                            name,
                            i,
                            hit.strip(),
                            f"{hit.strip()!r} typed in prose: {short!r}; print it from code, cite its "
                            "source in the sentence, or mark a parameter with backticks",
                        )
                    )
    return out


#: The report rules, by rule name, and the notebook kinds each applies to.
REPORT_RULES: dict[str, tuple[Callable[..., list[Violation]], tuple[str, ...]]] = {
    "widget-duplicate": (widget_duplicates, ("notebook", "solution")),
    "claims": (claim_links, ("notebook",)),
    "typed-number": (typed_numbers, ("notebook", "solution")),
}


def report(nb: dict, *, kind: str = "notebook", name: str = "notebook") -> list[Violation]:
    """Every report-rule violation of one notebook (widgets, claim links, typed numbers)."""
    out: list[Violation] = []
    for func, kinds in REPORT_RULES.values():
        if kind in kinds:
            out.extend(func(nb, name=name))
    return out


def report_file(path: str | Path, *, root: str | Path | None = None) -> list[Violation]:
    """:func:`report` on the notebook at ``path`` (kind from its folder; named relative to ``root``)."""
    path = Path(path)
    kind = {"solutions": "solution", "exercises": "exercise"}.get(path.parent.name, "notebook")
    name = str(path.relative_to(root)) if root is not None else str(path)
    return report(json.loads(path.read_text(encoding="utf-8")), kind=kind, name=name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.nblint", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument(
        "--report",
        action="store_true",
        help="also print the report rules (widgets, claim links, typed numbers) and their totals",
    )
    args = parser.parse_args(argv)
    problems = [p for path in args.notebooks for p in lint_file(path)]
    print("\n".join(problems) if problems else f"{len(args.notebooks)} notebook(s) clean")
    if args.report:
        found = [v for path in args.notebooks for v in report_file(path)]
        for v in found:
            print(v)
        totals: dict[str, int] = {}
        for v in found:
            totals[v.rule] = totals.get(v.rule, 0) + 1
        print("report totals: " + (", ".join(f"{k} {n}" for k, n in sorted(totals.items())) or "none"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
