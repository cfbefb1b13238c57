"""make book: the executed lessons as an offline web book, checked in headless Chromium (issue 35, item 1)."""

from __future__ import annotations

import base64
import io
import os
import shutil
from pathlib import Path

import pytest

from radkit.devtools import book

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["06_asymmetric_costs", "12_fairness"]  # formulas, a widget, tables and figures; seconds each in quick


def _png() -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _needs(what: str, ok: bool) -> None:
    """Skip a check whose tool is missing on a developer's machine; in CI (CI=true) a missing tool is a failure."""
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing in CI: .ci/run installs it (see the README's course section)")
        pytest.skip(f"{what} is not installed (see the README's course section)")


def test_site_problems_finds_each_kind_of_problem(tmp_path):
    (tmp_path / "img.png").write_bytes(base64.b64decode(_png()))
    (tmp_path / "bad.png").write_bytes(b"not a png")
    (tmp_path / "other.html").write_text('<h1 id="here">x</h1>')
    (tmp_path / "index.html").write_text(
        '<a href="other.html#here">ok</a> <a href="other.html#gone">anchor</a> <a href="missing.html">file</a>'
        '<img src="img.png"> <img src="bad.png"> <script src="https://cdn.example/x.js"></script>'
        '<a href="https://doi.org/10.2196/28776">a reference may point outside</a>'
    )
    problems = book.site_problems(tmp_path)
    assert len(problems) == 4, problems
    for words in ("#gone", "missing.html", "bad.png", "from the internet"):
        assert any(words in p for p in problems), (words, problems)


def test_links_to_files_outside_the_book_become_text(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "glossary.md").write_text("# g")
    text = "[AUC](../docs/glossary.md#auc), [code](../../radkit/metrics.py), [web](https://x.org), [top](#top)"
    out = book._unlink_missing(text, tmp_path / "notebooks", tmp_path)
    assert out == "[AUC](../docs/glossary.md#auc), code, [web](https://x.org), [top](#top)"


def test_progress_bars_become_text_and_widget_state_is_dropped():
    state = {
        "h": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_a", "IPY_MODEL_b"]}},
        "a": {"model_name": "HTMLModel", "state": {"value": "draws: 100%"}},
        "b": {"model_name": "HTMLModel", "state": {"value": " 2/2 [00:05&lt;00:00]"}},
    }
    nb = {
        "metadata": {"widgets": {book.STATE: {"state": state}}},
        "cells": [
            {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {book.VIEW: {"model_id": "h"}}}]}
        ],
    }
    out = book.static_widgets(nb)
    assert out["cells"][0]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "draws: 100% 2/2 [00:05<00:00]\n"}
    ]
    assert "widgets" not in out["metadata"] and "widgets" in nb["metadata"]  # the input is left as it was


def test_two_chapter_book_builds_offline_and_every_page_opens_in_chromium(tmp_path):
    pytest.importorskip("jupyter_book", reason="the course extra: pip install -e '.[course]'")
    _needs("npm (MathJax comes from the npm registry)", shutil.which("npm") is not None)
    from radkit.devtools import browse

    try:
        browse.chromium()
    except FileNotFoundError:
        _needs("Chromium", False)
    executed = book.execute([ROOT / "notebooks" / f"{c}.ipynb" for c in CHAPTERS], tmp_path / "executed")
    cache = ROOT / "build" / "vendor" / "mathjax"  # kept between runs: one npm download per machine
    src = book.assemble(ROOT, executed, tmp_path / "book" / "src", mathjax=book.vendor_mathjax(cache))
    html_dir, warnings = book.build(src, tmp_path / "book")
    assert not [w for w in warnings if "xref_missing" in w or "image" in w.lower()], warnings
    assert book.site_problems(html_dir) == []
    pages = {p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html") if "_static" not in p.parts}
    for c in CHAPTERS:
        assert f"notebooks/{c}.html" in pages and f"exercises/{c}.html" in pages
    chapter = (html_dir / "notebooks" / "12_fairness.html").read_text()
    assert "radkit-live" in chapter and "<img" in chapter  # the widget's first draw, with its note
    assert "widget-view+json" not in chapter and "unpkg.com" not in chapter
    report = browse.browse(html_dir)
    assert set(report) == pages
    assert {k: v for k, v in report.items() if v} == {}
