"""Notebooks that declare real-image support run end to end on fake NIH and CheXpert folders.

A notebook declares support in its metadata (``radkit.real_images``, see
:mod:`radkit.devtools.real_notebooks`).

* ``make test`` runs the first :data:`CI_SUBSET` marked notebooks, those in
  :data:`CI_FIRST` first (a cheap lesson), in the quick profile with
  ``RADKIT_IMAGES=nih`` on the enriched quick-sized fake folders of
  ``tests/conftest.py`` (2,500 images per source: the lesson's model learns), and
  the first that supports CheXpert with ``RADKIT_IMAGES=chexpert`` too.
* ``make real-check`` sets ``RADKIT_REAL_NOTEBOOKS=all`` (or names some:
  ``RADKIT_REAL_NOTEBOOKS=07_performance_measures,08_generalization``) and runs each
  chosen notebook on **every source it accepts** among the fake ones (NIH, CheXpert,
  PadChest, VinDr-CXR), each a random 2,500-film sample at the source's real
  prevalence (``fake_cxr_data_real_prevalence``), with ``RADKIT_EXTERNAL`` naming the
  other accepted sources, so cross-source sections run too.
  ``RADKIT_REAL_SOURCES=nih,padchest`` narrows the training sources.

A small demonstration notebook, built here, runs in any case: setup reads
the switch, ``lesson_data`` + ``train.fit`` + ``train.predict`` work on the fake
NIH folder inside a Jupyter kernel.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from radkit.config import REAL_SOURCES
from radkit.devtools.fake_cxr import SAMPLE_SOURCES
from radkit.devtools.real_notebooks import marked_notebooks, real_image_sources

ROOT = Path(__file__).resolve().parents[1]
CI_SUBSET = 1
#: Marked notebooks CI prefers (07 trains two small CNNs; 01 trains dozens and would take minutes).
CI_FIRST = ("07_performance_measures",)
TIMEOUT = 900


def _selected() -> list[tuple[Path, str, str]]:
    """(notebook, training source, folder kind): ``enriched`` in make test, ``real`` (prevalence) in make real-check."""
    marked = marked_notebooks(ROOT / "notebooks")
    wanted = os.environ.get("RADKIT_REAL_NOTEBOOKS", "").strip()
    if not wanted:
        chosen = sorted(marked, key=lambda p: (p.stem not in CI_FIRST, p.name))[:CI_SUBSET]
        runs = [(p, "nih", "enriched") for p in chosen if "nih" in marked[p]]
        chexpert = next((p for p in chosen if "chexpert" in marked[p]), None)
        return runs + ([(chexpert, "chexpert", "enriched")] if chexpert is not None else [])
    names = {w.strip() for w in wanted.split(",")}
    chosen = [p for p in marked if wanted == "all" or p.stem in names]
    sources = [s.strip() for s in os.environ.get("RADKIT_REAL_SOURCES", "").split(",") if s.strip()]
    return [
        (p, source, "real")
        for p in chosen
        for source in marked[p]
        if source in SAMPLE_SOURCES and (not sources or source in sources)
    ]


def _external(path: Path, source: str) -> str:
    """The other fake sources the notebook accepts: its external hospitals in make real-check."""
    accepted = marked_notebooks(ROOT / "notebooks")[path]
    return ",".join(s for s in SAMPLE_SOURCES if s in accepted and s != source)


RUNS = _selected()


def _execute(nb, *, cwd: Path, source: str, data: Path, monkeypatch, external: str = "") -> None:
    for key, value in {
        "RADKIT_IMAGES": source,
        "RADKIT_EXTERNAL": external,
        "RADKIT_DATA": str(data),
        "RADKIT_PROFILE": "quick",
        "RADKIT_CHECKS_STRICT": "1",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }.items():
        monkeypatch.setenv(key, value)  # the kernel inherits the environment
    NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()


@pytest.mark.skipif(
    not RUNS,
    reason="no notebook in notebooks/ declares real-image support yet "
    "(metadata radkit.real_images; see radkit/devtools/real_notebooks.py)",
)
@pytest.mark.parametrize(("path", "source", "kind"), RUNS, ids=[f"{p.stem}-{s}-{k}" for p, s, k in RUNS])
def test_marked_notebook_runs_on_fake_real_images(path, source, kind, request, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    assert source in real_image_sources(nb.metadata)
    if kind == "enriched":
        data, external = request.getfixturevalue("fake_cxr_data_quick"), ""
    else:
        data, external = request.getfixturevalue("fake_cxr_data_real_prevalence"), _external(path, source)
    _execute(nb, cwd=path.parent, source=source, data=data, monkeypatch=monkeypatch, external=external)


DEMO = [
    "import radkit\nfrom radkit import models, train\nfrom radkit.data import lesson_data\n"
    "from sklearn.metrics import roc_auc_score\nprof = radkit.setup()\nassert prof.images == 'nih', prof.images",
    "d = lesson_data(prof, findings=['effusion', 'cardiomegaly'])\n"
    "assert not d.synthetic and len(d.train) > 0 and len(d.test) > 0\nd.describe()",
    "X, y = d.train.tensors()\nassert X.shape[1:] == (1, prof.image_size, prof.image_size) and y.shape[1] == 2",
    "model = models.make_model(prof.model, num_classes=2, seed=prof.seed)\n"
    "history = train.fit(model, d.train.dataset(), num_epochs=2, lr=1e-3, batch_size=16, seed=prof.seed)\n"
    "y_score = train.predict(model, d.test.dataset())\n"
    "auc = roc_auc_score(d.test.labels['effusion'], y_score[:, 0])\n"
    "assert y_score.shape == (len(d.test), 2) and 0 <= auc <= 1",
]


def test_demo_lesson_runs_on_the_fake_nih_folder(fake_cxr_data, tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in DEMO])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    _execute(nb, cwd=tmp_path, source="nih", data=fake_cxr_data, monkeypatch=monkeypatch)
    printed = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "images: nih" in printed  # setup says which source is in use


# --------------------------------------------------------------------------- the metadata convention


def _nb_file(folder: Path, name: str, real_images=None) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T")])
    if real_images is not None:
        nb.metadata["radkit"] = {"real_images": real_images}
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_metadata_values_and_selection(tmp_path):
    from radkit.devtools.real_notebooks import check_metadata, main, select

    every = _nb_file(tmp_path, "a.ipynb", True)
    some = _nb_file(tmp_path, "b.ipynb", ["chexpert", "padchest"])
    none = _nb_file(tmp_path, "c.ipynb")
    off = _nb_file(tmp_path, "d.ipynb", False)
    assert marked_notebooks(tmp_path) == {
        every: REAL_SOURCES,
        some: ("chexpert", "padchest"),
    }
    assert select("nih", [every, some, none, off]) == [every]
    assert select("nih", [every, some, none, off], others=True) == [some, none, off]
    assert select("synthetic", [every, some]) == [] and select("synthetic", [every], others=True) == [every]
    assert check_metadata({"radkit": {"real_images": "nih"}})[0].startswith("metadata radkit.real_images: 'nih'")
    with pytest.raises(SystemExit, match="Unknown image source 'mimic'"):
        main(["select", "mimic", str(every)])
    main(["mark", str(none), "nih"])
    assert real_image_sources(nbformat.read(none, as_version=4).metadata) == ("nih",)


def test_lint_reports_a_bad_real_images_value(tmp_path):
    from radkit.devtools.nblint import lint

    nb = nbformat.v4.new_notebook(cells=[])
    nb.metadata["radkit"] = {"real_images": ["nih", "mimic"]}
    assert any("unknown source(s) ['mimic']" in p for p in lint(nb, kind="solution", name="x"))


@pytest.mark.skipif(
    not os.environ.get("RADKIT_REAL_NOTEBOOKS"),
    reason="make real-check only (writes 3,000 fake NIH films and runs notebook 12: about three minutes)",
)
def test_fairness_lesson_goes_on_with_a_partial_download_at_real_prevalence(tmp_path, monkeypatch):
    """A random 3,000 of NIH's films (real prevalence, few children) used to stop notebook 12 with
    "group '0-17' has no positive cases"; sparse age bands are now pooled, said so, and the lesson ends."""
    from radkit.devtools.fake_cxr import write_fake_nih_sample

    write_fake_nih_sample(tmp_path, 3000, seed=1)
    path = ROOT / "notebooks" / "12_fairness.ipynb"
    nb = nbformat.read(path, as_version=4)
    _execute(nb, cwd=path.parent, source="nih", data=tmp_path, monkeypatch=monkeypatch)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "not in the folder (a partial download?)" in text
    assert "age bands pooled for too few cardiomegaly cases" in text
    assert "C6 not checked (real images (nih)" in text and "C5 pass" in text
