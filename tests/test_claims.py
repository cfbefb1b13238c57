"""radkit.claims.claim: one line per claim, an AssertionError naming the id, a record the runner reads back."""

import math

import numpy as np
import pytest

from radkit import claims
from radkit.claims import claim


@pytest.fixture(autouse=True)
def _fresh():
    claims.reset()
    yield
    claims.reset()


def test_pass_prints_one_line_and_records(capsys):
    claim("C3", 0.81 > 0.70, "AUC 0.81 clears the bar", value=0.81, bar=0.70)
    assert capsys.readouterr().out == "C3 pass: AUC 0.81 clears the bar (value 0.81, bar 0.70, margin +0.11)\n"
    rec = claims.RECORDS[-1]
    assert rec["id"] == "C3" and rec["passed"] is True and rec["margin"] == pytest.approx(0.11)


def test_margin_is_positive_when_the_claim_holds_whichever_side_the_bar_is():
    claim("C1", 0.03 < 0.05, "error below the bar", value=0.03, bar=0.05)
    assert claims.RECORDS[-1]["margin"] == pytest.approx(0.02)
    with pytest.raises(AssertionError, match=r"^claim C2 failed: error below the bar \(.*margin -0.02\)"):
        claim("C2", 0.07 < 0.05, "error below the bar", value=0.07, bar=0.05)
    assert claims.RECORDS[-1]["passed"] is False and claims.RECORDS[-1]["margin"] == pytest.approx(-0.02)


def test_numpy_inputs_and_no_numbers(capsys):
    claim("C4", np.float64(0.9) > 0.5, "numpy bool", value=np.float32(0.9), bar=np.int64(0))
    claim("C5", True, "a mechanism shown, no bar")
    assert capsys.readouterr().out.splitlines()[-1] == "C5 pass: a mechanism shown, no bar"
    assert claims.RECORDS[-1]["margin"] is None
    claim("C6", False is False, "nan value", value=float("nan"), bar=0.5)
    assert math.isnan(claims.RECORDS[-1]["margin"])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cid": "", "condition": True, "found": "x"}, ValueError, "cid"),
        ({"cid": "C 3", "condition": True, "found": "x"}, ValueError, "cid"),
        ({"cid": "C3", "condition": np.array([True, False]), "found": "x"}, TypeError, "single bool"),
        ({"cid": "C3", "condition": (1 > 0, "msg"), "found": "x"}, TypeError, "single bool"),
        ({"cid": "C3", "condition": True, "found": ""}, ValueError, "found"),
        ({"cid": "C3", "condition": True, "found": "x", "value": 0.5}, ValueError, "both value= and bar="),
        (
            {"cid": "C3", "condition": True, "found": "x", "value": "0.5", "bar": 0.1},
            TypeError,
            "value must be a number",
        ),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        claim(**kwargs)
    assert claims.RECORDS == []


def test_smoke_prints_not_checked_and_never_raises(monkeypatch, capsys):
    monkeypatch.setenv("RADKIT_SMOKE", "1")
    claim("C3", 0.62 > 0.70, "the ensemble beats one model", value=0.62, bar=0.70)  # false, yet no error
    claim("C4", True, "no numbers")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "C3 not checked (smoke): the ensemble beats one model (value 0.62, bar 0.70, margin -0.08)",
        "C4 not checked (smoke): no numbers",
    ]
    assert [(r["id"], r["passed"], r["margin"], r["smoke"]) for r in claims.RECORDS] == [
        ("C3", None, None, True),
        ("C4", None, None, True),
    ]
    with pytest.raises(TypeError):  # a misused claim() is a code-path bug: smoke still finds it
        claim("C5", np.array([True, False]), "an array")


@pytest.mark.parametrize("off", ["0", "", "off"])
def test_outside_smoke_nothing_changes(monkeypatch, off):
    monkeypatch.setenv("RADKIT_SMOKE", off)
    with pytest.raises(AssertionError, match="^claim C3 failed"):
        claim("C3", 0.62 > 0.70, "the ensemble beats one model", value=0.62, bar=0.70)
    assert claims.RECORDS[-1]["passed"] is False and "smoke" not in claims.RECORDS[-1]


def test_a_skipped_claim_is_printed_and_recorded_with_its_reason_and_never_raises(capsys):
    from radkit.claims import RECORDS, claim

    claim("C9", False, "the gap follows the generator's ages", value=0.1, bar=0.2, skip="real images: no known ages")
    out = capsys.readouterr().out
    assert out.startswith("C9 not checked (real images: no known ages): the gap follows")
    assert RECORDS[-1]["passed"] is None and RECORDS[-1]["skipped"] == "real images: no known ages"
    with pytest.raises(ValueError, match="skip must say why"):
        claim("C9", True, "x", skip="  ")
