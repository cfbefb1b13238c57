"""The output check (radkit.devtools.outputs): each rule catches its offending notebook, passes a clean one."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest

from radkit.devtools import outputs


def _png(shade: int) -> str:
    """A valid 1x1 grey PNG, base64 as in a notebook."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    raw += chunk(b"IDAT", zlib.compress(bytes([0, shade]))) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


def _stdout(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def _stderr(text):
    return {"output_type": "stream", "name": "stderr", "text": text}


def _html(html):
    return {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"text/html": html, "text/plain": "table"},
    }


def _image(shade):
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"image/png": _png(shade), "text/plain": "<Figure size 640x480 with 1 Axes>"},
    }


def _table(header, rows):
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr><th>" + str(k) + "</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for k, row in enumerate(rows)
    )
    return f'<table class="dataframe"><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>'


def _nb(*outs_per_cell, tags=None, widgets=None):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# T"}]
    for k, outs in enumerate(outs_per_cell):
        meta = {"tags": tags} if tags and k == len(outs_per_cell) - 1 else {}
        cells.append(
            {"cell_type": "code", "metadata": meta, "source": "x", "execution_count": k + 1, "outputs": list(outs)}
        )
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    if widgets:
        nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": widgets}}
    return nb


CLEAN = _nb(
    [_stdout("AUC 0.812 (95% CI 0.770 to 0.850), n = 375\n")],
    [_html(_table(["auc", "n", "label error rate"], [["0.812", "375", "0.10"], ["0.790", "112", "0.12"]]))],
    [_image(10)],
    [_image(200)],
    [_stderr("train: 100%|##########| 20/20 [00:01<00:00, 15.2it/s]\n")],
)


def test_clean_notebook_passes():
    assert outputs.check(CLEAN) == []


OFFENDING = {
    "error": _nb(
        [{"output_type": "error", "ename": "NameError", "evalue": "name 'odds' is not defined", "traceback": ["..."]}]
    ),
    "warning": _nb([_stderr("/x/y.py:3: UserWarning: X does not have valid feature names\n  warnings.warn(\n")]),
    "raw-repr": _nb([_stdout("sensitivity    0.91\nspecificity    0.88\nName: raw, dtype: float64\n")]),
    "dataclass-repr": _nb([_stdout("History(rows=[{'epoch': 1, 'train_loss': 0.43}])\n")]),
    "long-float": _nb([_html(_table(["auc"], [["0.547883"], ["0.61"]]))]),
    "float-count": _nb([_html(_table(["n"], [["375.0"], ["112120.0"]]))]),
    "nan-column": _nb([_html(_table(["auc", "label error rate"], [["0.81", "NaN"], ["0.79", "NaN"]]))]),
    "progress": _nb([_stderr("folds:  67%|######6   | 2/3 [00:04<00:02,  2.1s/it]")]),
    "duplicate-image": _nb([_image(30)], [_image(30)]),
    "outside-interval": _nb([_stdout("PPV gap across age bands: 0.020 (95% CI 0.026 to 0.281, n = 4)\n")]),
}


@pytest.mark.parametrize("rule", list(outputs.RULES))
def test_each_rule_catches_its_offending_notebook(rule):
    nb = OFFENDING[rule]
    found = outputs.RULES[rule](nb)
    assert found, rule
    assert all(p.rule == rule and p.cell == len(nb["cells"]) - 1 for p in found), found
    assert str(found[0]).startswith(f"cell {len(nb['cells']) - 1}: {rule}: ")
    assert outputs.RULES[rule](CLEAN) == []


@pytest.mark.parametrize(
    "text",
    [
        "np.float64(1.0)",
        "array([0.1, 0.2])",
        "x: dtype: int64",
        "SE ratios per 10x cases: [3.2  3.12]",
        "AP share by sex: {'F': 0.707, 'M': 0.765}",
    ],
)
def test_numpy_reprs(text):
    assert outputs.raw_reprs(_nb([_stdout(text)]))


