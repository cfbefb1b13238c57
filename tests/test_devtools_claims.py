"""The claims runner names the claim that failed, not the last one in the cell."""

import nbformat

from radkit.devtools.claims import run_one


def _nb(path, source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_failing_claim_is_the_one_quoted(tmp_path):
    path = _nb(tmp_path / "c.ipynb", "x = 2\nassert x > 1, 'first'\nassert x > 5, f'second: x = {x}'\nassert x > 0\n")
    ok, msg, seconds = run_one(path, seed=3)
    assert not ok
    assert msg.startswith("assert x > 5"), msg
    assert "second: x = 2" in msg
    assert seconds > 0


def test_passing_notebook_and_seed_reach_the_kernel(tmp_path):
    path = _nb(tmp_path / "p.ipynb", "import os\nprint('ran')\nassert os.environ['RADKIT_SEED'] == '3'\n")
    before = path.read_bytes()
    assert run_one(path, seed=3)[:2] == (True, "pass")
    assert path.read_bytes() == before  # executed from a copy: the committed file is not written
