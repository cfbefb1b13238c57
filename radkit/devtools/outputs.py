"""The output check: what an executed notebook shows a student, read by rules (issue 32, item 1).

Run on a notebook that has been executed (an ``nbformat`` dict with outputs), it
reports what a reader should never see:

``error``        a traceback or an error output;
``warning``      a warning shown to the student (a stderr stream naming a ``...Warning``
                 or ``warnings.warn``), unless the cell's metadata carries the tag
                 ``warning-intended`` (``"tags": ["warning-intended"]``);
``raw-repr``     a pandas or NumPy repr in text (``dtype:``, ``Name: ..., dtype``,
                 ``np.float64(``, ``array(``, an array printed as ``[3.2  3.12]``) or a
                 dict printed as Python shows it (``{'F': 0.707, ...}``);
``dataclass-repr`` a dataclass repr at a line start (``History(rows=...``);
``long-float``   a float with more than four decimals in a printout or a table;
``float-count``  an integer count printed as a float (a table column whose every value
                 is like ``375.0``; a printed ``n = 375.0``);
``nan-column``   a table column that is NaN in every row;
``progress``     a progress bar that did not reach its end (``67%|``, ``32/?``, or a
                 tqdm widget whose value stayed below its maximum);
``duplicate-image`` two image outputs of one notebook that are the same picture
                 (SHA-256 of the decoded PNG bytes);
``outside-interval`` an estimate printed outside its own interval
                 (``0.020 (95% CI 0.026 to 0.281)``, ``0.41 [0.45, 0.60]``).

Each rule is a function ``rule(nb) -> list[Problem]``; :func:`check` runs them all.
``python -m radkit.devtools.outputs FILE.ipynb ...`` prints the problems per
notebook (exit status 1 if there are any). The claims runner
(:mod:`radkit.devtools.claims`) and, with ``RADKIT_OUTPUT_CHECK=1``, the nbval run of
``make test`` apply it to the notebooks they have just executed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

__all__ = ["Problem", "check", "check_file", "RULES", "INTENDED_WARNING_TAG", "main"]

#: The cell tag that marks a warning as deliberately shown (a lesson about warnings, say).
INTENDED_WARNING_TAG = "warning-intended"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SNIPPET = 80


@dataclass(frozen=True)
class Problem:
    """One thing a student should not see: the rule, the cell index and the offending text."""

    rule: str
    cell: int | None
    text: str

    def __str__(self) -> str:
        where = "notebook" if self.cell is None else f"cell {self.cell}"
        return f"{where}: {self.rule}: {self.text}"


def _snip(text: str, start: int = 0, end: int | None = None) -> str:
    """The offending text with a little context, on one line."""
    end = len(text) if end is None else end
    lo, hi = max(0, start - 20), min(len(text), max(end, start) + 40)
    out = re.sub(r"\s+", " ", text[lo:hi]).strip()
    return out if len(out) <= _SNIPPET else out[: _SNIPPET - 3] + "..."


def _text(value: Any) -> str:
    return _ANSI.sub("", "".join(value) if isinstance(value, list) else str(value or ""))


def _code_cells(nb: dict) -> Iterator[tuple[int, dict]]:
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            yield i, cell


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _prose_texts(nb: dict) -> Iterator[tuple[int, str]]:
    """Text a student reads as a printout: stdout, and text/markdown or text/plain of results without HTML.

    Images' ``text/plain`` (``<Figure size ...>``) and widget views are left out.
    """
    for i, cell in _code_cells(nb):
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream" and out.get("name") == "stdout":
                yield i, _text(out.get("text"))
            elif kind in ("execute_result", "display_data"):
                data = out.get("data", {})
                if "text/markdown" in data:
                    yield i, _text(data["text/markdown"])
                elif not any(k.startswith("image/") or k == "text/html" or "widget" in k for k in data):
                    yield i, _text(data.get("text/plain", ""))


class _Tables(HTMLParser):
    """Every ``<table>`` of an HTML output as header rows and body rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list[list[str]]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._part = "body"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"head": [], "body": []})
        elif tag == "thead":
            self._part = "head"
        elif tag == "tbody":
            self._part = "body"
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(("th:" if tag == "th" else "td:") + " ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1][self._part].append(self._row)
            self._row = None
        elif tag == "thead":
            self._part = "body"

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(nb: dict) -> Iterator[tuple[int, list[str], list[list[str]]]]:
    """``(cell, column names, body rows of data cells)`` for every HTML table in the outputs.

    Row labels (``<th>`` in a body row) are dropped, so the rows hold the data cells only.
    """
    for i, cell in _code_cells(nb):
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html") if out.get("output_type") != "stream" else None
            if not html:
                continue
            parser = _Tables()
            parser.feed(_text(html))
            for table in parser.tables:
                rows = [[c[3:] for c in row if c.startswith("td:")] for row in table["body"]]
                rows = [r for r in rows if r]
                width = max((len(r) for r in rows), default=0)
                names = [""] * width
                for head in table["head"]:  # header rows: each non-empty name over a column adds to it
                    cells = [c[3:] for c in head]
                    if len(cells) >= width:
                        names = [" ".join(filter(None, (a, b))) for a, b in zip(names, cells[len(cells) - width :])]
                yield i, names, rows


def _columns(rows: list[list[str]]) -> list[list[str]]:
    width = max((len(r) for r in rows), default=0)
    return [[r[k] for r in rows if k < len(r)] for k in range(width)]


def _html_texts(nb: dict) -> Iterator[tuple[int, str]]:
    """The visible text of every HTML output, tags removed (cells separated by ' | ')."""
    for i, cell in _code_cells(nb):
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html") if out.get("output_type") != "stream" else None
            if html:
                text = re.sub(r"</t[dh]>", " | ", _text(html))
                yield i, re.sub(r"<[^>]+>", " ", text)


# --------------------------------------------------------------------------------------------- rules


def errors(nb: dict) -> list[Problem]:
    """A traceback or an error output in any cell."""
    out: list[Problem] = []
    for i, cell in _code_cells(nb):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(Problem("error", i, _snip(f"{o.get('ename', '')}: {_text(o.get('evalue'))}")))
            elif o.get("output_type") == "stream":
                text = _text(o.get("text"))
                at = text.find("Traceback (most recent call last)")
                if at >= 0:
                    last = [ln for ln in text[at:].splitlines() if ln.strip()][-1]
                    out.append(Problem("error", i, f"traceback printed: {_snip(last)}"))
    return out


_WARNING = re.compile(r"\b\w*Warning\b|warnings\.warn")


def warnings_shown(nb: dict) -> list[Problem]:
    """A warning on stderr, unless the cell is tagged ``warning-intended``."""
    out: list[Problem] = []
    for i, cell in _code_cells(nb):
        if INTENDED_WARNING_TAG in _tags(cell):
            continue
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                text = _text(o.get("text"))
                for line in text.splitlines():
                    if _WARNING.search(line) and "Traceback" not in line:
                        out.append(
                            Problem(
                                "warning",
                                i,
                                f"warning shown to the student: {_snip(line)} "
                                f"(fix its cause, or tag the cell '{INTENDED_WARNING_TAG}')",
                            )
                        )
                        break
    return out


_RAW_REPR = re.compile(
    r"\bdtype: \w+|^Name: [^\n]*,\s*(?:dtype|Length):|\bnp\.(?:float|int|uint|bool|str)"
    r"\w*\(|\barray\(\[|\bnp\.(?:True|False)_\b|\btensor\(\["
    r"|\{'[^'\n]{1,40}': "  # a dict printed as Python shows it
    r"|\[\s*-?\d+\.\d*(?:e[-+]?\d+)?(?:\s+-?\d+\.\d*(?:e[-+]?\d+)?)+\s*\]",  # str() of an array
    re.MULTILINE,
)


def raw_reprs(nb: dict) -> list[Problem]:
    """A pandas or NumPy repr in printed text: ``dtype:``, ``Name: ...``, ``np.float64(``, ``array([``."""
    out: list[Problem] = []
    for i, text in _prose_texts(nb):
        seen: set[str] = set()
        for m in _RAW_REPR.finditer(text):  # each kind of repr once per output, at most three
            kind = re.sub(r"[\d.\s]+", "", m.group(0))[:6]
            if kind in seen or len(seen) >= 3:
                continue
            seen.add(kind)
            out.append(
                Problem(
                    "raw-repr",
                    i,
                    f"pandas/NumPy repr {m.group(0).strip()!r}: "
                    f"{_snip(text, m.start(), m.end())} (format it, or display a table)",
                )
            )
    return out


_DATACLASS = re.compile(r"^[\s\[({,]*([A-Z][A-Za-z0-9_]*)\(([a-z_][a-z0-9_]*)=", re.MULTILINE)


def dataclass_reprs(nb: dict) -> list[Problem]:
    """A dataclass repr at the start of a printed line, e.g. ``History(rows=[...``."""
    out: list[Problem] = []
    for i, text in _prose_texts(nb):
        m = _DATACLASS.search(text)
        if m:
            out.append(
                Problem(
                    "dataclass-repr",
                    i,
                    f"dataclass repr {m.group(1)}({m.group(2)}=...: "
                    f"{_snip(text, m.start(1), m.end())} (print the fields a reader needs)",
                )
            )
    return out


_LONG_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?:e[-+]?\d+)?(?![\w.])")


