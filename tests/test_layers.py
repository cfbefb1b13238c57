"""The import graph of radkit: no cycle (lazy imports included) and no import from a lower floor to a higher one.

Every ``import`` statement in ``radkit/`` counts, wherever it stands: at module
level, inside a function (a lazy import), under ``if TYPE_CHECKING:``. Importing
``radkit.a.b`` from outside ``radkit.a`` also runs ``radkit/a/__init__.py``, so
it counts as an import of ``radkit.a`` too. The floors are
:data:`radkit._layers.FLOORS`, printed in the :mod:`radkit` docstring.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

import radkit
from radkit._layers import FLOORS, describe, floor_of

ROOT = Path(radkit.__file__).resolve().parent


@dataclass(frozen=True)
class Edge:
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    file: str  # the importing file, from the repository root
    line: int
    implicit: bool = False  # the parent package an import of a submodule runs

    def where(self) -> str:
        how = f" (which runs {self.target.replace('.', '/')}/__init__.py)" if self.implicit else ""
        return f"{self.file}:{self.line} imports {self.target}{how}"


def modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every .py file under ``root`` (a package directory)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _targets(name: str, path: Path, node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative import
        base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    # ``from radkit import stats`` imports the module radkit.stats; ``from radkit.stats import Estimate`` radkit.stats
    return [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module for alias in node.names]


def _own_submodule(call: ast.Call) -> bool:
    """``import_module(f"{__name__}.{...}")``: a package loading its own submodules (a plugin registry)."""
    arg = call.args[0] if call.args else None
    return (
        isinstance(arg, ast.JoinedStr)
        and bool(arg.values)
        and isinstance(arg.values[0], ast.FormattedValue)
        and isinstance(arg.values[0].value, ast.Name)
        and arg.values[0].value.id == "__name__"
    )


def _dynamic_imports(tree: ast.Module) -> list[tuple[ast.Call, bool]]:
    """``importlib.import_module(...)`` calls, each with whether it is allowed: inside a ``__getattr__``
    (a module's own, or the one radkit._compat.moved_attributes builds: forwarding a moved name) or loading
    the package's own submodules."""
    forwards = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            forwards |= {id(n) for n in ast.walk(node)}
    calls = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Attribute, ast.Name))
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
        ):
            calls.append((node, id(node) in forwards or _own_submodule(node)))
    return calls


