"""The web book: the executed lessons as a static HTML site that works offline (``make book``).

Built with Jupyter Book 1 (Sphinx, MyST-NB; the optional ``course`` extra) from
notebooks executed once in the quick profile: :func:`execute` writes them to
``build/executed/quick/notebooks/`` and reuses any that are newer than their
source (``make run RADKIT_PROFILE=quick`` writes the same files), so the book
never runs a lesson a second time. :func:`assemble` lays out the book's sources:

* a landing page listing the thirteen considerations with the paper's reference;
* one chapter per executed lesson, each widget replaced by its first draw (the
  figure it drew when the notebook ran) and a line saying it is live in JupyterLab
  (:func:`static_widgets`), so no widget script is fetched;
* the metric glossary, the instructor guide, the data cards, the exercises
  without their answers, and the benchmarks page.

MathJax is vendored from the npm registry (``npm pack mathjax@3``, SVG output: one
file, no web fonts) into the book, so pages render without the internet.
:func:`site_problems` checks the built HTML: every internal link and anchor
resolves, every image decodes, nothing is loaded from another host. The browser
check (every page loads in headless Chromium without a console error) lives in
:mod:`radkit.devtools.browse`.

Run ``python -m radkit.devtools.book --out build/book`` (``make book``).
"""

from __future__ import annotations

import argparse
import copy
import html
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["static_widgets", "execute", "assemble", "build", "site_problems", "vendor_mathjax", "main"]

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
MATHJAX = "mathjax@3.2.2"
_LIVE = (
    '<p class="radkit-live"><em>In JupyterLab this figure is live: run the notebook and move the '
    "widget's controls. The book shows the first draw.</em></p>"
)


def _children(state: dict, model_id: str) -> list[str]:
    """The model ids that one widget model refers to (``IPY_MODEL_...`` values), depth first."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str) and value.startswith("IPY_MODEL_"):
            found.append(value[len("IPY_MODEL_") :])
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk(state.get(model_id, {}).get("state", {}))
    return found


def _tree(state: dict, model_id: str) -> list[str]:
    seen: list[str] = []
    stack = [model_id]
    while stack:
        mid = stack.pop(0)
        if mid in seen or mid not in state:
            continue
        seen.append(mid)
        stack.extend(_children(state, mid))
    return seen


def static_widgets(nb: dict) -> dict:
    """A copy of an executed notebook with every widget replaced by what it showed when it ran.

    A widget holding an output area (``interact``) becomes the outputs it drew
    (its figure) and a line saying the figure is live in JupyterLab; a widget
    without one (a progress bar) becomes its text; the saved widget state is
    removed, so a static renderer loads no widget script.

    Examples
    --------
    >>> state = {"a": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_b"]}},
    ...          "b": {"model_name": "OutputModel", "state": {"outputs": [
    ...              {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}]}}}
    >>> nb = {"metadata": {"widgets": {STATE: {"state": state}}}, "cells": [{"cell_type": "code",
    ...       "outputs": [{"output_type": "display_data", "data": {VIEW: {"model_id": "a"}}}]}]}
    >>> out = static_widgets(nb)
    >>> [list(o.get("data", {})) for o in out["cells"][0]["outputs"]], "widgets" in out["metadata"]
    ([['image/png'], ['text/html', 'text/plain']], False)
    """
    nb = copy.deepcopy(nb)
    state = nb.get("metadata", {}).pop("widgets", {}).get(STATE, {}).get("state", {})
    for cell in nb.get("cells", []):
        outputs = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(VIEW)
            if view is None:
                outputs.append(out)
                continue
            tree = _tree(state, view.get("model_id", ""))
            drawn = [
                o
                for mid in tree
                if state[mid].get("model_name") == "OutputModel"
                for o in state[mid]["state"].get("outputs", [])
            ]
            if drawn:
                outputs.extend(drawn)
                outputs.append(
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/html": _LIVE, "text/plain": "(live in JupyterLab)"},
                    }
                )
                continue
            words = [
                html.unescape(re.sub(r"<[^>]+>", "", str(state[mid]["state"].get(key, ""))))
                for mid in tree
                for key in ("description", "value")
                if state[mid].get("model_name") in ("HTMLModel", "LabelModel")
            ]
            text = " ".join(w.strip() for w in words if w and w.strip())
            if text:
                outputs.append({"output_type": "stream", "name": "stdout", "text": text + "\n"})
        cell["outputs"] = outputs
    return nb


def _title(nb: dict, fallback: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", [])).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def execute(
    notebooks: list[Path], out: str | Path, *, profile: str = "quick", timeout: int = 1800, env: dict | None = None
) -> list[Path]:
    """Execute each notebook once into ``out`` (reusing a copy newer than its source); return the executed paths.

    The kernel runs with ``RADKIT_PROFILE=profile`` and matplotlib's inline
    backend, so figures are saved in the outputs, and the widgets' state is saved
    with them (what :func:`static_widgets` reads).
    """
    import os

    import nbformat
    from nbclient import NotebookClient

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    done = []
    saved = {k: os.environ.get(k) for k in ("RADKIT_PROFILE", "MPLBACKEND", *(env or {}))}
    os.environ["RADKIT_PROFILE"] = profile
    os.environ.pop("MPLBACKEND", None)  # Agg would keep the figures out of the outputs
    os.environ.update(env or {})
    try:
        for path in notebooks:
            target = out / Path(path).name
            if not (target.exists() and target.stat().st_mtime >= Path(path).stat().st_mtime):
                nb = nbformat.read(path, as_version=4)
                print(f"executing {path} ({profile} profile)", flush=True)
                NotebookClient(
                    nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(Path(path).parent)}}
                ).execute()
                nbformat.write(nb, target)
            done.append(target)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return done


def vendor_mathjax(cache: str | Path) -> Path:
    """MathJax's single-file SVG build, from the npm registry once, kept in ``cache``; returns its path."""
    cache = Path(cache)
    target = cache / "tex-svg.js"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError(
            "the book renders formulas with MathJax, taken from the npm registry, and npm is not installed "
            "(Debian/Ubuntu: apt-get install -y npm); or copy MathJax 3's es5/tex-svg.js to " + str(target)
        )
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "pack", MATHJAX, "--silent"], cwd=cache, capture_output=True, text=True)
    tgz = cache / done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else None
    if tgz is None or not tgz.exists():
        raise RuntimeError(f"npm pack {MATHJAX} failed: {done.stderr.strip() or done.stdout.strip()}")
    with tarfile.open(tgz) as tar:
        member = tar.extractfile("package/es5/tex-svg.js")
        target.write_bytes(member.read())
    tgz.unlink()
    return target