def long_floats(nb: dict) -> list[Problem]:
    """A float with more than four decimals in a printout or a table cell."""
    out: list[Problem] = []
    for i, text in _prose_texts(nb):
        m = _LONG_FLOAT.search(text)
        if m:
            out.append(
                Problem(
                    "long-float",
                    i,
                    f"unrounded {m.group(0)}: {_snip(text, m.start(), m.end())} "
                    "(round it: f'{x:.3f}', DataFrame.round)",
                )
            )
    for i, names, rows in _html_tables(nb):
        for k, col in enumerate(_columns(rows)):
            hit = next((v for v in col if _LONG_FLOAT.fullmatch(v.strip())), None)
            if hit:
                name = names[k] if k < len(names) else ""
                out.append(
                    Problem(
                        "long-float",
                        i,
                        f"table column {name!r} shows {hit} unrounded (DataFrame.round or a Styler format)",
                    )
                )
    return out


_FLOAT_INT = re.compile(r"-?\d+\.0")
_COUNT_WORD = re.compile(
    r"(?<![\w.])((?:n|N|k|n_[a-z_]+|[a-z_]*count|counts|cases|patients|films|images|"
    r"positives|negatives|readers|reads(?: per image)?|replicates|seeds|epochs|rounds)"
    r"\s*(?:=|:)?\s*)(-?\d+\.0)(?![\d.])"
)


