"""Checkers of notebook 10's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import pytest
import torch
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)

from radkit.models import make_model


@pytest.fixture(scope="module")
def ctx():
    net = make_model("smallcnn", num_classes=2, seed=0).eval()
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(6, 1, 16, 16, generator=gen)
    y = torch.tensor([0, 1, 1, 0, 1, 0])
    return {"model": net, "x": x, "y": y, "eps": 2 / 255}


def _grad_sign(c):
    xg = c["x"].clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(c["model"](xg), c["y"], reduction="sum")
    return torch.autograd.grad(loss, xg)[0].sign()  # by hand, independent of radkit.adversarial


def test_10_1_right(ctx, capsys):
    right = (ctx["x"] + ctx["eps"] * _grad_sign(ctx)).clamp(0, 1)
    assert _check("10.1", right, **ctx)
    assert "correct: 10.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda c: (c["x"] - c["eps"] * _grad_sign(c)).clamp(0, 1), "stepped down"),
        (lambda c: c["x"] + c["eps"] * _grad_sign(c), "clamp"),
        (lambda c: (c["x"] + 0.5 * c["eps"] * _grad_sign(c)).clamp(0, 1), "smaller than eps"),
        (lambda c: c["x"][:3], "same shape"),
    ],
)
def test_10_1_hints(ctx, capsys, wrong, hint):
    x = ctx["x"]
    if hint == "clamp":  # make some pixels leave [0, 1]
        ctx = ctx | {"x": torch.where(x > 0.5, 0.999, 0.001)}
    assert not _check("10.1", wrong(ctx), **ctx)
    out = capsys.readouterr().out
    assert "not yet: 10.1" in out and hint in out


CTX2 = {"stored_bits": 12, "squeeze_bits": 4}


def test_10_2_right_and_hints(capsys):
    assert _check("10.2", {"one_level": 1 / 4095, "erased": 1 / 30}, **CTX2)
    assert _check("10.2", {"one_level": 1 / 4095, "erased": 1 / 30 - 1e-4}, **CTX2)
    for answer, hint in [
        ({"one_level": 1 / 4096, "erased": 1 / 30}, "2**12 − 1 steps"),
        ({"one_level": 1 / 255, "erased": 1 / 30}, "8-bit"),
        ({"one_level": 1 / 4095, "erased": 1 / 15}, "whole step"),
        ({"one_level": 1 / 4095, "erased": 0.2}, "too large"),
        ({"one_level": 1 / 4095, "erased": 0.001}, "larger?"),
        ({"one_level": 1 / 4095}, "keys"),
    ]:
        assert not _check("10.2", answer, **CTX2)
        out = capsys.readouterr().out
        assert hint in out and "0.0333" not in out


MASKED = {"clean": 0.9, "naive": 0.85, "transfer": 0.6, "bpda": 0.1}
HONEST = {"clean": 0.9, "naive": 0.12, "transfer": 0.5, "bpda": 0.1}


def test_10_3_right_and_hints(capsys):
    assert _check("10.3", {"masking": True, "robust_accuracy": 0.1}, accuracies=MASKED)
    assert _check("10.3", {"masking": False, "robust_accuracy": 0.1}, accuracies=HONEST)
    for answer, acc, hint in [
        ({"masking": False, "robust_accuracy": 0.1}, MASKED, "hid its gradient"),
        ({"masking": True, "robust_accuracy": 0.1}, HONEST, "not hidden"),
        ({"masking": True, "robust_accuracy": 0.9}, MASKED, "no attack"),
        ({"masking": True, "robust_accuracy": 0.85}, MASKED, "strongest attack"),
        ({"masking": "yes", "robust_accuracy": 0.1}, MASKED, "True or False"),
    ]:
        assert not _check("10.3", answer, accuracies=acc)
        assert hint in capsys.readouterr().out