def import_edges(root: Path) -> tuple[dict[str, Path], list[Edge]]:
    """Every import between modules of the package at ``root``, lazy and TYPE_CHECKING ones included."""
    known = modules(root)
    edges = []
    for name, path in known.items():
        file = path.relative_to(root.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _targets(name, path, node, known):
                if target not in known or target == name:
                    continue
                edges.append(Edge(name, target, file, node.lineno))
                # the packages between the root and the target run too, unless the importer is inside them
                parts = target.split(".")
                for k in range(2, len(parts)):
                    package = ".".join(parts[:k])
                    if package != name and not name.startswith(package + ".") and package in known:
                        edges.append(Edge(name, package, file, node.lineno, implicit=True))
    return known, edges


def cycles(nodes, edges: list[Edge]) -> list[tuple[frozenset[str], list[Edge]]]:
    """Every strongly connected component with more than one module (Tarjan), with one cycle through it."""
    out_edges = defaultdict(list)
    for e in edges:
        out_edges[e.source].append(e)
    index, low, stack, on_stack, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):  # iterative Tarjan: the import graph is deep enough to trouble recursion limits in CI
        work = [(v, iter(out_edges[v]))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for e in it:
                w = e.target
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(out_edges[w])))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.add(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    comps.append(comp)

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return [(frozenset(comp), _one_cycle(comp, out_edges)) for comp in comps]


def _one_cycle(comp: set[str], out_edges) -> list[Edge]:
    """A shortest cycle through the component's first module, as the edges that make it."""
    start = min(comp)
    paths = {start: []}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for e in sorted(out_edges[v], key=lambda e: (e.target, e.line)):
            if e.target not in comp:
                continue
            if e.target == start:
                return paths[v] + [e]
            if e.target not in paths:
                paths[e.target] = paths[v] + [e]
                queue.append(e.target)
    raise AssertionError(f"no cycle found in component {sorted(comp)}")


def _report(component: frozenset[str], cycle: list[Edge]) -> str:
    return (
        f"  {len(component)} modules import each other in a circle: {', '.join(sorted(component))}; one cycle:\n"
        "    "
        + " -> ".join([cycle[0].source, *(e.target for e in cycle)])
        + "\n"
        + "\n".join(f"      {e.where()}" for e in cycle)
    )


@pytest.fixture(scope="module")
def graph():
    return import_edges(ROOT)


# ----------------------------------------------------------------------------- the analyser finds what it must


def test_the_analyser_sees_lazy_relative_type_checking_and_package_imports(tmp_path):
    pkg = tmp_path / "radkit"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def f():\n    from radkit.high import g  # lazy\n    return g\n")
    (pkg / "high.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import low\n")
    (pkg / "sub" / "__init__.py").write_text("from .leaf import x\n")
    (pkg / "sub" / "leaf.py").write_text("x = 1\n")
    (pkg / "user.py").write_text("import radkit.sub.leaf\n")
    known, edges = import_edges(pkg)
    pairs = {(e.source, e.target) for e in edges}
    assert {
        ("radkit.low", "radkit.high"),
        ("radkit.high", "radkit.low"),
        ("radkit.sub", "radkit.sub.leaf"),
        ("radkit.user", "radkit.sub.leaf"),
        ("radkit.user", "radkit.sub"),
    } <= pairs
    found = cycles(known, edges)
    assert [sorted(comp) for comp, _ in found] == [["radkit.high", "radkit.low"]]
    assert "radkit/low.py:2 imports radkit.high" in _report(*found[0])


# ----------------------------------------------------------------------------- no cycle


def test_no_import_cycle_lazy_imports_included(graph):
    known, edges = graph
    found = cycles(known, edges)
    assert not found, (
        "import cycles (each import is listed with its file and line; move the shared piece down "
        "to a module both can import):\n" + "\n".join(_report(*c) for c in found)
    )


# ----------------------------------------------------------------------------- the floors


def test_every_module_stands_on_exactly_one_floor(graph):
    known, _ = graph
    listed = [unit for _name, _what, units in FLOORS for unit in units]
    assert len(listed) == len(set(listed)), f"a module is on two floors: {sorted(listed)}"
    unplaced = sorted({m.split(".")[1] for m in known if "." in m and floor_of(m) is None})
    assert not unplaced, (
        f"radkit module(s) {unplaced} stand on no floor: add each to the lowest floor of "
        "radkit/_layers.py FLOORS whose modules it imports."
    )


def test_no_import_from_a_lower_floor_to_a_higher_one(graph):
    _, edges = graph
    upward = sorted(
        {
            (e.where(), e.source, e.target)
            for e in edges
            if floor_of(e.source) is not None
            and floor_of(e.target) is not None
            and floor_of(e.target) > floor_of(e.source)
        }
    )
    lines = [
        f"  {where}: floor '{FLOORS[floor_of(src)][0]}' may not import floor '{FLOORS[floor_of(dst)][0]}'"
        for where, src, dst in upward
    ]
    assert not lines, (
        "imports that break the layer order of radkit/_layers.py (move the shared piece down, "
        "or pass it in as an argument):\n" + "\n".join(lines)
    )


def test_dynamic_imports_only_forward_old_names(graph):
    known, _ = graph
    bad = []
    for path in known.values():
        for call, allowed in _dynamic_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if not allowed:
                bad.append(f"{path.relative_to(ROOT.parent).as_posix()}:{call.lineno}")
    assert not bad, (
        "importlib.import_module outside a module-level __getattr__ (where it forwards a moved name, "
        "with a FutureWarning) or a package's loader of its own submodules hides an import from this "
        "test; write a plain import: " + ", ".join(bad)
    )


def test_the_package_docstring_shows_the_floors():
    flat = lambda text: " ".join(text.split())
    assert flat(describe()) in flat(radkit.__doc__), (
        "the radkit docstring's floors differ from radkit/_layers.py FLOORS; paste radkit._layers.describe() there."
    )


def test_a_ground_module_loads_nothing_above_it_at_run_time():
    """The forward of moved names in radkit.stats runs only when an old name is used."""
    code = (
        "import sys, radkit.stats as s; s.Estimate(0.5); "
        "print(sorted(m for m in sys.modules if m.startswith('radkit')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent
    ).stdout
    loaded = eval(out)  # our own printed list
    assert "radkit.metrics" not in loaded and "radkit.data" not in loaded, loaded


# ----------------------------------------------------------------------------- short modules

#: Modules that transcribe a table from a standard (one row a line) may be longer; nothing else is.
TRANSCRIBED_TABLES = {"_annex_e.py"}  # DICOM PS3.15 Annex E, Table E.1-1
MAX_MODULE_LINES = 700


def test_no_module_needs_scrolling_to_find_its_purpose():
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in ROOT.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and p.name not in TRANSCRIBED_TABLES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by concern, as radkit/dicom/ is): {long}"