def float_counts(nb: dict) -> list[Problem]:
    """An integer count printed as a float: a printed ``n = 375.0``, or a table column all like ``375.0``."""
    out: list[Problem] = []
    for i, text in _prose_texts(nb):
        m = _COUNT_WORD.search(text)
        if m:
            out.append(
                Problem(
                    "float-count",
                    i,
                    f"count printed as a float {m.group(0)!r}: "
                    f"{_snip(text, m.start(), m.end())} (int(...), or a column of integers)",
                )
            )
    for i, names, rows in _html_tables(nb):
        for k, col in enumerate(_columns(rows)):
            values = [v.strip() for v in col if v.strip()]
            if (
                values
                and all(_FLOAT_INT.fullmatch(v) for v in values)
                and any(v not in ("0.0", "1.0", "-0.0") for v in values)
            ):
                name = names[k] if k < len(names) else ""
                out.append(
                    Problem(
                        "float-count",
                        i,
                        f"table column {name!r} holds whole numbers shown as floats "
                        f"({', '.join(values[:3])}, ...); make it an integer column",
                    )
                )
    return out


_NAN = {"nan", "NaN", "<NA>", "NaT", "None"}


def nan_columns(nb: dict) -> list[Problem]:
    """A table column that is NaN in every row."""
    out: list[Problem] = []
    for i, names, rows in _html_tables(nb):
        for k, col in enumerate(_columns(rows)):
            if col and all(v.strip() in _NAN for v in col):
                name = names[k] if k < len(names) else ""
                out.append(
                    Problem(
                        "nan-column",
                        i,
                        f"table column {name!r} is NaN in all {len(col)} rows (fill it, or drop it and say why)",
                    )
                )
    return out