_CONFIG = """\
# Written by radkit.devtools.book; edit the generator, not this file.
title: radkit
author: the radkit contributors
copyright: "2026"
only_build_toc_files: true
exclude_patterns: [_build]
execute:
  execute_notebooks: "off"
parse:
  myst_enable_extensions: [dollarmath, amsmath, colon_fence, linkify]
html:
  use_repository_button: false
  use_issues_button: false
  use_edit_page_button: false
  use_multitoc_numbering: false
launch_buttons:
  notebook_interface: jupyterlab
  thebe: false
  binderhub_url: ""
  colab_url: ""
sphinx:
  config:
    html_static_path: [_static]
    mathjax_path: mathjax/tex-svg.js
    nb_ipywidgets_js: {}
    html_show_sourcelink: false
    myst_heading_anchors: 2
    suppress_warnings: [myst.header, mystnb.unknown_mime_type]
"""


_ALSO = {
    "glossary": "[Metric glossary](docs/glossary.md): AUC, PR-AUC, sensitivity and specificity, PPV and NPV, ECE, "
    "Brier score, intervals, DeLong.",
    "instructors": "[Instructor guide](docs/instructors.md): objectives, timings, discussion questions, course plans, "
    "nbgrader.",
    "data": "[Data](datasets/README.md): the public chest X-ray sets the kit reads, one card each.",
    "benchmarks": "[Benchmarks](docs/benchmarks.md): measured times, peer agreement and speed, with the device each "
    "came from.",
}


def _lessons_page(chapters: list[tuple[str, str]], pages: list[str]) -> str:
    rows = "\n".join(f"* [{title}]({stem}.ipynb)" for stem, title in chapters)
    also = "\n".join(f"* {_ALSO[p]}" for p in pages if p in _ALSO)
    return f"""# radkit: machine learning for clinical chest radiology

Thirteen considerations for taking a machine-learning model into radiology practice, from
Kulkarni V, Gawali M, Kharat A. *Key Technology Considerations in Developing and Deploying Machine
Learning Models in Clinical Radiology Practice.* JMIR Med Inform 2021;9(9):e28776. Each lesson below
is a notebook of the kit, executed in its quick profile (small synthetic radiographs, a few
training epochs on a CPU): open the same notebook in JupyterLab (`make lab`) to run it, change its
knobs, and run it in the standard profile.

## Lessons

{rows}

## Also in this book

The exercises, without their answers (the worked answers stay in the kit's `solutions/`), and:

{also}
"""