@pytest.mark.parametrize("text", ["AUC 0.91 [0.85, 0.95]", "readers [R1, R2]", "see [3]", "sets {A, B}"])
def test_formatted_text_is_not_a_repr(text):
    assert outputs.raw_reprs(_nb([_stdout(text)])) == []


def test_messages_name_the_offending_text():
    assert "0.547883" in str(outputs.long_floats(OFFENDING["long-float"])[0])
    assert "0.020 (95% CI 0.026 to 0.281," in str(outputs.outside_interval(OFFENDING["outside-interval"])[0])
    assert "'label error rate'" in str(outputs.nan_columns(OFFENDING["nan-column"])[0])
    assert "67%" in str(outputs.progress_bars(OFFENDING["progress"])[0])
    assert "cell 1" in str(outputs.duplicate_images(OFFENDING["duplicate-image"])[0])


def test_intended_warning_is_allowed():
    nb = OFFENDING["warning"]
    nb = _nb(nb["cells"][1]["outputs"], tags=[outputs.INTENDED_WARNING_TAG])
    assert outputs.warnings_shown(nb) == []


@pytest.mark.parametrize(
    "text, bad",
    [
        ("n = 375.0", True),
        ("n_rep 600.0", True),
        ("reader reads per image 3.0", True),
        ("n = 375", False),
        ("threshold 0.5, gain 2.0", False),
    ],
)
def test_printed_count_as_float(text, bad):
    assert bool(outputs.float_counts(_nb([_stdout(text)]))) is bad


def test_float_columns_that_are_not_counts_pass():
    nb = _nb([_html(_table(["flag", "auc"], [["1.0", "0.81"], ["0.0", "0.79"]]))])
    assert outputs.float_counts(nb) == []


@pytest.mark.parametrize(
    "text, bad",
    [
        ("AUC 0.91 [0.85, 0.95]", False),
        ("AUC 0.80 [0.85, 0.95]", True),
        ("gain +0.05 (95% CI -0.01 to 0.11)", False),
        ("0.3 (0.1, 0.2);", True),
    ],
)
def test_interval_formats(text, bad):
    assert bool(outputs.outside_interval(_nb([_stdout(text)]))) is bad


def test_progress_bar_unknown_total_and_overwritten_bar():
    assert outputs.progress_bars(_nb([_stderr("epochs: 32/? [00:02, 13it/s]")]))
    # tqdm rewrites its line with \r: only the final state counts
    done = "x:  50%|#####     | 1/2 [00:01<00:01]\rx: 100%|##########| 2/2 [00:02<00:00]\n"
    assert outputs.progress_bars(_nb([_stderr(done)])) == []


def test_progress_bar_widget_state():
    view = {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "application/vnd.jupyter.widget-view+json": {"model_id": "box", "version_major": 2},
            "text/plain": "  0%|          | 0/3",
        },
    }
    widgets = {
        "box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_bar", "IPY_MODEL_txt"]}},
        "bar": {"model_name": "FloatProgressModel", "state": {"value": 2, "max": 3}},
        "txt": {"model_name": "HTMLModel", "state": {"value": " 2/3 [00:04&lt;00:02]"}},
    }
    found = outputs.progress_bars(_nb([view], widgets=widgets))
    assert found and "2 of 3" in str(found[0])
    widgets["bar"]["state"]["value"] = 3
    assert outputs.progress_bars(_nb([view], widgets=widgets)) == []


def test_check_selects_rules_and_refuses_unknown():
    assert [p.rule for p in outputs.check(OFFENDING["error"], rules=["error"])] == ["error"]
    with pytest.raises(ValueError, match="unknown output rule"):
        outputs.check(CLEAN, rules=["nope"])


def test_cli_prints_problems_per_notebook(tmp_path, capsys):
    bad, good = tmp_path / "bad.ipynb", tmp_path / "good.ipynb"
    bad.write_text(json.dumps(OFFENDING["raw-repr"]))
    good.write_text(json.dumps(CLEAN))
    assert outputs.main([str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: 1 problem(s)" in out and "raw-repr" in out and f"{good}: clean" in out
    assert outputs.main([str(good)]) == 0