_BAR_PERCENT = re.compile(r"(\d{1,3})%\|")
_BAR_UNKNOWN = re.compile(r"(\d+)/\?")


def _bar_problem(text: str) -> str | None:
    """What is wrong with the last state of a text progress bar, if anything."""
    last = [seg for seg in re.split(r"[\r\n]", text) if seg.strip()]
    if not last:
        return None
    final = last[-1]
    m = _BAR_PERCENT.search(final)
    if m and int(m.group(1)) < 100:
        return f"progress bar stopped at {m.group(1)}%: {_snip(final)}"
    m = _BAR_UNKNOWN.search(final)
    if m:
        return f"progress bar without a total ({m.group(0)}): {_snip(final)} (give tqdm total=...)"
    return None


def _widget_states(nb: dict) -> dict[str, dict]:
    state = nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return {
        k: v.get("state", {}) | {"_model_name": v.get("model_name", v.get("state", {}).get("_model_name"))}
        for k, v in state.get("state", {}).items()
    }


def _widget_tree(states: dict[str, dict], model_id: str, seen: set[str] | None = None) -> Iterator[dict]:
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in states:
        return
    seen.add(model_id)
    st = states[model_id]
    yield st
    for child in st.get("children", []) or []:
        yield from _widget_tree(states, str(child).removeprefix("IPY_MODEL_"), seen)


def progress_bars(nb: dict) -> list[Problem]:
    """A progress bar left short of its end: text (``67%|``, ``32/?``) or a tqdm widget (value < max)."""
    out: list[Problem] = []
    states = _widget_states(nb)
    for i, cell in _code_cells(nb):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                msg = _bar_problem(_text(o.get("text")))
                if msg:
                    out.append(Problem("progress", i, msg))
                continue
            view = o.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if not view:
                continue
            for st in _widget_tree(states, str(view.get("model_id", ""))):
                name = st.get("_model_name", "")
                if name == "FloatProgressModel" or name == "IntProgressModel":
                    value, top = st.get("value"), st.get("max")
                    if isinstance(value, (int, float)) and isinstance(top, (int, float)) and value < top:
                        out.append(Problem("progress", i, f"progress bar widget stopped at {value:g} of {top:g}"))
                elif name == "HTMLModel":
                    text = re.sub(r"<[^>]+>", "", str(st.get("value", "")))
                    m = _BAR_UNKNOWN.search(text)
                    if m:
                        out.append(
                            Problem(
                                "progress",
                                i,
                                f"progress bar without a total ({m.group(0)}): {_snip(text)} (give tqdm total=...)",
                            )
                        )
    return out


def duplicate_images(nb: dict) -> list[Problem]:
    """Two image outputs that are the same picture (the same decoded PNG bytes)."""
    out: list[Problem] = []
    first: dict[str, int] = {}
    for i, cell in _code_cells(nb):
        for o in cell.get("outputs", []):
            png = o.get("data", {}).get("image/png") if o.get("output_type") != "stream" else None
            if not png:
                continue
            try:
                digest = hashlib.sha256(base64.b64decode(_text(png))).hexdigest()
            except (ValueError, TypeError):
                continue
            if digest in first:
                where = "an earlier output of this cell" if first[digest] == i else f"cell {first[digest]}"
                out.append(
                    Problem("duplicate-image", i, f"the same picture as {where} (a static copy of a widget's figure?)")
                )
            else:
                first[digest] = i
    return out