_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def _unlink_missing(text: str, here: Path, src: Path) -> str:
    """Markdown links to relative paths that are not pages of the book, turned into their plain text."""

    def keep(match: re.Match) -> str:
        label, target = match.group(1), match.group(2)
        url = urlsplit(target)
        if url.scheme or target.startswith(("#", "/", "mailto:")):
            return match.group(0)
        path = (here / unquote(url.path)).resolve()
        inside = path == src.resolve() or src.resolve() in path.parents
        return match.group(0) if inside and path.is_file() else label

    return _LINK.sub(keep, text)


_ANCHOR = re.compile(r'<a id="([^"]+)"></a>\s*\n#+ (.+)')


def _slug(title: str) -> str:
    """MyST's heading anchor for a title (lower case, punctuation dropped, spaces as dashes)."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def _anchor_slugs(src: Path) -> dict[str, str]:
    """``<a id="auc"></a>`` before a heading, in the book's markdown pages: id -> the heading's MyST anchor."""
    found = {}
    for md in src.rglob("*.md"):
        for anchor, title in _ANCHOR.findall(md.read_text(encoding="utf-8")):
            found[f"{md.name}#{anchor}"] = f"{md.name}#{_slug(title)}"
    return found


def _slug_links(text: str, anchors: dict[str, str]) -> str:
    """Links to an HTML anchor of a markdown page, pointed at the heading's anchor, which Sphinx resolves."""
    for old, new in anchors.items():
        text = text.replace(old + ")", new + ")")
        # the same page's own links, such as [PR-AUC](#pr-auc) inside the glossary
        text = text.replace("](#" + old.split("#", 1)[1] + ")", "](#" + new.split("#", 1)[1] + ")")
    return text


def _write_nb(nb: dict, target: Path) -> None:
    target.write_text(json.dumps(nb), encoding="utf-8")


