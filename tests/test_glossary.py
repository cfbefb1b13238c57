"""docs/glossary.md: the metric terms the lessons link to, and every link into it resolves."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
ANCHORS = {
    "auc",
    "pr-auc",
    "sensitivity-specificity",
    "ppv-npv",
    "ece",
    "brier-score",
    "confidence-interval",
    "delong-test",
    "calibration",
}


def _anchors() -> set[str]:
    return set(re.findall(r'<a id="([^"]+)"></a>', GLOSSARY.read_text(encoding="utf-8")))


def test_glossary_has_every_metric_anchor():
    assert _anchors() >= ANCHORS, sorted(ANCHORS - _anchors())


def test_every_glossary_link_in_notebooks_resolves():
    anchors = _anchors()
    bad = []
    for path in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*.ipynb")]):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for anchor in re.findall(r"glossary\.md#([\w-]+)", text):
                if anchor not in anchors:
                    bad.append(f"{path.name}: #{anchor}")
    assert not bad, bad


def test_tour_links_the_glossary_in_its_setup_markdown():
    cells = json.loads((ROOT / "notebooks" / "00_tour.ipynb").read_text(encoding="utf-8"))["cells"]
    setup = next(i for i, c in enumerate(cells) if "radkit.setup()" in "".join(c["source"]))
    after = "".join(cells[setup + 1]["source"])
    assert "../docs/glossary.md" in after