_NUM = r"(-?\d+(?:\.\d+)?)"
_INTERVALS = [
    re.compile(
        _NUM
        + r"\s*\(\s*(?:\d+\s*%\s*)?(?:CI|confidence interval|interval|credible interval)?[:,]?\s*"
        + _NUM
        + r"\s*(?:to|–|—|,)\s*"
        + _NUM
        + r"\s*[),;]"
    ),
    re.compile(_NUM + r"\s*\[\s*" + _NUM + r"\s*(?:,|to|–)\s*" + _NUM + r"\s*\]"),
]


def _out_of_interval(text: str) -> Iterator[tuple[int, int, str]]:
    for pattern in _INTERVALS:
        for m in pattern.finditer(text):
            est, low, high = (float(g) for g in m.groups())
            lo, hi = min(low, high), max(low, high)
            if not lo <= est <= hi:
                yield m.start(), m.end(), m.group(0)


def outside_interval(nb: dict) -> list[Problem]:
    """An estimate printed outside its own interval: ``0.020 (95% CI 0.026 to 0.281)``."""
    out: list[Problem] = []
    texts = list(_prose_texts(nb)) + list(_html_texts(nb))
    for i, text in texts:
        for start, end, hit in _out_of_interval(text):
            out.append(
                Problem(
                    "outside-interval",
                    i,
                    f"estimate outside its interval {hit.strip()!r}: "
                    f"{_snip(text, start, end)} (estimate and interval from different data?)",
                )
            )
    return out


#: Every rule, by name, in the order the report lists them.
RULES: dict[str, Callable[[dict], list[Problem]]] = {
    "error": errors,
    "warning": warnings_shown,
    "raw-repr": raw_reprs,
    "dataclass-repr": dataclass_reprs,
    "long-float": long_floats,
    "float-count": float_counts,
    "nan-column": nan_columns,
    "progress": progress_bars,
    "duplicate-image": duplicate_images,
    "outside-interval": outside_interval,
}


def check(nb: dict, *, rules: list[str] | None = None) -> list[Problem]:
    """Every problem of an executed notebook's outputs, by rule then cell.

    Parameters
    ----------
    nb : dict
        An executed notebook (``nbformat`` node or the parsed JSON).
    rules : list of str, optional, keyword-only
        Names from :data:`RULES` to run (default: all).

    Examples
    --------
    >>> cell = {"cell_type": "code", "metadata": {}, "source": "print(s)", "outputs": [
    ...     {"output_type": "stream", "name": "stdout", "text": "a    0.5\\nName: auc, dtype: float64\\n"}]}
    >>> for p in check({"cells": [cell]}): print(p.rule, p.cell, p.text[:50])
    raw-repr 0 pandas/NumPy repr 'Name: auc, dtype:': a 0.5 Name:
    """
    names = list(RULES) if rules is None else rules
    unknown = [r for r in names if r not in RULES]
    if unknown:
        raise ValueError(f"unknown output rule(s) {unknown}; known: {', '.join(RULES)}.")
    problems: list[Problem] = []
    for name in names:
        problems.extend(RULES[name](nb))
    return problems


def check_file(path: str | Path) -> list[Problem]:
    """:func:`check` on the executed notebook stored at ``path``."""
    return check(json.loads(Path(path).read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    paths = argv if argv is not None else sys.argv[1:]
    if not paths:
        print("usage: python -m radkit.devtools.outputs EXECUTED.ipynb ...", file=sys.stderr)
        return 2
    total = 0
    for path in paths:
        problems = check_file(path)
        total += len(problems)
        print(f"{path}: {len(problems)} problem(s)" if problems else f"{path}: clean")
        for p in problems:
            print(f"  {p}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