def assemble(root: str | Path, executed: list[Path], src: str | Path, *, mathjax: Path) -> Path:
    """Write the book's source folder ``src`` from the executed lessons and the kit's docs; return ``src``."""
    root, src = Path(root), Path(src)
    if src.exists():
        shutil.rmtree(src)
    for sub in ("notebooks", "exercises", "docs", "datasets", "_static/mathjax"):
        (src / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy(mathjax, src / "_static" / "mathjax" / "tex-svg.js")
    chapters, exercises = [], []
    for path in executed:
        nb = static_widgets(json.loads(Path(path).read_text(encoding="utf-8")))
        chapters.append((f"notebooks/{path.stem}", _title(nb, path.stem)))
        _write_nb(nb, src / "notebooks" / path.name)
        exercise = root / "exercises" / path.name
        if exercise.exists():
            _write_nb(json.loads(exercise.read_text(encoding="utf-8")), src / "exercises" / path.name)
            exercises.append(f"exercises/{path.stem}")
    docs = [d for d in ("glossary", "instructors", "benchmarks") if (root / "docs" / f"{d}.md").exists()]
    for d in docs:
        shutil.copy(root / "docs" / f"{d}.md", src / "docs" / f"{d}.md")
    cards = sorted(p for p in (root / "datasets").glob("*.md") if p.name != "README.md")
    for card in [root / "datasets" / "README.md", *cards]:
        if card.exists():
            shutil.copy(card, src / "datasets" / card.name)
    pages = docs + (["data"] if (src / "datasets" / "README.md").exists() else [])
    (src / "intro.md").write_text(_lessons_page(chapters, pages), encoding="utf-8")
    anchors = _anchor_slugs(src)
    for md in src.rglob("*.md"):  # links to the kit's files outside the book become plain text
        md.write_text(_slug_links(_unlink_missing(md.read_text(encoding="utf-8"), md.parent, src), anchors), "utf-8")
    for ipynb in src.rglob("*.ipynb"):
        nb = json.loads(ipynb.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = _slug_links(_unlink_missing("".join(cell["source"]), ipynb.parent, src), anchors)
        ipynb.write_text(json.dumps(nb), encoding="utf-8")
    toc = ["format: jb-book", "root: intro", "parts:", "  - caption: Lessons", "    chapters:"]
    toc += [f"      - file: {stem}" for stem, _ in chapters]
    if exercises:
        toc += ["  - caption: Exercises", "    chapters:"] + [f"      - file: {e}" for e in exercises]
    toc += ["  - caption: Reference", "    chapters:"] + [f"      - file: docs/{d}" for d in docs]
    if "data" in pages:
        toc += ["      - file: datasets/README", "        sections:"]
        toc += [f"          - file: datasets/{c.stem}" for c in cards]
    (src / "_toc.yml").write_text("\n".join(toc) + "\n", encoding="utf-8")
    (src / "_config.yml").write_text(_CONFIG, encoding="utf-8")
    return src


def build(src: str | Path, out: str | Path) -> tuple[Path, list[str]]:
    """Run Jupyter Book on ``src``; return the HTML folder and Sphinx's warnings."""
    exe = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    if exe is None:
        raise ModuleNotFoundError(
            "Jupyter Book is not installed; install the course extra: pip install -e '.[course]'."
        )
    out = Path(out)
    done = subprocess.run(
        [exe, "build", str(src), "--path-output", str(out), "--builder", "html"], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    warnings = [line for line in (done.stdout + done.stderr).splitlines() if "WARNING" in line]
    html_dir = out / "_build" / "html"
    for page in html_dir.rglob("*.html"):
        text = _one_of_each_script(page.read_text(encoding="utf-8"))
        # the theme reads its colour mode from the browser's storage and logs an error on a first visit, when
        # the storage is empty; start from "auto" (what the theme falls back to) instead
        text = text.replace('localStorage.getItem("mode") || ""', 'localStorage.getItem("mode") || "auto"')
        page.write_text(text, encoding="utf-8")
    return html_dir, warnings


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>\s*", re.DOTALL)
_SRC = re.compile(r"""\bsrc=["']([^"'?]+)""")


def _one_of_each_script(page: str) -> str:
    """Drop a script a page loads twice (Jupyter Book 1 adds MathJax and the thebe settings twice: loaded
    twice, MathJax throws and the second ``const THEBE_JS_URL`` is a redeclaration error in the console),
    and thebe's scripts, which would fetch code from unpkg.com on a click (the book runs no code).

    >>> _one_of_each_script('<script src="a.js?v=1"></script><script defer src="a.js?v=1"></script><p>x</p>')
    '<script src="a.js?v=1"></script><p>x</p>'
    """
    seen: set[str] = set()

    def once(match: re.Match) -> str:
        if "thebe" in match.group(0).lower():  # live code cells are off: no thebe settings or loader (unpkg.com)
            return ""
        src = _SRC.search(match.group(1))
        key = f"src:{src.group(1)}" if src else f"body:{match.group(2).strip()}"
        if key in seen and key != "body:":
            return ""
        seen.add(key)
        return match.group(0)

    return _SCRIPT.sub(once, page)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            elif name in ("href", "src") and value:
                self.links.append((tag, name, value))


def site_problems(html_dir: str | Path) -> list[str]:
    """Problems of a built site: broken internal links or anchors, images that do not decode, remote resources.

    A link to another host from an ``<a>`` is a reference and is allowed; a
    script, style sheet, image or font from another host would not load offline.
    """
    from PIL import Image

    html_dir = Path(html_dir)
    pages = {p: _Page() for p in sorted(html_dir.rglob("*.html")) if "_static" not in p.relative_to(html_dir).parts}
    for path, page in pages.items():
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
    problems = []
    for path, page in pages.items():
        where = path.relative_to(html_dir)
        for tag, attr, value in page.links:
            url = urlsplit(value)
            if url.scheme in ("http", "https") or value.startswith("//"):
                if tag != "a":
                    problems.append(f"{where}: <{tag} {attr}> loads {value} from the internet")
                continue
            if url.scheme in ("mailto", "data", "javascript") or (not url.path and not url.fragment):
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{where}: <{tag} {attr}={value!r}> points to a missing file")
                continue
            if url.fragment and target in pages and url.fragment not in pages[target].ids:
                problems.append(f"{where}: link {value!r}: no anchor #{url.fragment} in {target.name}")
            if tag == "img" and target.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif"):
                try:
                    with Image.open(io.BytesIO(target.read_bytes())) as im:
                        im.load()
                except Exception as err:
                    problems.append(f"{where}: image {value} does not decode ({type(err).__name__}: {err})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.devtools.book", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="lesson notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--out", type=Path, default=Path("build/book"))
    parser.add_argument("--executed", type=Path, default=Path("build/executed/quick/notebooks"))
    parser.add_argument("--vendor", type=Path, default=Path("build/vendor/mathjax"))
    args = parser.parse_args(argv)
    lessons = args.notebooks or sorted((args.root / "notebooks").glob("*.ipynb"))
    if not lessons:
        parser.error(f"no notebooks in {args.root / 'notebooks'}; run from the kit's folder or give --root.")
    executed = execute(lessons, args.executed, profile="quick")
    src = assemble(args.root, executed, args.out / "src", mathjax=vendor_mathjax(args.vendor))
    html_dir, warnings = build(src, args.out)
    problems = site_problems(html_dir)
    for line in warnings:
        print(line)
    for line in problems:
        print("problem:", line)
    print(
        f"book: {html_dir / 'index.html'} ({len(executed)} lessons, {len(warnings)} Sphinx warnings, "
        f"{len(problems)} problems)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
